//! The client on a hostile network, through the C ABI: one deadline per call
//! (`timeouts.total_ms`, `deadline_ms`), cancellation in every phase, stalled and trickling
//! servers, oversized answers, proxies (HTTP CONNECT with credentials, SOCKS5).
//!
//! The servers here are small raw-socket threads, so each misbehaviour is exact.

use serde_json::{json, Value};
use std::ffi::{c_char, CStr, CString};
use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::ptr::{null, null_mut};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};
use tccall::ffi::*;

// ------------------------------------------------------------------ C ABI helpers

struct Client(*mut tccall_client);
// SAFETY: a tccall_client is Send + Sync by contract.
unsafe impl Send for Client {}
// SAFETY: as above.
unsafe impl Sync for Client {}

struct Token(*mut tccall_cancel);
// SAFETY: tccall_cancel is thread-safe by contract.
unsafe impl Send for Token {}
// SAFETY: as above.
unsafe impl Sync for Token {}

impl Drop for Token {
    fn drop(&mut self) {
        // SAFETY: a token from tccall_cancel_new, freed once, after the calls using it.
        unsafe { tccall_cancel_free(self.0) }
    }
}

fn take(p: *mut c_char) -> Option<Value> {
    if p.is_null() {
        return None;
    }
    // SAFETY: a string from tccall, read and freed once.
    let text = unsafe { CStr::from_ptr(p) }.to_str().unwrap().to_owned();
    // SAFETY: as above.
    unsafe { tccall_string_free(p) };
    Some(serde_json::from_str(&text).unwrap())
}

impl Client {
    fn new(config: Value) -> Client {
        let cfg = CString::new(config.to_string()).unwrap();
        let (mut c, mut err) = (null_mut(), null_mut());
        // SAFETY: valid C string and out pointers.
        let rc = unsafe { tccall_client_new(cfg.as_ptr(), &mut c, &mut err) };
        assert_eq!(rc, 0, "{:?}", take(err));
        Client(c)
    }

    /// `tccall_client_call`; returns (result or error JSON, seconds taken).
    fn call(
        &self,
        op: &str,
        req: Value,
        options: Option<Value>,
        cancel: Option<&Token>,
    ) -> (Result<Value, Value>, f64) {
        let (op, req) = (CString::new(op).unwrap(), CString::new(req.to_string()).unwrap());
        let opts = options.map(|o| CString::new(o.to_string()).unwrap());
        let (mut out, mut err) = (null_mut(), null_mut());
        let t0 = Instant::now();
        // SAFETY: live handle, valid strings, live token or NULL, valid out pointers.
        let rc = unsafe {
            tccall_client_call(
                self.0,
                op.as_ptr(),
                req.as_ptr(),
                opts.as_ref().map_or(null(), |o| o.as_ptr()),
                cancel.map_or(null(), |t| t.0),
                &mut out,
                &mut err,
            )
        };
        let secs = t0.elapsed().as_secs_f64();
        match rc {
            0 => (Ok(take(out).unwrap()), secs),
            code => {
                let e = take(err).unwrap();
                assert_eq!(e["code"], code);
                (Err(e), secs)
            }
        }
    }
}

impl Drop for Client {
    fn drop(&mut self) {
        // SAFETY: a handle from tccall_client_new, freed once.
        unsafe { tccall_client_free(self.0) }
    }
}

/// A config whose IM and Cloud API endpoints are `base`.
fn config(base: &str, extra: Value) -> Value {
    let mut cfg = json!({
        "sdk_app_id": 1400000001,
        "secret_key": "k",
        "im_endpoint": base,
        "cloud_api": {"secret_id": "AKID", "secret_key": "sk", "endpoint": base},
        "proxy": "none",
        "retry": {"max_attempts": 1},
        "rate_limit": {"enabled": false},
    });
    for (k, v) in extra.as_object().unwrap() {
        cfg[k] = v.clone();
    }
    cfg
}

// ------------------------------------------------------------------ misbehaving servers

/// A server running `serve` on each accepted connection (one thread each); counts accepts.
struct Server {
    addr: SocketAddr,
    accepted: Arc<AtomicUsize>,
}

impl Server {
    fn start(serve: impl Fn(TcpStream) + Send + Sync + 'static) -> Server {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap();
        let accepted = Arc::new(AtomicUsize::new(0));
        let (serve, count) = (Arc::new(serve), accepted.clone());
        std::thread::spawn(move || {
            for s in listener.incoming().flatten() {
                count.fetch_add(1, Ordering::SeqCst);
                let serve = serve.clone();
                std::thread::spawn(move || serve(s));
            }
        });
        Server { addr, accepted }
    }

    fn url(&self) -> String {
        format!("http://{}", self.addr)
    }
}

/// Reads one request head and its Content-Length body.
fn read_request(s: &mut TcpStream) -> Option<Vec<u8>> {
    let mut buf = Vec::new();
    let mut byte = [0u8; 1];
    while !buf.ends_with(b"\r\n\r\n") {
        if s.read(&mut byte).ok()? == 0 {
            return None;
        }
        buf.push(byte[0]);
    }
    let head = String::from_utf8_lossy(&buf).to_ascii_lowercase();
    let len = head
        .lines()
        .find_map(|l| l.strip_prefix("content-length:"))
        .map(|v| v.trim().parse::<usize>().unwrap())
        .unwrap_or(0);
    let mut body = vec![0; len];
    s.read_exact(&mut body).ok()?;
    Some(buf)
}

const IM_OK: &str = r#"{"ActionStatus":"OK","ErrorCode":0,"ErrorInfo":"","RequestId":"r"}"#;

fn get_call_info() -> Value {
    json!({"CallId": "c1"})
}

// ------------------------------------------------------------------ deadlines

#[test]
fn a_trickling_server_ends_at_the_total_deadline_with_201() {
    // The head, then one body byte every 300 ms: each gap is under request_ms (1000), so
    // only the whole-call deadline can end it.
    let server = Server::start(|mut s| {
        read_request(&mut s);
        let _ = s.write_all(b"HTTP/1.1 200 OK\r\nContent-Length: 100000\r\n\r\n{");
        for _ in 0..1000 {
            std::thread::sleep(Duration::from_millis(300));
            if s.write_all(b" ").is_err() {
                return;
            }
        }
    });
    let c = Client::new(config(&server.url(), json!({"timeouts": {"request_ms": 1000, "total_ms": 2000}})));
    let (r, secs) = c.call("get_call_info", get_call_info(), None, None);
    let e = r.unwrap_err();
    assert_eq!(e["code"], 201, "{e}");
    assert!(e["message"].as_str().unwrap().contains("deadline (2000 ms)"), "{e}");
    assert!((2.0..=2.0 * 1.1 + 0.2).contains(&secs), "ended after {secs:.3} s");
    println!("trickle: total_ms 2000 ended after {secs:.3} s");

    // The per-call deadline wins over the config's.
    let (r, secs) = c.call("get_call_info", get_call_info(), Some(json!({"deadline_ms": 700})), None);
    assert_eq!(r.unwrap_err()["code"], 201);
    assert!((0.7..=0.7 * 1.1 + 0.2).contains(&secs), "ended after {secs:.3} s");
}

#[test]
fn headers_then_a_stalled_body_is_a_timeout_not_a_connect_error() {
    let server = Server::start(|mut s| {
        read_request(&mut s);
        let _ = s.write_all(b"HTTP/1.1 200 OK\r\nContent-Length: 50\r\n\r\n{\"Err");
        std::thread::sleep(Duration::from_secs(10));
    });
    let c = Client::new(config(&server.url(), json!({"timeouts": {"request_ms": 500, "total_ms": 5000}})));
    let (r, secs) = c.call("get_call_info", get_call_info(), None, None);
    let e = r.unwrap_err();
    assert_eq!((e["code"].as_i64(), e["retryable"].as_bool()), (Some(201), Some(true)), "{e}");
    assert!(e["message"].as_str().unwrap().contains("stayed silent for request_ms (500 ms)"), "{e}");
    assert!(secs < 1.5, "{secs}");
}

#[test]
fn retries_and_backoff_stay_inside_the_deadline() {
    // Every attempt gets a 502; backoff is long. The call ends by its deadline, not after
    // max_attempts full backoffs.
    let server = Server::start(|mut s| {
        while read_request(&mut s).is_some() {
            let _ = s.write_all(b"HTTP/1.1 502 Bad Gateway\r\nContent-Length: 0\r\n\r\n");
        }
    });
    let c = Client::new(config(
        &server.url(),
        json!({"retry": {"max_attempts": 10, "base_delay_ms": 400, "max_delay_ms": 400}, "timeouts": {"total_ms": 1500}}),
    ));
    let (r, secs) = c.call("get_call_info", get_call_info(), None, None);
    let e = r.unwrap_err();
    assert_eq!(e["code"], 205, "{e}");
    assert!(e["attempts"].as_u64().unwrap() >= 2, "{e}");
    assert!(secs <= 1.5 * 1.1 + 0.2, "{secs}");
    // max_attempts per call.
    let (r, _) = c.call("get_call_info", get_call_info(), Some(json!({"max_attempts": 1})), None);
    assert_eq!(r.unwrap_err()["attempts"], 1);
}

// ------------------------------------------------------------------ cancellation

/// Cancels `token` after `after`, and returns when it did.
fn cancel_after(token: &Arc<Token>, after: Duration) -> std::thread::JoinHandle<Instant> {
    let t = token.clone();
    std::thread::spawn(move || {
        std::thread::sleep(after);
        // SAFETY: the token is alive (the Arc keeps it) and thread-safe.
        unsafe { tccall_cancel_cancel(t.0) };
        Instant::now()
    })
}

fn assert_cancelled_promptly(c: &Client, req_op: &str, options: Option<Value>) {
    let token = Arc::new(Token(tccall_cancel_new()));
    let canceller = cancel_after(&token, Duration::from_millis(300));
    let (r, _) = c.call(req_op, get_call_info(), options, Some(&token));
    let returned = Instant::now();
    let cancelled_at = canceller.join().unwrap();
    let e = r.unwrap_err();
    assert_eq!((e["code"].as_i64(), e["name"].as_str()), (Some(207), Some("TCCALL_E_CANCELLED")), "{e}");
    let late = returned.saturating_duration_since(cancelled_at);
    assert!(late < Duration::from_millis(200), "returned {late:?} after the cancel: {e}");
    println!("cancel ({}): returned {late:?} after the cancel", e["message"]);
    // The token stays cancelled: the next call with it fails at once without a request.
    let (r, secs) = c.call(req_op, get_call_info(), None, Some(&token));
    assert_eq!(r.unwrap_err()["code"], 207);
    assert!(secs < 0.05);
}

#[test]
fn cancel_while_waiting_for_the_answer() {
    let server = Server::start(|mut s| {
        read_request(&mut s);
        std::thread::sleep(Duration::from_secs(20));
    });
    let c = Client::new(config(&server.url(), json!({"timeouts": {"request_ms": 10000}})));
    assert_cancelled_promptly(&c, "get_call_info", None);
}

#[test]
fn cancel_while_backing_off() {
    let server = Server::start(|mut s| {
        while read_request(&mut s).is_some() {
            let _ = s.write_all(b"HTTP/1.1 503 Service Unavailable\r\nContent-Length: 0\r\n\r\n");
        }
    });
    let c = Client::new(config(
        &server.url(),
        json!({"retry": {"max_attempts": 5, "base_delay_ms": 10000, "max_delay_ms": 10000}}),
    ));
    // Full jitter may pick a short first backoff: force a long one by retrying until the
    // cancel lands while sleeping (at most 5 attempts, each answered at once).
    assert_cancelled_promptly(&c, "get_call_info", None);
}

#[test]
fn cancel_while_connecting() {
    // A listener whose accept queue is full: further connects hang in SYN_SENT.
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    let mut held = Vec::new();
    loop {
        match TcpStream::connect_timeout(&addr, Duration::from_millis(100)) {
            Ok(s) => held.push(s),
            Err(_) => break,
        }
        assert!(held.len() < 5000, "the accept queue never filled");
    }
    let c = Client::new(config(&format!("http://{addr}"), json!({"timeouts": {"connect_ms": 10000}})));
    assert_cancelled_promptly(&c, "get_call_info", None);
    drop(listener);
}

#[test]
fn cancel_during_the_tls_handshake() {
    // Accepts, reads the ClientHello, never answers.
    let server = Server::start(|mut s| {
        let mut buf = [0u8; 1024];
        let _ = s.read(&mut buf);
        std::thread::sleep(Duration::from_secs(20));
    });
    let base = format!("https://{}", server.addr);
    let c = Client::new(config(&base, json!({"timeouts": {"request_ms": 10000}})));
    assert_cancelled_promptly(&c, "get_call_info", None);
}

#[test]
fn poll_callback_cancels_a_blocked_call() {
    let server = Server::start(|mut s| {
        read_request(&mut s);
        std::thread::sleep(Duration::from_secs(20));
    });
    let c = Client::new(config(&server.url(), json!({})));
    static POLLS: AtomicUsize = AtomicUsize::new(0);
    unsafe extern "C" fn poll(_: *mut std::ffi::c_void) -> i32 {
        // Cancel on the fourth poll (~400 ms).
        i32::from(POLLS.fetch_add(1, Ordering::SeqCst) >= 3)
    }
    let token = Token(tccall_cancel_new());
    // SAFETY: a live token; `poll` is callable from any thread.
    assert_eq!(unsafe { tccall_cancel_set_poll(token.0, Some(poll), null_mut(), 100) }, 0);
    // SAFETY: as above; an interval of 0 is refused.
    assert_eq!(unsafe { tccall_cancel_set_poll(token.0, Some(poll), null_mut(), 0) }, 104);
    let (r, secs) = c.call("get_call_info", get_call_info(), None, Some(&token));
    assert_eq!(r.unwrap_err()["code"], 207);
    assert_eq!(POLLS.load(Ordering::SeqCst), 4);
    assert!((0.35..1.0).contains(&secs), "{secs}");
}

#[test]
fn call_by_name_validates_its_arguments() {
    let c = Client::new(config("http://127.0.0.1:9", json!({})));
    let (r, _) = c.call("no_such_op", json!({}), None, None);
    assert!(r.unwrap_err()["message"].as_str().unwrap().contains("unknown operation"));
    for (opts, want) in [
        (json!({"deadline_ms": 0}), "deadline_ms must be between"),
        (json!({"timeout": 5}), "unknown field `timeout`"),
        (json!({"max_attempts": 11}), "max_attempts must be between"),
    ] {
        let (r, _) = c.call("get_call_info", get_call_info(), Some(opts), None);
        let e = r.unwrap_err();
        assert_eq!(e["code"], 104);
        assert!(e["message"].as_str().unwrap().contains(want), "{e}");
    }
    // Local operations work by name too.
    let (r, _) = c.call("gen_usersig", json!({"user_id": "u"}), Some(json!({"deadline_ms": 5})), None);
    assert!(r.unwrap()["usersig"].is_string());
}

// ------------------------------------------------------------------ response size

#[test]
fn an_oversized_answer_is_206_without_reading_it() {
    // Declares 16 MiB and sends it; the client refuses by the Content-Length.
    let server = Server::start(|mut s| {
        read_request(&mut s);
        let body = vec![b' '; 16 << 20];
        let _ = s.write_all(format!("HTTP/1.1 200 OK\r\nContent-Length: {}\r\n\r\n", body.len()).as_bytes());
        let _ = s.write_all(&body);
    });
    let c = Client::new(config(&server.url(), json!({})));
    let (r, _) = c.call("get_call_info", get_call_info(), None, None);
    let e = r.unwrap_err();
    assert_eq!((e["code"].as_i64(), e["http_status"].as_i64()), (Some(206), Some(200)), "{e}");
    assert!(e["message"].as_str().unwrap().contains("max_response_bytes.im"), "{e}");

    // Chunked, no length: counted as it arrives.
    let server = Server::start(|mut s| {
        read_request(&mut s);
        let _ = s.write_all(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n");
        let chunk = vec![b' '; 1 << 20];
        for _ in 0..16 {
            let _ = s.write_all(format!("{:x}\r\n", chunk.len()).as_bytes());
            let _ = s.write_all(&chunk);
            let _ = s.write_all(b"\r\n");
        }
        let _ = s.write_all(b"0\r\n\r\n");
    });
    let c = Client::new(config(&server.url(), json!({"max_response_bytes": {"im": 2 << 20}})));
    let (r, _) = c.call("get_call_info", get_call_info(), None, None);
    assert_eq!(r.unwrap_err()["code"], 206);
}

#[test]
fn chunked_and_close_delimited_answers_decode() {
    let server = Server::start(|mut s| {
        read_request(&mut s);
        let (a, b) = IM_OK.split_at(10);
        let _ = write!(s, "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n{:x}\r\n{a}\r\n{:x};ext=1\r\n{b}\r\n0\r\nX-Trailer: t\r\n\r\n", a.len(), b.len());
        // The connection stays usable: a second request on it.
        read_request(&mut s);
        let _ = write!(s, "HTTP/1.1 200 OK\r\nConnection: close\r\n\r\n{IM_OK}");
    });
    let c = Client::new(config(&server.url(), json!({})));
    assert_eq!(c.call("get_call_info", get_call_info(), None, None).0.unwrap(), json!({"RequestId": "r"}));
    assert_eq!(c.call("get_call_info", get_call_info(), None, None).0.unwrap(), json!({"RequestId": "r"}));
    assert_eq!(server.accepted.load(Ordering::SeqCst), 1, "the chunked answer left the connection reusable");
}

#[test]
fn a_pooled_connection_the_server_closed_is_replaced_transparently() {
    // Answers one request per connection, without saying Connection: close.
    let server = Server::start(|mut s| {
        read_request(&mut s);
        let _ = write!(s, "HTTP/1.1 200 OK\r\nContent-Length: {}\r\n\r\n{IM_OK}", IM_OK.len());
        let _ = s.shutdown(std::net::Shutdown::Both);
    });
    let c = Client::new(config(&server.url(), json!({"retry": {"max_attempts": 1}})));
    for _ in 0..3 {
        assert_eq!(c.call("get_call_info", get_call_info(), None, None).0.unwrap(), json!({"RequestId": "r"}));
        // Longer than the pool's probe threshold: the FIN has arrived by the next call.
        std::thread::sleep(Duration::from_millis(100));
    }
    assert_eq!(server.accepted.load(Ordering::SeqCst), 3);
}

// ------------------------------------------------------------------ proxies

/// An HTTP CONNECT proxy that requires `Basic dTpwQHNz` (u:p@ss) and relays bytes.
fn connect_proxy() -> (Server, Arc<std::sync::Mutex<Vec<String>>>) {
    let seen = Arc::new(std::sync::Mutex::new(Vec::new()));
    let log = seen.clone();
    let server = Server::start(move |mut s| {
        let Some(head) = read_request(&mut s) else { return };
        let head = String::from_utf8_lossy(&head).to_string();
        log.lock().unwrap().push(head.lines().next().unwrap_or("").to_string());
        if !head.contains("Proxy-Authorization: Basic dTpwQHNz") {
            let _ = s.write_all(b"HTTP/1.1 407 Proxy Authentication Required\r\nContent-Length: 0\r\n\r\n");
            return;
        }
        let target = head.split_whitespace().nth(1).unwrap().to_string();
        let Ok(upstream) = TcpStream::connect(&target) else { return };
        let _ = s.write_all(b"HTTP/1.1 200 Connection established\r\n\r\n");
        let (mut a, mut b) = (s.try_clone().unwrap(), upstream.try_clone().unwrap());
        let mut s2 = s;
        let mut up2 = upstream;
        std::thread::spawn(move || std::io::copy(&mut a, &mut up2));
        let _ = std::io::copy(&mut b, &mut s2);
    });
    (server, seen)
}

#[test]
fn http_targets_go_through_a_forward_proxy_in_absolute_form() {
    let seen = Arc::new(std::sync::Mutex::new(Vec::new()));
    let log = seen.clone();
    let proxy = Server::start(move |mut s| {
        while let Some(head) = read_request(&mut s) {
            log.lock().unwrap().push(String::from_utf8_lossy(&head).to_string());
            let _ = write!(s, "HTTP/1.1 200 OK\r\nContent-Length: {}\r\n\r\n{IM_OK}", IM_OK.len());
        }
    });
    let c =
        Client::new(config("http://origin.example:8080", json!({"proxy": format!("http://u:p%40ss@{}", proxy.addr)})));
    assert_eq!(c.call("get_call_info", get_call_info(), None, None).0.unwrap(), json!({"RequestId": "r"}));
    let head = seen.lock().unwrap()[0].clone();
    assert!(head.starts_with("POST http://origin.example:8080/v4/call_engine_http_srv/get_call_info?"), "{head}");
    assert!(head.contains("Proxy-Authorization: Basic dTpwQHNz\r\n"), "{head}");
}

#[test]
fn socks5_with_credentials_relays_to_the_target() {
    let origin = Server::start(|mut s| {
        while read_request(&mut s).is_some() {
            let _ = write!(s, "HTTP/1.1 200 OK\r\nContent-Length: {}\r\n\r\n{IM_OK}", IM_OK.len());
        }
    });
    let target_port = origin.addr.port();
    let socks = Server::start(move |mut s| {
        let mut b = [0u8; 4];
        s.read_exact(&mut b).unwrap();
        assert_eq!(b, [5, 2, 0, 2], "offers no-auth and user/password");
        s.write_all(&[5, 2]).unwrap();
        let mut v = [0u8; 2];
        s.read_exact(&mut v).unwrap();
        let mut user = vec![0; usize::from(v[1])];
        s.read_exact(&mut user).unwrap();
        let mut l = [0u8; 1];
        s.read_exact(&mut l).unwrap();
        let mut pass = vec![0; usize::from(l[0])];
        s.read_exact(&mut pass).unwrap();
        let ok = user == b"u" && pass == b"pw";
        s.write_all(&[1, if ok { 0 } else { 1 }]).unwrap();
        if !ok {
            return;
        }
        let mut req = [0u8; 4];
        s.read_exact(&mut req).unwrap();
        assert_eq!(&req[..2], &[5, 1]);
        // socks5h: the name travels to the proxy.
        assert_eq!(req[3], 3);
        let mut n = [0u8; 1];
        s.read_exact(&mut n).unwrap();
        let mut name = vec![0; usize::from(n[0]) + 2];
        s.read_exact(&mut name).unwrap();
        assert_eq!(&name[..name.len() - 2], b"localhost");
        let port = u16::from_be_bytes([name[name.len() - 2], name[name.len() - 1]]);
        assert_eq!(port, target_port);
        let up = TcpStream::connect(("127.0.0.1", port)).unwrap();
        s.write_all(&[5, 0, 0, 1, 127, 0, 0, 1, 0, 0]).unwrap();
        let (mut a, mut up2) = (s.try_clone().unwrap(), up.try_clone().unwrap());
        std::thread::spawn(move || std::io::copy(&mut a, &mut up2));
        let (mut up, mut s) = (up, s);
        let _ = std::io::copy(&mut up, &mut s);
    });
    let base = format!("http://localhost:{target_port}");
    let c = Client::new(config(&base, json!({"proxy": format!("socks5h://u:pw@{}", socks.addr)})));
    assert_eq!(c.call("get_call_info", get_call_info(), None, None).0.unwrap(), json!({"RequestId": "r"}));
    let bad = Client::new(config(&base, json!({"proxy": format!("socks5h://u:nope@{}", socks.addr)})));
    let e = bad.call("get_call_info", get_call_info(), None, None).0.unwrap_err();
    assert_eq!(e["code"], 204, "{e}");
    assert!(!e.to_string().contains("nope"), "{e}");
}

#[test]
fn the_proxy_password_never_appears_in_errors() {
    let (proxy, _) = connect_proxy();
    let target = "https://127.0.0.1:9";
    let c = Client::new(config(target, json!({"proxy": format!("http://u:hunter2@{}", proxy.addr)})));
    let (r, _) = c.call("get_call_info", get_call_info(), None, None);
    let e = r.unwrap_err();
    assert_eq!(e["code"], 204, "{e}");
    assert!(e["message"].as_str().unwrap().contains("requires authentication (407)"), "{e}");
    assert!(!e.to_string().contains("hunter2"), "{e}");
}
