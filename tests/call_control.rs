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

fn control(sb: &Sandbox, method: &str, path: &str, body: Value) -> Value {
    let (status, v) = sb.control(method, path, &body);
    assert_eq!(status, 200, "{path}: {v}");
    v
}

/// The rooms the sandbox holds, as `RoomId` values (a number or a string by kind).
fn rooms(sb: &Sandbox) -> Vec<Value> {
    control(sb, "GET", "/_sandbox/state", Value::Null)["rooms"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["RoomId"].clone())
        .collect()
}

/// A robot call placed in numeric TRTC room `room` (RoomIdType 1), as Call reports it.
fn robot_call_in_numeric_room(c: &Client, room: &str) -> String {
    let v = c
        .call(
            "start_call_by_robot",
            &json!({"Robot_Account": "robot", "CalleeList_Account": ["alice"], "CallInfo": {"RoomId": room, "RoomIdType": 1}}),
        )
        .unwrap();
    v["CallId"].as_str().unwrap().to_string()
}

#[test]
fn terminate_call_ends_the_call_and_its_numeric_room_while_the_string_twin_stays() {
    let sb = sandbox();
    let c = client(&sb, json!({}));
    // The trap: a string room with the same digits belongs to someone else. And a user who
    // entered the call's media room stays there after end_call unless the room goes.
    control(&sb, "POST", "/_sandbox/rooms", json!({"room_id": "9001", "users": ["other"]}));
    control(&sb, "POST", "/_sandbox/rooms", json!({"room_id": 9001, "users": ["lingering"]}));
    let id = robot_call_in_numeric_room(&c, "9001");
    assert!(rooms(&sb).contains(&json!(9001)) && rooms(&sb).contains(&json!("9001")));

    let v = c.call("terminate_call", &json!({"call_id": id})).unwrap();
    assert_eq!(v["room"], json!({"RoomId": "9001", "RoomIdType": 1}), "{v}");
    let outcomes: Vec<(&str, &str)> = v["steps"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| (s["step"].as_str().unwrap(), s["outcome"].as_str().unwrap()))
        .collect();
    assert_eq!(outcomes, [("get_call_info", "found"), ("end_call", "ended"), ("dismiss_room", "dismissed")]);
    assert!(v["steps"].as_array().unwrap().iter().all(|s| s["request_id"].is_string()), "{v}");
    assert_eq!(rooms(&sb), [json!("9001")], "the numeric room went, the string twin stayed");
    assert_eq!(c.call("get_call_info", &json!({"CallId": id})).unwrap_err().code, ErrorCode::NotFound);

    // A repeat succeeds: the room comes from the call's record, and everything is already gone.
    let again = c.call("terminate_call", &json!({"call_id": id})).unwrap();
    let outcomes: Vec<&str> =
        again["steps"].as_array().unwrap().iter().map(|s| s["outcome"].as_str().unwrap()).collect();
    assert_eq!(outcomes, ["not_found", "found", "already_ended", "already_gone"], "{again}");
    assert_eq!(again["room"], v["room"]);
    assert_eq!(rooms(&sb), [json!("9001")]);
}

#[test]
fn a_calls_room_read_back_from_get_call_info_dismisses_that_room() {
    let sb = sandbox();
    let c = client(&sb, json!({}));
    control(&sb, "POST", "/_sandbox/rooms", json!({"room_id": "4321", "users": ["other"]}));
    let id = robot_call_in_numeric_room(&c, "4321");
    let info = c.call("get_call_info", &json!({"CallId": id})).unwrap();
    let call = &info["CallInfo"];
    // Call reports the room as a string with its kind; dismiss_room takes exactly that.
    assert_eq!((call["RoomId"].as_str(), call["RoomIdType"].as_u64()), (Some("4321"), Some(1)), "{info}");
    c.call("dismiss_room", &json!({"RoomId": call["RoomId"], "RoomIdType": call["RoomIdType"]})).unwrap();
    assert_eq!(rooms(&sb), [json!("4321")]);
    // Without RoomIdType a string RoomId names the string room: the other app's room goes
    // only when asked for by kind, and a missing one is NotFound with Tencent's code.
    let e = c.call("dismiss_room", &json!({"RoomId": "4321", "RoomIdType": 1})).unwrap_err();
    assert_eq!((e.code, e.service_code.as_deref()), (ErrorCode::NotFound, Some("FailedOperation.RoomNotExist")));
}

#[test]
fn terminate_call_reports_which_steps_took_effect_when_one_fails() {
    let sb = sandbox();
    let c = client(&sb, json!({"retry": {"max_attempts": 1}}));
    control(&sb, "POST", "/_sandbox/rooms", json!({"room_id": 77, "users": ["lingering"]}));
    let id = robot_call_in_numeric_room(&c, "77");
    control(
        &sb,
        "POST",
        "/_sandbox/faults",
        json!({"match": "DismissRoom", "kind": "cloud_error", "code": "InternalError", "count": 1}),
    );
    let e = c.call("terminate_call", &json!({"call_id": id})).unwrap_err();
    assert!(e.message.starts_with("terminate_call: dismiss_room failed ("), "{}", e.message);
    assert!(e.message.ends_with("already done: end_call (ended)"), "{}", e.message);
    // The call is over; running it again finishes the job.
    let v = c.call("terminate_call", &json!({"call_id": id})).unwrap();
    assert_eq!(v["steps"][3]["outcome"], "dismissed", "{v}");
    assert!(!rooms(&sb).contains(&json!(77)));
}

#[test]
fn block_user_mutes_by_room_kind() {
    let sb = sandbox();
    let c = client(&sb, json!({}));
    control(&sb, "POST", "/_sandbox/rooms", json!({"room_id": 55, "users": ["u1"]}));
    control(&sb, "POST", "/_sandbox/rooms", json!({"room_id": "55", "users": ["u1"]}));
    c.call("block_user", &json!({"RoomId": 55, "UserId": "u1", "IsMute": 1})).unwrap();
    let state = control(&sb, "GET", "/_sandbox/state", Value::Null);
    let blocked = |room: Value| {
        state["rooms"].as_array().unwrap().iter().find(|r| r["RoomId"] == room).unwrap()["blocked"].clone()
    };
    assert_eq!((blocked(json!(55)), blocked(json!("55"))), (json!({"u1": 1}), json!({})));
    let e = c.call("block_user", &json!({"RoomId": "56", "RoomIdType": 2, "UserId": "u1", "IsMute": 1})).unwrap_err();
    assert_eq!(e.code, ErrorCode::NotFound);
}

/// The sandbox's TRTC callbacks for a terminated call reach a receiver, and the client
/// verifies each with its trtc_key; a replayed delivery is flagged duplicate, a forged one refused.
#[test]
fn trtc_callbacks_from_the_sandbox_verify_with_the_clients_key() {
    let sb = sandbox();
    let key = "TRTCkey0123456789";
    let c = client(&sb, json!({"webhook": {"trtc_key": key}}));
    let server = std::sync::Arc::new(tiny_http::Server::http("127.0.0.1:0").unwrap());
    let url = format!("http://127.0.0.1:{}/trtc", server.server_addr().to_ip().unwrap().port());
    control(&sb, "POST", "/_sandbox/trtc/callback", json!({"url": url, "key": key, "repeat": 2}));
    let id = robot_call_in_numeric_room(&c, "9100");
    c.call("terminate_call", &json!({"call_id": id})).unwrap();
    // 101 create and 103 robot enter at the start; 104 robot exit and 102 dismiss at the end
    // (the call's own room goes with the call); each delivered twice.
    let mut seen = Vec::new();
    while seen.len() < 8 {
        let mut req = server.recv_timeout(std::time::Duration::from_secs(5)).unwrap().expect("a TRTC callback");
        let header = |n: &'static str| req.headers().iter().find(|h| h.field.equiv(n)).map(|h| h.value.to_string());
        let (sign, app) = (header("Sign"), header("SdkAppId"));
        let mut body = Vec::new();
        req.as_reader().read_to_end(&mut body).unwrap();
        req.respond(tiny_http::Response::from_string(r#"{"code":0}"#)).unwrap();
        let v = c.parse_trtc_webhook(sign.as_deref(), app.as_deref(), &body).unwrap();
        assert_eq!(v["signature_verified"], true, "{v}");
        assert_eq!((v["room_id"].clone(), v["room_id_type"].clone()), (json!("9100"), json!(1)), "{v}");
        let forged = String::from_utf8(body.clone()).unwrap().replace("9100", "9101");
        assert_eq!(
            c.parse_trtc_webhook(sign.as_deref(), app.as_deref(), forged.as_bytes()).unwrap_err().code,
            ErrorCode::WebhookSignature
        );
        seen.push((v["type"].as_u64().unwrap(), v["duplicate"].as_bool().unwrap()));
    }
    assert_eq!(
        seen,
        [(101, false), (101, true), (103, false), (103, true), (104, false), (104, true), (102, false), (102, true)]
    );
}
