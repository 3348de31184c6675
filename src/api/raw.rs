//! The escape hatches: any IM REST command and any Cloud API 3.0 action, signed by
//! tccall, so users are never stuck waiting for a wrapper.

use super::{trtc, Build, CloudTarget, Exec, ImTarget, OpSpec};
use crate::config::Config;
use crate::error::{Error, Result};
use crate::pyjson;
use crate::schema::{Field, Kind, NON_EMPTY, NON_NEG};
use crate::transport::RetryClass;
use serde_json::Value;
use std::borrow::Cow;

const NAME: Kind = Kind::Str { min: 1, max: 64 };

/// `im_request` / `sign_im_request`: `{"path": "v4/openim/querystate", "body": {...}}`.
pub static IM_FIELDS: &[Field] =
    &[Field::req("path", Kind::Str { min: 1, max: 256 }), Field::null("body", Kind::AnyObject)];

/// `cloud_api_request` and `sign_cloud_api_request`: `params` (encoded as the official SDK
/// does) or an exact `body` string; `timestamp` fixes the signing time (signing only).
/// `service` and `version` default to TRTC's (`trtc`, `2019-07-22`).
pub static CLOUD_FIELDS: &[Field] = &[
    Field::null("service", NAME),
    Field::null("version", NAME),
    Field::req("action", NAME),
    Field::null("region", Kind::Str { min: 0, max: 64 }),
    Field::null("params", Kind::AnyObject),
    Field::null("body", Kind::Str { min: 0, max: 16 << 20 }),
    Field::null("endpoint", NON_EMPTY),
    Field::null("timestamp", NON_NEG),
];

/// Any IM REST command (retried only when provably unsent: its idempotency is unknown).
pub static IM_REQUEST: OpSpec = OpSpec {
    name: "im_request",
    fields: IM_FIELDS,
    check: None,
    exec: Exec::Send(Build::Im(im_target), RetryClass::OnlyUnsent),
};
/// Any Cloud API 3.0 action (retried only when provably unsent).
pub static CLOUD_API_REQUEST: OpSpec = OpSpec {
    name: "cloud_api_request",
    fields: CLOUD_FIELDS,
    check: Some(no_timestamp),
    exec: Exec::Send(Build::Cloud(cloud_target), RetryClass::OnlyUnsent),
};
/// An IM REST request signed for the caller's own HTTP stack.
pub static SIGN_IM_REQUEST: OpSpec =
    OpSpec { name: "sign_im_request", fields: IM_FIELDS, check: None, exec: Exec::Sign(Build::Im(im_target)) };
/// A Cloud API request signed for the caller's own HTTP stack.
pub static SIGN_CLOUD_API_REQUEST: OpSpec = OpSpec {
    name: "sign_cloud_api_request",
    fields: CLOUD_FIELDS,
    check: None,
    exec: Exec::Sign(Build::Cloud(cloud_target)),
};

fn no_timestamp(req: &Value) -> Result<()> {
    match req.get("timestamp") {
        Some(t) if !t.is_null() => Err(Error::invalid_request("timestamp is only accepted by sign_cloud_api_request")),
        _ => Ok(()),
    }
}

/// The raw IM target: the path and the body (`{}` when absent: IM bodies are never empty).
fn im_target(req: &Value) -> Result<ImTarget<'_>> {
    let body = match req.get("body") {
        Some(b @ Value::Object(_)) => serde_json::to_vec(b).expect("a Value always serializes"),
        _ => b"{}".to_vec(),
    };
    Ok(ImTarget { path: im_path(req)?, body })
}

/// The raw Cloud API target; the region and the endpoint default to the config's.
fn cloud_target<'a>(config: &'a Config, req: &'a Value) -> Result<CloudTarget<'a>> {
    check_names(req)?;
    let text = |k: &str| req.get(k).and_then(Value::as_str);
    let service = text("service").unwrap_or(trtc::SERVICE);
    let body = match (text("body"), req.get("params").filter(|p| !p.is_null())) {
        (Some(_), Some(_)) => return Err(Error::invalid_request("give either params or body, not both")),
        (Some(b), None) => b.as_bytes().to_vec(),
        (None, Some(p)) => pyjson::dumps(p).into_bytes(),
        (None, None) => b"{}".to_vec(),
    };
    Ok(CloudTarget {
        service,
        version: text("version").unwrap_or(trtc::VERSION),
        action: text("action").unwrap_or_default(),
        region: text("region").unwrap_or(&config.cloud_api.region),
        endpoint: endpoint_for(&config.cloud_api.endpoint, service, text("endpoint")),
        body,
        timestamp: req.get("timestamp").and_then(Value::as_u64),
    })
}

/// Checks an IM path: `v4/{service}/{command}` of `[A-Za-z0-9_]` segments (a leading `/` is tolerated).
pub fn im_path(req: &Value) -> Result<&str> {
    let path = req["path"].as_str().unwrap_or_default().trim_start_matches('/');
    let segments: Vec<&str> = path.split('/').collect();
    let ok = segments.len() == 3
        && segments[0] == "v4"
        && segments[1..].iter().all(|s| !s.is_empty() && s.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_'));
    if ok {
        Ok(path)
    } else {
        Err(Error::invalid_request("path must look like v4/{servicename}/{command}, e.g. v4/openim/querystate"))
    }
}

/// Checks a Cloud API name (service, version, action): letters, digits, `-`, `.` and `_`.
pub fn check_names(req: &Value) -> Result<()> {
    for key in ["service", "version", "action"] {
        let v = req.get(key).and_then(Value::as_str).unwrap_or_default();
        if !v.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_')) {
            return Err(Error::invalid_request(format!(
                "{key} has characters other than letters, digits, '-', '.', '_'"
            )));
        }
    }
    if req.get("service").and_then(Value::as_str).is_some_and(|s| s.bytes().any(|b| b.is_ascii_uppercase())) {
        return Err(Error::invalid_request("service must be lower-case, e.g. trtc"));
    }
    Ok(())
}

/// The endpoint for `service`: the request's own, else the configured TRTC endpoint with
/// its `trtc.` host prefix swapped for the service (so the intl site and regional hosts
/// carry over); a custom endpoint without that prefix (a proxy, the sandbox) is used as is.
pub fn endpoint_for<'a>(configured: &'a str, service: &str, given: Option<&str>) -> Cow<'a, str> {
    if let Some(e) = given {
        let e = e.trim_end_matches('/');
        return Cow::Owned(if e.contains("://") { e.to_string() } else { format!("https://{e}") });
    }
    match configured.split_once("://trtc.") {
        Some((scheme, rest)) if service != trtc::SERVICE => Cow::Owned(format!("{scheme}://{service}.{rest}")),
        _ => Cow::Borrowed(configured),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn paths_and_endpoints() {
        assert_eq!(im_path(&json!({"path": "/v4/openim/querystate"})).unwrap(), "v4/openim/querystate");
        for bad in ["v4/openim", "v3/a/b", "v4/a/b?x=1", "v4/../b", "v4/a/b/c"] {
            assert!(im_path(&json!({ "path": bad })).is_err(), "{bad}");
        }
        assert_eq!(
            endpoint_for("https://trtc.intl.tencentcloudapi.com", "ccc", None),
            "https://ccc.intl.tencentcloudapi.com"
        );
        assert_eq!(endpoint_for("http://127.0.0.1:9", "ccc", None), "http://127.0.0.1:9");
        assert_eq!(
            endpoint_for("https://trtc.tencentcloudapi.com", "ccc", Some("ccc.ap-x.tencentcloudapi.com")),
            "https://ccc.ap-x.tencentcloudapi.com"
        );
        assert!(check_names(&json!({"service": "trtc", "version": "2019-07-22", "action": "DescribeRoomInfo"})).is_ok());
        assert!(check_names(&json!({"service": "TRTC", "version": "v", "action": "a"})).is_err());
        assert!(check_names(&json!({"service": "trtc", "version": "v", "action": "a b"})).is_err());
    }
}
