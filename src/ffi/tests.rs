//! The C ABI called directly from Rust: NULLs, bad UTF-8, ownership, codes.
#![allow(clippy::undocumented_unsafe_blocks)]

use super::*;
use crate::error::ErrorCode;
use std::ffi::{c_char, CStr, CString};
use std::ptr::{null, null_mut};

const CONFIG: &str = r#"{"sdk_app_id": 1400000000, "secret_key": "5bd2850fff3ecb11d7c805251c51ee463a25727bddc2385f3fa8bfee1bb93b5e", "im_endpoint": "http://127.0.0.1:9"}"#;

fn new_client() -> *mut tccall_client {
    let cfg = CString::new(CONFIG).unwrap();
    let mut client = null_mut();
    let rc = unsafe { tccall_client_new(cfg.as_ptr(), &mut client, null_mut()) };
    assert_eq!(rc, ErrorCode::Ok.as_i32());
    assert!(!client.is_null());
    client
}

/// Takes ownership of a string handed out by the library.
fn take(p: *mut c_char) -> String {
    assert!(!p.is_null());
    let s = unsafe { CStr::from_ptr(p) }.to_str().unwrap().to_string();
    unsafe { tccall_string_free(p) };
    s
}

type OpFn = unsafe extern "C" fn(*const tccall_client, *const c_char, *mut *mut c_char, *mut *mut c_char) -> i32;

fn call(f: OpFn, client: *const tccall_client, req: &[u8]) -> (i32, Option<String>, Option<String>) {
    let req = CString::new(req).unwrap();
    let (mut out, mut err) = (null_mut(), null_mut());
    let rc = unsafe { f(client, req.as_ptr(), &mut out, &mut err) };
    let out = (!out.is_null()).then(|| take(out));
    let err = (!err.is_null()).then(|| take(err));
    (rc, out, err)
}

#[test]
fn usersig_through_the_abi() {
    let c = new_client();
    let (rc, out, err) = call(tccall_client_gen_usersig, c, br#"{"user_id": "xiaojun", "time": 1700000000}"#);
    assert_eq!((rc, err), (ErrorCode::Ok.as_i32(), None));
    let v: serde_json::Value = serde_json::from_str(&out.unwrap()).unwrap();
    assert_eq!(v["expire_at"], 1715552000u64);
    let req = format!(r#"{{"user_id": "xiaojun", "usersig": {}, "now": 1700000000}}"#, v["usersig"]);
    let (rc, out, _) = call(tccall_client_verify_usersig, c, req.as_bytes());
    assert_eq!(rc, ErrorCode::Ok.as_i32());
    assert!(out.unwrap().contains(r#""valid":true"#));
    unsafe { tccall_client_free(c) };
}

#[test]
fn out_pointers_follow_the_rules() {
    let c = new_client();
    // Failure: out_json untouched, out_err set with all nine keys.
    let (rc, out, err) = call(tccall_client_end_call, c, br#"{"CallID": "x"}"#);
    assert_eq!((rc, out), (ErrorCode::InvalidRequest.as_i32(), None));
    let e: serde_json::Value = serde_json::from_str(&err.unwrap()).unwrap();
    assert_eq!(e.as_object().unwrap().len(), 9);
    assert_eq!(e["name"], "TCCALL_E_INVALID_REQUEST");
    assert!(e["message"].as_str().unwrap().contains("unknown field `CallID`"));
    // Both out pointers may be NULL.
    let req = CString::new(r#"{"user_id": "u"}"#).unwrap();
    assert_eq!(unsafe { tccall_client_gen_usersig(c, req.as_ptr(), null_mut(), null_mut()) }, ErrorCode::Ok.as_i32());
    unsafe { tccall_client_free(c) };
}

#[test]
fn null_and_bad_utf8_are_reported() {
    let c = new_client();
    let mut err = null_mut();
    assert_eq!(
        unsafe { tccall_client_end_call(null(), c"{}".as_ptr(), null_mut(), &mut err) },
        ErrorCode::NullArgument.as_i32()
    );
    assert!(take(err).contains("client is NULL"));
    let mut err = null_mut();
    assert_eq!(unsafe { tccall_client_end_call(c, null(), null_mut(), &mut err) }, ErrorCode::NullArgument.as_i32());
    assert!(take(err).contains("request_json is NULL"));
    let (rc, _, err) = call(tccall_client_end_call, c, b"{\"CallId\": \"\xff\"}");
    assert_eq!(rc, ErrorCode::InvalidUtf8.as_i32());
    assert!(err.unwrap().contains("not UTF-8"));
    let (rc, _, _) = call(tccall_client_end_call, c, b"{\"CallId\": ");
    assert_eq!(rc, ErrorCode::InvalidJson.as_i32());
    let deep = "[".repeat(10_000);
    let (rc, _, _) = call(tccall_client_end_call, c, deep.as_bytes());
    assert_eq!(rc, ErrorCode::InvalidJson.as_i32());
    let mut out_client = null_mut();
    assert_eq!(unsafe { tccall_client_new(null(), &mut out_client, null_mut()) }, ErrorCode::NullArgument.as_i32());
    assert!(out_client.is_null());
    assert_eq!(unsafe { tccall_client_new(c"{}".as_ptr(), null_mut(), null_mut()) }, ErrorCode::NullArgument.as_i32());
    unsafe {
        tccall_client_free(c);
        tccall_client_free(null_mut());
        tccall_string_free(null_mut());
    }
}

#[test]
fn webhook_through_the_abi() {
    let c = new_client();
    let body = br#"{"CallbackCommand":"Call.CallbackAfterEndCall","CallRecord":{"CallId":"c1"},"EventTime":1}"#;
    let (mut out, mut err) = (null_mut(), null_mut());
    let rc = unsafe {
        tccall_client_parse_webhook(c, c"SdkAppid=1400000000".as_ptr(), body.as_ptr(), body.len(), &mut out, &mut err)
    };
    assert_eq!(rc, ErrorCode::Ok.as_i32());
    assert!(take(out).contains(r#""command":"Call.CallbackAfterEndCall""#));
    let rc =
        unsafe { tccall_client_parse_webhook(c, c"SdkAppid=1400000000".as_ptr(), null(), 5, null_mut(), &mut err) };
    assert_eq!(rc, ErrorCode::NullArgument.as_i32());
    take(err);
    unsafe { tccall_client_free(c) };
}

#[test]
fn static_strings() {
    let v = unsafe { CStr::from_ptr(tccall_version()) }.to_str().unwrap();
    assert_eq!(v, env!("CARGO_PKG_VERSION"));
    assert_eq!(tccall_abi_version(), TCCALL_ABI_VERSION);
    let s = unsafe { CStr::from_ptr(tccall_strerror(ErrorCode::NotFound.as_i32())) }.to_str().unwrap();
    assert!(s.contains("does not exist"));
    let s = unsafe { CStr::from_ptr(tccall_strerror(12345)) }.to_str().unwrap();
    assert_eq!(s, "unknown result code");
}

#[test]
fn panics_become_internal_errors() {
    let mut err = null_mut();
    let rc = unsafe { finish(guard(|| -> Result<String, Error> { panic!("boom") }), null_mut(), &mut err) };
    assert_eq!(rc, ErrorCode::Internal.as_i32());
    let e = take(err);
    assert!(e.contains("(caught panic): boom") && e.contains("TCCALL_E_INTERNAL"), "{e}");
}
