//! Lines for `--aws-sigv4` (issue 26): the signature and the lines around it, byte for byte
//! as curl 7.88 sends them, for each way scripts sign (a query, `-d`, `--json`, `-T`, `-F`,
//! S3, a non-aws provider, SERVICE and REGION from the host name, a user's Date), the
//! requests curl leaves unsigned, its errors, and what a redirect re-signs.
//!
//! Every line gives `-H "X-Amz-Date: ..."` (or another date header) so that both tools sign
//! the same time, as curl takes it from that header; without one each signs with its clock,
//! which `tests/it/fetch/sigv4.rs` checks by recomputing the signature.

use super::{check, line, Aspect, Line};

/// The time both tools sign with.
const DATE: &str = "X-Amz-Date: 20230102T030405Z";
/// S3's name in eu-west-1, reached on the recorder.
const S3: &str = "s3.eu-west-1.amazonaws.com:{p}:127.0.0.1";

/// `--aws-sigv4` signs as curl 7.88 signs.
#[test]
fn requests_are_signed_as_curl_signs_them() {
    check(table());
}

/// `--aws-sigv4 ARG -u AKID:SECRET` with the fixed date, then `args`.
fn signed(arg: &'static str, args: &[&'static str]) -> Line {
    let head: [&'static str; 7] = ["-s", "--aws-sigv4", arg, "-u", "AKID:SECRET", "-H", DATE];
    line(&[&head[..], args].concat())
}

fn table() -> Vec<Line> {
    vec![
        // A query, signed as sent (curl 7.88 neither sorts nor re-encodes it).
        signed(
            "aws:amz:us-east-1:execute-api",
            &["{u}/hello?b=2&a=1&c=%41+b"],
        ),
        signed(
            "aws:amz:eu-west-1:sqs",
            &["-d", "Action=ListQueues&Version=2012-11-05", "{u}/hello"],
        ),
        signed(
            "aws:amz:eu-west-1:sqs",
            &["--data-binary", "@body.bin", "{u}/hello"],
        )
        .file("body.bin", b"\x00\x01binary\r\n"),
        signed(
            "aws:amz:eu-west-1:lambda",
            &["--json", "{\"a\":1}", "{u}/hello"],
        ),
        signed(
            "aws:amz:eu-west-1:es",
            &["-X", "PUT", "-d", "{}", "{u}/hello"],
        ),
        signed("aws:amz:eu-west-1:es", &["-G", "-d", "q=1", "{u}/hello"]),
        signed("aws:amz:eu-west-1:s3", &["-I", "{u}/hello"]),
        // An upload: curl 7.88 hashes no payload for -T (or -F), for S3 too, and sends no
        // x-amz-content-sha256.
        signed("aws:amz:eu-west-1:s3", &["-T", "up.txt", "{u}/bucket/key"])
            .file("up.txt", b"hello upload\n"),
        signed("aws:amz:eu-west-1:s3", &["-T", "-", "{u}/bucket/key"]).stdin(b"from stdin\n"),
        signed("aws:amz:eu-west-1:s3", &["-F", "f=@up.txt", "{u}/hello"])
            .file("up.txt", b"hello form\n"),
        // SERVICE and REGION from the host name, by --resolve or --connect-to.
        signed(
            "aws:amz",
            &[
                "--resolve",
                S3,
                "http://s3.eu-west-1.amazonaws.com:{p}/bucket/key",
            ],
        ),
        // The host name in the case typed, as curl keeps it.
        signed(
            "aws:amz",
            &[
                "--resolve",
                "S3.EU-west-1.amazonaws.com:{p}:127.0.0.1",
                "http://S3.EU-west-1.amazonaws.com:{p}/hello",
            ],
        ),
        signed(
            "aws:amz:us-east-2",
            &[
                "--connect-to",
                "sqs.us-east-2.amazonaws.com:80:{a}",
                "http://sqs.us-east-2.amazonaws.com/hello",
            ],
        ),
        signed("aws:amz", &["{u}/hello"]),
        // Another provider names the algorithm, the date header and the request type.
        line(&[
            "-s",
            "--aws-sigv4",
            "osc",
            "-u",
            "AK:SK",
            "-H",
            "X-Osc-Date: 20230102T030405Z",
            "--resolve",
            "api.eu-west-2.outscale.com:{p}:127.0.0.1",
            "http://api.eu-west-2.outscale.com:{p}/hello",
        ]),
        signed("AwS:aMz:r:s", &["{u}/hello"]),
        // Provider b dates with X-B-Date: given, or each tool would sign its own second.
        signed(
            "a:b:c:d:e",
            &["-H", "X-B-Date: 20230102T030405Z", "{u}/hello"],
        ),
        // The -H lines are signed as curl lists them: removals, empty ones, squeezed blanks,
        // sorted as whole lines.
        signed(
            "aws:amz:eu-west-1:s3",
            &[
                "-H",
                "Content-Type: text/plain",
                "-H",
                "X-Foo:   a    b  ",
                "-H",
                "X-Empty;",
                "-H",
                "Accept:",
                "-H",
                "x-foo-bar: 1",
                "-H",
                "Zed: z",
                "-d",
                "x=1",
                "{u}/hello",
            ],
        ),
        signed(
            "aws:amz:eu-west-1:s3",
            &["-H", "Host: example.com", "{u}/hello"],
        ),
        // --etag-compare's If-None-Match is one of them, -z's If-Modified-Since is not.
        signed("aws:amz:r:s", &["--etag-compare", "etag.txt", "{u}/hello"])
            .file("etag.txt", b"\"abc\"\n"),
        signed(
            "aws:amz:r:s",
            &["-z", "Mon, 02 Jan 2023 03:04:05 GMT", "{u}/hello"],
        ),
        // Repeated names stay apart, -H @FILE's lines are -H lines, and through an HTTP
        // proxy the URL's path is signed, not the absolute target.
        signed(
            "aws:amz:r:s",
            &["-H", "X-A: 2", "-H", "x-a: 1", "{u}/hello"],
        ),
        signed("aws:amz:r:s", &["-H", "@headers.txt", "{u}/hello"])
            .file("headers.txt", b"X-One: 1\r\nX-Two:  two  \n"),
        signed(
            "aws:amz",
            &[
                "-x",
                "{u}",
                "http://s3.eu-west-1.amazonaws.com/bucket/key?acl",
            ],
        ),
        // The path and query as curl sends them, and the data's hash as it goes.
        signed("aws:amz:r:s", &["{u}/a%20b/./c/../d?x=%41&y=a+b"]),
        signed("aws:amz:r:s", &["--data-urlencode", "q=a b&c", "{u}/hello"]),
        signed("aws:amz:r:s", &["-X", "POST", "{u}/hello"]),
        // A Date header gives the time when no X-Amz-Date does, a lower-case one as typed.
        line(&[
            "-s",
            "--aws-sigv4",
            "aws:amz:eu-west-1:s3",
            "-u",
            "AKID:SECRET",
            "-H",
            "Date: Mon, 02 Jan 2023 03:04:05 GMT",
            "{u}/hello",
        ]),
        line(&[
            "-s",
            "--aws-sigv4",
            "aws:amz:eu-west-1:s3",
            "-u",
            "AKID:SECRET",
            "-H",
            "x-amz-date:   20230102T030405Z  ",
            "{u}/hello",
        ]),
        // The URL's credentials sign too; none, or the user's Authorization, leave it unsigned.
        line(&[
            "-s",
            "--aws-sigv4",
            "aws:amz:r:s",
            "-H",
            DATE,
            "http://AK:SK@{a}/hello",
        ]),
        line(&["-s", "--aws-sigv4", "aws:amz:r:s", "-H", DATE, "{u}/hello"]),
        line(&["-s", "--aws-sigv4", "", "{u}/hello"]),
        signed(
            "aws:amz:r:s",
            &["-H", "Authorization: Bearer t", "{u}/hello"],
        ),
        // curl's errors: no provider (43), no service or region in the host name (3).
        signed("", &["{u}/hello"]),
        signed(":amz", &["{u}/hello"]),
        signed("aws", &["http://localhost:{p}/hello"]),
        signed(
            "aws",
            &[
                "--resolve",
                "s3.localhost:{p}:127.0.0.1",
                "http://s3.localhost:{p}/hello",
            ],
        ),
        line(&[
            "-s",
            "--aws-sigv4",
            "aws:amz:r:s",
            "-u",
            "AK:SK",
            "-H",
            "X-Amz-Date;",
            "{u}/hello",
        ])
        .differs(
            &[Aspect::Exit],
            "an X-Amz-Date; header gives no time to sign with: fetch says so (43) where \
                 curl 7.88 fails with out of memory (27)",
        ),
        // Redirects: re-signed for the same origin (a POST turned GET still hashes its
        // data, as curl 7.88), never signed for another host (localhost), and with
        // --location-trusted signed for it, which fails there as localhost names no service.
        signed("aws:amz:r:s", &["-L", "{u}/redirect"]),
        signed("aws:amz:r:s", &["-L", "-d", "x=1", "{u}/redirect"]),
        signed("aws:amz:r:s", &["-L", "{u}/redirect-other"]),
        signed("aws:amz", &["-L", "{u}/redirect-other"]),
        signed("aws:amz", &["--location-trusted", "{u}/redirect-other"]),
    ]
}
