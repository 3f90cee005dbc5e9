//! Defines the request flags of curl 7.88 that change how a URL turns into bytes on the wire
//! and how the reply's bytes are taken: `--path-as-is`, `--proto-default`, `--http0.9`,
//! `--raw`, `--ignore-content-length`, `--tr-encoding`, and -F's names (`--form-escape`);
//! and what they come to once checked.
//!
//! One group of their own, flattened into the fetch flags, so the flags and what they feed
//! live together instead of spread through `args.rs` and `plan.rs`.

use super::headings::{OUTPUT, REQUEST};
use crate::fetch::error::FetchError;
use crate::fetch::http::multipart::NameEscape;
use clap::Args;

/// The wire flags: the request target and the URL's scheme.
#[derive(Debug, Clone, Default, Args)]
pub struct WireFlags {
    /// Send the URL's path as typed: no `/../` or `/./` squashed.
    ///
    /// Bytes outside printable ASCII are %-encoded, as curl sends them; the query is the
    /// URL's. After a redirect, the Location's path is resolved as usual.
    #[arg(help_heading = REQUEST, long = "path-as-is")]
    pub path_as_is: bool,

    /// The scheme of a URL typed without one [default: http].
    ///
    /// Any protocol curl knows is taken; sockit fetches only http and https, so another
    /// fails its URL with exit 1, and an unknown name is exit 1 at once, as curl.
    #[arg(help_heading = REQUEST, long = "proto-default", value_name = "PROTOCOL")]
    pub proto_default: Option<String>,

    /// Take a reply without a status line as an HTTP/0.9 body.
    ///
    /// Its bytes until the server closes are the body (`%{http_code}` 000). Without it such a
    /// reply is exit 1, as curl 7.88 refuses it.
    #[arg(help_heading = REQUEST, long = "http0.9")]
    pub http09: bool,

    /// Write the body as received: no chunked framing or codings taken off.
    ///
    /// Not the content codings (even with --compressed), not a gzip Transfer-Encoding, not
    /// the chunk sizes and trailers of a chunked body.
    #[arg(help_heading = OUTPUT, long = "raw")]
    pub raw: bool,

    /// Ignore the Content-Length: the body runs until the server closes.
    ///
    /// For servers that send a wrong one (Apache 1.x past 2 GiB); a chunked body still ends
    /// at its last chunk.
    #[arg(help_heading = REQUEST, long = "ignore-content-length")]
    pub ignore_content_length: bool,

    /// Ask for a gzip Transfer-Encoding (`TE: gzip`), decoded as it comes.
    ///
    /// A gzip Transfer-Encoding is decoded without it too, as curl does; a `-H Connection`
    /// value joins `TE` in one Connection line, and a `-H TE` of your own replaces both.
    #[arg(help_heading = REQUEST, long = "tr-encoding")]
    pub tr_encoding: bool,

    /// Escape -F names and file names with backslashes, not %-codes.
    ///
    /// `\` and `"` get a backslash before them and line breaks pass, where by default `"`,
    /// CR and LF are sent as `%22`, `%0D` and `%0A` (as browsers do); as curl 7.88.
    #[arg(help_heading = REQUEST, long = "form-escape")]
    pub form_escape: bool,
}

/// The protocols curl 7.88 knows by name (`curl -V`'s list, every build option on): what
/// `--proto-default` takes.
const CURL_PROTOCOLS: [&str; 28] = [
    "dict", "file", "ftp", "ftps", "gopher", "gophers", "http", "https", "imap", "imaps", "ldap",
    "ldaps", "mqtt", "pop3", "pop3s", "rtmp", "rtmpe", "rtmps", "rtmpt", "rtsp", "scp", "sftp",
    "smb", "smbs", "smtp", "smtps", "telnet", "tftp",
];

impl WireFlags {
    /// The scheme for a URL typed without one: `--proto-default`'s (lower case), else http;
    /// a name curl does not know is curl's 1.
    pub fn default_scheme(&self) -> Result<String, FetchError> {
        let Some(name) = &self.proto_default else {
            return Ok("http".into());
        };
        let lower = name.to_ascii_lowercase();
        if CURL_PROTOCOLS.contains(&lower.as_str()) {
            Ok(lower)
        } else {
            Err(FetchError::UnsupportedProtocol(name.clone()))
        }
    }

    /// How -F names and file names are escaped: `--form-escape`'s backslashes, else
    /// %-codes.
    pub fn name_escape(&self) -> NameEscape {
        match self.form_escape {
            true => NameEscape::Backslash,
            false => NameEscape::Percent,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `--proto-default` takes curl's names in any case and refuses others with exit 1.
    #[test]
    fn default_schemes_are_curls_protocols() {
        let flags = |name: &str| WireFlags {
            proto_default: Some(name.into()),
            ..WireFlags::default()
        };
        assert_eq!(WireFlags::default().default_scheme().unwrap(), "http");
        assert_eq!(flags("HTTPS").default_scheme().unwrap(), "https");
        assert_eq!(flags("ftp").default_scheme().unwrap(), "ftp");
        assert_eq!(flags("foo").default_scheme().unwrap_err().exit_code(), 1);
    }
}
