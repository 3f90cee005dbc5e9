//! Lines about `-F` and `--form-string`: multipart/form-data as curl builds it, its random
//! boundary the only thing made equal (issue 19).

use super::{check, line, Line};

/// A file of more than 1 MiB: curl sends it after `Expect: 100-continue`.
fn large() -> Vec<u8> {
    (0..1_100_000u32).map(|i| (i % 251) as u8).collect()
}

/// Forms are sent as curl sends them.
#[test]
fn multipart_forms_are_curls() {
    check(table());
}

fn table() -> Vec<Line> {
    vec![
        line(&["-s", "-F", "name=value", "{u}/hello"]),
        line(&[
            "-s",
            "-F",
            "a=1",
            "--form-string",
            "b=@x;type=y",
            "-F",
            "c=3",
            "{u}/hello",
        ]),
        line(&["-s", "-F", "f=@a.txt", "{u}/hello"]).file("a.txt", b"file content\n"),
        line(&["-s", "-F", "f=@sub/pic.PNG", "{u}/hello"]).file("sub/pic.PNG", b"\x89PNG"),
        line(&[
            "-s",
            "-F",
            "f=@x.json",
            "-F",
            "g=@noext",
            "-F",
            "h=@p.html",
            "{u}/hello",
        ])
        .file("x.json", b"{}")
        .file("noext", b"raw")
        .file("p.html", b"<p>"),
        line(&[
            "-s",
            "-F",
            "g=@b.bin;type=image/x-foo;filename=other.png",
            "{u}/hello",
        ])
        .file("b.bin", b"\x00\x01\x02"),
        line(&["-s", "-F", "e=@a.txt;filename=\"q;r\\\".txt\"", "{u}/hello"]).file("a.txt", b"x"),
        line(&["-s", "-F", "h=<a.txt", "{u}/hello"]).file("a.txt", b"contents\n"),
        line(&["-s", "-F", "h=<-", "{u}/hello"]).stdin(b"from stdin"),
        line(&["-s", "-F", "f=@-", "{u}/hello"]).stdin(b"from stdin"),
        line(&["-s", "-F", "t=hello;type=text/x", "{u}/hello"]),
        line(&[
            "-s",
            "-F",
            "c=x; type=text/y; charset=u;filename=q",
            "{u}/hello",
        ]),
        line(&["-s", "-F", "t=hello;filename=x.txt", "{u}/hello"]),
        line(&["-s", "-F", "a=x;y", "{u}/hello"]),
        line(&["-s", "-F", "q=\"a;b\"", "{u}/hello"]),
        line(&["-s", "-F", "d=v;headers=X-A: 1;headers=X-B: 2", "{u}/hello"]),
        line(&["-s", "-F", "n\"a\\me=1", "{u}/hello"]),
        line(&["-s", "-F", "=empty", "{u}/hello"]),
        line(&["-s", "-F", "big=@big.bin", "{u}/hello"]).file("big.bin", &large()),
        line(&["-s", "-F", "a=1", "-X", "PUT", "{u}/hello"]),
        line(&["-s", "-L", "-F", "a=1", "{u}/redirect-307"]),
        line(&["-s", "-L", "-F", "a=1", "{u}/redirect"]),
        line(&["-s", "-F", "f=@missing", "{u}/hello"]),
        line(&["-s", "-F", "noeq", "{u}/hello"]),
        line(&["-s", "-F", "a=1", "-d", "b=2", "{u}/hello"]),
    ]
}
