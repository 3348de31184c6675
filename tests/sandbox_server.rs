//! The sandbox's HTTP server under hostile clients: slowloris at the connection cap,
//! bodies announced and never sent, and every thread joined on stop.
//!
//! The tests here measure the whole process (threads, resident memory), so they run one
//! at a time.

#![cfg(feature = "sandbox")]

use serde_json::{json, Value};
use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};
use tccall::sandbox::http::{Handler, Limits, Options, Outcome, Reply, Request, Server};
use tccall::sandbox::{Sandbox, SandboxConfig};

static SERIAL: Mutex<()> = Mutex::new(());

fn serial() -> MutexGuard<'static, ()> {
    SERIAL.lock().unwrap_or_else(|p| p.into_inner())
}

fn echo() -> Handler {
    Arc::new(|r: &Request| {
        if r.path == "/slow" {
            std::thread::sleep(Duration::from_millis(300));
        }
        let text = format!("{} {} {}", r.method, r.path, r.body.len());
        Outcome::Reply(Reply { status: 200, content_type: "text/plain", body: text.into_bytes() })
    })
}

fn connect(addr: SocketAddr) -> TcpStream {
    let s = TcpStream::connect(addr).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
    s
}

fn addr_of(sb: &Sandbox) -> SocketAddr {
    SocketAddr::from(([127, 0, 0, 1], sb.port()))
}

/// Sends `raw` on a new connection and reads until the server closes.
fn exchange(addr: SocketAddr, raw: &[u8]) -> String {
    let mut s = connect(addr);
    let _ = s.write_all(raw);
    let mut out = Vec::new();
    let _ = s.read_to_end(&mut out);
    String::from_utf8_lossy(&out).into_owned()
}

/// Threads of this process whose name starts with `tccall-sandbox` (the accept loop,
/// the connections and the webhook worker; `comm` is cut at 15 bytes).
fn sandbox_threads() -> usize {
    std::fs::read_dir("/proc/self/task")
        .unwrap()
        .filter_map(|t| std::fs::read_to_string(t.ok()?.path().join("comm")).ok())
        .filter(|name| name.starts_with("tccall-sandbox"))
        .count()
}

/// Resident set size in bytes.
fn rss() -> u64 {
    let statm = std::fs::read_to_string("/proc/self/statm").unwrap();
    statm.split_whitespace().nth(1).unwrap().parse::<u64>().unwrap() * 4096
}

/// Waits until `f` holds (at most 5 s).
fn eventually(what: &str, f: impl Fn() -> bool) {
    let t0 = Instant::now();
    while !f() {
        assert!(t0.elapsed() < Duration::from_secs(5), "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// Raises the soft descriptor limit to the hard one (600 client and 512 server sockets
/// exceed the common default of 1024).
#[cfg(target_os = "linux")]
fn raise_fd_limit() {
    #[repr(C)]
    struct Rlimit {
        cur: u64,
        max: u64,
    }
    extern "C" {
        fn getrlimit(resource: i32, rlim: *mut Rlimit) -> i32;
        fn setrlimit(resource: i32, rlim: *const Rlimit) -> i32;
    }
    const RLIMIT_NOFILE: i32 = 7;
    let mut lim = Rlimit { cur: 0, max: 0 };
    // SAFETY: getrlimit/setrlimit with a valid pointer to a struct laid out as `struct rlimit`
    // (two 64-bit rlim_t on 64-bit Linux).
    unsafe {
        if getrlimit(RLIMIT_NOFILE, &mut lim) == 0 && lim.cur < lim.max {
            lim.cur = lim.max.min(65536);
            setrlimit(RLIMIT_NOFILE, &lim);
        }
    }
}

#[cfg(not(target_os = "linux"))]
fn raise_fd_limit() {}

#[test]
fn a_slowloris_at_the_connection_cap_does_not_lock_out_new_clients() {
    let _serial = serial();
    raise_fd_limit();
    // With the server's accept thread.
    let base = sandbox_threads() + 1;
    let limits = Limits {
        request_read_timeout: Duration::from_millis(1500),
        idle_timeout: Duration::from_secs(3),
        ..Limits::default()
    };
    let server = Server::start_with(0, echo(), Options { limits, ..Options::default() }).unwrap();
    let addr = server.addr();
    // 600 connections (the cap is 512), each sending one header byte every 500 ms, forever.
    const HEAD: &[u8] =
        b"GET / HTTP/1.1\r\nX-Slow: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";
    let mut slow: Vec<Option<TcpStream>> = Vec::new();
    let t00 = Instant::now();
    for i in 0..600 {
        // Paced so the listen queue (128) never overflows into SYN retries.
        if i % 50 == 0 && i <= 512 {
            eventually("the server to catch up", || sandbox_threads() + 50 >= base + i);
        }
        let Ok(mut s) = TcpStream::connect(addr) else { continue };
        let ok = s.write_all(&HEAD[..1]).is_ok();
        slow.push(ok.then_some(s));
    }
    eprintln!("{} slow connections opened in {:?}", slow.iter().filter(|s| s.is_some()).count(), t00.elapsed());
    let stop = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let stop_attack = stop.clone();
    let attacker = std::thread::spawn(move || {
        let mut i = 1;
        while !stop_attack.load(std::sync::atomic::Ordering::SeqCst) {
            std::thread::sleep(Duration::from_millis(500));
            for s in slow.iter_mut() {
                if s.as_mut().is_some_and(|s| s.write_all(&HEAD[i % HEAD.len()..][..1]).is_err()) {
                    *s = None;
                }
            }
            i += 1;
        }
    });
    // Wait until the server holds 512 of them (the accept thread is one more), each past
    // its first byte: every slot is busy, none idle.
    eventually("512 connections", || sandbox_threads() > 512);
    std::thread::sleep(Duration::from_millis(200));
    // A new client retries until it is answered: within the request deadline (1.5 s)
    // plus a margin, not never.
    let t0 = Instant::now();
    let mut attempts = 0;
    let answered = loop {
        attempts += 1;
        let out = exchange(addr, b"GET /hello HTTP/1.1\r\nConnection: close\r\n\r\n");
        if out.starts_with("HTTP/1.1 200 ") {
            break t0.elapsed();
        }
        assert!(t0.elapsed() < Duration::from_secs(8), "no answer within 8 s: {out:?}");
        std::thread::sleep(Duration::from_millis(100));
    };
    stop.store(true, std::sync::atomic::Ordering::SeqCst);
    attacker.join().unwrap();
    eprintln!("answered after {answered:?} ({attempts} attempts)");
    assert!(attempts > 1, "the cap was never reached");
    let stats = server.stats().snapshot();
    assert!(stats["refused"].as_u64().unwrap() > 0, "{stats}");
    assert!(answered < Duration::from_secs(5), "{answered:?}");
    // Every slow connection was closed by its deadline.
    eventually("the slow connections to be closed", || sandbox_threads() == base);
    server_stops_quickly(server);
}

fn server_stops_quickly(mut server: Server) {
    let t0 = Instant::now();
    server.stop();
    assert!(t0.elapsed() < Duration::from_secs(2), "stop took {:?}", t0.elapsed());
}

#[test]
fn bodies_announced_and_never_sent_cost_no_memory() {
    let _serial = serial();
    // A limit above 8 MB, so the server accepts the heads and waits for the bodies.
    let limits = Limits { max_body: 16 << 20, ..Limits::default() };
    let server = Server::start_with(0, echo(), Options { limits, ..Options::default() }).unwrap();
    let before = rss();
    let conns: Vec<TcpStream> = (0..300)
        .map(|_| {
            let mut s = connect(server.addr());
            s.write_all(b"POST /big HTTP/1.1\r\nContent-Length: 8000000\r\n\r\n").unwrap();
            s
        })
        .collect();
    // Every connection's thread has read its head and waits for the body.
    std::thread::sleep(Duration::from_millis(500));
    let grown = rss().saturating_sub(before);
    eprintln!("300 announced 8 MB bodies: RSS grew by {} KiB", grown / 1024);
    assert!(grown < 50 << 20, "RSS grew by {} MiB", grown >> 20);
    drop(conns);
    server_stops_quickly(server);
    // At the default 1 MiB limit the same head is refused at once.
    let sb = Sandbox::start(SandboxConfig::default()).unwrap();
    let out = exchange(addr_of(&sb), b"POST /v4/x HTTP/1.1\r\nContent-Length: 8000000\r\n\r\n");
    assert!(out.starts_with("HTTP/1.1 413 "), "{out:?}");
}

#[test]
fn every_thread_is_joined_on_stop() {
    let _serial = serial();
    let before = sandbox_threads();
    let server = Server::start(0, echo()).unwrap();
    let addr = server.addr();
    let mut held = Vec::new();
    // Idle keep-alive connections.
    for _ in 0..4 {
        let mut s = connect(addr);
        s.write_all(b"GET /a HTTP/1.1\r\n\r\n").unwrap();
        let mut buf = [0u8; 256];
        assert!(s.read(&mut buf).unwrap() > 0);
        held.push(s);
    }
    // Half-sent requests, connections that sent nothing, requests inside the handler.
    for raw in [&b"GET /b HTTP/1.1\r\nX-A"[..], b"", b"GET /slow HTTP/1.1\r\n\r\n"] {
        for _ in 0..4 {
            let mut s = connect(addr);
            s.write_all(raw).unwrap();
            held.push(s);
        }
    }
    eventually("16 connection threads", || sandbox_threads() >= before + 1 + 16);
    server_stops_quickly(server);
    assert_eq!(sandbox_threads(), before, "threads left after stop");

    // The whole sandbox, with a request parked in a 60 s delay fault: stop interrupts
    // the delay and joins the connection and webhook threads.
    let before = sandbox_threads();
    let sb = Sandbox::start(SandboxConfig::default()).unwrap();
    let (status, _) = sb.control(
        "POST",
        "/_sandbox/faults",
        &json!({"match": "get_call_info", "kind": "delay_ms", "delay_ms": 60000}),
    );
    assert_eq!(status, 200);
    let mut parked = connect(addr_of(&sb));
    parked.write_all(b"POST /v4/call_engine_http_srv/get_call_info HTTP/1.1\r\nContent-Length: 2\r\n\r\n{}").unwrap();
    eventually("the delayed request", || {
        sb.control("GET", "/_sandbox/faults", &Value::Null).1["faults"].as_array().is_some_and(|f| f.is_empty())
    });
    let t0 = Instant::now();
    sb.stop();
    assert!(t0.elapsed() < Duration::from_secs(2), "stop took {:?}", t0.elapsed());
    assert_eq!(sandbox_threads(), before, "threads left after the sandbox stopped");
    drop((held, parked));
}

// ---------------------------------------------------------------- HTTPS

fn tls_client(ca_pem: &str) -> Arc<rustls::ClientConfig> {
    use rustls::pki_types::pem::PemObject;
    let mut roots = rustls::RootCertStore::empty();
    for cert in rustls::pki_types::CertificateDer::pem_slice_iter(ca_pem.as_bytes()) {
        roots.add(cert.unwrap()).unwrap();
    }
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let config = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_root_certificates(roots)
        .with_no_client_auth();
    Arc::new(config)
}

/// What an HTTPS exchange ended with.
#[derive(Debug)]
struct Https {
    answer: String,
    kind: Option<rustls::HandshakeKind>,
}

/// Sends `requests` (raw HTTP) over one TLS connection to `addr`, verifying the server
/// as `name`, and reads until the server closes.
fn https(
    config: &Arc<rustls::ClientConfig>,
    addr: SocketAddr,
    name: &str,
    requests: &str,
) -> Result<Https, rustls::Error> {
    let server_name = rustls::pki_types::ServerName::try_from(name.to_string()).unwrap();
    let conn = rustls::ClientConnection::new(config.clone(), server_name).unwrap();
    let mut tls = rustls::StreamOwned::new(conn, connect(addr));
    let as_tls = |e: std::io::Error| match e.get_ref().and_then(|i| i.downcast_ref::<rustls::Error>()) {
        Some(e) => e.clone(),
        None => panic!("not a TLS error: {e}"),
    };
    tls.write_all(requests.as_bytes()).map_err(as_tls)?;
    let mut out = Vec::new();
    tls.read_to_end(&mut out).map_err(as_tls)?;
    Ok(Https { answer: String::from_utf8_lossy(&out).into_owned(), kind: tls.conn.handshake_kind() })
}

const HEALTH: &str =
    "GET /_sandbox/health HTTP/1.1\r\nHost: x\r\n\r\nGET /_sandbox/health HTTP/1.1\r\nConnection: close\r\n\r\n";

#[test]
fn https_on_the_same_port_trusts_the_ca_and_resumes_sessions() {
    let _serial = serial();
    let sb = Sandbox::start(SandboxConfig::default()).unwrap();
    let port = sb.port();
    assert_eq!(sb.https_base_url(), format!("https://127.0.0.1:{port}"));
    assert_eq!(sb.base_url(), format!("http://127.0.0.1:{port}"));
    let config = tls_client(sb.ca_pem());
    // Every name the certificate carries verifies (the connection is to 127.0.0.1 each time).
    for name in ["127.0.0.1", "localhost", "::1"] {
        let r = https(&config, addr_of(&sb), name, HEALTH).unwrap();
        // Two keep-alive requests on the one connection.
        assert_eq!(r.answer.matches("HTTP/1.1 200 OK\r\n").count(), 2, "{name}: {r:?}");
        assert!(r.answer.ends_with(r#"{"ok":true}"#), "{name}: {r:?}");
    }
    // A later connection resumes the session.
    let r = https(&config, addr_of(&sb), "127.0.0.1", HEALTH).unwrap();
    assert_eq!(r.kind, Some(rustls::HandshakeKind::Resumed));
    // Plain HTTP still works on the same port.
    assert!(exchange(addr_of(&sb), b"GET /_sandbox/health HTTP/1.1\r\nConnection: close\r\n\r\n")
        .starts_with("HTTP/1.1 200 OK\r\n"));
    // Another sandbox's CA is not trusted.
    let other = Sandbox::start(SandboxConfig::default()).unwrap();
    let e = https(&tls_client(other.ca_pem()), addr_of(&sb), "127.0.0.1", HEALTH).unwrap_err();
    assert_eq!(e, rustls::Error::InvalidCertificate(rustls::CertificateError::BadSignature), "{e:?}");
}

#[test]
fn wrong_certificates_fail_with_the_matching_rustls_error() {
    use rustls::CertificateError as C;
    let _serial = serial();
    type Check = fn(&C) -> bool;
    let checks: [(&str, Check); 3] = [
        ("self_signed", |e| matches!(e, C::UnknownIssuer)),
        ("wrong_name", |e| matches!(e, C::NotValidForName | C::NotValidForNameContext { .. })),
        ("expired", |e| matches!(e, C::Expired | C::ExpiredContext { .. })),
    ];
    for (leaf, expected) in checks {
        let sb = Sandbox::start(SandboxConfig { tls_leaf: leaf.into(), ..SandboxConfig::default() }).unwrap();
        let e = https(&tls_client(sb.ca_pem()), addr_of(&sb), "127.0.0.1", HEALTH).unwrap_err();
        match &e {
            rustls::Error::InvalidCertificate(c) if expected(c) => {}
            other => panic!("{leaf}: {other:?}"),
        }
        // Plain HTTP is unaffected.
        assert!(exchange(addr_of(&sb), b"GET /_sandbox/health HTTP/1.0\r\n\r\n").starts_with("HTTP/1.1 200 "));
    }
    let bad = SandboxConfig { tls_leaf: "revoked".into(), ..SandboxConfig::default() };
    assert_eq!(bad.validate().unwrap_err(), "tls_leaf must be one of valid, expired, wrong_name, self_signed");
    assert!(SandboxConfig::from_json(r#"{"tls_leaf": "expired"}"#).unwrap().validate().is_ok());
}

#[test]
fn the_ca_file_lives_as_long_as_the_sandbox() {
    let _serial = serial();
    let sb = Sandbox::start(SandboxConfig::default()).unwrap();
    let file = sb.ca_file().to_path_buf();
    let dir = std::env::temp_dir().join(format!("tccall-sandbox-{}-{}", std::process::id(), sb.port()));
    assert_eq!(file, dir.join("ca.pem"));
    assert_eq!(std::fs::read_to_string(&file).unwrap(), sb.ca_pem());
    let cfg: Value = serde_json::from_str(&sb.https_client_config_json()).unwrap();
    let url = sb.https_base_url();
    assert_eq!((cfg["im_endpoint"].as_str(), cfg["cloud_api"]["endpoint"].as_str()), (Some(&*url), Some(&*url)));
    assert_eq!(cfg["tls"], json!({"ca_pem": sb.ca_pem(), "roots": "none"}));
    // The plain config is unchanged: no tls key.
    let plain: Value = serde_json::from_str(&sb.client_config_json()).unwrap();
    assert_eq!(plain["im_endpoint"], sb.base_url());
    assert!(plain.get("tls").is_none());
    sb.stop();
    assert!(!dir.exists(), "{} is left", dir.display());
}

// ---------------------------------------------------------------- connection counters

#[test]
fn connections_are_counted() {
    let _serial = serial();
    let sb = Sandbox::start(SandboxConfig::default()).unwrap();
    let addr = addr_of(&sb);
    let counts = |accepted: u64, tls: u64, resumed: u64, open: u64| {
        json!({"accepted": accepted, "tls_handshakes": tls, "tls_resumed": resumed, "open": open,
               "refused": 0, "evicted": 0})
    };
    // Read in-process (the read opens no connection).
    assert_eq!(sb.connections(), counts(0, 0, 0, 0));
    // Three pipelined requests on one plain connection are one connection.
    let api = "POST /v4/call_engine_http_srv/get_call_info?sdkappid=1 HTTP/1.1\r\nContent-Length: 2\r\n\r\n{}";
    let three = format!("{api}{api}{}", api.replace("HTTP/1.1\r\n", "HTTP/1.1\r\nConnection: close\r\n"));
    let out = exchange(addr, three.as_bytes());
    assert_eq!(out.matches("HTTP/1.1 200 OK\r\n").count(), 3, "{out}");
    eventually("the connection to close", || sb.connections() == counts(1, 0, 0, 0));
    // Two TLS connections from one client: a full handshake, then a resumed one.
    let config = tls_client(sb.ca_pem());
    for _ in 0..2 {
        let r = https(&config, addr, "localhost", &api.replace("HTTP/1.1\r\n", "HTTP/1.1\r\nConnection: close\r\n"));
        assert!(r.unwrap().answer.starts_with("HTTP/1.1 200 OK\r\n"));
    }
    eventually("the TLS connections to close", || sb.connections() == counts(3, 2, 1, 0));
    // The log says which connection each API request came on, and whether it was TLS.
    let seen: Vec<(u64, bool)> =
        sb.log().iter().map(|e| (e["connection"].as_u64().unwrap(), e["tls"].as_bool().unwrap())).collect();
    let first = seen[0].0;
    assert_eq!(seen, [(first, false), (first, false), (first, false), (first + 1, true), (first + 2, true)]);
    // An open idle connection is open; over HTTP the endpoint answers too (and counts its own).
    let mut held = connect(addr);
    held.write_all(b"GET /_sandbox/connections HTTP/1.1\r\n\r\n").unwrap();
    let mut buf = [0u8; 1024];
    let n = held.read(&mut buf).unwrap();
    let answer = String::from_utf8_lossy(&buf[..n]).into_owned();
    let body: Value = serde_json::from_str(answer.split("\r\n\r\n").nth(1).unwrap()).unwrap();
    assert_eq!(body, counts(4, 2, 1, 1));
    // A reset zeroes the counters but not what is open now.
    sb.reset();
    assert_eq!(sb.connections(), counts(0, 0, 0, 1));
    drop(held);
    eventually("the held connection to close", || sb.connections() == counts(0, 0, 0, 0));
    let (status, _) = sb.control("POST", "/_sandbox/connections", &Value::Null);
    assert_eq!(status, 405);
}
