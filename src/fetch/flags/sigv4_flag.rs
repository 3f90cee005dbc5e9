//! Defines `--aws-sigv4` with curl's spelling (its `///` doc is the `--help` text), and
//! gathers what curl 7.88 signs besides the request itself: the `-H` lines as typed and the
//! hash of the `-d` data. The signature is `http/aws_sigv4.rs`'s.

use super::headings::REQUEST;
use crate::fetch::http::aws_sigv4::{self, AwsSigV4};
use clap::Args;

/// The AWS signature flag.
#[derive(Debug, Clone, Default, Args)]
pub struct SigV4Flags {
    /// Sign requests with AWS Signature Version 4, -u KEY:SECRET.
    ///
    /// PROVIDER1[:PROVIDER2[:REGION[:SERVICE]]], e.g. `aws:amz:us-east-1:s3`, signed byte for
    /// byte as curl 7.88 signs. REGION and SERVICE default to the host name's first labels
    /// (SERVICE.REGION.amazonaws.com); the time is the clock's, or that of a `-H
    /// "X-Amz-Date: 20230102T030405Z"`. Signed: Host, every -H line, the date, and the
    /// SHA-256 of the -d data (of nothing for -T and -F, as curl 7.88). Never sent to
    /// another host after a redirect unless --location-trusted.
    #[arg(help_heading = REQUEST, long = "aws-sigv4", value_name = "PROVIDER")]
    pub aws_sigv4: Option<String>,
}

impl SigV4Flags {
    /// What `--aws-sigv4` signs with, given the `-H` lines as typed, the `-d` data sent as
    /// the body (`None` for an upload, a form, `-G` or no body) and whether `--json` was
    /// given; none without the flag.
    pub fn setting(
        &self,
        headers: &[String],
        post_fields: Option<&[u8]>,
        json: bool,
    ) -> Option<AwsSigV4> {
        Some(AwsSigV4 {
            arg: self.aws_sigv4.clone()?,
            headers: with_json_headers(headers, json),
            payload_hash: aws_sigv4::payload_hash(post_fields),
            signed: None,
        })
    }
}

/// The `-H` lines as curl 7.88 lists them: `--json` adds its Content-Type and Accept lines
/// to them (each unless a `-H` names that header), so they are signed too.
fn with_json_headers(headers: &[String], json: bool) -> Vec<String> {
    let mut lines = headers.to_vec();
    if json {
        for (name, line) in [
            ("content-type", "Content-Type: application/json"),
            ("accept", "Accept: application/json"),
        ] {
            if aws_sigv4::find_header(headers, name).is_none() {
                lines.push(line.to_string());
            }
        }
    }
    lines
}
