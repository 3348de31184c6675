//! Everything that talks HTTP: a small HTTP/1.1 client, the two Tencent envelopes,
//! retries, rate limits and each call's budget.
//!
//! Requests are built as plain data (`HttpRequest`) and responses decoded from plain
//! data (`HttpResponse`), so both envelopes are tested without a network; only
//! `Http::send` does I/O (in `conn`, `connect`, `http1` and `pool`).
//!
//! Why not ureq's engine: a call needs one deadline across DNS, connect, TLS and every
//! read, cancellation from another thread, a pool that a forked child does not share,
//! TLS failures with their cause, no DNS lookup per pooled request and one write per
//! request. The transport is std::net + rustls + httparse, with one helper thread only
//! while a new connection is being opened.

pub mod call;
pub mod cloud;
mod conn;
mod connect;
mod http1;
pub mod im;
mod pool;
pub mod proxy;
pub(crate) mod ratelimit;
pub(crate) mod rawjson;
pub(crate) mod retry;
pub mod tls;

pub use call::{CallCtx, Cancel, Poll};
pub use pool::PoolCounters;
pub use retry::RetryClass;

use crate::error::{Error, ErrorCode};
use crate::observe::Level;
use conn::{Conn, Stop};
use connect::OpenError;
use http1::{ReadError, Target};
use pool::{Pool, PoolKey};
use proxy::{Proxies, Proxy, ProxyKind};
use std::sync::atomic::Ordering;
use std::sync::{Arc, OnceLock};
use std::time::Duration;
use tls::TlsConfig;

/// An HTTP request as plain data.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HttpRequest {
    /// `POST` (every Tencent API here) or `GET`.
    pub method: &'static str,
    /// Full URL including the query string.
    pub url: String,
    /// Headers in the order they are sent (names are fixed strings).
    pub headers: Vec<(&'static str, String)>,
    /// The exact body bytes (they are what TC3 signs).
    pub body: Vec<u8>,
}

/// An HTTP response as plain data.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HttpResponse {
    /// Status code.
    pub status: u16,
    /// Body bytes.
    pub body: Vec<u8>,
}

/// How far a failed attempt got, which decides whether a retry is safe.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Reach {
    /// Failed while resolving, connecting, in TLS or the proxy, or refused by the local
    /// limiter: the request provably never reached the server.
    NotSent,
    /// Sent, but the outcome is unknown (timeout or reset after sending, 502/503/504,
    /// Tencent "internal error").
    Unknown,
    /// Tencent answered with a definite result.
    Answered,
}

impl Reach {
    /// Its name in log events.
    pub fn name(self) -> &'static str {
        match self {
            Reach::NotSent => "not_sent",
            Reach::Unknown => "unknown",
            Reach::Answered => "answered",
        }
    }
}

/// A failed attempt: the error plus how far it got.
#[derive(Clone, Debug)]
pub struct Failure {
    /// The error to report if no retry follows.
    pub error: Error,
    /// How far the attempt got.
    pub reach: Reach,
}

impl Failure {
    /// A failure with a definite answer from Tencent.
    pub fn answered(error: Error) -> Self {
        Failure { error, reach: Reach::Answered }
    }
}

/// How the HTTP client behaves (built from the config; the sandbox builds its own).
#[derive(Clone, Debug)]
pub struct HttpSettings {
    /// TCP connect timeout (DNS included).
    pub connect_timeout: Duration,
    /// The longest the server may stay silent during one attempt (each read and write).
    pub read_timeout: Duration,
    /// `User-Agent`.
    pub user_agent: String,
    /// Proxies by target scheme.
    pub proxies: Proxies,
    /// Trust roots.
    pub tls: TlsConfig,
}

/// The most a response body may hold, and the config key that sets it (for the message).
#[derive(Clone, Copy, Debug)]
pub struct BodyLimit {
    /// Bytes.
    pub bytes: usize,
    /// The config key, e.g. `max_response_bytes.im`.
    pub key: &'static str,
}

/// The HTTP/1.1 client: a keep-alive pool and the settings. One per tccall client.
#[derive(Debug)]
pub struct Http {
    settings: HttpSettings,
    pool: Pool,
    tls_client: OnceLock<Result<Arc<rustls::ClientConfig>, Error>>,
}

/// Most idle connections kept per host.
const MAX_IDLE_PER_HOST: usize = 64;
/// Idle connections are dropped after this long (below common server keep-alive limits).
const MAX_IDLE_AGE: Duration = Duration::from_secs(50);

enum Phase {
    Send,
    Receive,
}

impl Http {
    /// A client with `settings`. No I/O happens here.
    pub fn new(settings: HttpSettings) -> Http {
        Http { settings, pool: Pool::new(MAX_IDLE_PER_HOST, MAX_IDLE_AGE), tls_client: OnceLock::new() }
    }

    /// What the connection pool did so far.
    pub fn counters(&self) -> &PoolCounters {
        &self.pool.counters
    }

    /// Sends one request and reads the whole response (error bodies included) within
    /// the call's budget; the body may hold at most `limit` bytes.
    pub fn send(&self, req: &HttpRequest, ctx: &CallCtx, limit: BodyLimit) -> Result<HttpResponse, Failure> {
        let target = Target::parse(&req.url).map_err(|e| Failure {
            error: Error::invalid_config(format!("endpoint URL: {e}")),
            reach: Reach::NotSent,
        })?;
        let proxy = self.settings.proxies.for_target(target.tls, &target.host);
        // Plain HTTP through an HTTP proxy uses absolute-form requests; everything else tunnels.
        let forward = proxy.filter(|p| p.kind == ProxyKind::Http && !target.tls);
        let auth = forward.and_then(connect::basic_auth);
        let wire = http1::encode_request(req, &target, forward.is_some(), auth.as_deref(), &self.settings.user_agent)
            .map_err(|e| Failure { error: Error::invalid_request(e), reach: Reach::NotSent })?;
        let key = PoolKey { tls: target.tls, host: target.host.clone(), port: target.port };
        let patience = self.settings.read_timeout;
        let mut pooled = self.pool.take(&key);
        loop {
            let reused = pooled.is_some();
            let mut conn = match pooled.take() {
                Some(c) => c,
                None => self.open(&target, proxy, ctx)?,
            };
            ctx.log(Level::Debug, "connection", |m| {
                m.insert("host".into(), target.host.clone().into());
                m.insert("port".into(), target.port.into());
                m.insert("reused".into(), reused.into());
                m.insert("via_proxy".into(), proxy.is_some().into());
                if !reused {
                    m.insert("tls_resumed".into(), conn.tls_resumed().into());
                }
            });
            let attached = ctx.attach(conn.socket());
            if let Err(stop) = conn.write_all(&wire, ctx, patience, "sending the request") {
                // A pooled connection the server had closed: the request did not get
                // through, so it goes out again on a fresh connection.
                if reused && !matches!(stop, Stop::Budget(_)) {
                    continue;
                }
                return Err(io_failure(Phase::Send, stop, &target, ctx, patience));
            }
            let mut scratch = Vec::new();
            let response = http1::read_response(&mut conn, ctx, patience, limit.bytes, &mut scratch);
            drop(attached);
            return match response {
                Ok(r) => {
                    ctx.log(Level::Debug, "response", |m| {
                        m.insert("http_status".into(), r.status.into());
                        m.insert("bytes".into(), r.body.len().into());
                    });
                    if r.reusable {
                        self.pool.put(key, conn);
                    }
                    Ok(HttpResponse { status: r.status, body: r.body })
                }
                Err(ReadError::Stop(stop)) => Err(io_failure(Phase::Receive, stop, &target, ctx, patience)),
                Err(ReadError::Malformed(m)) => Err(unknown(Error::new(
                    ErrorCode::BadResponse,
                    format!("malformed HTTP response from {}: {m}", target.addr()),
                ))),
                Err(ReadError::TooLarge { status, declared }) => {
                    let size = declared.map(|n| format!(" ({n} bytes)")).unwrap_or_default();
                    let mut e = Error::new(
                        ErrorCode::BadResponse,
                        format!("the response body{size} is larger than {} ({} bytes)", limit.key, limit.bytes),
                    );
                    e.http_status = (status != 0).then_some(status);
                    Err(Failure::answered(e))
                }
            };
        }
    }

    /// The rustls config, built at the first HTTPS connection.
    fn tls_client(&self) -> Result<Arc<rustls::ClientConfig>, Error> {
        self.tls_client.get_or_init(|| self.settings.tls.client_config()).clone()
    }

    fn open(&self, target: &Target, proxy: Option<&Proxy>, ctx: &CallCtx) -> Result<Conn, Failure> {
        let s = &self.settings;
        let tls = || {
            let config = self.tls_client().map_err(|e| OpenError::Setup(Box::new(e)))?;
            let name = rustls::pki_types::ServerName::try_from(target.host.clone()).map_err(|_| {
                OpenError::Tls(Stop::Tls(rustls::Error::General("the host is not a valid TLS name".into())))
            })?;
            rustls::ClientConnection::new(config, name).map_err(|e| OpenError::Tls(Stop::Tls(e)))
        };
        let conn = connect::open(target, proxy, ctx, s.connect_timeout, s.read_timeout, tls)
            .map_err(|e| open_failure(e, target, proxy, ctx, s))?;
        self.pool.counters.opened.fetch_add(1, Ordering::Relaxed);
        if target.tls {
            self.pool.counters.handshakes.fetch_add(1, Ordering::Relaxed);
        }
        Ok(conn)
    }
}

fn not_sent(error: Error) -> Failure {
    Failure { error: error.retryable(true), reach: Reach::NotSent }
}

fn unknown(error: Error) -> Failure {
    Failure { error: error.retryable(true), reach: Reach::Unknown }
}

/// A budget error (deadline or cancel): a timeout may succeed with a new budget, a cancel not.
fn budget(error: Error, reach: Reach) -> Failure {
    let retryable = error.code == ErrorCode::Timeout;
    Failure { error: error.retryable(retryable), reach }
}

/// The cancel error, if the call was cancelled.
fn cancelled(ctx: &CallCtx, doing: &str, reach: Reach) -> Option<Failure> {
    match ctx.check_quick(doing) {
        Err(e) if e.code == ErrorCode::Cancelled => Some(budget(e, reach)),
        _ => None,
    }
}

fn open_failure(e: OpenError, target: &Target, proxy: Option<&Proxy>, ctx: &CallCtx, s: &HttpSettings) -> Failure {
    // A cancel shuts the socket down: report the cancel, not the broken connection.
    if let Some(f) = cancelled(ctx, "connecting", Reach::NotSent) {
        return f;
    }
    let addr = target.addr();
    match e {
        OpenError::Dns(host) => not_sent(Error::new(ErrorCode::Connect, format!("host not found (DNS): {host}"))),
        OpenError::Setup(e) => Failure { error: *e, reach: Reach::NotSent },
        OpenError::Connect(Stop::Budget(e))
        | OpenError::Tls(Stop::Budget(e))
        | OpenError::Proxy(_, Some(Stop::Budget(e))) => budget(*e, Reach::NotSent),
        OpenError::Connect(Stop::Silent) => {
            let via = proxy.map(|p| format!(" (via the proxy {})", p.addr())).unwrap_or_default();
            not_sent(Error::new(
                ErrorCode::Timeout,
                format!("timed out connecting to {addr}{via} (connect_ms {})", s.connect_timeout.as_millis()),
            ))
        }
        OpenError::Connect(stop) => {
            let why = match stop {
                Stop::Io(e) => e.kind().to_string(),
                _ => "the connection closed".into(),
            };
            let to = proxy.map(|p| format!("the proxy {}", p.addr())).unwrap_or(addr);
            not_sent(Error::new(ErrorCode::Connect, format!("could not connect to {to}: {why}")))
        }
        OpenError::Proxy(msg, _) => {
            let p = proxy.map(|p| p.addr()).unwrap_or_default();
            let retryable = !msg.contains("407") && !msg.contains("rejected");
            Failure {
                error: Error::new(ErrorCode::Proxy, format!("{msg} (proxy {p})")).retryable(retryable),
                reach: Reach::NotSent,
            }
        }
        OpenError::Tls(Stop::Tls(e)) => {
            let (text, retryable) = tls::describe(&e, &target.host);
            Failure { error: Error::new(ErrorCode::Tls, text).retryable(retryable), reach: Reach::NotSent }
        }
        OpenError::Tls(Stop::Silent) => not_sent(Error::new(
            ErrorCode::Timeout,
            format!(
                "the TLS handshake with {addr} got no answer within request_ms ({} ms)",
                s.read_timeout.as_millis()
            ),
        )),
        OpenError::Tls(stop) => {
            let why = match stop {
                Stop::Io(e) => e.kind().to_string(),
                _ => "the server closed the connection".into(),
            };
            not_sent(Error::new(ErrorCode::Tls, format!("the TLS handshake with {addr} failed: {why}")))
        }
    }
}

fn io_failure(phase: Phase, stop: Stop, target: &Target, ctx: &CallCtx, patience: Duration) -> Failure {
    let addr = target.addr();
    let (reach, doing) = match phase {
        Phase::Send => (Reach::NotSent, "while sending the request"),
        Phase::Receive => (Reach::Unknown, "before the response was complete"),
    };
    if let Some(f) = cancelled(ctx, "waiting for the response", reach) {
        return f;
    }
    let error = match stop {
        Stop::Budget(e) => return budget(*e, reach),
        Stop::Silent => Error::new(
            ErrorCode::Timeout,
            format!("{addr} stayed silent for request_ms ({} ms) {doing}", patience.as_millis()),
        ),
        Stop::Eof => Error::new(ErrorCode::Connect, format!("{addr} closed the connection {doing}")),
        Stop::Io(e) => Error::new(ErrorCode::Connect, format!("the connection to {addr} failed {doing}: {}", e.kind())),
        Stop::Tls(e) => Error::new(ErrorCode::Tls, format!("TLS with {addr} failed {doing}: {e}")),
    };
    Failure { error: error.retryable(true), reach }
}

/// Whether an HTTP status is a gateway hiccup worth retrying (the request may have been processed).
pub fn is_retryable_status(status: u16) -> bool {
    matches!(status, 502..=504)
}

/// Turns a non-200 status into an error (the body is kept short and never trusted).
pub fn status_failure(resp: &HttpResponse) -> Failure {
    let mut e = Error::new(ErrorCode::HttpStatus, format!("gateway answered HTTP {}", resp.status));
    e.http_status = Some(resp.status);
    if is_retryable_status(resp.status) {
        Failure { error: e.retryable(true), reach: Reach::Unknown }
    } else {
        Failure::answered(e)
    }
}

/// An error Tencent answered with (HTTP 200), in its stable `class` (code, retryable).
/// "Internal error" answers leave the outcome unknown: the request may have been processed.
pub fn service_failure(
    class: (ErrorCode, bool),
    text: String,
    service_code: String,
    service_message: String,
    request_id: Option<String>,
) -> Failure {
    let (kind, retryable) = class;
    let mut e = Error::new(kind, text).retryable(retryable);
    e.service_code = Some(service_code);
    e.service_message = Some(service_message);
    e.request_id = request_id;
    e.http_status = Some(200);
    let reach = if kind == ErrorCode::ServiceUnavailable { Reach::Unknown } else { Reach::Answered };
    Failure { error: e, reach }
}

/// A process-local pseudo-random u32 (for `random` and jitter; not for secrets).
pub fn random_u32() -> u32 {
    use std::hash::{BuildHasher, Hasher};
    use std::sync::atomic::{AtomicU64, Ordering};
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let mut h = std::collections::hash_map::RandomState::new().build_hasher();
    h.write_u64(COUNTER.fetch_add(1, Ordering::Relaxed));
    h.write_u128(std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap_or_default().as_nanos());
    h.finish() as u32
}

/// Current unix time in milliseconds (log timestamps).
pub fn unix_now_ms() -> u64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_millis() as u64).unwrap_or(0)
}

/// Current unix time in seconds.
pub fn unix_now() -> u64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_secs()).unwrap_or(0)
}
