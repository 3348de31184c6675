//! The escape hatches: any IM REST command and any Cloud API 3.0 action, signed by
//! tccall, so users are never stuck waiting for a wrapper.

use crate::error::{Error, Result};
use crate::schema::{Field, Kind, NON_EMPTY, NON_NEG};
use serde_json::Value;

const NAME: Kind = Kind::Str { min: 1, max: 64 };

/// `im_request` / `sign_im_request`: `{"path": "v4/openim/querystate", "body": {...}}`.
pub static IM_FIELDS: &[Field] =
    &[Field::req("path", Kind::Str { min: 1, max: 256 }), Field::null("body", Kind::AnyObject)];

/// `cloud_api_request` and `sign_cloud_api_request`: `params` (encoded as the official SDK
/// does) or an exact `body` string; `timestamp` fixes the signing time (signing only).
pub static CLOUD_FIELDS: &[Field] = &[
    Field::req("service", NAME),
    Field::req("version", NAME),
    Field::req("action", NAME),
    Field::null("region", Kind::Str { min: 0, max: 64 }),
    Field::null("params", Kind::AnyObject),
    Field::null("body", Kind::Str { min: 0, max: 16 << 20 }),
    Field::null("endpoint", NON_EMPTY),
    Field::null("timestamp", NON_NEG),
];

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
        let v = req[key].as_str().unwrap_or_default();
        if !v.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_')) {
            return Err(Error::invalid_request(format!(
                "{key} has characters other than letters, digits, '-', '.', '_'"
            )));
        }
    }
    if req["service"].as_str().is_some_and(|s| s.bytes().any(|b| b.is_ascii_uppercase())) {
        return Err(Error::invalid_request("service must be lower-case, e.g. trtc"));
    }
    Ok(())
}

/// The endpoint for `service`: the request's own, else the configured TRTC endpoint with
/// its `trtc.` host prefix swapped for the service (so the intl site and regional hosts
/// carry over); a custom endpoint without that prefix (a proxy, the sandbox) is used as is.
pub fn endpoint_for(configured: &str, service: &str, given: Option<&str>) -> String {
    if let Some(e) = given {
        let e = e.trim_end_matches('/');
        return if e.contains("://") { e.to_string() } else { format!("https://{e}") };
    }
    match configured.split_once("://trtc.") {
        Some((scheme, rest)) => format!("{scheme}://{service}.{rest}"),
        None => configured.to_string(),
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
