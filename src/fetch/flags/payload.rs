//! Owns request bodies as the flags ask for them: building one from `-d`, `--data-binary`,
//! `--data-raw`, `--json` and `-T` as curl does (streaming it is `conn/transfer.rs`'s).
//!
//! Form and JSON data are small and held in memory; a `-T FILE` is only named here (its
//! path and length), so uploading a large file costs no more memory than downloading it.

use super::args::FetchArgs;
use super::data_args::DataKind;
use super::file_arg::read_all;
use super::form_flags::{FormFlags, FormSpec, Source};
use crate::fetch::error::{describe, FetchError};
use crate::fetch::http::multipart::{self, FormPart, Multipart, NameEscape, PartContent};
use crate::fetch::http::request::Payload;
use std::path::{Path, PathBuf};
use url::Url;

/// The content type curl gives every `-d` flavour.
const FORM: &str = "application/x-www-form-urlencoded";
/// `--json`'s content type.
const JSON: &str = "application/json";

/// The request body the flags ask for, if any.
pub fn payload(args: &FetchArgs) -> Result<Option<Payload>, FetchError> {
    if let Some(path) = &args.upload_file {
        return upload(path).map(Some);
    }
    if !args.form.parts.is_empty() {
        return form(&args.form, args.wire.name_escape()).map(Some);
    }
    if !args.data.json.is_empty() {
        let pieces = args.data.json.iter().map(|d| piece(d, DataKind::Binary));
        let data = pieces.collect::<Result<Vec<_>, _>>()?.concat();
        return Ok(Some(Payload::Bytes {
            data,
            content_type: Some(JSON),
        }));
    }
    let pieces = args
        .data
        .form
        .iter()
        .map(|(kind, text)| piece(text, *kind))
        .collect::<Result<Vec<_>, _>>()?;
    if pieces.is_empty() {
        return Ok(None);
    }
    Ok(Some(Payload::Bytes {
        data: pieces.join(&b'&'),
        content_type: Some(FORM),
    }))
}

/// `-F` and `--form-string`: the multipart body, `<FILE` contents read now, `@FILE` files
/// only measured (they stream from disk as the body goes out); a file that cannot be read
/// is curl's 26 before anything is sent.
fn form(flags: &FormFlags, escape: NameEscape) -> Result<Payload, FetchError> {
    let mut parts = Vec::with_capacity(flags.parts.len());
    for (literal, text) in &flags.parts {
        let spec = FormSpec::parse(text, *literal).map_err(FetchError::Usage)?;
        parts.push(form_part(spec)?);
    }
    let mut random = [0u8; 8];
    ring::rand::SecureRandom::fill(&ring::rand::SystemRandom::new(), &mut random)
        .map_err(|_| FetchError::Usage("no random bytes for the form's boundary".into()))?;
    Ok(Payload::Multipart(Multipart::new(
        &parts,
        multipart::boundary(random),
        escape,
    )))
}

/// One part, its content found: a file's length (stdin's bytes for `@-`, named `-` as
/// curl names it, and so without a guessed type), `<FILE`'s bytes, or the text.
fn form_part(spec: FormSpec) -> Result<FormPart, FetchError> {
    let (content, filename) = match spec.source {
        Source::Text(text) => (PartContent::Bytes(text.into_bytes()), spec.filename),
        Source::Contents(path) => (PartContent::Bytes(read_all(&path)?), None),
        Source::File(path) if path == "-" => (
            PartContent::Bytes(read_all("-")?),
            spec.filename.or(Some(path)),
        ),
        Source::File(path) => {
            let len = file_len(Path::new(&path))?;
            let base = Path::new(&path)
                .file_name()
                .map(|n| n.to_string_lossy().into_owned());
            (
                PartContent::File {
                    path: PathBuf::from(&path),
                    len,
                },
                spec.filename.or(base),
            )
        }
    };
    Ok(FormPart {
        name: spec.name,
        content,
        filename,
        content_type: spec.content_type,
        headers: spec.headers,
    })
}

/// One data flag's bytes: the text itself, or `@FILE`'s contents (`@-`: stdin) for `-d`
/// (without line breaks), `--data-binary` and `--json` (as they are).
fn piece(data: &str, kind: DataKind) -> Result<Vec<u8>, FetchError> {
    if kind == DataKind::UrlEncode {
        return url_encoded_piece(data);
    }
    let path = match data.strip_prefix('@') {
        Some(path) if kind != DataKind::Raw => path,
        _ => return Ok(data.as_bytes().to_vec()),
    };
    let mut bytes = read_all(path)?;
    if kind == DataKind::Text {
        bytes.retain(|&b| b != b'\r' && b != b'\n');
    }
    Ok(bytes)
}

/// `--data-urlencode`'s piece, split as curl splits it: at the first `=` (`NAME=CONTENT`,
/// `=CONTENT`), else at the first `@` (`NAME@FILE`, `@FILE`), else all content; the name
/// is sent as typed, the content encoded.
fn url_encoded_piece(data: &str) -> Result<Vec<u8>, FetchError> {
    let (name, content) = match data.find('=').or_else(|| data.find('@')) {
        Some(at) if data.as_bytes()[at] == b'@' => (&data[..at], read_all(&data[at + 1..])?),
        Some(at) => (&data[..at], data.as_bytes()[at + 1..].to_vec()),
        None => ("", data.as_bytes().to_vec()),
    };
    let mut out = Vec::with_capacity(name.len() + 1 + content.len() * 3);
    if !name.is_empty() {
        out.extend_from_slice(name.as_bytes());
        out.push(b'=');
    }
    form_encode(&content, &mut out);
    Ok(out)
}

/// curl's encoding of form content: letters, digits and `-._~` as they are, space as `+`,
/// every other byte as `%XX` (upper-case hex).
fn form_encode(content: &[u8], out: &mut Vec<u8>) {
    const HEX: &[u8; 16] = b"0123456789ABCDEF";
    for &b in content {
        match b {
            b'a'..=b'z' | b'A'..=b'Z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => out.push(b),
            b' ' => out.push(b'+'),
            _ => out.extend_from_slice(&[b'%', HEX[usize::from(b >> 4)], HEX[usize::from(b & 15)]]),
        }
    }
}

/// `-T FILE` (streamed from disk) or `-T -` (stdin, read first so a retry can send it
/// again, and sent chunked as curl does).
fn upload(path: &Path) -> Result<Payload, FetchError> {
    if path.as_os_str() == "-" {
        return Ok(Payload::Chunked(read_all("-")?));
    }
    Ok(Payload::File {
        path: path.to_path_buf(),
        len: file_len(path)?,
    })
}

/// The length of a regular file to upload; anything else is curl's 26.
fn file_len(path: &Path) -> Result<u64, FetchError> {
    let meta = std::fs::metadata(path).map_err(|e| FetchError::Read {
        path: path.display().to_string(),
        reason: describe(&e),
    })?;
    if !meta.is_file() {
        return Err(FetchError::Read {
            path: path.display().to_string(),
            reason: "not a regular file".into(),
        });
    }
    Ok(meta.len())
}

/// `-T FILE` to a URL ending in `/` uploads to that directory under the file's name, as
/// curl does.
pub fn upload_url(mut url: Url, upload: Option<&PathBuf>) -> Url {
    let name = upload
        .filter(|p| p.as_os_str() != "-")
        .and_then(|p| p.file_name())
        .and_then(|n| n.to_str());
    if let Some(name) = name.filter(|_| url.path().ends_with('/')) {
        if let Ok(mut segments) = url.path_segments_mut() {
            segments.pop_if_empty().push(name);
        }
    }
    url
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn upload_to_a_directory_url_appends_the_name() {
        let url = Url::parse("http://h/dir/").unwrap();
        let file = PathBuf::from("/tmp/report.txt");
        assert_eq!(
            upload_url(url.clone(), Some(&file)).as_str(),
            "http://h/dir/report.txt"
        );
        let exact = Url::parse("http://h/dir/name").unwrap();
        assert_eq!(upload_url(exact, Some(&file)).as_str(), "http://h/dir/name");
        assert_eq!(upload_url(url, None).as_str(), "http://h/dir/");
    }
}
