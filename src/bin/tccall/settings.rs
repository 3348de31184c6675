//! Where the client config comes from, first found wins: `--config FILE`; `TCCALL_CONFIG`
//! (a file, or the JSON itself when it starts with `{`); the `TCCALL_*` variables of `ENV`,
//! with the Cloud API credentials read by the core from Tencent's own variables
//! (`cloud_api.from_env`) when either of the first two is set.

use serde_json::{json, Value};
use tccall::config::CLOUD_API_ENV;
use tccall::{Client, Error, Result};

/// `(variable, config key, what it holds)`; `sdk_app_id` is a number, the rest strings.
pub const ENV: &[(&str, &str, &str)] = &[
    ("TCCALL_SDK_APP_ID", "sdk_app_id", "the SDKAppID (needed to configure from the environment)"),
    ("TCCALL_SECRET_KEY", "secret_key", "the Chat app's secret key"),
    ("TCCALL_ADMIN_USER_ID", "admin_user_id", "the admin account (default administrator)"),
    ("TCCALL_IM_REGION", "im_region", "china, singapore, seoul, frankfurt, usa, jakarta or tokyo"),
    ("TCCALL_IM_ENDPOINT", "im_endpoint", "an IM REST base URL instead of the region's"),
    ("TCCALL_CLOUD_API_REGION", "cloud_api.region", "X-TC-Region (default ap-guangzhou)"),
    ("TCCALL_CLOUD_API_ENDPOINT", "cloud_api.endpoint", "china, intl, a host or a URL"),
];

/// The help text on config sources, from `ENV`.
pub fn help() -> String {
    let mut text = String::from(
        "Config, first found wins: --config FILE; TCCALL_CONFIG (a file path, or the config JSON \
         itself when it starts with '{'); else these variables:\n",
    );
    for (var, _, what) in ENV {
        text.push_str(&format!("  {var:<26} {what}\n"));
    }
    text.push_str(&format!(
        "  {} / {} / {}: the Cloud API credentials (cloud_api.from_env), used when either of the first two is set\n",
        CLOUD_API_ENV[0], CLOUD_API_ENV[1], CLOUD_API_ENV[2]
    ));
    text
}

/// The client, configured from the first source found.
pub fn client(config_flag: Option<&String>) -> Result<Client> {
    let var = |name: &str| std::env::var(name).ok().filter(|v| !v.trim().is_empty());
    let text = match (config_flag, var("TCCALL_CONFIG")) {
        (Some(path), _) => read(path, "--config")?,
        (None, Some(inline)) if inline.trim_start().starts_with('{') => inline,
        (None, Some(path)) => read(&path, "TCCALL_CONFIG")?,
        (None, None) => from_env(var)?.to_string(),
    };
    Client::from_json(&text)
}

fn read(path: &str, from: &str) -> Result<String> {
    std::fs::read_to_string(path)
        .map_err(|e| Error::invalid_config(format!("cannot read the config file {path} (from {from}): {e}")))
}

/// The config JSON the variables describe (`get` reads one, `None` when unset or empty).
pub fn from_env(get: impl Fn(&str) -> Option<String>) -> Result<Value> {
    if get(ENV[0].0).is_none() {
        return Err(Error::invalid_config(format!(
            "no config: pass --config FILE, set TCCALL_CONFIG, or set {} (see tccall --help)",
            ENV[0].0
        )));
    }
    let mut config = json!({});
    for (var, key, _) in ENV {
        let Some(value) = get(var) else { continue };
        let value = match *key {
            "sdk_app_id" => match value.trim().parse::<u64>() {
                Ok(n) => Value::from(n),
                Err(_) => return Err(Error::invalid_config(format!("{var} must be an integer"))),
            },
            _ => Value::from(value),
        };
        match key.split_once('.') {
            Some((outer, inner)) => config[outer][inner] = value,
            None => config[*key] = value,
        }
    }
    if CLOUD_API_ENV[..2].iter().any(|name| get(name).is_some()) {
        config["cloud_api"]["from_env"] = true.into();
    }
    Ok(config)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env<'a>(pairs: &'a [(&'a str, &'a str)]) -> impl Fn(&str) -> Option<String> + 'a {
        move |k| pairs.iter().find(|(n, _)| *n == k).map(|(_, v)| v.to_string())
    }

    #[test]
    fn variables_make_a_config() {
        let v = from_env(env(&[
            ("TCCALL_SDK_APP_ID", "1400000001"),
            ("TCCALL_SECRET_KEY", "k"),
            ("TCCALL_IM_ENDPOINT", "http://127.0.0.1:9"),
            ("TCCALL_CLOUD_API_ENDPOINT", "http://127.0.0.1:9"),
            ("TENCENTCLOUD_SECRET_ID", "AKID"),
        ]))
        .unwrap();
        assert_eq!(
            v,
            json!({"sdk_app_id": 1400000001u64, "secret_key": "k", "im_endpoint": "http://127.0.0.1:9",
                   "cloud_api": {"endpoint": "http://127.0.0.1:9", "from_env": true}})
        );
        let v = from_env(env(&[("TCCALL_SDK_APP_ID", "1")])).unwrap();
        assert_eq!(v, json!({"sdk_app_id": 1}));
    }

    #[test]
    fn without_an_app_id_nothing_is_configured() {
        let e = from_env(env(&[("TCCALL_SECRET_KEY", "SECRET-1")])).unwrap_err();
        assert_eq!(e.code, tccall::ErrorCode::InvalidConfig);
        assert!(e.message.contains("--config FILE"), "{}", e.message);
        let e = from_env(env(&[("TCCALL_SDK_APP_ID", "x1"), ("TCCALL_SECRET_KEY", "SECRET-1")])).unwrap_err();
        assert_eq!(e.message, "TCCALL_SDK_APP_ID must be an integer");
    }
}
