//! Defines the cookie flags, `-b`, `-c` and `-j`, with curl's spellings; `///` docs are the
//! `--help` text.

use super::headings::{OUTPUT, REQUEST};
use clap::Args;
use std::path::PathBuf;

/// The flags that turn on the cookie engine and feed it.
#[derive(Debug, Clone, Default, Args)]
pub struct CookieFlags {
    /// Send cookies: `NAME=VALUE; ...`, or those of a Netscape cookie FILE.
    ///
    /// Text with `=` is sent as it is (to the first origin only, unless --location-trusted);
    /// anything else names a file to read (`-` for stdin; a missing file is none, so `-b ''`
    /// just turns the cookie engine on). Cookies the server sets are then kept and sent back
    /// by RFC 6265's rules, across redirects too. Repeatable.
    #[arg(help_heading = REQUEST, short = 'b', long = "cookie", value_name = "DATA|FILE")]
    pub cookie: Vec<String>,

    /// Write every cookie to FILE at the end, in curl's Netscape format.
    ///
    /// Written whole through a temporary file and a rename (curl writes in place).
    #[arg(help_heading = OUTPUT, short = 'c', long = "cookie-jar", value_name = "FILE")]
    pub cookie_jar: Option<PathBuf>,

    /// Leave out the session cookies of -b files (a new session).
    #[arg(help_heading = REQUEST, short = 'j', long = "junk-session-cookies")]
    pub junk_session_cookies: bool,
}
