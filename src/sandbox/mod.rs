//! The sandbox: a strict local emulator of every Tencent endpoint tccall speaks.
//!
//! It serves, on loopback, the IM REST gateway (Call v4 and Desk APIs, UserSig
//! checked on every request), Cloud API 3.0 for the six TRTC room actions (TC3
//! signature checked on every request), control endpoints under `/_sandbox/` and
//! webhook delivery to the configured URLs (Call and Desk callbacks in the IM protocol,
//! TRTC room callbacks in theirs: see `trtc`). Code that passes against it should pass
//! against Tencent; see `im`, `cloud` and `control` for exactly what is checked.
//!
//! One port serves both HTTP and HTTPS (the first byte of a connection tells them
//! apart). For HTTPS, every start mints a throwaway CA and a certificate for
//! `127.0.0.1`, `localhost` and `::1` signed by it; trust the CA (`ca_pem`, or the file
//! `ca_file`, removed when the sandbox stops) or take `https_client_config_json`, which
//! already does. `SandboxConfig::tls_leaf` serves a deliberately wrong certificate
//! instead, to test how a client fails. The server itself is hardened (deadlines,
//! strict framing, size limits, a connection cap): see `http`.
//!
//! ```no_run
//! use tccall::sandbox::{Sandbox, SandboxConfig};
//! let sandbox = Sandbox::start(SandboxConfig::default()).unwrap();
//! let client = tccall::Client::from_json(&sandbox.client_config_json()).unwrap();
//! let over_tls = tccall::Client::from_json(&sandbox.https_client_config_json()).unwrap();
//! # drop((client, over_tls));
//! ```

pub mod cloud;
pub mod control;
pub mod faults;
pub mod http;
pub mod im;
pub mod keys;
pub mod log;
pub mod query;
pub mod state;
pub mod tls;
pub mod trtc;
pub mod verify;
pub mod webhooks;

use faults::{FaultKind, Faults};
use http::{Outcome, Reply, Request};
use serde::Deserialize;
use serde_json::{json, Map, Value};
use std::collections::HashMap;
use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Condvar, Mutex, MutexGuard, RwLock};
use std::time::Duration;

/// Sandbox settings; every field has a default, so `{}` is a valid config JSON.
#[derive(Clone, Deserialize, PartialEq, Eq)]
#[serde(default, deny_unknown_fields)]
pub struct SandboxConfig {
    /// Port on 127.0.0.1; 0 picks a free one.
    pub port: u16,
    /// The one app that exists (`sdkappid`, `SdkAppId`).
    pub sdk_app_id: u64,
    /// The app's IM secret key, which UserSigs must be signed with.
    pub secret_key: String,
    /// Administrator accounts allowed as `identifier`.
    pub admins: Vec<String>,
    /// The only Cloud API `SecretId`.
    pub cloud_secret_id: String,
    /// Its `SecretKey`.
    pub cloud_secret_key: String,
    /// Regions the TRTC actions accept in `X-TC-Region`.
    pub regions: Vec<String>,
    /// Requests per second per IM REST API (Tencent: 200); 0 = unlimited.
    pub im_per_second: u32,
    /// Requests per second per Cloud API action (Tencent: 20); 0 = unlimited.
    pub cloud_api_per_second: u32,
    /// Whether rate limits are enforced at all.
    pub enforce_rate_limits: bool,
    /// Callback authentication token: webhooks carry `Sign` and `RequestTime` when set.
    pub webhook_token: Option<String>,
    /// Whether `Call.*` callbacks carry `Sign` and `RequestTime` when `webhook_token` is set
    /// (default true). Tencent's Call pages never mention them (spec §3.3), so a receiver
    /// must cope with both; false sends them unsigned (`Desk.*` callbacks stay signed).
    pub sign_call_webhooks: bool,
    /// Webhook delivery timeout (Tencent: 2 s).
    pub webhook_timeout_ms: u64,
    /// Allowed distance of `X-TC-Timestamp` from now (Tencent: 300 s).
    pub clock_skew_s: u64,
    /// The unix time the signature checks take as "now" (UserSig expiry, the TC3 timestamp
    /// window); `None` is the real clock. Set it to replay requests signed at a known time.
    pub frozen_time: Option<u64>,
    /// The HTTPS server certificate: `valid` (the default), or one a client must refuse:
    /// `expired`, `wrong_name` (names only `wrong.example`), `self_signed` (not issued by
    /// the sandbox's CA).
    pub tls_leaf: String,
}

impl Default for SandboxConfig {
    fn default() -> Self {
        SandboxConfig {
            port: 0,
            sdk_app_id: 1400000001,
            secret_key: "c7c1761189025c0861b6682faef3b394a4e72fc67e492450db7ec649c6c05793".into(),
            admins: vec!["administrator".into()],
            cloud_secret_id: "AKIDsandbox00000000000000000000000000".into(),
            cloud_secret_key: "sandbox-secret-key".into(),
            regions: ["ap-beijing", "ap-guangzhou", "ap-singapore", "ap-mumbai"].map(String::from).to_vec(),
            im_per_second: 200,
            cloud_api_per_second: 20,
            enforce_rate_limits: true,
            webhook_token: None,
            sign_call_webhooks: true,
            webhook_timeout_ms: 2000,
            clock_skew_s: 300,
            frozen_time: None,
            tls_leaf: "valid".into(),
        }
    }
}

impl fmt::Debug for SandboxConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        const HIDDEN: &str = "** redacted **";
        f.debug_struct("SandboxConfig")
            .field("port", &self.port)
            .field("sdk_app_id", &self.sdk_app_id)
            .field("secret_key", &HIDDEN)
            .field("admins", &self.admins)
            .field("cloud_secret_id", &self.cloud_secret_id)
            .field("cloud_secret_key", &HIDDEN)
            .field("regions", &self.regions)
            .field("im_per_second", &self.im_per_second)
            .field("cloud_api_per_second", &self.cloud_api_per_second)
            .field("enforce_rate_limits", &self.enforce_rate_limits)
            .field("webhook_token", &self.webhook_token.as_ref().map(|_| HIDDEN))
            .field("sign_call_webhooks", &self.sign_call_webhooks)
            .field("webhook_timeout_ms", &self.webhook_timeout_ms)
            .field("clock_skew_s", &self.clock_skew_s)
            .field("frozen_time", &self.frozen_time)
            .field("tls_leaf", &self.tls_leaf)
            .finish()
    }
}

impl SandboxConfig {
    /// Parses a config JSON (unknown fields are refused).
    pub fn from_json(text: &str) -> Result<SandboxConfig, String> {
        serde_json::from_str(text).map_err(|e| format!("sandbox config: {e}"))
    }

    /// Checks the values `start` relies on.
    pub fn validate(&self) -> Result<(), String> {
        if self.sdk_app_id == 0 || self.sdk_app_id > u64::from(u32::MAX) {
            return Err("sdk_app_id must be 1..4294967295".into());
        }
        let nonempty = [
            ("secret_key", &self.secret_key),
            ("cloud_secret_id", &self.cloud_secret_id),
            ("cloud_secret_key", &self.cloud_secret_key),
        ];
        if let Some((name, _)) = nonempty.iter().find(|(_, v)| v.is_empty()) {
            return Err(format!("{name} must not be empty"));
        }
        if self.admins.is_empty() || self.admins.iter().any(|a| a.is_empty() || a.len() > 32) {
            return Err("admins must list 1..32-byte user ids".into());
        }
        if self.regions.is_empty() {
            return Err("regions must not be empty".into());
        }
        if self.webhook_token.as_deref() == Some("") {
            return Err("webhook_token must not be empty (omit it for no token)".into());
        }
        if !tls::LEAF_KINDS.contains(&self.tls_leaf.as_str()) {
            return Err(format!("tls_leaf must be one of {}", tls::LEAF_KINDS.join(", ")));
        }
        Ok(())
    }

    /// Whether a limit of `per_second` is enforced.
    pub fn rate_limits_on(&self, per_second: u32) -> bool {
        self.enforce_rate_limits && per_second > 0
    }
}

/// Which Tencent API family a request belongs to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Family {
    /// IM REST (`/v4/...`).
    Im,
    /// Cloud API 3.0 (`/`).
    Cloud,
}

/// State shared by every connection thread.
#[derive(Debug)]
pub struct Shared {
    config: SandboxConfig,
    /// The credentials accepted now (rotated by `POST /_sandbox/credentials`).
    keys: RwLock<keys::Keys>,
    world: Mutex<state::World>,
    faults: Faults,
    log: Arc<log::Log>,
    /// When each API's requests of the last second were accepted.
    limiter: Mutex<HashMap<String, std::collections::VecDeque<std::time::Instant>>>,
    hooks: webhooks::Hooks,
    /// The server's connection counters.
    connections: Arc<http::Stats>,
    /// Set when the sandbox stops, so delay faults end at once and the connection
    /// threads can be joined.
    stopped: Mutex<bool>,
    stopping: Condvar,
}

/// The request log's entry for an API request, and what faults match on (the IM path or
/// the Cloud API action).
fn log_entry(req: &Request, family: Family) -> (Map<String, Value>, String) {
    let mut entry = Map::new();
    entry.insert("method".into(), req.method.clone().into());
    entry.insert("connection".into(), req.connection.into());
    entry.insert("tls".into(), req.tls.into());
    let target = match family {
        Family::Im => {
            let path = req.path.trim_start_matches('/').to_string();
            let identifier =
                query::pairs(&req.query).and_then(|q| q.into_iter().find(|(k, _)| k == "identifier").map(|(_, v)| v));
            entry.insert("kind".into(), "im".into());
            entry.insert("path".into(), path.clone().into());
            entry.insert("identifier".into(), identifier.into());
            path
        }
        Family::Cloud => {
            let action = req.header("x-tc-action").unwrap_or("").to_string();
            entry.insert("kind".into(), "cloud".into());
            entry.insert("action".into(), action.clone().into());
            entry.insert("region".into(), req.header("x-tc-region").into());
            action
        }
    };
    (entry, target)
}

impl Shared {
    /// "Now" for signature checks: the frozen time when configured, else the real clock.
    pub fn auth_now(&self) -> u64 {
        self.config.frozen_time.unwrap_or_else(crate::transport::unix_now)
    }

    /// The credentials accepted now.
    pub fn keys(&self) -> keys::Keys {
        self.keys.read().unwrap_or_else(|p| p.into_inner()).clone()
    }

    fn world(&self) -> MutexGuard<'_, state::World> {
        self.world.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Runs `f` on the locked world, then queues the webhooks it produced
    /// (before the API answers, so a caller never sees a result before its event is queued).
    fn with_world<T>(&self, f: impl FnOnce(&mut state::World) -> T) -> T {
        let mut world = self.world();
        let out = f(&mut world);
        let deliveries = std::mem::take(&mut world.outbox);
        drop(world);
        self.hooks.send(deliveries);
        out
    }

    /// Counts a request to `key`; `true` when `per_second` requests were already accepted
    /// within the last second (a sliding window: the sandbox's own counter, not the
    /// client's token bucket, so a test of the client's limiter cannot pass merely because
    /// both sides share one implementation).
    fn over_limit(&self, key: &str, per_second: u32) -> bool {
        if !self.config.rate_limits_on(per_second) {
            return false;
        }
        let now = std::time::Instant::now();
        let mut windows = self.limiter.lock().unwrap_or_else(|p| p.into_inner());
        let accepted = windows.entry(key.to_string()).or_default();
        while accepted.front().is_some_and(|t| now.duration_since(*t) >= Duration::from_secs(1)) {
            accepted.pop_front();
        }
        if accepted.len() >= per_second as usize {
            return true;
        }
        accepted.push_back(now);
        false
    }

    /// Sleeps for `d`, or until the sandbox stops.
    fn pause(&self, d: Duration) {
        let stopped = self.stopped.lock().unwrap_or_else(|p| p.into_inner());
        let _ = self.stopping.wait_timeout_while(stopped, d, |stopped| !*stopped);
    }

    fn halt(&self) {
        *self.stopped.lock().unwrap_or_else(|p| p.into_inner()) = true;
        self.stopping.notify_all();
    }

    fn reset(&self) {
        *self.world() = state::World::default();
        self.faults.clear();
        self.log.clear();
        self.connections.reset();
        self.limiter.lock().unwrap_or_else(|p| p.into_inner()).clear();
        let c = &self.config;
        *self.keys.write().unwrap_or_else(|p| p.into_inner()) =
            keys::Keys::new(&c.secret_key, &c.cloud_secret_id, &c.cloud_secret_key);
    }

    fn serve(&self, req: &Request) -> Outcome {
        if req.path == "/_sandbox" || req.path.starts_with("/_sandbox/") {
            let (status, v) = control::handle(self, &req.method, &req.path, &req.body);
            return Outcome::Reply(Reply::json(status, &v));
        }
        let family = if req.path == "/" { Family::Cloud } else { Family::Im };
        let (mut entry, target) = log_entry(req, family);
        let fault = self.faults.take(family, &target);
        entry.insert("fault".into(), fault.as_ref().map(FaultKind::name).into());
        let mut finish = |status: Option<u16>, code: Value, ok: bool, request_id: Option<&str>| {
            entry.insert("http_status".into(), status.into());
            entry.insert("code".into(), code);
            entry.insert("ok".into(), ok.into());
            entry.insert("request_id".into(), request_id.into());
            self.log.push(std::mem::take(&mut entry));
        };
        match &fault {
            Some(FaultKind::HttpStatus(s)) => {
                finish(Some(*s), Value::Null, false, None);
                let body = format!("<html><body><h1>{s} {}</h1></body></html>", http::reason(*s)).into_bytes();
                return Outcome::Reply(Reply { status: *s, content_type: "text/html", body });
            }
            Some(FaultKind::DropBefore) => {
                finish(None, Value::Null, false, None);
                return Outcome::Drop;
            }
            Some(FaultKind::ImError { code, message }) => {
                let rid = im::request_id();
                finish(Some(200), json!(code), false, Some(&rid));
                return Outcome::Reply(im::error_reply(*code, message, &rid));
            }
            Some(FaultKind::CloudError { code, message }) => {
                let rid = state::uuid();
                finish(Some(200), json!(code), false, Some(&rid));
                return Outcome::Reply(cloud::error_reply(code, message, &rid));
            }
            Some(FaultKind::Delay(ms)) => self.pause(Duration::from_millis(*ms)),
            Some(FaultKind::DropAfter) | None => {}
        }
        let dropped = fault == Some(FaultKind::DropAfter);
        let status = if dropped { None } else { Some(200) };
        let reply = match family {
            Family::Im => {
                let h = im::handle(self, req);
                finish(status, json!(h.code), h.code == 0, Some(&h.request_id));
                h.reply
            }
            Family::Cloud => {
                let h = cloud::handle(self, req);
                finish(status, json!(h.code), h.code.is_none(), Some(&h.request_id));
                h.reply
            }
        };
        if dropped {
            Outcome::Drop
        } else {
            Outcome::Reply(reply)
        }
    }
}

/// A running sandbox. Dropping it (or `stop`) shuts it down.
pub struct Sandbox {
    shared: Arc<Shared>,
    server: http::Server,
    ca_pem: String,
    ca_file: PathBuf,
    /// The CA file's directory, until `shutdown` removes it.
    ca_dir: Option<PathBuf>,
}

impl fmt::Debug for Sandbox {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Sandbox").field("addr", &self.server.addr()).field("config", &self.shared.config).finish()
    }
}

impl Sandbox {
    /// Binds `127.0.0.1:{config.port}` and serves HTTP and HTTPS there on background
    /// threads; writes the CA certificate to `ca_file`.
    pub fn start(config: SandboxConfig) -> std::io::Result<Sandbox> {
        let invalid = |e: String| std::io::Error::new(std::io::ErrorKind::InvalidInput, e);
        config.validate().map_err(invalid)?;
        let minted = tls::mint(&config.tls_leaf).map_err(std::io::Error::other)?;
        let log = Arc::new(log::Log::default());
        let hooks = webhooks::Hooks::start(
            webhooks::Signing {
                sdk_app_id: config.sdk_app_id,
                token: config.webhook_token.clone(),
                sign_call: config.sign_call_webhooks,
            },
            Duration::from_millis(config.webhook_timeout_ms.max(1)),
            log.clone(),
        )?;
        let shared = Arc::new(Shared {
            keys: RwLock::new(keys::Keys::new(&config.secret_key, &config.cloud_secret_id, &config.cloud_secret_key)),
            config,
            world: Mutex::default(),
            faults: Faults::default(),
            log,
            limiter: Mutex::default(),
            hooks,
            connections: Arc::default(),
            stopped: Mutex::new(false),
            stopping: Condvar::new(),
        });
        let handler_shared = shared.clone();
        let handler: http::Handler = Arc::new(move |req: &Request| handler_shared.serve(req));
        let options =
            http::Options { tls: Some(minted.server), stats: shared.connections.clone(), ..http::Options::default() };
        let mut server = match http::Server::start_with(shared.config.port, handler, options) {
            Ok(s) => s,
            Err(e) => {
                shared.hooks.stop();
                return Err(e);
            }
        };
        let dir = std::env::temp_dir().join(format!("tccall-sandbox-{}-{}", std::process::id(), server.addr().port()));
        let ca_file = dir.join("ca.pem");
        if let Err(e) = write_ca_file(&dir, &ca_file, &minted.ca_pem) {
            server.stop();
            shared.hooks.stop();
            let _ = std::fs::remove_dir_all(&dir);
            return Err(std::io::Error::new(e.kind(), format!("cannot write {}: {e}", ca_file.display())));
        }
        Ok(Sandbox { shared, server, ca_pem: minted.ca_pem, ca_file, ca_dir: Some(dir) })
    }

    /// `http://127.0.0.1:PORT`.
    pub fn base_url(&self) -> String {
        format!("http://{}", self.server.addr())
    }

    /// `https://127.0.0.1:PORT` (the same port).
    pub fn https_base_url(&self) -> String {
        format!("https://{}", self.server.addr())
    }

    /// The PEM of the throwaway CA that issued the HTTPS certificate (fresh at every start).
    pub fn ca_pem(&self) -> &str {
        &self.ca_pem
    }

    /// A file holding `ca_pem`: `<temp dir>/tccall-sandbox-<pid>-<port>/ca.pem`, written
    /// at start and removed when the sandbox stops.
    pub fn ca_file(&self) -> &Path {
        &self.ca_file
    }

    /// The bound port.
    pub fn port(&self) -> u16 {
        self.server.addr().port()
    }

    /// The configuration it runs with.
    pub fn config(&self) -> &SandboxConfig {
        &self.shared.config
    }

    /// A tccall client config JSON pointing both endpoints at this sandbox with its
    /// credentials (first admin, `ap-guangzhou` if allowed, no proxy, its webhook token).
    pub fn client_config_json(&self) -> String {
        self.config_json(&self.base_url(), false)
    }

    /// `client_config_json` over HTTPS: both endpoints are `https_base_url`, and
    /// `"tls": {"ca_pem": <the CA>, "roots": "none"}` trusts the sandbox's CA and nothing else.
    pub fn https_client_config_json(&self) -> String {
        self.config_json(&self.https_base_url(), true)
    }

    fn config_json(&self, base: &str, tls: bool) -> String {
        let c = &self.shared.config;
        let region = if c.regions.iter().any(|r| r == "ap-guangzhou") { "ap-guangzhou" } else { &c.regions[0] };
        let mut v = json!({
            "sdk_app_id": c.sdk_app_id,
            "secret_key": c.secret_key,
            "admin_user_id": c.admins[0],
            "im_endpoint": base,
            "cloud_api": {"secret_id": c.cloud_secret_id, "secret_key": c.cloud_secret_key,
                          "region": region, "endpoint": base},
            "proxy": "none",
        });
        if let Some(token) = &c.webhook_token {
            v["webhook"] = json!({"token": token});
        }
        if tls {
            v["tls"] = json!({"ca_pem": self.ca_pem, "roots": "none"});
        }
        v.to_string()
    }

    /// Calls a control endpoint in-process, e.g. `control("POST", "/_sandbox/calls", &body)`;
    /// returns the HTTP status and JSON it would answer.
    pub fn control(&self, method: &str, path: &str, body: &Value) -> (u16, Value) {
        let bytes = if body.is_null() { Vec::new() } else { body.to_string().into_bytes() };
        control::handle(&self.shared, method, path, &bytes)
    }

    /// Every logged API request and webhook delivery, oldest first.
    pub fn log(&self) -> Vec<Value> {
        self.shared.log.snapshot()
    }

    /// The connection counters (`GET /_sandbox/connections`).
    pub fn connections(&self) -> Value {
        self.shared.connections.snapshot()
    }

    /// Calls, records, rooms, sessions and callback configuration (`GET /_sandbox/state`).
    pub fn state(&self) -> Value {
        self.control("GET", "/_sandbox/state", &Value::Null).1
    }

    /// Clears state, faults, the log and the connection counters.
    pub fn reset(&self) {
        self.shared.reset();
    }

    /// Stops serving: the listener and every open connection are closed.
    pub fn stop(mut self) {
        self.shutdown();
    }

    fn shutdown(&mut self) {
        self.shared.halt();
        self.server.stop();
        self.shared.hooks.stop();
        if let Some(dir) = self.ca_dir.take() {
            let _ = std::fs::remove_dir_all(dir);
        }
    }
}

/// Writes the CA file into a fresh directory of its own (a stale one, left by a killed
/// process with the same pid and port, is replaced).
fn write_ca_file(dir: &Path, file: &Path, pem: &str) -> std::io::Result<()> {
    let mut builder = std::fs::DirBuilder::new();
    #[cfg(unix)]
    std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
    if let Err(e) = builder.create(dir) {
        if e.kind() != std::io::ErrorKind::AlreadyExists {
            return Err(e);
        }
        std::fs::remove_dir_all(dir)?;
        builder.create(dir)?;
    }
    std::fs::write(file, pem)
}

impl Drop for Sandbox {
    fn drop(&mut self) {
        self.shutdown();
    }
}
