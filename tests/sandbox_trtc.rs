//! The sandbox's TRTC side over raw HTTP: `SetUserBlocked[ByStrRoomId]` with every error
//! path (POST and GET), blocked users in the state, numeric and string rooms kept apart
//! (a call's room included), and the TRTC room webhooks (event sequences, `Sign` over the
//! exact bytes checked here with hmac + sha2 + base64, repeats, no key), plus unsigned
//! Call callbacks.
#![cfg(feature = "sandbox")]

use serde_json::{json, Value};
use std::sync::{mpsc, Arc};
use std::time::Duration;
use tccall::auth::{tc3, usersig};
use tccall::sandbox::{Sandbox, SandboxConfig};

const APP: u64 = 1400000001;

fn sandbox() -> Sandbox {
    // Rate limits off: the error tables send dozens of requests a second.
    Sandbox::start(SandboxConfig { enforce_rate_limits: false, ..SandboxConfig::default() }).unwrap()
}

fn agent() -> ureq::Agent {
    ureq::Agent::config_builder()
        .http_status_as_error(false)
        .proxy(None)
        .timeout_global(Some(std::time::Duration::from_secs(10)))
        .build()
        .into()
}

/// A TC3-signed Cloud API request (content-type and host signed); returns `Response`.
fn cloud(sb: &Sandbox, method: &str, action: &str, query: &str, body: &[u8]) -> Value {
    let host = sb.base_url().trim_start_matches("http://").to_string();
    let ctype = if method == "GET" { "application/x-www-form-urlencoded" } else { "application/json" };
    let ts = tccall::transport::unix_now();
    let hashed = tc3::payload_hash(body, false);
    let sig = tc3::sign(&tc3::SignInput {
        secret_id: &sb.config().cloud_secret_id,
        secret_key: &sb.config().cloud_secret_key,
        service: "trtc",
        method,
        canonical_query: query,
        headers: &[("content-type", ctype), ("host", &host)],
        hashed_payload: &hashed,
        timestamp: ts,
        signing_key: None,
    });
    let url = if query.is_empty() { format!("{}/", sb.base_url()) } else { format!("{}/?{query}", sb.base_url()) };
    let req = ureq::http::Request::builder()
        .method(method)
        .uri(url)
        .header("Content-Type", ctype)
        .header("Host", host.as_str())
        .header("X-TC-Action", action)
        .header("X-TC-Version", "2019-07-22")
        .header("X-TC-Region", "ap-guangzhou")
        .header("X-TC-Timestamp", ts.to_string())
        .header("Authorization", sig.authorization)
        .body(body.to_vec())
        .unwrap();
    let mut resp = agent().run(req).unwrap();
    assert_eq!(resp.status().as_u16(), 200);
    let v: Value = serde_json::from_str(&resp.body_mut().read_to_string().unwrap()).unwrap();
    assert_eq!(v["Response"]["RequestId"].as_str().map(str::len), Some(36), "{v}");
    v["Response"].clone()
}

/// `Error.Code`, or "" on success.
fn code(response: &Value) -> String {
    response["Error"]["Code"].as_str().unwrap_or("").to_string()
}

fn post(sb: &Sandbox, action: &str, body: Value) -> String {
    code(&cloud(sb, "POST", action, "", body.to_string().as_bytes()))
}

fn get(sb: &Sandbox, action: &str, query: &str) -> String {
    code(&cloud(sb, "GET", action, query, b""))
}

/// An IM REST request as the administrator; returns the envelope.
fn im(sb: &Sandbox, path: &str, body: Value) -> Value {
    let c = sb.config();
    let issuer = usersig::Issuer { sdk_app_id: c.sdk_app_id, key: &c.secret_key, compression: Default::default() };
    let sig = issuer.usersig(&c.admins[0], 86400, tccall::transport::unix_now(), None);
    let url = format!(
        "{}/{path}?sdkappid={}&identifier={}&usersig={sig}&random=7&contenttype=json",
        sb.base_url(),
        c.sdk_app_id,
        c.admins[0]
    );
    let req = ureq::http::Request::builder().method("POST").uri(url).body(body.to_string().into_bytes()).unwrap();
    let mut resp = agent().run(req).unwrap();
    serde_json::from_str(&resp.body_mut().read_to_string().unwrap()).unwrap()
}

/// A control endpoint in-process; asserts 200.
fn ctl(sb: &Sandbox, method: &str, path: &str, body: Value) -> Value {
    let (status, v) = sb.control(method, path, &body);
    assert_eq!(status, 200, "{method} {path}: {v}");
    v
}

/// The state's room with this `RoomId` (a JSON number or string: different rooms).
fn room(sb: &Sandbox, id: Value) -> Option<Value> {
    sb.state()["rooms"].as_array().unwrap().iter().find(|r| r["RoomId"] == id).cloned()
}

// ---------------------------------------------------------------- SetUserBlocked

/// A change to a request body.
type Edit = Box<dyn Fn(&mut Value)>;

#[test]
fn set_user_blocked_over_post_records_blocked_users_per_room() {
    let sb = sandbox();
    ctl(&sb, "POST", "/_sandbox/rooms", json!({"room_id": 1234, "users": ["u1", "u2"]}));
    ctl(&sb, "POST", "/_sandbox/rooms", json!({"room_id": "1234", "users": ["s1"]}));
    let ok = |action: &str, body: Value| assert_eq!(post(&sb, action, body.clone()), "", "{action} {body}");
    ok("SetUserBlocked", json!({"SdkAppId": APP, "RoomId": 1234, "UserId": "u1", "IsMute": 1}));
    ok("SetUserBlocked", json!({"SdkAppId": APP, "RoomId": 1234, "UserId": "u2", "IsMute": 3}));
    ok("SetUserBlockedByStrRoomId", json!({"SdkAppId": APP, "StrRoomId": "1234", "UserId": "s1", "IsMute": 2}));
    assert_eq!(room(&sb, json!(1234)).unwrap()["blocked"], json!({"u1": 1, "u2": 3}));
    assert_eq!(room(&sb, json!("1234")).unwrap()["blocked"], json!({"s1": 2}));
    // IsMute 0 removes the entry; setting again replaces the value.
    ok("SetUserBlocked", json!({"SdkAppId": APP, "RoomId": 1234, "UserId": "u1", "IsMute": 0}));
    ok("SetUserBlocked", json!({"SdkAppId": APP, "RoomId": 1234, "UserId": "u2", "IsMute": 2}));
    assert_eq!(room(&sb, json!(1234)).unwrap()["blocked"], json!({"u2": 2}));
    // Leaving the room forgets the block.
    ok("RemoveUser", json!({"SdkAppId": APP, "RoomId": 1234, "UserIds": ["u2"]}));
    assert_eq!(room(&sb, json!(1234)).unwrap()["blocked"], json!({}));
    // The user must be in that very room: s1 is in string room "1234", not numeric 1234.
    let body = json!({"SdkAppId": APP, "RoomId": 1234, "UserId": "s1", "IsMute": 1});
    assert_eq!(post(&sb, "SetUserBlocked", body), "FailedOperation.UserNotExist");
}

#[test]
fn set_user_blocked_checks_every_parameter() {
    let sb = sandbox();
    ctl(&sb, "POST", "/_sandbox/rooms", json!({"room_id": 1234, "users": ["u1"]}));
    ctl(&sb, "POST", "/_sandbox/rooms", json!({"room_id": "r1", "users": ["u1"]}));
    let num = |edit: &dyn Fn(&mut Value)| {
        let mut b = json!({"SdkAppId": APP, "RoomId": 1234, "UserId": "u1", "IsMute": 1});
        edit(&mut b);
        post(&sb, "SetUserBlocked", b)
    };
    let none = |k: &'static str| move |b: &mut Value| drop(b.as_object_mut().unwrap().remove(k));
    let set = |k: &'static str, v: Value| move |b: &mut Value| b[k] = v.clone();
    let cases: Vec<(Edit, &str)> = vec![
        (Box::new(|_| {}), ""),
        (Box::new(none("SdkAppId")), "MissingParameter.SdkAppId"),
        (Box::new(set("SdkAppId", json!("1400000001"))), "InvalidParameter.SdkAppId"),
        (Box::new(set("SdkAppId", json!(1400000002))), "UnauthorizedOperation.SdkAppId"),
        (Box::new(none("RoomId")), "MissingParameter.RoomId"),
        (Box::new(set("RoomId", json!("1234"))), "InvalidParameter.RoomId"),
        (Box::new(set("RoomId", json!(0))), "InvalidParameter.RoomId"),
        (Box::new(set("RoomId", json!(-5))), "InvalidParameter.RoomId"),
        (Box::new(none("UserId")), "MissingParameter.UserId"),
        (Box::new(set("UserId", json!(""))), "InvalidParameter.UserId"),
        (Box::new(set("UserId", json!(7))), "InvalidParameter.UserId"),
        (Box::new(none("IsMute")), "MissingParameter"),
        (Box::new(set("IsMute", json!(4))), "InvalidParameter"),
        (Box::new(set("IsMute", json!(-1))), "InvalidParameter"),
        (Box::new(set("IsMute", json!("1"))), "InvalidParameter"),
        (Box::new(set("StrRoomId", json!("r1"))), "UnknownParameter"),
        (Box::new(set("UserIds", json!(["u1"]))), "UnknownParameter"),
        (Box::new(set("RoomId", json!(999))), "FailedOperation.RoomNotExist"),
        (Box::new(set("UserId", json!("ghost"))), "FailedOperation.UserNotExist"),
    ];
    for (i, (edit, want)) in cases.iter().enumerate() {
        assert_eq!(num(edit.as_ref()), *want, "numeric case {i}");
    }
    let text = |edit: &dyn Fn(&mut Value)| {
        let mut b = json!({"SdkAppId": APP, "StrRoomId": "r1", "UserId": "u1", "IsMute": 2});
        edit(&mut b);
        post(&sb, "SetUserBlockedByStrRoomId", b)
    };
    let cases: Vec<(Edit, &str)> = vec![
        (Box::new(|_| {}), ""),
        // The string action names its room StrRoomId: RoomId is not one of its parameters.
        (
            Box::new(|b: &mut Value| {
                let r = b.as_object_mut().unwrap().remove("StrRoomId").unwrap();
                b["RoomId"] = r;
            }),
            "UnknownParameter",
        ),
        (Box::new(none("StrRoomId")), "MissingParameter.RoomId"),
        (Box::new(set("StrRoomId", json!(1234))), "InvalidParameter.RoomId"),
        (Box::new(set("StrRoomId", json!(""))), "InvalidParameter.RoomId"),
        (Box::new(none("SdkAppId")), "MissingParameter.SdkAppId"),
        (Box::new(set("SdkAppId", json!(7))), "UnauthorizedOperation.SdkAppId"),
        (Box::new(none("UserId")), "MissingParameter.UserId"),
        (Box::new(none("IsMute")), "MissingParameter"),
        (Box::new(set("IsMute", json!(1.5))), "InvalidParameter"),
        (Box::new(set("StrRoomId", json!("1234"))), "FailedOperation.RoomNotExist"),
        (Box::new(set("UserId", json!("ghost"))), "FailedOperation.UserNotExist"),
    ];
    for (i, (edit, want)) in cases.iter().enumerate() {
        assert_eq!(text(edit.as_ref()), *want, "string case {i}");
    }
    assert_eq!(room(&sb, json!("r1")).unwrap()["blocked"], json!({"u1": 2}));
    // Not a JSON object.
    assert_eq!(code(&cloud(&sb, "POST", "SetUserBlocked", "", b"[]")), "InvalidParameter");
}

#[test]
fn set_user_blocked_over_get_with_a_flattened_query() {
    let sb = sandbox();
    ctl(&sb, "POST", "/_sandbox/rooms", json!({"room_id": 77, "users": ["u1"]}));
    ctl(&sb, "POST", "/_sandbox/rooms", json!({"room_id": "r 1", "users": ["u1"]}));
    for (action, query, want) in [
        ("SetUserBlocked", "SdkAppId=1400000001&RoomId=77&UserId=u1&IsMute=3", ""),
        ("SetUserBlockedByStrRoomId", "SdkAppId=1400000001&StrRoomId=r%201&UserId=u1&IsMute=1", ""),
        ("SetUserBlocked", "RoomId=77&UserId=u1&IsMute=1", "MissingParameter.SdkAppId"),
        ("SetUserBlocked", "SdkAppId=x&RoomId=77&UserId=u1&IsMute=1", "InvalidParameter.SdkAppId"),
        ("SetUserBlocked", "SdkAppId=1400000009&RoomId=77&UserId=u1&IsMute=1", "UnauthorizedOperation.SdkAppId"),
        ("SetUserBlocked", "SdkAppId=1400000001&UserId=u1&IsMute=1", "MissingParameter.RoomId"),
        ("SetUserBlocked", "SdkAppId=1400000001&RoomId=abc&UserId=u1&IsMute=1", "InvalidParameter.RoomId"),
        ("SetUserBlocked", "SdkAppId=1400000001&RoomId=77&IsMute=1", "MissingParameter.UserId"),
        ("SetUserBlocked", "SdkAppId=1400000001&RoomId=77&UserId=&IsMute=1", "InvalidParameter.UserId"),
        ("SetUserBlocked", "SdkAppId=1400000001&RoomId=77&UserId=u1", "MissingParameter"),
        ("SetUserBlocked", "SdkAppId=1400000001&RoomId=77&UserId=u1&IsMute=9", "InvalidParameter"),
        ("SetUserBlocked", "SdkAppId=1400000001&RoomId=77&UserId=u1&IsMute=on", "InvalidParameter"),
        ("SetUserBlocked", "SdkAppId=1400000001&RoomId=78&UserId=u1&IsMute=1", "FailedOperation.RoomNotExist"),
        ("SetUserBlocked", "SdkAppId=1400000001&RoomId=77&UserId=u2&IsMute=1", "FailedOperation.UserNotExist"),
        ("SetUserBlocked", "SdkAppId=1400000001&RoomId=77&UserId=u1&IsMute=1&X=1", "UnknownParameter"),
        ("SetUserBlockedByStrRoomId", "SdkAppId=1400000001&RoomId=r1&UserId=u1&IsMute=1", "UnknownParameter"),
        ("SetUserBlockedByStrRoomId", "SdkAppId=1400000001&UserId=u1&IsMute=1", "MissingParameter.RoomId"),
        ("SetUserBlockedByStrRoomId", "SdkAppId=1400000001&StrRoomId=&UserId=u1&IsMute=1", "InvalidParameter.RoomId"),
        (
            "SetUserBlockedByStrRoomId",
            "SdkAppId=1400000001&StrRoomId=77&UserId=u1&IsMute=1",
            "FailedOperation.RoomNotExist",
        ),
    ] {
        assert_eq!(get(&sb, action, query), want, "{action}?{query}");
    }
    assert_eq!(room(&sb, json!(77)).unwrap()["blocked"], json!({"u1": 3}));
    assert_eq!(room(&sb, json!("r 1")).unwrap()["blocked"], json!({"u1": 1}));
}

#[test]
fn set_user_blocked_has_its_own_rate_limit() {
    let sb = Sandbox::start(SandboxConfig { cloud_api_per_second: 2, ..SandboxConfig::default() }).unwrap();
    ctl(&sb, "POST", "/_sandbox/rooms", json!({"room_id": 5, "users": ["u1"]}));
    let body = json!({"SdkAppId": APP, "RoomId": 5, "UserId": "u1", "IsMute": 1});
    let codes: Vec<String> = (0..3).map(|_| post(&sb, "SetUserBlocked", body.clone())).collect();
    assert_eq!(codes, ["", "", "RequestLimitExceeded"]);
    // Per action: the string action still has its tokens.
    let body = json!({"SdkAppId": APP, "StrRoomId": "nope", "UserId": "u1", "IsMute": 1});
    assert_eq!(post(&sb, "SetUserBlockedByStrRoomId", body), "FailedOperation.RoomNotExist");
}

// ---------------------------------------------------------------- webhook receiver

/// One POST a receiver got.
struct Hook {
    path: String,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

impl Hook {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(k, _)| k.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
    }

    fn json(&self) -> Value {
        serde_json::from_slice(&self.body).unwrap()
    }
}

/// A tiny_http receiver handing over every POST with its headers and raw body.
struct Receiver {
    url: String,
    rx: mpsc::Receiver<Hook>,
    server: Arc<tiny_http::Server>,
}

impl Receiver {
    fn start() -> Receiver {
        let server = Arc::new(tiny_http::Server::http("127.0.0.1:0").unwrap());
        let port = server.server_addr().to_ip().unwrap().port();
        let (tx, rx) = mpsc::channel();
        let s = server.clone();
        std::thread::spawn(move || {
            for mut req in s.incoming_requests() {
                let headers = req.headers().iter().map(|h| (h.field.to_string(), h.value.to_string())).collect();
                let mut body = Vec::new();
                req.as_reader().read_to_end(&mut body).unwrap();
                let hook = Hook { path: req.url().to_string(), headers, body };
                let _ = req.respond(tiny_http::Response::from_string(r#"{"code":0}"#));
                if tx.send(hook).is_err() {
                    break;
                }
            }
        });
        Receiver { url: format!("http://127.0.0.1:{port}/hook"), rx, server }
    }

    fn next(&self) -> Hook {
        self.rx.recv_timeout(Duration::from_secs(5)).expect("a webhook within 5 s")
    }

    /// Asserts nothing more arrives within a short while.
    fn quiet(&self) {
        if let Ok(h) = self.rx.recv_timeout(Duration::from_millis(300)) {
            panic!("unexpected webhook {} {}", h.path, String::from_utf8_lossy(&h.body));
        }
    }
}

impl Drop for Receiver {
    fn drop(&mut self) {
        self.server.unblock();
    }
}

// ---------------------------------------------------------------- call rooms

fn robot_call(sb: &Sandbox, room_id: &str, room_id_type: Option<u64>) -> Value {
    let mut info = json!({"MediaType": "Audio", "RoomId": room_id});
    if let Some(t) = room_id_type {
        info["RoomIdType"] = json!(t);
    }
    im(
        sb,
        "v4/call_engine_http_srv/start_call_by_robot",
        json!({"Robot_Account": "robot", "CalleeList_Account": ["alice"], "Timeout": 30000, "CallInfo": info}),
    )
}

fn call_info(sb: &Sandbox, id: &str) -> Value {
    im(sb, "v4/call_engine_http_srv/get_call_info", json!({"CallId": id}))
}

#[test]
fn a_call_room_keeps_its_kind_numeric_1234_is_not_string_1234() {
    let sb = sandbox();
    let rx = Receiver::start();
    let commands = ["Call.CallbackAfterStartCall", "Call.CallbackAfterMemberChanged", "Call.CallbackAfterEndCall"];
    let v = im(&sb, "v4/call_config/set_callback", json!({"Url": rx.url, "CallbackCommandList": commands}));
    assert_eq!(v["ErrorCode"], 0, "{v}");

    // RoomIdType 1 with RoomId "1234": the call lives in numeric room 1234.
    let v = robot_call(&sb, "1234", Some(1));
    let id = v["Response"]["CallId"].as_str().expect("a CallId").to_string();
    let info = call_info(&sb, &id);
    assert_eq!(info["Response"]["CallInfo"]["RoomId"], "1234", "a string, as Call reports it");
    assert_eq!(info["Response"]["CallInfo"]["RoomIdType"], 1);
    let start = rx.next();
    assert_eq!(start.header("content-type"), Some("application/json"));
    assert!(start.path.contains("CallbackCommand=Call.CallbackAfterStartCall"), "{}", start.path);
    let start = start.json();
    assert_eq!(start["CallbackCommand"], "Call.CallbackAfterStartCall");
    assert_eq!(
        (start["CallInfo"]["RoomId"].clone(), start["CallInfo"]["RoomIdType"].clone()),
        (json!("1234"), json!(1))
    );
    let r = room(&sb, json!(1234)).expect("numeric room 1234");
    assert_eq!((r["users"].clone(), r["CallId"].as_str()), (json!(["robot"]), Some(id.as_str())));
    assert!(room(&sb, json!("1234")).is_none(), "no string room \"1234\"");

    // The classic trap: the string-room actions do not reach it.
    let str_room = json!({"SdkAppId": APP, "RoomId": "1234"});
    assert_eq!(post(&sb, "DismissRoomByStrRoomId", str_room.clone()), "FailedOperation.RoomNotExist");
    let remove = json!({"SdkAppId": APP, "RoomId": "1234", "UserIds": ["robot"]});
    assert_eq!(post(&sb, "RemoveUserByStrRoomId", remove), "FailedOperation.RoomNotExist");
    let block = json!({"SdkAppId": APP, "StrRoomId": "1234", "UserId": "robot", "IsMute": 1});
    assert_eq!(post(&sb, "SetUserBlockedByStrRoomId", block), "FailedOperation.RoomNotExist");
    assert_eq!(call_info(&sb, &id)["ErrorCode"], 0, "the call lives on");

    // Members who are Calling are users of the room; the invited are not yet.
    let answer = json!({"user": "alice", "action": "Answer"});
    ctl(&sb, "POST", &format!("/_sandbox/calls/{id}/members"), answer);
    assert_eq!(rx.next().json()["CallbackCommand"], "Call.CallbackAfterMemberChanged");
    assert_eq!(room(&sb, json!(1234)).unwrap()["users"], json!(["robot", "alice"]));
    let block = json!({"SdkAppId": APP, "RoomId": 1234, "UserId": "alice", "IsMute": 2});
    assert_eq!(post(&sb, "SetUserBlocked", block), "");

    // A string room "1234" can exist beside it, and dismissing it leaves the call alone.
    ctl(&sb, "POST", "/_sandbox/rooms", json!({"room_id": "1234", "users": ["x"]}));
    assert_eq!(post(&sb, "DismissRoomByStrRoomId", str_room), "");
    assert_eq!(call_info(&sb, &id)["ErrorCode"], 0, "the call lives on");

    // The numeric action ends it; record and webhook report the room as Call does.
    assert_eq!(post(&sb, "DismissRoom", json!({"SdkAppId": APP, "RoomId": 1234})), "");
    assert_eq!(call_info(&sb, &id)["ErrorCode"], 101004);
    let end = rx.next().json();
    assert_eq!(end["CallbackCommand"], "Call.CallbackAfterEndCall");
    assert_eq!(
        (end["CallRecord"]["RoomId"].clone(), end["CallRecord"]["RoomIdType"].clone()),
        (json!("1234"), json!(1))
    );
    assert_eq!(end["CallRecord"]["CallResult"], "NormalEnd");
    let rec = im(&sb, "v4/call_record_http_srv/get_record_by_callid", json!({"CallId": id}));
    let rec = &rec["Response"]["CallRecord"];
    assert_eq!((rec["RoomId"].clone(), rec["RoomIdType"].clone()), (json!("1234"), json!(1)));
    assert!(sb.state()["rooms"].as_array().unwrap().is_empty(), "the call's room went with it");
    rx.quiet();
}

#[test]
fn a_string_room_call_is_reached_only_by_the_string_actions() {
    let sb = sandbox();
    // Control-created, room_id_type 2: the digits are a string room.
    let id = ctl(
        &sb,
        "POST",
        "/_sandbox/calls",
        json!({"caller": "a", "callees": ["b"], "room_id": 1234, "room_id_type": 2}),
    )["CallId"]
        .as_str()
        .unwrap()
        .to_string();
    let info = call_info(&sb, &id);
    assert_eq!(
        (info["Response"]["CallInfo"]["RoomId"].clone(), info["Response"]["CallInfo"]["RoomIdType"].clone()),
        (json!("1234"), json!(2))
    );
    assert!(room(&sb, json!("1234")).is_some() && room(&sb, json!(1234)).is_none());
    assert_eq!(post(&sb, "DismissRoom", json!({"SdkAppId": APP, "RoomId": 1234})), "FailedOperation.RoomNotExist");
    assert_eq!(post(&sb, "DismissRoomByStrRoomId", json!({"SdkAppId": APP, "RoomId": "1234"})), "");
    assert_eq!(call_info(&sb, &id)["ErrorCode"], 101004);
    let rec = &im(&sb, "v4/call_record_http_srv/get_record_by_callid", json!({"CallId": id}))["Response"]["CallRecord"];
    assert_eq!(
        (rec["RoomId"].clone(), rec["RoomIdType"].clone(), rec["CallResult"].clone()),
        (json!("1234"), json!(2), json!("Cancel"))
    );

    // Control: a digit string with room_id_type 1 is the numeric room.
    let id = ctl(
        &sb,
        "POST",
        "/_sandbox/calls",
        json!({"caller": "a", "callees": ["b"], "room_id": "77", "room_id_type": 1}),
    )["CallId"]
        .as_str()
        .unwrap()
        .to_string();
    assert_eq!(call_info(&sb, &id)["Response"]["CallInfo"]["RoomIdType"], 1);
    assert!(room(&sb, json!(77)).is_some());

    // start_call_by_robot: a RoomId without RoomIdType is a string room; no room is "" and 0.
    let v = robot_call(&sb, "abc", None);
    let info = call_info(&sb, v["Response"]["CallId"].as_str().unwrap());
    assert_eq!(
        (info["Response"]["CallInfo"]["RoomId"].clone(), info["Response"]["CallInfo"]["RoomIdType"].clone()),
        (json!("abc"), json!(2))
    );
    let v = im(
        &sb,
        "v4/call_engine_http_srv/start_call_by_robot",
        json!({"Robot_Account": "r", "CalleeList_Account": ["a"], "Timeout": 10000, "CallInfo": {"MediaType": "Video"}}),
    );
    let info = call_info(&sb, v["Response"]["CallId"].as_str().unwrap());
    assert_eq!(
        (info["Response"]["CallInfo"]["RoomId"].clone(), info["Response"]["CallInfo"]["RoomIdType"].clone()),
        (json!(""), json!(0))
    );

    // A numeric RoomId must read back the same: no sign, no leading zero, in range.
    for bad in ["01234", "+5", "0", "abc", "4294967295", " 5"] {
        assert_eq!(robot_call(&sb, bad, Some(1))["ErrorCode"], 101002, "{bad}");
        let body = json!({"caller": "a", "callees": ["b"], "room_id": bad, "room_id_type": 1});
        assert_eq!(
            sb.control("POST", "/_sandbox/calls", &body).0,
            if bad == "4294967295" { 200 } else { 400 },
            "{bad}"
        );
    }
    assert_eq!(robot_call(&sb, "r", Some(3))["ErrorCode"], 101002);
}

// ---------------------------------------------------------------- unsigned Call callbacks

/// The query parameters of a webhook's URL.
fn query(path: &str) -> Vec<(String, String)> {
    let q = path.split_once('?').map_or("", |(_, q)| q);
    q.split('&').filter_map(|p| p.split_once('=')).map(|(k, v)| (k.to_string(), v.to_string())).collect()
}

fn param<'a>(q: &'a [(String, String)], k: &str) -> Option<&'a str> {
    q.iter().find(|(n, _)| n == k).map(|(_, v)| v.as_str())
}

#[test]
fn call_callbacks_can_go_unsigned_while_desk_keeps_its_sign() {
    use sha2::{Digest, Sha256};
    let token = "tok-unsigned-call";
    for sign_call in [false, true] {
        let config = SandboxConfig {
            webhook_token: Some(token.into()),
            sign_call_webhooks: sign_call,
            enforce_rate_limits: false,
            ..SandboxConfig::default()
        };
        let sb = Sandbox::start(config).unwrap();
        let rx = Receiver::start();
        let list = ["Call.CallbackAfterStartCall"];
        assert_eq!(
            im(&sb, "v4/call_config/set_callback", json!({"Url": rx.url, "CallbackCommandList": list}))["ErrorCode"],
            0
        );
        ctl(&sb, "POST", "/_sandbox/desk/callback", json!({"url": rx.url}));
        ctl(&sb, "POST", "/_sandbox/calls", json!({"caller": "a", "callees": ["b"]}));
        let call = rx.next();
        let q = query(&call.path);
        assert_eq!(param(&q, "CallbackCommand"), Some("Call.CallbackAfterStartCall"));
        assert_eq!(param(&q, "SdkAppid"), Some("1400000001"));
        if sign_call {
            assert!(param(&q, "Sign").is_some() && param(&q, "RequestTime").is_some(), "{}", call.path);
        } else {
            assert!(param(&q, "Sign").is_none() && param(&q, "RequestTime").is_none(), "{}", call.path);
        }
        // Desk: signed either way, Sign = hex(sha256(token + RequestTime)).
        ctl(&sb, "POST", "/_sandbox/desk/sessions", json!({"session_id": "s1", "client_user_id": "u1"}));
        assert_eq!(im(&sb, "v4/desk_http_svc/end_session", json!({"SessionId": "s1"}))["ErrorCode"], 0);
        let desk = rx.next();
        let q = query(&desk.path);
        assert_eq!(param(&q, "CallbackCommand"), Some("Desk.SessionEventNotify"));
        let time = param(&q, "RequestTime").expect("RequestTime");
        let want: String = Sha256::digest(format!("{token}{time}")).iter().map(|b| format!("{b:02x}")).collect();
        assert_eq!(param(&q, "Sign"), Some(want.as_str()), "{}", desk.path);
        rx.quiet();
    }
}

// ---------------------------------------------------------------- TRTC room webhooks

/// base64(HMAC-SHA256(key, body)), computed here, independently of the sandbox.
fn hmac_b64(key: &str, body: &[u8]) -> String {
    use base64::Engine;
    use hmac::{Hmac, Mac};
    let mut mac = Hmac::<sha2::Sha256>::new_from_slice(key.as_bytes()).unwrap();
    mac.update(body);
    base64::engine::general_purpose::STANDARD.encode(mac.finalize().into_bytes())
}

/// Sets the TRTC callback in-process; returns the answer.
fn trtc_callback(sb: &Sandbox, body: Value) -> Value {
    ctl(sb, "POST", "/_sandbox/trtc/callback", body)
}

/// The next TRTC webhook, checked: headers, Sign over the exact bytes (when `key`), the
/// doc's tab layout. Returns (EventType, RoomId, UserId, the parsed body, the hook).
fn next_event(rx: &Receiver, key: Option<&str>) -> (u64, Value, Value, Value, Hook) {
    let hook = rx.next();
    assert_eq!(hook.path, "/hook", "no query parameters");
    assert_eq!(hook.header("Content-Type"), Some("application/json"));
    assert_eq!(hook.header("SdkAppId"), Some("1400000001"));
    match key {
        Some(k) => assert_eq!(hook.header("Sign"), Some(hmac_b64(k, &hook.body).as_str())),
        None => assert_eq!(hook.header("Sign"), None),
    }
    let v = hook.json();
    assert!(hook.body.starts_with(b"{\n\t\"EventGroupId\":\t1,\n\t\"EventType\":\t"), "the doc's layout");
    assert_ne!(hook.body, serde_json::to_vec(&v).unwrap(), "not compact: receivers must keep the raw bytes");
    let info = &v["EventInfo"];
    let now_ms = tccall::transport::unix_now() * 1000;
    let ts = v["CallbackTs"].as_u64().unwrap();
    assert!(ts.abs_diff(now_ms) < 10_000, "CallbackTs in ms");
    assert_eq!(info["EventTs"].as_u64(), Some(info["EventMsTs"].as_u64().unwrap() / 1000));
    assert!(info["UniqueId"].as_u64().is_some());
    let t = v["EventType"].as_u64().unwrap();
    if t == 103 || t == 104 {
        let fixed =
            (info["Role"].clone(), info["TerminalType"].clone(), info["UserType"].clone(), info["Reason"].clone());
        assert_eq!(fixed, (json!(20), json!(3), json!(3), json!(1)));
    }
    (t, info["RoomId"].clone(), info["UserId"].clone(), v.clone(), hook)
}

/// The next `n` events as (EventType, RoomId, UserId), all signed with `key`.
fn events(rx: &Receiver, key: Option<&str>, n: usize) -> Vec<(u64, Value, Value)> {
    (0..n).map(|_| next_event(rx, key)).map(|(t, r, u, _, _)| (t, r, u)).collect()
}

#[test]
fn trtc_room_events_are_signed_over_their_exact_bytes() {
    let sb = sandbox();
    let rx = Receiver::start();
    let key = "sandboxKey123";
    let answer = trtc_callback(&sb, json!({"url": rx.url, "key": key}));
    assert_eq!(answer, json!({"url": rx.url, "signed": true, "repeat": 1}));
    assert_eq!(ctl(&sb, "GET", "/_sandbox/trtc/callback", Value::Null), answer);
    assert_eq!(sb.state()["trtc_callback"], answer);

    // A numeric room with two users: 101, 103, 103 (RoomId a number).
    ctl(&sb, "POST", "/_sandbox/rooms", json!({"room_id": 1234, "users": ["u1", "u2"]}));
    let (t, room, user, first, _) = next_event(&rx, Some(key));
    assert_eq!((t, room, user), (101, json!(1234), json!("u1")));
    assert!(first["EventInfo"].get("Role").is_none(), "101 carries no role");
    assert_eq!(events(&rx, Some(key), 2), [(103, json!(1234), json!("u1")), (103, json!(1234), json!("u2"))]);
    // RemoveUser one: 104.
    assert_eq!(post(&sb, "RemoveUser", json!({"SdkAppId": APP, "RoomId": 1234, "UserIds": ["u1"]})), "");
    assert_eq!(events(&rx, Some(key), 1), [(104, json!(1234), json!("u1"))]);
    // DismissRoom: 104 for the one left, then 102 (no UserId).
    assert_eq!(post(&sb, "DismissRoom", json!({"SdkAppId": APP, "RoomId": 1234})), "");
    assert_eq!(events(&rx, Some(key), 2), [(104, json!(1234), json!("u2")), (102, json!(1234), Value::Null)]);
    rx.quiet();

    // The log: one trtc_webhook entry per delivery, never the key or the Sign.
    let log = sb.log();
    let hooks: Vec<&Value> = log.iter().filter(|e| e["kind"] == "trtc_webhook").collect();
    let types: Vec<u64> = hooks.iter().map(|e| e["event_type"].as_u64().unwrap()).collect();
    assert_eq!(types, [101, 103, 103, 104, 104, 102]);
    for e in &hooks {
        assert_eq!(
            (e["room"].clone(), e["http_status"].clone(), e["error"].clone()),
            (json!(1234), json!(200), Value::Null)
        );
        assert_eq!(
            (e["attempt"].clone(), e["signed"].clone(), e["url"].clone()),
            (json!(1), json!(true), json!(rx.url))
        );
    }
    let uniques: std::collections::BTreeSet<u64> = hooks.iter().map(|e| e["unique_id"].as_u64().unwrap()).collect();
    assert_eq!(uniques.len(), 6, "a UniqueId per event");
    let text = serde_json::to_string(&log).unwrap();
    assert!(!text.contains(key), "the key is never logged");
}

#[test]
fn a_call_room_reports_its_life_by_trtc_events() {
    let sb = sandbox();
    let rx = Receiver::start();
    let key = "K1";
    trtc_callback(&sb, json!({"url": rx.url, "key": key}));
    // Start: the call's room is created and the robot (caller) enters. RoomIdType 1 "1234":
    // the events name the numeric room, a JSON number.
    let v = robot_call(&sb, "1234", Some(1));
    let id = v["Response"]["CallId"].as_str().unwrap().to_string();
    assert_eq!(events(&rx, Some(key), 2), [(101, json!(1234), json!("robot")), (103, json!(1234), json!("robot"))]);
    // Answer: alice enters.
    ctl(&sb, "POST", &format!("/_sandbox/calls/{id}/members"), json!({"user": "alice", "action": "Answer"}));
    assert_eq!(events(&rx, Some(key), 1), [(103, json!(1234), json!("alice"))]);
    // End: both exit, the room is dismissed.
    assert_eq!(im(&sb, "v4/call_engine_http_srv/end_call", json!({"CallId": id}))["ErrorCode"], 0);
    assert_eq!(
        events(&rx, Some(key), 3),
        [(104, json!(1234), json!("robot")), (104, json!(1234), json!("alice")), (102, json!(1234), Value::Null)]
    );
    // A string-room call hung up by its callee: the callee exits, the call ends, the robot
    // exits and the room goes.
    let v = robot_call(&sb, "r-9", Some(2));
    let id = v["Response"]["CallId"].as_str().unwrap().to_string();
    ctl(&sb, "POST", &format!("/_sandbox/calls/{id}/members"), json!({"user": "alice", "action": "Answer"}));
    ctl(&sb, "POST", &format!("/_sandbox/calls/{id}/members"), json!({"user": "alice", "action": "Hangup"}));
    let r = || json!("r-9");
    assert_eq!(
        events(&rx, Some(key), 6),
        [
            (101, r(), json!("robot")),
            (103, r(), json!("robot")),
            (103, r(), json!("alice")),
            (104, r(), json!("alice")),
            (104, r(), json!("robot")),
            (102, r(), Value::Null)
        ]
    );
    rx.quiet();
}

#[test]
fn repeat_delivers_each_event_with_identical_bytes() {
    let sb = sandbox();
    let rx = Receiver::start();
    let key = "abcDEF0123456789abcDEF0123456789";
    assert_eq!(trtc_callback(&sb, json!({"url": rx.url, "key": key, "repeat": 2}))["repeat"], 2);
    ctl(&sb, "POST", "/_sandbox/rooms", json!({"room_id": "r1", "users": ["u1"]}));
    let mut seen = Vec::new();
    for _ in 0..2 {
        let (t1, room, _, _, a) = next_event(&rx, Some(key));
        let (t2, _, _, _, b) = next_event(&rx, Some(key));
        assert_eq!((t1, t2, room), (seen.len() as u64 * 2 + 101, seen.len() as u64 * 2 + 101, json!("r1")));
        assert_eq!(a.body, b.body, "a duplicate is the same bytes");
        assert_eq!(a.header("Sign"), b.header("Sign"));
        seen.push(a.body);
    }
    assert_ne!(seen[0], seen[1]);
    rx.quiet();
    let attempts: Vec<(Value, Value)> = sb
        .log()
        .iter()
        .filter(|e| e["kind"] == "trtc_webhook")
        .map(|e| (e["event_type"].clone(), e["attempt"].clone()))
        .collect();
    assert_eq!(
        attempts,
        [(json!(101), json!(1)), (json!(101), json!(2)), (json!(103), json!(1)), (json!(103), json!(2))]
    );
}

#[test]
fn without_a_key_there_is_no_sign_and_the_callback_is_checked() {
    let sb = sandbox();
    let rx = Receiver::start();
    assert_eq!(trtc_callback(&sb, json!({"url": rx.url, "key": null}))["signed"], false);
    ctl(&sb, "POST", "/_sandbox/rooms", json!({"room_id": 8, "users": []}));
    let (t, room, user, _, hook) = next_event(&rx, None);
    assert_eq!((t, room, user), (101, json!(8), Value::Null), "a room created empty names no user");
    assert_eq!(hook.header("SdkAppId"), Some("1400000001"));
    rx.quiet();
    // Bad values are 400 and leave the callback as it was.
    for bad in [
        json!({"url": "ftp://x"}),
        json!({"url": rx.url, "key": ""}),
        json!({"url": rx.url, "key": "with-dash"}),
        json!({"url": rx.url, "key": "k".repeat(33)}),
        json!({"url": rx.url, "key": 5}),
        json!({"url": rx.url, "repeat": 0}),
        json!({"url": rx.url, "repeat": 11}),
        json!({"url": rx.url, "repeat": "2"}),
        json!({"url": rx.url, "token": "x"}),
    ] {
        assert_eq!(sb.control("POST", "/_sandbox/trtc/callback", &bad).0, 400, "{bad}");
    }
    assert_eq!(sb.control("DELETE", "/_sandbox/trtc/callback", &Value::Null).0, 405);
    assert_eq!(ctl(&sb, "GET", "/_sandbox/trtc/callback", Value::Null)["url"], json!(rx.url));
    // url null clears: no more events.
    let cleared = trtc_callback(&sb, json!({"url": null}));
    assert_eq!(cleared, json!({"url": null, "signed": false, "repeat": 1}));
    assert!(sb.state()["trtc_callback"].is_null());
    assert_eq!(post(&sb, "DismissRoom", json!({"SdkAppId": APP, "RoomId": 8})), "");
    rx.quiet();
    // Reset clears it too.
    trtc_callback(&sb, json!({"url": rx.url}));
    sb.reset();
    assert!(ctl(&sb, "GET", "/_sandbox/trtc/callback", Value::Null)["url"].is_null());
}
