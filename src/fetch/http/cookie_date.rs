//! Owns reading the date of a cookie's `Expires`: RFC 6265's lenient cookie-date algorithm
//! (5.1.1), which takes every spelling servers send (`Wed, 09 Jun 2100 10:18:14 GMT`,
//! Netscape's `Wed, 09-Jun-2100 10:18:14 GMT`, two-digit years, asctime's order).
//!
//! Strict HTTP-date parsers refuse the Netscape spelling, which is the most common one in
//! `Set-Cookie`; curl reads it with its own lenient `getdate`, so sockit must too.

/// The Unix time (seconds, UTC) `text` names, or None when it names none.
pub fn parse(text: &str) -> Option<i64> {
    let mut time = None;
    let mut day = None;
    let mut month = None;
    let mut year = None;
    for token in text
        .split(|c: char| !(c.is_ascii_alphanumeric() || c == ':'))
        .filter(|t| !t.is_empty())
    {
        if time.is_none() {
            if let Some(t) = clock(token) {
                time = Some(t);
                continue;
            }
        }
        if day.is_none() {
            if let Some(d) = digits(token, 1, 2).filter(|d| (1..=31).contains(d)) {
                day = Some(d);
                continue;
            }
        }
        if month.is_none() {
            if let Some(m) = month_of(token) {
                month = Some(m);
                continue;
            }
        }
        if year.is_none() {
            if let Some(y) = digits(token, 2, 4) {
                year = Some(match y {
                    70..=99 => y + 1900,
                    0..=69 => y + 2000,
                    y => y,
                });
            }
        }
    }
    let (hour, minute, second) = time?;
    let (day, month, year) = (day?, month?, year?);
    if year < 1601 || day > days_in_month(year, month) {
        return None;
    }
    let days = days_from_civil(year, month, day);
    Some(days * 86_400 + hour * 3600 + minute * 60 + second)
}

/// `hh:mm:ss` (one or two digits each, trailing non-digits ignored as RFC 6265 allows).
fn clock(token: &str) -> Option<(i64, i64, i64)> {
    let mut parts = token.split(':');
    let (h, m, s) = (parts.next()?, parts.next()?, parts.next()?);
    if parts.next().is_some() {
        return None;
    }
    let s = s.trim_end_matches(|c: char| !c.is_ascii_digit());
    let (h, m, s) = (digits(h, 1, 2)?, digits(m, 1, 2)?, digits(s, 1, 2)?);
    (h < 24 && m < 60 && s < 60).then_some((h, m, s))
}

/// `token`'s leading `min..=max` digits as a number (more digits, or none, is not one);
/// anything after them is ignored, as RFC 6265's grammar allows.
fn digits(token: &str, min: usize, max: usize) -> Option<i64> {
    let count = token.bytes().take_while(u8::is_ascii_digit).count();
    if count < min || count > max {
        return None;
    }
    token[..count].parse().ok()
}

/// A month named by its first three letters, any case, 1 to 12.
fn month_of(token: &str) -> Option<i64> {
    const MONTHS: [&str; 12] = [
        "jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec",
    ];
    let head = token.get(..3)?.to_ascii_lowercase();
    MONTHS.iter().position(|m| *m == head).map(|i| i as i64 + 1)
}

fn days_in_month(year: i64, month: i64) -> i64 {
    match month {
        2 if year % 4 == 0 && (year % 100 != 0 || year % 400 == 0) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm).
fn days_from_civil(year: i64, month: i64, day: i64) -> i64 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (month + 9) % 12;
    let doy = (153 * mp + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// The spellings servers send all read as the same second, curl's reading of them.
    #[test]
    fn every_common_spelling_reads() {
        let want = Some(4_116_219_494);
        assert_eq!(parse("Wed, 09 Jun 2100 10:18:14 GMT"), want);
        assert_eq!(parse("Wed, 09-Jun-2100 10:18:14 GMT"), want);
        assert_eq!(parse("Wed Jun  9 10:18:14 2100"), want);
        assert_eq!(parse("Thu, 01 Jan 1970 00:00:00 GMT"), Some(0));
        assert_eq!(parse("Sunday, 06-Nov-94 08:49:37 GMT"), Some(784_111_777));
        assert_eq!(parse("Thu, 01 Jan 2015 00:00:00"), Some(1_420_070_400));
    }

    /// Text that names no full date is no date, so the cookie stays a session cookie.
    #[test]
    fn incomplete_or_impossible_dates_are_none() {
        for text in [
            "",
            "tomorrow",
            "Wed, 09 Jun 2100",
            "31 Feb 2020 00:00:00",
            "10:18:14",
        ] {
            assert_eq!(parse(text), None, "{text:?}");
        }
    }

    proptest! {
        /// Any date written in the IMF-fixdate form reads back as the time it was made from
        /// (checked against httpdate's formatter).
        #[test]
        fn imf_fixdates_round_trip(secs in 0u64..8_000_000_000) {
            let time = std::time::UNIX_EPOCH + std::time::Duration::from_secs(secs);
            let text = httpdate::fmt_http_date(time);
            prop_assert_eq!(parse(&text), Some(secs as i64));
        }

        /// Arbitrary text never panics.
        #[test]
        fn any_text_is_safe(text in ".{0,64}") {
            let _ = parse(&text);
        }
    }
}
