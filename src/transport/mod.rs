//! Everything that talks HTTP: the agent, the two Tencent envelopes, retries and rate limits.
//!
//! Requests are built as plain data (`HttpRequest`) and responses decoded from plain
//! data (`HttpResponse`), so both envelopes are tested without a network; only
//! `Http::send` does I/O.

pub mod cloud;
pub mod im;
pub mod ratelimit;
pub mod retry;

use crate::config::{Config, ProxySetting};
use crate::error::{Error, ErrorCode, Result};
use std::io::Read;
use std::time::Duration;

/// Largest response body read (Tencent's answers are small; this bounds memory).
pub const MAX_RESPONSE_BYTES: u64 = 16 << 20;

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

/// The HTTP client: one `ureq::Agent` (keep-alive pool) per tccall client.
#[derive(Debug)]
pub struct Http {
    agent: ureq::Agent,
}

impl Http {
    /// Builds the agent with the configured timeouts and proxy.
    pub fn new(config: &Config) -> Result<Http> {
        let proxy = match &config.proxy {
            ProxySetting::Env => ureq::Proxy::try_from_env(),
            ProxySetting::None => None,
            ProxySetting::Url(url) => Some(
                ureq::Proxy::new(url).map_err(|_| Error::new(ErrorCode::Proxy, "proxy is not a valid proxy URL"))?,
            ),
        };
        let agent: ureq::Agent = ureq::Agent::config_builder()
            .http_status_as_error(false)
            // Fixed per-read / per-write bounds rather than deadlines: ureq re-arms the socket
            // timeout (a setsockopt) on every read when the remaining budget changes, and
            // with timeout_global it also resolves the host on a new thread per request;
            // both showed up as extra client CPU per call (see BENCHMARKS.md). request_ms is
            // thus the longest the server may stay silent, like a read timeout.
            .timeout_connect(Some(config.connect_timeout))
            .timeout_per_read(Some(config.request_timeout))
            .timeout_per_write(Some(config.request_timeout))
            .proxy(proxy)
            .user_agent(config.user_agent.as_str())
            .max_redirects(0)
            .max_idle_connections_per_host(64)
            .max_idle_age(Duration::from_secs(50))
            .build()
            .into();
        Ok(Http { agent })
    }

    /// Sends one request and reads the whole response body (error bodies included).
    pub fn send(&self, req: &HttpRequest) -> Result<HttpResponse, Failure> {
        let mut builder = ureq::http::Request::builder().method(req.method).uri(&req.url);
        for (name, value) in &req.headers {
            builder = builder.header(*name, value);
        }
        let request = builder
            .body(req.body.clone())
            .map_err(|_| not_sent(Error::invalid_request("request URL or headers are not valid HTTP")))?;
        let response = self.agent.run(request).map_err(map_ureq_error)?;
        let status = response.status().as_u16();
        let mut body = Vec::new();
        response
            .into_body()
            .into_reader()
            .take(MAX_RESPONSE_BYTES + 1)
            .read_to_end(&mut body)
            .map_err(|e| unknown(io_error(&e, status)))?;
        if body.len() as u64 > MAX_RESPONSE_BYTES {
            let mut e = Error::new(ErrorCode::BadResponse, "response body is larger than 16 MiB");
            e.http_status = Some(status);
            return Err(Failure::answered(e));
        }
        Ok(HttpResponse { status, body })
    }
}

fn not_sent(error: Error) -> Failure {
    Failure { error: error.retryable(true), reach: Reach::NotSent }
}

fn unknown(error: Error) -> Failure {
    Failure { error: error.retryable(true), reach: Reach::Unknown }
}

fn io_error(e: &std::io::Error, status: u16) -> Error {
    let mut err = if e.kind() == std::io::ErrorKind::TimedOut {
        Error::new(ErrorCode::Timeout, "timed out reading the response body")
    } else {
        Error::new(ErrorCode::Connect, format!("connection failed while reading the response: {}", e.kind()))
    };
    err.http_status = Some(status);
    err
}

/// Maps a ureq error onto tccall's codes, and decides whether the request was sent.
fn map_ureq_error(e: ureq::Error) -> Failure {
    use ureq::Error as U;
    use ureq::Timeout as T;
    match e {
        U::Timeout(T::Resolve | T::Connect) => not_sent(Error::new(ErrorCode::Timeout, "timed out connecting")),
        U::Timeout(which) => unknown(Error::new(ErrorCode::Timeout, format!("request timed out ({which})"))),
        U::HostNotFound => not_sent(Error::new(ErrorCode::Connect, "host not found (DNS)")),
        U::ConnectionFailed => not_sent(Error::new(ErrorCode::Connect, "connection failed")),
        U::InvalidProxyUrl => not_sent(Error::new(ErrorCode::Proxy, "invalid proxy URL")),
        U::ConnectProxyFailed(why) => not_sent(Error::new(ErrorCode::Proxy, format!("proxy CONNECT failed: {why}"))),
        U::Tls(why) => not_sent(Error::new(ErrorCode::Tls, format!("TLS failure: {why}"))),
        U::Rustls(why) => not_sent(Error::new(ErrorCode::Tls, format!("TLS failure: {why}"))),
        U::Io(io) => {
            use std::io::ErrorKind as K;
            match io.kind() {
                K::ConnectionRefused
                | K::AddrNotAvailable
                | K::NotFound
                | K::HostUnreachable
                | K::NetworkUnreachable => {
                    not_sent(Error::new(ErrorCode::Connect, format!("could not connect: {}", io.kind())))
                }
                K::TimedOut | K::WouldBlock => unknown(Error::new(ErrorCode::Timeout, "request timed out")),
                kind => unknown(Error::new(ErrorCode::Connect, format!("connection failed: {kind}"))),
            }
        }
        U::BodyExceedsLimit(_) | U::LargeResponseHeader(..) => {
            Failure::answered(Error::new(ErrorCode::BadResponse, "response too large"))
        }
        U::Protocol(p) => unknown(Error::new(ErrorCode::BadResponse, format!("HTTP protocol error: {p}"))),
        U::BadUri(_) | U::Http(_) => not_sent(Error::invalid_config("endpoint URL is not valid")),
        other => unknown(Error::new(ErrorCode::Connect, format!("transport error: {other}"))),
    }
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

/// Current unix time in seconds.
pub fn unix_now() -> u64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_secs()).unwrap_or(0)
}
