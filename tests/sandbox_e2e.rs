//! End to end: the real tccall client, driven through its C ABI, against an
//! in-process sandbox. Every operation, every not-found, every authentication
//! failure, every fault kind and webhook delivery with `Sign` verification.
#![cfg(feature = "sandbox")]

use serde_json::{json, Value};
use std::ffi::{c_char, CStr, CString};
use std::io::{BufRead, BufReader};
use std::sync::mpsc;
use std::sync::Arc;
use std::time::{Duration, Instant};
use tccall::auth::{tc3, usersig};
use tccall::ffi::{self, tccall_client};
use tccall::sandbox::{Sandbox, SandboxConfig};
use tccall::ErrorCode;

// ---------------------------------------------------------------- C ABI helper

type Op = unsafe extern "C" fn(*const tccall_client, *const c_char, *mut *mut c_char, *mut *mut c_char) -> i32;

/// A client handle behind a safe wrapper: JSON in, `Ok(result)` or `Err(error JSON)` out.
struct Client(*mut tccall_client);

// SAFETY: a tccall_client is Send + Sync by contract (one handle shared by all threads).
unsafe impl Send for Client {}
// SAFETY: as above.
unsafe impl Sync for Client {}

/// Takes ownership of a string tccall handed out, frees it, and parses it.
fn take(p: *mut c_char) -> Option<Value> {
    if p.is_null() {
        return None;
    }
    // SAFETY: p is a NUL-terminated string from tccall, read once and freed once.
    let text = unsafe { CStr::from_ptr(p) }.to_str().expect("tccall writes UTF-8").to_owned();
    // SAFETY: as above; never used again.
    unsafe { ffi::tccall_string_free(p) };
    Some(serde_json::from_str(&text).expect("tccall writes JSON"))
}

impl Client {
    fn new(config: &Value) -> Result<Client, Value> {
        let cfg = CString::new(config.to_string()).unwrap();
        let (mut handle, mut err) = (std::ptr::null_mut(), std::ptr::null_mut());
        // SAFETY: valid C string and out pointers for the duration of the call.
        let rc = unsafe { ffi::tccall_client_new(cfg.as_ptr(), &mut handle, &mut err) };
        match rc {
            0 => Ok(Client(handle)),
            _ => Err(take(err).expect("error JSON on failure")),
        }
    }

    fn call(&self, op: Op, request: &Value) -> Result<Value, Value> {
        let req = CString::new(request.to_string()).unwrap();
        let (mut out, mut err) = (std::ptr::null_mut(), std::ptr::null_mut());
        // SAFETY: live handle, valid C string, valid out pointers.
        let rc = unsafe { op(self.0, req.as_ptr(), &mut out, &mut err) };
        match rc {
            0 => Ok(take(out).expect("result JSON on success")),
            code => {
                let e = take(err).expect("error JSON on failure");
                assert_eq!(e["code"], code, "the error JSON carries the returned code");
                Err(e)
            }
        }
    }

    fn parse_webhook(&self, query: &str, body: &[u8]) -> Result<Value, Value> {
        let q = CString::new(query).unwrap();
        let (mut out, mut err) = (std::ptr::null_mut(), std::ptr::null_mut());
        // SAFETY: live handle; body valid for body.len() bytes.
        let rc = unsafe {
            ffi::tccall_client_parse_webhook(self.0, q.as_ptr(), body.as_ptr(), body.len(), &mut out, &mut err)
        };
        match rc {
            0 => Ok(take(out).unwrap()),
            _ => Err(take(err).unwrap()),
        }
    }
}

impl Drop for Client {
    fn drop(&mut self) {
        // SAFETY: a handle from tccall_client_new, freed once.
        unsafe { ffi::tccall_client_free(self.0) };
    }
}

/// The sandbox's client config with fast retries, edited by `edit`.
fn config(sb: &Sandbox, edit: impl FnOnce(&mut Value)) -> Value {
    let mut cfg: Value = serde_json::from_str(&sb.client_config_json()).unwrap();
    cfg["retry"] = json!({"max_attempts": 3, "base_delay_ms": 1, "max_delay_ms": 5});
    cfg["timeouts"] = json!({"connect_ms": 2000, "request_ms": 5000});
    edit(&mut cfg);
    cfg
}

fn client(sb: &Sandbox) -> Client {
    Client::new(&config(sb, |_| {})).unwrap()
}

fn sandbox() -> Sandbox {
    Sandbox::start(SandboxConfig::default()).unwrap()
}

/// Asserts an error's stable code and Tencent code.
#[track_caller]
fn assert_err(result: Result<Value, Value>, code: ErrorCode, service_code: &str) -> Value {
    let e = result.expect_err("an error");
    assert_eq!(e["code"], code.as_i32(), "{e}");
    assert_eq!(e["name"], code.name(), "{e}");
    assert_eq!(e["service_code"], service_code, "{e}");
    e
}

// ---------------------------------------------------------------- HTTP helpers

fn agent() -> ureq::Agent {
    ureq::Agent::config_builder()
        .http_status_as_error(false)
        .proxy(None)
        .timeout_global(Some(Duration::from_secs(10)))
        .build()
        .into()
}

/// A raw request: (status, Content-Type, body as JSON or a string).
fn raw(method: &str, url: &str, headers: &[(&str, &str)], body: &[u8]) -> (u16, String, Value) {
    let mut b = ureq::http::Request::builder().method(method).uri(url);
    for (k, v) in headers {
        b = b.header(*k, *v);
    }
    let mut resp = agent().run(b.body(body.to_vec()).unwrap()).unwrap();
    let status = resp.status().as_u16();
    let ctype = resp.headers().get("content-type").map(|v| v.to_str().unwrap().to_string()).unwrap_or_default();
    let text = resp.body_mut().read_to_string().unwrap();
    (status, ctype, serde_json::from_str(&text).unwrap_or(Value::String(text)))
}

/// A control endpoint over HTTP; asserts 200.
fn ctl(sb: &Sandbox, method: &str, path: &str, body: Value) -> Value {
    let bytes = if body.is_null() { Vec::new() } else { body.to_string().into_bytes() };
    let (status, _, v) =
        raw(method, &format!("{}{path}", sb.base_url()), &[("Content-Type", "application/json")], &bytes);
    assert_eq!(status, 200, "{method} {path}: {v}");
    v
}

/// API log entries whose path or action contains `what`.
fn api_log(sb: &Sandbox, what: &str) -> Vec<Value> {
    let log = ctl(sb, "GET", "/_sandbox/log", Value::Null);
    let entries = log["entries"].as_array().unwrap().clone();
    entries
        .into_iter()
        .filter(|e| e["kind"] != "webhook")
        .filter(|e| e["path"].as_str().or(e["action"].as_str()).is_some_and(|t| t.contains(what)))
        .collect()
}

fn fault(sb: &Sandbox, f: Value) {
    ctl(sb, "POST", "/_sandbox/faults", f);
}

fn robot_call(c: &Client, room: Value) -> String {
    let mut req = json!({"Robot_Account": "robot", "CalleeList_Account": ["alice"], "Timeout": 30000,
                         "CallInfo": {"MediaType": "Audio"}});
    if !room.is_null() {
        req["CallInfo"]["RoomId"] = room.clone();
        req["CallInfo"]["RoomIdType"] =
            json!(if room.as_str().is_some_and(|r| r.parse::<u64>().is_ok()) { 1 } else { 2 });
    }
    let v = c.call(ffi::tccall_client_start_call_by_robot, &req).unwrap();
    v["CallId"].as_str().unwrap().to_string()
}

// ---------------------------------------------------------------- every operation

#[test]
fn every_operation_succeeds_through_the_c_abi() {
    let sb = sandbox();
    every_operation(&sb, &client(&sb));
}

#[test]
fn every_operation_succeeds_over_https() {
    let sb = sandbox();
    let mut cfg: Value = serde_json::from_str(&sb.https_client_config_json()).unwrap();
    cfg["retry"] = json!({"max_attempts": 3, "base_delay_ms": 1, "max_delay_ms": 5});
    let c = Client::new(&cfg).unwrap();
    every_operation(&sb, &c);
}

/// Every network operation, each checked against the sandbox's state.
fn every_operation(sb: &Sandbox, c: &Client) {
    let v = c
        .call(
            ffi::tccall_client_start_call_by_robot,
            &json!({"Robot_Account": "robot", "CalleeList_Account": ["alice", "bob"], "Timeout": 60000,
                    "UserData": "x", "CallInfo": {"MediaType": "Video", "RoomId": "room-1", "RoomIdType": 2},
                    "OfflinePushInfo": {"PushFlag": 0, "Title": "t"}}),
        )
        .unwrap();
    let id = v["CallId"].as_str().unwrap().to_string();
    assert_eq!(id.len(), 36);
    assert_eq!(
        v["CallResult"],
        json!([{"Callee_Account": "alice", "ResultCode": 0}, {"Callee_Account": "bob", "ResultCode": 0}])
    );
    assert!(v["RequestId"].as_str().unwrap().starts_with("Id-"));

    let info = c.call(ffi::tccall_client_get_call_info, &json!({"CallId": id})).unwrap();
    assert_eq!(
        info["CallInfo"],
        json!({"CallId": id, "MediaType": "Video", "ChatGroupId": "", "RoomId": "room-1", "RoomIdType": 2})
    );
    assert_eq!(
        info["UserList"],
        json!([{"User_Account": "robot", "Status": "Calling"}, {"User_Account": "alice", "Status": "Waiting"},
               {"User_Account": "bob", "Status": "Waiting"}])
    );

    let v = c.call(ffi::tccall_client_end_call, &json!({"CallId": id})).unwrap();
    assert!(v["RequestId"].is_string());
    assert!(v.get("already_ended").is_none());

    let rec = c.call(ffi::tccall_client_get_call_record, &json!({"CallId": id})).unwrap();
    let r = &rec["CallRecord"];
    assert_eq!((r["CallResult"].as_str(), r["CallType"].as_str()), (Some("Cancel"), Some("MultiCall")));
    assert_eq!(r["CalleeList_Account"], json!(["robot", "alice", "bob"]));
    assert_eq!((r["AcceptTime"].as_u64(), r["RoomIdType"].as_u64()), (Some(0), Some(2)));
    assert!(r["EndTime"].as_u64() >= r["StartTime"].as_u64());

    let list = c.call(ffi::tccall_client_search_call_records, &json!({})).unwrap();
    assert_eq!((list["TotalNum"].as_u64(), list["Page"].as_u64()), (Some(1), Some(1)));
    assert_eq!(list["CallRecordList"][0]["CallId"], id.as_str());
    let list = c
        .call(
            ffi::tccall_client_search_call_records,
            &json!({"CallResult": "Cancel", "CallType": "MultiCall", "NumberPerPage": 5, "Page": 1}),
        )
        .unwrap();
    assert_eq!(list["TotalNum"], 1);

    // Webhook configuration: set, read, delete (twice: deleting nothing succeeds).
    let cfg = json!({"Url": "http://127.0.0.1:9/cb", "CallbackCommandList": ["Call.CallbackAfterEndCall"]});
    c.call(ffi::tccall_client_set_callback_config, &cfg).unwrap();
    let got = c.call(ffi::tccall_client_get_callback_config, &json!({})).unwrap();
    assert_eq!((&got["Url"], &got["CallbackCommandList"]), (&cfg["Url"], &cfg["CallbackCommandList"]));
    c.call(ffi::tccall_client_delete_callback_config, &json!({})).unwrap();
    c.call(ffi::tccall_client_delete_callback_config, &json!({})).unwrap();

    // TRTC: numeric and string rooms, dismiss and remove.
    ctl(sb, "POST", "/_sandbox/rooms", json!({"room_id": 1234, "users": ["u1", "u2"]}));
    ctl(sb, "POST", "/_sandbox/rooms", json!({"room_id": "r-abc", "users": ["u1", "u2", "u3"]}));
    let v = c.call(ffi::tccall_client_remove_users, &json!({"RoomId": 1234, "UserIds": ["u1"]})).unwrap();
    assert_eq!(v["RequestId"].as_str().unwrap().len(), 36);
    c.call(ffi::tccall_client_remove_users, &json!({"RoomId": "r-abc", "UserIds": ["u1", "u3"]})).unwrap();
    c.call(ffi::tccall_client_dismiss_room, &json!({"RoomId": 1234})).unwrap();
    c.call(ffi::tccall_client_dismiss_room, &json!({"RoomId": "r-abc", "SdkAppId": 1400000001})).unwrap();
    assert_eq!(sb.state()["rooms"], json!([]));
    let actions: Vec<Value> =
        api_log(sb, "").iter().filter(|e| e["kind"] == "cloud").map(|e| e["action"].clone()).collect();
    assert_eq!(actions, ["RemoveUser", "RemoveUserByStrRoomId", "DismissRoom", "DismissRoomByStrRoomId"]);

    // Desk.
    let s = ctl(sb, "POST", "/_sandbox/desk/sessions", json!({"client_user_id": "cu1", "agent_id": "ag@x.com"}));
    let sid = s["SessionId"].as_str().unwrap().to_string();
    let st = c.call(ffi::tccall_client_get_desk_session_state, &json!({"SessionId": sid})).unwrap();
    assert_eq!((st["CurrentState"].as_str(), st["AgentId"].as_str()), (Some("Agent"), Some("ag@x.com")));
    let st = c
        .call(
            ffi::tccall_client_get_desk_session_state,
            &json!({"ClientUserId": "cu1", "CustomerServiceId": "@customer_service_account"}),
        )
        .unwrap();
    assert_eq!(st["SessionId"], sid.as_str());
    c.call(ffi::tccall_client_end_desk_session, &json!({"SessionId": sid})).unwrap();
    let st = c.call(ffi::tccall_client_get_desk_session_state, &json!({"SessionId": sid})).unwrap();
    assert_eq!((st["CurrentState"].as_str(), st["AgentId"].as_str()), (Some("NotInSession"), Some("")));
    let now = tccall::transport::unix_now();
    let cdr = c
        .call(ffi::tccall_client_list_desk_sessions, &json!({"StartTimestamp": now - 60, "EndTimestamp": now + 60}))
        .unwrap();
    assert_eq!(cdr["TotalCount"], 1);
    let e = &cdr["IMCdrList"][0];
    assert_eq!((e["SessionId"].as_str(), e["ClientUserId"].as_str()), (Some(sid.as_str()), Some("cu1")));
    for k in [
        "AgentGroupId",
        "AgentGroupName",
        "AgentId",
        "ChannelType",
        "ClientUserNickName",
        "Duration",
        "EndStatus",
        "SatisfactionSelected",
        "Timestamp",
    ] {
        assert!(e.get(k).is_some(), "{k} missing in {e}");
    }
    let cdr = c
        .call(
            ffi::tccall_client_list_desk_sessions,
            &json!({"StartTimestamp": now - 60, "EndTimestamp": now + 60, "ClientUserId": "someone-else", "Limit": 5}),
        )
        .unwrap();
    assert_eq!((cdr["TotalCount"].as_u64(), cdr["IMCdrList"].clone()), (Some(0), json!([])));

    // The escape hatches: a raw IM command and a raw Cloud API action.
    let v = c.call(ffi::tccall_client_im_request, &json!({"path": "v4/call_config/get_callback"})).unwrap_err();
    assert_eq!(v["service_code"], "100301", "{v}");
    ctl(sb, "POST", "/_sandbox/rooms", json!({"room_id": 77, "users": ["u1"]}));
    let v = c
        .call(
            ffi::tccall_client_cloud_api_request,
            &json!({"action": "DismissRoom", "params": {"SdkAppId": 1400000001, "RoomId": 77}}),
        )
        .unwrap();
    assert!(v["RequestId"].is_string(), "{v}");

    // The log never holds a UserSig or an Authorization.
    let log = ctl(sb, "GET", "/_sandbox/log", Value::Null).to_string();
    assert!(!log.contains("eJ") && !log.contains("TC3-HMAC") && !log.contains(&sb.config().secret_key));
}

// ---------------------------------------------------------------- not found

#[test]
fn not_found_cases_are_tccall_e_not_found() {
    let sb = sandbox();
    let c = client(&sb);
    let id = robot_call(&c, Value::Null);
    c.call(ffi::tccall_client_end_call, &json!({"CallId": id})).unwrap();
    let e = assert_err(c.call(ffi::tccall_client_end_call, &json!({"CallId": id})), ErrorCode::NotFound, "101004");
    assert_eq!((e["attempts"].as_u64(), e["retryable"].as_bool()), (Some(1), Some(false)));
    assert!(e["request_id"].as_str().unwrap().starts_with("Id-"));
    assert_err(c.call(ffi::tccall_client_get_call_info, &json!({"CallId": id})), ErrorCode::NotFound, "101004");
    assert_err(c.call(ffi::tccall_client_get_call_record, &json!({"CallId": "nope"})), ErrorCode::NotFound, "101050");
    let old = json!({"StartTime": 0, "EndTime": 1});
    assert_err(c.call(ffi::tccall_client_search_call_records, &old), ErrorCode::NotFound, "101050");
    assert_err(c.call(ffi::tccall_client_get_callback_config, &json!({})), ErrorCode::NotFound, "100301");
    assert_err(
        c.call(ffi::tccall_client_dismiss_room, &json!({"RoomId": 99})),
        ErrorCode::NotFound,
        "FailedOperation.RoomNotExist",
    );
    assert_err(
        c.call(ffi::tccall_client_remove_users, &json!({"RoomId": "none", "UserIds": ["a"]})),
        ErrorCode::NotFound,
        "FailedOperation.RoomNotExist",
    );
    let s = ctl(&sb, "POST", "/_sandbox/desk/sessions", json!({"session_id": "s-1", "client_user_id": "u"}));
    assert_eq!(s["SessionId"], "s-1");
    c.call(ffi::tccall_client_end_desk_session, &json!({"SessionId": "s-1"})).unwrap();
    assert_err(
        c.call(ffi::tccall_client_end_desk_session, &json!({"SessionId": "s-1"})),
        ErrorCode::NotFound,
        "141005",
    );
    assert_err(
        c.call(ffi::tccall_client_get_desk_session_state, &json!({"SessionId": "nope"})),
        ErrorCode::NotFound,
        "141005",
    );
}

// ---------------------------------------------------------------- IM authentication

#[test]
fn im_auth_failures_through_the_client() {
    let sb = sandbox();
    let req = json!({"CallId": "x"});
    let wrong_key = Client::new(&config(&sb, |c| c["secret_key"] = json!("another-key"))).unwrap();
    let e = assert_err(wrong_key.call(ffi::tccall_client_get_call_info, &req), ErrorCode::AuthRejected, "70009");
    assert_eq!(e["attempts"], 1);
    let wrong_app = Client::new(&config(&sb, |c| c["sdk_app_id"] = json!(1400000002))).unwrap();
    let e = assert_err(wrong_app.call(ffi::tccall_client_get_call_info, &req), ErrorCode::AppConfig, "70020");
    assert!(e["message"].as_str().unwrap().contains("is im_region right?"), "{e}");
    let not_admin = Client::new(&config(&sb, |c| c["admin_user_id"] = json!("alice"))).unwrap();
    assert_err(not_admin.call(ffi::tccall_client_end_call, &req), ErrorCode::AuthRejected, "60010");
    // Desk goes through the same gateway.
    assert_err(
        not_admin.call(ffi::tccall_client_end_desk_session, &json!({"SessionId": "s"})),
        ErrorCode::AuthRejected,
        "60010",
    );
    // No secrets in the error JSON.
    assert!(!e.to_string().contains("another-key"));
}

fn im_url(sb: &Sandbox, path: &str, query: &str) -> String {
    format!("{}/{path}?{query}", sb.base_url())
}

#[test]
fn im_gateway_checks_in_order_over_raw_http() {
    let sb = sandbox();
    let key = sb.config().secret_key.clone();
    let now = tccall::transport::unix_now();
    let mint = |app: u64, key: &str, user: &str, ttl: u64, time: u64| {
        usersig::Issuer { sdk_app_id: app, key, compression: Default::default() }.usersig(user, ttl, time, None)
    };
    let good = mint(1400000001, &key, "administrator", 86400, now);
    let expired = mint(1400000001, &key, "administrator", 60, now - 3600);
    let other_app = mint(1400000002, &key, "administrator", 86400, now);
    let other_user = mint(1400000001, &key, "bob", 86400, now);
    let wrong_key = mint(1400000001, "nope", "administrator", 86400, now);
    let non_admin = mint(1400000001, &key, "bob", 86400, now);
    let q = |app: &str, id: &str, sig: &str, tail: &str| format!("sdkappid={app}&identifier={id}&usersig={sig}{tail}");
    let tail = "&random=99999999&contenttype=json";
    let info = "v4/call_engine_http_srv/get_call_info";
    let cases: Vec<(String, &str, &[u8], i64)> = vec![
        (format!("identifier=administrator&usersig={good}{tail}"), info, b"{}", 60012),
        (q("1400000009", "administrator", &good, tail), info, b"{}", 70020),
        (q("1400000001", "administrator", "", tail), info, b"{}", 70002),
        (format!("sdkappid=1400000001&usersig={good}{tail}"), info, b"{}", 60004),
        (q("1400000001", "administrator", "eJyrVgrxCdYrSy1S", tail), info, b"{}", 70003),
        (q("1400000001", "administrator", &other_app, tail), info, b"{}", 70014),
        (q("1400000001", "administrator", &other_user, tail), info, b"{}", 70013),
        (q("1400000001", "administrator", &wrong_key, tail), info, b"{}", 70009),
        (q("1400000001", "administrator", &expired, tail), info, b"{}", 70001),
        (q("1400000001", "bob", &non_admin, tail), info, b"{}", 60010),
        (q("1400000001", "administrator", &good, "&contenttype=json"), info, b"{}", 60002),
        (q("1400000001", "administrator", &good, "&random=1&contenttype=xml"), info, b"{}", 60002),
        (q("1400000001", "administrator", &good, tail), info, b"", 60003),
        (q("1400000001", "administrator", &good, tail), info, b"[1]", 60003),
        (q("1400000001", "administrator", &good, tail), "v4/call_engine_http_srv/nope", b"{}", 60009),
        (q("1400000001", "administrator", &good, tail), "v4/openim/querystate", b"{}", 60009),
        // Per-API invalid-parameter codes.
        (q("1400000001", "administrator", &good, tail), info, b"{}", 101002),
        (q("1400000001", "administrator", &good, tail), info, br#"{"CallId": 5}"#, 101002),
        (
            q("1400000001", "administrator", &good, tail),
            "v4/call_engine_http_srv/start_call_by_robot",
            br#"{"Robot_Account":"r","CalleeList_Account":["a"],"Timeout":5000,"CallInfo":{"MediaType":"Audio"}}"#,
            101002,
        ),
        (
            q("1400000001", "administrator", &good, tail),
            "v4/call_engine_http_srv/start_call_by_robot",
            br#"{"Robot_Account":"r","CalleeList_Account":["a"],"Timeout":10000,"CallInfo":{"MediaType":"audio"}}"#,
            101002,
        ),
        (
            q("1400000001", "administrator", &good, tail),
            "v4/call_config/set_callback",
            br#"{"Url":"ftp://x","CallbackCommandList":["Call.CallbackAfterEndCall"]}"#,
            100002,
        ),
        (
            q("1400000001", "administrator", &good, tail),
            "v4/call_config/set_callback",
            br#"{"Url":"http://x","CallbackCommandList":["Desk.SessionEventNotify"]}"#,
            100002,
        ),
        (q("1400000001", "administrator", &good, tail), "v4/desk_http_svc/end_session", b"{}", 141004),
        (
            q("1400000001", "administrator", &good, tail),
            "v4/desk_http_svc/describe_im_cdr_list",
            br#"{"StartTimestamp":1}"#,
            141004,
        ),
        (
            q("1400000001", "administrator", &good, tail),
            "v4/desk_http_svc/get_session_state",
            br#"{"CustomerServiceId":"@customer_service_account"}"#,
            141004,
        ),
    ];
    for (query, path, body, want) in cases {
        let (status, ctype, v) = raw("POST", &im_url(&sb, path, &query), &[], body);
        assert_eq!((status, ctype.as_str()), (200, "application/json"));
        assert_eq!(v["ErrorCode"], want, "{path}?{query} {}: {v}", String::from_utf8_lossy(body));
        assert_eq!(v["ActionStatus"], "FAIL");
        assert!(v["RequestId"].as_str().unwrap().starts_with("Id-"), "{v}");
        assert!(!v.to_string().contains(&good), "never echo the UserSig");
    }
    // GET is refused after authentication.
    let (_, _, v) = raw("GET", &im_url(&sb, info, &q("1400000001", "administrator", &good, tail)), &[], b"");
    assert_eq!(v["ErrorCode"], 60002);
    // A success has the full envelope, with Call v4 data under Response.
    let body = br#"{"Robot_Account":"r","CalleeList_Account":["a"],"Timeout":10000,"CallInfo":{"MediaType":"Audio"}}"#;
    let url =
        im_url(&sb, "v4/call_engine_http_srv/start_call_by_robot", &q("1400000001", "administrator", &good, tail));
    let (_, _, v) = raw("POST", &url, &[], body);
    assert_eq!((&v["ActionStatus"], &v["ErrorCode"], &v["ErrorInfo"]), (&json!("OK"), &json!(0), &json!("")));
    assert!(v["Response"]["CallId"].is_string(), "{v}");
    // The log names the identifier, never the UserSig.
    let log = ctl(&sb, "GET", "/_sandbox/log", Value::Null);
    assert!(log["entries"].as_array().unwrap().iter().any(|e| e["identifier"] == "bob" && e["code"] == 60010));
    assert!(!log.to_string().contains(&good));
}

// ---------------------------------------------------------------- TC3

#[test]
fn tc3_failures_through_the_client() {
    let sb = sandbox();
    ctl(&sb, "POST", "/_sandbox/rooms", json!({"room_id": 7, "users": ["a"]}));
    let req = json!({"RoomId": 7});
    let bad_key = Client::new(&config(&sb, |c| c["cloud_api"]["secret_key"] = json!("wrong"))).unwrap();
    assert_err(
        bad_key.call(ffi::tccall_client_dismiss_room, &req),
        ErrorCode::AuthRejected,
        "AuthFailure.SignatureFailure",
    );
    let bad_id = Client::new(&config(&sb, |c| c["cloud_api"]["secret_id"] = json!("AKIDunknown"))).unwrap();
    assert_err(
        bad_id.call(ffi::tccall_client_dismiss_room, &req),
        ErrorCode::AuthRejected,
        "AuthFailure.SecretIdNotFound",
    );
    let bad_region = Client::new(&config(&sb, |c| c["cloud_api"]["region"] = json!("ap-shanghai"))).unwrap();
    assert_err(bad_region.call(ffi::tccall_client_dismiss_room, &req), ErrorCode::Service, "UnsupportedRegion");
    let c = client(&sb);
    let raw_req = |action: &str, version: &str| {
        json!({"service": "trtc", "version": version, "action": action,
               "params": {"SdkAppId": 1400000001, "RoomId": 7}})
    };
    assert_err(
        c.call(ffi::tccall_client_cloud_api_request, &raw_req("DescribeRoomInfo", "2019-07-22")),
        ErrorCode::Service,
        "InvalidAction",
    );
    assert_err(
        c.call(ffi::tccall_client_cloud_api_request, &raw_req("DismissRoom", "2020-01-01")),
        ErrorCode::Service,
        "NoSuchVersion",
    );
    // The room survived every refused request; a good one dismisses it.
    c.call(ffi::tccall_client_cloud_api_request, &raw_req("DismissRoom", "2019-07-22")).unwrap();
    assert_eq!(sb.state()["rooms"], json!([]));
}

/// A hand-signed Cloud API request (`headers` signed in the order given).
fn signed(
    sb: &Sandbox,
    method: &str,
    query: &str,
    body: &[u8],
    ts: u64,
    extra_signed: &[(&str, &str)],
) -> Vec<(String, String)> {
    let host = sb.base_url().trim_start_matches("http://").to_string();
    let ctype = if method == "GET" { "application/x-www-form-urlencoded" } else { "application/json" };
    let mut to_sign: Vec<(String, String)> = vec![("content-type".into(), ctype.into()), ("host".into(), host.clone())];
    to_sign.extend(extra_signed.iter().map(|(k, v)| (k.to_string(), v.to_string())));
    let refs: Vec<(&str, &str)> = to_sign.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    let hashed = tc3::payload_hash(body, false);
    let sig = tc3::sign(&tc3::SignInput {
        secret_id: &sb.config().cloud_secret_id,
        secret_key: &sb.config().cloud_secret_key,
        service: "trtc",
        method,
        canonical_query: query,
        headers: &refs,
        hashed_payload: &hashed,
        timestamp: ts,
        signing_key: None,
    });
    vec![
        ("Content-Type".into(), ctype.into()),
        ("Host".into(), host),
        ("X-TC-Action".into(), "DismissRoom".into()),
        ("X-TC-Version".into(), "2019-07-22".into()),
        ("X-TC-Region".into(), "ap-guangzhou".into()),
        ("X-TC-Timestamp".into(), ts.to_string()),
        ("Authorization".into(), sig.authorization),
    ]
}

type Headers = Vec<(String, String)>;

fn cloud_raw(sb: &Sandbox, method: &str, query: &str, headers: &[(String, String)], body: &[u8]) -> (String, Value) {
    let url = if query.is_empty() { format!("{}/", sb.base_url()) } else { format!("{}/?{query}", sb.base_url()) };
    let h: Vec<(&str, &str)> = headers.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    let (status, ctype, v) = raw(method, &url, &h, body);
    assert_eq!(status, 200);
    (ctype, v)
}

fn error_code(v: &Value) -> &str {
    v["Response"]["Error"]["Code"].as_str().unwrap_or("")
}

#[test]
fn tc3_checks_over_raw_http() {
    let sb = sandbox();
    let now = tccall::transport::unix_now();
    ctl(&sb, "POST", "/_sandbox/rooms", json!({"room_id": 41, "users": ["a"]}));
    let body = br#"{"SdkAppId": 1400000001, "RoomId": 41}"#;
    let with = |mut h: Vec<(String, String)>, name: &str, value: Option<&str>| {
        h.retain(|(k, _)| k != name);
        if let Some(v) = value {
            h.push((name.to_string(), v.to_string()));
        }
        h
    };
    let good = signed(&sb, "POST", "", body, now, &[]);
    let cases: Vec<(Headers, &[u8], &str)> = vec![
        (with(good.clone(), "Authorization", None), body, "AuthFailure.InvalidAuthorization"),
        (
            with(good.clone(), "Authorization", Some("TC3-HMAC-SHA256 nonsense")),
            body,
            "AuthFailure.InvalidAuthorization",
        ),
        (with(good.clone(), "X-TC-Timestamp", None), body, "MissingParameter"),
        (with(good.clone(), "X-TC-Timestamp", Some("soon")), body, "InvalidParameter"),
        (signed(&sb, "POST", "", body, now - 301, &[]), body, "AuthFailure.SignatureExpire"),
        // The timestamp header no longer matches the signed one.
        (with(good.clone(), "X-TC-Timestamp", Some(&(now - 1).to_string())), body, "AuthFailure.SignatureFailure"),
        (good.clone(), br#"{"SdkAppId": 1400000001, "RoomId": 42}"#, "AuthFailure.SignatureFailure"),
        (
            with(good.clone(), "Content-Type", Some("application/json; charset=utf-8")),
            body,
            "AuthFailure.SignatureFailure",
        ),
        (with(good.clone(), "X-TC-Action", Some("DescribeRoomInfo")), body, "InvalidAction"),
        (with(good.clone(), "X-TC-Version", Some("2019-07-23")), body, "NoSuchVersion"),
        (with(good.clone(), "X-TC-Region", None), body, "MissingParameter"),
        (with(good.clone(), "X-TC-Region", Some("eu-frankfurt")), body, "UnsupportedRegion"),
    ];
    for (headers, body, want) in cases {
        let (ctype, v) = cloud_raw(&sb, "POST", "", &headers, body);
        assert_eq!(ctype, "application/json");
        assert_eq!(error_code(&v), want, "{headers:?}: {v}");
        assert_eq!(v["Response"]["RequestId"].as_str().unwrap().len(), 36);
    }
    // Signed as the official demo does: x-tc-action among the signed headers with its value
    // lower-cased (Tencent lower-cases header values when canonicalizing).
    for (body, want) in [
        (&br#"{"RoomId": 41}"#[..], "MissingParameter.SdkAppId"),
        (br#"{"SdkAppId": "1400000001", "RoomId": 41}"#, "InvalidParameter.SdkAppId"),
        (br#"{"SdkAppId": 1400000002, "RoomId": 41}"#, "UnauthorizedOperation.SdkAppId"),
        (br#"{"SdkAppId": 1400000001}"#, "MissingParameter.RoomId"),
        (br#"{"SdkAppId": 1400000001, "RoomId": "41"}"#, "InvalidParameter.RoomId"),
        (br#"{"SdkAppId": 1400000001, "RoomId": 0}"#, "InvalidParameter.RoomId"),
        (br#"{"SdkAppId": 1400000001, "RoomId": 41, "Extra": 1}"#, "UnknownParameter"),
        (br#"[]"#, "InvalidParameter"),
    ] {
        let headers = signed(&sb, "POST", "", body, now, &[("x-tc-action", "dismissroom")]);
        let (_, v) = cloud_raw(&sb, "POST", "", &headers, body);
        assert_eq!(error_code(&v), want, "{}: {v}", String::from_utf8_lossy(body));
    }
    // A value signed in mixed case does not match the canonical (lower-cased) form.
    let headers = signed(&sb, "POST", "", body, now, &[("x-tc-action", "DismissRoom")]);
    assert_eq!(error_code(&cloud_raw(&sb, "POST", "", &headers, body).1), "AuthFailure.SignatureFailure");
    // RemoveUser parameter checks.
    ctl(&sb, "POST", "/_sandbox/rooms", json!({"room_id": "s1", "users": ["a"]}));
    let eleven: Vec<String> = (0..11).map(|i| format!("u{i}")).collect();
    for (body, want) in [
        (json!({"SdkAppId": 1400000001, "RoomId": "s1"}), "MissingParameter.UserIds"),
        (json!({"SdkAppId": 1400000001, "RoomId": "s1", "UserIds": eleven}), "InvalidParameter.UserIds"),
        (json!({"SdkAppId": 1400000001, "RoomId": "s1", "UserIds": []}), "InvalidParameter.UserIds"),
        (json!({"SdkAppId": 1400000001, "RoomId": 5, "UserIds": ["a"]}), "InvalidParameter.RoomId"),
        (json!({"SdkAppId": 1400000001, "RoomId": "s1", "UserIds": ["a"]}), ""),
    ] {
        let bytes = body.to_string().into_bytes();
        let mut headers = signed(&sb, "POST", "", &bytes, now, &[]);
        headers = with(headers, "X-TC-Action", Some("RemoveUserByStrRoomId"));
        let (_, v) = cloud_raw(&sb, "POST", "", &headers, &bytes);
        assert_eq!(error_code(&v), want, "{body}: {v}");
    }
    // GET as the official Python SDK sends it: params in the signed query string.
    let query = "SdkAppId=1400000001&RoomId=41";
    let headers = signed(&sb, "GET", query, b"", now, &[]);
    let (_, v) = cloud_raw(&sb, "GET", query, &headers, b"");
    assert!(v["Response"]["Error"].is_null(), "{v}");
    assert_eq!(sb.state()["rooms"].as_array().unwrap().len(), 1, "room 41 dismissed, s1 left");
    let query = "SdkAppId=1400000001&RoomId=s1&UserIds.0=a&UserIds.1=b";
    let mut headers = signed(&sb, "GET", query, b"", now, &[]);
    headers = with(headers, "X-TC-Action", Some("RemoveUserByStrRoomId"));
    let (_, v) = cloud_raw(&sb, "GET", query, &headers, b"");
    assert!(v["Response"]["Error"].is_null(), "{v}");
    // A GET whose query was altered after signing.
    let (_, v) = cloud_raw(&sb, "GET", "SdkAppId=1400000001&RoomId=s2", &headers, b"");
    assert_eq!(error_code(&v), "AuthFailure.SignatureFailure");
    // Other methods.
    let (_, v) = cloud_raw(&sb, "PUT", "", &good, body);
    assert_eq!(error_code(&v), "UnsupportedProtocol");
}

// ---------------------------------------------------------------- faults

#[test]
fn http_502_is_retried_and_reported_after_the_last_attempt() {
    let sb = sandbox();
    let c = client(&sb);
    let id = robot_call(&c, Value::Null);
    fault(&sb, json!({"match": "get_call_info", "kind": "http_502", "count": 2}));
    c.call(ffi::tccall_client_get_call_info, &json!({"CallId": id})).unwrap();
    let seen = api_log(&sb, "get_call_info");
    let statuses: Vec<Value> = seen.iter().map(|e| e["http_status"].clone()).collect();
    assert_eq!(statuses, [json!(502), json!(502), json!(200)]);
    assert_eq!(seen[0]["fault"], "http_502");

    fault(&sb, json!({"match": "get_call_info", "kind": "http_503", "count": 5}));
    let e = c.call(ffi::tccall_client_get_call_info, &json!({"CallId": id})).unwrap_err();
    assert_eq!(e["code"], ErrorCode::HttpStatus.as_i32());
    assert_eq!((e["attempts"].as_u64(), e["http_status"].as_u64()), (Some(3), Some(503)));
    // Two uses of the fault remain; a Cloud API 502 works the same way.
    ctl(&sb, "DELETE", "/_sandbox/faults", Value::Null);
    ctl(&sb, "POST", "/_sandbox/rooms", json!({"room_id": 5, "users": []}));
    fault(&sb, json!({"match": "DismissRoom", "kind": "http_502", "count": 1}));
    c.call(ffi::tccall_client_dismiss_room, &json!({"RoomId": 5})).unwrap();
    assert_eq!(api_log(&sb, "DismissRoom").len(), 2);
}

#[test]
fn start_call_by_robot_is_not_retried_after_a_502() {
    let sb = sandbox();
    let c = client(&sb);
    fault(&sb, json!({"match": "start_call_by_robot", "kind": "http_502", "count": 3}));
    let req = json!({"Robot_Account": "r", "CalleeList_Account": ["a"], "Timeout": 10000, "CallInfo": {"MediaType": "Audio"}});
    let e = c.call(ffi::tccall_client_start_call_by_robot, &req).unwrap_err();
    assert_eq!((e["code"].as_i64(), e["attempts"].as_u64()), (Some(ErrorCode::HttpStatus.as_i32() as i64), Some(1)));
    assert_eq!(api_log(&sb, "start_call_by_robot").len(), 1, "exactly one request reached the sandbox");
}

#[test]
fn a_delay_past_the_request_timeout_is_a_timeout() {
    let sb = sandbox();
    let c = Client::new(&config(&sb, |c| c["timeouts"]["request_ms"] = json!(250))).unwrap();
    let id = robot_call(&c, Value::Null);
    fault(&sb, json!({"match": "get_call_info", "kind": "delay_ms", "delay_ms": 800, "count": 3}));
    let t0 = Instant::now();
    let e = c.call(ffi::tccall_client_get_call_info, &json!({"CallId": id})).unwrap_err();
    assert_eq!(e["code"], ErrorCode::Timeout.as_i32(), "{e}");
    assert_eq!(e["attempts"], 3);
    assert!(t0.elapsed() < Duration::from_millis(2000), "{:?}", t0.elapsed());
    // A delay inside the timeout is just slow.
    fault(&sb, json!({"match": "get_call_info", "kind": "delay_ms", "delay_ms": 50}));
    c.call(ffi::tccall_client_get_call_info, &json!({"CallId": id})).unwrap();
}

#[test]
fn drop_after_end_call_makes_the_retry_report_already_ended() {
    let sb = sandbox();
    let c = client(&sb);
    let id = robot_call(&c, Value::Null);
    fault(&sb, json!({"match": "end_call", "kind": "drop_after"}));
    let v = c.call(ffi::tccall_client_end_call, &json!({"CallId": id})).unwrap();
    assert_eq!(v["already_ended"], true, "{v}");
    let seen = api_log(&sb, "end_call");
    assert_eq!(seen.len(), 2);
    assert_eq!((seen[0]["fault"].as_str(), seen[0]["http_status"].is_null()), (Some("drop_after"), true));
    assert_eq!((seen[0]["ok"].as_bool(), seen[1]["code"].as_i64()), (Some(true), Some(101004)));
    assert_eq!(sb.state()["records"][0]["CallId"], id.as_str());

    // drop_before: nothing happened, so the retry ends the call for real.
    let id = robot_call(&c, Value::Null);
    fault(&sb, json!({"match": "end_call", "kind": "drop_before"}));
    let v = c.call(ffi::tccall_client_end_call, &json!({"CallId": id})).unwrap();
    assert!(v.get("already_ended").is_none(), "{v}");
    // Dropped on every attempt: a connection error, not a hang.
    fault(&sb, json!({"match": "get_call_info", "kind": "drop_before", "count": 3}));
    let e = c.call(ffi::tccall_client_get_call_info, &json!({"CallId": id})).unwrap_err();
    assert_eq!(
        (e["code"].as_i64(), e["attempts"].as_u64()),
        (Some(ErrorCode::Connect.as_i32() as i64), Some(3)),
        "{e}"
    );
    // Ending a room the same way.
    ctl(&sb, "POST", "/_sandbox/rooms", json!({"room_id": "gone", "users": []}));
    fault(&sb, json!({"match": "DismissRoomByStrRoomId", "kind": "drop_after"}));
    let v = c.call(ffi::tccall_client_dismiss_room, &json!({"RoomId": "gone"})).unwrap();
    assert_eq!(v["already_ended"], true);
}

#[test]
fn internal_error_and_rate_limit_codes_are_retried() {
    let sb = sandbox();
    let c = client(&sb);
    let id = robot_call(&c, Value::Null);
    fault(&sb, json!({"match": "get_call_info", "kind": "im_error", "code": 101001}));
    c.call(ffi::tccall_client_get_call_info, &json!({"CallId": id})).unwrap();
    assert_eq!(api_log(&sb, "get_call_info").len(), 2);
    fault(&sb, json!({"match": "get_call_info", "kind": "im_error", "code": 101001, "count": 3}));
    let e = assert_err(
        c.call(ffi::tccall_client_get_call_info, &json!({"CallId": id})),
        ErrorCode::ServiceUnavailable,
        "101001",
    );
    assert_eq!(e["attempts"], 3);
    fault(&sb, json!({"match": "*", "kind": "im_error", "code": 60007, "count": 3}));
    let e =
        assert_err(c.call(ffi::tccall_client_get_call_info, &json!({"CallId": id})), ErrorCode::RateLimited, "60007");
    assert_eq!(e["attempts"], 3);
    ctl(&sb, "POST", "/_sandbox/rooms", json!({"room_id": 77, "users": ["a"]}));
    fault(&sb, json!({"match": "RemoveUser", "kind": "cloud_error", "code": "RequestLimitExceeded", "count": 3}));
    let e = assert_err(
        c.call(ffi::tccall_client_remove_users, &json!({"RoomId": 77, "UserIds": ["a"]})),
        ErrorCode::RateLimited,
        "RequestLimitExceeded",
    );
    assert_eq!(e["attempts"], 3);
    fault(&sb, json!({"match": "DismissRoom", "kind": "cloud_error", "code": "InternalError"}));
    c.call(ffi::tccall_client_dismiss_room, &json!({"RoomId": 77})).unwrap();
    // An IM fault never fires on a Cloud request and vice versa.
    assert_eq!(ctl(&sb, "GET", "/_sandbox/faults", Value::Null)["faults"], json!([]));
}

#[test]
fn the_sandbox_enforces_rate_limits() {
    // One request per second and API: a quick burst is refused after the first
    // (timing-tolerant: a slow machine only lets a few more through).
    let cfg = SandboxConfig { im_per_second: 1, cloud_api_per_second: 1, ..SandboxConfig::default() };
    let sb = Sandbox::start(cfg).unwrap();
    let c = Client::new(&config(&sb, |c| {
        c["rate_limit"] = json!({"enabled": false});
        c["retry"]["max_attempts"] = json!(1);
    }))
    .unwrap();
    let results: Vec<Result<Value, Value>> =
        (0..12).map(|_| c.call(ffi::tccall_client_get_callback_config, &json!({}))).collect();
    assert_err(results[0].clone(), ErrorCode::NotFound, "100301");
    let limited: Vec<Value> =
        results.into_iter().filter_map(Result::err).filter(|e| e["service_code"] == "60007").collect();
    assert!(limited.len() >= 6, "{} of 12 limited", limited.len());
    assert_err(Err(limited[0].clone()), ErrorCode::RateLimited, "60007");
    // Each API has its own bucket.
    assert_err(c.call(ffi::tccall_client_get_call_info, &json!({"CallId": "x"})), ErrorCode::NotFound, "101004");
    let dismiss: Vec<Result<Value, Value>> =
        (0..4).map(|_| c.call(ffi::tccall_client_dismiss_room, &json!({"RoomId": 1}))).collect();
    assert_err(dismiss[0].clone(), ErrorCode::NotFound, "FailedOperation.RoomNotExist");
    let refused =
        dismiss.into_iter().skip(1).find(|r| r.as_ref().is_err_and(|e| e["service_code"] == "RequestLimitExceeded"));
    assert_err(refused.expect("a Cloud API request over the limit"), ErrorCode::RateLimited, "RequestLimitExceeded");
    // Off switch.
    let sb = Sandbox::start(SandboxConfig { enforce_rate_limits: false, im_per_second: 1, ..SandboxConfig::default() })
        .unwrap();
    let c = Client::new(&config(&sb, |c| c["rate_limit"] = json!({"enabled": false}))).unwrap();
    for _ in 0..10 {
        assert_err(c.call(ffi::tccall_client_get_callback_config, &json!({})), ErrorCode::NotFound, "100301");
    }
}

#[test]
fn many_concurrent_requests() {
    let sb = sandbox();
    let c = Arc::new(client(&sb));
    let id = robot_call(&c, Value::Null);
    let threads: Vec<_> = (0..8)
        .map(|_| {
            let (c, id) = (c.clone(), id.clone());
            std::thread::spawn(move || {
                for _ in 0..20 {
                    c.call(ffi::tccall_client_get_call_info, &json!({"CallId": id})).unwrap();
                }
            })
        })
        .collect();
    for t in threads {
        t.join().unwrap();
    }
    assert_eq!(api_log(&sb, "get_call_info").len(), 160);
}

// ---------------------------------------------------------------- calls, rooms, members

#[test]
fn rooms_calls_and_members_move_together() {
    let sb = sandbox();
    let c = client(&sb);
    // A group call in numeric room 900: two answer, RemoveUser takes them out one by one.
    let call = ctl(
        &sb,
        "POST",
        "/_sandbox/calls",
        json!({"caller": "a", "callees": ["b", "c"], "media_type": "Video", "room_id": 900}),
    );
    let id = call["CallId"].as_str().unwrap().to_string();
    let m = ctl(&sb, "POST", &format!("/_sandbox/calls/{id}/members"), json!({"user": "b", "action": "Answer"}));
    assert_eq!(m["ended"], false);
    let info = c.call(ffi::tccall_client_get_call_info, &json!({"CallId": id})).unwrap();
    assert_eq!(info["CallInfo"]["RoomId"], "900");
    assert_eq!(info["CallInfo"]["RoomIdType"], 1);
    c.call(ffi::tccall_client_remove_users, &json!({"RoomId": 900, "UserIds": ["c"]})).unwrap();
    let info = c.call(ffi::tccall_client_get_call_info, &json!({"CallId": id})).unwrap();
    assert_eq!(info["UserList"].as_array().unwrap().len(), 2);
    c.call(ffi::tccall_client_remove_users, &json!({"RoomId": 900, "UserIds": ["b"]})).unwrap();
    assert_err(c.call(ffi::tccall_client_get_call_info, &json!({"CallId": id})), ErrorCode::NotFound, "101004");
    let rec = c.call(ffi::tccall_client_get_call_record, &json!({"CallId": id})).unwrap();
    assert_eq!(rec["CallRecord"]["CallResult"], "NormalEnd");
    assert!(rec["CallRecord"]["AcceptTime"].as_u64().unwrap() > 0);
    // The call's room went with it.
    assert_err(
        c.call(ffi::tccall_client_dismiss_room, &json!({"RoomId": 900})),
        ErrorCode::NotFound,
        "FailedOperation.RoomNotExist",
    );

    // DismissRoom ends the call in a string room (nobody answered: Cancel).
    let id = robot_call(&c, json!("lobby"));
    c.call(ffi::tccall_client_dismiss_room, &json!({"RoomId": "lobby"})).unwrap();
    let rec = c.call(ffi::tccall_client_get_call_record, &json!({"CallId": id})).unwrap();
    assert_eq!(
        (rec["CallRecord"]["CallResult"].as_str(), rec["CallRecord"]["RoomId"].as_str()),
        (Some("Cancel"), Some("lobby"))
    );

    // A numeric RoomIdType with a non-numeric id is refused.
    let bad = json!({"Robot_Account": "r", "CalleeList_Account": ["a"], "Timeout": 10000,
                     "CallInfo": {"MediaType": "Audio", "RoomId": "abc", "RoomIdType": 1}});
    assert_err(c.call(ffi::tccall_client_start_call_by_robot, &bad), ErrorCode::RemoteInvalidParameter, "101002");

    // Reject ends a 1-to-1 call with Reject; records filter by result.
    let call = ctl(&sb, "POST", "/_sandbox/calls", json!({"caller": "x", "callees": ["y"]}));
    let id = call["CallId"].as_str().unwrap();
    let m = ctl(&sb, "POST", &format!("/_sandbox/calls/{id}/members"), json!({"user": "y", "action": "Reject"}));
    assert_eq!(m["ended"], true);
    let list = c.call(ffi::tccall_client_search_call_records, &json!({"CallResult": "Reject"})).unwrap();
    assert_eq!((list["TotalNum"].as_u64(), list["CallRecordList"][0]["CallId"].as_str()), (Some(1), Some(id)));
    let all = c.call(ffi::tccall_client_search_call_records, &json!({"NumberPerPage": 2, "Page": 2})).unwrap();
    assert_eq!((all["TotalNum"].as_u64(), all["CallRecordList"].as_array().unwrap().len()), (Some(3), 1));
}

#[test]
fn control_endpoints_validate_and_reset() {
    let sb = sandbox();
    let base = sb.base_url();
    let post = |path: &str, body: &str| raw("POST", &format!("{base}{path}"), &[], body.as_bytes());
    assert_eq!(post("/_sandbox/calls", r#"{"callees": ["b"]}"#).0, 400);
    assert_eq!(post("/_sandbox/calls", r#"{"caller": "a", "callees": ["a"]}"#).0, 400);
    assert_eq!(post("/_sandbox/calls", "not json").0, 400);
    assert_eq!(post("/_sandbox/calls/nope/members", r#"{"user": "a", "action": "Answer"}"#).0, 404);
    assert_eq!(post("/_sandbox/faults", r#"{"match": "x", "kind": "explode"}"#).0, 400);
    assert_eq!(post("/_sandbox/desk/sessions", r#"{"client_user_id": "u", "state": "NotInSession"}"#).0, 400);
    assert_eq!(post("/_sandbox/desk/callback", r#"{"url": "ftp://x"}"#).0, 400);
    assert_eq!(post("/_sandbox/nope", "{}").0, 404);
    assert_eq!(raw("GET", &format!("{base}/_sandbox/calls"), &[], b"").0, 405);
    let id = ctl(&sb, "POST", "/_sandbox/calls", json!({"caller": "a", "callees": ["b"]}))["CallId"].clone();
    let (status, _, v) =
        post(&format!("/_sandbox/calls/{}/members", id.as_str().unwrap()), r#"{"user": "b", "action": "Hangup2"}"#);
    assert_eq!(status, 400, "{v}");
    fault(&sb, json!({"match": "*", "kind": "http_502", "count": 9}));
    assert_eq!(ctl(&sb, "GET", "/_sandbox/health", Value::Null), json!({"ok": true}));
    let st = ctl(&sb, "GET", "/_sandbox/state", Value::Null);
    assert_eq!((st["calls"].as_array().unwrap().len(), st["faults"].as_array().unwrap().len()), (1, 1));
    ctl(&sb, "POST", "/_sandbox/reset", Value::Null);
    let st = sb.state();
    assert_eq!((st["calls"].clone(), st["faults"].clone()), (json!([]), json!([])));
    assert_eq!(ctl(&sb, "GET", "/_sandbox/log", Value::Null)["entries"], json!([]));
    // In-process control gives the same answers.
    assert_eq!(sb.control("GET", "/_sandbox/health", &Value::Null), (200, json!({"ok": true})));
}

// ---------------------------------------------------------------- webhooks

/// A tiny_http webhook receiver forwarding (query, body) of every POST.
struct Receiver {
    url: String,
    rx: mpsc::Receiver<(String, Vec<u8>)>,
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
                let url = req.url().to_string();
                let mut body = Vec::new();
                req.as_reader().read_to_end(&mut body).unwrap();
                let reply = tiny_http::Response::from_string(r#"{"ActionStatus":"OK","ErrorCode":0,"ErrorInfo":""}"#);
                let _ = req.respond(reply);
                if tx.send((url, body)).is_err() {
                    break;
                }
            }
        });
        Receiver { url: format!("http://127.0.0.1:{port}/callback"), rx, server }
    }

    fn next(&self) -> (String, Vec<u8>) {
        let (url, body) = self.rx.recv_timeout(Duration::from_secs(5)).expect("a webhook within 5 s");
        let query = url.split_once('?').map(|(_, q)| q.to_string()).unwrap_or_default();
        (query, body)
    }
}

impl Drop for Receiver {
    fn drop(&mut self) {
        self.server.unblock();
    }
}

#[test]
fn webhooks_are_delivered_signed_and_parse() {
    let token = "sandbox-token-1";
    let sb = Sandbox::start(SandboxConfig { webhook_token: Some(token.into()), ..SandboxConfig::default() }).unwrap();
    let cfg = config(&sb, |_| {});
    assert_eq!(cfg["webhook"]["token"], token, "the client config carries the token");
    let c = Client::new(&cfg).unwrap();
    let rx = Receiver::start();
    c.call(
        ffi::tccall_client_set_callback_config,
        &json!({"Url": rx.url, "CallbackCommandList": ["Call.CallbackAfterStartCall", "Call.CallbackAfterEndCall",
                                                        "Call.CallbackAfterMemberChanged"]}),
    )
    .unwrap();

    let id = robot_call(&c, json!("wh-room"));
    let (query, body) = rx.next();
    assert!(query.contains("SdkAppid=1400000001") && query.contains("OptPlatform=RESTAPI"), "{query}");
    assert!(query.contains("&Sign=") && query.contains("&RequestTime="), "{query}");
    let v = c.parse_webhook(&query, &body).unwrap();
    assert_eq!(
        (v["command"].as_str(), v["signature_verified"].as_bool()),
        (Some("Call.CallbackAfterStartCall"), Some(true))
    );
    assert_eq!(v["event"]["CallInfo"]["CallId"], id.as_str());
    assert_eq!(v["event"]["CallInfo"]["MediaType"], "Audio");
    assert_eq!(v["event"]["UserList"][1], json!({"User_Account": "alice", "Status": "Waiting"}));
    assert!(v["event"]["EventTime"].as_u64().unwrap() > 1_700_000_000_000);
    // The same delivery fails verification with another token.
    let other = Client::new(&config(&sb, |c| c["webhook"]["token"] = json!("other"))).unwrap();
    assert_eq!(other.parse_webhook(&query, &body).unwrap_err()["code"], ErrorCode::WebhookSignature.as_i32());

    ctl(&sb, "POST", &format!("/_sandbox/calls/{id}/members"), json!({"user": "alice", "action": "Answer"}));
    let (query, body) = rx.next();
    let v = c.parse_webhook(&query, &body).unwrap();
    assert_eq!(v["command"], "Call.CallbackAfterMemberChanged");
    assert_eq!(v["event"]["ChangedUserList"], json!([{"User_Account": "alice", "ActionType": "Answer"}]));
    assert_eq!(v["event"]["UserList"][1]["Status"], "Calling");

    c.call(ffi::tccall_client_end_call, &json!({"CallId": id})).unwrap();
    let (query, body) = rx.next();
    let v = c.parse_webhook(&query, &body).unwrap();
    assert_eq!(v["command"], "Call.CallbackAfterEndCall");
    let rec = &v["event"]["CallRecord"];
    assert_eq!((rec["CallId"].as_str(), rec["CallResult"].as_str()), (Some(id.as_str()), Some("NormalEnd")));
    assert_eq!(rec["RoomId"], "wh-room");

    // Only listed commands are sent.
    c.call(
        ffi::tccall_client_set_callback_config,
        &json!({"Url": rx.url, "CallbackCommandList": ["Call.CallbackAfterEndCall"]}),
    )
    .unwrap();
    let id = robot_call(&c, Value::Null);
    c.call(ffi::tccall_client_end_call, &json!({"CallId": id})).unwrap();
    let (query, body) = rx.next();
    assert_eq!(c.parse_webhook(&query, &body).unwrap()["command"], "Call.CallbackAfterEndCall");

    // Desk: the control API sets the URL; end_session notifies.
    ctl(&sb, "POST", "/_sandbox/desk/callback", json!({"url": rx.url}));
    ctl(&sb, "POST", "/_sandbox/desk/sessions", json!({"session_id": "d-1", "client_user_id": "u"}));
    c.call(ffi::tccall_client_end_desk_session, &json!({"SessionId": "d-1"})).unwrap();
    let (query, body) = rx.next();
    let v = c.parse_webhook(&query, &body).unwrap();
    assert_eq!(
        (v["command"].as_str(), v["event"]["SessionId"].as_str()),
        (Some("Desk.SessionEventNotify"), Some("d-1"))
    );
    assert!(v["event"]["Event"].is_string());

    // Every delivery is in the log, without the Sign.
    let log = ctl(&sb, "GET", "/_sandbox/log", Value::Null);
    let hooks: Vec<&Value> = log["entries"].as_array().unwrap().iter().filter(|e| e["kind"] == "webhook").collect();
    assert_eq!(hooks.len(), 5);
    assert!(hooks.iter().all(|h| h["http_status"] == 200 && h["url"] == rx.url.as_str()));
    assert!(!log.to_string().contains(token));
}

#[test]
fn a_failed_webhook_delivery_is_logged() {
    let sb = sandbox();
    let c = client(&sb);
    // Nothing listens on port 9 of loopback.
    c.call(
        ffi::tccall_client_set_callback_config,
        &json!({"Url": "http://127.0.0.1:9/cb", "CallbackCommandList": ["Call.CallbackAfterStartCall"]}),
    )
    .unwrap();
    robot_call(&c, Value::Null);
    let deadline = Instant::now() + Duration::from_secs(5);
    loop {
        let log = ctl(&sb, "GET", "/_sandbox/log", Value::Null);
        if let Some(h) = log["entries"].as_array().unwrap().iter().find(|e| e["kind"] == "webhook") {
            assert!(h["http_status"].is_null() && h["error"].is_string(), "{h}");
            assert_eq!(h["command"], "Call.CallbackAfterStartCall");
            break;
        }
        assert!(Instant::now() < deadline, "no delivery logged");
        std::thread::sleep(Duration::from_millis(20));
    }
}

// ---------------------------------------------------------------- HTTPS

#[test]
fn the_https_client_config_reaches_both_apis_over_tls() {
    let sb = sandbox();
    let mut cfg: Value = serde_json::from_str(&sb.https_client_config_json()).unwrap();
    cfg["retry"] = json!({"max_attempts": 1});
    let c = Client::new(&cfg).unwrap();
    let id = robot_call(&c, Value::Null);
    c.call(ffi::tccall_client_get_call_info, &json!({"CallId": id})).unwrap();
    c.call(ffi::tccall_client_end_call, &json!({"CallId": id})).unwrap();
    ctl(&sb, "POST", "/_sandbox/rooms", json!({"room_id": 1234, "users": ["u1"]}));
    c.call(ffi::tccall_client_dismiss_room, &json!({"RoomId": 1234})).unwrap();
    assert_eq!(api_log(&sb, "").len(), 4);
    // A client that trusts only the system and bundled roots refuses the sandbox's certificate.
    cfg["tls"] = json!({"roots": "bundled"});
    let untrusting = Client::new(&cfg).unwrap();
    let e = untrusting.call(ffi::tccall_client_get_call_info, &json!({"CallId": id})).unwrap_err();
    assert_eq!(e["code"], ErrorCode::Tls.as_i32(), "{e}");
}

#[test]
fn sandbox_info_describes_http_and_https() {
    let config = CString::new(r#"{"tls_leaf": "valid"}"#).unwrap();
    let (mut sb, mut out, mut err) = (std::ptr::null_mut(), std::ptr::null_mut(), std::ptr::null_mut());
    // SAFETY: a valid C string and out pointers.
    assert_eq!(unsafe { ffi::tccall_sandbox_start(config.as_ptr(), &mut sb, &mut err) }, 0);
    // SAFETY: a live handle and out pointers.
    assert_eq!(unsafe { ffi::tccall_sandbox_info(sb, &mut out, &mut err) }, 0);
    let info = take(out).unwrap();
    let keys: Vec<&str> = info.as_object().unwrap().keys().map(String::as_str).collect();
    assert_eq!(keys, ["base_url", "https_base_url", "ca_pem", "ca_file", "client_config", "https_client_config"]);
    let (http, https) = (info["base_url"].as_str().unwrap(), info["https_base_url"].as_str().unwrap());
    assert_eq!(http.strip_prefix("http://"), https.strip_prefix("https://"));
    assert_eq!(info["client_config"]["im_endpoint"], http);
    assert_eq!(info["https_client_config"]["cloud_api"]["endpoint"], https);
    assert_eq!(info["https_client_config"]["tls"], json!({"ca_pem": info["ca_pem"], "roots": "none"}));
    let ca_file = info["ca_file"].as_str().unwrap().to_string();
    assert_eq!(std::fs::read_to_string(&ca_file).unwrap(), info["ca_pem"].as_str().unwrap());
    assert!(info["ca_pem"].as_str().unwrap().starts_with("-----BEGIN CERTIFICATE-----\n"));
    // Both configs work through the C ABI.
    for key in ["client_config", "https_client_config"] {
        let c = Client::new(&info[key]).unwrap();
        assert_err(c.call(ffi::tccall_client_get_call_info, &json!({"CallId": "x"})), ErrorCode::NotFound, "101004");
    }
    // SAFETY: the handle from tccall_sandbox_start, freed once.
    unsafe { ffi::tccall_sandbox_free(sb) };
    assert!(!std::path::Path::new(&ca_file).exists(), "the CA file is removed with the sandbox");
    // A bad tls_leaf is a config error.
    let config = CString::new(r#"{"tls_leaf": "nope"}"#).unwrap();
    let mut sb = std::ptr::null_mut();
    // SAFETY: as above.
    let rc = unsafe { ffi::tccall_sandbox_start(config.as_ptr(), &mut sb, &mut err) };
    assert_eq!(rc, ErrorCode::InvalidConfig.as_i32());
    assert!(take(err).unwrap()["message"].as_str().unwrap().contains("tls_leaf must be one of"));
}

// ---------------------------------------------------------------- the binary

#[test]
fn the_binary_prints_its_url_then_the_client_config() {
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_tccall-sandbox"))
        .args(["--port", "0", "--webhook-token", "tok"])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let url = lines.next().unwrap().unwrap();
    let cfg: Value = serde_json::from_str(&lines.next().unwrap().unwrap()).unwrap();
    let https_url = lines.next().unwrap().unwrap();
    let https_cfg: Value = serde_json::from_str(&lines.next().unwrap().unwrap()).unwrap();
    let said = BufReader::new(child.stderr.take().unwrap()).lines().next().unwrap().unwrap();
    let ca_file = said.split("CA certificate: ").nth(1).and_then(|r| r.split(')').next()).unwrap_or("").to_string();
    let result = std::panic::catch_unwind(|| {
        assert_eq!(https_url, url.replace("http://", "https://"));
        assert!(said.contains(&url) && said.contains(&https_url), "{said}");
        assert_eq!(https_cfg["im_endpoint"], https_url.as_str());
        assert_eq!(https_cfg["tls"]["ca_pem"].as_str(), std::fs::read_to_string(&ca_file).ok().as_deref());
        let c = Client::new(&https_cfg).unwrap();
        assert_err(c.call(ffi::tccall_client_get_call_info, &json!({"CallId": "x"})), ErrorCode::NotFound, "101004");
        assert!(url.starts_with("http://127.0.0.1:"), "{url}");
        assert_eq!(
            (cfg["im_endpoint"].as_str(), cfg["cloud_api"]["endpoint"].as_str()),
            (Some(url.as_str()), Some(url.as_str()))
        );
        assert_eq!(cfg["webhook"]["token"], "tok");
        let (status, _, v) = raw("GET", &format!("{url}/_sandbox/health"), &[], b"");
        assert_eq!((status, v), (200, json!({"ok": true})));
        let c = Client::new(&cfg).unwrap();
        assert_err(c.call(ffi::tccall_client_get_call_info, &json!({"CallId": "x"})), ErrorCode::NotFound, "101004");
    });
    // SIGTERM stops it cleanly: exit status 0 and the CA file removed.
    let terminated = std::process::Command::new("kill").args(["-TERM", &child.id().to_string()]).status();
    let status = match terminated {
        Ok(s) if s.success() => Some(child.wait().unwrap()),
        _ => None,
    };
    let _ = child.kill();
    let _ = child.wait();
    result.unwrap();
    if let Some(status) = status {
        assert!(status.success(), "{status:?}");
        assert!(!std::path::Path::new(&ca_file).exists(), "{ca_file} is left");
    }
    // Bad flags exit with status 2.
    for bad in [&["--bogus"][..], &["--tls-leaf", "nope"]] {
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_tccall-sandbox")).args(bad).output().unwrap();
        assert_eq!(out.status.code(), Some(2), "{bad:?}");
    }
    // --tls-leaf serves the chosen certificate.
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_tccall-sandbox"))
        .args(["--tls-leaf", "expired"])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let https_cfg: Value =
        serde_json::from_str(&BufReader::new(child.stdout.take().unwrap()).lines().nth(3).unwrap().unwrap()).unwrap();
    let result = std::panic::catch_unwind(|| {
        let e = Client::new(&https_cfg).unwrap().call(ffi::tccall_client_get_call_info, &json!({"CallId": "x"}));
        assert_eq!(e.unwrap_err()["code"], ErrorCode::Tls.as_i32());
    });
    let _ = child.kill();
    let _ = child.wait();
    result.unwrap();
}
