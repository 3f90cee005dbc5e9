//! The one size syntax of every flag that takes an amount of memory: a bare number is bytes;
//! a unit after it is binary (`KiB`, `MiB`, `GiB`) or decimal (`kB`, `MB`, `GB`), in any
//! case, with a space or not. The parsing is bytesize's; this module gives it the flags'
//! one-line error.

/// Parses a size as the flags take it; the error is one line that shows the syntax.
///
/// ```
/// use sockit::size::parse;
/// assert_eq!(parse("64MiB"), Ok(64 << 20));
/// assert_eq!(parse("1048576"), Ok(1 << 20));
/// assert_eq!(parse("16 mib"), Ok(16 << 20));
/// assert!(parse("lots").is_err());
/// ```
pub fn parse(text: &str) -> Result<usize, String> {
    let bad = || format!("{text:?} is not a size (e.g. 1048576, 512KiB, 64MiB, 1GiB)");
    let bytes: bytesize::ByteSize = text.trim().parse().map_err(|_| bad())?;
    usize::try_from(bytes.as_u64()).map_err(|_| bad())
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
        for text in ["", "lots", "-1", "5 parsecs", "MiB"] {
            let err = parse(text).unwrap_err();
            assert!(err.contains("is not a size"), "{text}: {err}");
        }
    }
}
