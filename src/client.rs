//! `Client`: the one object users hold. It is `Send + Sync`; share it across threads.

use crate::api::{self, Composite, Exec, OpSpec, Target};
use crate::auth::tc3::SigningKeyCache;
use crate::config::Config;
use crate::error::{Error, ErrorCode, Result};
use crate::observe::{Level, Logger, Sink, Stats};
use crate::schema;
use crate::secret::Secret;
use crate::transport::call::Probe;
use crate::transport::cloud::{self, CloudCall, Credentials};
use crate::transport::im::{self, ImAuth};
use crate::transport::ratelimit::RateLimiter;
use crate::transport::retry::{self, Outcome, RetryClass};
use crate::transport::{
    random_u32, unix_now, BodyLimit, CallCtx, Cancel, Failure, Http, HttpRequest, HttpSettings, PoolCounters, Reach,
};
use crate::webhook::{self, Dedupe};
use serde_json::{json, Value};
use std::sync::atomic::Ordering;
use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant};

/// The admin UserSig, minted once and reused until close to expiry.
#[derive(Debug)]
struct AdminSig {
    sig: Secret,
    renew_at: u64,
}

/// The config with the credentials of one generation, and the caches derived from them.
/// `update_credentials` swaps in a new one; a call keeps the one it started with.
#[derive(Debug)]
pub(crate) struct Signer {
    pub(crate) config: Arc<Config>,
    admin_sig: RwLock<Option<AdminSig>>,
    signing_keys: SigningKeyCache,
}

impl Signer {
    fn new(config: Arc<Config>) -> Arc<Signer> {
        Arc::new(Signer { config, admin_sig: RwLock::new(None), signing_keys: SigningKeyCache::default() })
    }
}

/// A Tencent call-control client.
#[derive(Debug)]
pub struct Client {
    signer: RwLock<Arc<Signer>>,
    http: Http,
    limiter: RateLimiter,
    webhooks_seen: Dedupe,
    stats: Stats,
    logger: Arc<Logger>,
}

const _: () = {
    const fn assert_send_sync<T: Send + Sync>() {}
    assert_send_sync::<Client>();
};

const REQUEST_CLIENT: &str = concat!("tccall_", env!("CARGO_PKG_VERSION"));

/// Per-call settings that override the config for one call.
#[derive(Clone, Debug, Default)]
pub struct CallOptions {
    /// The whole call's deadline instead of `timeouts.total_ms`.
    pub deadline: Option<Duration>,
    /// Attempts in all instead of `retry.max_attempts`.
    pub max_attempts: Option<u32>,
    /// A token that cancels the call from another thread.
    pub cancel: Option<Cancel>,
}

/// `options_json` of `tccall_client_call`: `{"deadline_ms": n, "max_attempts": n}`.
static OPTIONS: &[schema::Field] = &[
    schema::Field::null("deadline_ms", schema::Kind::Int { min: 1, max: 3_600_000 }),
    schema::Field::null("max_attempts", schema::Kind::Int { min: 1, max: 10 }),
];

impl CallOptions {
    /// Parses `options_json` (the cancel token is passed separately).
    pub fn from_json(text: &str) -> Result<CallOptions> {
        let v: Value = serde_json::from_str(text)
            .map_err(|e| Error::new(ErrorCode::InvalidJson, format!("options_json is not valid JSON: {e}")))?;
        schema::validate(&v, OPTIONS, "options_json", ErrorCode::InvalidRequest)?;
        Ok(CallOptions {
            deadline: v.get("deadline_ms").and_then(Value::as_u64).map(Duration::from_millis),
            max_attempts: v.get("max_attempts").and_then(Value::as_u64).map(|n| n as u32),
            cancel: None,
        })
    }
}

impl Client {
    /// Creates a client from a validated config. No I/O happens here (the proxy
    /// environment is read now; the system trust store at the first HTTPS connection).
    pub fn new(config: Config) -> Result<Client> {
        let http = Http::new(HttpSettings {
            connect_timeout: config.connect_timeout,
            read_timeout: config.request_timeout,
            user_agent: config.user_agent.clone(),
            proxies: config.proxy.resolve()?,
            tls: config.tls.clone(),
        });
        let webhooks_seen = Dedupe::new(config.webhook.dedupe_window, config.webhook.dedupe_capacity);
        Ok(Client {
            signer: RwLock::new(Signer::new(Arc::new(config))),
            http,
            limiter: RateLimiter::default(),
            webhooks_seen,
            stats: Stats::default(),
            logger: Arc::default(),
        })
    }

    /// Creates a client from config JSON.
    pub fn from_json(config_json: &str) -> Result<Client> {
        Client::new(Config::from_json(config_json)?)
    }

    /// The configuration (with the current credentials).
    pub fn config(&self) -> Arc<Config> {
        self.signer().config.clone()
    }

    /// The current credentials' signer (a call keeps the one it started with).
    pub(crate) fn signer(&self) -> Arc<Signer> {
        self.signer.read().unwrap_or_else(|p| p.into_inner()).clone()
    }

    /// What the connection pool did (connections opened, reused, TLS handshakes).
    pub fn pool_counters(&self) -> &PoolCounters {
        self.http.counters()
    }

    /// Sends log events at `level` and below to `sink` (`None`: logging off).
    pub fn set_logger(&self, level: Level, sink: Option<Arc<Sink>>) {
        self.logger.set(level, sink);
    }

    /// The counters and latency histograms as JSON (see `observe::Stats::to_json`).
    pub fn stats(&self) -> Value {
        self.stats.to_json(self.http.counters())
    }

    /// Swaps the IM secret key and/or the Cloud API credentials (JSON: `{"secret_key"?,
    /// "cloud_api"?: {"secret_id"?, "secret_key"?, "token"?, "from_env"?}}`), atomically: calls
    /// in flight finish with the credentials they started with, later calls use the new ones,
    /// and the admin UserSig is minted afresh.
    pub fn update_credentials(&self, update_json: &str) -> Result<()> {
        let update = self.parse_input(update_json, "update_credentials")?;
        let mut slot = self.signer.write().unwrap_or_else(|p| p.into_inner());
        let config = slot.config.with_credentials(&update)?;
        *slot = Signer::new(Arc::new(config));
        drop(slot);
        self.logger.emit(Level::Info, "credentials_updated", |m| {
            let fields: Vec<&str> =
                ["secret_key", "cloud_api"].into_iter().filter(|k| update.get(k).is_some()).collect();
            m.insert("fields".into(), fields.into());
        });
        Ok(())
    }

    /// Runs `op` on a JSON request string and returns the JSON result string.
    /// This is what every `tccall_client_*` function of the C ABI calls.
    pub fn execute_json(&self, op: &OpSpec, request_json: &str) -> Result<String> {
        self.call_json(op, request_json, &CallOptions::default())
    }

    /// As `execute_json`, with per-call options (deadline, attempts, cancel token).
    pub fn call_json(&self, op: &OpSpec, request_json: &str, options: &CallOptions) -> Result<String> {
        let request = self.parse_input(request_json, op.name)?;
        self.run(op, &request, options, unix_now())
    }

    /// Runs the operation called `name` (as in `tccall_client_<name>`, e.g. `"end_call"`)
    /// on a request: `client.call("end_call", &json!({"CallId": id}))`.
    pub fn call(&self, name: &str, request: &Value) -> Result<Value> {
        let op = api::find(name).ok_or_else(|| Error::invalid_request(format!("unknown operation {name:?}")))?;
        self.execute(op, request)
    }

    /// Runs `op` (an entry of `api::OPERATIONS`) on a parsed request.
    pub fn execute(&self, op: &OpSpec, req: &Value) -> Result<Value> {
        let text = self.run(op, req, &CallOptions::default(), unix_now())?;
        Ok(serde_json::from_str(&text).expect("tccall writes valid JSON"))
    }

    /// Parses a JSON input, enforcing the configured size limit.
    pub fn parse_input(&self, text: &str, what: &str) -> Result<Value> {
        let max = self.signer().config.max_input_bytes;
        if text.len() > max {
            return Err(Error::new(
                ErrorCode::InputTooLarge,
                format!("{what} request is {} bytes, above max_input_bytes ({max})", text.len()),
            ));
        }
        serde_json::from_str(text)
            .map_err(|e| Error::new(ErrorCode::InvalidJson, format!("{what} request is not valid JSON: {e}")))
    }

    /// Runs one call: its budget, the work, then the stats and the `call` log event.
    fn run(&self, op: &OpSpec, req: &Value, options: &CallOptions, now: u64) -> Result<String> {
        let started = Instant::now();
        let signer = self.signer();
        let config = &signer.config;
        let probe = Probe::new(op.name, &self.logger);
        let ctx = CallCtx::new(options.deadline.unwrap_or(config.total_timeout), options.cancel.as_ref())
            .with_probe(probe.clone());
        let attempts = options.max_attempts.unwrap_or(config.retry.max_attempts);
        let result = self.run_in(op, req, &Budget { ctx: &ctx, attempts, signer: &signer }, now);
        let took = started.elapsed();
        let tried = probe.attempts();
        let outcome = match &result {
            Ok(_) => Ok(probe.already_ended()),
            Err(e) => Err(e.code),
        };
        self.stats.record(op, outcome, &probe, took);
        let level = match &result {
            Ok(_) => Level::Info,
            // The caller's input, or a target that is not there (often expected: a call that
            // ended on its own) is a warning; the network, Tencent or the credentials failing is an error.
            Err(e) if e.code.as_i32() < 200 || e.code == ErrorCode::NotFound => Level::Warn,
            Err(_) => Level::Error,
        };
        self.logger.emit(level, "call", |m| {
            m.insert("op".into(), op.name.into());
            m.insert("family".into(), op.family().name().into());
            m.insert("duration_ms".into(), json!(took.as_secs_f64() * 1000.0));
            m.insert("attempts".into(), tried.into());
            match &result {
                Ok(text) => {
                    m.insert("outcome".into(), "ok".into());
                    m.insert("already_ended".into(), outcome.unwrap_or(false).into());
                    m.insert("request_id".into(), request_id_of(text).into());
                }
                Err(e) => {
                    m.insert("outcome".into(), "error".into());
                    m.insert("code".into(), e.code.as_i32().into());
                    m.insert("name".into(), e.code.name().into());
                    m.insert("message".into(), e.message.clone().into());
                    m.insert("service_code".into(), e.service_code.clone().into());
                    m.insert("request_id".into(), e.request_id.clone().into());
                }
            }
        });
        result
    }

    /// Runs `op` within an existing budget (a composite operation runs its steps in one).
    pub(crate) fn run_in(&self, op: &OpSpec, req: &Value, budget: &Budget<'_>, now: u64) -> Result<String> {
        let config = &*budget.signer.config;
        let req = &*op.prepare(req)?;
        match &op.exec {
            Exec::Local(f) => f(config, req, now),
            Exec::Sign(build) => {
                let target = build.target(config, req)?;
                Ok(request_json(&self.sign_at(budget.signer, op.name, &target, false, now, &config.im_endpoint)?))
            }
            Exec::Send(build, class) => {
                let target = build.target(config, req)?;
                Ok(outcome_json(self.send(op.name, &target, *class, budget)?))
            }
            Exec::Composite(Composite::TerminateCall) => self.terminate_call(req, budget, now),
        }
    }

    /// Verifies and parses an inbound IM-protocol webhook (Call, Desk; see `webhook::im`),
    /// flagging a repeat of an event seen within the dedupe window (`duplicate`).
    pub fn parse_webhook(&self, query: &str, body: &[u8]) -> Result<Value> {
        self.check_webhook_size(body)?;
        let config = self.config();
        let mut v = webhook::parse(config.sdk_app_id, &config.webhook, query, body, unix_now())?;
        v["duplicate"] = self.webhooks_seen.seen_before(&webhook::im::identity(&v, body), Instant::now()).into();
        Ok(v)
    }

    /// Verifies and parses a TRTC room or media callback (see `webhook::trtc`): the `Sign`
    /// and `SdkAppId` header values (`None` when absent) and the raw body.
    pub fn parse_trtc_webhook(&self, sign: Option<&str>, sdk_app_id: Option<&str>, body: &[u8]) -> Result<Value> {
        self.check_webhook_size(body)?;
        let config = self.config();
        let mut v = webhook::trtc::parse(config.sdk_app_id, &config.webhook, sign, sdk_app_id, body)?;
        v["duplicate"] = self.webhooks_seen.seen_before(&webhook::trtc::identity(&v, body), Instant::now()).into();
        Ok(v)
    }

    fn check_webhook_size(&self, body: &[u8]) -> Result<()> {
        match body.len() > self.signer().config.max_input_bytes {
            true => Err(Error::new(
                ErrorCode::InputTooLarge,
                format!("webhook body is {} bytes, above max_input_bytes", body.len()),
            )),
            false => Ok(()),
        }
    }

    /// The admin UserSig at `now`: minted on first use and renewed when 90% of its life is
    /// gone (or at once with `force_new`, after Tencent called it stale).
    fn admin_usersig(&self, s: &Signer, op: &str, force_new: bool, now: u64) -> Result<String> {
        if !force_new {
            let cached = s.admin_sig.read().unwrap_or_else(|p| p.into_inner());
            if let Some(a) = cached.as_ref().filter(|a| now < a.renew_at) {
                return Ok(a.sig.expose().to_string());
            }
        }
        let config = &s.config;
        let issuer = config.issuer(op)?;
        let mut slot = s.admin_sig.write().unwrap_or_else(|p| p.into_inner());
        // Another thread may have renewed it while we waited for the lock.
        if let Some(a) = slot.as_ref().filter(|a| !force_new && now < a.renew_at) {
            return Ok(a.sig.expose().to_string());
        }
        let ttl = config.admin_usersig_ttl_s;
        let sig = issuer.usersig(&config.admin_user_id, ttl, now, None);
        *slot = Some(AdminSig { sig: Secret::new(sig.clone()), renew_at: now + ttl - ttl / 10 });
        self.stats.admin_usersig_mints.fetch_add(1, Ordering::Relaxed);
        self.logger.emit(Level::Debug, "admin_usersig_minted", |m| {
            m.insert("op".into(), op.into());
            m.insert("identifier".into(), config.admin_user_id.clone().into());
            m.insert("valid_s".into(), ttl.into());
            m.insert("forced".into(), force_new.into());
        });
        Ok(sig)
    }

    /// Signs a request with `s`'s credentials: IM with the admin UserSig (going to
    /// `im_base`, the primary or the backup domain), Cloud API at its fixed timestamp or
    /// `now`. Pure but for the caches it reads.
    fn sign_at(
        &self,
        s: &Signer,
        op: &str,
        target: &Target<'_>,
        force_new_sig: bool,
        now: u64,
        im_base: &str,
    ) -> Result<HttpRequest> {
        let config = &s.config;
        match target {
            Target::Im(t) => {
                let sig = self.admin_usersig(s, op, force_new_sig, now)?;
                let auth = ImAuth { sdk_app_id: config.sdk_app_id, identifier: &config.admin_user_id, usersig: &sig };
                Ok(im::build_request(im_base, t, &auth, random_u32()))
            }
            Target::Cloud(t) => {
                let timestamp = t.timestamp.unwrap_or(now);
                let (secret_id, secret_key) = config.require_cloud_credentials(op)?;
                Ok(cloud::build_request(&CloudCall {
                    target: t,
                    timestamp,
                    credentials: Credentials {
                        secret_id,
                        secret_key: secret_key.expose(),
                        token: config.cloud_api.credentials.token.as_ref().map(Secret::expose),
                    },
                    language: Some(&config.cloud_api.language),
                    request_client: REQUEST_CLIENT,
                    signing_key: Some(s.signing_keys.get(secret_key.expose(), timestamp, t.service)),
                }))
            }
        }
    }

    /// Whether an IM request that could not reach the primary domain goes to the backup:
    /// only when nothing left (DNS, connect, TLS) and the call still has time.
    fn use_im_backup(config: &Config, target: &Target<'_>, f: &Failure, ctx: &CallCtx) -> bool {
        matches!(target, Target::Im(_))
            && config.im_backup_endpoint.is_some()
            && f.reach == Reach::NotSent
            && matches!(f.error.code, ErrorCode::Connect | ErrorCode::Timeout | ErrorCode::Tls)
            && ctx.check_quick("").is_ok()
    }

    fn limit(&self, config: &Config, key: &str, per_second: u32, ctx: &CallCtx) -> Result<(), Failure> {
        if !config.rate_limit.enabled {
            return Ok(());
        }
        self.limiter
            .acquire(key, per_second, config.rate_limit.max_wait, ctx)
            .map_err(|error| Failure { error, reach: Reach::NotSent })
    }

    /// Sends `target` under the retry policy: each attempt waits for the local rate
    /// limiter, is signed afresh (a Cloud API retry stays inside the 5-minute window), sent,
    /// and decoded. An IM answer calling the admin UserSig stale (70001/70052) makes one
    /// resend with a newly minted one.
    fn send(&self, op: &str, target: &Target<'_>, class: RetryClass, budget: &Budget<'_>) -> Result<Outcome<String>> {
        let (signer, ctx) = (budget.signer, budget.ctx);
        let config = &*signer.config;
        let rate = &config.rate_limit;
        let (bucket, per_second, limit) = match target {
            Target::Im(t) => {
                config.require_secret_key(op)?;
                (t.path, rate.im_per_second, BodyLimit { bytes: config.max_response.im, key: "max_response_bytes.im" })
            }
            Target::Cloud(t) => {
                config.require_cloud_credentials(op)?;
                let key = "max_response_bytes.cloud_api";
                (t.action, rate.cloud_api_per_second, BodyLimit { bytes: config.max_response.cloud_api, key })
            }
        };
        retry::run(&config.retry, budget.attempts, class, ctx, |_| {
            self.limit(config, bucket, per_second, ctx)?;
            let mut reminted = false;
            loop {
                let sign = |base: &str| {
                    self.sign_at(signer, op, target, reminted, unix_now(), base).map_err(Failure::answered)
                };
                let resp = match self.http.send(&sign(&config.im_endpoint)?, ctx, limit) {
                    Err(f) if Self::use_im_backup(config, target, &f, ctx) => {
                        let backup = config.im_backup_endpoint.as_deref().expect("checked");
                        ctx.log(Level::Warn, "backup_domain", |m| {
                            m.insert("reason".into(), f.error.message.clone().into());
                        });
                        self.http.send(&sign(backup)?, ctx, limit)?
                    }
                    other => other?,
                };
                let decoded = match target {
                    Target::Im(_) => im::decode_response(&resp),
                    Target::Cloud(_) => cloud::decode_response(&resp),
                };
                match decoded {
                    Err(f) if matches!(target, Target::Im(_)) && !reminted && im::is_stale_usersig(&f.error) => {
                        reminted = true
                    }
                    other => return other,
                }
            }
        })
    }
}

/// One call's budget: its deadline and cancel token, the attempts each request may make,
/// and the credentials it started with.
pub(crate) struct Budget<'a> {
    pub(crate) ctx: &'a CallCtx,
    pub(crate) attempts: u32,
    pub(crate) signer: &'a Signer,
}

/// The `RequestId` of a result, if it has one (for the log; read without a `Value` tree).
fn request_id_of(text: &str) -> Option<String> {
    crate::transport::rawjson::Fields::parse(text.as_bytes()).and_then(|f| f.str("RequestId"))
}

/// The result JSON of a call with retries: the payload, or `{"RequestId", "already_ended": true}`.
fn outcome_json(outcome: Outcome<String>) -> String {
    match outcome {
        Outcome::Done(text) => text,
        Outcome::AlreadyEnded { request_id } => json!({"RequestId": request_id, "already_ended": true}).to_string(),
    }
}

/// A built request as `{"method", "url", "headers": {...}, "body"}`, serialized straight
/// from the request (no `Value` tree), into a buffer sized for it up front.
fn request_json(req: &HttpRequest) -> String {
    struct Headers<'a>(&'a [(&'static str, String)]);
    impl serde::Serialize for Headers<'_> {
        fn serialize<S: serde::Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
            s.collect_map(self.0.iter().map(|(k, v)| (k, v)))
        }
    }
    #[derive(serde::Serialize)]
    struct Signed<'a> {
        method: &'a str,
        url: &'a str,
        headers: Headers<'a>,
        body: std::borrow::Cow<'a, str>,
    }
    let size =
        64 + req.url.len() + req.body.len() + req.headers.iter().map(|(k, v)| k.len() + v.len() + 6).sum::<usize>();
    let mut out = Vec::with_capacity(size);
    let signed = Signed {
        method: req.method,
        url: &req.url,
        headers: Headers(&req.headers),
        body: String::from_utf8_lossy(&req.body),
    };
    serde_json::to_writer(&mut out, &signed).expect("strings always serialize");
    String::from_utf8(out).expect("serde_json writes UTF-8")
}
