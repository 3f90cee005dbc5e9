//! The second differential table (issue 26): command lines shaped like the ones scripts
//! really use, written as a script writes them (`sh` splits them), each run with curl and
//! with sockit against one recording server (`support::recorder`, whose `scripts` module
//! serves the install script, the release behind its redirects, the JSON API, the login and
//! the Docker engine's API, on TCP and on a Unix socket).
//!
//! The lines are grouped as scripts use curl: installs piped to a shell, downloads, health
//! checks, API calls, uploads, `-I` checks, resumes, conditional downloads, browser "copy as
//! cURL" lines, cookie sessions, the Docker socket and proxies. `{s}` stands for the Unix
//! socket's path.

use super::{check_on, sh, Line};
use crate::support::recorder::{Recorder, DATA};
use crate::support::require_tool;

/// A JSON body on disk, as `-d @FILE` and `--data-binary @FILE` send it.
const PAYLOAD: &[u8] = b"{\n  \"name\": \"two\",\n  \"tags\": [\"a\", \"b\"]\n}\n";

/// A build artifact to upload: binary, with a NUL and a CR LF inside.
const ARTIFACT: &[u8] = b"\x1f\x8b\x08\x00artifact\r\n\x00\xffend";

/// A cookie jar as curl writes it, holding the session `/login` sets.
const JAR: &[u8] = b"# Netscape HTTP Cookie File\n\
#HttpOnly_127.0.0.1\tFALSE\t/\tFALSE\t0\tsession\ts3cr3t\n\
127.0.0.1\tFALSE\t/\tFALSE\t0\tcsrf\tt0ken\n";

/// sockit runs the command lines scripts use as curl runs them.
#[test]
fn script_lines_are_curls() {
    if !require_tool("curl") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let socket = dir.path().join("docker.sock");
    let server = Recorder::start_with_unix(&socket);
    let table = [
        installs(),
        downloads(),
        health_checks(),
        api_calls(),
        uploads(),
        head_checks(),
        resumes(),
        conditional(),
        browser_copies(),
        cookie_sessions(),
        docker(),
        proxies(),
    ]
    .into_iter()
    .flatten()
    .collect::<Vec<_>>();
    assert!(table.len() >= 100, "the table has {} lines", table.len());
    check_on(
        &server,
        table,
        &[("{s}", socket.to_string_lossy().into_owned())],
    );
}

/// `curl -fsSL URL | sh`: the script on stdout, nothing on a 404.
fn installs() -> Vec<Line> {
    vec![
        sh("-fsSL {u}/install.sh"),
        sh("-sSL {u}/install.sh"),
        sh("-fsSL -o - {u}/install.sh"),
        sh("-sSfL {a}/install.sh"),
        sh("-fsSL http://localhost:{p}/install.sh"),
        sh("-fsSL {u}/status/404"),
        sh("-sSL {u}/status/404"),
        sh("-fsSL --retry 3 --retry-delay 0 {u}/install.sh"),
        sh("-fsSL --connect-timeout 10 --max-time 60 {u}/install.sh"),
        sh("-fsSL -H 'Accept: text/x-shellscript' {u}/install.sh"),
        sh("-fsSL -A 'Mozilla/5.0 (X11; Linux x86_64)' {u}/install.sh"),
        sh("-fsSL --compressed {u}/install.sh"),
        sh("--proto '=https' -sSf {u}/install.sh"),
        sh("--fail --silent --show-error --location {u}/install.sh"),
    ]
}

/// Release downloads: `-o`, `-O`, redirects to another origin, retries on 503.
fn downloads() -> Vec<Line> {
    vec![
        sh("-sS -o tool.tar.gz {u}/cdn/tool.tar.gz"),
        sh("-sSfL -o tool.tar.gz {u}/releases/latest/download/tool.tar.gz"),
        sh("-fsSLO {u}/releases/latest/download/tool.tar.gz"),
        sh("-sSfL --retry 3 --retry-delay 0 -o tool.tar.gz {u}/releases/latest/download/tool.tar.gz"),
        sh("-sSfL --retry 5 --retry-delay 0 --retry-max-time 30 --connect-timeout 5 -o t.tgz {u}/cdn/tool.tar.gz"),
        sh("-sS --retry 2 --retry-delay 0 -o out {u}/status/503"),
        sh("-sSf --retry 2 --retry-delay 0 -o out {u}/status/503"),
        sh("-sSf --retry 2 --retry-delay 0 -o out {u}/status/404"),
        sh("-sSf --retry 2 --retry-all-errors --retry-delay 0 -o out {u}/status/404"),
        sh("-sSf --retry 1 --retry-connrefused --retry-delay 0 -o out http://127.0.0.1:1/tool.tar.gz"),
        sh("-sSfL --create-dirs -o bin/tool.tar.gz {u}/releases/latest/download/tool.tar.gz"),
        sh("-sSfL --create-dirs --output-dir dl -O {u}/cdn/tool.tar.gz"),
        sh("-sSL -o /dev/null -w '%{http_code}' {u}/releases/latest/download/tool.tar.gz"),
        sh("-sS -o out --connect-timeout 5 {u}/data"),
        sh("-sSfL -o tool.tar.gz {u}/releases/latest/download/missing.tar.gz"),
        sh("-sSfL -o tool.tar.gz {u}/releases/latest/download/tool.tar.gz")
            .file("tool.tar.gz", b"an older release\n"),
        sh("-L -o tool.tar.gz {u}/cdn/tool.tar.gz"),
        sh("-sL {u}/cdn/tool.tar.gz -o tool.tar.gz -w '%{size_download} %{content_type}\\n'"),
    ]
}

/// Health checks and probes: `-f`, `-m`, the status code alone.
fn health_checks() -> Vec<Line> {
    vec![
        sh("-f {u}/health"),
        sh("-fs {u}/health"),
        sh("-fsS -o /dev/null {u}/health"),
        sh("-s -o /dev/null -w '%{http_code}' {u}/health"),
        sh("-s -o /dev/null -w '%{http_code}\\n' {u}/status/500"),
        sh("-sf -m 5 {u}/health"),
        sh("-sf --max-time 2 {u}/status/503"),
        sh("-s -m 1 {u}/stall"),
        sh("-sf -o /dev/null http://127.0.0.1:1/health"),
        sh("--fail --silent --show-error {u}/status/500"),
        sh("-sfI {u}/health"),
        sh("-s -o /dev/null -w '%{http_code}' -I {u}/health"),
        sh("-fsS --connect-timeout 2 --max-time 5 --retry 3 --retry-delay 0 {u}/health"),
        sh("-s --head --fail {u}/status/404"),
        sh("-s --fail-with-body {u}/status/500"),
        sh("-sSf -u admin:admin {u}/health"),
        sh("-fsS http://localhost:{p}/health"),
        sh("-s -w '%{http_code} %{size_download}\\n' -o /dev/null {u}/health"),
        sh("-s -o /dev/null -w '%{response_code}' {u}/status/401"),
        sh("--silent --output /dev/null --write-out '%{http_code}' {u}/health"),
    ]
}

/// API calls: methods, several headers, JSON and form bodies, the status code after the body.
fn api_calls() -> Vec<Line> {
    vec![
        sh(r#"-s -X POST -H "Content-Type: application/json" -d '{"name":"two"}' {u}/api/v1/items"#),
        sh(r#"-sS -X POST -H 'Content-Type: application/json' -H 'Authorization: Bearer t0k' --data-raw '{"a":1}' {u}/api/v1/items"#),
        sh(r#"-s --json '{"name":"two"}' {u}/api/v1/items"#),
        sh(r#"-s -X PUT -H 'Content-Type: application/json' -d '{"name":"uno"}' {u}/api/v1/items/1"#),
        sh(r#"-s -X PATCH --json '{"name":"uno"}' {u}/api/v1/items/1"#),
        sh("-s -X DELETE -w '%{http_code}' {u}/api/v1/items/1"),
        sh("-s -X DELETE -H 'Authorization: Bearer t0k' -o /dev/null -w '%{http_code}\\n' {u}/api/v1/items/1"),
        sh("-s -H 'Accept: application/json' -H 'X-Api-Key: k3y' {u}/api/v1/items"),
        sh("-s -u user:pass {u}/api/v1/secret"),
        sh("-sf {u}/api/v1/secret"),
        sh("-s -d @payload.json -H 'Content-Type: application/json' {u}/api/v1/items")
            .file("payload.json", PAYLOAD),
        sh("-s --data-binary @payload.json -H 'Content-Type: application/json' {u}/api/v1/items")
            .file("payload.json", PAYLOAD),
        sh("-s -X POST --data-urlencode 'text=hello world & more' {u}/api/v1/items"),
        sh("-s -G --data-urlencode 'q=a b' -d limit=10 {u}/api/v1/items"),
        sh("-s -X POST -d '' {u}/api/v1/items"),
        sh("-sS -X POST {u}/api/v1/items"),
        sh("-s -w '%{http_code}' -o resp.json --json @payload.json {u}/api/v1/items")
            .file("payload.json", PAYLOAD),
        sh("-s -i {u}/api/v1/items"),
        sh("-s -H 'Content-Type: application/json' -X POST -d @- {u}/api/v1/items").stdin(PAYLOAD),
        sh("-s --oauth2-bearer t0k {u}/api/v1/secret"),
        sh("-s -X POST -H 'Expect:' -d 'a=1&b=2' {u}/api/v1/items"),
        sh("-s -d 'a=1&b=2' -H 'X-Requested-With: XMLHttpRequest' {u}/api/v1/items"),
        sh("-s -X OPTIONS -i {u}/api/v1/items"),
        sh(r#"--silent --request POST --header 'Content-Type: application/json' --data '{"a":1}' --url {u}/api/v1/items"#),
        sh("-s -w '\\n%{http_code}\\n' {u}/api/v1/items/1"),
        sh("-s -o /dev/null -w '%{content_type}' {u}/api/v1/items"),
        sh("-s -D - -o /dev/null {u}/api/v1/items"),
        sh("-s -D headers.txt -o body.json {u}/api/v1/items"),
        sh("-sS -X PUT -d @payload.json -H 'Content-Type: application/json' -H 'Accept: application/json' -u me:pw {u}/api/v1/items/1")
            .file("payload.json", PAYLOAD),
        sh("-s -X POST -H 'Content-Type: application/x-www-form-urlencoded' -d 'grant_type=client_credentials&scope=read' -u client:secret {u}/api/v1/items"),
    ]
}

/// Uploads: `-T`, `-F`, `--data-binary @FILE`.
fn uploads() -> Vec<Line> {
    vec![
        sh("-s -T artifact.tgz {u}/upload").file("artifact.tgz", ARTIFACT),
        sh("-s -T artifact.tgz -u user:pass {u}/upload/").file("artifact.tgz", ARTIFACT),
        sh("-sf --upload-file artifact.tgz -H 'X-Checksum-Sha256: abc' {u}/upload")
            .file("artifact.tgz", ARTIFACT),
        sh("-s -F file=@artifact.tgz {u}/upload").file("artifact.tgz", ARTIFACT),
        sh("-s -F 'file=@artifact.tgz;type=application/gzip' -F name=tool {u}/upload")
            .file("artifact.tgz", ARTIFACT),
        sh(r#"-s -F 'meta={"a":1};type=application/json' -F file=@artifact.tgz {u}/upload"#)
            .file("artifact.tgz", ARTIFACT),
        sh("-s -F 'notes=<notes.txt' {u}/upload").file("notes.txt", b"release notes\n"),
        sh("-sS -X POST -F 'file=@artifact.tgz;filename=build.tgz' -H 'Authorization: Token t0k' {u}/upload")
            .file("artifact.tgz", ARTIFACT),
        sh("-s --data-binary @artifact.tgz -H 'Content-Type: application/octet-stream' {u}/upload")
            .file("artifact.tgz", ARTIFACT),
        sh("-s -X PUT --data-binary @artifact.tgz {u}/upload").file("artifact.tgz", ARTIFACT),
        sh("-s -T - {u}/upload").stdin(b"piped build log\n"),
        sh("-s -w '%{http_code}' -o /dev/null -T artifact.tgz {u}/upload")
            .file("artifact.tgz", ARTIFACT),
    ]
}

/// `-I` checks and finding the latest release from a redirect.
fn head_checks() -> Vec<Line> {
    vec![
        sh("-sI {u}/releases/latest"),
        sh("-sIL {u}/releases/latest/download/tool.tar.gz"),
        sh("-s -I -o /dev/null -w '%{http_code}' {u}/cdn/tool.tar.gz"),
        sh("-sI {u}/status/404"),
        sh("-sLI -o /dev/null -w '%{url_effective}' {u}/releases/latest"),
        sh("-s -o /dev/null -w '%{redirect_url}' {u}/releases/latest"),
        sh("-sL -o /dev/null -w '%{url_effective}' {u}/releases/latest"),
        sh("-s --head {u}/health"),
    ]
}

/// `-C -` resumes of a download a script started before.
fn resumes() -> Vec<Line> {
    vec![
        sh("-sS -C - -o data.bin {u}/data").file("data.bin", &DATA[..30]),
        sh("-sS -C - -o data.bin {u}/data").file("data.bin", DATA),
        sh("-sS -C - -O {u}/data").file("data", &DATA[..60]),
        sh("-sSL -C - --retry 3 --retry-delay 0 -o data.bin {u}/data").file("data.bin", &DATA[..1]),
        sh("-sS -C - -o data.bin {u}/data"),
    ]
}

/// Conditional downloads: `-z` with a date, ETags.
fn conditional() -> Vec<Line> {
    vec![
        sh("-s -z 'Sun, 09 Sep 2001 01:46:40 GMT' {u}/since"),
        sh("-s -z '-Sun, 09 Sep 2001 01:46:40 GMT' {u}/since"),
        sh("-s -o out -z 'Mon, 10 Sep 2001 00:00:00 GMT' {u}/since").file("out", b"kept\n"),
        sh("-s -o out -z 'Sat, 08 Sep 2001 00:00:00 GMT' {u}/since").file("out", b"old\n"),
        sh("-s --etag-save etag.txt -o out {u}/etag"),
        sh("-s --etag-compare etag.txt -o out {u}/etag")
            .file("etag.txt", b"\"v1\"\n")
            .file("out", b"tagged\n"),
    ]
}

/// Browser "copy as cURL" lines: a dozen headers, cookies, `--compressed`.
fn browser_copies() -> Vec<Line> {
    vec![
        sh(
            r#"'{u}/api/v1/items' -H 'Accept: application/json, text/plain, */*' -H 'Accept-Language: en-US,en;q=0.9' -H 'Cache-Control: no-cache' -H 'Connection: keep-alive' -H 'Cookie: session=s3cr3t; csrf=t0ken' -H 'Pragma: no-cache' -H 'Referer: {u}/app' -H 'Sec-Fetch-Dest: empty' -H 'Sec-Fetch-Mode: cors' -H 'Sec-Fetch-Site: same-origin' -H 'User-Agent: Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36' -H 'sec-ch-ua: "Chromium";v="120"' -H 'sec-ch-ua-mobile: ?0' -H 'sec-ch-ua-platform: "Linux"' --compressed -s"#,
        ),
        sh(
            r#"'{u}/api/v1/items' -H 'authority: 127.0.0.1' -H 'accept: application/json' -H 'accept-language: en-GB,en;q=0.9' -H 'content-type: application/json' -H 'origin: {u}' -H 'referer: {u}/app' -H 'sec-fetch-dest: empty' -H 'sec-fetch-mode: cors' -H 'sec-fetch-site: same-origin' -H 'user-agent: Mozilla/5.0' -H 'x-csrf-token: t0ken' --data-raw '{"name":"two","tags":[]}' --compressed -s"#,
        ),
        sh(
            r#"'{u}/gzip' -H 'User-Agent: Mozilla/5.0 (X11; Linux x86_64; rv:121.0) Gecko/20100101 Firefox/121.0' -H 'Accept: text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8' -H 'Accept-Language: en-US,en;q=0.5' -H 'Accept-Encoding: gzip, deflate, br' -H 'DNT: 1' -H 'Connection: keep-alive' -H 'Upgrade-Insecure-Requests: 1' -H 'Sec-Fetch-Dest: document' -H 'Sec-Fetch-Mode: navigate' -H 'Sec-Fetch-Site: none' -H 'Sec-Fetch-User: ?1' --compressed -s"#,
        ),
        sh(
            r#"'{u}/login' -X POST -H 'User-Agent: Mozilla/5.0' -H 'Accept: */*' -H 'Accept-Language: en-US,en;q=0.5' -H 'Content-Type: application/x-www-form-urlencoded; charset=UTF-8' -H 'X-Requested-With: XMLHttpRequest' -H 'Origin: {u}' -H 'Connection: keep-alive' -H 'Referer: {u}/login' -H 'Cookie: csrf=t0ken' -H 'Sec-Fetch-Dest: empty' -H 'Sec-Fetch-Mode: cors' -H 'Sec-Fetch-Site: same-origin' --data-raw 'user=me&password=p%40ss' -s"#,
        ),
        sh(r#"'{u}/gzip' -H 'Accept: */*' -H 'Accept-Encoding: gzip' -s"#),
        sh(r#"'{u}/gzip' -H 'Accept-Encoding: gzip, deflate' --compressed -s -o page.html"#),
    ]
}

/// Cookie sessions: log in with `-c`, go on with `-b`, both at once.
fn cookie_sessions() -> Vec<Line> {
    vec![
        sh("-s -c jar.txt -d 'user=me&password=pw' {u}/login"),
        sh("-s -b jar.txt {u}/api/v1/items").file("jar.txt", JAR),
        sh("-s -b jar.txt -c jar.txt {u}/logout").file("jar.txt", JAR),
        sh("-s -b 'session=s3cr3t; theme=dark' {u}/api/v1/items"),
        sh("-sL -b jar.txt -c jar.txt {u}/cookies/redirect").file("jar.txt", JAR),
        sh("-s -c - {u}/login"),
        sh("-s -b '' -L {u}/cookies/redirect"),
    ]
}

/// The Docker engine's API over its Unix socket.
fn docker() -> Vec<Line> {
    vec![
        sh("--unix-socket {s} http://localhost/version"),
        sh("-s --unix-socket {s} http://localhost/v1.43/containers/json"),
        sh("-s --unix-socket {s} http://docker/_ping"),
        sh("-s --unix-socket {s} -X POST 'http://localhost/v1.43/images/create?fromImage=alpine&tag=latest'"),
        sh("-sf --unix-socket {s} http://localhost/v1.43/nope"),
        sh(r#"-s --unix-socket {s} -H 'Content-Type: application/json' -d '{"Image":"alpine"}' http://localhost/v1.43/containers/create"#),
        sh("-s -o /dev/null -w '%{http_code}' --unix-socket {s} http://localhost/_ping"),
    ]
}

/// Through an HTTP proxy (the recording server answers as one).
fn proxies() -> Vec<Line> {
    vec![
        sh("-fsSL -x {u} http://get.example.com/install.sh"),
        sh("-s --proxy {u} -U proxyuser:proxypass http://api.example.com/api/v1/items"),
        sh("-sL -x {u} http://example.com/releases/latest"),
        sh("-s -x http://127.0.0.1:1 --noproxy 127.0.0.1 {u}/health"),
        sh("-sS -x {a} -X POST -d x=1 http://api.example.com/api/v1/items"),
        sh("-s --proxy http://{a} -H 'X-Trace: 1' -o out.json http://api.example.com/api/v1/items"),
    ]
}
