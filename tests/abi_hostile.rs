//! Hostile input at the C ABI: every export with NULL in each pointer position,
//! invalid UTF-8, oversized input, deeply nested JSON, wrong types and unknown
//! fields. Each returns its documented code, the process survives, and the out
//! pointers follow the rules (out_json only on success, out_err only on failure).

use std::ffi::{c_char, CStr, CString};
use std::ptr::{null, null_mut};
use tccall::ffi::*;
use tccall::ErrorCode;

type OpFn = unsafe extern "C" fn(*const tccall_client, *const c_char, *mut *mut c_char, *mut *mut c_char) -> i32;

const OPS: &[(&str, OpFn)] = &[
    ("end_call", tccall_client_end_call),
    ("terminate_call", tccall_client_terminate_call),
    ("get_call_info", tccall_client_get_call_info),
    ("start_call_by_robot", tccall_client_start_call_by_robot),
    ("get_call_record", tccall_client_get_call_record),
    ("search_call_records", tccall_client_search_call_records),
    ("set_callback_config", tccall_client_set_callback_config),
    ("get_callback_config", tccall_client_get_callback_config),
    ("delete_callback_config", tccall_client_delete_callback_config),
    ("dismiss_room", tccall_client_dismiss_room),
    ("remove_users", tccall_client_remove_users),
    ("block_user", tccall_client_block_user),
    ("end_desk_session", tccall_client_end_desk_session),
    ("get_desk_session_state", tccall_client_get_desk_session_state),
    ("list_desk_sessions", tccall_client_list_desk_sessions),
    ("gen_usersig", tccall_client_gen_usersig),
    ("verify_usersig", tccall_client_verify_usersig),
    ("gen_private_map_key", tccall_client_gen_private_map_key),
    ("im_request", tccall_client_im_request),
    ("cloud_api_request", tccall_client_cloud_api_request),
    ("sign_im_request", tccall_client_sign_im_request),
    ("sign_cloud_api_request", tccall_client_sign_cloud_api_request),
];

#[test]
fn every_operation_of_the_table_is_exercised_here() {
    let mut listed: Vec<&str> = OPS.iter().map(|(n, _)| *n).collect();
    let mut table: Vec<&str> = tccall::api::OPERATIONS.iter().map(|op| op.name).collect();
    listed.sort_unstable();
    table.sort_unstable();
    assert_eq!(listed, table);
}

const SECRET_KEY: &str = "IMKEY-0123456789abcdef-do-not-print";
const CLOUD_KEY: &str = "CLOUDKEY-fedcba9876543210-do-not-print";

fn client(max_input: usize) -> *mut tccall_client {
    let cfg = format!(
        r#"{{"sdk_app_id": 1400000001, "secret_key": "{SECRET_KEY}", "im_endpoint": "http://127.0.0.1:9",
            "cloud_api": {{"secret_id": "AKIDx", "secret_key": "{CLOUD_KEY}", "endpoint": "http://127.0.0.1:9"}},
            "retry": {{"max_attempts": 1}}, "max_input_bytes": {max_input}}}"#
    );
    let cfg = CString::new(cfg).unwrap();
    let mut c = null_mut();
    assert_eq!(unsafe { tccall_client_new(cfg.as_ptr(), &mut c, null_mut()) }, ErrorCode::Ok.as_i32());
    c
}

/// Calls `f` with sentinel out pointers and checks which were written.
fn run(f: OpFn, c: *const tccall_client, req: *const c_char) -> (i32, Option<String>, Option<String>) {
    let sentinel = 0x1 as *mut c_char;
    let (mut out, mut err) = (sentinel, sentinel);
    let rc = unsafe { f(c, req, &mut out, &mut err) };
    let take = |p: *mut c_char| {
        if p == sentinel {
            return None;
        }
        assert!(!p.is_null(), "an out pointer was set to NULL");
        let s = unsafe { CStr::from_ptr(p) }.to_str().unwrap().to_string();
        unsafe { tccall_string_free(p) };
        Some(s)
    };
    let (out, err) = (take(out), take(err));
    if rc == ErrorCode::Ok.as_i32() {
        assert!(out.is_some() && err.is_none(), "success must set only out_json");
    } else {
        assert!(out.is_none() && err.is_some(), "failure must set only out_err");
        let e: serde_json::Value = serde_json::from_str(err.as_deref().unwrap()).unwrap();
        assert_eq!(e["code"], rc);
        assert_eq!(e.as_object().unwrap().len(), 9);
    }
    (rc, out, err)
}

#[test]
fn null_in_every_pointer_position() {
    let c = client(1 << 20);
    for (name, f) in OPS {
        let (rc, _, err) = run(*f, null(), c"{}".as_ptr());
        assert_eq!(rc, ErrorCode::NullArgument.as_i32(), "{name}: NULL client");
        assert!(err.unwrap().contains("client is NULL"));
        let (rc, _, err) = run(*f, c, null());
        assert_eq!(rc, ErrorCode::NullArgument.as_i32(), "{name}: NULL request");
        assert!(err.unwrap().contains("request_json is NULL"));
        // NULL out pointers: the call still runs and returns its code.
        let rc = unsafe { f(c, c"{".as_ptr(), null_mut(), null_mut()) };
        assert_eq!(rc, ErrorCode::InvalidJson.as_i32(), "{name}");
    }
    let body = b"{}";
    let mut err = null_mut();
    let q = c"SdkAppid=1400000001";
    assert_eq!(
        unsafe { tccall_client_parse_webhook(null(), q.as_ptr(), body.as_ptr(), 2, null_mut(), &mut err) },
        ErrorCode::NullArgument.as_i32()
    );
    unsafe { tccall_string_free(err) };
    assert_eq!(
        unsafe { tccall_client_parse_webhook(c, null(), body.as_ptr(), 2, null_mut(), null_mut()) },
        ErrorCode::NullArgument.as_i32()
    );
    assert_eq!(
        unsafe { tccall_client_parse_webhook(c, q.as_ptr(), null(), 2, null_mut(), null_mut()) },
        ErrorCode::NullArgument.as_i32()
    );
    // NULL body with length 0 is an empty body, which is malformed.
    assert_eq!(
        unsafe { tccall_client_parse_webhook(c, q.as_ptr(), null(), 0, null_mut(), null_mut()) },
        ErrorCode::WebhookMalformed.as_i32()
    );
    let mut out_client = null_mut();
    assert_eq!(unsafe { tccall_client_new(null(), &mut out_client, null_mut()) }, ErrorCode::NullArgument.as_i32());
    assert_eq!(
        unsafe { tccall_client_new(c"{\"sdk_app_id\": 1}".as_ptr(), null_mut(), null_mut()) },
        ErrorCode::NullArgument.as_i32()
    );
    unsafe { tccall_client_free(c) };
}

#[test]
fn bad_bytes_sizes_and_shapes() {
    let c = client(64 * 1024);
    let bad_utf8 = CString::new(&b"{\"CallId\": \"\xc3\x28\"}"[..]).unwrap();
    let huge = CString::new(format!(r#"{{"CallId": "{}"}}"#, "x".repeat(70 * 1024))).unwrap();
    let deep = CString::new(format!("{}{}", "[".repeat(10_000), "]".repeat(10_000))).unwrap();
    let deep_obj = CString::new(format!("{}1{}", "{\"a\":".repeat(10_000), "}".repeat(10_000))).unwrap();
    let cases: &[(&CStr, i32)] = &[
        (&bad_utf8, ErrorCode::InvalidUtf8.as_i32()),
        (&huge, ErrorCode::InputTooLarge.as_i32()),
        (&deep, ErrorCode::InvalidJson.as_i32()),
        (&deep_obj, ErrorCode::InvalidJson.as_i32()),
        (c"", ErrorCode::InvalidJson.as_i32()),
        (c"null", ErrorCode::InvalidRequest.as_i32()),
        (c"[]", ErrorCode::InvalidRequest.as_i32()),
        (c"\"text\"", ErrorCode::InvalidRequest.as_i32()),
        (c"{\"__unknown_field__\": 1}", ErrorCode::InvalidRequest.as_i32()),
    ];
    for (name, f) in OPS {
        for (input, want) in cases {
            let (rc, _, err) = run(*f, c, input.as_ptr());
            assert_eq!(rc, *want, "{name} with {:.40?}: {err:?}", input);
        }
    }
    // Wrong types name the field.
    let typed: &[(OpFn, &CStr, &str)] = &[
        (tccall_client_end_call, c"{\"CallId\": 7}", "CallId must be a string"),
        (tccall_client_dismiss_room, c"{\"RoomId\": {}}", "RoomId must be an integer or a string"),
        (tccall_client_remove_users, c"{\"RoomId\": 1, \"UserIds\": \"a\"}", "UserIds must be an array"),
        (tccall_client_start_call_by_robot, c"{\"Robot_Account\": \"r\", \"CalleeList_Account\": [\"a\"], \"Timeout\": \"30000\", \"CallInfo\": {\"MediaType\": \"Audio\"}}", "Timeout must be an integer"),
        (tccall_client_gen_usersig, c"{\"user_id\": \"u\", \"expire_s\": -1}", "expire_s must be between"),
        (tccall_client_list_desk_sessions, c"{\"StartTimestamp\": 1.5, \"EndTimestamp\": 2}", "StartTimestamp must be an integer"),
    ];
    for (f, input, want) in typed {
        let (rc, _, err) = run(*f, c, input.as_ptr());
        assert_eq!(rc, ErrorCode::InvalidRequest.as_i32());
        assert!(err.as_deref().unwrap().contains(want), "{err:?} lacks {want}");
    }
    // An oversized webhook body.
    let body = vec![b' '; 70 * 1024];
    let rc = unsafe {
        tccall_client_parse_webhook(
            c,
            c"SdkAppid=1400000001".as_ptr(),
            body.as_ptr(),
            body.len(),
            null_mut(),
            null_mut(),
        )
    };
    assert_eq!(rc, ErrorCode::InputTooLarge.as_i32());
    unsafe { tccall_client_free(c) };
}

#[test]
fn secrets_never_appear_in_errors() {
    let c = client(1 << 20);
    let mut seen = Vec::new();
    for (_, f) in OPS {
        for req in [c"{}".as_ptr(), c"{\"CallId\": \"c\"}".as_ptr(), c"{\"RoomId\": 1}".as_ptr()] {
            if let (_, _, Some(err)) = run(*f, c, req) {
                seen.push(err);
            }
        }
    }
    // Real I/O failures too (nothing listens on port 9).
    for (f, req) in [
        (tccall_client_end_call as OpFn, c"{\"CallId\": \"c\"}"),
        (tccall_client_dismiss_room, c"{\"RoomId\": 1}"),
        (
            tccall_client_cloud_api_request,
            c"{\"service\": \"trtc\", \"version\": \"2019-07-22\", \"action\": \"DescribeRoomInfo\"}",
        ),
    ] {
        let (rc, _, err) = run(f, c, req.as_ptr());
        assert_eq!(rc, ErrorCode::Connect.as_i32());
        seen.push(err.unwrap());
    }
    // The admin UserSig the client would send.
    let (_, signed, _) = run(tccall_client_sign_im_request, c, c"{\"path\": \"v4/call_config/get_callback\"}".as_ptr());
    let signed: serde_json::Value = serde_json::from_str(&signed.unwrap()).unwrap();
    let usersig =
        signed["url"].as_str().unwrap().split("usersig=").nth(1).unwrap().split('&').next().unwrap().to_string();
    assert!(seen.len() > 40);
    for err in &seen {
        for secret in [SECRET_KEY, CLOUD_KEY, usersig.as_str(), "TC3-HMAC-SHA256"] {
            assert!(!err.contains(secret), "secret leaked in {err}");
        }
    }
    let dbg = format!(
        "{:?}",
        tccall::Client::from_json(&format!(
            r#"{{"sdk_app_id": 1, "secret_key": "{SECRET_KEY}", "cloud_api": {{"secret_key": "{CLOUD_KEY}"}}}}"#
        ))
        .unwrap()
    );
    assert!(!dbg.contains(SECRET_KEY) && !dbg.contains(CLOUD_KEY), "{dbg}");
    unsafe { tccall_client_free(c) };
}
