//! Owns the list of curl 7.88's options, as `curl --help all` (7.88.1, Debian 12) prints
//! them, and the one line `sockit fetch` says for a curl option it does not take.
//!
//! clap's own tips mislead a curl user (`--create-dirs` got "a similar argument exists:
//! '--max-redirs'"), so an argument clap does not know is looked up here first. The table is
//! consulted only for arguments clap rejected: adding a flag to fetch's clap definitions is
//! all it takes to stop calling it unsupported. A test keeps the out-of-scope rows out of
//! clap, and the README's list in step with the rest.

use crate::exit::common;
use Scope::{
    Http, KerberosNtlm, Libcurl, Metalink, OldSsl, OpenSslOnly, OtherProtocol, WindowsOnly,
};

/// Whether an option of curl's can ever apply to `sockit fetch`, and if not, why.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    /// It applies to HTTP or HTTPS: sockit fetch takes it or will.
    Http,
    /// FTP, SMTP, IMAP, POP3, SSH, TFTP, telnet or LDAP.
    OtherProtocol,
    /// Kerberos, GSS-API/SPNEGO or NTLM.
    KerberosNtlm,
    /// Schannel, Windows' TLS.
    WindowsOnly,
    /// OpenSSL's own machinery.
    OpenSslOnly,
    /// SSLv2 or SSLv3.
    OldSsl,
    /// Metalink, which curl 7.88 refuses too.
    Metalink,
    /// Writing the libcurl C program of a command line.
    Libcurl,
}

impl Scope {
    /// The out-of-scope kinds, in the order the README lists them.
    pub const OUT: [Scope; 7] = [
        OtherProtocol,
        KerberosNtlm,
        WindowsOnly,
        OpenSslOnly,
        OldSsl,
        Metalink,
        Libcurl,
    ];

    /// What the options of this kind are about, as the README heads them.
    pub fn label(self) -> &'static str {
        match self {
            Http => "HTTP and HTTPS",
            OtherProtocol => "FTP, SMTP, IMAP, POP3, SSH, TFTP, telnet and LDAP",
            KerberosNtlm => "Kerberos, GSS-API/SPNEGO and NTLM",
            WindowsOnly => "Windows only",
            OpenSslOnly => "OpenSSL only",
            OldSsl => "SSLv2 and SSLv3",
            Metalink => "Metalink",
            Libcurl => "libcurl source",
        }
    }

    /// Why an out-of-scope option is refused, as the refusal line ends; none for HTTP's.
    pub fn reason(self) -> Option<&'static str> {
        Some(match self {
            Scope::Http => return None,
            Scope::OtherProtocol => "sockit fetch speaks HTTP and HTTPS only",
            Scope::KerberosNtlm => "sockit fetch has no Kerberos, GSS-API or NTLM authentication",
            Scope::WindowsOnly => "it configures Windows' TLS, and sockit's TLS is rustls",
            Scope::OpenSslOnly => "it configures OpenSSL, and sockit's TLS is rustls",
            Scope::OldSsl => "SSLv2 and SSLv3 are broken, and rustls never speaks them",
            Scope::Metalink => "curl 7.88 refuses it too: Metalink support was removed",
            Scope::Libcurl => "sockit is not built on libcurl, so there is no libcurl program",
        })
    }
}

/// One option of curl 7.88.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CurlOption {
    /// The one-character form, as `c` of `-c`.
    pub short: Option<char>,
    /// The long form without its dashes, as `cookie-jar`.
    pub long: &'static str,
    /// curl's own one-line summary from `curl --help all`.
    pub summary: &'static str,
    /// Whether it can apply to sockit fetch.
    pub scope: Scope,
}

impl CurlOption {
    /// The option as curl's help names it: `-c, --cookie-jar` or `--create-dirs`.
    pub fn name(&self) -> String {
        match self.short {
            Some(short) => format!("-{short}, --{}", self.long),
            None => format!("--{}", self.long),
        }
    }
}

/// A curl option that `sockit fetch` does not take: a usage error (exit 2) whose one line
/// says so instead of clap's tips.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum UnsupportedCurlOption {
    /// An HTTP(S) option sockit fetch lacks for now.
    #[error("fetch does not support curl's {typed} yet")]
    NotYet {
        /// The option as typed, with its long form when a short one was typed.
        typed: String,
    },
    /// An option outside what sockit fetch is for.
    #[error("fetch does not support curl's {typed}: {reason}")]
    OutOfScope {
        /// The option as typed, with its long form when a short one was typed.
        typed: String,
        /// Why it is out of scope.
        reason: &'static str,
    },
}

impl UnsupportedCurlOption {
    /// A command line sockit cannot act on: the usage code, as clap's own errors.
    pub fn exit_code(&self) -> u8 {
        common::USAGE
    }

    /// The refusal for `arg`, an argument clap did not know (`--create-dirs`, `--krb=x`,
    /// `-c`), when it is one of curl's options; none otherwise.
    pub fn for_arg(arg: &str) -> Option<Self> {
        let option = find(arg)?;
        let typed = match arg.strip_prefix("--") {
            Some(_) => format!("--{}", option.long),
            None => format!("{arg} (--{})", option.long),
        };
        Some(match option.scope.reason() {
            None => UnsupportedCurlOption::NotYet { typed },
            Some(reason) => UnsupportedCurlOption::OutOfScope { typed, reason },
        })
    }
}

/// The curl option `arg` names, as typed: `--long`, `--long=VALUE` or `-s`.
pub fn find(arg: &str) -> Option<&'static CurlOption> {
    if let Some(long) = arg.strip_prefix("--") {
        let long = long.split_once('=').map_or(long, |(name, _)| name);
        return CURL_OPTIONS.iter().find(|o| o.long == long);
    }
    let mut chars = arg.strip_prefix('-')?.chars();
    let short = chars.next()?;
    CURL_OPTIONS.iter().find(|o| o.short == Some(short))
}

/// A row of the table.
const fn opt(
    short: Option<char>,
    long: &'static str,
    summary: &'static str,
    scope: Scope,
) -> CurlOption {
    CurlOption {
        short,
        long,
        summary,
        scope,
    }
}

/// Every option `curl --help all` lists (curl 7.88.1), in its order, with curl's summary.
pub static CURL_OPTIONS: &[CurlOption] = &[
    opt(
        None,
        "abstract-unix-socket",
        "Connect via abstract Unix domain socket",
        Http,
    ),
    opt(None, "alt-svc", "Enable alt-svc with this cache file", Http),
    opt(None, "anyauth", "Pick any authentication method", Http),
    opt(
        Some('a'),
        "append",
        "Append to target file when uploading",
        OtherProtocol,
    ),
    opt(
        None,
        "aws-sigv4",
        "Use AWS V4 signature authentication",
        Http,
    ),
    opt(None, "basic", "Use HTTP Basic Authentication", Http),
    opt(
        None,
        "cacert",
        "CA certificate to verify peer against",
        Http,
    ),
    opt(None, "capath", "CA directory to verify peer against", Http),
    opt(
        Some('E'),
        "cert",
        "Client certificate file and password",
        Http,
    ),
    opt(
        None,
        "cert-status",
        "Verify the status of the server cert via OCSP-staple",
        Http,
    ),
    opt(
        None,
        "cert-type",
        "Certificate type (DER/PEM/ENG/P12)",
        Http,
    ),
    opt(None, "ciphers", "SSL ciphers to use", Http),
    opt(None, "compressed", "Request compressed response", Http),
    opt(
        None,
        "compressed-ssh",
        "Enable SSH compression",
        OtherProtocol,
    ),
    opt(Some('K'), "config", "Read config from a file", Http),
    opt(
        None,
        "connect-timeout",
        "Maximum time allowed for connection",
        Http,
    ),
    opt(None, "connect-to", "Connect to host", Http),
    opt(Some('C'), "continue-at", "Resumed transfer offset", Http),
    opt(Some('b'), "cookie", "Send cookies from string/file", Http),
    opt(
        Some('c'),
        "cookie-jar",
        "Write cookies to <filename> after operation",
        Http,
    ),
    opt(
        None,
        "create-dirs",
        "Create necessary local directory hierarchy",
        Http,
    ),
    opt(
        None,
        "create-file-mode",
        "File mode for created files",
        Http,
    ),
    opt(None, "crlf", "Convert LF to CRLF in upload", OtherProtocol),
    opt(None, "crlfile", "Use this CRL list", Http),
    opt(
        None,
        "curves",
        "(EC) TLS key exchange algorithm(s) to request",
        Http,
    ),
    opt(Some('d'), "data", "HTTP POST data", Http),
    opt(None, "data-ascii", "HTTP POST ASCII data", Http),
    opt(None, "data-binary", "HTTP POST binary data", Http),
    opt(None, "data-raw", "HTTP POST data, '@' allowed", Http),
    opt(None, "data-urlencode", "HTTP POST data URL encoded", Http),
    opt(
        None,
        "delegation",
        "GSS-API delegation permission",
        KerberosNtlm,
    ),
    opt(None, "digest", "Use HTTP Digest Authentication", Http),
    opt(Some('q'), "disable", "Disable .curlrc", Http),
    opt(
        None,
        "disable-eprt",
        "Inhibit using EPRT or LPRT",
        OtherProtocol,
    ),
    opt(None, "disable-epsv", "Inhibit using EPSV", OtherProtocol),
    opt(
        None,
        "disallow-username-in-url",
        "Disallow username in URL",
        Http,
    ),
    opt(
        None,
        "dns-interface",
        "Interface to use for DNS requests",
        Http,
    ),
    opt(
        None,
        "dns-ipv4-addr",
        "IPv4 address to use for DNS requests",
        Http,
    ),
    opt(
        None,
        "dns-ipv6-addr",
        "IPv6 address to use for DNS requests",
        Http,
    ),
    opt(None, "dns-servers", "DNS server addrs to use", Http),
    opt(
        None,
        "doh-cert-status",
        "Verify the status of the DoH server cert via OCSP-staple",
        Http,
    ),
    opt(
        None,
        "doh-insecure",
        "Allow insecure DoH server connections",
        Http,
    ),
    opt(None, "doh-url", "Resolve host names over DoH", Http),
    opt(
        Some('D'),
        "dump-header",
        "Write the received headers to <filename>",
        Http,
    ),
    opt(
        None,
        "egd-file",
        "EGD socket path for random data",
        OpenSslOnly,
    ),
    opt(None, "engine", "Crypto engine to use", OpenSslOnly),
    opt(
        None,
        "etag-compare",
        "Pass an ETag from a file as a custom header",
        Http,
    ),
    opt(
        None,
        "etag-save",
        "Parse ETag from a request and save it to a file",
        Http,
    ),
    opt(
        None,
        "expect100-timeout",
        "How long to wait for 100-continue",
        Http,
    ),
    opt(
        Some('f'),
        "fail",
        "Fail fast with no output on HTTP errors",
        Http,
    ),
    opt(
        None,
        "fail-early",
        "Fail on first transfer error, do not continue",
        Http,
    ),
    opt(
        None,
        "fail-with-body",
        "Fail on HTTP errors but save the body",
        Http,
    ),
    opt(None, "false-start", "Enable TLS False Start", Http),
    opt(Some('F'), "form", "Specify multipart MIME data", Http),
    opt(
        None,
        "form-escape",
        "Escape multipart form field/file names using backslash",
        Http,
    ),
    opt(None, "form-string", "Specify multipart MIME data", Http),
    opt(None, "ftp-account", "Account data string", OtherProtocol),
    opt(
        None,
        "ftp-alternative-to-user",
        "String to replace USER [name]",
        OtherProtocol,
    ),
    opt(
        None,
        "ftp-create-dirs",
        "Create the remote dirs if not present",
        OtherProtocol,
    ),
    opt(None, "ftp-method", "Control CWD usage", OtherProtocol),
    opt(
        None,
        "ftp-pasv",
        "Use PASV/EPSV instead of PORT",
        OtherProtocol,
    ),
    opt(
        Some('P'),
        "ftp-port",
        "Use PORT instead of PASV",
        OtherProtocol,
    ),
    opt(None, "ftp-pret", "Send PRET before PASV", OtherProtocol),
    opt(
        None,
        "ftp-skip-pasv-ip",
        "Skip the IP address for PASV",
        OtherProtocol,
    ),
    opt(
        None,
        "ftp-ssl-ccc",
        "Send CCC after authenticating",
        OtherProtocol,
    ),
    opt(None, "ftp-ssl-ccc-mode", "Set CCC mode", OtherProtocol),
    opt(
        None,
        "ftp-ssl-control",
        "Require SSL/TLS for FTP login, clear for transfer",
        OtherProtocol,
    ),
    opt(
        Some('G'),
        "get",
        "Put the post data in the URL and use GET",
        Http,
    ),
    opt(
        Some('g'),
        "globoff",
        "Disable URL sequences and ranges using {} and []",
        Http,
    ),
    opt(
        None,
        "happy-eyeballs-timeout-ms",
        "Time for IPv6 before trying IPv4",
        Http,
    ),
    opt(
        None,
        "haproxy-protocol",
        "Send HAProxy PROXY protocol v1 header",
        Http,
    ),
    opt(Some('I'), "head", "Show document info only", Http),
    opt(Some('H'), "header", "Pass custom header(s) to server", Http),
    opt(Some('h'), "help", "Get help for commands", Http),
    opt(
        None,
        "hostpubmd5",
        "Acceptable MD5 hash of the host public key",
        OtherProtocol,
    ),
    opt(
        None,
        "hostpubsha256",
        "Acceptable SHA256 hash of the host public key",
        OtherProtocol,
    ),
    opt(None, "hsts", "Enable HSTS with this cache file", Http),
    opt(None, "http0.9", "Allow HTTP 0.9 responses", Http),
    opt(Some('0'), "http1.0", "Use HTTP 1.0", Http),
    opt(None, "http1.1", "Use HTTP 1.1", Http),
    opt(None, "http2", "Use HTTP 2", Http),
    opt(
        None,
        "http2-prior-knowledge",
        "Use HTTP 2 without HTTP/1.1 Upgrade",
        Http,
    ),
    opt(None, "http3", "Use HTTP v3", Http),
    opt(None, "http3-only", "Use HTTP v3 only", Http),
    opt(
        None,
        "ignore-content-length",
        "Ignore the size of the remote resource",
        Http,
    ),
    opt(
        Some('i'),
        "include",
        "Include protocol response headers in the output",
        Http,
    ),
    opt(
        Some('k'),
        "insecure",
        "Allow insecure server connections",
        Http,
    ),
    opt(
        None,
        "interface",
        "Use network INTERFACE (or address)",
        Http,
    ),
    opt(Some('4'), "ipv4", "Resolve names to IPv4 addresses", Http),
    opt(Some('6'), "ipv6", "Resolve names to IPv6 addresses", Http),
    opt(None, "json", "HTTP POST JSON", Http),
    opt(
        Some('j'),
        "junk-session-cookies",
        "Ignore session cookies read from file",
        Http,
    ),
    opt(
        None,
        "keepalive-time",
        "Interval time for keepalive probes",
        Http,
    ),
    opt(None, "key", "Private key file name", Http),
    opt(
        None,
        "key-type",
        "Private key file type (DER/PEM/ENG)",
        Http,
    ),
    opt(
        None,
        "krb",
        "Enable Kerberos with security <level>",
        KerberosNtlm,
    ),
    opt(
        None,
        "libcurl",
        "Dump libcurl equivalent code of this command line",
        Libcurl,
    ),
    opt(None, "limit-rate", "Limit transfer speed to RATE", Http),
    opt(Some('l'), "list-only", "List only mode", OtherProtocol),
    opt(
        None,
        "local-port",
        "Force use of RANGE for local port numbers",
        Http,
    ),
    opt(Some('L'), "location", "Follow redirects", Http),
    opt(
        None,
        "location-trusted",
        "Like --location, and send auth to other hosts",
        Http,
    ),
    opt(None, "login-options", "Server login options", OtherProtocol),
    opt(
        None,
        "mail-auth",
        "Originator address of the original email",
        OtherProtocol,
    ),
    opt(None, "mail-from", "Mail from this address", OtherProtocol),
    opt(None, "mail-rcpt", "Mail to this address", OtherProtocol),
    opt(
        None,
        "mail-rcpt-allowfails",
        "Allow RCPT TO command to fail for some recipients",
        OtherProtocol,
    ),
    opt(Some('M'), "manual", "Display the full manual", Http),
    opt(None, "max-filesize", "Maximum file size to download", Http),
    opt(
        None,
        "max-redirs",
        "Maximum number of redirects allowed",
        Http,
    ),
    opt(
        Some('m'),
        "max-time",
        "Maximum time allowed for transfer",
        Http,
    ),
    opt(
        None,
        "metalink",
        "Process given URLs as metalink XML file",
        Metalink,
    ),
    opt(
        None,
        "negotiate",
        "Use HTTP Negotiate (SPNEGO) authentication",
        KerberosNtlm,
    ),
    opt(
        Some('n'),
        "netrc",
        "Must read .netrc for user name and password",
        Http,
    ),
    opt(None, "netrc-file", "Specify FILE for netrc", Http),
    opt(None, "netrc-optional", "Use either .netrc or URL", Http),
    opt(
        Some(':'),
        "next",
        "Make next URL use its separate set of options",
        Http,
    ),
    opt(None, "no-alpn", "Disable the ALPN TLS extension", Http),
    opt(
        Some('N'),
        "no-buffer",
        "Disable buffering of the output stream",
        Http,
    ),
    opt(
        None,
        "no-clobber",
        "Do not overwrite files that already exist",
        Http,
    ),
    opt(
        None,
        "no-keepalive",
        "Disable TCP keepalive on the connection",
        Http,
    ),
    opt(None, "no-npn", "Disable the NPN TLS extension", Http),
    opt(
        None,
        "no-progress-meter",
        "Do not show the progress meter",
        Http,
    ),
    opt(None, "no-sessionid", "Disable SSL session-ID reusing", Http),
    opt(
        None,
        "noproxy",
        "List of hosts which do not use proxy",
        Http,
    ),
    opt(None, "ntlm", "Use HTTP NTLM authentication", KerberosNtlm),
    opt(
        None,
        "ntlm-wb",
        "Use HTTP NTLM authentication with winbind",
        KerberosNtlm,
    ),
    opt(None, "oauth2-bearer", "OAuth 2 Bearer Token", Http),
    opt(Some('o'), "output", "Write to file instead of stdout", Http),
    opt(None, "output-dir", "Directory to save files in", Http),
    opt(Some('Z'), "parallel", "Perform transfers in parallel", Http),
    opt(
        None,
        "parallel-immediate",
        "Do not wait for multiplexing (with --parallel)",
        Http,
    ),
    opt(
        None,
        "parallel-max",
        "Maximum concurrency for parallel transfers",
        Http,
    ),
    opt(None, "pass", "Pass phrase for the private key", Http),
    opt(
        None,
        "path-as-is",
        "Do not squash .. sequences in URL path",
        Http,
    ),
    opt(
        None,
        "pinnedpubkey",
        "FILE/HASHES Public key to verify peer against",
        Http,
    ),
    opt(
        None,
        "post301",
        "Do not switch to GET after following a 301",
        Http,
    ),
    opt(
        None,
        "post302",
        "Do not switch to GET after following a 302",
        Http,
    ),
    opt(
        None,
        "post303",
        "Do not switch to GET after following a 303",
        Http,
    ),
    opt(None, "preproxy", "Use this proxy first", Http),
    opt(
        Some('#'),
        "progress-bar",
        "Display transfer progress as a bar",
        Http,
    ),
    opt(None, "proto", "Enable/disable PROTOCOLS", Http),
    opt(
        None,
        "proto-default",
        "Use PROTOCOL for any URL missing a scheme",
        Http,
    ),
    opt(
        None,
        "proto-redir",
        "Enable/disable PROTOCOLS on redirect",
        Http,
    ),
    opt(Some('x'), "proxy", "Use this proxy", Http),
    opt(
        None,
        "proxy-anyauth",
        "Pick any proxy authentication method",
        Http,
    ),
    opt(
        None,
        "proxy-basic",
        "Use Basic authentication on the proxy",
        Http,
    ),
    opt(
        None,
        "proxy-cacert",
        "CA certificate to verify peer against for proxy",
        Http,
    ),
    opt(
        None,
        "proxy-capath",
        "CA directory to verify peer against for proxy",
        Http,
    ),
    opt(None, "proxy-cert", "Set client certificate for proxy", Http),
    opt(
        None,
        "proxy-cert-type",
        "Client certificate type for HTTPS proxy",
        Http,
    ),
    opt(None, "proxy-ciphers", "SSL ciphers to use for proxy", Http),
    opt(None, "proxy-crlfile", "Set a CRL list for proxy", Http),
    opt(
        None,
        "proxy-digest",
        "Use Digest authentication on the proxy",
        Http,
    ),
    opt(None, "proxy-header", "Pass custom header(s) to proxy", Http),
    opt(
        None,
        "proxy-insecure",
        "Do HTTPS proxy connections without verifying the proxy",
        Http,
    ),
    opt(None, "proxy-key", "Private key for HTTPS proxy", Http),
    opt(
        None,
        "proxy-key-type",
        "Private key file type for proxy",
        Http,
    ),
    opt(
        None,
        "proxy-negotiate",
        "Use HTTP Negotiate (SPNEGO) authentication on the proxy",
        KerberosNtlm,
    ),
    opt(
        None,
        "proxy-ntlm",
        "Use NTLM authentication on the proxy",
        KerberosNtlm,
    ),
    opt(
        None,
        "proxy-pass",
        "Pass phrase for the private key for HTTPS proxy",
        Http,
    ),
    opt(
        None,
        "proxy-pinnedpubkey",
        "FILE/HASHES public key to verify proxy with",
        Http,
    ),
    opt(
        None,
        "proxy-service-name",
        "SPNEGO proxy service name",
        KerberosNtlm,
    ),
    opt(
        None,
        "proxy-ssl-allow-beast",
        "Allow security flaw for interop for HTTPS proxy",
        OpenSslOnly,
    ),
    opt(
        None,
        "proxy-ssl-auto-client-cert",
        "Use auto client certificate for proxy (Schannel)",
        WindowsOnly,
    ),
    opt(
        None,
        "proxy-tls13-ciphers",
        "TLS 1.3 proxy cipher suites",
        Http,
    ),
    opt(
        None,
        "proxy-tlsauthtype",
        "TLS authentication type for HTTPS proxy",
        OpenSslOnly,
    ),
    opt(
        None,
        "proxy-tlspassword",
        "TLS password for HTTPS proxy",
        OpenSslOnly,
    ),
    opt(
        None,
        "proxy-tlsuser",
        "TLS username for HTTPS proxy",
        OpenSslOnly,
    ),
    opt(None, "proxy-tlsv1", "Use TLSv1 for HTTPS proxy", Http),
    opt(Some('U'), "proxy-user", "Proxy user and password", Http),
    opt(None, "proxy1.0", "Use HTTP/1.0 proxy on given port", Http),
    opt(
        Some('p'),
        "proxytunnel",
        "Operate through an HTTP proxy tunnel (using CONNECT)",
        Http,
    ),
    opt(None, "pubkey", "SSH Public key file name", OtherProtocol),
    opt(
        Some('Q'),
        "quote",
        "Send command(s) to server before transfer",
        OtherProtocol,
    ),
    opt(
        None,
        "random-file",
        "File for reading random data from",
        OpenSslOnly,
    ),
    opt(
        Some('r'),
        "range",
        "Retrieve only the bytes within RANGE",
        Http,
    ),
    opt(None, "rate", "Request rate for serial transfers", Http),
    opt(None, "raw", "Do HTTP \"raw\"; no transfer decoding", Http),
    opt(Some('e'), "referer", "Referrer URL", Http),
    opt(
        Some('J'),
        "remote-header-name",
        "Use the header-provided filename",
        Http,
    ),
    opt(
        Some('O'),
        "remote-name",
        "Write output to a file named as the remote file",
        Http,
    ),
    opt(
        None,
        "remote-name-all",
        "Use the remote file name for all URLs",
        Http,
    ),
    opt(
        Some('R'),
        "remote-time",
        "Set the remote file's time on the local output",
        Http,
    ),
    opt(
        None,
        "remove-on-error",
        "Remove output file on errors",
        Http,
    ),
    opt(Some('X'), "request", "Specify request method to use", Http),
    opt(
        None,
        "request-target",
        "Specify the target for this request",
        Http,
    ),
    opt(
        None,
        "resolve",
        "Resolve the host+port to this address",
        Http,
    ),
    opt(
        None,
        "retry",
        "Retry request if transient problems occur",
        Http,
    ),
    opt(
        None,
        "retry-all-errors",
        "Retry all errors (use with --retry)",
        Http,
    ),
    opt(
        None,
        "retry-connrefused",
        "Retry on connection refused (use with --retry)",
        Http,
    ),
    opt(None, "retry-delay", "Wait time between retries", Http),
    opt(
        None,
        "retry-max-time",
        "Retry only within this period",
        Http,
    ),
    opt(
        None,
        "sasl-authzid",
        "Identity for SASL PLAIN authentication",
        OtherProtocol,
    ),
    opt(
        None,
        "sasl-ir",
        "Enable initial response in SASL authentication",
        OtherProtocol,
    ),
    opt(None, "service-name", "SPNEGO service name", KerberosNtlm),
    opt(
        Some('S'),
        "show-error",
        "Show error even when -s is used",
        Http,
    ),
    opt(Some('s'), "silent", "Silent mode", Http),
    opt(None, "socks4", "SOCKS4 proxy on given host + port", Http),
    opt(None, "socks4a", "SOCKS4a proxy on given host + port", Http),
    opt(None, "socks5", "SOCKS5 proxy on given host + port", Http),
    opt(
        None,
        "socks5-basic",
        "Enable username/password auth for SOCKS5 proxies",
        Http,
    ),
    opt(
        None,
        "socks5-gssapi",
        "Enable GSS-API auth for SOCKS5 proxies",
        KerberosNtlm,
    ),
    opt(
        None,
        "socks5-gssapi-nec",
        "Compatibility with NEC SOCKS5 server",
        KerberosNtlm,
    ),
    opt(
        None,
        "socks5-gssapi-service",
        "SOCKS5 proxy service name for GSS-API",
        KerberosNtlm,
    ),
    opt(
        None,
        "socks5-hostname",
        "SOCKS5 proxy, pass host name to proxy",
        Http,
    ),
    opt(
        Some('Y'),
        "speed-limit",
        "Stop transfers slower than this",
        Http,
    ),
    opt(
        Some('y'),
        "speed-time",
        "Trigger 'speed-limit' abort after this time",
        Http,
    ),
    opt(None, "ssl", "Try SSL/TLS", OtherProtocol),
    opt(
        None,
        "ssl-allow-beast",
        "Allow security flaw to improve interop",
        OpenSslOnly,
    ),
    opt(
        None,
        "ssl-auto-client-cert",
        "Use auto client certificate (Schannel)",
        WindowsOnly,
    ),
    opt(
        None,
        "ssl-no-revoke",
        "Disable cert revocation checks (Schannel)",
        WindowsOnly,
    ),
    opt(None, "ssl-reqd", "Require SSL/TLS", OtherProtocol),
    opt(
        None,
        "ssl-revoke-best-effort",
        "Ignore missing/offline cert CRL dist points",
        WindowsOnly,
    ),
    opt(Some('2'), "sslv2", "Use SSLv2", OldSsl),
    opt(Some('3'), "sslv3", "Use SSLv3", OldSsl),
    opt(None, "stderr", "Where to redirect stderr", Http),
    opt(
        None,
        "styled-output",
        "Enable styled output for HTTP headers",
        Http,
    ),
    opt(
        None,
        "suppress-connect-headers",
        "Suppress proxy CONNECT response headers",
        Http,
    ),
    opt(None, "tcp-fastopen", "Use TCP Fast Open", Http),
    opt(None, "tcp-nodelay", "Use the TCP_NODELAY option", Http),
    opt(
        Some('t'),
        "telnet-option",
        "Set telnet option",
        OtherProtocol,
    ),
    opt(
        None,
        "tftp-blksize",
        "Set TFTP BLKSIZE option",
        OtherProtocol,
    ),
    opt(
        None,
        "tftp-no-options",
        "Do not send any TFTP options",
        OtherProtocol,
    ),
    opt(
        Some('z'),
        "time-cond",
        "Transfer based on a time condition",
        Http,
    ),
    opt(None, "tls-max", "Set maximum allowed TLS version", Http),
    opt(None, "tls13-ciphers", "TLS 1.3 cipher suites to use", Http),
    opt(None, "tlsauthtype", "TLS authentication type", OpenSslOnly),
    opt(None, "tlspassword", "TLS password", OpenSslOnly),
    opt(None, "tlsuser", "TLS user name", OpenSslOnly),
    opt(Some('1'), "tlsv1", "Use TLSv1.0 or greater", Http),
    opt(None, "tlsv1.0", "Use TLSv1.0 or greater", Http),
    opt(None, "tlsv1.1", "Use TLSv1.1 or greater", Http),
    opt(None, "tlsv1.2", "Use TLSv1.2 or greater", Http),
    opt(None, "tlsv1.3", "Use TLSv1.3 or greater", Http),
    opt(
        None,
        "tr-encoding",
        "Request compressed transfer encoding",
        Http,
    ),
    opt(None, "trace", "Write a debug trace to FILE", Http),
    opt(
        None,
        "trace-ascii",
        "Like --trace, but without hex output",
        Http,
    ),
    opt(
        None,
        "trace-time",
        "Add time stamps to trace/verbose output",
        Http,
    ),
    opt(
        None,
        "unix-socket",
        "Connect through this Unix domain socket",
        Http,
    ),
    opt(
        Some('T'),
        "upload-file",
        "Transfer local FILE to destination",
        Http,
    ),
    opt(None, "url", "URL to work with", Http),
    opt(None, "url-query", "Add a URL query part", Http),
    opt(
        Some('B'),
        "use-ascii",
        "Use ASCII/text transfer",
        OtherProtocol,
    ),
    opt(Some('u'), "user", "Server user and password", Http),
    opt(
        Some('A'),
        "user-agent",
        "Send User-Agent <name> to server",
        Http,
    ),
    opt(
        Some('v'),
        "verbose",
        "Make the operation more talkative",
        Http,
    ),
    opt(Some('V'), "version", "Show version number and quit", Http),
    opt(
        Some('w'),
        "write-out",
        "Use output FORMAT after completion",
        Http,
    ),
    opt(
        None,
        "xattr",
        "Store metadata in extended file attributes",
        Http,
    ),
];

#[cfg(test)]
mod tests {
    use super::*;

    /// The table holds every option of `curl --help all`, 250 in curl 7.88.1, each once.
    #[test]
    fn the_table_has_each_of_curls_250_options_once() {
        assert_eq!(CURL_OPTIONS.len(), 250);
        let mut longs: Vec<_> = CURL_OPTIONS.iter().map(|o| o.long).collect();
        longs.sort_unstable();
        longs.dedup();
        assert_eq!(longs.len(), 250);
        let mut shorts: Vec<_> = CURL_OPTIONS.iter().filter_map(|o| o.short).collect();
        let count = shorts.len();
        shorts.sort_unstable();
        shorts.dedup();
        assert_eq!(shorts.len(), count);
    }

    /// An HTTP option sockit lacks is "not yet", under its long name whichever form was
    /// typed, with or without a value.
    #[test]
    fn http_options_are_not_supported_yet() {
        let refusal = |arg| UnsupportedCurlOption::for_arg(arg).unwrap().to_string();
        assert_eq!(
            refusal("--create-dirs"),
            "fetch does not support curl's --create-dirs yet"
        );
        assert_eq!(
            refusal("--stderr=err.txt"),
            "fetch does not support curl's --stderr yet"
        );
        assert_eq!(
            refusal("-N"),
            "fetch does not support curl's -N (--no-buffer) yet"
        );
    }

    /// An out-of-scope option says why, per category.
    #[test]
    fn out_of_scope_options_say_why() {
        let refusal = |arg| UnsupportedCurlOption::for_arg(arg).unwrap().to_string();
        assert_eq!(
            refusal("--ftp-pasv"),
            "fetch does not support curl's --ftp-pasv: sockit fetch speaks HTTP and HTTPS only"
        );
        assert!(refusal("--ntlm").ends_with("no Kerberos, GSS-API or NTLM authentication"));
        assert!(refusal("-3").starts_with("fetch does not support curl's -3 (--sslv3): SSLv2"));
        assert!(refusal("--engine").contains("OpenSSL"));
    }

    /// Arguments that are no curl option are left to clap.
    #[test]
    fn other_arguments_are_not_curls() {
        for arg in ["--no-such-flag", "-", "--", "-!", "create-dirs"] {
            assert_eq!(UnsupportedCurlOption::for_arg(arg), None, "{arg}");
        }
    }
}
