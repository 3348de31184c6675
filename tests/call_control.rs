//! Call control without traps, against the sandbox through the Rust API (the C ABI of the
//! same operations is exercised by `sandbox_e2e` and the wrappers): a call's own room,
//! terminate_call, muting, TRTC room webhooks, the signature policy per family,
//! duplicates, and the IM backup domain.
#![cfg(feature = "sandbox")]

use serde_json::{json, Value};
use tccall::sandbox::{Sandbox, SandboxConfig};
use tccall::{Client, ErrorCode};

fn sandbox() -> Sandbox {
    Sandbox::start(SandboxConfig { enforce_rate_limits: false, ..Default::default() }).unwrap()
}

fn config(sb: &Sandbox, extra: Value) -> Value {
    let mut cfg: Value = serde_json::from_str(&sb.client_config_json()).unwrap();
    cfg["retry"] = json!({"max_attempts": 2, "base_delay_ms": 1, "max_delay_ms": 2});
    for (k, v) in extra.as_object().unwrap() {
        cfg[k] = v.clone();
    }
    cfg
}

fn client(sb: &Sandbox, extra: Value) -> Client {
    Client::from_json(&config(sb, extra).to_string()).unwrap()
}

fn logged(sb: &Sandbox, kind: &str) -> Vec<Value> {
    sb.log().into_iter().filter(|e| e["kind"] == kind).collect()
}

#[test]
fn the_im_backup_domain_is_used_when_the_primary_cannot_be_reached() {
    let sb = sandbox();
    // Port 1 on loopback refuses connections: the request never left.
    let c = client(&sb, json!({"im_endpoint": "http://127.0.0.1:1", "im_backup_endpoint": sb.base_url()}));
    let e = c.call("get_callback_config", &json!({})).unwrap_err();
    assert_eq!((e.code, e.service_code.as_deref()), (ErrorCode::NotFound, Some("100301")), "reached the backup: {e}");
    assert_eq!(logged(&sb, "im").len(), 1);
    // Switched off, the failure stands.
    let c = client(&sb, json!({"im_endpoint": "http://127.0.0.1:1", "im_backup_endpoint": "none"}));
    let e = c.call("get_callback_config", &json!({})).unwrap_err();
    assert_eq!(e.code, ErrorCode::Connect, "{e}");
    assert_eq!(logged(&sb, "im").len(), 1);
    // A request that reached the primary and failed there is not sent to the backup.
    let c = client(&sb, json!({"im_backup_endpoint": "http://127.0.0.1:1"}));
    let e = c.call("get_callback_config", &json!({})).unwrap_err();
    assert_eq!(e.code, ErrorCode::NotFound);
}
