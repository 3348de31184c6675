//! End-to-end load through the C ABI against the sandbox (a separate `tccall-sandbox`
//! process, rate limits off), next to a bare `ureq` keep-alive POST loop as the floor.
//!
//!     cargo bench --bench e2e                 # threads 1, 2, 4, 8; 3 s each
//!     cargo bench --bench e2e -- --quick      # shorter, for CI smoke runs
//!     cargo bench --bench e2e -- --rss 100000 # RSS before/after 100k calls
//!     cargo bench --bench e2e -- --json       # machine-readable (tests/bench/compare.py)
//!     cargo bench --bench e2e -- --observe    # client CPU per call with logging off/info/debug
//!     cargo bench --bench e2e -- --threads 1 --sandbox-config FILE   # one cell, against a running
//!                                             # sandbox whose client config JSON is in FILE
//!     cargo bench --bench e2e -- --rss-tenants 100 [--rss 100000] [--threads 4] [--json]
//!                                             # RSS after N calls spread over N clients (tenants)
//!
//! Every run also measures the raw-socket floor: the same signed request bytes written with
//! one `write` on a kept-alive `TcpStream` and the answer read back (`--raw-floor` is
//! accepted for older callers; it is always on). JSON output carries `raw_*` figures.

use serde_json::{json, Value};
use std::ffi::{c_char, CStr, CString};
use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::ptr::null_mut;
use std::time::{Duration, Instant};
use tccall::ffi::*;

struct SandboxProcess {
    child: Child,
    base_url: String,
    client_config: Value,
}

impl Drop for SandboxProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn start_sandbox() -> SandboxProcess {
    let dir = std::env::temp_dir().join(format!("tccall-bench-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let cfg = dir.join("sandbox.json");
    std::fs::write(&cfg, r#"{"enforce_rate_limits": false}"#).unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_tccall-sandbox"))
        .arg("--config")
        .arg(&cfg)
        .stdout(Stdio::piped())
        .spawn()
        .expect("start tccall-sandbox");
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let base_url = lines.next().unwrap().unwrap();
    let client_config = serde_json::from_str(&lines.next().unwrap().unwrap()).unwrap();
    SandboxProcess { child, base_url, client_config }
}

/// A client handle made through the C ABI.
struct Handle(*mut tccall_client);
unsafe impl Send for Handle {}
unsafe impl Sync for Handle {}

impl Handle {
    fn new(config: &Value) -> Handle {
        let cfg = CString::new(config.to_string()).unwrap();
        let mut c = null_mut();
        assert_eq!(unsafe { tccall_client_new(cfg.as_ptr(), &mut c, null_mut()) }, 0);
        Handle(c)
    }

    /// One dismiss_room call through the ABI; returns the result code.
    fn dismiss(&self, req: &CStr) -> i32 {
        let (mut out, mut err): (*mut c_char, *mut c_char) = (null_mut(), null_mut());
        let rc = unsafe { tccall_client_dismiss_room(self.0, req.as_ptr(), &mut out, &mut err) };
        unsafe {
            tccall_string_free(out);
            tccall_string_free(err);
        }
        rc
    }
}

impl Drop for Handle {
    fn drop(&mut self) {
        unsafe { tccall_client_free(self.0) };
    }
}

struct Figures {
    ops_per_s: f64,
    p50_us: f64,
    p99_us: f64,
    /// Client-process CPU time (user + system) per call: what the client itself costs,
    /// independent of how the scheduler shares the cores with the sandbox.
    cpu_us: f64,
}

/// This process's user + system CPU time in seconds (/proc/self/stat, clock ticks of 10 ms).
fn cpu_seconds() -> f64 {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    // Fields after the parenthesised command name; utime and stime are fields 14 and 15.
    let rest = stat.rsplit_once(')').map_or("", |(_, r)| r);
    let f: Vec<f64> = rest.split_whitespace().map(|x| x.parse().unwrap_or(0.0)).collect();
    (f.get(11).unwrap_or(&0.0) + f.get(12).unwrap_or(&0.0)) / 100.0
}

fn percentile(sorted: &[Duration], p: f64) -> f64 {
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i].as_secs_f64() * 1e6
}

/// Runs `op` on `threads` threads for `secs`, collecting every latency.
fn load<F: Fn() + Sync>(threads: usize, secs: f64, op: F) -> Figures {
    let deadline = Instant::now() + Duration::from_secs_f64(secs);
    let start = Instant::now();
    let cpu_start = cpu_seconds();
    let mut all: Vec<Duration> = std::thread::scope(|s| {
        let handles: Vec<_> = (0..threads)
            .map(|_| {
                s.spawn(|| {
                    let mut lat = Vec::with_capacity(100_000);
                    while Instant::now() < deadline {
                        let t = Instant::now();
                        op();
                        lat.push(t.elapsed());
                    }
                    lat
                })
            })
            .collect();
        handles.into_iter().flat_map(|h| h.join().unwrap()).collect()
    });
    let elapsed = start.elapsed().as_secs_f64();
    let cpu_us = (cpu_seconds() - cpu_start) * 1e6 / all.len() as f64;
    all.sort();
    Figures {
        ops_per_s: all.len() as f64 / elapsed,
        p50_us: percentile(&all, 0.5),
        p99_us: percentile(&all, 0.99),
        cpu_us,
    }
}

/// The raw-socket floor: one request's exact bytes (head and body in one buffer) written
/// with one `write` on a kept-alive connection, the answer read until its `Content-Length`.
struct RawFloor {
    addr: String,
    request: Vec<u8>,
}

impl RawFloor {
    /// `None` over HTTPS: the raw floor speaks plain HTTP only.
    fn new(signed: &Value) -> Option<RawFloor> {
        let url = signed["url"].as_str().unwrap();
        let rest = url.strip_prefix("http://")?;
        let (host, path) = rest.split_once('/').map_or((rest, "/".to_string()), |(h, p)| (h, format!("/{p}")));
        let body = signed["body"].as_str().unwrap();
        let mut head = format!("POST {path} HTTP/1.1\r\nHost: {host}\r\n");
        for (k, v) in signed["headers"].as_object().unwrap() {
            if !k.eq_ignore_ascii_case("host") && !k.eq_ignore_ascii_case("content-length") {
                head.push_str(&format!("{k}: {}\r\n", v.as_str().unwrap()));
            }
        }
        head.push_str(&format!("Content-Length: {}\r\n\r\n", body.len()));
        let mut request = head.into_bytes();
        request.extend_from_slice(body.as_bytes());
        Some(RawFloor { addr: host.to_string(), request })
    }

    /// One round trip on `conn` (connecting first when it is `None`).
    fn once(&self, conn: &mut Option<std::net::TcpStream>, buf: &mut Vec<u8>) {
        use std::io::{Read, Write};
        let stream = conn.get_or_insert_with(|| {
            let s = std::net::TcpStream::connect(&self.addr).unwrap();
            s.set_nodelay(true).unwrap();
            s
        });
        stream.write_all(&self.request).unwrap();
        buf.clear();
        let mut chunk = [0u8; 4096];
        loop {
            let n = stream.read(&mut chunk).unwrap();
            assert!(n > 0, "the sandbox closed the connection");
            buf.extend_from_slice(&chunk[..n]);
            let Some(end) = buf.windows(4).position(|w| w == b"\r\n\r\n") else { continue };
            let head = std::str::from_utf8(&buf[..end]).unwrap().to_ascii_lowercase();
            let len: usize =
                head.lines().find_map(|l| l.strip_prefix("content-length:")).map_or(0, |v| v.trim().parse().unwrap());
            if buf.len() >= end + 4 + len {
                assert!(buf.windows(12).any(|w| w == b"RoomNotExist"));
                return;
            }
        }
    }
}

/// `--rss-tenants N`: N clients (one per tenant), `calls` dismiss_room calls spread over
/// them round robin from `threads` threads; RSS before the clients, after them, and after.
fn rss_tenants(config: &Value, req: &CStr, tenants: usize, calls: usize, threads: usize, as_json: bool) {
    let start = rss_kib();
    let clients: Vec<Handle> = (0..tenants).map(|_| Handle::new(config)).collect();
    let made = rss_kib();
    let next = std::sync::atomic::AtomicUsize::new(0);
    let t = Instant::now();
    std::thread::scope(|s| {
        for _ in 0..threads {
            s.spawn(|| loop {
                let i = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                if i >= calls {
                    break;
                }
                assert_eq!(clients[i % tenants].dismiss(req), 302);
            });
        }
    });
    let end = rss_kib();
    if as_json {
        println!(
            "{}",
            json!({"case": "rss_tccall_c", "tenants": tenants, "calls": calls, "threads": threads,
                   "rss_start_kib": start, "rss_clients_kib": made, "rss_kib": end})
        );
    } else {
        println!(
            "{tenants} tenants, {calls} calls on {threads} threads ({:.1} s): RSS {start} KiB at start, \
             {made} KiB with the clients, {end} KiB after the calls",
            t.elapsed().as_secs_f64()
        );
    }
}

fn rss_kib() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find(|l| l.starts_with("VmRSS:"))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|v| v.parse().ok())
        .unwrap_or(0)
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let quick = args.iter().any(|a| a == "--quick");
    let as_json = args.iter().any(|a| a == "--json");
    let rss_calls: Option<usize> =
        args.iter().position(|a| a == "--rss").map(|i| args.get(i + 1).and_then(|n| n.parse().ok()).unwrap_or(100_000));
    let secs = if quick { 0.5 } else { 3.0 };
    let value_of = |flag: &str| args.iter().position(|a| a == flag).and_then(|i| args.get(i + 1)).cloned();
    let thread_counts: Vec<usize> = match value_of("--threads") {
        Some(n) => vec![n.parse().expect("--threads N")],
        None => vec![1, 2, 4, 8],
    };

    // Our own sandbox process, or the one another harness already runs.
    let (sandbox, external) = match value_of("--sandbox-config") {
        Some(path) => (None, Some(serde_json::from_str::<Value>(&std::fs::read_to_string(path).unwrap()).unwrap())),
        None => (Some(start_sandbox()), None),
    };
    let base_url = sandbox.as_ref().map_or_else(|| "external".to_string(), |s| s.base_url.clone());
    let mut config = external.unwrap_or_else(|| sandbox.as_ref().unwrap().client_config.clone());
    config["rate_limit"] = json!({"enabled": false});
    config["retry"] = json!({"max_attempts": 1});
    let client = Handle::new(&config);
    // A room that does not exist: every call is a full signed round trip that the sandbox
    // verifies and answers with FailedOperation.RoomNotExist (TCCALL_E_NOT_FOUND).
    let req = CString::new(r#"{"RoomId": 424242}"#).unwrap();
    assert_eq!(client.dismiss(&req), 302, "dismiss_room against the sandbox");

    if let Some(tenants) = value_of("--rss-tenants") {
        let threads = thread_counts.first().copied().filter(|_| value_of("--threads").is_some()).unwrap_or(1);
        rss_tenants(
            &config,
            &req,
            tenants.parse().expect("--rss-tenants N"),
            rss_calls.unwrap_or(100_000),
            threads,
            as_json,
        );
        return;
    }
    if let Some(n) = rss_calls {
        for _ in 0..1000 {
            client.dismiss(&req);
        }
        let before = rss_kib();
        let t = Instant::now();
        for _ in 0..n {
            client.dismiss(&req);
        }
        let after = rss_kib();
        println!(
            "rss over {n} dismiss_room calls: start {before} KiB, end {after} KiB, delta {} KiB ({:.1} s)",
            after as i64 - before as i64,
            t.elapsed().as_secs_f64()
        );
        return;
    }

    // The floor: a bare ureq keep-alive POST of the same signed request bytes (signed once).
    let signed = {
        let r = CString::new(json!({"service": "trtc", "version": "2019-07-22", "action": "DismissRoom", "params": {"SdkAppId": config["sdk_app_id"], "RoomId": 424242}}).to_string()).unwrap();
        let (mut out, mut err) = (null_mut(), null_mut());
        assert_eq!(unsafe { tccall_client_sign_cloud_api_request(client.0, r.as_ptr(), &mut out, &mut err) }, 0);
        let v: Value = serde_json::from_str(unsafe { CStr::from_ptr(out) }.to_str().unwrap()).unwrap();
        unsafe { tccall_string_free(out) };
        v
    };
    // Over HTTPS the floor trusts the sandbox's CA, as the client does (config tls.ca_pem).
    let mut agent = ureq::Agent::config_builder().http_status_as_error(false);
    if let Some(pem) = config.pointer("/tls/ca_pem").and_then(Value::as_str) {
        use ureq::tls::{Certificate, RootCerts, TlsConfig};
        let ca = Certificate::from_pem(pem.as_bytes()).unwrap().to_owned();
        agent = agent.tls_config(TlsConfig::builder().root_certs(RootCerts::Specific(vec![ca].into())).build());
    }
    let agent: ureq::Agent = agent.build().into();
    let floor_once = || {
        let mut b = agent.post(signed["url"].as_str().unwrap());
        for (k, v) in signed["headers"].as_object().unwrap() {
            b = b.header(k, v.as_str().unwrap());
        }
        let mut resp = b.send(signed["body"].as_str().unwrap().as_bytes()).unwrap();
        let text = resp.body_mut().read_to_string().unwrap();
        assert!(text.contains("FailedOperation.RoomNotExist"), "{text}");
    };

    let raw = RawFloor::new(&signed);
    let raw_once = || {
        thread_local! {
            static CONN: std::cell::RefCell<(Option<std::net::TcpStream>, Vec<u8>)> = const { std::cell::RefCell::new((None, Vec::new())) };
        }
        CONN.with(|c| {
            let (conn, buf) = &mut *c.borrow_mut();
            raw.as_ref().expect("plain HTTP").once(conn, buf)
        })
    };

    let mut rows = Vec::new();
    // --profile-tccall / --profile-floor: one loop only, for `perf record` or `strace -c`.
    if args.iter().any(|a| a == "--profile-tccall") {
        let f = load(1, secs, || assert_eq!(client.dismiss(&req), 302));
        println!("{:.0} calls", f.ops_per_s * secs);
        return;
    }
    // --observe: client CPU per call with logging off, at info and at debug (stats are always on).
    if args.iter().any(|a| a == "--observe") {
        unsafe extern "C" fn discard(_: *mut std::ffi::c_void, _: i32, event: *const c_char) {
            std::hint::black_box(unsafe { CStr::from_ptr(event) }.to_bytes().len());
        }
        println!("dismiss_room through the C ABI, 1 thread, {secs} s per row (stats always on)");
        println!("{:>10} | {:>8} {:>8} {:>8} {:>8}", "logging", "op/s", "p50 us", "p99 us", "cpu us");
        for (name, level) in [
            ("off", 0),
            ("info", tccall::observe::Level::Info as i32),
            ("debug", tccall::observe::Level::Debug as i32),
            ("off", 0),
        ] {
            let cb: tccall_log_fn = if level == 0 { None } else { Some(discard) };
            assert_eq!(unsafe { tccall_client_set_log_callback(client.0, level, cb, null_mut()) }, 0);
            let f = load(1, secs, || assert_eq!(client.dismiss(&req), 302));
            println!("{name:>10} | {:>8.0} {:>8.1} {:>8.1} {:>8.1}", f.ops_per_s, f.p50_us, f.p99_us, f.cpu_us);
        }
        return;
    }
    if args.iter().any(|a| a == "--profile-floor") {
        let f = load(1, secs, floor_once);
        println!("{:.0} calls", f.ops_per_s * secs);
        return;
    }
    for &threads in &thread_counts {
        let raw_floor = raw.as_ref().map(|_| load(threads, secs, raw_once));
        let floor = load(threads, secs, floor_once);
        let ours = load(threads, secs, || {
            assert_eq!(client.dismiss(&req), 302);
        });
        rows.push((threads, raw_floor, floor, ours));
    }
    if as_json {
        let out: Vec<Value> = rows
            .iter()
            .map(|(t, r, f, o)| {
                let r = |f: fn(&Figures) -> f64| r.as_ref().map(f);
                json!({"threads": t,
                       "raw_ops_s": r(|r| r.ops_per_s), "raw_p50_us": r(|r| r.p50_us), "raw_p99_us": r(|r| r.p99_us),
                       "raw_cpu_us": r(|r| r.cpu_us),
                       "floor_ops_s": f.ops_per_s, "floor_p50_us": f.p50_us, "floor_p99_us": f.p99_us, "floor_cpu_us": f.cpu_us,
                       "tccall_ops_s": o.ops_per_s, "tccall_p50_us": o.p50_us, "tccall_p99_us": o.p99_us, "tccall_cpu_us": o.cpu_us})
            })
            .collect();
        println!("{}", json!({"base_url": base_url, "dismiss_room": out}));
        return;
    }
    println!("dismiss_room through the C ABI vs a bare ureq keep-alive POST (sandbox {base_url}, {secs} s per cell)");
    println!("and the raw-socket floor (one write, reads until Content-Length):");
    println!("{:>7} | {:>8} {:>8} {:>8} {:>8}", "threads", "raw op/s", "p50 us", "p99 us", "cpu us");
    for (t, r, _, _) in &rows {
        let Some(r) = r else { continue };
        println!("{t:>7} | {:>8.0} {:>8.1} {:>8.1} {:>8.1}", r.ops_per_s, r.p50_us, r.p99_us, r.cpu_us);
    }
    println!(
        "{:>7} | {:>10} {:>8} {:>8} {:>8} | {:>11} {:>8} {:>8} {:>8} | {:>10} {:>9}",
        "threads",
        "floor op/s",
        "p50 us",
        "p99 us",
        "cpu us",
        "tccall op/s",
        "p50 us",
        "p99 us",
        "cpu us",
        "time/floor",
        "cpu/floor"
    );
    for (t, _, f, o) in rows {
        println!(
            "{t:>7} | {:>10.0} {:>8.1} {:>8.1} {:>8.1} | {:>11.0} {:>8.1} {:>8.1} {:>8.1} | {:>9.3}x {:>8.2}x",
            f.ops_per_s,
            f.p50_us,
            f.p99_us,
            f.cpu_us,
            o.ops_per_s,
            o.p50_us,
            o.p99_us,
            o.cpu_us,
            f.ops_per_s / o.ops_per_s,
            o.cpu_us / f.cpu_us,
        );
    }
}
