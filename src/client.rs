//! `Client`: the one object users hold. It is `Send + Sync`; share it across threads.

use crate::api::{local, raw, trtc, ImOp, Operation};
use crate::auth::tc3::SigningKeyCache;
use crate::auth::usersig;
use crate::config::Config;
use crate::error::{Error, ErrorCode, Result};
use crate::pyjson;
use crate::schema;
use crate::secret::Secret;
use crate::transport::cloud::{self, CloudCall};
use crate::transport::ratelimit::RateLimiter;
use crate::transport::retry::{self, Outcome, RetryClass};
use crate::transport::{
    im, random_u32, unix_now, BodyLimit, CallCtx, Cancel, Failure, Http, HttpRequest, HttpSettings, PoolCounters, Reach,
};
use crate::webhook;
use serde_json::{json, Map, Value};
use std::sync::RwLock;
use std::time::Duration;

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
        Ok(Client {
            config,
            http,
            limiter: RateLimiter::default(),
            admin_sig: RwLock::new(None),
            signing_keys: SigningKeyCache::default(),
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
    pub fn execute_json(&self, op: Operation, request_json: &str) -> Result<String> {
        self.call_json(op, request_json, &CallOptions::default())
    }

    /// As `execute_json`, with per-call options (deadline, attempts, cancel token).
    pub fn call_json(&self, op: Operation, request_json: &str, options: &CallOptions) -> Result<String> {
        let request = self.parse_input(request_json, op.name())?;
        self.run(op, &request, options)
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

    /// Runs `op` on a parsed request.
    pub fn execute(&self, op: Operation, req: &Value) -> Result<Value> {
        let text = self.run(op, req, &CallOptions::default())?;
        Ok(serde_json::from_str(&text).expect("tccall writes valid JSON"))
    }

    /// Runs `op` and returns its result as JSON text.
    fn run(&self, op: Operation, req: &Value, options: &CallOptions) -> Result<String> {
        let ctx = CallCtx::new(options.deadline.unwrap_or(self.config.total_timeout), options.cancel.as_ref());
        let attempts = options.max_attempts.unwrap_or(self.config.retry.max_attempts);
        let call = Call { ctx: &ctx, attempts };
        if let Some(im_op) = op.im_op() {
            return self.im_op(im_op, req, &call);
        }
        let now = unix_now();
        let local = |v: Result<Value>| v.map(|v| v.to_string());
        match op {
            Operation::DismissRoom => {
                self.trtc(op, trtc::dismiss_room(self.config.sdk_app_id, req)?, RetryClass::Ending, &call)
            }
            Operation::RemoveUsers => {
                self.trtc(op, trtc::remove_users(self.config.sdk_app_id, req)?, RetryClass::Safe, &call)
            }
            Operation::GenUsersig => local(local::gen_usersig(&self.config, req, now)),
            Operation::VerifyUsersig => local(local::verify_usersig(&self.config, req, now)),
            Operation::GenPrivateMapKey => local(local::gen_private_map_key(&self.config, req, now)),
            Operation::ImRequest => {
                let (path, body) = self.raw_im(req)?;
                self.im_send("im_request", path, &body, RetryClass::OnlyUnsent, &call)
            }
            Operation::SignImRequest => {
                let (path, body) = self.raw_im(req)?;
                let sig = self.admin_usersig("sign_im_request", false)?;
                let bytes = serde_json::to_vec(&body).expect("a Value always serializes");
                Ok(request_json(&self.im_request_data(path, &sig, &bytes)).to_string())
            }
            Operation::CloudApiRequest => self.raw_cloud(req, false, &call),
            Operation::SignCloudApiRequest => self.raw_cloud(req, true, &call),
            _ => unreachable!("IM operations are handled above"),
        }
    }

    /// Verifies and parses an inbound webhook (see `webhook::parse`).
    pub fn parse_webhook(&self, query: &str, body: &[u8]) -> Result<Value> {
        if body.len() > self.config.max_input_bytes {
            return Err(Error::new(
                ErrorCode::InputTooLarge,
                format!("webhook body is {} bytes, above max_input_bytes", body.len()),
            ));
        }
        webhook::parse(self.config.sdk_app_id, &self.config.webhook, query, body, unix_now())
    }

    fn im_op(&self, op: &ImOp, req: &Value, call: &Call<'_>) -> Result<String> {
        schema::validate(req, op.fields, &format!("{} request", op.name), ErrorCode::InvalidRequest)?;
        if let Some(check) = op.check {
            check(req)?;
        }
        self.im_send(op.name, op.path, req, op.retry, call)
    }

    fn raw_im<'a>(&self, req: &'a Value) -> Result<(&'a str, Value)> {
        schema::validate(req, raw::IM_FIELDS, "im_request", ErrorCode::InvalidRequest)?;
        let body = match req.get("body") {
            Some(Value::Object(b)) => Value::Object(b.clone()),
            _ => json!({}),
        };
        Ok((raw::im_path(req)?, body))
    }

    /// The admin UserSig, minted on first use and renewed when 90% of its life is gone.
    fn admin_usersig(&self, op: &str, force_new: bool) -> Result<String> {
        let now = unix_now();
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

    fn im_request_data(&self, path: &str, usersig: &str, body: &[u8]) -> HttpRequest {
        im::build_request(
            &self.config.im_endpoint,
            path,
            self.config.sdk_app_id,
            &self.config.admin_user_id,
            usersig,
            random_u32(),
            body.to_vec(),
        )
    }

    fn limit(&self, key: &str, per_second: u32, ctx: &CallCtx) -> Result<(), Failure> {
        if !self.config.rate_limit.enabled {
            return Ok(());
        }
        self.limiter
            .acquire(key, per_second, self.config.rate_limit.max_wait, ctx)
            .map_err(|error| Failure { error, reach: Reach::NotSent })
    }

    fn im_send(&self, name: &str, path: &str, body: &Value, class: RetryClass, call: &Call<'_>) -> Result<String> {
        self.config.require_secret_key(name)?;
        let body = serde_json::to_vec(body).expect("a Value always serializes");
        let limit = BodyLimit { bytes: self.config.max_response.im, key: "max_response_bytes.im" };
        let outcome = retry::run(&self.config.retry, call.attempts, class, call.ctx, |_| {
            self.limit(path, self.config.rate_limit.im_per_second, call.ctx)?;
            let mut reminted = false;
            loop {
                let sig = self.admin_usersig(name, reminted).map_err(Failure::answered)?;
                let req = self.im_request_data(path, &sig, &body);
                let resp = self.http.send(&req, call.ctx, limit)?;
                match im::decode_response(&resp) {
                    // A stale admin UserSig (70001/70052): mint a new one and resend once.
                    Err(f) if !reminted && im::is_stale_usersig(&f.error) => reminted = true,
                    other => return other,
                }
            }
        })?;
        Ok(outcome_json(outcome))
    }

    fn trtc(&self, op: Operation, trtc_call: trtc::TrtcCall, class: RetryClass, call: &Call<'_>) -> Result<String> {
        let body = trtc_call.body();
        let target = CloudTarget {
            op: op.name(),
            service: trtc::SERVICE,
            version: trtc::VERSION,
            action: trtc_call.action,
            region: Some(&self.config.cloud_api.region),
            endpoint: &self.config.cloud_api.endpoint,
            body: &body,
        };
        self.cloud_send(&target, class, call)
    }

    /// A signable call for `target` at `timestamp`, with the configured credentials.
    fn cloud_call<'a>(&'a self, t: &CloudTarget<'a>, timestamp: u64) -> Result<CloudCall<'a>> {
        let (secret_id, secret_key) = self.config.require_cloud_credentials(t.op)?;
        Ok(CloudCall {
            endpoint: t.endpoint,
            service: t.service,
            version: t.version,
            action: t.action,
            region: t.region,
            body: t.body,
            timestamp,
            secret_id,
            secret_key: secret_key.expose(),
            token: self.config.cloud_api.token.as_ref().map(Secret::expose),
            language: Some(&self.config.cloud_api.language),
            request_client: REQUEST_CLIENT,
            signing_key: Some(self.signing_keys.get(secret_key.expose(), timestamp, t.service)),
        })
    }

    fn cloud_send(&self, target: &CloudTarget<'_>, class: RetryClass, call: &Call<'_>) -> Result<String> {
        self.config.require_cloud_credentials(target.op)?;
        let limit = BodyLimit { bytes: self.config.max_response.cloud_api, key: "max_response_bytes.cloud_api" };
        let outcome = retry::run(&self.config.retry, call.attempts, class, call.ctx, |_| {
            self.limit(target.action, self.config.rate_limit.cloud_api_per_second, call.ctx)?;
            // Re-signed on every attempt so a retry stays inside the 5-minute window.
            let signed = self.cloud_call(target, unix_now()).map_err(Failure::answered)?;
            let resp = self.http.send(&cloud::build_request(&signed), call.ctx, limit)?;
            cloud::decode_response(&resp)
        })?;
        Ok(outcome_json(outcome))
    }

    fn raw_cloud(&self, req: &Value, sign_only: bool, call: &Call<'_>) -> Result<String> {
        let what = if sign_only { "sign_cloud_api_request" } else { "cloud_api_request" };
        schema::validate(req, raw::CLOUD_FIELDS, what, ErrorCode::InvalidRequest)?;
        if !sign_only && req.get("timestamp").is_some_and(|t| !t.is_null()) {
            return Err(Error::invalid_request("timestamp is only accepted by sign_cloud_api_request"));
        }
        raw::check_names(req)?;
        let text = |k: &str| req.get(k).and_then(Value::as_str);
        let (service, version, action) = (
            text("service").unwrap_or_default(),
            text("version").unwrap_or_default(),
            text("action").unwrap_or_default(),
        );
        let region = text("region").unwrap_or(&self.config.cloud_api.region);
        let endpoint = raw::endpoint_for(&self.config.cloud_api.endpoint, service, text("endpoint"));
        let body = match (text("body"), req.get("params").filter(|p| !p.is_null())) {
            (Some(_), Some(_)) => return Err(Error::invalid_request("give either params or body, not both")),
            (Some(b), None) => b.as_bytes().to_vec(),
            (None, Some(p)) => pyjson::dumps(p).into_bytes(),
            (None, None) => b"{}".to_vec(),
        };
        let target =
            CloudTarget { op: what, service, version, action, region: Some(region), endpoint: &endpoint, body: &body };
        if !sign_only {
            return self.cloud_send(&target, RetryClass::OnlyUnsent, call);
        }
        let timestamp = req.get("timestamp").and_then(Value::as_u64).unwrap_or_else(unix_now);
        let signed = self.cloud_call(&target, timestamp)?;
        Ok(request_json(&cloud::build_request(&signed)).to_string())
    }
}

/// One call's budget and attempt limit.
struct Call<'a> {
    ctx: &'a CallCtx,
    attempts: u32,
}

/// The result JSON of a call with retries: the payload, or `{"RequestId", "already_ended": true}`.
fn outcome_json(outcome: Outcome<String>) -> String {
    match outcome {
        Outcome::Done(text) => text,
        Outcome::AlreadyEnded { request_id } => json!({"RequestId": request_id, "already_ended": true}).to_string(),
    }
}

/// What a Cloud API call targets, before credentials and a timestamp are added.
struct CloudTarget<'a> {
    op: &'a str,
    service: &'a str,
    version: &'a str,
    action: &'a str,
    region: Option<&'a str>,
    endpoint: &'a str,
    body: &'a [u8],
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

macro_rules! named_ops {
    ($($(#[$doc:meta])* $fn:ident => $op:ident;)*) => {
        impl Client {
            $($(#[$doc])* pub fn $fn(&self, request: &Value) -> Result<Value> { self.execute(Operation::$op, request) })*
        }
    };
}

named_ops! {
    /// End a call (`end_call`). Request: `{"CallId"}`.
    end_call => EndCall;
    /// Live call status (`get_call_info`). Request: `{"CallId"}`.
    get_call_info => GetCallInfo;
    /// Start a call from a robot account (`start_call_by_robot`).
    start_call_by_robot => StartCallByRobot;
    /// One call record (`get_record_by_callid`). Request: `{"CallId"}`.
    get_call_record => GetCallRecord;
    /// Call records by filter (`get_record_by_filter`).
    search_call_records => SearchCallRecords;
    /// Set the webhook configuration (`call_config/set_callback`).
    set_callback_config => SetCallbackConfig;
    /// Read the webhook configuration (`call_config/get_callback`).
    get_callback_config => GetCallbackConfig;
    /// Delete the webhook configuration (`call_config/delete_callback`).
    delete_callback_config => DeleteCallbackConfig;
    /// Dismiss a TRTC room (`DismissRoom` / `DismissRoomByStrRoomId`).
    dismiss_room => DismissRoom;
    /// Remove users from a TRTC room (`RemoveUser` / `RemoveUserByStrRoomId`).
    remove_users => RemoveUsers;
    /// End a Desk session (`desk_http_svc/end_session`).
    end_desk_session => EndDeskSession;
    /// Desk session state (`desk_http_svc/get_session_state`).
    get_desk_session_state => GetDeskSessionState;
    /// Desk session records (`desk_http_svc/describe_im_cdr_list`).
    list_desk_sessions => ListDeskSessions;
    /// Generate a UserSig.
    gen_usersig => GenUsersig;
    /// Verify a UserSig.
    verify_usersig => VerifyUsersig;
    /// Generate a PrivateMapKey.
    gen_private_map_key => GenPrivateMapKey;
    /// Raw signed IM REST call.
    im_request => ImRequest;
    /// Raw signed Cloud API 3.0 call.
    cloud_api_request => CloudApiRequest;
    /// Build a signed IM REST request without sending it.
    sign_im_request => SignImRequest;
    /// Build a signed Cloud API request without sending it.
    sign_cloud_api_request => SignCloudApiRequest;
}
