//! Owns curl's date parser (`curl_getdate`, lib/parsedate.c, as curl 7.88 behaves), which
//! `-z/--time-cond` reads its DATE with and a response's `Last-Modified` is judged by, and
//! the HTTP-date the condition is sent as.
//!
//! curl's parser is its own: up to six words and numbers in any order, a weekday (three
//! letters or whole), a month (three letters only), a zone name or `+HHMM`, `HH:MM[:SS]`,
//! a day, a year (two digits are 1971-2070), or `YYYYMMDD`. Anything else fails the whole
//! date, so `-z` then looks for a file instead. A strict HTTP-date parser would refuse
//! `20211231` and `Sun Nov  6 08:49:37 1994`, which curl's manual shows.

/// The Unix time (seconds, UTC) `text` names as curl reads it, or None.
pub fn parse(text: &str) -> Option<i64> {
    let mut date = Fields::default();
    let mut rest = text.as_bytes();
    let mut before = None;
    for _ in 0..6 {
        while let Some((&c, tail)) = rest
            .split_first()
            .filter(|(c, _)| !c.is_ascii_alphanumeric())
        {
            before = Some(c);
            rest = tail;
        }
        let Some(&first) = rest.first() else { break };
        let taken = if first.is_ascii_alphabetic() {
            date.word(rest)?
        } else {
            date.number(rest, before)?
        };
        before = rest.get(taken - 1).copied();
        rest = &rest[taken..];
    }
    date.epoch()
}

/// Which field a bare number fills next.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
enum Next {
    #[default]
    Day,
    Year,
}

/// The fields found so far.
#[derive(Debug, Default)]
struct Fields {
    weekday: bool,
    month: Option<i64>,
    day: Option<i64>,
    clock: Option<(i64, i64, i64)>,
    year: Option<i64>,
    zone: Option<i64>,
    next: Next,
}

const WEEKDAYS: [&str; 7] = [
    "Monday",
    "Tuesday",
    "Wednesday",
    "Thursday",
    "Friday",
    "Saturday",
    "Sunday",
];
const MONTHS: [&str; 12] = [
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
];

impl Fields {
    /// Takes the word `rest` starts with (at most 31 letters, as curl's buffer); its length,
    /// or None when it is no weekday, month or zone still missing.
    fn word(&mut self, rest: &[u8]) -> Option<usize> {
        let len = rest
            .iter()
            .take(31)
            .take_while(|c| c.is_ascii_alphabetic())
            .count();
        let word = std::str::from_utf8(&rest[..len]).ok()?;
        if !self.weekday && is_weekday(word) {
            self.weekday = true;
        } else if let Some(month) = self.month.is_none().then(|| month_of(word)).flatten() {
            self.month = Some(month);
        } else if let Some(zone) = self.zone.is_none().then(|| zone_of(word)).flatten() {
            self.zone = Some(zone);
        } else {
            return None;
        }
        Some(len)
    }

    /// Takes the number `rest` starts with (`before` is the byte ahead of it); its length,
    /// or None when no field is left for it.
    fn number(&mut self, rest: &[u8], before: Option<u8>) -> Option<usize> {
        if self.clock.is_none() {
            if let Some((clock, len)) = clock(rest) {
                self.clock = Some(clock);
                return Some(len);
            }
        }
        let len = rest.iter().take_while(|c| c.is_ascii_digit()).count();
        let value: i64 = std::str::from_utf8(&rest[..len]).ok()?.parse().ok()?;
        if value > i64::from(i32::MAX) {
            return None;
        }
        let mut found = false;
        if self.zone.is_none() && len == 4 && value <= 1400 {
            if let Some(sign @ (b'+' | b'-')) = before {
                let offset = (value / 100 * 60 + value % 100) * 60;
                self.zone = Some(if sign == b'+' { -offset } else { offset });
                found = true;
            }
        }
        if len == 8 && self.year.is_none() && self.month.is_none() && self.day.is_none() {
            self.year = Some(value / 10000);
            self.month = Some((value % 10000) / 100 - 1);
            self.day = Some(value % 100);
            found = true;
        }
        if !found && self.next == Next::Day && self.day.is_none() {
            if (1..32).contains(&value) {
                self.day = Some(value);
                found = true;
            }
            self.next = Next::Year;
        }
        if !found && self.next == Next::Year && self.year.is_none() {
            self.year = Some(match value {
                0..=70 => value + 2000,
                71..=99 => value + 1900,
                _ => value,
            });
            found = true;
            if self.day.is_none() {
                self.next = Next::Day;
            }
        }
        found.then_some(len)
    }

    /// The Unix time of a complete, possible date.
    fn epoch(&self) -> Option<i64> {
        let (hour, minute, second) = self.clock.unwrap_or((0, 0, 0));
        let (day, month, year) = (self.day?, self.month?, self.year?);
        if year < 1583 || !(0..=11).contains(&month) || day > 31 {
            return None;
        }
        if hour > 23 || minute > 59 || second > 60 {
            return None;
        }
        let days = days_from_civil(year, month + 1, 1) + day - 1;
        let t = ((days * 24 + hour) * 60 + minute) * 60 + second + self.zone.unwrap_or(0);
        // curl never answers -1 for a date that parsed: -1 is its failure.
        Some(if t == -1 { 0 } else { t })
    }
}

/// `HH:MM:SS` or `HH:MM` (one or two digits each) at the start of `rest`, and its length.
fn clock(rest: &[u8]) -> Option<((i64, i64, i64), usize)> {
    let mut values = [0i64; 3];
    let mut at = 0;
    let mut count = 0;
    for (i, value) in values.iter_mut().enumerate() {
        if i > 0 {
            if rest.get(at) != Some(&b':') || !rest.get(at + 1).is_some_and(u8::is_ascii_digit) {
                break;
            }
            at += 1;
        }
        let len = rest[at..]
            .iter()
            .take(2)
            .take_while(|c| c.is_ascii_digit())
            .count();
        if len == 0 {
            break;
        }
        *value = std::str::from_utf8(&rest[at..at + len])
            .ok()?
            .parse()
            .ok()?;
        at += len;
        count += 1;
    }
    (count >= 2).then_some(((values[0], values[1], values[2]), at))
}

fn is_weekday(word: &str) -> bool {
    WEEKDAYS.iter().any(|day| {
        let name = if word.len() > 3 { day } else { &day[..3] };
        name.eq_ignore_ascii_case(word)
    })
}

fn month_of(word: &str) -> Option<i64> {
    MONTHS
        .iter()
        .position(|m| m.eq_ignore_ascii_case(word))
        .map(|i| i as i64)
}

/// The seconds to add to a local time in zone `word` to make it UTC.
fn zone_of(word: &str) -> Option<i64> {
    const DST: i64 = -60;
    const ZONES: [(&str, i64); 44] = [
        ("GMT", 0),
        ("UT", 0),
        ("UTC", 0),
        ("WET", 0),
        ("BST", DST),
        ("WAT", 60),
        ("AST", 240),
        ("ADT", 240 + DST),
        ("EST", 300),
        ("EDT", 300 + DST),
        ("CST", 360),
        ("CDT", 360 + DST),
        ("MST", 420),
        ("MDT", 420 + DST),
        ("PST", 480),
        ("PDT", 480 + DST),
        ("YST", 540),
        ("YDT", 540 + DST),
        ("HST", 600),
        ("HDT", 600 + DST),
        ("CAT", 600),
        ("AHST", 600),
        ("NT", 660),
        ("IDLW", 720),
        ("CET", -60),
        ("MET", -60),
        ("MEWT", -60),
        ("MEST", -60 + DST),
        ("CEST", -60 + DST),
        ("MESZ", -60 + DST),
        ("FWT", -60),
        ("FST", -60 + DST),
        ("EET", -120),
        ("WAST", -420),
        ("WADT", -420 + DST),
        ("CCT", -480),
        ("JST", -540),
        ("EAST", -600),
        ("EADT", -600 + DST),
        ("GST", -600),
        ("NZT", -720),
        ("NZST", -720),
        ("NZDT", -720 + DST),
        ("IDLE", -720),
    ];
    if let Some(&(_, minutes)) = ZONES
        .iter()
        .find(|(name, _)| name.eq_ignore_ascii_case(word))
    {
        return Some(minutes * 60);
    }
    // The military letters but J (local time): A-I, K-M ahead of UTC, N-Y behind, Z on it.
    let [letter] = word.as_bytes() else {
        return None;
    };
    let hours = match letter.to_ascii_uppercase() {
        b'Z' => 0,
        c @ b'A'..=b'I' => i64::from(c - b'A' + 1),
        c @ b'K'..=b'M' => i64::from(c - b'K' + 10),
        c @ b'N'..=b'Y' => -i64::from(c - b'N' + 1),
        _ => return None,
    };
    Some(hours * 3600)
}

/// Days from 1970-01-01 to the civil date (proleptic Gregorian).
fn days_from_civil(year: i64, month: i64, day: i64) -> i64 {
    let year = if month <= 2 { year - 1 } else { year };
    let era = year.div_euclid(400);
    let yoe = year - era * 400;
    let mp = (month + 9) % 12;
    let doy = (153 * mp + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// `t` (Unix seconds) as the UTC civil date and time: year, month, day, and the seconds
/// into the day.
pub fn civil(t: i64) -> (i64, i64, i64, i64) {
    let days = t.div_euclid(86_400);
    let secs = t.rem_euclid(86_400);
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    (year, month, day, secs)
}

/// `t` as an HTTP-date (`Sun, 06 Nov 1994 08:49:37 GMT`), any year.
pub fn http_date(t: i64) -> String {
    let (year, month, day, secs) = civil(t);
    // 1970-01-01 was a Thursday.
    let days = t.div_euclid(86_400);
    let weekday = WEEKDAYS[usize::try_from((days + 3).rem_euclid(7)).unwrap_or(0)];
    format!(
        "{}, {day:02} {} {year} {:02}:{:02}:{:02} GMT",
        &weekday[..3],
        MONTHS[usize::try_from(month - 1).unwrap_or(0)],
        secs / 3600,
        secs % 3600 / 60,
        secs % 60
    )
}

#[cfg(test)]
mod tests {
    use super::{http_date, parse};
    use proptest::prelude::*;

    /// The spellings curl's manual and RFC 9110 show read as curl reads them.
    #[test]
    fn curls_spellings_read() {
        let nov_1994 = Some(784_111_777);
        assert_eq!(parse("Sun, 06 Nov 1994 08:49:37 GMT"), nov_1994);
        assert_eq!(parse("Sunday, 06-Nov-94 08:49:37 GMT"), nov_1994);
        assert_eq!(parse("Sun Nov  6 08:49:37 1994"), nov_1994);
        assert_eq!(parse("20211231"), Some(1_640_908_800));
        assert_eq!(parse("1 Jan 2020 12:00 +0100"), Some(1_577_876_400));
        assert_eq!(parse("Wed 01 Sep 2021 12:18:00"), Some(1_630_498_680));
    }

    /// What curl refuses, a `-z` argument that is then taken for a file name, is None.
    #[test]
    fn curls_refusals_are_none() {
        for text in [
            "garbage",
            "1999",
            "",
            "January 1 2020",
            "32 Jan 2020",
            "1 Jan 1500",
        ] {
            assert_eq!(parse(text), None, "{text:?}");
        }
    }

    proptest! {
        /// Every HTTP-date written reads back as the same time.
        #[test]
        fn http_dates_round_trip(t in -10_000_000_000i64..100_000_000_000) {
            prop_assert_eq!(parse(&http_date(t)), Some(if t == -1 { 0 } else { t }));
        }

        /// Any text is read without a panic.
        #[test]
        fn any_text_is_safe(text in ".{0,64}") {
            let _ = parse(&text);
        }
    }
}
