//! Bounded memory for large answers (its own test binary, so the peak RSS it reads is
//! its own): a 16 MiB answer of small JSON values fails with 206 under the default
//! limit without being read, and when a larger limit admits it, decoding costs a small
//! multiple of its size (no `Value` tree, no copy of the payload).

use serde_json::json;
use std::io::{Read, Write};
use std::net::TcpListener;
use std::sync::Arc;
use tccall::{Client, ErrorCode};

/// Peak resident set size of this process, in bytes (VmHWM).
fn peak_rss() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap();
    let kb: u64 = status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap();
    kb * 1024
}

/// Serves `body` (an IM answer) to every request on every connection.
fn serve(body: Arc<Vec<u8>>) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    std::thread::spawn(move || {
        for mut s in listener.incoming().flatten() {
            let body = body.clone();
            std::thread::spawn(move || loop {
                let mut head = Vec::new();
                let mut b = [0u8; 1];
                while !head.ends_with(b"\r\n\r\n") {
                    if s.read(&mut b).map_or(true, |n| n == 0) {
                        return;
                    }
                    head.push(b[0]);
                }
                let text = String::from_utf8_lossy(&head).to_ascii_lowercase();
                let len: usize = text
                    .lines()
                    .find_map(|l| l.strip_prefix("content-length:"))
                    .map_or(0, |v| v.trim().parse().unwrap());
                let mut req = vec![0; len];
                if s.read_exact(&mut req).is_err() {
                    return;
                }
                let _ = s.write_all(format!("HTTP/1.1 200 OK\r\nContent-Length: {}\r\n\r\n", body.len()).as_bytes());
                if s.write_all(&body).is_err() {
                    return;
                }
            });
        }
    });
    format!("http://{addr}")
}

#[test]
fn a_16_mib_answer_is_refused_by_default_and_decoded_lean_when_allowed() {
    // {"ActionStatus":"OK","ErrorCode":0,"Response":{"L":[1,1,...]}} : 16 MiB of tiny values,
    // the worst case for a Value tree (each `1` would become a heap-allocated number).
    let mut body = br#"{"ActionStatus":"OK","ErrorCode":0,"ErrorInfo":"","RequestId":"r","Response":{"L":[1"#.to_vec();
    while body.len() < (16 << 20) - 8 {
        body.extend_from_slice(b",1");
    }
    body.extend_from_slice(b"]}}");
    let size = body.len() as u64;
    let base = serve(Arc::new(body));
    let config = |limit: Option<u64>| {
        let mut c = json!({"sdk_app_id": 1, "secret_key": "k", "im_endpoint": base, "proxy": "none",
                           "retry": {"max_attempts": 1}, "timeouts": {"total_ms": 60000}});
        if let Some(l) = limit {
            c["max_response_bytes"] = json!({"im": l});
        }
        c.to_string()
    };
    let request = json!({"CallId": "c"}).to_string();

    let before = peak_rss();
    let client = Client::from_json(&config(None)).unwrap();
    let e = client.execute_json(&tccall::api::call::GET_CALL_INFO, &request).unwrap_err();
    assert_eq!(e.code, ErrorCode::BadResponse, "{e}");
    assert!(e.message.contains(&format!("({size} bytes) is larger than max_response_bytes.im")), "{e}");
    let refused = peak_rss().saturating_sub(before);
    println!("refused 16 MiB answer: peak RSS +{} KiB", refused / 1024);
    assert!(refused < 4 << 20, "refusing cost {refused} bytes");

    let client = Client::from_json(&config(Some(32 << 20))).unwrap();
    let before = peak_rss();
    let out = client.execute_json(&tccall::api::call::GET_CALL_INFO, &request).unwrap();
    assert!(out.starts_with(r#"{"L":[1,1,"#) && out.ends_with(r#"],"RequestId":"r"}"#));
    let grew = peak_rss().saturating_sub(before);
    println!("decoded 16 MiB answer: peak RSS +{} MiB ({:.1}x its size)", grew >> 20, grew as f64 / size as f64);
    assert!(grew < 4 * size, "decoding a {size}-byte answer raised the peak RSS by {grew} bytes");
}
