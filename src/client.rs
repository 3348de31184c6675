//! `Client`: the one object users hold. It is `Send + Sync`; share it across threads.

use crate::api::{self, Composite, Exec, OpSpec, Target};
use crate::auth::tc3::SigningKeyCache;
use crate::auth::usersig;
use crate::config::Config;
use crate::error::{Error, ErrorCode, Result};
use crate::schema;
use crate::secret::Secret;
use crate::transport::cloud::{self, CloudCall, Credentials};
use crate::transport::im::{self, ImAuth};
use crate::transport::ratelimit::RateLimiter;
use crate::transport::retry::{self, Outcome, RetryClass};
use crate::transport::{
    random_u32, unix_now, BodyLimit, CallCtx, Cancel, Failure, Http, HttpRequest, HttpSettings, PoolCounters, Reach,
};
use crate::webhook::{self, Dedupe};
use serde_json::{json, Map, Value};
use std::sync::RwLock;
use std::time::{Duration, Instant};

/// The admin UserSig, minted once and reused until close to expiry.
#[derive(Debug)]
struct AdminSig {
    sig: Secret,
    renew_at: u64,
}

/// A Tencent call-control client.
#[derive(Debug)]
pub struct Client {
    config: Config,
    http: Http,
    limiter: RateLimiter,
    admin_sig: RwLock<Option<AdminSig>>,
    signing_keys: SigningKeyCache,
    webhooks_seen: Dedupe,
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
            config,
            http,
            limiter: RateLimiter::default(),
            admin_sig: RwLock::new(None),
            signing_keys: SigningKeyCache::default(),
            webhooks_seen,
        })
    }

    /// Creates a client from config JSON.
    pub fn from_json(config_json: &str) -> Result<Client> {
        Client::new(Config::from_json(config_json)?)
    }

    /// The configuration.
    pub fn config(&self) -> &Config {
        &self.config
    }

    /// What the connection pool did (connections opened, reused, TLS handshakes).
    pub fn pool_counters(&self) -> &PoolCounters {
        self.http.counters()
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
        if text.len() > self.config.max_input_bytes {
            return Err(Error::new(
                ErrorCode::InputTooLarge,
                format!(
                    "{what} request is {} bytes, above max_input_bytes ({})",
                    text.len(),
                    self.config.max_input_bytes
                ),
            ));
        }
        serde_json::from_str(text)
            .map_err(|e| Error::new(ErrorCode::InvalidJson, format!("{what} request is not valid JSON: {e}")))
    }

    /// Validate, build the target, then sign (pure) and send under the retry policy.
    fn run(&self, op: &OpSpec, req: &Value, options: &CallOptions, now: u64) -> Result<String> {
        let ctx = CallCtx::new(options.deadline.unwrap_or(self.config.total_timeout), options.cancel.as_ref());
        let attempts = options.max_attempts.unwrap_or(self.config.retry.max_attempts);
        self.run_in(op, req, &Budget { ctx: &ctx, attempts }, now)
    }

    /// Runs `op` within an existing budget (a composite operation runs its steps in one).
    pub(crate) fn run_in(&self, op: &OpSpec, req: &Value, budget: &Budget<'_>, now: u64) -> Result<String> {
        let req = &*op.prepare(req)?;
        match &op.exec {
            Exec::Local(f) => f(&self.config, req, now).map(|v| v.to_string()),
            Exec::Sign(build) => {
                let target = build.target(&self.config, req)?;
                Ok(request_json(&self.sign(op.name, &target, false, now)?).to_string())
            }
            Exec::Send(build, class) => {
                let target = build.target(&self.config, req)?;
                Ok(outcome_json(self.send(op.name, &target, *class, budget.ctx, budget.attempts)?))
            }
            Exec::Composite(Composite::TerminateCall) => self.terminate_call(req, budget, now),
        }
    }

    /// Verifies and parses an inbound IM-protocol webhook (Call, Desk; see `webhook::im`),
    /// flagging a repeat of an event seen within the dedupe window (`duplicate`).
    pub fn parse_webhook(&self, query: &str, body: &[u8]) -> Result<Value> {
        self.check_webhook_size(body)?;
        let mut v = webhook::parse(self.config.sdk_app_id, &self.config.webhook, query, body, unix_now())?;
        v["duplicate"] = self.webhooks_seen.seen_before(&webhook::im::identity(&v, body), Instant::now()).into();
        Ok(v)
    }

    /// Verifies and parses a TRTC room or media callback (see `webhook::trtc`): the `Sign`
    /// and `SdkAppId` header values (`None` when absent) and the raw body.
    pub fn parse_trtc_webhook(&self, sign: Option<&str>, sdk_app_id: Option<&str>, body: &[u8]) -> Result<Value> {
        self.check_webhook_size(body)?;
        let mut v = webhook::trtc::parse(self.config.sdk_app_id, &self.config.webhook, sign, sdk_app_id, body)?;
        v["duplicate"] = self.webhooks_seen.seen_before(&webhook::trtc::identity(&v, body), Instant::now()).into();
        Ok(v)
    }

    fn check_webhook_size(&self, body: &[u8]) -> Result<()> {
        match body.len() > self.config.max_input_bytes {
            true => Err(Error::new(
                ErrorCode::InputTooLarge,
                format!("webhook body is {} bytes, above max_input_bytes", body.len()),
            )),
            false => Ok(()),
        }
    }

    /// The admin UserSig at `now`: minted on first use and renewed when 90% of its life is
    /// gone (or at once with `force_new`, after Tencent called it stale).
    fn admin_usersig(&self, op: &str, force_new: bool, now: u64) -> Result<String> {
        if !force_new {
            let cached = self.admin_sig.read().unwrap_or_else(|p| p.into_inner());
            if let Some(a) = cached.as_ref().filter(|a| now < a.renew_at) {
                return Ok(a.sig.expose().to_string());
            }
        }
        let key = self.config.require_secret_key(op)?;
        let mut slot = self.admin_sig.write().unwrap_or_else(|p| p.into_inner());
        // Another thread may have renewed it while we waited for the lock.
        if let Some(a) = slot.as_ref().filter(|a| !force_new && now < a.renew_at) {
            return Ok(a.sig.expose().to_string());
        }
        let ttl = self.config.admin_usersig_ttl_s;
        let sig = usersig::generate(self.config.sdk_app_id, key.expose(), &self.config.admin_user_id, ttl, now, None);
        *slot = Some(AdminSig { sig: Secret::new(sig.clone()), renew_at: now + ttl - ttl / 10 });
        Ok(sig)
    }

    /// Signs a request: IM with the admin UserSig, Cloud API with the credentials at its
    /// fixed timestamp or `now`. Pure but for the caches it reads.
    fn sign(&self, op: &str, target: &Target<'_>, force_new_sig: bool, now: u64) -> Result<HttpRequest> {
        self.sign_at(op, target, force_new_sig, now, &self.config.im_endpoint)
    }

    /// As `sign`, an IM request going to `im_base` (the primary or the backup domain).
    fn sign_at(
        &self,
        op: &str,
        target: &Target<'_>,
        force_new_sig: bool,
        now: u64,
        im_base: &str,
    ) -> Result<HttpRequest> {
        match target {
            Target::Im(t) => {
                let sig = self.admin_usersig(op, force_new_sig, now)?;
                let auth = ImAuth {
                    sdk_app_id: self.config.sdk_app_id,
                    identifier: &self.config.admin_user_id,
                    usersig: &sig,
                };
                Ok(im::build_request(im_base, t, &auth, random_u32()))
            }
            Target::Cloud(t) => {
                let timestamp = t.timestamp.unwrap_or(now);
                let (secret_id, secret_key) = self.config.require_cloud_credentials(op)?;
                Ok(cloud::build_request(&CloudCall {
                    target: t,
                    timestamp,
                    credentials: Credentials {
                        secret_id,
                        secret_key: secret_key.expose(),
                        token: self.config.cloud_api.token.as_ref().map(Secret::expose),
                    },
                    language: Some(&self.config.cloud_api.language),
                    request_client: REQUEST_CLIENT,
                    signing_key: Some(self.signing_keys.get(secret_key.expose(), timestamp, t.service)),
                }))
            }
        }
    }

    /// Whether an IM request that could not reach the primary domain goes to the backup:
    /// only when nothing left (DNS, connect, TLS) and the call still has time.
    fn use_im_backup(&self, target: &Target<'_>, f: &Failure, ctx: &CallCtx) -> bool {
        matches!(target, Target::Im(_))
            && self.config.im_backup_endpoint.is_some()
            && f.reach == Reach::NotSent
            && matches!(f.error.code, ErrorCode::Connect | ErrorCode::Timeout | ErrorCode::Tls)
            && ctx.check_quick("").is_ok()
    }

    fn limit(&self, key: &str, per_second: u32, ctx: &CallCtx) -> Result<(), Failure> {
        if !self.config.rate_limit.enabled {
            return Ok(());
        }
        self.limiter
            .acquire(key, per_second, self.config.rate_limit.max_wait, ctx)
            .map_err(|error| Failure { error, reach: Reach::NotSent })
    }

    /// Sends `target` under the retry policy: each attempt waits for the local rate
    /// limiter, is signed afresh (a Cloud API retry stays inside the 5-minute window), sent,
    /// and decoded. An IM answer calling the admin UserSig stale (70001/70052) makes one
    /// resend with a newly minted one.
    fn send(
        &self,
        op: &str,
        target: &Target<'_>,
        class: RetryClass,
        ctx: &CallCtx,
        attempts: u32,
    ) -> Result<Outcome<String>> {
        let rate = &self.config.rate_limit;
        let (bucket, per_second, limit) = match target {
            Target::Im(t) => {
                self.config.require_secret_key(op)?;
                (
                    t.path,
                    rate.im_per_second,
                    BodyLimit { bytes: self.config.max_response.im, key: "max_response_bytes.im" },
                )
            }
            Target::Cloud(t) => {
                self.config.require_cloud_credentials(op)?;
                let key = "max_response_bytes.cloud_api";
                (t.action, rate.cloud_api_per_second, BodyLimit { bytes: self.config.max_response.cloud_api, key })
            }
        };
        retry::run(&self.config.retry, attempts, class, ctx, |_| {
            self.limit(bucket, per_second, ctx)?;
            let mut reminted = false;
            loop {
                let req = self.sign(op, target, reminted, unix_now()).map_err(Failure::answered)?;
                let resp = match self.http.send(&req, ctx, limit) {
                    Err(f) if self.use_im_backup(target, &f, ctx) => {
                        let backup = self.config.im_backup_endpoint.as_deref().expect("checked");
                        let req = self.sign_at(op, target, reminted, unix_now(), backup).map_err(Failure::answered)?;
                        self.http.send(&req, ctx, limit)?
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

/// One call's budget: its deadline and cancel token, and the attempts each request may make.
pub(crate) struct Budget<'a> {
    pub(crate) ctx: &'a CallCtx,
    pub(crate) attempts: u32,
}

/// The result JSON of a call with retries: the payload, or `{"RequestId", "already_ended": true}`.
fn outcome_json(outcome: Outcome<String>) -> String {
    match outcome {
        Outcome::Done(text) => text,
        Outcome::AlreadyEnded { request_id } => json!({"RequestId": request_id, "already_ended": true}).to_string(),
    }
}

/// A built request as `{"method", "url", "headers": {...}, "body"}`.
fn request_json(req: &HttpRequest) -> Value {
    let headers: Map<String, Value> =
        req.headers.iter().map(|(k, v)| (k.to_string(), Value::String(v.clone()))).collect();
    json!({
        "method": req.method,
        "url": req.url,
        "headers": headers,
        "body": String::from_utf8_lossy(&req.body),
    })
}
