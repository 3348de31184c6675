//! Request shapes as plain data, without a network: the exact bytes tccall would send.

use serde_json::{json, Value};
use std::path::PathBuf;
use tccall::api::CloudTarget;
use tccall::api::{call, desk, raw, trtc, Build, Exec};
use tccall::transport::cloud::{self, CloudCall, Credentials};
use tccall::Client;

fn vectors() -> Value {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared/vectors/official.json");
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

/// tccall's own request builder, given each official TC3 case's inputs, produces the
/// official SDK's body byte for byte and the same signed headers and Authorization.
#[test]
fn cloud_requests_match_the_official_sdk() {
    let all = vectors();
    let mut checked = 0;
    for case in all["tc3"].as_array().unwrap() {
        let (i, http) = (&case["inputs"], &case["expected"]["http"]);
        if i["http_method"] != "POST" {
            continue; // tccall sends POST only; the GET case is covered by tests/vectors.rs.
        }
        let params = &i["params"];
        let room = &params["RoomId"];
        let req = match params.get("UserIds") {
            Some(users) => json!({"RoomId": room, "UserIds": users}),
            None => json!({"RoomId": room}),
        };
        let app = params["SdkAppId"].as_u64().unwrap();
        let (action, body) = if params.get("UserIds").is_some() {
            trtc::remove_users(app, &req).unwrap()
        } else {
            trtc::dismiss_room(app, &req).unwrap()
        };
        assert_eq!(action, case["action"].as_str().unwrap(), "{}", case["id"]);
        assert_eq!(std::str::from_utf8(&body).unwrap(), http["body"].as_str().unwrap(), "{}: body", case["id"]);
        let endpoint = format!("https://{}", i["endpoint"].as_str().unwrap());
        let region = i["region"].as_str().unwrap();
        let target = CloudTarget {
            service: "trtc",
            version: i["version"].as_str().unwrap(),
            action,
            region,
            endpoint: endpoint.as_str().into(),
            body,
            timestamp: None,
        };
        let built = cloud::build_request(&CloudCall {
            target: &target,
            timestamp: i["timestamp"].as_u64().unwrap(),
            credentials: Credentials {
                secret_id: i["secret_id"].as_str().unwrap(),
                secret_key: i["secret_key"].as_str().unwrap(),
                token: i["token"].as_str(),
            },
            language: i["language"].as_str(),
            request_client: "SDK_PYTHON_3.1.177",
            signing_key: None,
        });
        let sdk = http["sdk_set_headers"].as_object().unwrap();
        for (name, value) in &built.headers {
            assert_eq!(sdk.get(*name).and_then(Value::as_str), Some(value.as_str()), "{}: header {name}", case["id"]);
        }
        let ours: Vec<&str> = built.headers.iter().map(|(n, _)| *n).collect();
        for name in sdk.keys().filter(|n| *n != "X-TC-TraceId") {
            assert!(ours.contains(&name.as_str()), "{}: we do not send {name}", case["id"]);
        }
        assert_eq!(built.method, "POST");
        assert_eq!(built.url, format!("{endpoint}/"));
        checked += 1;
    }
    assert_eq!(checked, 7);
}

fn client() -> Client {
    Client::from_json(
        r#"{"sdk_app_id": 1400000000, "secret_key": "k", "im_region": "singapore",
            "cloud_api": {"secret_id": "AKIDz8krbsJ5yKBZQpn74WFkmLPx3EXAMPLE", "secret_key": "Gu5t9xGARNpq86cd98joQYCN3EXAMPLE", "region": "ap-guangzhou", "language": "zh-CN"}}"#,
    )
    .unwrap()
}

/// `sign_cloud_api_request` with a vector's timestamp and params gives the vector's Authorization.
#[test]
fn sign_cloud_api_request_reproduces_a_vector() {
    let all = vectors();
    let case = &all["tc3"][0];
    let i = &case["inputs"];
    let req = json!({"service": "trtc", "version": "2019-07-22", "action": "DismissRoom", "params": i["params"], "timestamp": i["timestamp"]});
    let out = client().execute(&raw::SIGN_CLOUD_API_REQUEST, &req).unwrap();
    assert_eq!(out["headers"]["Authorization"], case["expected"]["authorization"]);
    assert_eq!(out["body"], case["expected"]["http"]["body"]);
    assert_eq!(out["url"], "https://trtc.tencentcloudapi.com/");
    assert_eq!(out["method"], "POST");
    // An exact body string is signed as given.
    let req = json!({"service": "trtc", "version": "2019-07-22", "action": "DismissRoom", "body": case["expected"]["http"]["body"], "timestamp": i["timestamp"]});
    let out = client().execute(&raw::SIGN_CLOUD_API_REQUEST, &req).unwrap();
    assert_eq!(out["headers"]["Authorization"], case["expected"]["authorization"]);
}

/// Every IM operation goes to its documented path on the configured region's domain,
/// with the five query parameters, and the body is the request as given.
#[test]
fn im_requests_have_the_documented_shape() {
    let ops = [
        (&call::END_CALL, "v4/call_engine_http_srv/end_call"),
        (&call::GET_CALL_INFO, "v4/call_engine_http_srv/get_call_info"),
        (&call::START_CALL_BY_ROBOT, "v4/call_engine_http_srv/start_call_by_robot"),
        (&call::GET_CALL_RECORD, "v4/call_record_http_srv/get_record_by_callid"),
        (&call::SEARCH_CALL_RECORDS, "v4/call_record_http_srv/get_record_by_filter"),
        (&call::SET_CALLBACK_CONFIG, "v4/call_config/set_callback"),
        (&call::GET_CALLBACK_CONFIG, "v4/call_config/get_callback"),
        (&call::DELETE_CALLBACK_CONFIG, "v4/call_config/delete_callback"),
        (&desk::END_DESK_SESSION, "v4/desk_http_svc/end_session"),
        (&desk::GET_DESK_SESSION_STATE, "v4/desk_http_svc/get_session_state"),
        (&desk::LIST_DESK_SESSIONS, "v4/desk_http_svc/describe_im_cdr_list"),
    ];
    let c = client();
    for (op, path) in ops {
        assert!(matches!(op.exec, Exec::Send(Build::ImPath(p), _) if p == path), "{op:?}");
        let body = json!({"CallId": "055662e1-bc8a-469c-a334-1126c8c17d58"});
        let out = c.execute(&raw::SIGN_IM_REQUEST, &json!({"path": path, "body": body})).unwrap();
        let url = out["url"].as_str().unwrap();
        let prefix =
            format!("https://adminapisgp.im.qcloud.com/{path}?sdkappid=1400000000&identifier=administrator&usersig=");
        assert!(url.starts_with(&prefix), "{url}");
        let query = url.split_once('?').unwrap().1;
        let keys: Vec<&str> = query.split('&').map(|kv| kv.split('=').next().unwrap()).collect();
        assert_eq!(keys, ["sdkappid", "identifier", "usersig", "random", "contenttype"]);
        assert!(url.ends_with("&contenttype=json"));
        let random: u64 = query.split("random=").nth(1).unwrap().split('&').next().unwrap().parse().unwrap();
        assert!(random <= u32::MAX as u64);
        assert_eq!(out["body"], body.to_string());
        assert_eq!(out["method"], "POST");
    }
    // The admin UserSig is minted once and reused.
    let sig = |c: &Client| {
        let out = c.execute(&raw::SIGN_IM_REQUEST, &json!({"path": "v4/call_config/get_callback"})).unwrap();
        out["url"].as_str().unwrap().split("usersig=").nth(1).unwrap().split('&').next().unwrap().to_string()
    };
    assert_eq!(sig(&c), sig(&c));
    let d = tccall::auth::usersig::verify(1400000000, "k", "administrator", &sig(&c), tccall::transport::unix_now())
        .unwrap();
    assert_eq!(d.expire, 86400);
}

/// What the docs allow goes through (the answer here is a connection failure, not 104):
/// a new `Call.` command, any mix of Desk ids, more than 1000 callees, a large page.
#[test]
fn documented_inputs_are_not_refused_locally() {
    let c = Client::from_json(
        r#"{"sdk_app_id": 1, "secret_key": "k", "im_endpoint": "http://127.0.0.1:9", "retry": {"max_attempts": 1}}"#,
    )
    .unwrap();
    let many: Vec<String> = (0..1500).map(|i| format!("u{i}")).collect();
    let cases = [
        (
            &call::SET_CALLBACK_CONFIG,
            json!({"Url": "https://x", "CallbackCommandList": ["Call.CallbackAfterSomethingNew"]}),
        ),
        (&desk::GET_DESK_SESSION_STATE, json!({"ClientUserId": "u"})),
        (&desk::GET_DESK_SESSION_STATE, json!({"SessionId": "s", "ClientUserId": "u", "CustomerServiceId": "c"})),
        (&call::START_CALL_BY_ROBOT, json!({"Robot_Account": "r", "CalleeList_Account": many, "CallInfo": {}})),
        (&call::SEARCH_CALL_RECORDS, json!({"NumberPerPage": 5000})),
    ];
    for (op, req) in cases {
        let e = c.execute(op, &req).unwrap_err();
        assert_eq!(e.code, tccall::ErrorCode::Connect, "{op:?} {req}: {e}");
    }
}

/// Requests are validated before any I/O: the client points at a closed port, so an
/// answer other than INVALID_REQUEST would mean a request was attempted.
#[test]
fn invalid_requests_never_leave_the_process() {
    let c = Client::from_json(r#"{"sdk_app_id": 1, "secret_key": "k", "im_endpoint": "http://127.0.0.1:9", "cloud_api": {"secret_id": "a", "secret_key": "b", "endpoint": "http://127.0.0.1:9"}}"#).unwrap();
    let cases = [
        (&call::END_CALL, json!({})),
        (
            &call::START_CALL_BY_ROBOT,
            json!({"Robot_Account": "r", "CalleeList_Account": ["a"], "Timeout": 9999, "CallInfo": {"MediaType": "Audio"}}),
        ),
        (
            &call::START_CALL_BY_ROBOT,
            json!({"Robot_Account": "r", "CalleeList_Account": ["a"], "Timeout": 10000, "UserData": "x".repeat(1001), "CallInfo": {"MediaType": "Audio"}}),
        ),
        (
            &call::START_CALL_BY_ROBOT,
            json!({"Robot_Account": "r", "CalleeList_Account": [], "Timeout": 10000, "CallInfo": {"MediaType": "Audio"}}),
        ),
        (&call::SEARCH_CALL_RECORDS, json!({"CallResult": "Done"})),
        (&call::SET_CALLBACK_CONFIG, json!({"Url": "ftp://x", "CallbackCommandList": ["Call.CallbackAfterEndCall"]})),
        (&call::SET_CALLBACK_CONFIG, json!({"Url": "https://x", "CallbackCommandList": ["Desk.SessionEventNotify"]})),
        (&call::SET_CALLBACK_CONFIG, json!({"Url": "https://x", "CallbackCommandList": ["Call."]})),
        (&call::GET_CALLBACK_CONFIG, json!({"x": 1})),
        (&desk::END_DESK_SESSION, json!({})),
        (&desk::GET_DESK_SESSION_STATE, json!({"CustomerServiceId": "u"})),
        (&desk::LIST_DESK_SESSIONS, json!({"StartTimestamp": 2, "EndTimestamp": 1})),
        (&desk::LIST_DESK_SESSIONS, json!({"StartTimestamp": 1, "EndTimestamp": 2, "Limit": 101})),
        (&trtc::DISMISS_ROOM, json!({"RoomId": [1]})),
        (&trtc::REMOVE_USERS, json!({"RoomId": 1, "UserIds": []})),
        (&raw::IM_REQUEST, json!({"path": "v4/x"})),
        (&raw::CLOUD_API_REQUEST, json!({"service": "trtc", "version": "2019-07-22"})),
    ];
    for (op, req) in cases {
        let e = c.execute(op, &req).unwrap_err();
        assert_eq!(e.code, tccall::ErrorCode::InvalidRequest, "{op:?} {req}: {e}");
        assert_eq!(e.attempts, 1);
    }
}
