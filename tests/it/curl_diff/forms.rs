//! Lines about form data beyond `-d`: `--data-urlencode` in each of its forms, and `-G`, which
//! moves the data into the query (issue 19).

use super::{check, line, Line};

/// `--data-urlencode` and `-G` send curl's bytes.
#[test]
fn forms_are_curls() {
    check(table());
}

fn table() -> Vec<Line> {
    vec![
        line(&["-s", "--data-urlencode", "a b&c=d", "{u}/hello"]),
        line(&["-s", "--data-urlencode", "=x y", "{u}/hello"]),
        line(&["-s", "--data-urlencode", "n=v w/~._-", "{u}/hello"]),
        line(&["-s", "--data-urlencode", "plain text+more", "{u}/hello"]),
        line(&["-s", "--data-urlencode", "a@b=c", "{u}/hello"]),
        line(&["-s", "--data-urlencode", "@f", "{u}/hello"])
            .file("f", "line one\nä&=+\n".as_bytes()),
        line(&["-s", "--data-urlencode", "n@f", "{u}/hello"]).file("f", b"x y\n"),
        line(&["-s", "--data-urlencode", "n@-", "{u}/hello"]).stdin(b"from stdin"),
        line(&["-s", "-d", "x=1", "--data-urlencode", "y=2 3", "{u}/hello"]),
        line(&["-s", "--data-urlencode", "y=1", "-d", "x=%20", "{u}/hello"]),
        line(&["-s", "-G", "-d", "x=1", "-d", "y=2", "{u}/hello"]),
        line(&["-s", "-G", "-d", "x=1", "{u}/hello?k=v"]),
        line(&["-s", "-G", "--data-urlencode", "q=a b", "{u}/hello"]),
        line(&["-s", "-G", "-d", "z=9", "-I", "{u}/hello"]),
        line(&["-s", "--get", "{u}/hello"]),
        line(&["-s", "-G", "-d", "x=1", "-X", "POST", "{u}/hello"]),
    ]
}
