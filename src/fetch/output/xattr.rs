//! Owns `--xattr`: the extended attributes curl 7.88 gives a downloaded file, so a desktop
//! shows where it came from.
//!
//! `user.xdg.origin.url` (freedesktop.org's name) holds the final URL without its
//! credentials (curl stopped leaking them there in 7.53, CVE-2017-2629's neighbour), and
//! `user.mime_type` the Content-Type when the server sent one. A file system that takes no
//! user attributes (tmpfs before Linux 6.6, some network mounts) leaves the download as it
//! is, with a warning, as curl's.

use rustix::fs::{setxattr, XattrFlags};
use std::path::Path;
use url::Url;

/// The attributes for a file fetched from `url`, with `content_type` if any, in the order
/// curl writes them.
pub fn attributes(url: &Url, content_type: Option<&str>) -> Vec<(&'static str, String)> {
    let mut shown = url.clone();
    // Setting these fails only for URLs that cannot carry credentials anyway.
    let _ = shown.set_username("");
    let _ = shown.set_password(None);
    let mut out = vec![("user.xdg.origin.url", shown.to_string())];
    out.extend(content_type.map(|t| ("user.mime_type", t.to_string())));
    out
}

/// Writes `attributes` on `path`; the first that cannot be written is the error.
pub fn write(path: &Path, attributes: &[(&'static str, String)]) -> std::io::Result<()> {
    for (name, value) in attributes {
        setxattr(path, *name, value.as_bytes(), XattrFlags::empty())?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The URL goes without its user and password, fragment and query kept, as curl's.
    #[test]
    fn the_url_goes_without_credentials() {
        let url = Url::parse("http://user:pw@example.com:8080/a?q=1#frag").unwrap();
        assert_eq!(
            attributes(&url, Some("text/plain")),
            [
                (
                    "user.xdg.origin.url",
                    "http://example.com:8080/a?q=1#frag".into()
                ),
                ("user.mime_type", "text/plain".to_string()),
            ]
        );
        assert_eq!(attributes(&url, None).len(), 1);
    }
}
