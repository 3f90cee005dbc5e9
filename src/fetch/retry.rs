//! Owns `--retry`: which failures are transient (curl's meaning), how long to wait before
//! the next attempt (1 s doubling up to 10 minutes, `--retry-delay`, or the server's
//! Retry-After), and when to stop (`--retry`, `--retry-max-time`).
//!
//! Three things differ from curl, all so that no data is lost or duplicated: the body of a
//! response that is going to be retried is never written (curl writes it, then the next
//! attempt's body after it); a download into a file whose connection drops mid-body is
//! retried by `--retry` alone (curl needs `--retry-all-errors`); and such a retry continues
//! the `.part` file with Range and If-Range when the server offered ranges, instead of
//! starting over.
//!
//! Part of the story: the exchange asks [`Attempts`] about a transient status as its head
//! arrives, and `job.rs` waits between attempts. [`RetryPlan`] is the plain settings the
//! flags fill in.

use super::error::FetchError;
use super::http::head::Head;
use std::time::{Duration, Instant, SystemTime};

/// The first wait between attempts, doubled after each one.
const FIRST_BACKOFF: Duration = Duration::from_secs(1);
/// The longest wait between attempts.
const MAX_BACKOFF: Duration = Duration::from_secs(600);

/// The retry flags.
#[derive(Debug, Clone, Default)]
pub struct RetryPlan {
    /// `--retry N`: how many more attempts after the first.
    pub count: u32,
    /// `--retry-delay`: a fixed wait instead of the backoff.
    pub delay: Option<Duration>,
    /// `--retry-max-time`: no new attempt once this much time has passed.
    pub max_time: Option<Duration>,
    /// `--retry-connrefused`: a refused connection is transient too.
    pub connrefused: bool,
    /// `--retry-all-errors`: every failure is transient.
    pub all_errors: bool,
}

/// HTTP statuses curl retries: 408, 429, 500, 502, 503, 504.
pub fn is_transient_status(status: u16) -> bool {
    matches!(status, 408 | 429 | 500 | 502 | 503 | 504)
}

/// The attempts of one fetch so far.
#[derive(Debug)]
pub struct Attempts<'a> {
    plan: &'a RetryPlan,
    /// `-m`: no wait between attempts is longer than one attempt may take.
    max_time: Option<Duration>,
    started: Instant,
    made: u32,
    backoff: Duration,
}

impl<'a> Attempts<'a> {
    /// Starts counting at the first attempt; `max_time` is `-m`.
    pub fn new(plan: &'a RetryPlan, max_time: Option<Duration>) -> Self {
        Attempts {
            plan,
            max_time,
            started: Instant::now(),
            made: 0,
            backoff: FIRST_BACKOFF,
        }
    }

    /// Why a retry the server asked to delay by `retry_after` is not made, if it is not: the
    /// wait would pass `--retry-max-time` (curl's rule and words) or `-m` (beyond curl, which
    /// sleeps as long as a server asks: `Retry-After: 999999` is 11 days).
    pub fn refuses_wait(&self, retry_after: Option<Duration>) -> Option<&'static str> {
        let wait = retry_after?;
        let elapsed = self.started.elapsed();
        if let Some(limit) = self.plan.max_time {
            if elapsed.checked_add(wait).is_none_or(|end| end > limit) {
                return Some(
                    "the Retry-After: time would make this command line exceed the maximum \
                     allowed time for retries",
                );
            }
        }
        if self.max_time.is_some_and(|limit| wait > limit) {
            return Some("the Retry-After: time is longer than --max-time allows; not retrying");
        }
        None
    }

    /// Whether a transient failure of the current attempt would be retried: attempts are
    /// left and `--retry-max-time` has not passed.
    pub fn can_retry(&self) -> bool {
        self.made < self.plan.count
            && self
                .plan
                .max_time
                .is_none_or(|limit| self.started.elapsed() < limit)
    }

    /// Whether `err` is worth another attempt.
    pub fn is_transient(&self, err: &FetchError) -> bool {
        if self.plan.all_errors {
            return !matches!(err, FetchError::Usage(_) | FetchError::StdoutClosed(_));
        }
        match err {
            FetchError::Timeout(_) | FetchError::Resolve { .. } => true,
            FetchError::Connect { refused, .. } => self.plan.connrefused && *refused,
            FetchError::HttpStatus { status, .. } => is_transient_status(*status),
            _ => false,
        }
    }

    /// Beyond curl: whether `err`, met after the head of a response whose body goes to a
    /// file, is worth another attempt: a body cut short (curl's 18) or a connection that
    /// broke under it (56). The next attempt continues the `.part` file with Range and
    /// If-Range where the server allows it, as wget and aria2 do; curl retries these only
    /// with `--retry-all-errors`, and then starts over.
    pub fn is_dropped_download(&self, err: &FetchError) -> bool {
        matches!(err, FetchError::Partial(_) | FetchError::Recv(_))
    }

    /// Counts one more attempt and says how long to wait before it: the server's
    /// Retry-After when it sent one, else `--retry-delay`, else the backoff.
    pub fn next(&mut self, retry_after: Option<Duration>) -> Duration {
        self.made += 1;
        let backoff = self.backoff;
        self.backoff = (self.backoff * 2).min(MAX_BACKOFF);
        retry_after.or(self.plan.delay).unwrap_or(backoff)
    }

    /// Retries left after the one being scheduled.
    pub fn left(&self) -> u32 {
        self.plan.count - self.made
    }
}

/// What a response said about continuing its body later with a Range request.
#[derive(Debug, Clone, Default)]
pub struct ResumeHint {
    /// A strong ETag, else Last-Modified: what If-Range can name (RFC 9110 13.1.5).
    pub validator: Option<String>,
    /// `Accept-Ranges: bytes`, or a 206.
    pub ranges: bool,
}

impl ResumeHint {
    /// What `head` offers.
    pub fn from_head(head: &Head) -> Self {
        let etag = head.get("etag").filter(|e| e.starts_with('"'));
        ResumeHint {
            validator: etag
                .or_else(|| head.get("last-modified"))
                .map(str::to_string),
            ranges: head.status == 206
                || head
                    .get("accept-ranges")
                    .is_some_and(|r| r.eq_ignore_ascii_case("bytes")),
        }
    }

    /// The If-Range value when the body can be continued, None when it cannot.
    pub fn if_range(&self) -> Option<&str> {
        self.validator.as_deref().filter(|_| self.ranges)
    }
}

/// Whether a ranged response is of the version of the resource a download started from:
/// `validator` is the ETag or Last-Modified it started from. A 206 must carry the ETag
/// a 200 would (RFC 9110 15.3.7), so a missing one counts as another version; Last-Modified
/// is compared only when sent.
pub fn same_version(validator: &str, head: &Head) -> bool {
    if validator.starts_with('"') {
        head.get("etag") == Some(validator)
    } else {
        head.get("last-modified")
            .is_none_or(|date| date == validator)
    }
}

/// How `head` names its version, for an error message.
pub fn version_of(head: &Head) -> String {
    match (head.get("etag"), head.get("last-modified")) {
        (Some(etag), _) => format!("ETag {etag}"),
        (None, Some(date)) => format!("Last-Modified {date}"),
        (None, None) => "no ETag".to_string(),
    }
}

/// Retry-After: delay-seconds or an HTTP date (RFC 9110 10.2.3); None when absent or
/// unreadable. A date in the past means now; seconds past what a u64 holds mean forever
/// (`Duration::MAX`), so a huge value is refused, never wrapped or ignored.
pub fn retry_after(head: &Head) -> Option<Duration> {
    let value = head.get("retry-after")?;
    if !value.is_empty() && value.bytes().all(|b| b.is_ascii_digit()) {
        return Some(value.parse().map_or(Duration::MAX, Duration::from_secs));
    }
    let when = httpdate::parse_http_date(value).ok()?;
    Some(when.duration_since(SystemTime::now()).unwrap_or_default())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn head(extra: &str) -> Head {
        let raw = format!("HTTP/1.1 503 Busy\r\n{extra}\r\n");
        match crate::fetch::http::head::parse(raw.as_bytes()) {
            Ok(crate::fetch::http::head::Parsed::Complete(h, _)) => h,
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn backoff_doubles_to_ten_minutes_unless_told() {
        let plan = RetryPlan {
            count: 20,
            ..RetryPlan::default()
        };
        let mut attempts = Attempts::new(&plan, None);
        let waits: Vec<u64> = (0..12).map(|_| attempts.next(None).as_secs()).collect();
        assert_eq!(waits, [1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 600, 600]);
        assert_eq!(attempts.next(Some(Duration::from_secs(3))).as_secs(), 3);
        let fixed = RetryPlan {
            count: 2,
            delay: Some(Duration::from_millis(10)),
            ..RetryPlan::default()
        };
        let mut attempts = Attempts::new(&fixed, None);
        assert!(attempts.can_retry());
        assert_eq!(attempts.next(None), Duration::from_millis(10));
        assert_eq!(attempts.left(), 1);
        attempts.next(None);
        assert!(!attempts.can_retry());
    }

    /// Which failures are transient, as curl has it; a refused connection only with
    /// `--retry-connrefused`, told by the error's `refused` field (issue 16: it was found
    /// by searching the message for "connection refused").
    #[test]
    fn transient_is_curls_meaning() {
        let plan = RetryPlan::default();
        let attempts = Attempts::new(&plan, None);
        assert!(attempts.is_transient(&FetchError::Timeout("t".into())));
        assert!(!attempts.is_transient(&FetchError::Partial("p".into())));
        let refused = FetchError::Connect {
            host: "h".into(),
            port: 1,
            reason: "no route to host".into(),
            refused: true,
        };
        assert!(!attempts.is_transient(&refused));
        let plan = RetryPlan {
            connrefused: true,
            ..RetryPlan::default()
        };
        assert!(Attempts::new(&plan, None).is_transient(&refused));
        // Issue 16: the refusal is a field, not words found in the message.
        let worded = FetchError::Connect {
            host: "h".into(),
            port: 1,
            reason: "connection refused".into(),
            refused: false,
        };
        assert!(!Attempts::new(&plan, None).is_transient(&worded));
        let plan = RetryPlan {
            all_errors: true,
            ..RetryPlan::default()
        };
        assert!(Attempts::new(&plan, None).is_transient(&FetchError::Partial("p".into())));
        assert!(is_transient_status(503) && !is_transient_status(404));
    }

    /// A body cut short or a connection broken under it is a dropped download (retried
    /// into a file by `--retry` alone); a refused connection or a 404 is not.
    #[test]
    fn dropped_downloads_are_18_and_56() {
        let plan = RetryPlan::default();
        let attempts = Attempts::new(&plan, None);
        assert!(attempts.is_dropped_download(&FetchError::Partial("p".into())));
        assert!(attempts.is_dropped_download(&FetchError::Recv("r".into())));
        assert!(!attempts.is_dropped_download(&FetchError::EmptyReply));
        let status = FetchError::HttpStatus {
            status: 404,
            reason: String::new(),
        };
        assert!(!attempts.is_dropped_download(&status));
    }

    /// Issue 17: a Retry-After that would pass --retry-max-time or -m is refused, whatever
    /// its size; a shorter one is waited.
    #[test]
    fn retry_after_is_bounded_by_the_time_limits() {
        let plan = RetryPlan {
            count: 2,
            max_time: Some(Duration::from_secs(3)),
            ..RetryPlan::default()
        };
        let attempts = Attempts::new(&plan, None);
        assert!(attempts
            .refuses_wait(Some(Duration::from_secs(999_999)))
            .is_some());
        assert!(attempts.refuses_wait(Some(Duration::MAX)).is_some());
        assert!(attempts
            .refuses_wait(Some(Duration::from_secs(1)))
            .is_none());
        assert!(attempts.refuses_wait(None).is_none());
        let unbounded = RetryPlan {
            count: 2,
            ..RetryPlan::default()
        };
        let timed = Attempts::new(&unbounded, Some(Duration::from_secs(3)));
        assert!(timed.refuses_wait(Some(Duration::from_secs(4))).is_some());
        assert!(timed.refuses_wait(Some(Duration::from_secs(2))).is_none());
        let free = Attempts::new(&unbounded, None);
        assert!(free
            .refuses_wait(Some(Duration::from_secs(999_999)))
            .is_none());
    }

    #[test]
    fn resume_needs_ranges_and_a_strong_validator() {
        let h = head("Accept-Ranges: bytes\r\nETag: \"v1\"\r\n");
        assert_eq!(ResumeHint::from_head(&h).if_range(), Some("\"v1\""));
        let weak = head("Accept-Ranges: bytes\r\nETag: W/\"v1\"\r\n");
        assert_eq!(ResumeHint::from_head(&weak).if_range(), None);
        let dated =
            head("Accept-Ranges: bytes\r\nLast-Modified: Wed, 21 Oct 2015 07:28:00 GMT\r\n");
        assert!(ResumeHint::from_head(&dated).if_range().is_some());
        let no_ranges = head("ETag: \"v1\"\r\n");
        assert_eq!(ResumeHint::from_head(&no_ranges).if_range(), None);
    }

    #[test]
    fn retry_after_takes_seconds_and_dates() {
        assert_eq!(
            retry_after(&head("Retry-After: 7\r\n")),
            Some(Duration::from_secs(7))
        );
        let past = head("Retry-After: Wed, 21 Oct 2015 07:28:00 GMT\r\n");
        assert_eq!(retry_after(&past), Some(Duration::ZERO));
        assert_eq!(retry_after(&head("Retry-After: soon\r\n")), None);
        let huge = head("Retry-After: 99999999999999999999999\r\n");
        assert_eq!(retry_after(&huge), Some(Duration::MAX));
        let far = head("Retry-After: Fri, 31 Dec 9999 23:59:59 GMT\r\n");
        assert!(retry_after(&far).unwrap() > Duration::from_secs(200 * 365 * 86400));
        assert_eq!(retry_after(&head("")), None);
    }
}
