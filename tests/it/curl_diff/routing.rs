//! Lines for routing (issue 19): `localhost` names, `--resolve`, `--connect-to`, `-p`,
//! `--haproxy-protocol`,
//! `--proxy-header`,
//! `--proxy1.0`, `--unix-socket` that fails, SOCKS proxies (also as `--preproxy`) (microsocks for SOCKS5 with and without a password, danted for
//! SOCKS4), and the exit codes curl gives when any of them fails.

use super::{check, check_with, line, sh, Aspect, Line};
use crate::support::socks::SocksProxy;

/// `--resolve`, `--connect-to` and `-p` send what curl sends, to where curl sends it.
#[test]
fn routing_is_curls() {
    check(routing());
}

/// Through real SOCKS proxies, sockit asks for what curl asks for and fails as curl does.
#[test]
fn socks_is_curls() {
    let (Some(open), Some(locked), Some(dante)) = (
        SocksProxy::microsocks(None),
        SocksProxy::microsocks(Some(("me", "secret"))),
        SocksProxy::dante(),
    ) else {
        return;
    };
    check_with(
        socks(),
        &[
            ("{m}", open.addr.to_string()),
            ("{ma}", locked.addr.to_string()),
            ("{d}", dante.addr.to_string()),
        ],
    );
}

fn routing() -> Vec<Line> {
    vec![
        // localhost and the names under it are the loopback addresses, whatever the hosts
        // file says (it names localhost alone here).
        line(&["-s", "-w", "%{remote_ip}", "http://foo.localhost:{p}/hello"]),
        line(&["-s", "-w", "%{remote_ip}", "http://A.b.LocalHost:{p}/hello"]),
        // A last label that is a number, in a name that is no IPv4 address (issue 18), and
        // the IPv4 forms curl writes as the address; the host in the case typed.
        sh("-s -w '%{url_effective} %{http_code}' --resolve a.123:{p}:127.0.0.1 http://a.123:{p}/hello"),
        sh("-s -w %{url_effective} --resolve A.0x10:{p}:127.0.0.1 http://A.0x10:{p}/hello"),
        sh("-s -w %{url_effective} --resolve 1.2.3.256:{p}:127.0.0.1 http://1.2.3.256:{p}/hello"),
        sh("-s -w %{url_effective} -x {u} http://build.7/hello"),
        sh("-s -w %{url_effective} http://0x7f.1:{p}/hello"),
        sh("-s -w %{url_effective} http://127.1:{p}/hello"),
        sh("-s -w %{url_effective} http://LocalHost:{p}/hello?q#f"),
        line(&[
            "-s",
            "-4",
            "-w",
            "%{remote_ip}",
            "http://localhost:{p}/hello",
        ]),
        line(&[
            "-s",
            "--resolve",
            "example.com:{p}:127.0.0.1",
            "http://example.com:{p}/hello",
        ]),
        line(&[
            "-s",
            "--resolve",
            "*:{p}:127.0.0.1",
            "http://example.com:{p}/hello",
        ]),
        line(&[
            "-s",
            "--resolve",
            "+Example.com:{p}:[127.0.0.1]",
            "http://example.com:{p}/hello",
        ]),
        line(&[
            "-s",
            "--resolve",
            "example.com:{p}:10.255.255.1",
            "--resolve",
            "-example.com:{p}",
            "--resolve",
            "example.com:{p}:127.0.0.1",
            "http://example.com:{p}/hello",
        ]),
        line(&["-s", "--resolve", "bad", "{u}/hello"]),
        line(&["-s", "--resolve", "example.com:{p}:name", "{u}/hello"]),
        line(&[
            "-s",
            "--connect-to",
            "example.com:80:{a}",
            "http://example.com/hello",
        ]),
        line(&["-s", "--connect-to", "::{a}", "http://example.com/hello"]),
        line(&[
            "-s",
            "--connect-to",
            "example.com::127.0.0.1:",
            "http://example.com:{p}/hello",
        ]),
        line(&[
            "-s",
            "--connect-to",
            "example.com:80:127.0.0.1:x",
            "http://example.com/hello",
        ]),
        line(&[
            "-s",
            "--connect-to",
            "other.test:1:x:y",
            "--connect-to",
            "example.com:80:{a}",
            "http://example.com/hello",
        ]),
        line(&[
            "-sL",
            "--connect-to",
            "example.com:80:{a}",
            "http://example.com/redirect",
        ]),
        line(&["-s", "-p", "-x", "{a}", "http://example.com/hello"]),
        line(&[
            "-s",
            "-p",
            "-U",
            "me:pw",
            "-x",
            "{a}",
            "http://example.com/hello",
        ]),
        line(&[
            "-s",
            "-p",
            "-A",
            "agent/1",
            "-x",
            "{a}",
            "http://example.com/hello",
        ]),
        line(&[
            "-s",
            "-p",
            "--proxy-header",
            "X-Proxy: 1",
            "-x",
            "{a}",
            "http://example.com/hello",
        ]),
        line(&[
            "-s",
            "-p",
            "--proxy-header",
            "User-Agent: via",
            "--proxy-header",
            "Proxy-Connection:",
            "-x",
            "{a}",
            "http://example.com/hello",
        ]),
        line(&[
            "-s",
            "--proxy-header",
            "X-Proxy: 1",
            "-x",
            "{a}",
            "http://example.com/hello",
        ]),
        line(&["-s", "-p", "--proxy1.0", "{a}", "http://example.com/hello"]),
        line(&["-s", "--proxy1.0", "{a}", "http://example.com/hello"]),
        line(&[
            "-s",
            "--proxy-basic",
            "-U",
            "me:pw",
            "-x",
            "{a}",
            "http://example.com/hello",
        ]),
        line(&["-s", "--haproxy-protocol", "{u}/hello"]),
        line(&["-s", "--socks5", "127.0.0.1:1", "{u}/hello"]),
        line(&["-s", "-x", "socks5h://127.0.0.1:1", "{u}/hello"]),
        line(&["-s", "-x", "ftp://127.0.0.1:1", "{u}/hello"]),
        line(&["-s", "--socks5", "127.0.0.1:1", "-x", "", "{u}/hello"]),
        line(&["-s", "-x", "{a}", "--socks5", "127.0.0.1:1", "{u}/hello"]),
        line(&[
            "-s",
            "--unix-socket",
            "/nonexistent/sockit.sock",
            "{u}/hello",
        ]),
        line(&["-s", "--abstract-unix-socket", "sockit-none", "{u}/hello"]),
        line(&[
            "-s",
            "--unix-socket",
            "/nonexistent/sockit.sock",
            "-x",
            "{a}",
            "{u}/hello",
        ]),
        line(&[
            "-s",
            "--cert",
            "missing.pem",
            "--cert-type",
            "DER",
            "{u}/hello",
        ]),
        line(&[
            "-s",
            "--cert",
            "missing.pem",
            "--key",
            "missing.key",
            "--key-type",
            "PEM",
            "{u}/hello",
        ]),
    ]
}

fn socks() -> Vec<Line> {
    vec![
        line(&["-s", "-x", "socks5://{m}", "{u}/hello"]),
        line(&["-s", "-x", "socks5h://{m}", "http://localhost:{p}/hello"]),
        line(&["-s", "--socks5", "{m}", "{u}/hello"]),
        line(&[
            "-s",
            "--socks5-hostname",
            "{m}",
            "http://localhost:{p}/hello",
        ]),
        line(&["-sL", "-x", "socks5h://{m}", "{u}/redirect"]),
        line(&[
            "-s",
            "--resolve",
            "example.com:{p}:127.0.0.1",
            "-x",
            "socks5://{m}",
            "http://example.com:{p}/hello",
        ]),
        line(&["-s", "-x", "socks5://me:secret@{ma}", "{u}/hello"]),
        line(&["-s", "-U", "me:secret", "-x", "socks5h://{ma}", "{u}/hello"]),
        line(&["-s", "-x", "socks5://me:bad@{ma}", "{u}/hello"]),
        line(&[
            "-s",
            "--socks5-basic",
            "-x",
            "socks5://me:secret@{ma}",
            "{u}/hello",
        ]),
        line(&["-s", "--socks5-basic", "-x", "socks5://{ma}", "{u}/hello"]),
        line(&["-s", "-x", "socks5://{ma}", "{u}/hello"]),
        line(&["-s", "-x", "socks4://{d}", "{u}/hello"]),
        line(&["-s", "--socks4", "{d}", "http://localhost:{p}/hello"]),
        line(&["-s", "-x", "socks4a://{d}", "http://localhost:{p}/hello"]),
        line(&["-s", "--socks4a", "{d}", "{u}/hello"]),
        line(&["-s", "-x", "socks5://{d}", "{u}/json"]),
        line(&[
            "-s",
            "--preproxy",
            "socks5://{m}",
            "-x",
            "{a}",
            "http://example.com/hello",
        ]),
        line(&[
            "-s",
            "-p",
            "--preproxy",
            "socks5h://{m}",
            "-x",
            "{a}",
            "http://example.com/hello",
        ]),
        line(&[
            "-s",
            "--preproxy",
            "{d}",
            "-x",
            "{a}",
            "http://example.com/hello",
        ])
        .differs(
            &[Aspect::Request, Aspect::Stdout, Aspect::Exit],
            "curl 7.88 sends HTTP straight to a --preproxy given without a scheme (no SOCKS \
             handshake, so danted closes: 52), against its documented SOCKS4 default, which \
             sockit follows",
        ),
        line(&["-s", "--preproxy", "socks5://{m}", "{u}/hello"]),
    ]
}
