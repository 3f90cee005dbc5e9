//! Lines about the cookie engine: `-b` text and files, `-c` jars, `-j`, and cookies across
//! redirects and URLs (issue 19).

use super::{check, line, Aspect, Line};

/// A jar as curl writes it: a session cookie, a domain cookie, a longer path, one that
/// replaces an earlier one, HttpOnly and Secure ones, one already expired.
const JAR: &[u8] = b"# Netscape HTTP Cookie File\n\
127.0.0.1\tFALSE\t/\tFALSE\t0\tx\t1\n\
127.0.0.1\tFALSE\t/\tFALSE\t0\ty\t2\n\
127.0.0.1\tFALSE\t/cookies\tFALSE\t4116219494\tzz\t3\n\
.127.0.0.1\tTRUE\t/\tFALSE\t0\tw\t4\n\
127.0.0.1\tFALSE\t/\tFALSE\t0\tx\t5\n\
#HttpOnly_127.0.0.1\tFALSE\t/\tTRUE\t0\ths\t6\n\
127.0.0.1\tFALSE\t/\tFALSE\t1\told\t7\n\
other.test\tFALSE\t/\tFALSE\t0\telsewhere\t8\n";

/// Cookies are sent, kept and written as curl does.
#[test]
fn cookies_are_curls() {
    check(table());
}

fn table() -> Vec<Line> {
    vec![
        line(&["-s", "-c", "jar", "{u}/cookies/set"]),
        line(&["-s", "-c", "-", "{u}/cookies/set"]),
        line(&["-s", "-b", "x=1; y=2", "{u}/hello"]),
        line(&["-s", "-b", "x=1", "-b", "y=2", "{u}/hello"]),
        line(&["-s", "-b", "x=1", "-H", "Cookie: mine=1", "{u}/hello"]),
        line(&["-s", "-b", "jar", "-c", "out", "{u}/cookies/a/b"]).file("jar", JAR),
        line(&["-s", "-b", "jar", "-b", "t=1", "{u}/hello"]).file("jar", JAR),
        line(&["-s", "-j", "-b", "jar", "-c", "out", "{u}/hello"]).file("jar", JAR),
        line(&["-s", "-b", "jar", "-c", "jar", "{u}/cookies/set"]).file("jar", JAR),
        line(&["-s", "-b", "missing-file", "-c", "out", "{u}/hello"]),
        line(&["-s", "-b", "-", "{u}/hello"]).stdin(JAR),
        line(&["-s", "-c", "jar", "{u}/cookies/set", "{u}/cookies/again"]),
        line(&["-s", "-L", "-c", "jar", "{u}/cookies/redirect"]),
        line(&["-s", "-L", "-b", "", "{u}/cookies/redirect"]),
        line(&["-s", "-b", "", "{u}/cookies/redirect"]),
        line(&["-s", "-L", "-c", "jar", "{u}/cookies/other"]),
        line(&["-s", "-L", "-b", "jar", "{u}/cookies/other"]).file("jar", JAR),
        line(&["-s", "-L", "-b", "t=1", "{u}/cookies/other"]).differs(
            &[Aspect::Request],
            "curl sends -b's text to every host a redirect reaches; sockit to the first \
             origin only, as it does -H Cookie, unless --location-trusted",
        ),
        line(&[
            "-s",
            "-L",
            "--location-trusted",
            "-b",
            "t=1",
            "{u}/cookies/other",
        ]),
    ]
}
