//! TLS failures through the C ABI against deliberately wrong certificates: each is
//! `TCCALL_E_TLS` (203) with its cause in the message, provably unsent (the sandbox logs no
//! request), not retried when it is a certificate problem, and never turned into
//! `already_ended` by an ending operation.
#![cfg(feature = "sandbox")]

use serde_json::{json, Value};
use std::ffi::{c_char, CStr, CString};
use std::ptr::null_mut;
use tccall::ffi::*;
use tccall::sandbox::{Sandbox, SandboxConfig};

fn take(p: *mut c_char) -> Value {
    // SAFETY: a string from tccall, read and freed once.
    let text = unsafe { CStr::from_ptr(p) }.to_str().unwrap().to_owned();
    // SAFETY: as above.
    unsafe { tccall_string_free(p) };
    serde_json::from_str(&text).unwrap()
}

/// Runs `op` with a fresh client made from `config`; returns the error JSON.
fn fail(config: &Value, op: &str, request: Value) -> Value {
    let cfg = CString::new(config.to_string()).unwrap();
    let (mut c, mut out, mut err) = (null_mut(), null_mut(), null_mut());
    // SAFETY: valid strings and out pointers.
    assert_eq!(unsafe { tccall_client_new(cfg.as_ptr(), &mut c, &mut err) }, 0);
    let (op, req) = (CString::new(op).unwrap(), CString::new(request.to_string()).unwrap());
    // SAFETY: a live handle, valid strings, NULL options and cancel, valid out pointers.
    let rc = unsafe {
        tccall_client_call(c, op.as_ptr(), req.as_ptr(), std::ptr::null(), std::ptr::null(), &mut out, &mut err)
    };
    // SAFETY: the handle made above, freed once.
    unsafe { tccall_client_free(c) };
    assert_ne!(rc, 0, "expected a failure");
    let e = take(err);
    assert_eq!(e["code"], rc);
    e
}

fn sandbox(leaf: &str) -> Sandbox {
    Sandbox::start(SandboxConfig { tls_leaf: leaf.into(), ..Default::default() }).unwrap()
}

fn https_config(sb: &Sandbox) -> Value {
    let mut cfg: Value = serde_json::from_str(&sb.https_client_config_json()).unwrap();
    cfg["retry"] = json!({"max_attempts": 3, "base_delay_ms": 1, "max_delay_ms": 5});
    cfg
}

fn requests_logged(sb: &Sandbox) -> usize {
    sb.log().iter().filter(|e| e["kind"] == "im" || e["kind"] == "cloud").count()
}

#[test]
fn each_certificate_failure_names_its_cause_and_is_not_retried() {
    let cases = [
        ("expired", "has expired"),
        ("wrong_name", "(name mismatch)"),
        ("self_signed", "not trusted (unknown issuer)"),
    ];
    for (leaf, cause) in cases {
        let sb = sandbox(leaf);
        let cfg = https_config(&sb);
        for (op, req) in [
            ("end_call", json!({"CallId": "c1"})),
            ("dismiss_room", json!({"RoomId": 1234})),
            ("start_call_by_robot", json!({"Robot_Account": "r", "CalleeList_Account": ["a"], "CallInfo": {}})),
        ] {
            let e = fail(&cfg, op, req);
            assert_eq!((e["code"].as_i64(), e["name"].as_str()), (Some(203), Some("TCCALL_E_TLS")), "{leaf} {op}: {e}");
            let message = e["message"].as_str().unwrap();
            assert!(message.contains(cause) && message.contains("127.0.0.1"), "{leaf} {op}: {message}");
            assert_eq!((e["attempts"].as_u64(), e["retryable"].as_bool()), (Some(1), Some(false)), "{leaf} {op}: {e}");
        }
        assert_eq!(requests_logged(&sb), 0, "{leaf}: no request may reach the server");
    }
}

#[test]
fn an_untrusted_ca_is_an_unknown_issuer() {
    // A valid certificate from a CA the client was not told about.
    let sb = sandbox("valid");
    let mut cfg = https_config(&sb);
    cfg["tls"] = json!({"roots": "both"});
    let e = fail(&cfg, "get_call_info", json!({"CallId": "x"}));
    assert_eq!(e["code"], 203);
    assert!(e["message"].as_str().unwrap().contains("unknown issuer"), "{e}");
    // The same CA from a file works.
    cfg["tls"] = json!({"ca_file": sb.ca_file().to_str().unwrap(), "roots": "none"});
    let e = fail(&cfg, "get_call_info", json!({"CallId": "x"}));
    assert_eq!(e["service_code"], "101004", "the TLS handshake succeeded: {e}");
}

#[test]
fn a_handshake_with_a_plain_http_server_fails_as_tls() {
    // https:// to the port of a server that answers with plain HTTP.
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    std::thread::spawn(move || {
        for mut s in listener.incoming().flatten() {
            use std::io::Write;
            let _ = s.write_all(b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
        }
    });
    let base = format!("https://{addr}");
    let cfg = json!({"sdk_app_id": 1, "secret_key": "k", "im_endpoint": base, "proxy": "none",
                     "retry": {"max_attempts": 2, "base_delay_ms": 1, "max_delay_ms": 1}});
    let e = fail(&cfg, "end_call", json!({"CallId": "c"}));
    assert_eq!(e["code"], 203, "{e}");
    assert!(e["message"].as_str().unwrap().contains(&addr.ip().to_string()), "{e}");
    // Not a certificate problem: retried, and still no already_ended.
    assert_eq!(e["attempts"], 2, "{e}");
}
