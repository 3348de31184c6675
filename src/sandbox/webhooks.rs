//! Webhook delivery: IM-protocol callbacks (Call, Desk: one POST per event, the callback
//! parameters in the query, no retry, as Tencent documents none) and TRTC room callbacks
//! (`trtc`: headers `SdkAppId` and `Sign`, each event `repeat` times with the same bytes).
//! One background thread sends them all with the configured timeout, so events keep their
//! order and never delay an API response. Every attempt is logged (`kind` `webhook` or
//! `trtc_webhook`; never a token, key or `Sign`). Stopping joins that thread: what is queued
//! is still delivered for one more timeout, then dropped (and logged as such).

use super::log::Log;
use super::trtc::TrtcEvent;
use super::verify::{callback_sign, trtc_sign};
use percent_encoding::{utf8_percent_encode, AsciiSet, NON_ALPHANUMERIC};

/// Query values keep RFC 3986's unreserved characters as they are.
const QUERY_VALUE: &AsciiSet = &NON_ALPHANUMERIC.remove(b'-').remove(b'_').remove(b'.').remove(b'~');
use crate::transport::proxy::Proxies;
use crate::transport::tls::TlsConfig;
use crate::transport::{unix_now, BodyLimit, CallCtx, Http, HttpRequest, HttpSettings};
use serde_json::{Map, Value};
use std::sync::mpsc::{channel, Sender};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

/// One webhook to send.
#[derive(Clone, Debug)]
pub enum Delivery {
    /// An IM-protocol callback (Call, Desk).
    Im {
        /// The configured callback URL (query parameters are appended).
        url: String,
        /// `CallbackCommand`.
        command: String,
        /// The JSON body.
        body: Value,
    },
    /// A TRTC room event.
    Trtc(TrtcEvent),
}

/// The delivery queue; `stop` closes it and joins the worker.
#[derive(Debug)]
pub struct Hooks {
    tx: Mutex<Option<Sender<Delivery>>>,
    worker: Mutex<Option<JoinHandle<()>>>,
    /// Set by `stop`: deliveries still queued after this instant are dropped.
    cutoff: Arc<Mutex<Option<Instant>>>,
    timeout: Duration,
}

/// How IM-protocol callbacks are addressed and signed.
#[derive(Clone, Debug)]
pub struct Signing {
    /// `SdkAppid` in the query.
    pub sdk_app_id: u64,
    /// The callback token: `Sign` and `RequestTime` are appended when set.
    pub token: Option<String>,
    /// Whether `Call.*` callbacks are signed too (`Desk.*` always are when a token is set).
    pub sign_call: bool,
}

impl Signing {
    /// The token that signs `command`, if any.
    fn token_for(&self, command: &str) -> Option<&str> {
        if command.starts_with("Call.") && !self.sign_call {
            return None;
        }
        self.token.as_deref()
    }
}

/// What the worker needs besides the queue.
struct Worker {
    signing: Signing,
    http: Http,
    timeout: Duration,
    log: Arc<Log>,
}

impl Hooks {
    /// Starts the delivery thread.
    pub fn start(signing: Signing, timeout: Duration, log: Arc<Log>) -> std::io::Result<Hooks> {
        let http = Http::new(HttpSettings {
            connect_timeout: timeout,
            read_timeout: timeout,
            user_agent: "tccall-sandbox".into(),
            // Loopback receivers must never go through an environment proxy.
            proxies: Proxies::default(),
            tls: TlsConfig::default(),
        });
        let worker = Worker { signing, http, timeout, log };
        let (tx, rx) = channel::<Delivery>();
        let cutoff: Arc<Mutex<Option<Instant>>> = Arc::default();
        let stop_at = cutoff.clone();
        let thread = std::thread::Builder::new().name("tccall-sandbox-webhooks".into()).spawn(move || {
            for d in rx {
                let late = stop_at.lock().unwrap_or_else(|p| p.into_inner()).is_some_and(|c| Instant::now() >= c);
                if late {
                    worker.dropped(&d);
                } else {
                    worker.deliver(&d);
                }
            }
        })?;
        Ok(Hooks { tx: Mutex::new(Some(tx)), worker: Mutex::new(Some(thread)), cutoff, timeout })
    }

    /// Queues deliveries (dropped silently once stopped).
    pub fn send(&self, deliveries: Vec<Delivery>) {
        let tx = self.tx.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(tx) = tx.as_ref() {
            for d in deliveries {
                let _ = tx.send(d);
            }
        }
    }

    /// Closes the queue and waits for the worker: the delivery in flight finishes (it
    /// has its timeout), queued ones are sent until one more timeout has passed, the
    /// rest are dropped. Idempotent.
    pub fn stop(&self) {
        *self.cutoff.lock().unwrap_or_else(|p| p.into_inner()) = Some(Instant::now() + self.timeout);
        self.tx.lock().unwrap_or_else(|p| p.into_inner()).take();
        let worker = self.worker.lock().unwrap_or_else(|p| p.into_inner()).take();
        if let Some(worker) = worker {
            let _ = worker.join();
        }
    }
}

impl Worker {
    /// Logs a delivery dropped because the sandbox stopped.
    fn dropped(&self, d: &Delivery) {
        let mut entry = match d {
            Delivery::Im { url, command, .. } => im_entry(url, command),
            Delivery::Trtc(e) => trtc_entry(e, 1),
        };
        entry.insert("http_status".into(), Value::Null);
        entry.insert("error".into(), "not delivered: the sandbox stopped".into());
        self.log.push(entry);
    }

    fn deliver(&self, d: &Delivery) {
        match d {
            Delivery::Im { url, command, body } => {
                let s = &self.signing;
                let req = HttpRequest {
                    method: "POST",
                    url: callback_url(url, s.sdk_app_id, command, s.token_for(command), unix_now()),
                    headers: vec![("Content-Type", "application/json".into())],
                    body: body.to_string().into_bytes(),
                };
                // The configured URL is logged, not the signed one: Sign is derived from the token.
                self.post(&req, im_entry(url, command));
            }
            Delivery::Trtc(e) => {
                let mut headers = vec![("Content-Type", "application/json".to_string())];
                if let Some(key) = &e.to.key {
                    headers.push(("Sign", trtc_sign(key, e.body.as_bytes())));
                }
                headers.push(("SdkAppId", self.signing.sdk_app_id.to_string()));
                let req =
                    HttpRequest { method: "POST", url: e.to.url.clone(), headers, body: e.body.clone().into_bytes() };
                for attempt in 1..=e.to.repeat {
                    self.post(&req, trtc_entry(e, attempt));
                }
            }
        }
    }

    /// Sends one request and logs its outcome in `entry`.
    fn post(&self, req: &HttpRequest, mut entry: Map<String, Value>) {
        // The reply is read (so the connection is reused) and ignored, as Tencent ignores
        // the reply to "after" callbacks (and the content of TRTC's).
        let limit = BodyLimit { bytes: 64 * 1024, key: "the webhook reply limit" };
        match self.http.send(req, &CallCtx::new(self.timeout, None), limit) {
            Ok(resp) => {
                entry.insert("http_status".into(), resp.status.into());
                entry.insert("error".into(), Value::Null);
            }
            Err(f) => {
                entry.insert("http_status".into(), Value::Null);
                entry.insert("error".into(), f.error.to_string().into());
            }
        }
        self.log.push(entry);
    }
}

/// A log entry for an IM-protocol callback.
fn im_entry(url: &str, command: &str) -> Map<String, Value> {
    let mut entry = Map::new();
    entry.insert("kind".into(), "webhook".into());
    entry.insert("command".into(), command.into());
    entry.insert("url".into(), url.into());
    entry
}

/// A log entry for one attempt at a TRTC event (no key, no Sign).
fn trtc_entry(e: &TrtcEvent, attempt: u32) -> Map<String, Value> {
    let mut entry = Map::new();
    entry.insert("kind".into(), "trtc_webhook".into());
    entry.insert("event_type".into(), e.event_type.into());
    entry.insert("room".into(), e.room.clone());
    entry.insert("user".into(), e.user.clone().into());
    entry.insert("unique_id".into(), e.unique_id.into());
    entry.insert("attempt".into(), attempt.into());
    entry.insert("signed".into(), e.to.key.is_some().into());
    entry.insert("url".into(), e.to.url.clone().into());
    entry
}

/// The callback URL with the IM protocol's query parameters, plus `Sign` and
/// `RequestTime` when a token is configured.
pub fn callback_url(base: &str, sdk_app_id: u64, command: &str, token: Option<&str>, now: u64) -> String {
    let sep = if base.contains('?') { '&' } else { '?' };
    let mut url = format!(
        "{base}{sep}SdkAppid={sdk_app_id}&CallbackCommand={}&contenttype=json&ClientIP=127.0.0.1&OptPlatform=RESTAPI",
        utf8_percent_encode(command, QUERY_VALUE)
    );
    if let Some(token) = token {
        url.push_str(&format!("&Sign={}&RequestTime={now}", callback_sign(token, now)));
    }
    url
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn call_callbacks_can_go_unsigned() {
        let mut s = Signing { sdk_app_id: 1, token: Some("t".into()), sign_call: true };
        assert_eq!(s.token_for("Call.CallbackAfterEndCall"), Some("t"));
        s.sign_call = false;
        assert_eq!(s.token_for("Call.CallbackAfterEndCall"), None);
        assert_eq!(s.token_for("Desk.SessionEventNotify"), Some("t"));
        s.token = None;
        assert_eq!(s.token_for("Desk.SessionEventNotify"), None);
    }

    #[test]
    fn url_shape() {
        assert_eq!(
            callback_url("http://h/cb", 1400000001, "Call.CallbackAfterEndCall", None, 1),
            "http://h/cb?SdkAppid=1400000001&CallbackCommand=Call.CallbackAfterEndCall&contenttype=json&ClientIP=127.0.0.1&OptPlatform=RESTAPI"
        );
        let signed = callback_url("http://h/cb?a=1", 7, "Desk.SessionEventNotify", Some("xxxxyyyy"), 1669872112);
        assert!(signed.starts_with("http://h/cb?a=1&SdkAppid=7&"), "{signed}");
        assert!(signed.ends_with(
            "&Sign=17773bc39a671d7b9aa835458704d2a6db81360a5940292b587d6d760d484061&RequestTime=1669872112"
        ));
    }
}
