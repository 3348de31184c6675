//! Fault injection: "the next N matching API requests fail like this".

use super::Family;
use serde_json::{json, Value};
use std::sync::Mutex;

/// What happens to a matching request.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum FaultKind {
    /// Answer with this HTTP status (`http_502`, `http_503`, any `http_4xx`/`http_5xx`), not processed.
    HttpStatus(u16),
    /// Sleep, then process normally.
    Delay(u64),
    /// Close the connection without processing.
    DropBefore,
    /// Process (state changes happen), then close the connection without answering.
    DropAfter,
    /// Answer with this IM `ErrorCode` (IM requests only), not processed.
    ImError {
        /// `ErrorCode`.
        code: i64,
        /// `ErrorInfo`.
        message: String,
    },
    /// Answer with this Cloud API `Error.Code` (Cloud API requests only), not processed.
    CloudError {
        /// `Error.Code`.
        code: String,
        /// `Error.Message`.
        message: String,
    },
}

impl FaultKind {
    /// The name used in the log and the control API.
    pub fn name(&self) -> String {
        match self {
            FaultKind::HttpStatus(s) => format!("http_{s}"),
            FaultKind::Delay(_) => "delay_ms".into(),
            FaultKind::DropBefore => "drop_before".into(),
            FaultKind::DropAfter => "drop_after".into(),
            FaultKind::ImError { .. } => "im_error".into(),
            FaultKind::CloudError { .. } => "cloud_error".into(),
        }
    }

    fn applies_to(&self, family: Family) -> bool {
        match self {
            FaultKind::ImError { .. } => family == Family::Im,
            FaultKind::CloudError { .. } => family == Family::Cloud,
            _ => true,
        }
    }
}

#[derive(Clone, Debug)]
struct Fault {
    id: u64,
    pattern: String,
    kind: FaultKind,
    remaining: u64,
}

/// The armed faults, consumed first-added first.
#[derive(Debug, Default)]
pub struct Faults {
    inner: Mutex<(u64, Vec<Fault>)>,
}

impl Faults {
    /// Arms a fault from its control-API JSON; returns its description (with `id`).
    ///
    /// `{"match": "end_call" | "DismissRoom" | "*", "kind": ..., "code": ..., "message": ...,
    /// "delay_ms": 5000, "count": 1}`. `match` is a substring of the IM path
    /// (`v4/call_engine_http_srv/end_call`) or of the Cloud API action; `*` matches all.
    pub fn add_json(&self, v: &Value) -> Result<Value, String> {
        let obj = v.as_object().ok_or("fault must be a JSON object")?;
        for key in obj.keys() {
            if !["match", "kind", "code", "message", "delay_ms", "count"].contains(&key.as_str()) {
                return Err(format!("unknown fault field `{key}`"));
            }
        }
        let pattern = obj.get("match").and_then(Value::as_str).ok_or("`match` (string) is required")?;
        if pattern.is_empty() {
            return Err("`match` must not be empty (use \"*\" for every request)".into());
        }
        let kind_name = obj.get("kind").and_then(Value::as_str).ok_or("`kind` (string) is required")?;
        let message = obj.get("message").and_then(Value::as_str);
        let kind = match kind_name {
            "delay_ms" | "delay" => {
                let ms = match obj.get("delay_ms") {
                    None => 5000,
                    Some(d) => d.as_u64().filter(|d| *d <= 600_000).ok_or("`delay_ms` must be 0..=600000")?,
                };
                FaultKind::Delay(ms)
            }
            "drop_before" => FaultKind::DropBefore,
            "drop_after" => FaultKind::DropAfter,
            "im_error" => {
                let code = match obj.get("code") {
                    None => 70500,
                    Some(c) => c.as_i64().filter(|c| *c != 0).ok_or("`code` of im_error must be a non-zero integer")?,
                };
                FaultKind::ImError { code, message: message.unwrap_or("injected error (sandbox fault)").into() }
            }
            "cloud_error" => {
                let code = match obj.get("code") {
                    None => "InternalError",
                    Some(c) => c.as_str().filter(|c| !c.is_empty()).ok_or("`code` of cloud_error must be a string")?,
                };
                FaultKind::CloudError {
                    code: code.into(),
                    message: message.unwrap_or("injected error (sandbox fault)").into(),
                }
            }
            other => match other.strip_prefix("http_").and_then(|s| s.parse::<u16>().ok()) {
                Some(status) if (400..=599).contains(&status) => FaultKind::HttpStatus(status),
                _ => {
                    return Err(format!(
                        "unknown kind `{other}` (http_502, http_503, delay_ms, drop_before, drop_after, im_error, cloud_error)"
                    ))
                }
            },
        };
        let count = match obj.get("count") {
            None => 1,
            Some(c) => c.as_u64().filter(|c| *c >= 1).ok_or("`count` must be a positive integer")?,
        };
        let mut inner = self.inner.lock().unwrap_or_else(|p| p.into_inner());
        inner.0 += 1;
        let fault = Fault { id: inner.0, pattern: pattern.into(), kind, remaining: count };
        let out = describe(&fault);
        inner.1.push(fault);
        Ok(out)
    }

    /// Consumes one use of the first armed fault matching this request.
    pub fn take(&self, family: Family, target: &str) -> Option<FaultKind> {
        let mut inner = self.inner.lock().unwrap_or_else(|p| p.into_inner());
        let list = &mut inner.1;
        let i = list
            .iter()
            .position(|f| f.kind.applies_to(family) && (f.pattern == "*" || target.contains(f.pattern.as_str())))?;
        list[i].remaining -= 1;
        let kind = list[i].kind.clone();
        if list[i].remaining == 0 {
            list.remove(i);
        }
        Some(kind)
    }

    /// The armed faults.
    pub fn list(&self) -> Value {
        let inner = self.inner.lock().unwrap_or_else(|p| p.into_inner());
        Value::Array(inner.1.iter().map(describe).collect())
    }

    /// Disarms every fault.
    pub fn clear(&self) {
        self.inner.lock().unwrap_or_else(|p| p.into_inner()).1.clear();
    }
}

fn describe(f: &Fault) -> Value {
    let mut v = json!({"id": f.id, "match": f.pattern, "kind": f.kind.name(), "remaining": f.remaining});
    match &f.kind {
        FaultKind::Delay(ms) => v["delay_ms"] = json!(ms),
        FaultKind::ImError { code, message } => {
            v["code"] = json!(code);
            v["message"] = json!(message);
        }
        FaultKind::CloudError { code, message } => {
            v["code"] = json!(code);
            v["message"] = json!(message);
        }
        _ => {}
    }
    v
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_families_and_patterns() {
        let f = Faults::default();
        f.add_json(&json!({"match": "end_call", "kind": "http_502", "count": 2})).unwrap();
        f.add_json(&json!({"match": "*", "kind": "cloud_error", "code": "RequestLimitExceeded"})).unwrap();
        assert_eq!(f.take(Family::Im, "v4/call_engine_http_srv/get_call_info"), None);
        assert_eq!(f.take(Family::Im, "v4/call_engine_http_srv/end_call"), Some(FaultKind::HttpStatus(502)));
        assert_eq!(f.take(Family::Im, "v4/call_engine_http_srv/end_call"), Some(FaultKind::HttpStatus(502)));
        assert_eq!(f.take(Family::Im, "v4/call_engine_http_srv/end_call"), None);
        assert!(matches!(f.take(Family::Cloud, "DismissRoom"), Some(FaultKind::CloudError { .. })));
        assert_eq!(f.take(Family::Cloud, "DismissRoom"), None);
        for bad in [
            json!({"kind": "http_502"}),
            json!({"match": "x", "kind": "http_200"}),
            json!({"match": "x", "kind": "im_error", "code": "x"}),
            json!({"match": "x", "kind": "drop_after", "count": 0}),
            json!({"match": "x", "kind": "drop_after", "extra": 1}),
        ] {
            assert!(f.add_json(&bad).is_err(), "{bad}");
        }
    }
}
