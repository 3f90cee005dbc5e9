//! Property tests: the chunked decoder and the head parser give the same answer however the
//! input is split across reads, and never panic on arbitrary bytes.

use proptest::prelude::*;
use sockit::fetch::body::{BodyDecoder, BodyError, BodyStep};
use sockit::fetch::head::{self, BodyFraming, HeadError, Parsed};

/// Decodes `input` fed in pieces split at `cuts`: the body bytes produced, and whether the
/// body completed (or the error), plus how many input bytes were used.
fn decode(input: &[u8], cuts: &[usize]) -> (Vec<u8>, Result<bool, BodyError>, usize) {
    let mut decoder = BodyDecoder::new(BodyFraming::Chunked);
    let mut out = Vec::new();
    let mut bounds: Vec<usize> = cuts.iter().map(|&c| c % (input.len() + 1)).collect();
    bounds.sort_unstable();
    bounds.push(input.len());
    let (mut start, mut used_total) = (0, 0);
    for end in bounds {
        let mut piece = &input[start..end];
        start = end;
        while !piece.is_empty() {
            match decoder.step(piece) {
                // Where inside a piece the error hit is not part of the outcome.
                Err(e) => return (out, Err(e), 0),
                Ok((used, step)) => {
                    used_total += used;
                    match step {
                        BodyStep::Data(d) => out.extend_from_slice(d),
                        BodyStep::Need => {}
                        BodyStep::Done => return (out, Ok(true), used_total),
                    }
                    piece = &piece[used..];
                }
            }
        }
    }
    (out, Ok(decoder.is_done()), used_total)
}

/// Parses a head the way the transfer loop does: appending piece by piece until complete.
fn parse_incrementally(input: &[u8], cuts: &[usize]) -> Result<Parsed, HeadError> {
    let mut bounds: Vec<usize> = cuts.iter().map(|&c| c % (input.len() + 1)).collect();
    bounds.sort_unstable();
    bounds.push(input.len());
    for end in bounds {
        match head::parse(&input[..end])? {
            Parsed::Partial => {}
            done => return Ok(done),
        }
    }
    Ok(Parsed::Partial)
}

/// The line end for each line in turn: LF alone where `lf` says so (RFC 9112 section 2.2
/// lets a recipient take it, as curl does), CRLF elsewhere.
fn line_ends(lf: &[bool]) -> impl Iterator<Item = &'static str> + '_ {
    lf.iter().cycle().map(|&lf| if lf { "\n" } else { "\r\n" })
}

fn chunked(body: &[u8], sizes: &[usize], ext: bool, trailer: bool, lf: &[bool]) -> Vec<u8> {
    let mut wire = Vec::new();
    let mut rest = body;
    let mut sizes = sizes.iter().cycle();
    let mut eol = line_ends(lf);
    while !rest.is_empty() {
        let n = (*sizes.next().unwrap()).clamp(1, rest.len());
        wire.extend_from_slice(format!("{n:X}").as_bytes());
        if ext {
            wire.extend_from_slice(b";name=\"v a l\";flag");
        }
        wire.extend_from_slice(eol.next().unwrap().as_bytes());
        wire.extend_from_slice(&rest[..n]);
        wire.extend_from_slice(eol.next().unwrap().as_bytes());
        rest = &rest[n..];
    }
    wire.extend_from_slice(b"0");
    wire.extend_from_slice(eol.next().unwrap().as_bytes());
    if trailer {
        for field in ["X-Digest: abc", "X-Other: 1"] {
            wire.extend_from_slice(field.as_bytes());
            wire.extend_from_slice(eol.next().unwrap().as_bytes());
        }
    }
    wire.extend_from_slice(eol.next().unwrap().as_bytes());
    wire
}

/// A head with `fields`, each line ended as `lf` says, then "body bytes".
fn head_text(status: u16, fields: &[(String, String)], leading: usize, lf: &[bool]) -> String {
    let mut eol = line_ends(lf);
    let mut text = String::new();
    for _ in 0..leading {
        text.push_str(eol.next().unwrap());
    }
    text.push_str(&format!(
        "HTTP/1.1 {status} Reason Phrase{}",
        eol.next().unwrap()
    ));
    for (name, value) in fields {
        text.push_str(&format!("{name}: {value}{}", eol.next().unwrap()));
    }
    text.push_str(eol.next().unwrap());
    text.push_str("body bytes");
    text
}

proptest! {
    /// Any body, chunked any way with lines ending in CRLF or LF alone, split anywhere,
    /// decodes to itself and uses exactly the chunked bytes (what follows is left alone).
    #[test]
    fn chunked_roundtrip_over_any_split(
        body in proptest::collection::vec(any::<u8>(), 0..2000),
        sizes in proptest::collection::vec(1usize..300, 1..8),
        ext in any::<bool>(),
        trailer in any::<bool>(),
        lf in proptest::collection::vec(any::<bool>(), 1..16),
        cuts in proptest::collection::vec(any::<usize>(), 0..12),
    ) {
        let mut wire = chunked(&body, &sizes, ext, trailer, &lf);
        let len = wire.len();
        wire.extend_from_slice(b"NEXT RESPONSE");
        let (out, done, used) = decode(&wire, &cuts);
        prop_assert_eq!(out, body);
        prop_assert_eq!(done, Ok(true));
        prop_assert_eq!(used, len);
    }

    /// Arbitrary bytes: no panic, and the outcome does not depend on the split.
    #[test]
    fn chunked_arbitrary_bytes_split_invariant(
        input in proptest::collection::vec(any::<u8>(), 0..600),
        cuts in proptest::collection::vec(any::<usize>(), 0..12),
    ) {
        prop_assert_eq!(decode(&input, &cuts), decode(&input, &[]));
    }

    /// Chunk-size lines from a small alphabet (digits, spaces, separators, CR, LF): the
    /// strict rules hold over any split.
    #[test]
    fn chunked_size_lines_split_invariant(
        input in proptest::collection::vec(
            prop::sample::select(b"0123456789aAfF ;=\r\n\txz".to_vec()), 0..80),
        cuts in proptest::collection::vec(any::<usize>(), 0..8),
    ) {
        prop_assert_eq!(decode(&input, &cuts), decode(&input, &[]));
    }

    /// A valid head, its lines ending in CRLF or LF alone in any mix, split anywhere,
    /// parses to the same head and length as in one piece, with every field.
    #[test]
    fn head_parse_over_any_split(
        status in 100u16..600,
        fields in proptest::collection::vec(("[A-Za-z][A-Za-z0-9-]{0,12}", "[!-~]([ -~]{0,38}[!-~])?"), 0..20),
        leading_blank in 0usize..3,
        lf in proptest::collection::vec(any::<bool>(), 1..24),
        cuts in proptest::collection::vec(any::<usize>(), 0..10),
    ) {
        let text = head_text(status, &fields, leading_blank, &lf);
        let whole = head::parse(text.as_bytes());
        let Ok(Parsed::Complete(parsed, n)) = &whole else {
            return Err(TestCaseError::fail(format!("{text:?}: {whole:?}")));
        };
        prop_assert_eq!(*n, text.len() - 10);
        prop_assert_eq!(parsed.headers.len(), fields.len());
        for ((name, value), (got_name, got_value)) in fields.iter().zip(&parsed.headers) {
            prop_assert_eq!((name, value.as_bytes()), (got_name, got_value.as_slice()));
        }
        prop_assert_eq!(parse_incrementally(text.as_bytes(), &cuts), whole);
    }

    /// A CR not followed by LF inside any field of a head is refused, whatever the other
    /// lines end with: that is where response splitting lives.
    #[test]
    fn head_bare_cr_is_refused(
        fields in proptest::collection::vec(("[A-Za-z][A-Za-z0-9-]{0,12}", "[ -~]{0,40}"), 1..10),
        at in any::<usize>(),
        lf in proptest::collection::vec(any::<bool>(), 1..24),
    ) {
        let mut fields = fields;
        let which = at % fields.len();
        let (_, value) = &mut fields[which];
        let cut = (at / 7) % (value.len() + 1);
        value.insert_str(cut, "\rx");
        let text = head_text(200, &fields, 0, &lf);
        prop_assert!(matches!(head::parse(text.as_bytes()), Err(HeadError::LineEnding(_))));
    }

    /// Arbitrary bytes: the head parser never panics and splitting changes nothing.
    #[test]
    fn head_arbitrary_bytes_split_invariant(
        input in proptest::collection::vec(
            prop_oneof![any::<u8>(), Just(b'\r'), Just(b'\n'), Just(b':'), Just(b' ')], 0..400),
        cuts in proptest::collection::vec(any::<usize>(), 0..10),
    ) {
        let mut with_status = b"HTTP/1.1 200 OK\r\n".to_vec();
        with_status.extend_from_slice(&input);
        for bytes in [&input, &with_status] {
            prop_assert_eq!(parse_incrementally(bytes, &cuts), head::parse(bytes));
        }
    }
}
