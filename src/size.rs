//! The one size syntax of every flag that takes an amount of bytes: a bare number is bytes; a
//! single letter after it is curl's (`B`, `K`, `M`, `G`, `T`, either case, 1024-based: what
//! `--limit-rate 500K` and `--max-filesize 1G` mean to curl users); a unit is binary (`KiB`,
//! `MiB`, `GiB`) or decimal (`kB`, `MB`, `GB`), in any case, with a space or not. The unit
//! parsing is bytesize's; this module adds curl's letters and the flags' one-line error.

/// Parses a size as the flags take it; the error is one line that shows the syntax.
///
/// ```
/// use sockit::size::parse;
/// assert_eq!(parse("64MiB"), Ok(64 << 20));
/// assert_eq!(parse("1048576"), Ok(1 << 20));
/// assert_eq!(parse("16 mib"), Ok(16 << 20));
/// assert_eq!(parse("500K"), Ok(500 << 10));
/// assert!(parse("lots").is_err());
/// ```
pub fn parse(text: &str) -> Result<usize, String> {
    let bytes = parse_bytes(text)?;
    usize::try_from(bytes).map_err(|_| bad(text))
}

/// [`parse`], as a `u64` (a byte count that need not fit in memory, such as
/// `--max-filesize`).
pub fn parse_bytes(text: &str) -> Result<u64, String> {
    let trimmed = text.trim();
    if let Some(n) = curl_letter(trimmed) {
        return n.ok_or_else(|| bad(text));
    }
    let bytes: bytesize::ByteSize = trimmed.parse().map_err(|_| bad(text))?;
    Ok(bytes.as_u64())
}

/// curl's form, digits and one letter: `Some` when `text` has that shape (`None` inside
/// when the number overflows), `None` when it does not.
fn curl_letter(text: &str) -> Option<Option<u64>> {
    let (at, letter) = text.char_indices().last()?;
    let digits = &text[..at];
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let shift = match letter.to_ascii_uppercase() {
        'B' => 0,
        'K' => 10,
        'M' => 20,
        'G' => 30,
        'T' => 40,
        _ => return None,
    };
    Some(
        digits
            .parse::<u64>()
            .ok()
            .and_then(|n| n.checked_mul(1 << shift)),
    )
}

fn bad(text: &str) -> String {
    format!("{text:?} is not a size (e.g. 1048576, 500K, 512KiB, 64MiB, 1G)")
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Units are binary or decimal as spelled; nonsense and negatives are refused.
    #[test]
    fn parses_units_and_refuses_nonsense() {
        assert_eq!(parse("16MiB"), Ok(16 * 1024 * 1024));
        assert_eq!(parse("512KiB"), Ok(512 * 1024));
        assert_eq!(parse("1GB"), Ok(1_000_000_000));
        assert_eq!(parse("0"), Ok(0));
        for text in ["", "lots", "-1", "5 parsecs", "MiB", "B", "1X"] {
            let err = parse(text).unwrap_err();
            assert!(err.contains("is not a size"), "{text}: {err}");
        }
    }

    /// curl's single letters are 1024-based, either case, with B for bytes.
    #[test]
    fn curl_letters_are_binary() {
        assert_eq!(parse_bytes("5000"), Ok(5000));
        assert_eq!(parse_bytes("500K"), Ok(500 << 10));
        assert_eq!(parse_bytes("1m"), Ok(1 << 20));
        assert_eq!(parse_bytes("2G"), Ok(2 << 30));
        assert_eq!(parse_bytes("1000B"), Ok(1000));
        assert_eq!(parse_bytes("7b"), Ok(7));
        assert_eq!(parse_bytes("1t"), Ok(1 << 40));
        assert!(parse_bytes("99999999999T").is_err());
    }
}
