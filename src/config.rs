//! Client configuration: parsing, defaults, validation, region -> domain.

use crate::auth::usersig;
use crate::error::{Error, ErrorCode, Result};
use crate::schema::Preset::{Bool, Int, Str};
use crate::schema::{self, Field, Kind, NON_EMPTY};
use crate::secret::Secret;
use crate::transport::proxy::{Proxies, Proxy};
use crate::transport::tls::{self, TlsConfig};
use serde_json::Value;
use std::time::Duration;

/// Defines `IM_REGIONS` and the list of its names (for the config schema) from one table.
macro_rules! im_regions {
    ($($name:literal: $domain:literal, backup $backup:literal;)*) => {
        /// The Chat (IM) REST data centers: name, domain, backup domain.
        pub const IM_REGIONS: &[(&str, &str, &str)] = &[$(($name, $domain, $backup)),*];
        const REGION_NAMES: &[&str] = &[$($name),*];
    };
}

im_regions! {
    "china": "console.tim.qq.com", backup "adminapi.my-imcloud.com";
    "singapore": "adminapisgp.im.qcloud.com", backup "adminapisgp.my-imcloud.com";
    "seoul": "adminapikr.im.qcloud.com", backup "adminapikr.my-imcloud.com";
    "frankfurt": "adminapiger.im.qcloud.com", backup "adminapiger.my-imcloud.com";
    "usa": "adminapiusa.im.qcloud.com", backup "adminapiusa.my-imcloud.com";
    "jakarta": "adminapiidn.im.qcloud.com", backup "adminapiidn.my-imcloud.com";
    "tokyo": "adminapijpn.im.qcloud.com", backup "adminapijpn.my-imcloud.com";
}

/// TRTC Cloud API endpoint presets: the Chinese site and the international site.
pub const CLOUD_API_ENDPOINTS: &[(&str, &str)] =
    &[("china", "https://trtc.tencentcloudapi.com"), ("intl", "https://trtc.intl.tencentcloudapi.com")];

const DURATION_MS: Kind = Kind::Int { min: 1, max: 3_600_000 };

// The config's fields and, in `.or(..)`, their defaults: the one place each default is written.
static CLOUD_API: &[Field] = &[
    Field::null("secret_id", NON_EMPTY),
    Field::null("secret_key", NON_EMPTY),
    Field::null("token", NON_EMPTY),
    Field::null("region", Kind::Str { min: 1, max: 64 }).or(Str("ap-guangzhou")),
    Field::null("endpoint", NON_EMPTY).or(Str("china")),
    Field::null("language", Kind::OneOf(&["en-US", "zh-CN"])).or(Str("en-US")),
    // Reads the credentials from Tencent's environment variables (`CLOUD_API_ENV`) instead.
    Field::null("from_env", Kind::Bool).or(Bool(false)),
];
// What `Client::update_credentials` takes: the secrets, nothing else.
static CLOUD_API_CREDENTIALS: &[Field] = &[
    Field::null("secret_id", NON_EMPTY),
    Field::null("secret_key", NON_EMPTY),
    Field::null("token", NON_EMPTY),
    Field::null("from_env", Kind::Bool),
];
static CREDENTIALS: &[Field] =
    &[Field::null("secret_key", NON_EMPTY), Field::null("cloud_api", Kind::Object(CLOUD_API_CREDENTIALS))];

/// The environment variables Tencent's official SDKs read credentials from (their
/// `EnvironmentVariableCredential`): secret id, secret key, session token.
pub const CLOUD_API_ENV: [&str; 3] =
    ["TENCENTCLOUD_SECRET_ID", "TENCENTCLOUD_SECRET_KEY", "TENCENTCLOUD_SESSION_TOKEN"];
// Whether each webhook family must carry a signature once its key is configured: Call
// callbacks may arrive unsigned (their pages never mention Sign, spec §3.3), the IM
// protocol's others (Desk) and TRTC's are signed.
static REQUIRE_SIGN: &[Field] = &[
    Field::null("call", Kind::Bool).or(Bool(false)),
    Field::null("im", Kind::Bool).or(Bool(true)),
    Field::null("trtc", Kind::Bool).or(Bool(true)),
];
static WEBHOOK: &[Field] = &[
    // The IM callback token (§3.2): 1 to 128 characters.
    Field::null("token", Kind::Str { min: 1, max: 128 }),
    Field::null("max_age_s", Kind::Int { min: 1, max: 86_400 }).or(Int(60)),
    // The TRTC callback key (§3.7): up to 32 letters and digits.
    Field::null("trtc_key", Kind::Str { min: 1, max: 32 }),
    Field::null("require_sign", Kind::Object(REQUIRE_SIGN)),
    // Duplicate detection: 0 turns it off.
    Field::null("dedupe_window_s", Kind::Int { min: 0, max: 86_400 }).or(Int(300)),
    Field::null("dedupe_capacity", Kind::Int { min: 1, max: 1_000_000 }).or(Int(10_000)),
];
static TIMEOUTS: &[Field] = &[
    Field::null("connect_ms", DURATION_MS).or(Int(3000)),
    Field::null("request_ms", DURATION_MS).or(Int(10_000)),
    Field::null("total_ms", DURATION_MS).or(Int(30_000)),
];
static TLS: &[Field] = &[
    Field::null("ca_file", NON_EMPTY),
    Field::null("ca_pem", NON_EMPTY),
    Field::null("roots", Kind::OneOf(tls::ROOTS)).or(Str("both")),
];
const RESPONSE_BYTES: Kind = Kind::Int { min: 1024, max: 1 << 30 };
static RESPONSE_LIMITS: &[Field] =
    &[Field::null("im", RESPONSE_BYTES).or(Int(4 << 20)), Field::null("cloud_api", RESPONSE_BYTES).or(Int(4 << 20))];
static RETRY: &[Field] = &[
    Field::null("max_attempts", Kind::Int { min: 1, max: 10 }).or(Int(3)),
    Field::null("base_delay_ms", Kind::Int { min: 0, max: 60_000 }).or(Int(100)),
    Field::null("max_delay_ms", Kind::Int { min: 0, max: 600_000 }).or(Int(2000)),
];
static RATE_LIMIT: &[Field] = &[
    Field::null("enabled", Kind::Bool).or(Bool(true)),
    Field::null("im_per_second", Kind::Int { min: 1, max: 100_000 }).or(Int(200)),
    Field::null("cloud_api_per_second", Kind::Int { min: 1, max: 100_000 }).or(Int(20)),
    Field::null("max_wait_ms", Kind::Int { min: 0, max: 60_000 }).or(Int(1000)),
];
static CONFIG: &[Field] = &[
    Field::req("sdk_app_id", Kind::Int { min: 1, max: u32::MAX as i128 }),
    Field::null("secret_key", NON_EMPTY),
    Field::null("admin_user_id", schema::USER_ID).or(Str("administrator")),
    Field::null("im_region", Kind::OneOf(REGION_NAMES)).or(Str("china")),
    Field::null("im_endpoint", Kind::HttpUrl),
    // The backup domain (§1.3) tried when the primary cannot be reached: null takes the
    // region's, "none" turns it off, or a URL.
    Field::null("im_backup_endpoint", NON_EMPTY),
    Field::null("cloud_api", Kind::Object(CLOUD_API)),
    Field::null("webhook", Kind::Object(WEBHOOK)),
    Field::null("timeouts", Kind::Object(TIMEOUTS)),
    Field::null("tls", Kind::Object(TLS)),
    Field::null("retry", Kind::Object(RETRY)),
    Field::null("rate_limit", Kind::Object(RATE_LIMIT)),
    Field::null("proxy", NON_EMPTY).or(Str("env")),
    Field::null("admin_usersig_ttl_s", Kind::Int { min: 600, max: 10 * 365 * 86400 }).or(Int(86_400)),
    // Stored blocks (Tencent's Go library) or "python" (byte-identical to tls-sig-api-v2).
    Field::null("usersig_compression", Kind::OneOf(usersig::COMPRESSION_NAMES)).or(Str("stored")),
    Field::null("max_input_bytes", Kind::Int { min: 1024, max: 64 << 20 }).or(Int(1 << 20)),
    Field::null("max_response_bytes", Kind::Object(RESPONSE_LIMITS)),
    Field::null("user_agent", Kind::Str { min: 1, max: 200 }).or(Str(concat!("tccall/", env!("CARGO_PKG_VERSION")))),
];

/// Cloud API 3.0 (TC3) credentials and endpoint.
#[derive(Clone, Debug)]
pub struct CloudApiConfig {
    /// `SecretId`, `SecretKey` and the STS token.
    pub credentials: CloudCredentials,
    /// Default `X-TC-Region`.
    pub region: String,
    /// Base URL, e.g. `https://trtc.tencentcloudapi.com`.
    pub endpoint: String,
    /// `X-TC-Language` (language of Tencent's error messages).
    pub language: String,
}

/// Cloud API credentials: given in the config or read from `CLOUD_API_ENV`.
#[derive(Clone, Debug, Default)]
pub struct CloudCredentials {
    /// `SecretId`.
    pub secret_id: Option<String>,
    /// `SecretKey`.
    pub secret_key: Option<Secret>,
    /// STS session token, sent as `X-TC-Token`.
    pub token: Option<Secret>,
}

impl CloudCredentials {
    /// From `v`'s `secret_id`/`secret_key`/`token`, or with `from_env` from the environment
    /// (`env` reads a variable). `at` names the object in errors.
    fn from_value(v: &Value, at: &str, env: impl Fn(&str) -> Option<String>) -> Result<CloudCredentials> {
        if v.get("from_env").and_then(Value::as_bool) != Some(true) {
            return Ok(CloudCredentials {
                secret_id: str_opt(v, "secret_id").map(str::to_string),
                secret_key: str_opt(v, "secret_key").map(Secret::new),
                token: str_opt(v, "token").map(Secret::new),
            });
        }
        if let Some(k) = ["secret_id", "secret_key", "token"].into_iter().find(|k| str_opt(v, k).is_some()) {
            return Err(Error::invalid_config(format!("{at}.{k} cannot be given with {at}.from_env")));
        }
        let [id, key, token] = CLOUD_API_ENV.map(|name| env(name).filter(|x| !x.is_empty()));
        let missing = |i: usize| Error::invalid_config(format!("{at}.from_env: {} is not set", CLOUD_API_ENV[i]));
        Ok(CloudCredentials {
            secret_id: Some(id.ok_or_else(|| missing(0))?),
            secret_key: Some(Secret::new(key.ok_or_else(|| missing(1))?)),
            token: token.map(Secret::new),
        })
    }
}

fn env_var(name: &str) -> Option<String> {
    std::env::var(name).ok()
}

/// Inbound webhook checks.
#[derive(Clone, Debug)]
pub struct WebhookConfig {
    /// The IM callback token set in the console; `None` = no `Sign` check.
    pub token: Option<Secret>,
    /// Allowed distance of `RequestTime` from now, both directions.
    pub max_age_s: u64,
    /// The TRTC room and media callback key; `None` = no `Sign` check.
    pub trtc_key: Option<Secret>,
    /// Per family, whether a webhook without a signature is refused (once the family's
    /// key is configured); otherwise a signature is verified when present.
    pub require_sign: RequireSign,
    /// How long an event is remembered for duplicate detection (zero: off).
    pub dedupe_window: Duration,
    /// How many events are remembered at most.
    pub dedupe_capacity: usize,
}

/// Whether each webhook family must be signed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RequireSign {
    /// `Call.*` callbacks (IM protocol).
    pub call: bool,
    /// Every other IM-protocol callback (`Desk.*` and the rest).
    pub im: bool,
    /// TRTC room and media callbacks.
    pub trtc: bool,
}

/// Retry policy.
#[derive(Clone, Debug)]
pub struct RetryConfig {
    /// Attempts in all, including the first.
    pub max_attempts: u32,
    /// First backoff delay (full jitter below it).
    pub base_delay: Duration,
    /// Cap on one backoff delay.
    pub max_delay: Duration,
}

/// Client-side rate limiting.
#[derive(Clone, Debug)]
pub struct RateLimitConfig {
    /// Whether the token buckets are on.
    pub enabled: bool,
    /// Requests per second for each IM REST API.
    pub im_per_second: u32,
    /// Requests per second for each Cloud API action.
    pub cloud_api_per_second: u32,
    /// The longest a request waits for a token before failing with `RATE_LIMITED`.
    pub max_wait: Duration,
}

/// Where the HTTP proxy comes from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ProxySetting {
    /// `https_proxy` / `http_proxy` / `all_proxy` (and `no_proxy`) from the environment,
    /// read when the client is created.
    Env,
    /// No proxy.
    None,
    /// This proxy (its `Debug` hides the password).
    Url(Proxy),
}

impl ProxySetting {
    /// The proxies to use, reading the environment for `Env`.
    pub fn resolve(&self) -> Result<Proxies> {
        match self {
            ProxySetting::Env => {
                Proxies::from_env(|k| std::env::var(k).ok()).map_err(|e| Error::new(ErrorCode::Proxy, e))
            }
            ProxySetting::None => Ok(Proxies::default()),
            ProxySetting::Url(p) => Ok(Proxies::all(p.clone())),
        }
    }
}

/// Per family, the largest response body read (Tencent's answers are kilobytes; this
/// bounds memory when a server or a middlebox sends more).
#[derive(Clone, Copy, Debug)]
pub struct ResponseLimits {
    /// IM REST (Call, Desk, raw IM) answers.
    pub im: usize,
    /// Cloud API answers.
    pub cloud_api: usize,
}

/// A validated client configuration.
#[derive(Clone, Debug)]
pub struct Config {
    /// The app's SDKAppID.
    pub sdk_app_id: u64,
    /// The Chat app's secret key (for UserSigs).
    pub secret_key: Option<Secret>,
    /// The admin account used as `identifier` on IM REST calls.
    pub admin_user_id: String,
    /// The IM region name (see `IM_REGIONS`).
    pub im_region: String,
    /// IM REST base URL, e.g. `https://console.tim.qq.com`.
    pub im_endpoint: String,
    /// The IM backup base URL (the region's `*.my-imcloud.com`), tried when the primary
    /// fails before a request left (DNS, connect, TLS); `None` = no fallback.
    pub im_backup_endpoint: Option<String>,
    /// Cloud API settings.
    pub cloud_api: CloudApiConfig,
    /// Webhook checks.
    pub webhook: WebhookConfig,
    /// TCP connect timeout.
    pub connect_timeout: Duration,
    /// The longest the server may stay silent during one attempt (per read and per write).
    pub request_timeout: Duration,
    /// One deadline for a whole call: DNS, connect, TLS, send, reads, retries and backoff.
    pub total_timeout: Duration,
    /// Trust roots for HTTPS.
    pub tls: TlsConfig,
    /// Response size limits.
    pub max_response: ResponseLimits,
    /// Retry policy.
    pub retry: RetryConfig,
    /// Rate limits.
    pub rate_limit: RateLimitConfig,
    /// Proxy.
    pub proxy: ProxySetting,
    /// Validity of the cached admin UserSig.
    pub admin_usersig_ttl_s: u64,
    /// How UserSigs and PrivateMapKeys (the admin one included) are compressed.
    pub usersig_compression: usersig::Compression,
    /// Largest accepted input (request JSON, webhook body).
    pub max_input_bytes: usize,
    /// `User-Agent` header.
    pub user_agent: String,
}

impl Config {
    /// Parses and validates the config JSON; every problem names its field.
    pub fn from_json(text: &str) -> Result<Config> {
        if text.len() > 1 << 20 {
            return Err(Error::new(ErrorCode::InputTooLarge, "config JSON is larger than 1 MiB"));
        }
        let v: Value = serde_json::from_str(text)
            .map_err(|e| Error::new(ErrorCode::InvalidJson, format!("config is not valid JSON: {e}")))?;
        Config::from_value(&v)
    }

    /// Validates an already parsed config.
    pub fn from_value(v: &Value) -> Result<Config> {
        schema::validate(v, CONFIG, "config", ErrorCode::InvalidConfig)?;
        let empty = Value::Null;
        let sub = |k: &str| v.get(k).filter(|x| !x.is_null()).unwrap_or(&empty);
        let (cloud, hook, times, retry, rate) =
            (sub("cloud_api"), sub("webhook"), sub("timeouts"), sub("retry"), sub("rate_limit"));
        let (tls_v, limits) = (sub("tls"), sub("max_response_bytes"));
        let require = hook.get("require_sign").filter(|x| !x.is_null()).unwrap_or(&empty);

        let im_region = schema::text(v, CONFIG, "im_region");
        let (_, domain, backup) = IM_REGIONS.iter().find(|(n, _, _)| *n == im_region).expect("validated");
        let custom = str_opt(v, "im_endpoint");
        let im_endpoint = match custom {
            Some(url) => url.trim_end_matches('/').to_string(),
            None => format!("https://{domain}"),
        };
        let im_backup_endpoint = match (str_opt(v, "im_backup_endpoint"), custom) {
            (Some("none"), _) | (None, Some(_)) => None,
            (None, None) => Some(format!("https://{backup}")),
            (Some(url), _) if url.starts_with("http://") || url.starts_with("https://") => {
                Some(url.trim_end_matches('/').to_string())
            }
            (Some(_), _) => {
                return Err(Error::invalid_config("im_backup_endpoint must be \"none\" or an http(s):// URL"))
            }
        };
        let endpoint = cloud_endpoint(&schema::text(cloud, CLOUD_API, "endpoint"))?;
        let proxy = match schema::text(v, CONFIG, "proxy").as_str() {
            "env" => ProxySetting::Env,
            "none" => ProxySetting::None,
            url => ProxySetting::Url(Proxy::parse(url).map_err(|e| {
                Error::new(
                    ErrorCode::Proxy,
                    format!("proxy must be \"env\", \"none\" or a proxy URL such as http://host:3128 ({e})"),
                )
            })?),
        };
        let tls =
            TlsConfig::new(&schema::text(tls_v, TLS, "roots"), str_opt(tls_v, "ca_file"), str_opt(tls_v, "ca_pem"))?;
        let time = |key: &str| ms(schema::int(times, TIMEOUTS, key));
        Ok(Config {
            sdk_app_id: schema::int(v, CONFIG, "sdk_app_id"),
            secret_key: str_opt(v, "secret_key").map(Secret::new),
            admin_user_id: schema::text(v, CONFIG, "admin_user_id"),
            im_region,
            im_endpoint,
            im_backup_endpoint,
            cloud_api: CloudApiConfig {
                credentials: CloudCredentials::from_value(cloud, "cloud_api", env_var)?,
                region: schema::text(cloud, CLOUD_API, "region"),
                endpoint,
                language: schema::text(cloud, CLOUD_API, "language"),
            },
            webhook: WebhookConfig {
                token: str_opt(hook, "token").map(Secret::new),
                max_age_s: schema::int(hook, WEBHOOK, "max_age_s"),
                trtc_key: str_opt(hook, "trtc_key").map(Secret::new),
                require_sign: RequireSign {
                    call: schema::flag(require, REQUIRE_SIGN, "call"),
                    im: schema::flag(require, REQUIRE_SIGN, "im"),
                    trtc: schema::flag(require, REQUIRE_SIGN, "trtc"),
                },
                dedupe_window: Duration::from_secs(schema::int(hook, WEBHOOK, "dedupe_window_s")),
                dedupe_capacity: schema::int(hook, WEBHOOK, "dedupe_capacity") as usize,
            },
            connect_timeout: time("connect_ms"),
            request_timeout: time("request_ms"),
            total_timeout: time("total_ms"),
            tls,
            max_response: ResponseLimits {
                im: schema::int(limits, RESPONSE_LIMITS, "im") as usize,
                cloud_api: schema::int(limits, RESPONSE_LIMITS, "cloud_api") as usize,
            },
            retry: RetryConfig {
                max_attempts: schema::int(retry, RETRY, "max_attempts") as u32,
                base_delay: ms(schema::int(retry, RETRY, "base_delay_ms")),
                max_delay: ms(schema::int(retry, RETRY, "max_delay_ms")),
            },
            rate_limit: RateLimitConfig {
                enabled: schema::flag(rate, RATE_LIMIT, "enabled"),
                im_per_second: schema::int(rate, RATE_LIMIT, "im_per_second") as u32,
                cloud_api_per_second: schema::int(rate, RATE_LIMIT, "cloud_api_per_second") as u32,
                max_wait: ms(schema::int(rate, RATE_LIMIT, "max_wait_ms")),
            },
            proxy,
            admin_usersig_ttl_s: schema::int(v, CONFIG, "admin_usersig_ttl_s"),
            usersig_compression: usersig::Compression::from_name(&schema::text(v, CONFIG, "usersig_compression"))
                .expect("validated against COMPRESSION_NAMES"),
            max_input_bytes: schema::int(v, CONFIG, "max_input_bytes") as usize,
            user_agent: schema::text(v, CONFIG, "user_agent"),
        })
    }

    /// This config with other credentials (the JSON `Client::update_credentials` takes:
    /// `{"secret_key"?, "cloud_api"?: {"secret_id", "secret_key", "token"?} | {"from_env": true}}`).
    /// A `cloud_api` object replaces all three Cloud API credentials at once, so an old
    /// token never pairs with a new key.
    pub fn with_credentials(&self, update: &Value) -> Result<Config> {
        schema::validate(update, CREDENTIALS, "credentials", ErrorCode::InvalidConfig)?;
        let (im, cloud) = (update.get("secret_key"), update.get("cloud_api").filter(|c| !c.is_null()));
        if im.is_none_or(Value::is_null) && cloud.is_none() {
            return Err(Error::invalid_config("credentials must name secret_key, cloud_api or both"));
        }
        let mut next = self.clone();
        if let Some(key) = update.get("secret_key").and_then(Value::as_str) {
            next.secret_key = Some(Secret::new(key));
        }
        if let Some(cloud) = cloud {
            let creds = CloudCredentials::from_value(cloud, "credentials.cloud_api", env_var)?;
            if creds.secret_id.is_none() || creds.secret_key.is_none() {
                return Err(Error::invalid_config(
                    "credentials.cloud_api needs secret_id and secret_key (or from_env: true)",
                ));
            }
            next.cloud_api.credentials = creds;
        }
        Ok(next)
    }

    /// The secret key, or an error naming the operation that needs it.
    pub fn require_secret_key(&self, op: &str) -> Result<&Secret> {
        self.secret_key.as_ref().ok_or_else(|| Error::invalid_config(format!("secret_key is required for {op}")))
    }

    /// The token issuer for `op` (this app, its secret key, the configured compression).
    pub fn issuer(&self, op: &str) -> Result<usersig::Issuer<'_>> {
        let key = self.require_secret_key(op)?.expose();
        Ok(usersig::Issuer { sdk_app_id: self.sdk_app_id, key, compression: self.usersig_compression })
    }

    /// The Cloud API credentials, or an error naming the missing one.
    pub fn require_cloud_credentials(&self, op: &str) -> Result<(&str, &Secret)> {
        let id = self.cloud_api.credentials.secret_id.as_deref();
        let id = id.ok_or_else(|| Error::invalid_config(format!("cloud_api.secret_id is required for {op}")))?;
        let key = self.cloud_api.credentials.secret_key.as_ref();
        let key = key.ok_or_else(|| Error::invalid_config(format!("cloud_api.secret_key is required for {op}")))?;
        Ok((id, key))
    }
}

/// Resolves `cloud_api.endpoint`: a preset name, a URL, or a bare host (HTTPS implied).
fn cloud_endpoint(value: &str) -> Result<String> {
    if let Some((_, url)) = CLOUD_API_ENDPOINTS.iter().find(|(name, _)| *name == value) {
        return Ok(url.to_string());
    }
    let url = if value.contains("://") { value.to_string() } else { format!("https://{value}") };
    let rest = url.strip_prefix("https://").or_else(|| url.strip_prefix("http://"));
    match rest {
        Some(host) if !host.trim_end_matches('/').is_empty() && !host.trim_end_matches('/').contains('/') => {
            // Host names are case-insensitive and Tencent lower-cases signed header values,
            // so the host is sent and signed in lower case.
            let scheme = &url[..url.len() - host.len()];
            Ok(format!("{scheme}{}", host.trim_end_matches('/').to_ascii_lowercase()))
        }
        _ => Err(Error::invalid_config(
            "cloud_api.endpoint must be \"china\", \"intl\", a host, or an http(s):// URL without a path",
        )),
    }
}

fn ms(n: u64) -> Duration {
    Duration::from_millis(n)
}

fn str_opt<'a>(v: &'a Value, key: &str) -> Option<&'a str> {
    v.get(key).and_then(Value::as_str)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn minimal_config_takes_defaults() {
        let c = Config::from_json(r#"{"sdk_app_id": 1400000001}"#).unwrap();
        assert_eq!(c.im_endpoint, "https://console.tim.qq.com");
        assert_eq!(c.admin_user_id, "administrator");
        assert_eq!(c.cloud_api.endpoint, "https://trtc.tencentcloudapi.com");
        assert_eq!(c.cloud_api.region, "ap-guangzhou");
        assert_eq!(c.webhook.max_age_s, 60);
        assert_eq!(c.retry.max_attempts, 3);
        assert_eq!(c.rate_limit.im_per_second, 200);
        assert_eq!(c.rate_limit.cloud_api_per_second, 20);
        assert_eq!(c.proxy, ProxySetting::Env);
        assert_eq!(c.request_timeout, Duration::from_millis(10_000));
        assert_eq!(c.max_input_bytes, 1 << 20);
        assert_eq!(c.total_timeout, Duration::from_secs(30));
        assert_eq!(c.tls.roots, crate::transport::tls::Roots::Both);
        assert_eq!((c.max_response.im, c.max_response.cloud_api), (4 << 20, 4 << 20));
    }

    #[test]
    fn every_region_maps_to_its_domain() {
        for (name, domain, backup) in IM_REGIONS {
            let c = Config::from_json(&format!(r#"{{"sdk_app_id": 1, "im_region": "{name}"}}"#)).unwrap();
            assert_eq!(c.im_endpoint, format!("https://{domain}"));
            assert_eq!(c.im_backup_endpoint, Some(format!("https://{backup}")));
        }
        let tokyo = Config::from_json(r#"{"sdk_app_id": 1, "im_region": "tokyo"}"#).unwrap();
        assert_eq!(tokyo.im_endpoint, "https://adminapijpn.im.qcloud.com");
        let off =
            Config::from_json(r#"{"sdk_app_id": 1, "im_region": "seoul", "im_backup_endpoint": "none"}"#).unwrap();
        assert_eq!(off.im_backup_endpoint, None);
        // A custom endpoint has no backup unless one is given.
        let custom = Config::from_json(r#"{"sdk_app_id": 1, "im_endpoint": "http://127.0.0.1:9"}"#).unwrap();
        assert_eq!(custom.im_backup_endpoint, None);
        let given =
            Config::from_json(r#"{"sdk_app_id": 1, "im_endpoint": "http://a:1", "im_backup_endpoint": "http://b:2/"}"#)
                .unwrap();
        assert_eq!(given.im_backup_endpoint.as_deref(), Some("http://b:2"));
        assert!(Config::from_json(r#"{"sdk_app_id": 1, "im_backup_endpoint": "ftp://x"}"#).is_err());
        let c = Config::from_json(r#"{"sdk_app_id": 1, "im_endpoint": "http://127.0.0.1:9/"}"#).unwrap();
        assert_eq!(c.im_endpoint, "http://127.0.0.1:9");
    }

    #[test]
    fn cloud_endpoint_presets_and_custom() {
        let intl = Config::from_json(r#"{"sdk_app_id": 1, "cloud_api": {"endpoint": "intl"}}"#).unwrap();
        assert_eq!(intl.cloud_api.endpoint, "https://trtc.intl.tencentcloudapi.com");
        let host = Config::from_json(
            r#"{"sdk_app_id": 1, "cloud_api": {"endpoint": "TRTC.AP-guangzhou.tencentcloudapi.com"}}"#,
        )
        .unwrap();
        assert_eq!(host.cloud_api.endpoint, "https://trtc.ap-guangzhou.tencentcloudapi.com");
        let bad = Config::from_json(r#"{"sdk_app_id": 1, "cloud_api": {"endpoint": "http://x/y"}}"#).unwrap_err();
        assert_eq!(bad.code, ErrorCode::InvalidConfig);
    }

    #[test]
    fn problems_name_the_field() {
        let cases = [
            (r#"{}"#, ErrorCode::InvalidConfig, "sdk_app_id is required"),
            (r#"{"sdk_app_id": "1400"}"#, ErrorCode::InvalidConfig, "sdk_app_id must be an integer"),
            (r#"{"sdk_app_id": 1, "im_region": "mars"}"#, ErrorCode::InvalidConfig, "im_region must be one of"),
            (r#"{"sdk_app_id": 1, "cloud_api": {"secretid": "x"}}"#, ErrorCode::InvalidConfig, "cloud_api.secretid"),
            (r#"{"sdk_app_id": 1, "timeouts": {"connect_ms": 0}}"#, ErrorCode::InvalidConfig, "timeouts.connect_ms"),
            (r#"{"sdk_app_id": 1, "proxy": "::bad::"}"#, ErrorCode::Proxy, "proxy must be"),
            (r#"{"sdk_app_id": 1,"#, ErrorCode::InvalidJson, "config is not valid JSON"),
            (r#"{"sdk_app_id": 1, "tls": {"cafile": "x"}}"#, ErrorCode::InvalidConfig, "unknown field `tls.cafile`"),
            (
                r#"{"sdk_app_id": 1, "tls": {"roots": "os"}}"#,
                ErrorCode::InvalidConfig,
                "tls.roots must be one of both, bundled, system, none",
            ),
            (
                r#"{"sdk_app_id": 1, "tls": {"roots": "none"}}"#,
                ErrorCode::InvalidConfig,
                "neither tls.ca_file nor tls.ca_pem",
            ),
            (
                r#"{"sdk_app_id": 1, "tls": {"ca_file": "/nonexistent/ca.pem"}}"#,
                ErrorCode::InvalidConfig,
                "tls.ca_file: cannot read /nonexistent/ca.pem",
            ),
            (
                r#"{"sdk_app_id": 1, "tls": {"ca_pem": "hello"}}"#,
                ErrorCode::InvalidConfig,
                "tls.ca_pem holds no PEM certificate",
            ),
            (
                r#"{"sdk_app_id": 1, "tls": {"ca_pem": "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n"}}"#,
                ErrorCode::InvalidConfig,
                "tls.ca_pem holds an unusable certificate",
            ),
            (r#"{"sdk_app_id": 1, "timeouts": {"total_ms": 0}}"#, ErrorCode::InvalidConfig, "timeouts.total_ms"),
            (
                r#"{"sdk_app_id": 1, "max_response_bytes": {"im": 10}}"#,
                ErrorCode::InvalidConfig,
                "max_response_bytes.im",
            ),
        ];
        for (text, code, want) in cases {
            let e = Config::from_json(text).unwrap_err();
            assert_eq!(e.code, code, "{text}");
            assert!(e.message.contains(want), "{text}: {}", e.message);
        }
    }

    #[test]
    fn missing_credentials_name_the_operation() {
        let c = Config::from_json(r#"{"sdk_app_id": 1, "cloud_api": {"secret_id": "AKID"}}"#).unwrap();
        let e = c.require_cloud_credentials("dismiss_room").unwrap_err();
        assert_eq!(e.message, "cloud_api.secret_key is required for dismiss_room");
        let e = c.require_secret_key("end_call").unwrap_err();
        assert_eq!(e.message, "secret_key is required for end_call");
    }

    #[test]
    fn debug_hides_secrets() {
        let c = Config::from_json(
            r#"{"sdk_app_id": 1, "secret_key": "SK-IM-123", "cloud_api": {"secret_id": "AKID", "secret_key": "SK-CLOUD-456", "token": "TOK-789"}, "webhook": {"token": "HOOK-000", "trtc_key": "TRTCKEY111"}, "proxy": "http://alice:PROXY-PW-1@proxy.example:3128"}"#,
        )
        .unwrap();
        let client = crate::Client::new(c.clone()).unwrap();
        for dbg in [format!("{c:?}"), format!("{c:#?}"), format!("{client:?}")] {
            for secret in ["SK-IM-123", "SK-CLOUD-456", "TOK-789", "HOOK-000", "PROXY-PW-1", "TRTCKEY111"] {
                assert!(!dbg.contains(secret), "{secret} leaked in Debug: {dbg}");
            }
            assert!(dbg.contains("http://alice:**@proxy.example:3128"), "{dbg}");
        }
        // A bad proxy URL's error does not echo it either.
        let e = Config::from_json(r#"{"sdk_app_id": 1, "proxy": "ftp://bob:PROXY-PW-2@h"}"#).unwrap_err();
        assert!(!e.message.contains("PROXY-PW-2"), "{}", e.message);
    }
}
