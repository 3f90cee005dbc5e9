//! Owns one fetch from the first request to the committed output: connecting, following
//! redirects, `-f`, the resume decision, and streaming the final body into its destination.
//! HTTP/3's part of the story (QUIC first, the race with TCP) is `exchange/quic.rs`.

#[cfg(feature = "http3")]
mod quic;

use super::conn::dial::{self, HttpVersions, TlsConfigs};
use super::conn::h2::{self, Failed, H2Conn};
use super::conn::link::{self, Carrier, Link};
use super::conn::pool::Pool;
use super::conn::transfer::{self, Buffer, Conn};
use super::error::FetchError;
use super::flags::plan::FetchPlan;
use super::http::body::BodyDecoder;
use super::http::decode::ContentDecoder;
use super::http::digest::{fresh_cnonce, AuthMode, DigestState, Offers};
use super::http::disposition;
use super::http::h2c;
use super::http::head::{self, BodyFraming, Head};
use super::http::redirect::{self, is_redirect, Redirects};
use super::http::request::{Payload, RequestSpec};
use super::output::alt_svc::H3Alternative;
use super::output::etag;
use super::output::file::{self, ContinueAt, Output, Resume};
use super::output::heads::{self, HeadSinks};
use super::output::progress::{Meter, Progress};
use super::output::verbose::Verbose;
use super::output::writeout::Stats;
use super::output::xattr;
use super::retry::{self, Attempts, ResumeHint};
use super::segments;
use indicatif::MultiProgress;
use rustls::ClientConfig;
use std::io::IsTerminal;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};
use url::Url;

/// One fetch in progress: the plan, and what changes along the redirect chain.
struct Exchange<'a> {
    plan: &'a FetchPlan,
    /// The URL being requested.
    url: Url,
    /// The request for it (method and credentials change on some redirects).
    request: RequestSpec,
    heads: HeadSinks,
    /// What the run's fetches share.
    run: &'a RunState,
    /// The TLS configuration, built on the first https URL.
    tls: Option<Arc<ClientConfig>>,
    /// Where this attempt starts, and what it leaves behind (kept when it fails).
    attempt: &'a mut Attempt,
    /// The attempts so far: asked, when a transient status arrives, whether to retry it.
    retries: &'a Attempts<'a>,
    trace: Verbose,
    /// Where the body goes: the plan's output, or with `-J` the name the response offered.
    output: Option<PathBuf>,
    /// `-J` named the output: it must not replace a file.
    named_by_header: bool,
    /// With `--segments`, the HTTP/2 connection the response came on: the other segments
    /// go as streams of it.
    segments_h2: Option<H2Conn>,
}

/// What the fetches of one run share: the connections kept alive between its URLs, and with
/// `-Z` the display every fetch's progress bar goes to. Kept out of the plans, which are
/// read-only once built.
#[derive(Default)]
pub struct RunState {
    /// Connections kept alive between the run's URLs.
    pub pool: Pool,
    /// `-Z`: the display the progress bars of all parallel fetches share.
    pub bars: Option<MultiProgress>,
    /// The TLS configurations, and so the sessions a later connection of the run resumes.
    pub tls: TlsConfigs,
}

/// One attempt at a fetch: what it starts from, and what it leaves behind for `-w` and for
/// the next attempt.
#[derive(Debug)]
pub struct Attempt {
    /// The byte the body resumes at (0: from the start).
    pub offset: u64,
    /// Where the request's Range starts (see [`Resume::ask_from`]).
    pub ask_from: u64,
    /// The validator sent as If-Range with a resumed retry's Range.
    pub if_range: Option<String>,
    /// When the attempt started, for the timings.
    pub started: Instant,
    /// What `-w` reports, filled in as the attempt goes.
    pub stats: Stats,
    /// What the last response said about continuing it.
    pub hint: ResumeHint,
    /// A transient status came with a Retry-After too long to wait: no retry, whatever
    /// the answer turns into (`-f`'s 22 included).
    pub retry_refused: bool,
    /// The body bytes received so far, counted as they arrive, for `-Y`'s watch.
    pub moved: std::sync::Arc<std::sync::atomic::AtomicU64>,
    /// A handle on the output's `.part` file as the part lock claimed it, for the body to
    /// be written through (see [`Output::claimed`]), and whether the file is new and
    /// untouched; None without a claim.
    pub part: Option<(std::fs::File, bool)>,
}

impl Attempt {
    /// An attempt starting now where `resume` says.
    pub fn new(resume: &Resume, if_range: Option<String>) -> Self {
        Attempt {
            offset: resume.offset,
            ask_from: resume.ask_from,
            if_range,
            started: Instant::now(),
            stats: Stats::default(),
            hint: ResumeHint::default(),
            retry_refused: false,
            moved: std::sync::Arc::default(),
            part: None,
        }
    }
}

/// How an attempt ended without an error.
#[derive(Debug)]
pub enum Done {
    /// The body is in its destination.
    Delivered,
    /// A 304 to a conditional request: the output file, existing or not, is left as it is,
    /// as curl leaves it.
    NotModified,
    /// The server answered with a transient status (its body dropped): try again, after
    /// its Retry-After if it sent one.
    Retry {
        /// The status.
        status: u16,
        /// The server's Retry-After.
        after: Option<Duration>,
    },
}

/// The local side of the work, before any traffic, once the `.part` file is claimed
/// (which refused an output that must not be replaced): prepares `-C`'s `.part` file.
pub fn prepare(plan: &FetchPlan) -> Result<Resume, FetchError> {
    if let Some(path) = &plan.output {
        if segments::concerns(plan) && segments::in_progress(path) {
            // The .part file is sparse, filled segment by segment: never a prefix to
            // continue; the segments continue themselves from their sidecar.
            return Ok(Resume::default());
        }
    }
    Ok(match (plan.resume, &plan.output) {
        (None, _) => Resume::default(),
        (Some(at), Some(path)) => file::prepare_resume(path, at)?,
        (Some(ContinueAt::At(n)), None) => Resume {
            offset: n,
            copied: false,
            ask_from: n,
        },
        (Some(ContinueAt::Auto), None) => Resume::default(),
    })
}

/// Makes one attempt at `plan`'s fetch: requests, redirects, and the body into its
/// destination, noting in `attempt` what happened.
pub async fn fetch<'a>(
    plan: &'a FetchPlan,
    run: &'a RunState,
    attempt: &'a mut Attempt,
    retries: &'a Attempts<'a>,
) -> Result<Done, FetchError> {
    let mut request = plan.request.clone();
    request.if_range = attempt.if_range.clone();
    attempt.stats.url = plan.given.clone();
    attempt.stats.urlnum = plan.urlnum;
    attempt.stats.filename_effective = plan.output.as_ref().map(|p| p.display().to_string());
    let mut exchange = Exchange {
        plan,
        url: plan.url.clone(),
        request,
        heads: HeadSinks::new(&plan.heads)?,
        run,
        tls: None,
        attempt,
        retries,
        trace: Verbose(plan.verbose),
        output: plan.output.clone(),
        named_by_header: false,
        segments_h2: None,
    };
    match exchange.final_response().await? {
        Reply::Deliver(response) => {
            if let Some(path) = &plan.etag_save {
                etag::save(path, &response.head)?;
            }
            if response.head.status == 304 && plan.output.is_some()
                || fails_time_cond(plan, &response.head)
            {
                return Ok(Done::NotModified);
            }
            exchange.take_header_name(&response.head)?;
            let failed = (plan.fail_with_body && response.head.status >= 400)
                .then(|| status_error(&response.head));
            let delivered = exchange.deliver(response).await;
            if let (Err(_), true, Some(path)) =
                (&delivered, exchange.named_by_header, &exchange.output)
            {
                // -J's file is never continued (-C is refused with it): no .part to keep.
                file::clean_up_part(path, Resume::default(), false);
            }
            delivered?;
            failed.map_or(Ok(Done::Delivered), Err)
        }
        Reply::Retry(done) => Ok(done),
    }
}

/// Whether `-z`'s condition rules out a 200 from a server that ignored it: curl then
/// takes it as a 304 (no body), unless a range was asked for.
fn fails_time_cond(plan: &FetchPlan, head: &Head) -> bool {
    let ranged = plan.request.range.is_some() || plan.resume.is_some();
    match plan.time_cond {
        Some(cond) if head.status == 200 && !ranged => !cond.met_by(head),
        _ => false,
    }
}

/// `-f`'s failure for a response of status 400 or more (curl's 22).
fn status_error(head: &Head) -> FetchError {
    FetchError::HttpStatus {
        status: head.status,
        reason: if head.reason.is_empty() {
            String::new()
        } else {
            format!(" {}", head.reason)
        },
    }
}

/// The final response of a request chain: its head, and what its body comes on, whatever
/// the HTTP version.
struct Answered {
    carrier: Carrier,
    head: Head,
}

/// The response a request chain ended with.
enum Reply {
    /// Deliver its body.
    Deliver(Answered),
    /// Drop it and try again.
    Retry(Done),
}

impl Exchange<'_> {
    /// Requests the URL, following redirects as `-L` allows, until a response to deliver.
    async fn final_response(&mut self) -> Result<Reply, FetchError> {
        let mut redirects = Redirects::new(
            self.plan.max_redirects.unwrap_or(0),
            self.plan.location_trusted,
        )
        .keeping_post(self.plan.keep_post);
        // Whether this hop's 401 was answered with credentials already; the proxy's 407 too.
        let mut answered = false;
        let mut proxy_answered = false;
        loop {
            self.upgrade_by_hsts();
            self.attempt.stats.url_effective = self.request.shown_url(&self.url);
            self.check_protocol(self.attempt.stats.num_redirects > 0)?;
            let (carrier, interim, head) = self.request_head().await?;
            for h in interim.iter().chain([&head]) {
                self.attempt.stats.size_header += h.raw.len() as u64;
                self.heads.show(h, &self.url)?;
                if self.request.offers_h2c(&self.url) && h2c::switches_to_h2c(h) {
                    // curl 7.88 switches before the 101's blank line reaches -v.
                    let raw = &h.raw[..];
                    self.trace
                        .response(raw.strip_suffix(b"\r\n").unwrap_or(raw));
                    self.trace.info("Received 101, Switching to HTTP/2");
                } else {
                    self.trace.response(&h.raw);
                }
            }
            self.note_response(&head);
            if let Some(cookies) = &self.plan.cookies {
                cookies.take_from(&head, &self.url);
            }
            if let Some(alt_svc) = &self.plan.alt_svc {
                alt_svc.take_from(&head, &self.url);
            }
            if let Some(hsts) = &self.plan.hsts {
                if !hsts.take_from(&head, &self.url) {
                    self.trace.info(format_args!("Illegal STS header skipped"));
                }
            }
            if head.status == 401 && self.answer_challenge(&head, &mut answered) {
                self.keep_for_next_hop(carrier, &head).await;
                continue;
            }
            if head.status == 407 && self.answer_proxy_challenge(&head, &mut proxy_answered) {
                self.keep_for_next_hop(carrier, &head).await;
                continue;
            }
            if self.plan.max_redirects.is_some() && is_redirect(head.status) {
                if let Some(location) = redirect::location(&head) {
                    answered = false;
                    self.keep_for_next_hop(carrier, &head).await;
                    self.attempt.stats.redirect_url = None;
                    self.url =
                        redirects.follow(&mut self.request, &self.url, head.status, &location)?;
                    self.attempt.stats.num_redirects += 1;
                    self.trace
                        .info(format_args!("Following redirect to {}", self.url));
                    continue;
                }
            }
            self.attempt.hint = ResumeHint::from_head(&head);
            if retry::is_transient_status(head.status) && self.retries.can_retry() {
                let after = retry::retry_after(&head);
                match self.retries.refuses_wait(after) {
                    None => {
                        return Ok(Reply::Retry(Done::Retry {
                            status: head.status,
                            after,
                        }))
                    }
                    Some(why) => {
                        self.attempt.retry_refused = true;
                        if self.plan.heads.warn {
                            eprintln!("sockit: warning: {why}");
                        }
                    }
                }
            }
            // A 416 that says the local copy is already whole is success, -f or not.
            let complete = matches!(self.resumed_bytes(&head), Ok(Keep::AlreadyComplete));
            if self.plan.fail && head.status >= 400 && !complete {
                if self.plan.output.is_none() {
                    self.heads.print_included()?;
                }
                return Err(status_error(&head));
            }
            return Ok(Reply::Deliver(Answered { carrier, head }));
        }
    }

    /// Renames the complete output to its name (a free one under `--no-clobber`, which
    /// `%{filename_effective}` then reports); the file's name, None for stdout.
    async fn commit(&mut self, out: Output) -> Result<Option<PathBuf>, FetchError> {
        if self.named_by_header {
            out.commit_new().await?;
            return Ok(self.output.clone());
        }
        if !self.plan.no_clobber {
            out.commit().await?;
            return Ok(self.output.clone());
        }
        let saved = out.commit_unclobbered().await?;
        if let Some(path) = &saved {
            self.attempt.stats.filename_effective = Some(path.display().to_string());
        }
        Ok(saved)
    }

    /// `-J`: the body goes under the name the response's Content-Disposition offers (in
    /// `--output-dir`), refused at once when a file has it; -O's name when none is offered.
    fn take_header_name(&mut self, head: &Head) -> Result<(), FetchError> {
        let Some(dir) = &self.plan.out.header_name_dir else {
            return Ok(());
        };
        let Some(offered) = head
            .get("content-disposition")
            .and_then(disposition::filename)
        else {
            return Ok(());
        };
        let name = file::header_name(&offered).ok_or_else(|| FetchError::Write {
            path: format!("{offered:?}"),
            reason: "the server's Content-Disposition name leaves no file name".into(),
        })?;
        let path = match dir {
            Some(dir) => dir.join(name),
            None => name,
        };
        if path.symlink_metadata().is_ok() {
            return Err(file::refuse_existing(&path));
        }
        self.attempt.stats.filename_effective = Some(path.display().to_string());
        self.output = Some(path);
        self.named_by_header = true;
        Ok(())
    }

    /// Refuses a URL whose scheme `--proto` (or, after a redirect, `--proto-redir`) leaves
    /// out, before anything is sent.
    fn check_protocol(&self, redirected: bool) -> Result<(), FetchError> {
        let (permitted, flag) = match redirected {
            false => (self.plan.protocols, "proto"),
            true => (self.plan.redirect_protocols, "proto-redir"),
        };
        match permitted.permits(self.url.scheme()) {
            true => Ok(()),
            false => Err(FetchError::ProtocolDisabled {
                scheme: self.url.scheme().to_string(),
                flag,
            }),
        }
    }

    /// `--hsts`: an http URL whose host the cache names goes to https instead, before any
    /// connection is made, as curl switches it (and says so under `-v`).
    /// The path and query as typed stay, as in curl, where only the scheme changes.
    fn upgrade_by_hsts(&mut self) {
        if let Some(hsts) = &self.plan.hsts {
            let before = self.url.clone();
            if hsts.upgrade(&mut self.url) {
                if let Some(typed) = self.request.typed.as_mut().filter(|t| t.url == before) {
                    typed.url = self.url.clone();
                }
                self.trace.info(format_args!(
                    "Switched from HTTP to HTTPS due to HSTS => {}",
                    self.url
                ));
            }
        }
    }

    /// `--digest`, `--anyauth`: whether to ask again after a 401, with Digest (its challenge
    /// kept for the run) or, with --anyauth and no Digest offered, Basic. Once per hop, and
    /// once more when the server says the nonce was stale; never without credentials.
    fn answer_challenge(&mut self, head: &Head, answered: &mut bool) -> bool {
        let offers = Offers::parse(head.values("www-authenticate"));
        if self.request.bearer_waits {
            return self.pick_with_bearer(offers, answered);
        }
        if self.plan.auth == AuthMode::Basic || self.request.credentials(&self.url).is_none() {
            return false;
        }
        self.answer_offers(offers, answered)
    }

    /// Answers with Digest or (--anyauth) Basic, when offered.
    fn answer_offers(&mut self, offers: Offers, answered: &mut bool) -> bool {
        if let Some(challenge) = offers.digest.filter(|_| self.plan.auth != AuthMode::Basic) {
            if *answered && !challenge.stale {
                return false;
            }
            let Some(cnonce) = fresh_cnonce() else {
                return false;
            };
            let origin = self.url.origin().ascii_serialization();
            *self.digest_state() = Some(DigestState::new(challenge, origin, cnonce));
        } else if self.plan.auth != AuthMode::Digest && offers.basic && !self.request.basic {
            self.request.basic = true;
        } else {
            return false;
        }
        *answered = true;
        true
    }

    /// `--oauth2-bearer` beside `--basic`, `--digest` or `--anyauth`: the first 401 picks
    /// among the schemes wanted, in curl's order (Bearer, Digest, Basic). As curl, a pick
    /// without `-u` credentials still asks once more, without any.
    fn pick_with_bearer(&mut self, offers: Offers, answered: &mut bool) -> bool {
        if *answered {
            return false;
        }
        if offers.bearer {
            self.request.bearer_waits = false;
            *answered = true;
            return true;
        }
        let digest = offers.digest.is_some() && self.plan.auth != AuthMode::Basic;
        let basic = offers.basic && self.plan.auth != AuthMode::Digest;
        if !digest && !basic {
            return false;
        }
        if self.request.credentials(&self.url).is_none() {
            *answered = true;
            return true;
        }
        self.answer_offers(offers, answered)
    }

    /// `--proxy-digest`, `--proxy-anyauth`: whether to ask again after the HTTP proxy's 407
    /// to a request in absolute form (a tunnel's 407 is answered in `conn/proxy.rs`).
    fn answer_proxy_challenge(&mut self, head: &Head, answered: &mut bool) -> bool {
        if self.request.via_proxy.is_none() {
            return false;
        }
        let Some(proxy) = self.plan.proxies.for_url(&self.url) else {
            return false;
        };
        self.plan
            .proxies
            .auth
            .answer(&proxy.login(), head, answered)
    }

    /// The proxy's `Proxy-Authorization` for the next request in absolute form, once its
    /// 407 said what to answer.
    fn proxy_authorization(&self) -> Option<String> {
        self.request.via_proxy.as_ref()?;
        let proxy = self.plan.proxies.for_url(&self.url)?;
        let auth = &self.plan.proxies.auth;
        auth.after_challenge(&proxy.login(), &self.request.method, &self.request_uri())
    }

    /// The path and query the request names, as Digest's `uri` repeats them.
    fn request_uri(&self) -> String {
        self.request.origin_form(&self.url)
    }

    /// The Digest `Authorization` for the next request, when a challenge from this origin
    /// is in use and there are credentials to answer it with.
    fn digest_authorization(&self) -> Option<String> {
        if self.plan.auth == AuthMode::Basic {
            return None;
        }
        let (user, password) = self.request.credentials(&self.url)?;
        let origin = self.url.origin().ascii_serialization();
        let mut session = self.digest_state();
        let state = session.as_mut().filter(|s| s.origin == origin)?;
        let target = self.request_uri();
        Some(state.authorization(&user, &password, &self.request.method, &target))
    }

    fn digest_state(&self) -> std::sync::MutexGuard<'_, Option<DigestState>> {
        self.plan
            .digest
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Keeps a redirect's HTTP/1.1 connection for the next request when its small body
    /// was read to the end and the server keeps it open, as curl follows a same-origin
    /// redirect (an HTTP/2 connection stays shared anyway; the stream is dropped).
    async fn keep_for_next_hop(&mut self, carrier: Carrier, head: &Head) {
        let Carrier::H1 { mut conn, mut buf } = carrier else {
            return;
        };
        let Ok(framing) = self.request.body_framing(head) else {
            return;
        };
        let kept = self.request.keep_alive && head.keeps_alive();
        if kept && transfer::drain_small_body(&mut conn, &mut buf, framing).await {
            self.run.pool.put(&self.url, &self.route(), conn);
        }
    }

    /// Sends the request and reads the response head: on a shared HTTP/2 connection or a
    /// kept-alive one when the pool has one for this origin and route, else on a fresh one
    /// (also when a kept one turns out closed, or the server turned the request away unseen).
    async fn request_head(&mut self) -> Result<(Carrier, Vec<Head>, Head), FetchError> {
        #[cfg(feature = "http3")]
        if let Some(answer) = self.on_shared_h3().await? {
            return Ok(answer);
        }
        if let Some(shared) = self.run.pool.shared(&self.url, &self.route()) {
            self.trace
                .info("Re-using the HTTP/2 connection to this origin (multiplexed)");
            match self.exchange_h2(&shared).await {
                Err(Failed::Unprocessed) => self
                    .trace
                    .info("The server did not take the request; opening a new connection"),
                Err(Failed::Fetch(e)) => return Err(e),
                Ok(answer) => return Ok(answer),
            }
        }
        if let Some(kept) = self.run.pool.take(&self.url, &self.route()) {
            let how = &self.plan.connect;
            self.request.via_proxy = dial::via_proxy(how, &self.plan.proxies, &self.url);
            self.trace
                .info("Re-using the connection kept from the last URL");
            match self.exchange_on(kept).await {
                Ok(answer) => return Ok(answer),
                // Closed while idle: nothing of this exchange happened yet.
                Err(FetchError::EmptyReply | FetchError::Send(_) | FetchError::Recv(_)) => {
                    self.trace
                        .info("The kept connection was closed; opening a new one");
                }
                Err(e) => return Err(e),
            }
        }
        match self.first_link().await? {
            Link::H1(conn) => self.exchange_on(conn).await,
            #[cfg(feature = "http3")]
            Link::H3(conn) => self.exchange_h3(&conn).await.map_err(|e| match e {
                Failed::Fetch(e) => e,
                Failed::Unprocessed => FetchError::Recv(
                    "the server refused the request on a new HTTP/3 connection".into(),
                ),
            }),
            Link::H2(conn) => match self.exchange_h2(&conn).await {
                Ok(answer) => Ok(answer),
                Err(Failed::Fetch(e)) => Err(e),
                // Turned away unseen on a fresh connection too: once more, then give up.
                Err(Failed::Unprocessed) => match self.open_link().await? {
                    Link::H1(conn) => self.exchange_on(conn).await,
                    #[cfg(feature = "http3")]
                    Link::H3(_) => Err(FetchError::Recv("HTTP/3 after HTTP/2".into())),
                    Link::H2(conn) => self.exchange_h2(&conn).await.map_err(|e| match e {
                        Failed::Fetch(e) => e,
                        Failed::Unprocessed => FetchError::Http2(
                            "the server refused the request twice (REFUSED_STREAM or GOAWAY)"
                                .into(),
                        ),
                    }),
                },
            },
        }
    }

    /// What the request carries for the current URL besides its flags: the cookie engine's
    /// cookies (`-b`, `-c`), Digest's `Authorization` (or a probe without credentials nor
    /// body, `--digest` before the challenge), and the proxy's alike, or `--aws-sigv4`'s
    /// signature (curl's 3 or 43 when the host name or the argument cannot be signed with).
    fn take_url_state(&mut self) -> Result<(), FetchError> {
        if let Some(cookies) = &self.plan.cookies {
            self.request.jar_cookies = cookies.for_request(&self.url);
        }
        self.request.authorization = self.digest_authorization();
        if let Some(auth) = self.proxy_authorization() {
            self.request.via_proxy = Some(Some(auth));
        }
        // Only Digest's body waits for the challenge: --anyauth sends it at once, as curl.
        // With --oauth2-bearer, the first request is not Digest's alone: its body goes too.
        let origin_probe = self.plan.auth == AuthMode::Digest
            && self.request.bearer.is_none()
            && self.request.authorization.is_none()
            && !self.request.basic
            && self.request.credentials(&self.url).is_some();
        self.request.probe = origin_probe || self.proxy_probe();
        self.request
            .sign_aws(&self.url, super::output::cookies::now())
    }

    /// Whether the request goes to an HTTP proxy in absolute form that is yet to send its
    /// Digest challenge: then, as curl, its body waits for the answer to the 407.
    fn proxy_probe(&self) -> bool {
        matches!(self.request.via_proxy, Some(None))
            && self
                .plan
                .proxies
                .for_url(&self.url)
                .is_some_and(|proxy| self.plan.proxies.auth.awaits_challenge(&proxy.login()))
    }

    /// A new connection for the current URL: over QUIC first when `--http3` asks for it
    /// (see `exchange/quic.rs`), else over TCP.
    async fn first_link(&mut self) -> Result<Link, FetchError> {
        let alternative = self.alt_svc_h3()?;
        #[cfg(feature = "http3")]
        if let Some((mode, to)) = self.quic_route(alternative)? {
            return self.quic_or_tcp(mode, to).await;
        }
        #[cfg(not(feature = "http3"))]
        debug_assert!(alternative.is_none(), "an h3 alternative needs HTTP/3");
        self.open_link().await
    }

    /// The `--alt-svc` cache's HTTP/3 alternative for the current URL, looked up as curl
    /// looks one up before it connects (unless `--connect-to` names where to go): in every
    /// build, since the lookup also forgets expired entries; only an `http3` build is given
    /// an h3 one.
    fn alt_svc_h3(&self) -> Result<Option<H3Alternative>, FetchError> {
        let Some(cache) = &self.plan.alt_svc else {
            return Ok(None);
        };
        let host = self
            .url
            .host_str()
            .unwrap_or_default()
            .trim_matches(['[', ']']);
        let port = self.url.port_or_known_default().unwrap_or(443);
        let routed = self.plan.connect.routes.connect_to(host, port)?;
        if routed.host != host || routed.port != port {
            return Ok(None);
        }
        let alt = cache.h3_for(&self.url, cfg!(feature = "http3"));
        if let Some(alt) = &alt {
            self.trace.info(format_args!(
                "Alt-svc connecting from {host}:{port} to [h3]{}:{}",
                alt.host, alt.port
            ));
        }
        Ok(alt)
    }

    /// Opens a connection for the current URL and starts the HTTP version it speaks. A
    /// connection that may turn out HTTP/2 is set up behind its origin's gate, so that the
    /// fetches waiting there share it (see `conn/pool.rs`).
    async fn open_link(&mut self) -> Result<Link, FetchError> {
        let versions = self.plan.connect.versions;
        let may_share = match versions {
            HttpVersions::Http1 => false,
            HttpVersions::Http2OverTls => self.url.scheme() == "https",
            HttpVersions::Http2PriorKnowledge => true,
        };
        let route = self.route();
        let gate = match may_share {
            // --parallel-immediate: share a connection that is up, never wait for one.
            true if self.plan.pace.parallel_immediate => None,
            true => self.run.pool.wait_gate(&self.url, &route).await,
            false => None,
        };
        if may_share {
            if let Some(shared) = self.run.pool.shared(&self.url, &route) {
                return Ok(Link::H2(shared));
            }
        }
        let conn = self.open().await?;
        let absolute_form = self.request.via_proxy.is_some();
        let link = link::speak(conn, versions, absolute_form, self.trace).await?;
        match (&link, may_share) {
            (Link::H2(conn), true) => {
                self.run.pool.share(&self.url, &route, conn.clone());
                // The others wait until the server's stream limit is known, while this
                // fetch goes on with its request.
                if let Some(gate) = gate {
                    let settled = conn.settled();
                    tokio::spawn(async move {
                        settled.await;
                        drop(gate);
                    });
                }
            }
            (Link::H1(_), true) => self.run.pool.note_http1(&self.url, &route),
            _ => {}
        }
        Ok(link)
    }

    /// The request for the current URL as HTTP/1.1 bytes (HTTP/2 and HTTP/3 convert them),
    /// resuming where the attempt starts; `-v` says first whose credentials go with it.
    pub(crate) fn render(&self) -> Vec<u8> {
        self.show_credentials();
        self.request.render(&self.url, Some(self.attempt.ask_from))
    }

    /// `-v`'s lines naming the proxy's and the server's authentication, as curl's: `Proxy
    /// auth using SCHEME with user 'USER'` for a request in absolute form, then `Server
    /// auth using ...`. `--digest` names Digest from its first request, the probe before
    /// the challenge included, as curl does.
    fn show_credentials(&self) {
        // Not worked out on every request when nobody listens.
        if !self.trace.on() {
            return;
        }
        let proxy = self.plan.proxies.for_url(&self.url);
        if let (Some(proxy), Some(sent)) = (proxy, &self.request.via_proxy) {
            let sent = sent
                .as_deref()
                .filter(|_| !self.request.overrides("proxy-authorization"));
            if let Some(line) = self.plan.proxies.auth.shown(&proxy.login(), sent) {
                self.trace.info(line);
            }
        }
        let digest =
            self.plan.auth == AuthMode::Digest && !self.request.basic && !self.request.bearer_waits;
        let shown = match self.request.credential(&self.url) {
            Some(credential) => Some((credential.scheme, credential.user)),
            None if digest => self
                .request
                .credentials(&self.url)
                .map(|(u, _)| ("Digest", u)),
            None => None,
        };
        if let Some((scheme, user)) = shown {
            self.trace.info(format_args!(
                "Server auth using {scheme} with user '{user}'"
            ));
        }
    }

    /// Sends the request on a new stream of `conn` and waits for the response head.
    async fn exchange_h2(&mut self, conn: &H2Conn) -> Result<(Carrier, Vec<Head>, Head), Failed> {
        self.take_url_state()?;
        if self.plan.segments > 1 {
            self.segments_h2 = Some(conn.clone());
        }
        let rendered = self.render();
        let request = h2::convert(&rendered, &self.url, http::Version::HTTP_2)?;
        self.note_request(conn.addresses(), request.shown.len());
        let answer = conn
            .exchange(request, self.request.body.as_ref(), self.trace)
            .await;
        self.attempt.stats.time_starttransfer = Some(self.attempt.started.elapsed());
        let (head, body) = answer?;
        Ok((Carrier::H2(body), Vec::new(), head))
    }

    /// Sends the request on `conn` (HTTP/1.x) and reads the response head.
    async fn exchange_on(
        &mut self,
        mut conn: Conn,
    ) -> Result<(Carrier, Vec<Head>, Head), FetchError> {
        let mut buf = Buffer::default();
        self.take_url_state()?;
        let request = self.render();
        // The head alone counts in size_request: curl counts only what goes with it.
        self.note_request(conn.addresses(), request.len());
        let expect_wait = self.plan.expect_wait;
        let answer = transfer::round_trip(
            &mut conn,
            &mut buf,
            &self.request,
            &request,
            expect_wait,
            self.trace,
        )
        .await;
        self.attempt.stats.time_starttransfer = buf.first_byte().map(|t| t - self.attempt.started);
        let transfer::Answer {
            interim,
            head,
            body_withheld,
        } = answer?;
        if body_withheld {
            self.request.keep_alive = false;
        }
        if self.request.offers_h2c(&self.url) && h2c::switches_to_h2c(&head) {
            return self.upgraded(conn, &buf, &request, interim, head).await;
        }
        Ok((Carrier::H1 { conn, buf }, interim, head))
    }

    /// The server took `request` in HTTP/1.1 and answered `switch`, a `101` to h2c: the
    /// response comes on stream 1 of the HTTP/2 connection the socket has become
    /// (`conn/upgrade.rs`), the `101` going before it as an interim head, as curl shows it.
    async fn upgraded(
        &mut self,
        conn: Conn,
        buf: &Buffer,
        request: &[u8],
        mut interim: Vec<Head>,
        switch: Head,
    ) -> Result<(Carrier, Vec<Head>, Head), FetchError> {
        let converted = h2::convert(request, &self.url, http::Version::HTTP_2)?;
        let (head, body) = h2::answer_upgraded(conn, buf.unread().to_vec(), converted).await?;
        interim.push(switch);
        Ok((Carrier::H2(body), interim, head))
    }

    /// The way the current URL is reached (direct, a proxy, a Unix socket): with its origin,
    /// what a kept connection is kept for.
    fn route(&self) -> String {
        dial::route_key(&self.plan.connect, &self.plan.proxies, &self.url)
    }

    /// Opens a connection for the current URL (directly or through its proxy), noting when
    /// TCP was up for `-w`.
    async fn open(&mut self) -> Result<Conn, FetchError> {
        let tls = match self.url.scheme() {
            "https" => Some(dial::tls_config(
                &mut self.tls,
                &self.plan.connect,
                &self.run.tls,
            )?),
            _ => None,
        };
        let dialed = dial::dial(
            &self.plan.connect,
            &self.plan.proxies,
            &self.url,
            tls,
            self.trace,
        )
        .await;
        let since = |t: Option<Instant>| t.map(|t| t - self.attempt.started);
        let stats = &mut self.attempt.stats;
        stats.time_namelookup = since(dialed.times.resolved);
        stats.time_connect = since(dialed.times.connected);
        stats.time_appconnect = since(dialed.times.handshaken);
        stats.num_connects += dialed.times.connects;
        self.request.via_proxy = dialed.via_proxy;
        self.show_proxy_answers(&dialed.proxy_answers, dialed.conn.is_err())?;
        dialed.conn
    }

    /// Shows the proxy's answers to CONNECT where the heads go and counts them for `-w`, as
    /// curl does; when the dial then `failed` (the tunnel refused, or TLS with the origin),
    /// `-i`'s heads go to stdout before the error, as curl has written them by then (to a
    /// file, nothing: no file is made for a failure).
    fn show_proxy_answers(&mut self, answers: &[Head], failed: bool) -> Result<(), FetchError> {
        let Some(last) = answers.last() else {
            return Ok(());
        };
        for answer in answers {
            self.attempt.stats.size_header += answer.raw.len() as u64;
        }
        self.attempt.stats.http_connect = last.status;
        self.heads.show_tunnel(answers, &self.url)?;
        if failed && self.output.is_none() {
            self.heads.print_included()?;
        }
        Ok(())
    }

    /// Notes for `-w` a request of `len` bytes (head, and a body sent with it) about to go
    /// out on `conn`.
    fn note_request(&mut self, addresses: (Option<SocketAddr>, Option<SocketAddr>), len: usize) {
        let stats = &mut self.attempt.stats;
        let now = self.attempt.started.elapsed();
        if stats.num_redirects > 0 {
            stats.time_redirect = Some(now);
        }
        stats.time_pretransfer = Some(now);
        (stats.local, stats.remote) = addresses;
        stats.size_request += len as u64;
        stats.size_upload = self.request.body.as_ref().map_or(0, Payload::len);
        stats.method = self.request.method.clone();
        stats.scheme = self.url.scheme().to_ascii_uppercase();
        stats.referer = self.request.referer.clone();
    }

    /// Notes for `-w` what a response head says.
    fn note_response(&mut self, head: &Head) {
        let stats = &mut self.attempt.stats;
        stats.http_code = head.status;
        stats.http_version = Some(match head.version {
            2 => 20,
            3 => 30,
            minor => 10 + minor,
        });
        stats.content_type = head.get("content-type").map(str::to_string);
        stats.headers = head
            .headers
            .iter()
            .map(|(n, v)| (n.clone(), String::from_utf8_lossy(v).into_owned()))
            .collect();
        stats.redirect_url = redirect::location(head)
            .filter(|_| is_redirect(head.status))
            .and_then(|location| self.url.join(&location).ok())
            .map(String::from);
    }

    /// Streams the final response's body into its destination and commits it.
    async fn deliver(&mut self, response: Answered) -> Result<(), FetchError> {
        let Answered { mut carrier, head } = response;
        let framing = self
            .request
            .body_framing(&head)
            .map_err(|e| FetchError::BadReply(e.to_string()))?;
        let keep = self.resumed_bytes(&head)?;
        self.refuse_too_large(&head, framing, &keep)?;
        if let Keep::Bytes(0) = keep {
            let split = match carrier {
                _ if self.named_by_header => None,
                Carrier::H1 { .. } | Carrier::H2(_) => {
                    segments::length_to_split(self.plan, &self.request, &head)
                }
                // Over HTTP/3 the body comes on one stream.
                #[cfg(feature = "http3")]
                Carrier::H3(_) => None,
            };
            carrier = match (carrier, split) {
                (Carrier::H1 { conn, buf }, Some(length)) => {
                    let first = segments::Source::H1 { conn, buf };
                    return self.deliver_in_segments((first, &head), length).await;
                }
                (Carrier::H2(body), Some(length)) if self.segments_h2.is_some() => {
                    let conn = self.segments_h2.take().expect("checked above");
                    let first = segments::Source::H2(body, conn);
                    return self.deliver_in_segments((first, &head), length).await;
                }
                (carrier, _) => carrier,
            };
            if let Some(path) = self
                .output
                .as_ref()
                .filter(|_| segments::concerns(self.plan))
            {
                segments::forget(path);
            }
        }
        let out = match self.open_output(keep)? {
            Opened::AlreadyComplete(out) => return out.commit().await,
            Opened::Writing(out) => out,
        };
        let streamed = self.stream_body(&mut carrier, &head, framing, out).await?;
        let trailers = self.show_trailers(&streamed.trailers)?;
        let mut out = streamed.sink.finish()?;
        if let Some(trailers) = trailers.filter(|t| !t.is_empty()) {
            // -i: the trailers follow the body, as curl prints them.
            out.put(&trailers)?;
        }
        self.check_resumed_length(&head, &out)?;
        if let (true, Some(conn)) = (streamed.reusable, carrier.into_conn()) {
            let route = self.route();
            self.run.pool.put(&self.url, &route, conn);
        }
        let saved = self.commit(out).await?;
        if let (true, Some(path)) = (self.plan.out.xattr, &saved) {
            let attributes = xattr::attributes(&self.url, head.get("content-type"));
            if let Err(e) = xattr::write(path, &attributes) {
                if self.plan.heads.warn {
                    eprintln!(
                        "sockit: warning: cannot set extended attributes on {}: {e}",
                        path.display()
                    );
                }
            }
        }
        if let (true, Some(path), Some(date)) =
            (self.plan.remote_time, saved, head.get("last-modified"))
        {
            file::set_remote_time(&path, date);
        }
        Ok(())
    }

    /// `--max-filesize`: a body whose length is known to pass it is refused before a byte
    /// of it is written (a decoded body is bounded as it is decoded instead).
    fn refuse_too_large(
        &self,
        head: &Head,
        framing: BodyFraming,
        keep: &Keep,
    ) -> Result<(), FetchError> {
        let (Some(max), BodyFraming::Length(n), Keep::Bytes(k)) =
            (self.plan.max_filesize, framing, keep)
        else {
            return Ok(());
        };
        let decoded = self.request.decodings(head).is_some();
        if !decoded && k + n > max {
            return Err(FetchError::TooLarge(format!(
                "the body ({} bytes) is larger than --max-filesize {max} bytes",
                k + n
            )));
        }
        Ok(())
    }

    /// Opens the body's destination (a file continuing `keep` bytes, or stdout) with
    /// `--checksum`'s verifier, and with `-i` puts the heads first.
    fn open_output(&mut self, keep: Keep) -> Result<Opened, FetchError> {
        let check = self.plan.checksum.clone();
        let mut out = match (self.output.is_some(), keep) {
            (true, Keep::AlreadyComplete) => {
                let whole = self.output_file(self.attempt.offset)?;
                return Ok(Opened::AlreadyComplete(whole.verify_with(check)?));
            }
            (true, Keep::Bytes(n)) => self.output_file(n)?.verify_with(check)?,
            (false, _) => Output::stdout()
                .unbuffered(self.plan.out.no_buffer)
                .verify_with(check)?,
        };
        if let Some(included) = self.heads.included() {
            out.put(included)?;
        }
        Ok(Opened::Writing(out))
    }

    /// The output file's `.part` file, keeping `keep` bytes: through the handle the part
    /// lock claimed when the output is the planned one (not a `-J` name), else opened anew.
    fn output_file(&mut self, keep: u64) -> Result<Output, FetchError> {
        let path = self.output.as_deref().expect("asked with an output file");
        let claimed = match self.plan.output.as_deref() == Some(path) {
            true => self.attempt.part.take(),
            false => None,
        };
        match claimed {
            Some((part, fresh)) => Output::claimed(part, path, keep, fresh),
            None => Output::file(path, keep),
        }
    }

    /// Streams the body from the response's connection through its content decoding into
    /// `out`, under the progress meter and `--limit-rate`.
    async fn stream_body(
        &mut self,
        carrier: &mut Carrier,
        head: &Head,
        framing: BodyFraming,
        out: Output,
    ) -> Result<Streamed, FetchError> {
        let mut sink = ContentDecoder::new(
            out,
            self.request.decodings(head).as_deref(),
            true,
            self.plan.max_filesize,
        )?;
        let mut meter = self.meter(framing);
        let mut body = match self.request.raw {
            true => BodyDecoder::raw(framing),
            false => BodyDecoder::new(framing),
        };
        let read = carrier.read_body(&mut body, &mut sink, &mut meter).await;
        self.attempt.stats.size_download = body.received();
        let ended = read?;
        let reusable = ended.at_end && self.request.keep_alive && head.keeps_alive();
        meter.finish();
        Ok(Streamed {
            sink,
            trailers: ended.trailers,
            reusable,
        })
    }

    /// The progress display for a body of `total` bytes, when `wanted`: `-#`'s bar of
    /// hashes, or the meter.
    fn progress(&self, wanted: bool, total: Option<u64>) -> Progress {
        match self.plan.out.progress_bar {
            true => Progress::hashes(wanted, total),
            false => Progress::new(wanted, total, self.run.bars.as_ref()),
        }
    }

    /// The progress meter for a body framed as `framing`: no bar over a body that goes to
    /// the terminal itself.
    fn meter(&self, framing: BodyFraming) -> Meter {
        let total = match framing {
            BodyFraming::Length(n) => Some(n),
            _ => None,
        };
        let to_terminal = self.output.is_none() && std::io::stdout().is_terminal();
        let progress = self.progress(self.plan.progress && !to_terminal, total);
        Meter::new(progress, self.plan.limit_rate).counting(self.attempt.moved.clone())
    }

    /// Checks a chunked body's trailers, traces them with `-v` and shows them where the
    /// heads go; returns what `-i` puts after the body (None without `-i`).
    fn show_trailers(&mut self, trailers: &[u8]) -> Result<Option<Vec<u8>>, FetchError> {
        head::check_trailers(trailers).map_err(|e| FetchError::BadReply(e.to_string()))?;
        let trailers = heads::trailer_lines(trailers);
        if !trailers.is_empty() {
            self.trace.trailers(&trailers);
        }
        self.heads.show_trailers(&trailers, &self.url)
    }

    /// A resumed 206 must leave the file exactly as long as its Content-Range announced.
    fn check_resumed_length(&self, head: &Head, out: &Output) -> Result<(), FetchError> {
        if self.attempt.offset == 0 || head.status != 206 {
            return Ok(());
        }
        if let (Some((_, Some(total))), Some(len)) = (head.content_range(), out.file_len()) {
            if len != total {
                return Err(FetchError::Partial(format!(
                    "the resumed file has {len} bytes, the server announced {total}"
                )));
            }
        }
        Ok(())
    }

    /// `--segments`: the body over several ranged connections, then verified and renamed
    /// like any other.
    async fn deliver_in_segments(
        &mut self,
        first: (segments::Source, &Head),
        length: u64,
    ) -> Result<(), FetchError> {
        let progress = self.progress(self.plan.progress, Some(length));
        let tls = self.tls.clone();
        segments::download(
            self.plan,
            &self.url,
            &self.request,
            tls,
            first,
            length,
            progress.share(),
        )
        .await?;
        progress.finish();
        self.attempt.stats.size_download = length;
        let path = self
            .plan
            .output
            .as_deref()
            .expect("segments write to a file");
        Output::file(path, length)?
            .verify_with(self.plan.checksum.clone())?
            .commit()
            .await
    }

    /// How much of the `.part` file the response continues.
    fn resumed_bytes(&self, head: &Head) -> Result<Keep, FetchError> {
        let offset = self.attempt.offset;
        if offset == 0 || self.output.is_none() {
            return Ok(Keep::Bytes(0));
        }
        match head.status {
            206 => match head.content_range() {
                Some((start, _)) if start == offset => match self.attempt.if_range.as_deref() {
                    Some(v) if !retry::same_version(v, head) => Err(FetchError::Range(format!(
                        "the server sent another version of the file from byte {offset} \
                         ({}, the download started from {v})",
                        retry::version_of(head)
                    ))),
                    _ => Ok(Keep::Bytes(offset)),
                },
                _ => Err(FetchError::Range(format!(
                    "asked for bytes from {offset}, the server sent Content-Range {:?}",
                    head.get("content-range").unwrap_or("")
                ))),
            },
            416 if head.unsatisfied_range_total() == Some(offset) => Ok(Keep::AlreadyComplete),
            // The server ignored the Range header: start over from zero.
            200..=299 => Ok(Keep::Bytes(0)),
            status => Err(FetchError::Range(format!(
                "the server answered {status} to the request for bytes from {offset}"
            ))),
        }
    }
}

/// The body's destination, opened.
enum Opened {
    /// To be written.
    Writing(Output),
    /// The local copy already is the whole file: only to be verified and committed.
    AlreadyComplete(Output),
}

/// A body streamed into its destination, not yet committed.
struct Streamed {
    /// The destination, behind the content decoding.
    sink: ContentDecoder<Output>,
    /// The trailer section that came after the body (empty when none).
    trailers: Vec<u8>,
    /// The connection stands at the body's end and may carry another request.
    reusable: bool,
}

/// How much of the `.part` file the response continues.
enum Keep {
    /// Append after this many bytes (0: start over).
    Bytes(u64),
    /// A 416 says the local copy already is the whole file.
    AlreadyComplete,
}
