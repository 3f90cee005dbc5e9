//! Owns `--aws-sigv4`: AWS Signature Version 4 as curl 7.88.1 computes it, a pure function
//! of the request (method, path, query, headers, payload hash), the time and the credentials.
//!
//! curl 7.88's signer (`lib/http_aws_sigv4.c`) predates the later fixes, and scripts that
//! use `--aws-sigv4` get exactly its bytes, so this follows it where it departs from AWS's
//! own rules (each departure was read off the real curl 7.88.1 through the differential
//! table, `tests/it/curl_diff/sigv4.rs`):
//!
//! - The argument is read as `sscanf("%64[^:]:%64[^:]:%64[^:]:%64s")` reads it: each part
//!   cut at 64 bytes, an empty part ending the list, PROVIDER2 defaulting to PROVIDER1.
//! - SERVICE and REGION, when not given, are the host name's first two labels.
//! - The canonical query is the query as sent, not sorted or re-encoded.
//! - The signed headers are the Host line, every `-H` line as typed (`Name:` and `Name;`
//!   included, lower-cased up to the colon, blanks squeezed; `--json`'s and
//!   `--etag-compare`'s lines too, which curl adds to them) and the date, sorted as whole
//!   `name:value` lines byte by byte, duplicates kept apart.
//! - The timestamp is the first 16 bytes of a `-H X-PROVIDER2-Date` (else `-H Date`) value,
//!   and that header's line is sent a second time after `Authorization`; without either,
//!   `X-Provider2-Date` with the clock's time goes there.
//! - The payload hash is that of the `-d`/`--json` data, or of nothing (`-T`, `-F`, no
//!   body), and stays so after a redirect turned the POST into a GET.
//! - No `x-amz-content-sha256` header, for S3 or not (later curls send one).

use super::curl_date;
use ring::{digest, hmac};

/// The longest PROVIDER, REGION or SERVICE curl 7.88 reads, in bytes.
const MAX_PART: usize = 64;

/// Why a request cannot be signed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SigningError {
    /// The argument starts with `:` or is empty (curl's 43, in its words).
    #[error("--aws-sigv4: first provider can't be empty")]
    EmptyProvider,
    /// Neither the argument nor the host name gives the service or region (curl's 3, in
    /// its words).
    #[error("--aws-sigv4: {part} missing in parameters and hostname")]
    Missing {
        /// `service` or `region`.
        part: &'static str,
    },
    /// The host name's label for the service or region is over 64 bytes (curl's 3).
    #[error("--aws-sigv4: {part} too long in hostname")]
    TooLong {
        /// `service` or `region`.
        part: &'static str,
    },
    /// A `-H` date header curl would take the time from has no value (`X-Amz-Date;`), where
    /// curl 7.88 fails with "out of memory" (27).
    #[error("--aws-sigv4: the {0:?} header gives no time to sign with")]
    DateWithoutValue(String),
}

impl SigningError {
    /// Whether the fault is the URL's host name (curl's 3) rather than the argument or a
    /// header (curl's 43).
    pub fn in_host_name(&self) -> bool {
        matches!(
            self,
            SigningError::Missing { .. } | SigningError::TooLong { .. }
        )
    }
}

/// `--aws-sigv4` for a run: the argument, and what of the flags curl signs with it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AwsSigV4 {
    /// `PROVIDER1[:PROVIDER2[:REGION[:SERVICE]]]` as typed: read only when a request is
    /// signed, as curl reads it (so without credentials a bad one is no error).
    pub arg: String,
    /// The `-H` lines as typed, in order: curl signs its custom header list as it stands.
    pub headers: Vec<String>,
    /// The hex SHA-256 signed as the payload (see [`payload_hash`]).
    pub payload_hash: String,
    /// The signature of the request about to be sent, set before each one.
    pub signed: Option<Signed>,
}

/// The lines a signed request carries after its Host line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Signed {
    /// The `Authorization` header's value.
    pub authorization: String,
    /// The date line sent right after it: the user's own date header again, as typed, or
    /// `X-Provider2-Date: TIMESTAMP`.
    pub date_line: String,
}

/// One request as it is signed.
#[derive(Debug, Clone, Copy)]
pub struct Unsigned<'a> {
    /// The method, as sent.
    pub method: &'a str,
    /// The path, as sent.
    pub path: &'a str,
    /// The query without its `?`, as sent (empty when none).
    pub query: &'a str,
    /// The URL's host name: SERVICE and REGION are its first labels when not given.
    pub host_name: &'a str,
    /// The Host header's value when sockit sends its own (none when a `-H` names Host,
    /// which is then signed as one of `headers`).
    pub host: Option<&'a str>,
    /// The `-H` lines as typed.
    pub headers: &'a [String],
    /// The payload's hex SHA-256.
    pub payload_hash: &'a str,
    /// The access key (`-u`'s user).
    pub user: &'a str,
    /// The secret key (`-u`'s password).
    pub secret: &'a str,
    /// The time, in Unix seconds, when no date header gives one.
    pub now: i64,
}

/// The hex SHA-256 of the bytes curl 7.88 signs as the payload: its post fields, which only
/// `-d` and its kin (and `--json`) set; `None` (an upload, a form, no body) is no bytes.
pub fn payload_hash(post_fields: Option<&[u8]>) -> String {
    hex(digest::digest(&digest::SHA256, post_fields.unwrap_or_default()).as_ref())
}

/// Signs `request` as `--aws-sigv4 ARG` makes curl 7.88 sign it. `RUST_LOG=debug` shows
/// the canonical request and the string to sign, which a server's SignatureDoesNotMatch
/// answer is read against.
pub fn sign(arg: &str, request: &Unsigned) -> Result<Signed, SigningError> {
    let steps = signing(arg, request)?;
    tracing::debug!(
        canonical_request = %steps.canonical,
        string_to_sign = %steps.to_sign,
        "signed with --aws-sigv4"
    );
    Ok(steps.signed)
}

/// The steps of a signature: what AWS's test suite publishes for each of its requests.
struct Steps {
    /// The canonical request.
    canonical: String,
    /// The string to sign.
    to_sign: String,
    /// The lines sent.
    signed: Signed,
}

/// Signs `request` under `arg`, keeping the steps.
fn signing(arg: &str, request: &Unsigned) -> Result<Steps, SigningError> {
    let params = Params::parse(arg)?;
    let (region, service) = params.scope_names(request.host_name)?;
    let date_key = format!("x-{}-date", params.provider1.to_ascii_lowercase());
    let user_date =
        find_header(request.headers, &date_key).or(find_header(request.headers, "date"));
    let timestamp = match user_date {
        Some(line) => typed_timestamp(line)?,
        None => timestamp(request.now),
    };
    let generated = user_date
        .is_none()
        .then(|| format!("{date_key}:{timestamp}"));
    let lines = canonical_lines(request.host, request.headers, generated);
    let (canonical, signed_headers) = canonical_request(request, &lines);
    let date = timestamp.get(..8).unwrap_or(&timestamp);
    let provider = params.provider0.to_ascii_uppercase();
    let request_type = format!("{}4_request", params.provider0.to_ascii_lowercase());
    let scope = format!("{date}/{region}/{service}/{request_type}");
    let digest = hex(digest::digest(&digest::SHA256, canonical.as_bytes()).as_ref());
    let to_sign = format!("{provider}4-HMAC-SHA256\n{timestamp}\n{scope}\n{digest}");
    let mut key = format!("{provider}4{}", request.secret).into_bytes();
    for part in [date, &region, &service, &request_type] {
        key = mac(&key, part.as_bytes());
    }
    let signature = hex(&mac(&key, to_sign.as_bytes()));
    let date_line = match user_date {
        Some(line) => line.clone(),
        None => format!("X-{}-Date: {timestamp}", capitalized(&params.provider1)),
    };
    let authorization = format!(
        "{provider}4-HMAC-SHA256 Credential={}/{scope}, SignedHeaders={signed_headers}, \
         Signature={signature}",
        request.user
    );
    Ok(Steps {
        canonical,
        to_sign,
        signed: Signed {
            authorization,
            date_line,
        },
    })
}

/// The argument's parts.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Params {
    provider0: String,
    provider1: String,
    region: Option<String>,
    service: Option<String>,
}

impl Params {
    /// Reads `PROVIDER1[:PROVIDER2[:REGION[:SERVICE]]]` as curl 7.88's `sscanf` does.
    fn parse(arg: &str) -> Result<Self, SigningError> {
        let bytes = arg.as_bytes();
        let mut at = 0;
        let mut parts: Vec<String> = Vec::with_capacity(4);
        while parts.len() < 4 {
            if !parts.is_empty() {
                if bytes.get(at) != Some(&b':') {
                    break;
                }
                at += 1;
            }
            let part = if parts.len() == 3 {
                // `%64s`: blanks skipped, then up to the next blank.
                at += bytes[at..]
                    .iter()
                    .take_while(|b| b.is_ascii_whitespace())
                    .count();
                take(&bytes[at..], |b| !b.is_ascii_whitespace())
            } else {
                take(&bytes[at..], |b| b != b':')
            };
            if part.is_empty() {
                break;
            }
            at += part.len();
            parts.push(String::from_utf8_lossy(part).into_owned());
        }
        let mut parts = parts.into_iter();
        let provider0 = parts.next().ok_or(SigningError::EmptyProvider)?;
        Ok(Params {
            provider1: parts.next().unwrap_or_else(|| provider0.clone()),
            provider0,
            region: parts.next(),
            service: parts.next(),
        })
    }

    /// The region and service: as given, else the host name's first labels
    /// (`SERVICE.REGION.rest`), as curl 7.88 takes them.
    fn scope_names(&self, host_name: &str) -> Result<(String, String), SigningError> {
        if let Some(service) = &self.service {
            return Ok((self.region.clone().unwrap_or_default(), service.clone()));
        }
        let (service, rest) = label(host_name, "service")?;
        let region = match &self.region {
            Some(region) => region.clone(),
            None => label(rest, "region")?.0.to_string(),
        };
        Ok((region, service.to_string()))
    }
}

/// The first `MAX_PART` bytes of `bytes` that pass `keep`, up to the first that does not.
fn take(bytes: &[u8], keep: impl Fn(u8) -> bool) -> &[u8] {
    let len = bytes.iter().take_while(|&&b| keep(b)).count();
    &bytes[..len.min(MAX_PART)]
}

/// The label of `name` before its first dot, and the rest after it.
fn label<'a>(name: &'a str, part: &'static str) -> Result<(&'a str, &'a str), SigningError> {
    let (label, rest) = name.split_once('.').ok_or(SigningError::Missing { part })?;
    if label.len() > MAX_PART {
        return Err(SigningError::TooLong { part });
    }
    Ok((label, rest))
}

/// The first of `headers` that names `name`, as curl finds a header among its custom ones:
/// the name in any case, then `:` or `;`.
pub fn find_header<'a>(headers: &'a [String], name: &str) -> Option<&'a String> {
    headers.iter().find(|line| {
        let bytes = line.as_bytes();
        bytes.len() > name.len()
            && bytes[..name.len()].eq_ignore_ascii_case(name.as_bytes())
            && matches!(bytes[name.len()], b':' | b';')
    })
}

/// The timestamp a date header gives: its value's first 16 bytes, blanks before skipped.
fn typed_timestamp(line: &str) -> Result<String, SigningError> {
    let (_, value) = line
        .split_once(':')
        .ok_or_else(|| SigningError::DateWithoutValue(line.to_string()))?;
    let value = value.trim_start_matches([' ', '\t']).as_bytes();
    let cut = &value[..value.len().min(16)];
    Ok(String::from_utf8_lossy(cut).into_owned())
}

/// `now` as `YYYYMMDDTHHMMSSZ` (UTC).
fn timestamp(now: i64) -> String {
    let (year, month, day, secs) = curl_date::civil(now);
    format!(
        "{year:04}{month:02}{day:02}T{:02}{:02}{:02}Z",
        secs / 3600,
        secs % 3600 / 60,
        secs % 60
    )
}

/// The lines signed, trimmed and in curl's order: the Host line (unless a `-H` gives one),
/// every `-H` line, and the generated date line.
fn canonical_lines(host: Option<&str>, headers: &[String], date: Option<String>) -> Vec<String> {
    let host = host.map(|value| format!("Host: {value}"));
    let mut lines: Vec<String> = host
        .iter()
        .chain(headers)
        .map(|line| trimmed(line))
        .chain(date)
        .collect();
    lines.sort_unstable();
    lines
}

/// A header line as curl 7.88 signs it: the name lower-cased (the whole line when it has no
/// colon), the value's leading and trailing blanks dropped and every run of blanks inside it
/// one space.
fn trimmed(line: &str) -> String {
    let Some((name, value)) = line.split_once(':') else {
        return line.to_ascii_lowercase();
    };
    let words: Vec<&str> = value.split([' ', '\t']).filter(|w| !w.is_empty()).collect();
    format!("{}:{}", name.to_ascii_lowercase(), words.join(" "))
}

/// The canonical request for `request` with the signed `lines` (already in order), and the
/// signed header names.
fn canonical_request(request: &Unsigned, lines: &[String]) -> (String, String) {
    let headers: String = lines.iter().map(|line| format!("{line}\n")).collect();
    let signed_headers = lines
        .iter()
        .map(|line| line.split_once(':').map_or(line.as_str(), |(name, _)| name))
        .collect::<Vec<_>>()
        .join(";");
    let text = format!(
        "{}\n{}\n{}\n{headers}\n{signed_headers}\n{}",
        request.method, request.path, request.query, request.payload_hash
    );
    (text, signed_headers)
}

/// HMAC-SHA256 of `data` under `key`.
fn mac(key: &[u8], data: &[u8]) -> Vec<u8> {
    let key = hmac::Key::new(hmac::HMAC_SHA256, key);
    hmac::sign(&key, data).as_ref().to_vec()
}

/// `bytes` as lower-case hex.
fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// `amz` as `Amz`: the first letter upper-cased, the rest lower-cased.
fn capitalized(word: &str) -> String {
    let lower = word.to_ascii_lowercase();
    let mut chars = lower.chars();
    chars.next().map_or_else(String::new, |first| {
        first.to_ascii_uppercase().to_string() + chars.as_str()
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// The credentials of AWS's Signature Version 4 test suite.
    const SUITE_KEY: &str = "AKIDEXAMPLE";
    const SUITE_SECRET: &str = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";
    /// The argument that names the suite's region and service.
    const SUITE_ARG: &str = "aws:amz:us-east-1:service";
    /// The suite's time, as a script passes it to curl: `-H "X-Amz-Date: ..."`.
    const SUITE_DATE: &str = "X-Amz-Date: 20150830T123600Z";

    /// A request of the suite: `method` to `https://example.amazonaws.com/` with `query`,
    /// the suite's date header before `headers`.
    fn suite<'a>(
        method: &'a str,
        query: &'a str,
        headers: &'a [String],
        hash: &'a str,
    ) -> Unsigned<'a> {
        Unsigned {
            method,
            path: "/",
            query,
            host_name: "example.amazonaws.com",
            host: Some("example.amazonaws.com"),
            headers,
            payload_hash: hash,
            user: SUITE_KEY,
            secret: SUITE_SECRET,
            now: 0,
        }
    }

    fn lines(lines: &[&str]) -> Vec<String> {
        lines.iter().map(|l| l.to_string()).collect()
    }

    fn signature(signed: &Signed) -> &str {
        signed.authorization.rsplit_once("Signature=").unwrap().1
    }

    /// AWS's test suite, get-vanilla: its canonical request, string to sign and signature
    /// (aws-sig-v4-test-suite/get-vanilla, as aws/aws-sdk-js-v3 keeps it in
    /// packages/signature-v4/src/suite.fixture.ts).
    #[test]
    fn get_vanilla_is_signed_as_aws_publishes() {
        let headers = lines(&[SUITE_DATE]);
        let empty = payload_hash(None);
        let steps = signing(SUITE_ARG, &suite("GET", "", &headers, &empty)).unwrap();
        assert_eq!(
            steps.canonical,
            "GET\n/\n\nhost:example.amazonaws.com\nx-amz-date:20150830T123600Z\n\nhost;x-amz-date\n\
             e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
        );
        assert_eq!(
            steps.to_sign,
            "AWS4-HMAC-SHA256\n20150830T123600Z\n20150830/us-east-1/service/aws4_request\n\
             bb579772317eb040ac9ed261061d46c1f17a8133879d6129b6e1c25292927e63"
        );
        assert_eq!(
            steps.signed.authorization,
            "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, \
             SignedHeaders=host;x-amz-date, \
             Signature=5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31"
        );
        assert_eq!(steps.signed.date_line, SUITE_DATE);
    }

    /// More of the suite's requests (same source): post-vanilla, post-header-key-sort,
    /// get-header-value-trim (blanks squeezed), post-x-www-form-urlencoded (a signed
    /// Content-Type and the body's hash) and get-vanilla-query-order-key-case, whose query
    /// curl 7.88 signs as sent: the suite's signature when sent in sorted order.
    #[test]
    fn the_suites_requests_are_signed_as_aws_publishes() {
        let form = payload_hash(Some(b"Param1=value1"));
        let empty = payload_hash(None);
        let cases: [(&str, &str, &[&str], &str, &str); 5] = [
            (
                "POST",
                "",
                &[],
                &empty,
                "5da7c1a2acd57cee7505fc6676e4e544621c30862966e37dddb68e92efbe5d6b",
            ),
            (
                "POST",
                "",
                &["My-Header1: value1"],
                &empty,
                "c5410059b04c1ee005303aed430f6e6645f61f4dc9e1461ec8f8916fdf18852c",
            ),
            (
                "GET",
                "",
                &["My-Header1: value1", "My-Header2: \"a   b   c\""],
                &empty,
                "acc3ed3afb60bb290fc8d2dd0098b9911fcaa05412b367055dee359757a9c736",
            ),
            (
                "POST",
                "",
                &["Content-Type: application/x-www-form-urlencoded"],
                &form,
                "ff11897932ad3f4e8b18135d722051e5ac45fc38421b1da7b9d196a0fe09473a",
            ),
            (
                "GET",
                "Param1=value1&Param2=value2",
                &[],
                &empty,
                "b97d918cfa904a5beff61c982a1b6f458b799221646efd99d3219ec94cdf2500",
            ),
        ];
        for (method, query, extra, hash, want) in cases {
            let headers: Vec<String> = [SUITE_DATE]
                .iter()
                .chain(extra)
                .map(|l| l.to_string())
                .collect();
            let signed = sign(SUITE_ARG, &suite(method, query, &headers, hash)).unwrap();
            assert_eq!(signature(&signed), want, "{method} ?{query} {extra:?}");
        }
        let headers = lines(&[SUITE_DATE]);
        let unsorted = sign(
            SUITE_ARG,
            &suite("GET", "Param2=value2&Param1=value1", &headers, &empty),
        );
        assert_ne!(
            signature(&unsorted.unwrap()),
            "b97d918cfa904a5beff61c982a1b6f458b799221646efd99d3219ec94cdf2500"
        );
    }

    /// A request at 2023-01-02 03:04:05 to s3.eu-west-1.amazonaws.com:18080, as recorded
    /// from curl 7.88.1 with `-u AKID:SECRET`.
    fn recorded<'a>(
        method: &'a str,
        path: &'a str,
        query: &'a str,
        headers: &'a [String],
        hash: &'a str,
    ) -> Unsigned<'a> {
        Unsigned {
            method,
            path,
            query,
            host_name: "s3.eu-west-1.amazonaws.com",
            host: Some("s3.eu-west-1.amazonaws.com:18080"),
            headers,
            payload_hash: hash,
            user: "AKID",
            secret: "SECRET",
            now: 1_672_628_645,
        }
    }

    /// curl 7.88's quirks, each signature as the real curl sent it: the query unsorted,
    /// `Name:` and `Name;` lines signed (`x-empty;` as a name), lines sorted whole
    /// (`x-foo-bar` before `x-foo`), and no x-amz-content-sha256 for S3.
    #[test]
    fn curls_quirks_are_signed_as_curl_signed_them() {
        let empty = payload_hash(None);
        let headers = lines(&["X-Amz-Date: 20230102T030405Z"]);
        let query = recorded("GET", "/bucket/key", "b=2&a=1", &headers, &empty);
        let signed = sign("aws:amz", &query).unwrap();
        assert_eq!(signed.authorization, "AWS4-HMAC-SHA256 Credential=AKID/20230102/eu-west-1/s3/aws4_request, \
            SignedHeaders=host;x-amz-date, Signature=e5ba23a57a9277f2ed2fc9a4df9337920d8bfa36b0c8744f4b8d3aa518a22a21");
        assert_eq!(signed.date_line, "X-Amz-Date: 20230102T030405Z");
        let headers = lines(&[
            "X-Amz-Date: 20230102T030405Z",
            "Content-Type: text/plain",
            "X-Foo:   a    b  ",
            "X-Empty;",
            "Accept:",
            "x-foo-bar: 1",
            "Zed: z",
        ]);
        let form = payload_hash(Some(b"x=1"));
        let signed = sign(
            "aws:amz:eu-west-1:s3",
            &recorded("POST", "/b/k", "q", &headers, &form),
        )
        .unwrap();
        assert_eq!(
            signed.authorization,
            "AWS4-HMAC-SHA256 Credential=AKID/20230102/eu-west-1/s3/aws4_request, \
            SignedHeaders=accept;content-type;host;x-amz-date;x-empty;;x-foo-bar;x-foo;zed, \
            Signature=62159496e28d37f7cef7a85b0975228254dcf80ffe3c254fb83716ce0747c596"
        );
    }

    /// Without X-Amz-Date curl takes the time from a `-H Date` (its first 16 bytes, so the
    /// scope's date is `Mon, 02 `), and with neither from the clock, adding
    /// `X-Provider2-Date`; a non-aws provider names the algorithm, the date header and the
    /// request type (signatures as curl 7.88.1 sent them).
    #[test]
    fn the_time_comes_from_a_date_header_or_the_clock() {
        let empty = payload_hash(None);
        let headers = lines(&["Date: Mon, 02 Jan 2023 03:04:05 GMT"]);
        let signed = sign(
            "AwS:AmZ:eu-west-1:s3",
            &recorded("GET", "/b/k", "", &headers, &empty),
        )
        .unwrap();
        assert_eq!(signed.authorization, "AWS4-HMAC-SHA256 Credential=AKID/Mon, 02 /eu-west-1/s3/aws4_request, \
            SignedHeaders=date;host, Signature=48dff73d7022b8458af168354db26239c5596f41d8dceb384368b3936b20bb62");
        assert_eq!(signed.date_line, "Date: Mon, 02 Jan 2023 03:04:05 GMT");
        let clock = Unsigned {
            now: 1_796_655_873,
            ..recorded("GET", "/x", "", &[], &empty)
        };
        let signed = sign("AwS:aMZ:r:s", &clock).unwrap();
        assert_eq!(signed.authorization, "AWS4-HMAC-SHA256 Credential=AKID/20261207/r/s/aws4_request, \
            SignedHeaders=host;x-amz-date, Signature=b9b2b115d4c65a9dd1ff64aa675b2ce8ac7a5275cb5d6b4aa58970117cfa9f22");
        assert_eq!(signed.date_line, "X-Amz-Date: 20261207T150433Z");
        let headers = lines(&["X-Osc-Date: 20230102T030405Z"]);
        let signed = sign(
            "osc",
            &recorded("GET", "/a%20b/d", "x=%41&y=a+b", &headers, &empty),
        )
        .unwrap();
        assert_eq!(signed.authorization, "OSC4-HMAC-SHA256 Credential=AKID/20230102/eu-west-1/s3/osc4_request, \
            SignedHeaders=host;x-osc-date, Signature=a294e6498b727be23a6cf017fcdcd6d8ae825c4202c330e24d0ebdb6c0fb6690");
        assert_eq!(signed.date_line, "X-Osc-Date: 20230102T030405Z");
    }

    /// The argument reads as curl 7.88's sscanf reads it.
    #[test]
    fn the_argument_reads_as_curls_sscanf() {
        let read =
            |arg: &str| Params::parse(arg).map(|p| (p.provider0, p.provider1, p.region, p.service));
        let some = |s: &str| Some(s.to_string());
        assert_eq!(read("aws"), Ok(("aws".into(), "aws".into(), None, None)));
        assert_eq!(
            read("aws::r:s"),
            Ok(("aws".into(), "aws".into(), None, None))
        );
        assert_eq!(
            read("aws:amz::s"),
            Ok(("aws".into(), "amz".into(), None, None))
        );
        assert_eq!(
            read("a:b:c:d:e"),
            Ok(("a".into(), "b".into(), some("c"), some("d:e")))
        );
        assert_eq!(
            read("aws:amz:r: s x"),
            Ok(("aws".into(), "amz".into(), some("r"), some("s")))
        );
        let long = "p".repeat(70);
        assert_eq!(
            read(&format!("{long}:amz:r:s")),
            Ok(("p".repeat(64), "p".repeat(64), None, None))
        );
        assert_eq!(read(""), Err(SigningError::EmptyProvider));
        assert_eq!(read(":amz"), Err(SigningError::EmptyProvider));
    }

    /// SERVICE and REGION come from the host name's first labels when not given, with
    /// curl's errors when it has too few or too long ones.
    #[test]
    fn service_and_region_come_from_the_host_name() {
        let scope = |arg: &str, host: &str| Params::parse(arg).unwrap().scope_names(host);
        let pair = |r: &str, s: &str| Ok((r.to_string(), s.to_string()));
        assert_eq!(
            scope("aws", "s3.eu-west-1.amazonaws.com"),
            pair("eu-west-1", "s3")
        );
        assert_eq!(scope("aws:amz:r", "127.0.0.1"), pair("r", "127"));
        assert_eq!(scope("aws", "127.0.0.1"), pair("0", "127"));
        assert_eq!(scope("aws:amz:r:s", "localhost"), pair("r", "s"));
        assert_eq!(
            scope("aws", "localhost"),
            Err(SigningError::Missing { part: "service" })
        );
        assert_eq!(
            scope("aws", "s3.localhost"),
            Err(SigningError::Missing { part: "region" })
        );
        let long = "s".repeat(65);
        assert_eq!(
            scope("aws", &format!("{long}.r.x")),
            Err(SigningError::TooLong { part: "service" })
        );
        assert_eq!(
            scope("aws", &format!("s3.{long}.x")),
            Err(SigningError::TooLong { part: "region" })
        );
        assert!(SigningError::Missing { part: "service" }.in_host_name());
        assert!(!SigningError::EmptyProvider.in_host_name());
    }

    /// A date header without a value is refused, not signed with an empty time.
    #[test]
    fn a_date_header_without_value_is_refused() {
        let headers = lines(&["X-Amz-Date;"]);
        let empty = payload_hash(None);
        let refused = sign("aws:amz:r:s", &recorded("GET", "/", "", &headers, &empty));
        assert_eq!(
            refused,
            Err(SigningError::DateWithoutValue("X-Amz-Date;".into()))
        );
    }

    /// The clock's time is written as curl's strftime writes it.
    #[test]
    fn timestamps_are_basic_iso_8601() {
        assert_eq!(timestamp(0), "19700101T000000Z");
        assert_eq!(timestamp(1_440_938_160), "20150830T123600Z");
        assert_eq!(timestamp(1_672_628_645), "20230102T030405Z");
    }

    proptest! {
        /// curl sorts the signed lines, so the order of the `-H` flags never changes the
        /// signature.
        #[test]
        fn header_order_does_not_change_the_signature(
            names in proptest::collection::vec("[A-Za-z][A-Za-z0-9-]{0,8}", 1..6),
            values in proptest::collection::vec("[ -~]{0,12}", 6),
            shift in 0usize..6,
        ) {
            let headers: Vec<String> = names
                .iter()
                .zip(&values)
                .map(|(n, v)| format!("{n}: {v}"))
                .chain([SUITE_DATE.to_string()])
                .collect();
            let mut turned = headers.clone();
            turned.rotate_left(shift % headers.len());
            let empty = payload_hash(None);
            let a = sign(SUITE_ARG, &suite("GET", "", &headers, &empty)).unwrap();
            let b = sign(SUITE_ARG, &suite("GET", "", &turned, &empty)).unwrap();
            prop_assert_eq!(a, b);
        }

        /// Whatever the request, the Authorization value names the key and scope as given
        /// and ends in 64 hex digits, which another secret changes.
        #[test]
        fn the_signature_is_the_secrets(
            path in "/[A-Za-z0-9/%._~-]{0,20}",
            query in "[A-Za-z0-9=&%+._~-]{0,20}",
            secret in "[!-~]{1,40}",
        ) {
            let headers = lines(&[SUITE_DATE]);
            let empty = payload_hash(None);
            let request = Unsigned { path: &path, query: &query, secret: &secret, ..suite("GET", "", &headers, &empty) };
            let signed = sign(SUITE_ARG, &request).unwrap();
            let prefix = "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, ";
            prop_assert!(signed.authorization.starts_with(prefix));
            let hex = signature(&signed);
            prop_assert!(hex.len() == 64 && hex.bytes().all(|b| b.is_ascii_hexdigit()));
            let other = format!("{secret}x");
            let again = sign(SUITE_ARG, &Unsigned { secret: &other, ..request }).unwrap();
            prop_assert_ne!(signature(&again), hex);
        }
    }
}
