//! Reliability against the sandbox: concurrency under injected faults with every end
//! accounted for exactly once, the local rate limiter, and the admin UserSig re-mint.

#![cfg(feature = "sandbox")]

use serde_json::{json, Value};
use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use tccall::sandbox::{Sandbox, SandboxConfig};
use tccall::{Client, ErrorCode};

fn sandbox() -> Sandbox {
    Sandbox::start(SandboxConfig { enforce_rate_limits: false, ..Default::default() }).unwrap()
}

fn client(sb: &Sandbox, extra: Value) -> Client {
    let mut cfg: Value = serde_json::from_str(&sb.client_config_json()).unwrap();
    cfg["retry"] = json!({"max_attempts": 10, "base_delay_ms": 1, "max_delay_ms": 10});
    cfg["timeouts"] = json!({"connect_ms": 2000, "request_ms": 2000});
    for (k, v) in extra.as_object().unwrap() {
        cfg[k] = v.clone();
    }
    Client::from_json(&cfg.to_string()).unwrap()
}

fn control(sb: &Sandbox, method: &str, path: &str, body: Value) -> Value {
    let (status, v) = sb.control(method, path, &body);
    assert_eq!(status, 200, "{path}: {v}");
    v
}

fn log(sb: &Sandbox) -> Vec<Value> {
    control(sb, "GET", "/_sandbox/log", Value::Null)["entries"].as_array().unwrap().clone()
}

/// 16 threads share one client: each creates calls (and a room), reads them, ends them,
/// dismisses the room, while faults are injected. Every end succeeds exactly once.
///
/// Faults are shared by all threads, so one request may meet several in a row; each
/// path gets fewer faults than `max_attempts`, so every request must get through.
#[test]
fn sixteen_threads_with_faults_account_for_every_end() {
    const THREADS: usize = 16;
    const CALLS_PER_THREAD: usize = 6;
    let sb = sandbox();
    let c = client(&sb, json!({"rate_limit": {"enabled": false}}));
    let faults = [
        json!({"match": "end_call", "kind": "drop_after", "count": 4}),
        json!({"match": "end_call", "kind": "http_502", "count": 3}),
        json!({"match": "end_call", "kind": "drop_before", "count": 2}),
        json!({"match": "get_call_info", "kind": "im_error", "code": 101001, "count": 5}),
        json!({"match": "get_call_info", "kind": "http_503", "count": 4}),
        json!({"match": "DismissRoom", "kind": "cloud_error", "code": "InternalError", "count": 4}),
        json!({"match": "DismissRoom", "kind": "drop_after", "count": 4}),
    ];
    for f in &faults {
        control(&sb, "POST", "/_sandbox/faults", f.clone());
    }
    let already = AtomicUsize::new(0);
    let ended = std::sync::Mutex::new(Vec::new());
    std::thread::scope(|s| {
        for t in 0..THREADS {
            let (sb, c, already, ended) = (&sb, &c, &already, &ended);
            s.spawn(move || {
                let room = 10_000 + t as u64;
                control(sb, "POST", "/_sandbox/rooms", json!({"room_id": room, "users": ["x", "y"]}));
                for i in 0..CALLS_PER_THREAD {
                    let id = control(
                        sb,
                        "POST",
                        "/_sandbox/calls",
                        json!({"caller": format!("c{t}"), "callees": [format!("d{t}-{i}")]}),
                    )["CallId"]
                        .as_str()
                        .unwrap()
                        .to_string();
                    let info = c
                        .call("get_call_info", &json!({"CallId": id}))
                        .unwrap_or_else(|e| panic!("get_call_info: {e}"));
                    assert_eq!(info["CallInfo"]["CallId"], id.as_str());
                    let out = c.call("end_call", &json!({"CallId": id})).unwrap_or_else(|e| panic!("end_call: {e}"));
                    if out.get("already_ended") == Some(&Value::Bool(true)) {
                        already.fetch_add(1, Ordering::Relaxed);
                    }
                    c.call("gen_usersig", &json!({"user_id": format!("u{t}")})).unwrap();
                    ended.lock().unwrap().push(id);
                }
                c.call("dismiss_room", &json!({"RoomId": room})).unwrap_or_else(|e| panic!("dismiss_room: {e}"));
            });
        }
    });
    let ended = ended.into_inner().unwrap();
    assert_eq!(ended.len(), THREADS * CALLS_PER_THREAD);

    // Server side: every call ended exactly once and has exactly one record; every room is gone.
    let state = control(&sb, "GET", "/_sandbox/state", Value::Null);
    let mut records: HashMap<String, usize> = HashMap::new();
    for r in state["records"].as_array().unwrap() {
        *records.entry(r["CallId"].as_str().unwrap().to_string()).or_default() += 1;
    }
    for id in &ended {
        assert_eq!(records.get(id), Some(&1), "call {id} has {:?} records", records.get(id));
    }
    assert_eq!(state["rooms"].as_array().unwrap().len(), 0);
    assert_eq!(state["calls"].as_array().unwrap().len(), 0, "no live call is left");
    let entries = log(&sb);
    let processed_ends =
        entries.iter().filter(|e| e["path"] == "v4/call_engine_http_srv/end_call" && e["code"] == 0).count();
    assert_eq!(processed_ends, ended.len(), "each call was ended by exactly one processed request");
    // Every injected fault fired. Each end that Tencent processed but whose answer was lost
    // (drop_after with code 0) surfaced as exactly one already_ended success.
    assert_eq!(control(&sb, "GET", "/_sandbox/faults", Value::Null)["faults"], json!([]));
    let is_end = |e: &&Value| e["path"] == "v4/call_engine_http_srv/end_call";
    assert_eq!(entries.iter().filter(is_end).filter(|e| e["fault"] == "drop_after").count(), 4);
    let lost_answers = entries.iter().filter(is_end).filter(|e| e["fault"] == "drop_after" && e["code"] == 0).count();
    assert!(lost_answers >= 1);
    assert_eq!(already.load(Ordering::Relaxed), lost_answers);
}

/// The local token bucket refuses what it cannot pace within max_wait, before any I/O.
#[test]
fn local_rate_limit_refuses_without_calling_tencent() {
    let sb = sandbox();
    let c = client(&sb, json!({"rate_limit": {"im_per_second": 5, "max_wait_ms": 0}, "retry": {"max_attempts": 1}}));
    let mut local = 0;
    for _ in 0..20 {
        match c.call("get_callback_config", &json!({})) {
            Err(e) if e.code == ErrorCode::NotFound => {}
            Err(e) if e.code == ErrorCode::RateLimited && e.service_code.is_none() => local += 1,
            other => panic!("unexpected {other:?}"),
        }
    }
    assert_eq!(local, 15);
    assert_eq!(log(&sb).len(), 5, "only the paced requests reached the sandbox");
}

/// A UserSig Tencent calls expired (70001) is re-minted once and the request resent.
#[test]
fn stale_admin_usersig_is_reminted_once() {
    let sb = sandbox();
    let c = client(&sb, json!({"retry": {"max_attempts": 1}}));
    control(
        &sb,
        "POST",
        "/_sandbox/faults",
        json!({"match": "get_callback", "kind": "im_error", "code": 70001, "count": 1}),
    );
    let e = c.call("get_callback_config", &json!({})).unwrap_err();
    assert_eq!((e.code, e.service_code.as_deref()), (ErrorCode::NotFound, Some("100301")));
    assert_eq!(log(&sb).len(), 2);
    // A second 70001 in a row is reported, not looped on.
    control(
        &sb,
        "POST",
        "/_sandbox/faults",
        json!({"match": "get_callback", "kind": "im_error", "code": 70001, "count": 2}),
    );
    let e = c.call("get_callback_config", &json!({})).unwrap_err();
    assert_eq!((e.code, e.service_code.as_deref()), (ErrorCode::AuthRejected, Some("70001")));
    assert_eq!(log(&sb).len(), 4);
}

/// Errors under every fault kind carry no secret.
#[test]
fn no_secret_in_errors_under_faults() {
    let sb = sandbox();
    let cfg: Value = serde_json::from_str(&sb.client_config_json()).unwrap();
    let c = client(&sb, json!({"retry": {"max_attempts": 2}, "timeouts": {"request_ms": 300}}));
    let secrets =
        [cfg["secret_key"].as_str().unwrap().to_string(), cfg["cloud_api"]["secret_key"].as_str().unwrap().to_string()];
    let faults = [
        json!({"match": "*", "kind": "http_502", "count": 2}),
        json!({"match": "*", "kind": "drop_before", "count": 2}),
        json!({"match": "*", "kind": "delay_ms", "delay_ms": 600, "count": 2}),
        json!({"match": "*", "kind": "im_error", "code": 70009, "count": 2}),
        json!({"match": "*", "kind": "cloud_error", "code": "AuthFailure.SignatureFailure", "count": 2}),
    ];
    for f in faults {
        control(&sb, "DELETE", "/_sandbox/faults", Value::Null);
        control(&sb, "POST", "/_sandbox/faults", f.clone());
        for r in [c.call("end_call", &json!({"CallId": "x"})), c.call("dismiss_room", &json!({"RoomId": 5}))] {
            let e = r.unwrap_err();
            let text = format!("{} {e:?} {e}", e.to_json());
            for s in &secrets {
                assert!(!text.contains(s.as_str()), "{f}: secret in {text}");
            }
            assert!(!text.contains("usersig=") && !text.contains("TC3-HMAC"), "{text}");
        }
    }
}
