//! Operating a client: its log events (secret-free under every fault), its counters, and
//! credential rotation under load against a sandbox that revokes the old keys.

#![cfg(feature = "sandbox")]

use serde_json::{json, Value};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tccall::observe::Level;
use tccall::sandbox::{Sandbox, SandboxConfig};
use tccall::{Client, ErrorCode};

fn sandbox() -> Sandbox {
    Sandbox::start(SandboxConfig { enforce_rate_limits: false, ..Default::default() }).unwrap()
}

fn config(sb: &Sandbox, extra: Value) -> Value {
    let mut cfg: Value = serde_json::from_str(&sb.client_config_json()).unwrap();
    cfg["retry"] = json!({"max_attempts": 3, "base_delay_ms": 1, "max_delay_ms": 5});
    for (k, v) in extra.as_object().unwrap() {
        cfg[k] = v.clone();
    }
    cfg
}

fn control(sb: &Sandbox, method: &str, path: &str, body: Value) -> Value {
    let (status, v) = sb.control(method, path, &body);
    assert_eq!(status, 200, "{path}: {v}");
    v
}

fn new_call(sb: &Sandbox) -> String {
    let v = control(sb, "POST", "/_sandbox/calls", json!({"caller": "a", "callees": ["b"]}));
    v["CallId"].as_str().unwrap().to_string()
}

/// Collects every event a client logs.
fn capture(c: &Client, level: Level) -> Arc<Mutex<Vec<Value>>> {
    let got = Arc::new(Mutex::new(Vec::new()));
    let g = got.clone();
    c.set_logger(
        level,
        Some(Arc::new(move |l: Level, e: &str| {
            let v: Value = serde_json::from_str(e).expect("every event is JSON");
            assert_eq!(v["level"], l.name(), "{e}");
            g.lock().unwrap().push(v);
        })),
    );
    got
}

/// Whether `text` holds something shaped like a UserSig: zlib-deflated JSON in Tencent's
/// base64 variant starts "eJ" and runs on for well over 40 characters.
fn has_usersig_shape(text: &str) -> bool {
    let b = text.as_bytes();
    (0..b.len().saturating_sub(1)).any(|i| {
        &b[i..i + 2] == b"eJ"
            && b[i..].iter().take_while(|c| c.is_ascii_alphanumeric() || b"*-_".contains(c)).count() >= 40
    })
}

#[test]
fn every_event_of_a_faulted_run_is_free_of_secrets() {
    let sb = sandbox();
    let token = "STS-TOKEN-never-logged-123";
    let mut cfg = config(
        &sb,
        json!({"timeouts": {"request_ms": 300, "total_ms": 5000}, "rate_limit": {"im_per_second": 4, "max_wait_ms": 2000}}),
    );
    cfg["cloud_api"]["token"] = token.into();
    let secrets = [
        cfg["secret_key"].as_str().unwrap().to_string(),
        cfg["cloud_api"]["secret_key"].as_str().unwrap().to_string(),
        token.to_string(),
        "PROXY-PW-9".to_string(),
    ];
    let c = Client::from_json(&cfg.to_string()).unwrap();
    let events = capture(&c, Level::Debug);
    let faults = [
        json!({"match": "*", "kind": "http_502", "count": 1}),
        json!({"match": "*", "kind": "drop_before", "count": 1}),
        json!({"match": "*", "kind": "delay_ms", "delay_ms": 600, "count": 1}),
        json!({"match": "*", "kind": "im_error", "code": 70001, "count": 1}),
        json!({"match": "*", "kind": "im_error", "code": 70009, "count": 1}),
        json!({"match": "*", "kind": "cloud_error", "code": "InternalError", "count": 1}),
        json!({"match": "*", "kind": "cloud_error", "code": "AuthFailure.SignatureFailure", "count": 1}),
        json!({"match": "end_call", "kind": "drop_after", "count": 1}),
    ];
    for f in faults {
        control(&sb, "DELETE", "/_sandbox/faults", Value::Null);
        control(&sb, "POST", "/_sandbox/faults", f.clone());
        let id = new_call(&sb);
        let _ = c.call("get_call_info", &json!({"CallId": id}));
        let _ = c.call("end_call", &json!({"CallId": id}));
        let _ = c.call("dismiss_room", &json!({"RoomId": 5}));
    }
    control(&sb, "DELETE", "/_sandbox/faults", Value::Null);
    // A burst over im_per_second waits for the local limiter.
    for _ in 0..6 {
        let _ = c.call("get_call_info", &json!({"CallId": "none"}));
    }
    // Signing-only and local operations log too.
    c.call("sign_im_request", &json!({"path": "v4/call_engine_http_srv/end_call", "body": {}})).unwrap();
    c.call("gen_usersig", &json!({"user_id": "alice"})).unwrap();
    // A proxy with a password that cannot be reached.
    let mut proxied = cfg.clone();
    proxied["proxy"] = "http://alice:PROXY-PW-9@127.0.0.1:1".into();
    proxied["retry"]["max_attempts"] = 1.into();
    let p = Client::from_json(&proxied.to_string()).unwrap();
    let proxy_events = capture(&p, Level::Debug);
    assert!(p.call("end_call", &json!({"CallId": "x"})).is_err());

    let mut all = events.lock().unwrap().clone();
    all.extend(proxy_events.lock().unwrap().iter().cloned());
    assert!(all.len() > 50, "{} events", all.len());
    for e in &all {
        let text = e.to_string();
        for s in &secrets {
            assert!(!text.contains(s.as_str()), "secret in {text}");
        }
        for marker in ["usersig=", "TC3-HMAC", "Signature=", "X-TC-Token", "Authorization"] {
            assert!(!text.contains(marker), "{marker} in {text}");
        }
        assert!(!has_usersig_shape(&text), "a UserSig in {text}");
        assert!(e["ts_ms"].as_u64().is_some() && e["event"].is_string(), "{text}");
    }
    // Each decision shows up as its own event.
    let kinds: std::collections::BTreeSet<&str> = all.iter().filter_map(|e| e["event"].as_str()).collect();
    for want in [
        "call",
        "attempt_failed",
        "already_ended",
        "connection",
        "response",
        "rate_limiter_wait",
        "admin_usersig_minted",
    ] {
        assert!(kinds.contains(want), "no {want} event in {kinds:?}");
    }
    let retry = all.iter().find(|e| e["decision"] == "retry").expect("a retry decision");
    assert!(retry["op"].is_string() && retry["code"].is_i64() && retry["backoff_ms"].is_u64(), "{retry}");
    let ok = all.iter().find(|e| e["event"] == "call" && e["outcome"] == "ok" && e["op"] == "get_call_info").unwrap();
    assert!(ok["request_id"].is_string() && ok["family"] == "im" && ok["attempts"].is_u64(), "{ok}");
    let failed = all.iter().find(|e| e["event"] == "call" && e["outcome"] == "error").unwrap();
    assert!(failed["code"].is_i64() && failed["name"].is_string() && failed["message"].is_string(), "{failed}");
    let fresh = all.iter().find(|e| e["event"] == "connection" && e["reused"] == false).unwrap();
    assert!(fresh["host"] == "127.0.0.1" && fresh["tls_resumed"].is_null(), "{fresh}");
}

#[test]
fn logging_off_and_levels_filter_events() {
    let sb = sandbox();
    let c = Client::from_json(&config(&sb, json!({})).to_string()).unwrap();
    let events = capture(&c, Level::Info);
    let id = new_call(&sb);
    c.call("get_call_info", &json!({"CallId": id})).unwrap();
    let infos = events.lock().unwrap().clone();
    assert!(infos.iter().all(|e| e["level"] != "debug"), "{infos:?}");
    assert_eq!(infos.iter().filter(|e| e["event"] == "call").count(), 1, "{infos:?}");
    c.set_logger(Level::Error, None);
    c.call("get_call_info", &json!({"CallId": id})).unwrap();
    assert_eq!(events.lock().unwrap().len(), infos.len(), "nothing after logging is turned off");
}

#[test]
fn a_panicking_log_sink_does_not_break_the_call() {
    let sb = sandbox();
    let c = Client::from_json(&config(&sb, json!({})).to_string()).unwrap();
    c.set_logger(Level::Debug, Some(Arc::new(|_: Level, _: &str| panic!("sink bug"))));
    let id = new_call(&sb);
    assert_eq!(c.call("get_call_info", &json!({"CallId": id})).unwrap()["CallInfo"]["CallId"], id.as_str());
}

#[test]
fn stats_count_calls_errors_retries_and_latency() {
    let sb = sandbox();
    let c = Client::from_json(&config(&sb, json!({})).to_string()).unwrap();
    let ids: Vec<String> = (0..3).map(|_| new_call(&sb)).collect();
    for id in &ids {
        c.call("get_call_info", &json!({"CallId": id})).unwrap();
    }
    control(&sb, "POST", "/_sandbox/faults", json!({"match": "end_call", "kind": "http_502", "count": 1}));
    c.call("end_call", &json!({"CallId": ids[0]})).unwrap();
    control(&sb, "POST", "/_sandbox/faults", json!({"match": "end_call", "kind": "drop_after", "count": 1}));
    assert_eq!(c.call("end_call", &json!({"CallId": ids[1]})).unwrap()["already_ended"], true);
    assert_eq!(c.call("end_call", &json!({"CallId": "gone"})).unwrap_err().code, ErrorCode::NotFound);
    c.call("gen_usersig", &json!({"user_id": "u"})).unwrap();

    let s = c.stats();
    let info = &s["operations"]["get_call_info"];
    assert_eq!((info["calls"].as_u64(), info["ok"].as_u64(), info["retries"].as_u64()), (Some(3), Some(3), Some(0)));
    assert_eq!(info["errors"], json!({}));
    let lat = &info["latency_ms"];
    let (p50, p99, max) = (lat["p50"].as_f64().unwrap(), lat["p99"].as_f64().unwrap(), lat["max"].as_f64().unwrap());
    assert!(0.0 < p50 && p50 <= p99 && p99 <= max && max < 5000.0, "{lat}");
    let end = &s["operations"]["end_call"];
    assert_eq!(end["calls"], 3, "{end}");
    assert_eq!(end["ok"], 2, "{end}");
    assert_eq!(end["errors"], json!({"302": 1}), "{end}");
    assert_eq!(end["retries"], 2, "one after the 502, one after the dropped answer: {end}");
    assert_eq!(end["already_ended"], 1, "{end}");
    assert_eq!(s["operations"]["gen_usersig"]["calls"], 1);
    assert!(s["operations"].get("dismiss_room").is_none(), "operations never called are left out");
    let conns = &s["connections"];
    assert!(conns["opened"].as_u64().unwrap() >= 1 && conns["reused"].as_u64().unwrap() >= 1, "{conns}");
    assert_eq!(s["admin_usersig_mints"], 1);

    // A rotation mints a new admin UserSig with the new key on the next call.
    let key = config(&sb, json!({}))["secret_key"].clone();
    c.update_credentials(&json!({"secret_key": key}).to_string()).unwrap();
    c.call("get_call_info", &json!({"CallId": ids[2]})).unwrap();
    assert_eq!(c.stats()["admin_usersig_mints"], 2);
}

#[test]
fn credentials_update_checks_its_input_and_changes_nothing_on_failure() {
    let sb = sandbox();
    let c = Client::from_json(&config(&sb, json!({})).to_string()).unwrap();
    for (bad, code, names) in [
        ("{", ErrorCode::InvalidJson, "not valid JSON"),
        ("{}", ErrorCode::InvalidConfig, "secret_key, cloud_api or both"),
        (r#"{"secret_key": ""}"#, ErrorCode::InvalidConfig, "secret_key"),
        (r#"{"sdk_app_id": 5}"#, ErrorCode::InvalidConfig, "sdk_app_id"),
        (r#"{"cloud_api": {"secret_id": "AKID2"}}"#, ErrorCode::InvalidConfig, "needs secret_id and secret_key"),
        (r#"{"cloud_api": {"from_env": true, "secret_id": "x"}}"#, ErrorCode::InvalidConfig, "from_env"),
    ] {
        let e = c.update_credentials(bad).unwrap_err();
        assert_eq!(e.code, code, "{bad}: {e}");
        assert!(e.message.contains(names), "{bad}: {}", e.message);
    }
    c.call("dismiss_room", &json!({"RoomId": 5})).unwrap_err();
    assert_eq!(
        c.config().cloud_api.credentials.secret_id,
        config(&sb, json!({}))["cloud_api"]["secret_id"].as_str().map(String::from)
    );
}

/// 16 threads call through a rotation of both keys: the sandbox gains the new keys, the
/// client switches, the sandbox revokes the old ones. No call fails for its credentials,
/// calls keep succeeding after the revocation, and a client left on the old keys is refused.
#[test]
fn sixteen_threads_call_across_a_rotation_with_the_old_keys_revoked() {
    let sb = sandbox();
    let cfg = config(&sb, json!({"rate_limit": {"enabled": false}}));
    let c = Client::from_json(&cfg.to_string()).unwrap();
    let stale = Client::from_json(&cfg.to_string()).unwrap();
    let call_id = new_call(&sb);
    control(&sb, "POST", "/_sandbox/rooms", json!({"room_id": 77, "users": ["x"]}));
    let stop = AtomicBool::new(false);
    let (before, after, bad) = (AtomicUsize::new(0), AtomicUsize::new(0), Mutex::new(Vec::new()));
    let revoked = AtomicBool::new(false);
    std::thread::scope(|s| {
        for t in 0..16 {
            let (c, stop, before, after, bad, revoked, call_id) =
                (&c, &stop, &before, &after, &bad, &revoked, &call_id);
            s.spawn(move || {
                while !stop.load(Ordering::SeqCst) {
                    let was_revoked = revoked.load(Ordering::SeqCst);
                    let r = match t % 2 {
                        0 => c.call("get_call_info", &json!({"CallId": call_id})).map(|_| ()),
                        // A Cloud API call that passes authentication gets "room not found".
                        _ => match c.call("remove_users", &json!({"RoomId": 77, "UserIds": ["nobody"]})) {
                            Err(e) if e.code == ErrorCode::NotFound => Ok(()),
                            other => other.map(|_| ()),
                        },
                    };
                    match r {
                        Ok(()) if was_revoked => after.fetch_add(1, Ordering::SeqCst),
                        Ok(()) => before.fetch_add(1, Ordering::SeqCst),
                        Err(e) => {
                            bad.lock().unwrap().push(e.to_json());
                            0
                        }
                    };
                }
            });
        }
        let wait_for = |n: &AtomicUsize, at_least: usize| {
            let t0 = Instant::now();
            while n.load(Ordering::SeqCst) < at_least && t0.elapsed() < Duration::from_secs(20) {
                std::thread::sleep(Duration::from_millis(5));
            }
        };
        wait_for(&before, 200);
        control(
            &sb,
            "POST",
            "/_sandbox/credentials",
            json!({"secret_key": "rotated-im-key-2", "cloud_secret_id": "AKIDrotated2", "cloud_secret_key": "rotated-cloud-key-2"}),
        );
        c.update_credentials(
            &json!({"secret_key": "rotated-im-key-2", "cloud_api": {"secret_id": "AKIDrotated2", "secret_key": "rotated-cloud-key-2"}})
                .to_string(),
        )
        .unwrap();
        // Calls that started with the old keys finish within their deadline; then revoke.
        std::thread::sleep(Duration::from_millis(300));
        control(
            &sb,
            "POST",
            "/_sandbox/credentials",
            json!({"secret_key": "rotated-im-key-2", "cloud_secret_id": "AKIDrotated2", "cloud_secret_key": "rotated-cloud-key-2", "revoke_others": true}),
        );
        revoked.store(true, Ordering::SeqCst);
        wait_for(&after, 200);
        stop.store(true, Ordering::SeqCst);
    });
    let bad = bad.into_inner().unwrap();
    assert!(bad.is_empty(), "{} calls failed, first: {}", bad.len(), bad[0]);
    assert!(before.load(Ordering::SeqCst) >= 200 && after.load(Ordering::SeqCst) >= 200);
    // The old keys are gone for good.
    let auth_block = |e: tccall::Error| (400..500).contains(&e.code.as_i32());
    assert!(auth_block(stale.call("get_call_info", &json!({"CallId": call_id})).unwrap_err()));
    assert!(auth_block(stale.call("dismiss_room", &json!({"RoomId": 77})).unwrap_err()));
    assert_eq!(c.stats()["admin_usersig_mints"], 2);
}
