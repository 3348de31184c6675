//! The keep-alive pool, counted at the sandbox: 32 threads making 10 calls each share at
//! most about 32 connections (one per thread at peak), over HTTP and over HTTPS, where each
//! connection is one TLS handshake; a reconnect resumes the TLS session.
#![cfg(feature = "sandbox")]

use serde_json::{json, Value};
use tccall::sandbox::{Sandbox, SandboxConfig};
use tccall::Client;

fn sandbox() -> Sandbox {
    Sandbox::start(SandboxConfig { enforce_rate_limits: false, ..Default::default() }).unwrap()
}

fn connections(sb: &Sandbox) -> Value {
    let (status, v) = sb.control("GET", "/_sandbox/connections", &Value::Null);
    assert_eq!(status, 200);
    v
}

/// 32 threads x 10 `get_call_info` calls on one client; returns the sandbox's counters.
fn hammer(sb: &Sandbox, config_json: &str) -> Value {
    let mut cfg: Value = serde_json::from_str(config_json).unwrap();
    cfg["rate_limit"] = json!({"enabled": false});
    let c = Client::from_json(&cfg.to_string()).unwrap();
    let (status, call) = sb.control("POST", "/_sandbox/calls", &json!({"caller": "a", "callees": ["b"]}));
    assert_eq!(status, 200);
    let req = json!({"CallId": call["CallId"]});
    std::thread::scope(|s| {
        for _ in 0..32 {
            s.spawn(|| {
                for _ in 0..10 {
                    c.call("get_call_info", &req).unwrap();
                }
            });
        }
    });
    let counted = connections(sb);
    let ours = c.pool_counters();
    let opened = ours.opened.load(std::sync::atomic::Ordering::Relaxed);
    let reused = ours.reused.load(std::sync::atomic::Ordering::Relaxed);
    println!("sandbox counted {counted}; the client opened {opened} and reused {reused} for 320 calls");
    assert_eq!(counted["accepted"].as_u64(), Some(opened), "the client's count agrees with the server's");
    assert_eq!(opened + reused, 320);
    counted
}

#[test]
fn thirty_two_threads_share_at_most_about_32_connections_over_http() {
    let sb = sandbox();
    let n = hammer(&sb, &sb.client_config_json());
    assert!(n["accepted"].as_u64().unwrap() <= 34, "{n}");
    assert_eq!(n["tls_handshakes"], 0);
}

#[test]
fn over_https_each_connection_is_one_handshake() {
    let sb = sandbox();
    let n = hammer(&sb, &sb.https_client_config_json());
    let accepted = n["accepted"].as_u64().unwrap();
    assert!(accepted <= 34, "{n}");
    assert_eq!(n["tls_handshakes"].as_u64(), Some(accepted), "{n}");
}

#[test]
fn a_reconnect_resumes_the_tls_session() {
    let sb = sandbox();
    let c = Client::from_json(&sb.https_client_config_json()).unwrap();
    c.call("get_callback_config", &json!({})).unwrap_err();
    // The server drops the pooled connection; the next call reconnects and resumes.
    let (status, _) =
        sb.control("POST", "/_sandbox/faults", &json!({"match": "get_callback", "kind": "drop_before", "count": 1}));
    assert_eq!(status, 200);
    let _ = c.call("get_callback_config", &json!({}));
    c.call("get_callback_config", &json!({})).unwrap_err();
    let n = connections(&sb);
    assert_eq!(n["tls_handshakes"], 2, "{n}");
    assert_eq!(n["tls_resumed"], 1, "{n}");
}
