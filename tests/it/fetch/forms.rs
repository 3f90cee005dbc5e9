//! `-F` against a real multipart parser: Python's `email` package (the parser behind its
//! `cgi` and `multipart` handling) reads what fetch sends, a file of several MiB streamed
//! from disk included. The bytes themselves are checked against curl in
//! `tests/it/curl_diff/multipart.rs`.

use crate::support::fetch_run::fetch_in;
use crate::support::{require_tool, ChildGuard};
use std::process::Command;

/// A one-request HTTP server that parses a multipart/form-data body with Python's email
/// parser and answers one line per part: name, file name, type, length and SHA-256.
const PARSER: &str = r#"
import email.parser, email.policy, hashlib, socket, sys
s = socket.socket(); s.bind(("127.0.0.1", 0)); s.listen(1); s.settimeout(20)
print("PORT", s.getsockname()[1], file=sys.stderr, flush=True)
c, _ = s.accept(); c.settimeout(20)
data = b""
while b"\r\n\r\n" not in data:
    data += c.recv(65536)
head, body = data.split(b"\r\n\r\n", 1)
headers = dict(l.split(b": ", 1) for l in head.split(b"\r\n")[1:])
if headers.get(b"Expect") == b"100-continue":
    c.sendall(b"HTTP/1.1 100 Continue\r\n\r\n")
length = int(headers[b"Content-Length"])
while len(body) < length:
    body += c.recv(1 << 20)
message = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(
    b"Content-Type: " + headers[b"Content-Type"] + b"\r\n\r\n" + body)
out = ""
for part in message.iter_parts():
    payload = part.get_payload(decode=True)
    out += "%s %s %s %d %s\n" % (part.get_param("name", header="content-disposition"),
        part.get_filename(), part.get_content_type(), len(payload),
        hashlib.sha256(payload).hexdigest()[:16])
c.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n%s" % (len(out), out.encode()))
c.close()
"#;

/// Values, a 6 MiB file streamed from disk, `<FILE` contents and `;type=`/`;filename=`
/// arrive as a real parser reads them, each byte intact.
#[test]
fn python_parses_what_fetch_sends() {
    if !require_tool("python3") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let big: Vec<u8> = (0..6u32 << 20).map(|i| (i * 7 % 253) as u8).collect();
    std::fs::write(dir.path().join("big.bin"), &big).unwrap();
    std::fs::write(dir.path().join("note.txt"), "a note\n").unwrap();
    let mut cmd = Command::new("python3");
    cmd.args(["-c", PARSER]);
    let mut server = ChildGuard::spawn(cmd);
    let port = server.wait_for_stderr("PORT ");
    let url = format!(
        "http://127.0.0.1:{}/upload",
        port.trim().trim_start_matches("PORT ")
    );
    let run = fetch_in(
        dir.path(),
        &[
            "-sS",
            "-F",
            "title=hello world",
            "-F",
            "file=@big.bin",
            "-F",
            "note=<note.txt",
            "-F",
            "pic=@note.txt;type=image/png;filename=p.png",
            &url,
        ],
    )
    .expect(0);
    let sha = |b: &[u8]| {
        ring::digest::digest(&ring::digest::SHA256, b).as_ref()[..8]
            .iter()
            .map(|x| format!("{x:02x}"))
            .collect::<String>()
    };
    assert_eq!(
        run.out(),
        format!(
            "title None text/plain 11 {}\nfile big.bin application/octet-stream {} {}\n\
             note None text/plain 7 {}\npic p.png image/png 7 {}\n",
            sha(b"hello world"),
            big.len(),
            sha(&big),
            sha(b"a note\n"),
            sha(b"a note\n"),
        )
    );
}
