//! Owns `multipart/form-data` as curl 7.88 builds it for `-F`: the boundary's shape, each
//! part's headers (Content-Disposition with the name and file name escaped as curl escapes
//! them, a Content-Type guessed from the file name's extension with curl's table, the
//! user's own headers), and the body as pieces, so a file part is streamed from disk.
//!
//! Pure: the file parts are named here with their lengths, read only when the body is sent
//! (`conn/transfer.rs`), so the length is known for Content-Length before anything goes out.

use std::path::PathBuf;

/// Bodies longer than this are sent after `Expect: 100-continue`, as curl 7.88 sends them.
pub const EXPECT_THRESHOLD: u64 = 1024 * 1024;

/// One `-F` part.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FormPart {
    /// The field's name (may be empty: then the part has no name, as in curl).
    pub name: String,
    /// What the part holds.
    pub content: PartContent,
    /// `;filename=`, or a file's base name.
    pub filename: Option<String>,
    /// `;type=`, or None for curl's guess.
    pub content_type: Option<String>,
    /// `;headers=` lines, in order.
    pub headers: Vec<String>,
}

/// What a part holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PartContent {
    /// Bytes held in memory (a value, `<FILE`'s contents, stdin's).
    Bytes(Vec<u8>),
    /// `@FILE`: the file's `len` bytes, streamed from disk.
    File {
        /// The file.
        path: PathBuf,
        /// Its length when the form was built.
        len: u64,
    },
}

/// A piece of a multipart body: bytes to send, or a file to stream.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Piece {
    /// Bytes sent as they are.
    Bytes(Vec<u8>),
    /// A file's `len` bytes.
    File {
        /// The file.
        path: PathBuf,
        /// How many bytes are sent.
        len: u64,
    },
}

/// A `multipart/form-data` body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Multipart {
    /// The boundary, curl's shape: 24 dashes and 16 hex digits.
    pub boundary: String,
    /// The body, in order.
    pub pieces: Vec<Piece>,
}

/// How a part's name and file name are escaped inside their quotes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NameEscape {
    /// curl 7.88's default, the HTML5 way: `"` as `%22`, CR as `%0D`, LF as `%0A`.
    Percent,
    /// `--form-escape`: `\` and `"` after a backslash, the rest as it is (RFC 2046's way,
    /// as curl does it for mail).
    Backslash,
}

impl NameEscape {
    /// `text` escaped this way.
    fn apply(self, text: &str) -> String {
        match self {
            NameEscape::Percent => text
                .replace('"', "%22")
                .replace('\r', "%0D")
                .replace('\n', "%0A"),
            NameEscape::Backslash => text.replace('\\', "\\\\").replace('"', "\\\""),
        }
    }
}

impl Multipart {
    /// The body of `parts`, separated by `boundary`, names escaped by `escape`.
    pub fn new(parts: &[FormPart], boundary: String, escape: NameEscape) -> Self {
        let mut pieces = Vec::with_capacity(parts.len() * 2 + 1);
        let mut text = Vec::new();
        for part in parts {
            text.extend_from_slice(format!("--{boundary}\r\n").as_bytes());
            text.extend_from_slice(part_head(part, escape).as_bytes());
            match &part.content {
                PartContent::Bytes(bytes) => text.extend_from_slice(bytes),
                PartContent::File { path, len } => {
                    pieces.push(Piece::Bytes(std::mem::take(&mut text)));
                    pieces.push(Piece::File {
                        path: path.clone(),
                        len: *len,
                    });
                }
            }
            text.extend_from_slice(b"\r\n");
        }
        text.extend_from_slice(format!("--{boundary}--\r\n").as_bytes());
        pieces.push(Piece::Bytes(text));
        Multipart { boundary, pieces }
    }

    /// The body's length in bytes.
    pub fn len(&self) -> u64 {
        self.pieces
            .iter()
            .map(|p| match p {
                Piece::Bytes(b) => b.len() as u64,
                Piece::File { len, .. } => *len,
            })
            .sum()
    }

    /// The request's Content-Type.
    pub fn content_type(&self) -> String {
        format!("multipart/form-data; boundary={}", self.boundary)
    }
}

/// A boundary of curl's shape from 8 random bytes.
pub fn boundary(random: [u8; 8]) -> String {
    let hex: String = random.iter().map(|b| format!("{b:02x}")).collect();
    format!("------------------------{hex}")
}

/// A part's headers and the blank line after them.
fn part_head(part: &FormPart, escape: NameEscape) -> String {
    let mut head = String::from("Content-Disposition: form-data");
    if !part.name.is_empty() {
        head.push_str(&format!("; name=\"{}\"", escape.apply(&part.name)));
    }
    if let Some(filename) = &part.filename {
        head.push_str(&format!("; filename=\"{}\"", escape.apply(filename)));
    }
    head.push_str("\r\n");
    if let Some(kind) = content_type(part) {
        head.push_str(&format!("Content-Type: {kind}\r\n"));
    }
    for line in &part.headers {
        head.push_str(line);
        head.push_str("\r\n");
    }
    head.push_str("\r\n");
    head
}

/// `;type=`, else curl's guess from the file name; a file with no known extension is
/// `application/octet-stream`, except stdin's (`@-`), which curl sends without a type.
fn content_type(part: &FormPart) -> Option<String> {
    if let Some(kind) = &part.content_type {
        return Some(kind.clone());
    }
    let guess = part.filename.as_deref().and_then(guess_by_extension);
    match (&part.content, guess) {
        (_, Some(kind)) => Some(kind.to_string()),
        (PartContent::File { .. }, None) => Some("application/octet-stream".into()),
        (PartContent::Bytes(_), None) => None,
    }
}

/// curl's table of content types by file name extension (lib/mime.c), any case.
fn guess_by_extension(filename: &str) -> Option<&'static str> {
    const TYPES: [(&str, &str); 10] = [
        (".gif", "image/gif"),
        (".jpg", "image/jpeg"),
        (".jpeg", "image/jpeg"),
        (".png", "image/png"),
        (".svg", "image/svg+xml"),
        (".txt", "text/plain"),
        (".htm", "text/html"),
        (".html", "text/html"),
        (".pdf", "application/pdf"),
        (".xml", "application/xml"),
    ];
    let lower = filename.to_ascii_lowercase();
    TYPES
        .iter()
        .find(|(ext, _)| lower.len() > ext.len() && lower.ends_with(ext))
        .map(|(_, kind)| *kind)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(name: &str, value: &str) -> FormPart {
        FormPart {
            name: name.into(),
            content: PartContent::Bytes(value.as_bytes().to_vec()),
            filename: None,
            content_type: None,
            headers: Vec::new(),
        }
    }

    /// The bytes curl 7.88 sends for a value and a file (read off the recording server).
    #[test]
    fn bodies_are_curls() {
        let file = FormPart {
            filename: Some("a.txt".into()),
            content: PartContent::File {
                path: "dir/a.txt".into(),
                len: 13,
            },
            ..text("f", "")
        };
        let body = Multipart::new(
            &[text("name", "value"), file],
            boundary([0xab; 8]),
            NameEscape::Percent,
        );
        let b = "------------------------abababababababab";
        let head = format!(
            "--{b}\r\nContent-Disposition: form-data; name=\"name\"\r\n\r\nvalue\r\n\
             --{b}\r\nContent-Disposition: form-data; name=\"f\"; filename=\"a.txt\"\r\n\
             Content-Type: text/plain\r\n\r\n"
        );
        assert_eq!(
            body.pieces,
            [
                Piece::Bytes(head.into_bytes()),
                Piece::File {
                    path: "dir/a.txt".into(),
                    len: 13
                },
                Piece::Bytes(format!("\r\n--{b}--\r\n").into_bytes()),
            ]
        );
        assert_eq!(body.len(), 291);
        assert_eq!(
            body.content_type(),
            format!("multipart/form-data; boundary={b}")
        );
    }

    /// Types come from `;type=`, the extension (any case), or octet-stream for files only.
    #[test]
    fn content_types_are_guessed_as_curl() {
        let file = |name: &str| FormPart {
            filename: Some(name.into()),
            content: PartContent::File {
                path: name.into(),
                len: 0,
            },
            ..text("f", "")
        };
        assert_eq!(content_type(&file("x.PNG")).as_deref(), Some("image/png"));
        assert_eq!(
            content_type(&file("x.json")).as_deref(),
            Some("application/octet-stream")
        );
        assert_eq!(
            content_type(&file(".txt")).as_deref(),
            Some("application/octet-stream")
        );
        let named = FormPart {
            filename: Some("x.html".into()),
            ..text("t", "v")
        };
        assert_eq!(content_type(&named).as_deref(), Some("text/html"));
        assert_eq!(content_type(&text("t", "v")), None);
    }

    /// Quotes and line breaks cannot break out of the header; an empty name is left out.
    #[test]
    fn names_are_escaped() {
        let part = FormPart {
            filename: Some("a\"\r\nb".into()),
            ..text("n\"", "v")
        };
        assert_eq!(
            part_head(&part, NameEscape::Percent),
            "Content-Disposition: form-data; name=\"n%22\"; filename=\"a%22%0D%0Ab\"\r\n\r\n"
        );
        assert_eq!(
            part_head(&text("", "v"), NameEscape::Percent),
            "Content-Disposition: form-data\r\n\r\n"
        );
    }

    /// `--form-escape`: a backslash before `\` and `"`, as curl 7.88 sends them (read off
    /// the recording server); line breaks pass.
    #[test]
    fn names_are_backslash_escaped_with_form_escape() {
        let part = FormPart {
            filename: Some("x\"y\\z".into()),
            ..text("n\"a\\b\r", "v")
        };
        assert_eq!(
            part_head(&part, NameEscape::Backslash),
            "Content-Disposition: form-data; name=\"n\\\"a\\\\b\r\"; filename=\"x\\\"y\\\\z\"\r\n\r\n"
        );
    }
}
