//! Owns `FILE.segments`, the sidecar that lets `--segments` continue an interrupted
//! download: its text format, and the rule that it may only describe bytes `FILE.part`
//! really holds.
//!
//! The sidecar is a claim about another file, and a claim can go stale: the `.part` file
//! removed, truncated, or replaced, or a power cut that kept the sidecar's last write but not
//! the `.part` file's (issue 17: a believed sidecar padded the missing bytes with zeros and
//! exited 0). So each segment records, beside how far it got, a digest of the last bytes it
//! wrote ([`TAIL`]); a sidecar is only believed when the `.part` file has the full length
//! and every digest matches what is there now. The writer syncs the `.part` file before it
//! records progress, so a claim never runs ahead of the disk.
//!
//! It sits in `output/` beside the `.part` file it describes: a file format and its rule,
//! no network; `segments.rs`, in the story above, decides when it is written.
//!
//! ```text
//! sockit-segments 2
//! length 8388608
//! validator "v1"
//! 0 2097152 2097152 9f86d081884c7d659a2feaa0c55ad015
//! 2097152 4194304 0 -
//! ...
//! ```

use ring::digest::{digest, SHA256};
use std::fs::File;
use std::io;
use std::os::unix::fs::FileExt;

/// The first line; version 1 sidecars (without digests) are not believed.
pub const MAGIC: &str = "sockit-segments 2";
/// The smallest segment worth its own connection: no sidecar lists smaller ones (but the
/// last), so none lists more than `length / MIN_SEGMENT` of them.
pub const MIN_SEGMENT: u64 = 1 << 20;
/// How many bytes before a segment's end of progress its digest covers.
pub const TAIL: u64 = 4096;
/// Bytes of SHA-256 kept per segment: enough to tell real bytes from zeros or other bytes.
const DIGEST_LEN: usize = 16;

/// The most segments a body of `length` bytes is split into.
pub fn max_segments(length: u64) -> u64 {
    (length / MIN_SEGMENT).max(1)
}

/// What a sidecar says: the body's length and validator, and each segment's progress.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sidecar {
    /// The body's length.
    pub length: u64,
    /// The ETag or Last-Modified the download started from.
    pub validator: Option<String>,
    /// The segments, in order, covering `0..length`.
    pub claims: Vec<Claim>,
}

/// One segment's claim: bytes `start..start + done` of `start..end` are in the `.part` file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Claim {
    /// The segment's first byte.
    pub start: u64,
    /// One past its last byte.
    pub end: u64,
    /// How many of its bytes were written (and synced).
    pub done: u64,
    /// The digest of the last [`TAIL`] (or fewer) bytes written; None when `done` is 0.
    pub tail: Option<[u8; DIGEST_LEN]>,
}

impl Claim {
    /// The byte range the tail digest covers.
    fn tail_range(&self) -> (u64, u64) {
        let to = self.start + self.done;
        (to - self.done.min(TAIL), to)
    }
}

/// Reads a sidecar's text; None when it is not one this version wrote, or its segments do
/// not cover the body exactly (in order, without gaps, no more than [`max_segments`]).
pub fn parse(text: &str) -> Option<Sidecar> {
    let mut lines = text.lines();
    if lines.next()? != MAGIC {
        return None;
    }
    let length: u64 = number(lines.next()?.strip_prefix("length ")?)?;
    let validator = lines.next()?.strip_prefix("validator ")?;
    if validator.chars().any(char::is_control) {
        return None;
    }
    let claims = lines.map(claim).collect::<Option<Vec<_>>>()?;
    let covers = claims.first().is_some_and(|c| c.start == 0)
        && claims.windows(2).all(|w| w[0].end == w[1].start)
        && claims.last().is_some_and(|c| c.end == length)
        && claims.len() as u64 <= max_segments(length);
    covers.then(|| Sidecar {
        length,
        validator: (!validator.is_empty()).then(|| validator.to_string()),
        claims,
    })
}

/// A decimal number as the sidecar writes them (digits only: no sign, no spaces).
fn number(text: &str) -> Option<u64> {
    text.bytes()
        .all(|b| b.is_ascii_digit())
        .then(|| text.parse().ok())?
}

/// One `START END DONE DIGEST` line.
fn claim(line: &str) -> Option<Claim> {
    let mut fields = line.split(' ');
    let (start, end, done) = (
        number(fields.next()?)?,
        number(fields.next()?)?,
        number(fields.next()?)?,
    );
    let tail = match (fields.next()?, done) {
        ("-", 0) => None,
        (hex, 1..) => Some(unhex(hex)?),
        _ => return None,
    };
    let fits = start < end && done <= end - start;
    (fits && fields.next().is_none()).then_some(Claim {
        start,
        end,
        done,
        tail,
    })
}

fn unhex(text: &str) -> Option<[u8; DIGEST_LEN]> {
    let bytes = text.as_bytes();
    if bytes.len() != 2 * DIGEST_LEN {
        return None;
    }
    let mut out = [0u8; DIGEST_LEN];
    for (i, pair) in bytes.chunks(2).enumerate() {
        let digit = |b: u8| char::from(b).to_digit(16);
        out[i] = u8::try_from(digit(pair[0])? * 16 + digit(pair[1])?).ok()?;
    }
    Some(out)
}

/// The sidecar's text, as [`parse`] reads it back.
pub fn render(sidecar: &Sidecar) -> String {
    let mut text = format!(
        "{MAGIC}\nlength {}\nvalidator {}\n",
        sidecar.length,
        sidecar.validator.as_deref().unwrap_or("")
    );
    for c in &sidecar.claims {
        let tail = c.tail.map_or_else(
            || "-".to_string(),
            |d| d.iter().map(|b| format!("{b:02x}")).collect(),
        );
        text.push_str(&format!("{} {} {} {tail}\n", c.start, c.end, c.done));
    }
    text
}

/// The properties every parsed sidecar has, for the fuzz target and the property tests:
/// its segments cover `0..length` in order, no more of them than [`max_segments`], each
/// claims no more than it holds, a digest exactly where progress is claimed, and it renders
/// to text that reads back the same.
#[cfg(any(test, feature = "fuzzing"))]
pub fn check(sidecar: &Sidecar) {
    let claims = &sidecar.claims;
    assert!(!claims.is_empty() && claims.len() as u64 <= max_segments(sidecar.length));
    assert_eq!(claims[0].start, 0);
    assert_eq!(claims[claims.len() - 1].end, sidecar.length);
    assert!(claims.windows(2).all(|w| w[0].end == w[1].start));
    for c in claims {
        assert!(c.start < c.end && c.done <= c.end - c.start, "{c:?}");
        assert_eq!(c.tail.is_some(), c.done > 0, "{c:?}");
    }
    assert_eq!(parse(&render(sidecar)).as_ref(), Some(sidecar));
}

/// The digest of `part`'s bytes `from..to`.
pub fn tail_digest(part: &File, from: u64, to: u64) -> io::Result<[u8; DIGEST_LEN]> {
    let mut bytes = vec![0u8; usize::try_from(to - from).unwrap_or(0)];
    part.read_exact_at(&mut bytes, from)?;
    let mut out = [0u8; DIGEST_LEN];
    out.copy_from_slice(&digest(&SHA256, &bytes).as_ref()[..DIGEST_LEN]);
    Ok(out)
}

impl Sidecar {
    /// A claim for a segment `start..end` with `done` bytes written, digested from `part`
    /// (which must already hold them, synced).
    pub fn claim(part: &File, start: u64, end: u64, done: u64) -> io::Result<Claim> {
        let mut claim = Claim {
            start,
            end,
            done,
            tail: None,
        };
        if done > 0 {
            let (from, to) = claim.tail_range();
            claim.tail = Some(tail_digest(part, from, to)?);
        }
        Ok(claim)
    }

    /// Whether `part` holds what this sidecar claims: the full length, and in every segment
    /// the last bytes written as they were when the claim was recorded.
    pub fn held_by(&self, part: &File) -> bool {
        if part.metadata().map(|m| m.len()).ok() != Some(self.length) {
            return false;
        }
        self.claims.iter().all(|c| match c.tail {
            None => true,
            Some(want) => {
                let (from, to) = c.tail_range();
                tail_digest(part, from, to).is_ok_and(|got| got == want)
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    fn two_segments(part: &File) -> Sidecar {
        Sidecar {
            length: 4 << 20,
            validator: Some("\"v1\"".into()),
            claims: vec![
                Sidecar::claim(part, 0, 2 << 20, 1234).unwrap(),
                Sidecar::claim(part, 2 << 20, 4 << 20, 0).unwrap(),
            ],
        }
    }

    fn part_with(bytes: &[u8], len: u64) -> File {
        let mut file = tempfile::tempfile().unwrap();
        file.write_all(bytes).unwrap();
        file.set_len(len).unwrap();
        file
    }

    #[test]
    fn round_trips() {
        let part = part_with(&[7u8; 5000], 4 << 20);
        let sidecar = two_segments(&part);
        assert_eq!(parse(&render(&sidecar)), Some(sidecar.clone()));
        assert!(sidecar.held_by(&part));
    }

    /// Issue 17: a sidecar is not believed over a `.part` file that is short, empty, or
    /// holds other bytes (zeros) where it claims progress.
    #[test]
    fn a_part_file_without_the_claimed_bytes_is_refused() {
        let part = part_with(&[7u8; 5000], 4 << 20);
        let sidecar = two_segments(&part);
        assert!(!sidecar.held_by(&part_with(&[7u8; 5000], 3 << 20)));
        assert!(!sidecar.held_by(&part_with(&[], 0)));
        assert!(!sidecar.held_by(&part_with(&[], 4 << 20)));
        assert!(!sidecar.held_by(&part_with(&[8u8; 5000], 4 << 20)));
    }

    proptest::proptest! {
        /// Any layout the download could record reads back as written.
        #[test]
        fn any_recorded_layout_round_trips(
            length in 1u64..(1 << 42),
            count in 1u64..64,
            progress in proptest::collection::vec((0.0f64..=1.0, proptest::array::uniform16(0u8..)), 64),
            validator in proptest::option::of("[ -~]{1,40}"),
        ) {
            let count = count.min(max_segments(length));
            let size = length.div_ceil(count);
            let claims: Vec<Claim> = (0..count)
                .map(|i| (i * size, ((i + 1) * size).min(length)))
                .take_while(|(start, end)| start < end)
                .zip(&progress)
                .map(|((start, end), (part, tail))| {
                    let done = ((end - start) as f64 * part) as u64;
                    Claim { start, end, done, tail: (done > 0).then_some(*tail) }
                })
                .collect();
            let sidecar = Sidecar { length, validator, claims };
            proptest::prop_assert_eq!(parse(&render(&sidecar)), Some(sidecar));
        }

        /// Whatever text a sidecar holds, a sidecar that parses covers the body exactly,
        /// claims no more than its segments hold, and renders back to itself.
        #[test]
        fn any_text_parses_to_a_consistent_sidecar_or_none(text in "(sockit-segments 2\n)?(length [0-9]{1,8}\n)?(validator [ -~]{0,8}\n)?([0-9 a-f-]{0,60}\n){0,4}") {
            if let Some(sidecar) = parse(&text) {
                check(&sidecar);
            }
        }
    }

    #[test]
    fn malformed_or_oversized_sidecars_are_refused() {
        let part = part_with(&[7u8; 5000], 4 << 20);
        let good = render(&two_segments(&part));
        assert!(parse("garbage").is_none());
        assert!(parse(&good.replace(MAGIC, "sockit-segments 1")).is_none());
        assert!(parse(&good.replace("length 4194304", "length 4194305")).is_none());
        assert!(parse(&good.replace(" 1234 ", " +1234 ")).is_none());
        let mut many = format!("{MAGIC}\nlength {}\nvalidator \n", 4u64 << 20);
        for i in 0..5u64 {
            many.push_str(&format!(
                "{} {} 0 -\n",
                i * (4 << 20) / 5,
                (i + 1) * (4 << 20) / 5
            ));
        }
        assert!(parse(&many).is_none(), "5 segments of a 4 MiB body");
    }
}
