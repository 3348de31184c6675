//! A small HTTP/1.1 server on `std::net`, one thread per connection.
//!
//! Why not tiny_http: a dropped-connection fault must close the socket while the
//! client waits for its response. tiny_http 0.12 shares each socket between the
//! request's writer and the connection reader that waits for the next keep-alive
//! request, so no handler can close it; the client would hang until its timeout.
//! Here every connection owns its `TcpStream`, so a handler can answer, delay, or
//! shut the stream down.
//!
//! HTTP and HTTPS share the listener: a connection whose first byte is 0x16 (a TLS
//! handshake record, the ClientHello) is served over TLS when the server has a TLS
//! config, anything else as plain HTTP.
//!
//! Hardening (RFC 9112), since users run the sandbox inside their own test suites:
//! - deadlines: once the first byte of a request has arrived, its head and body must
//!   arrive within `REQUEST_READ_TIMEOUT` (10 s; else 408 and close); a new connection
//!   must send its first byte (or ClientHello) within it too, and the TLS handshake
//!   counts against it; a keep-alive connection waiting for its next request is closed
//!   after `IDLE_TIMEOUT` (30 s). The socket's read timeout is set to the time left
//!   before every read, so trickling bytes does not stretch a deadline;
//! - framing: `Content-Length` with `Transfer-Encoding`, a final coding other than
//!   `chunked`, differing `Content-Length` values and non-digit lengths are 400; a
//!   coding before `chunked` is 501; each then closes the connection;
//! - sizes: bodies above 1 MiB are 413 before a byte of them is read (chunked ones as
//!   they arrive), bodies are never allocated at their announced size, heads are
//!   bounded (16 KiB a line, 100 headers, 64 KiB in all);
//! - threads: one per connection, at most 512; at the cap the connection idle the
//!   longest is closed to make room; `Server::stop` shuts every socket down and joins
//!   every thread.

use std::collections::HashMap;
use std::io::{self, BufRead, BufReader, Read, Write};
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

/// Longest request line or header line.
const MAX_LINE: usize = 16 * 1024;
/// Largest request head (request line and headers), and largest trailer section.
const MAX_HEAD: usize = 64 * 1024;
/// Most header lines in one request.
const MAX_HEADERS: usize = 100;
/// Largest request body: Tencent's request bodies are small. A larger `Content-Length`
/// is answered 413 before any of the body is read; chunked bodies are counted as they arrive.
const MAX_BODY: usize = 1 << 20;
/// Once the first byte of a request has arrived, its head and body must arrive within
/// this; a new connection must send its first byte within it too.
pub const REQUEST_READ_TIMEOUT: Duration = Duration::from_secs(10);
/// A keep-alive connection waiting for its next request is closed after this long.
pub const IDLE_TIMEOUT: Duration = Duration::from_secs(30);
/// Connections served at once (one thread each). At the cap, the connection idle the
/// longest is closed to make room; a new connection is refused only when none is idle.
const MAX_CONNECTIONS: usize = 512;

/// A parsed request.
#[derive(Debug)]
pub struct Request {
    /// `GET`, `POST`, ...
    pub method: String,
    /// The path, before `?`, not percent-decoded.
    pub path: String,
    /// The raw query string after `?` (`""` when absent).
    pub query: String,
    /// Headers in arrival order, names as sent.
    pub headers: Vec<(String, String)>,
    /// The body (chunked bodies are decoded).
    pub body: Vec<u8>,
    /// Which connection it came on (numbered from 1 in accept order).
    pub connection: u64,
    /// Whether that connection is TLS.
    pub tls: bool,
}

impl Request {
    /// The first header called `name` (case-insensitive).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(n, _)| n.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
    }
}

/// A response.
#[derive(Debug)]
pub struct Reply {
    /// Status code.
    pub status: u16,
    /// `Content-Type`, sent exactly as given.
    pub content_type: &'static str,
    /// Body.
    pub body: Vec<u8>,
}

impl Reply {
    /// A JSON reply with `Content-Type: application/json` exactly (the official
    /// Python SDK reads Cloud API errors only with that content type).
    pub fn json(status: u16, value: &serde_json::Value) -> Reply {
        Reply { status, content_type: "application/json", body: value.to_string().into_bytes() }
    }
}

/// What the handler wants done with a request.
#[derive(Debug)]
pub enum Outcome {
    /// Send this response.
    Reply(Reply),
    /// Close the connection without answering.
    Drop,
}

/// The request handler shared by all connection threads.
pub type Handler = Arc<dyn Fn(&Request) -> Outcome + Send + Sync>;

/// The server's limits; `Limits::default()` is the constants above. Tests lower them.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Limits {
    /// Once the first byte of a request has arrived, its whole head and body must arrive
    /// within this (a new connection's first byte too); else 408 and close.
    pub request_read_timeout: Duration,
    /// A keep-alive connection waiting for its next request is closed after this.
    pub idle_timeout: Duration,
    /// Connections served at once; at the cap a new connection replaces the one idle the
    /// longest, or is closed when none is idle.
    pub max_connections: usize,
    /// Largest request body.
    pub max_body: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            request_read_timeout: REQUEST_READ_TIMEOUT,
            idle_timeout: IDLE_TIMEOUT,
            max_connections: MAX_CONNECTIONS,
            max_body: MAX_BODY,
        }
    }
}

/// How a server runs.
#[derive(Clone, Debug, Default)]
pub struct Options {
    /// Deadlines and sizes.
    pub limits: Limits,
    /// Serve TLS too (on the same port) with this config.
    pub tls: Option<Arc<rustls::ServerConfig>>,
    /// Where the server counts its connections (shared, so the handler can report them).
    pub stats: Arc<Stats>,
}

/// Connection counters (`GET /_sandbox/connections`).
#[derive(Debug, Default)]
pub struct Stats {
    accepted: AtomicU64,
    open: AtomicU64,
    tls_handshakes: AtomicU64,
    tls_resumed: AtomicU64,
    refused: AtomicU64,
    evicted: AtomicU64,
}

impl Stats {
    /// `{"accepted", "tls_handshakes", "tls_resumed", "open", "refused", "evicted"}`:
    /// TCP connections accepted, completed TLS handshakes (resumed ones included) and how
    /// many of them resumed a session, since start or `reset`; connections open now;
    /// connections closed on accept because every one was busy, and idle ones closed to
    /// make room, at the connection cap.
    pub fn snapshot(&self) -> serde_json::Value {
        let n = |c: &AtomicU64| c.load(Ordering::SeqCst);
        serde_json::json!({
            "accepted": n(&self.accepted),
            "tls_handshakes": n(&self.tls_handshakes),
            "tls_resumed": n(&self.tls_resumed),
            "open": n(&self.open),
            "refused": n(&self.refused),
            "evicted": n(&self.evicted),
        })
    }

    /// Zeroes every counter but `open`, which counts what is open now.
    pub fn reset(&self) {
        for c in [&self.accepted, &self.tls_handshakes, &self.tls_resumed, &self.refused, &self.evicted] {
            c.store(0, Ordering::SeqCst);
        }
    }

    fn add(c: &AtomicU64) {
        c.fetch_add(1, Ordering::SeqCst);
    }
}

/// A running server; `stop` (or drop) closes the listener and every connection, and
/// joins every thread it started.
pub struct Server {
    addr: SocketAddr,
    stopping: Arc<AtomicBool>,
    registry: Arc<Registry>,
    accept: Option<JoinHandle<()>>,
}

impl Server {
    /// Binds `127.0.0.1:port` (0 = any free port) and serves on background threads
    /// with the default limits.
    pub fn start(port: u16, handler: Handler) -> io::Result<Server> {
        Server::start_with(port, handler, Options::default())
    }

    /// `start` with explicit options.
    pub fn start_with(port: u16, handler: Handler, options: Options) -> io::Result<Server> {
        let listener = TcpListener::bind(("127.0.0.1", port))?;
        let addr = listener.local_addr()?;
        let stopping = Arc::new(AtomicBool::new(false));
        let registry = Arc::new(Registry { epoch: Instant::now(), slots: Mutex::default(), stats: options.stats });
        let ctx = Arc::new(Ctx { handler, limits: options.limits, tls: options.tls, registry: registry.clone() });
        let stop = stopping.clone();
        let accept = std::thread::Builder::new()
            .name("tccall-sandbox-accept".into())
            .spawn(move || accept_loop(listener, ctx, stop))?;
        Ok(Server { addr, stopping, registry, accept: Some(accept) })
    }

    /// The bound address.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// The connection counters.
    pub fn stats(&self) -> &Arc<Stats> {
        &self.registry.stats
    }

    /// Stops accepting, shuts every open connection down, then joins the accept thread
    /// and every connection thread: none outlives this call.
    pub fn stop(&mut self) {
        let Some(accept) = self.accept.take() else { return };
        self.stopping.store(true, Ordering::SeqCst);
        // Wake the blocking accept() so it sees the flag.
        let _ = TcpStream::connect_timeout(&self.addr, Duration::from_secs(1));
        let _ = accept.join();
        // No connection is added from here on; shut them all, then wait for their threads.
        let threads = {
            let mut slots = self.registry.lock();
            for slot in slots.live.values() {
                let _ = slot.sock.shutdown(Shutdown::Both);
            }
            let mut threads: Vec<_> = slots.live.values_mut().filter_map(|s| s.thread.take()).collect();
            threads.append(&mut slots.finished);
            threads
        };
        for t in threads {
            let _ = t.join();
        }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.stop();
    }
}

/// The open connections, for closing them (on stop, or to make room) and joining their threads.
struct Registry {
    /// `Slot::idle_since` counts from here.
    epoch: Instant,
    slots: Mutex<Slots>,
    stats: Arc<Stats>,
}

#[derive(Default)]
struct Slots {
    live: HashMap<u64, Slot>,
    /// Threads of connections that ended, to be joined (by the next connection to end,
    /// the accept loop, or `stop`).
    finished: Vec<JoinHandle<()>>,
}

struct Slot {
    /// The connection's socket, to shut it down from outside.
    sock: Arc<TcpStream>,
    /// `0` while a request is read or served; otherwise 1 + the milliseconds from the
    /// registry's epoch to when the connection started waiting for its next request.
    idle_since: Arc<AtomicU64>,
    /// Already shut down to make room (its thread is ending).
    evicted: bool,
    thread: Option<JoinHandle<()>>,
}

impl Registry {
    fn lock(&self) -> std::sync::MutexGuard<'_, Slots> {
        self.slots.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// The `idle_since` stamp for now.
    fn stamp(&self) -> u64 {
        1 + self.epoch.elapsed().as_millis() as u64
    }

    /// Makes room for one more connection: `true` when there is room (possibly after
    /// closing the connection idle the longest), `false` when every connection is busy.
    fn make_room(&self, slots: &mut Slots, max: usize) -> bool {
        if slots.live.values().filter(|s| !s.evicted).count() < max {
            return true;
        }
        let victim = slots
            .live
            .values_mut()
            .filter(|s| !s.evicted)
            .filter_map(|s| match s.idle_since.load(Ordering::SeqCst) {
                0 => None,
                since => Some((since, s)),
            })
            .min_by_key(|(since, _)| *since);
        match victim {
            Some((_, slot)) => {
                let _ = slot.sock.shutdown(Shutdown::Both);
                slot.evicted = true;
                Stats::add(&self.stats.evicted);
                true
            }
            None => {
                Stats::add(&self.stats.refused);
                false
            }
        }
    }

    /// Called by a connection's thread as it ends: forgets the connection and joins
    /// threads that ended before (they are past this point, so the joins are immediate).
    fn leave(&self, id: u64) {
        let ended = {
            let mut slots = self.lock();
            let ended = std::mem::take(&mut slots.finished);
            if let Some(slot) = slots.live.remove(&id) {
                self.stats.open.fetch_sub(1, Ordering::SeqCst);
                slots.finished.extend(slot.thread);
            }
            ended
        };
        for t in ended {
            let _ = t.join();
        }
    }
}

/// What every connection thread shares.
struct Ctx {
    handler: Handler,
    limits: Limits,
    tls: Option<Arc<rustls::ServerConfig>>,
    registry: Arc<Registry>,
}

fn accept_loop(listener: TcpListener, ctx: Arc<Ctx>, stopping: Arc<AtomicBool>) {
    let mut next_id = 0u64;
    for stream in listener.incoming() {
        if stopping.load(Ordering::SeqCst) {
            break;
        }
        let sock = match stream {
            Ok(s) => s,
            Err(_) => {
                // Out of descriptors, typically: do not spin.
                std::thread::sleep(Duration::from_millis(10));
                continue;
            }
        };
        next_id += 1;
        let id = next_id;
        Stats::add(&ctx.registry.stats.accepted);
        let registry = &ctx.registry;
        let idle_since = Arc::new(AtomicU64::new(registry.stamp()));
        // Shared with the registry (one descriptor per connection, not two).
        let sock = Arc::new(sock);
        {
            let mut slots = registry.lock();
            if !registry.make_room(&mut slots, ctx.limits.max_connections) {
                let _ = sock.shutdown(Shutdown::Both);
                continue;
            }
            let sock = sock.clone();
            slots.live.insert(id, Slot { sock, idle_since: idle_since.clone(), evicted: false, thread: None });
            Stats::add(&registry.stats.open);
        }
        let mine = ctx.clone();
        let spawned = std::thread::Builder::new().name("tccall-sandbox-conn".into()).spawn(move || {
            serve_connection(sock, &mine, id, &idle_since);
            mine.registry.leave(id);
        });
        let mut slots = registry.lock();
        match spawned {
            // The thread may have ended already; then `stop` or the next leaver joins it.
            Ok(thread) => match slots.live.get_mut(&id) {
                Some(slot) => slot.thread = Some(thread),
                None => slots.finished.push(thread),
            },
            Err(_) => {
                if let Some(slot) = slots.live.remove(&id) {
                    let _ = slot.sock.shutdown(Shutdown::Both);
                    registry.stats.open.fetch_sub(1, Ordering::SeqCst);
                }
            }
        }
    }
}

/// A connection's socket with a deadline on every read: before each read the socket's
/// read timeout is set to the time left, so a client trickling bytes cannot stretch it.
struct Timed {
    sock: Arc<TcpStream>,
    /// When the current wait ends.
    until: Instant,
    /// Waiting for the first byte of a request: that byte starts the request deadline.
    idle: bool,
    request_timeout: Duration,
    /// The connection's `Slot::idle_since`.
    idle_since: Arc<AtomicU64>,
    registry: Arc<Registry>,
}

impl Timed {
    fn new(sock: Arc<TcpStream>, ctx: &Ctx, idle_since: &Arc<AtomicU64>) -> Timed {
        // A new connection waits for its first byte as long as for a whole request.
        let request_timeout = ctx.limits.request_read_timeout;
        Timed {
            sock,
            until: Instant::now() + request_timeout,
            idle: true,
            request_timeout,
            idle_since: idle_since.clone(),
            registry: ctx.registry.clone(),
        }
    }

    /// Waits at most `timeout` for the first byte of the next request; meanwhile the
    /// connection may be closed to make room for a new one.
    fn await_request(&mut self, timeout: Duration) {
        self.idle = true;
        self.until = Instant::now() + timeout;
        self.idle_since.store(self.registry.stamp(), Ordering::SeqCst);
    }

    /// The first byte of a request is here: all of it must arrive within the request timeout.
    fn begin_request(&mut self) {
        if self.idle {
            self.idle = false;
            self.until = Instant::now() + self.request_timeout;
            self.idle_since.store(0, Ordering::SeqCst);
        }
    }

    /// Reads end at `until`, whatever arrives.
    fn deadline(&mut self, until: Instant) {
        self.idle = false;
        self.until = until;
    }

    /// The first byte the client sends, left unread; `None` when it closes first.
    fn peek_byte(&mut self) -> io::Result<Option<u8>> {
        let mut byte = [0u8; 1];
        loop {
            let left = self.until.saturating_duration_since(Instant::now());
            if left.is_zero() {
                return Err(io::ErrorKind::TimedOut.into());
            }
            self.sock.set_read_timeout(Some(left))?;
            match self.sock.peek(&mut byte) {
                Ok(0) => return Ok(None),
                Ok(_) => return Ok(Some(byte[0])),
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => return Err(io::ErrorKind::TimedOut.into()),
                Err(e) => return Err(e),
            }
        }
    }
}

/// A connection after the first byte: plain, or TLS over the same deadlines.
enum Conn {
    Plain(Timed),
    Tls(Box<rustls::StreamOwned<rustls::ServerConnection, Timed>>),
}

impl Conn {
    fn timed(&mut self) -> &mut Timed {
        match self {
            Conn::Plain(t) => t,
            Conn::Tls(s) => &mut s.sock,
        }
    }

    /// Ends a TLS session properly (close_notify) before a graceful close.
    fn close_notify(&mut self) {
        if let Conn::Tls(s) = self {
            s.conn.send_close_notify();
            let _ = s.flush();
        }
    }
}

impl Read for Conn {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        match self {
            Conn::Plain(t) => t.read(buf),
            Conn::Tls(s) => s.read(buf),
        }
    }
}

impl Write for Conn {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        match self {
            Conn::Plain(t) => t.write(buf),
            Conn::Tls(s) => s.write(buf),
        }
    }

    fn flush(&mut self) -> io::Result<()> {
        match self {
            Conn::Plain(t) => t.flush(),
            Conn::Tls(s) => s.flush(),
        }
    }
}

/// Runs the TLS handshake (under the deadline the first byte started); `None` when it
/// fails (the client refused the certificate, closed, or was too slow).
fn handshake(config: &Arc<rustls::ServerConfig>, mut timed: Timed, stats: &Stats) -> Option<Conn> {
    let mut conn = rustls::ServerConnection::new(config.clone()).ok()?;
    while conn.is_handshaking() {
        conn.complete_io(&mut timed).ok()?;
    }
    Stats::add(&stats.tls_handshakes);
    if conn.handshake_kind() == Some(rustls::HandshakeKind::Resumed) {
        Stats::add(&stats.tls_resumed);
    }
    Some(Conn::Tls(Box::new(rustls::StreamOwned::new(conn, timed))))
}

impl Read for Timed {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let left = self.until.saturating_duration_since(Instant::now());
        if left.is_zero() {
            return Err(io::ErrorKind::TimedOut.into());
        }
        self.sock.set_read_timeout(Some(left))?;
        match (&*self.sock).read(buf) {
            Ok(n) => {
                if n > 0 {
                    self.begin_request();
                }
                Ok(n)
            }
            // What a read timeout looks like on Unix.
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => Err(io::ErrorKind::TimedOut.into()),
            Err(e) => Err(e),
        }
    }
}

impl Write for Timed {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        (&*self.sock).write(buf)
    }

    fn flush(&mut self) -> io::Result<()> {
        (&*self.sock).flush()
    }
}

/// Serves keep-alive requests on one connection until it closes, errs, times out or a
/// handler drops it.
fn serve_connection(sock: Arc<TcpStream>, ctx: &Ctx, id: u64, idle_since: &Arc<AtomicU64>) {
    let limits = &ctx.limits;
    let _ = sock.set_nodelay(true);
    let _ = sock.set_write_timeout(Some(limits.request_read_timeout));
    let mut timed = Timed::new(sock.clone(), ctx, idle_since);
    // The first byte decides: 0x16 opens a TLS handshake, anything else is HTTP.
    let first = timed.peek_byte();
    timed.begin_request();
    let conn = match (first, &ctx.tls) {
        (Ok(Some(0x16)), Some(config)) => handshake(config, timed, &ctx.registry.stats),
        (Ok(Some(_)), _) => Some(Conn::Plain(timed)),
        _ => None,
    };
    if let Some(conn) = conn {
        serve_requests(BufReader::new(conn), ctx, id);
    }
    let _ = sock.shutdown(Shutdown::Both);
}

fn serve_requests(mut reader: BufReader<Conn>, ctx: &Ctx, id: u64) {
    let limits = &ctx.limits;
    let tls = matches!(reader.get_ref(), Conn::Tls(_));
    loop {
        // The first byte of the next request (or what is left of a pipelined batch).
        match reader.fill_buf() {
            Ok([]) | Err(_) => return,
            Ok(_) => reader.get_mut().timed().begin_request(),
        }
        let (mut request, keep_alive) = match read_request(&mut reader, limits) {
            Ok(Some(r)) => r,
            Ok(None) => return,
            Err(ReadError::Bad(status)) => {
                if write_reply(reader.get_mut(), &status_reply(status), false).is_ok() {
                    linger(&mut reader);
                }
                return;
            }
            Err(ReadError::Timeout) => {
                let _ = write_reply(reader.get_mut(), &status_reply(408), false);
                return;
            }
            Err(ReadError::Io) => return,
        };
        (request.connection, request.tls) = (id, tls);
        match (ctx.handler)(&request) {
            Outcome::Reply(reply) => match write_reply(reader.get_mut(), &reply, keep_alive) {
                Ok(()) if keep_alive => reader.get_mut().timed().await_request(limits.idle_timeout),
                Ok(()) => {
                    linger(&mut reader);
                    return;
                }
                Err(_) => return,
            },
            // Closed without a word (no close_notify either): the dropped-connection fault.
            Outcome::Drop => return,
        }
    }
}

/// A plain-text answer carrying just the status.
fn status_reply(status: u16) -> Reply {
    Reply { status, content_type: "text/plain", body: format!("{status} {}", reason(status)).into_bytes() }
}

/// How long a closing connection keeps discarding what the client still sends.
const LINGER: Duration = Duration::from_secs(2);
/// The most it discards.
const LINGER_BYTES: u64 = 1 << 20;

/// Closes gracefully after a final answer: sends FIN, then discards (without keeping)
/// what the client still sends, briefly. Closing with unread bytes in the socket would
/// send a reset, and the client could lose the answer (a 413 sent before its body).
fn linger(reader: &mut BufReader<Conn>) {
    let conn = reader.get_mut();
    conn.close_notify();
    let timed = conn.timed();
    let _ = timed.sock.shutdown(Shutdown::Write);
    timed.deadline(Instant::now() + LINGER);
    // Straight from the socket: what is discarded needs no decrypting.
    let _ = io::copy(&mut timed.take(LINGER_BYTES), &mut io::sink());
}

enum ReadError {
    /// Answer with this status, then close.
    Bad(u16),
    /// The request did not arrive in time: 408, then close.
    Timeout,
    /// The connection failed or closed mid-request.
    Io,
}

impl From<io::Error> for ReadError {
    fn from(e: io::Error) -> Self {
        match e.kind() {
            io::ErrorKind::TimedOut => ReadError::Timeout,
            _ => ReadError::Io,
        }
    }
}

/// Reads one line (without CRLF) of at most `MAX_LINE` bytes; `None` at a clean EOF
/// before any byte. `budget` is what is left of the head (or trailer) size limit.
fn read_line(reader: &mut impl BufRead, budget: &mut usize) -> Result<Option<String>, ReadError> {
    if *budget == 0 {
        return Err(ReadError::Bad(431));
    }
    let mut buf = Vec::new();
    let limit = MAX_LINE.min(*budget);
    let n = reader.by_ref().take(limit as u64).read_until(b'\n', &mut buf)?;
    if n == 0 {
        return Ok(None);
    }
    *budget -= n;
    if buf.last() != Some(&b'\n') {
        return Err(if n >= limit { ReadError::Bad(431) } else { ReadError::Io });
    }
    buf.pop();
    if buf.last() == Some(&b'\r') {
        buf.pop();
    }
    String::from_utf8(buf).map(Some).map_err(|_| ReadError::Bad(400))
}

/// A header name is an RFC 9110 token.
fn is_token(s: &str) -> bool {
    !s.is_empty() && s.bytes().all(|b| b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b))
}

/// How the body of a request is delimited (RFC 9112 §6.3).
#[derive(Debug, PartialEq, Eq)]
enum Framing {
    /// No body.
    Empty,
    /// `Content-Length: n`.
    Length(u64),
    /// `Transfer-Encoding: chunked`.
    Chunked,
}

/// Decides the framing from `Transfer-Encoding` and `Content-Length`, refusing every
/// ambiguous combination (the request-smuggling cases of RFC 9112 §6.1 and §6.3).
fn framing(headers: &[(String, String)], http10: bool) -> Result<Framing, ReadError> {
    let values = |name: &str| -> Vec<String> {
        headers
            .iter()
            .filter(|(n, _)| n.eq_ignore_ascii_case(name))
            .flat_map(|(_, v)| v.split(','))
            .map(|v| v.trim_matches([' ', '\t']).to_ascii_lowercase())
            .collect()
    };
    let has = |name: &str| headers.iter().any(|(n, _)| n.eq_ignore_ascii_case(name));
    let (te, cl) = (has("transfer-encoding"), has("content-length"));
    if te && cl {
        return Err(ReadError::Bad(400));
    }
    if te {
        // An HTTP/1.0 message with Transfer-Encoding has faulty framing (§6.1).
        if http10 {
            return Err(ReadError::Bad(400));
        }
        let codings: Vec<String> = values("transfer-encoding").into_iter().filter(|c| !c.is_empty()).collect();
        let Some((last, before)) = codings.split_last() else { return Err(ReadError::Bad(400)) };
        if last != "chunked" {
            return Err(ReadError::Bad(400));
        }
        // Chunked applies once; any other coding before it is one this server does not implement.
        if before.iter().any(|c| c == "chunked") {
            return Err(ReadError::Bad(400));
        }
        if !before.is_empty() {
            return Err(ReadError::Bad(501));
        }
        return Ok(Framing::Chunked);
    }
    if !cl {
        return Ok(Framing::Empty);
    }
    let mut length = None;
    for v in values("content-length") {
        if v.is_empty() || !v.bytes().all(|b| b.is_ascii_digit()) {
            return Err(ReadError::Bad(400));
        }
        // Too many digits for u64 is still a length, just one above every limit.
        let n = v.parse::<u64>().unwrap_or(u64::MAX);
        if length.is_some_and(|l| l != n) {
            return Err(ReadError::Bad(400));
        }
        length = Some(n);
    }
    Ok(match length {
        Some(0) => Framing::Empty,
        Some(n) => Framing::Length(n),
        None => return Err(ReadError::Bad(400)),
    })
}

/// Reads one request; also returns whether the connection stays open after it.
fn read_request<S: Read + Write>(
    reader: &mut BufReader<S>,
    limits: &Limits,
) -> Result<Option<(Request, bool)>, ReadError> {
    let mut budget = MAX_HEAD;
    // Tolerate stray empty lines between requests (RFC 9112 §2.2).
    let line = loop {
        match read_line(reader, &mut budget)? {
            None => return Ok(None),
            Some(l) if l.is_empty() => continue,
            Some(l) => break l,
        }
    };
    let mut parts = line.split(' ');
    let (Some(method), Some(target), Some(version), None) = (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(ReadError::Bad(400));
    };
    if !is_token(method) || target.is_empty() {
        return Err(ReadError::Bad(400));
    }
    let http10 = match version {
        "HTTP/1.1" => false,
        "HTTP/1.0" => true,
        _ => return Err(ReadError::Bad(505)),
    };
    let mut headers = Vec::new();
    loop {
        let Some(h) = read_line(reader, &mut budget)? else { return Err(ReadError::Io) };
        if h.is_empty() {
            break;
        }
        if headers.len() >= MAX_HEADERS {
            return Err(ReadError::Bad(431));
        }
        // No whitespace before the colon, no obsolete line folding (RFC 9112 §5.1, §5.2).
        let (name, value) = h.split_once(':').ok_or(ReadError::Bad(400))?;
        if !is_token(name) {
            return Err(ReadError::Bad(400));
        }
        headers.push((name.to_string(), value.trim_matches([' ', '\t']).to_string()));
    }
    let (path, query) = target.split_once('?').unwrap_or((target, ""));
    let mut request = Request {
        method: method.to_string(),
        path: path.to_string(),
        query: query.to_string(),
        headers,
        body: vec![],
        connection: 0,
        tls: false,
    };

    let connection = request.header("connection").map(str::to_ascii_lowercase).unwrap_or_default();
    let keep_alive = if http10 { connection.contains("keep-alive") } else { !connection.contains("close") };

    let framing = framing(&request.headers, http10)?;
    // Refused before a byte of the body is read (and before any 100 Continue).
    if matches!(framing, Framing::Length(n) if n > limits.max_body as u64) {
        return Err(ReadError::Bad(413));
    }
    let expects_continue = request.header("expect").is_some_and(|e| e.eq_ignore_ascii_case("100-continue"));
    if framing != Framing::Empty && expects_continue && !http10 {
        let writer = reader.get_mut();
        writer.write_all(b"HTTP/1.1 100 Continue\r\n\r\n")?;
        writer.flush()?;
    }
    match framing {
        Framing::Empty => {}
        Framing::Length(n) => read_exactly(reader, n as usize, &mut request.body)?,
        Framing::Chunked => request.body = read_chunked(reader, limits.max_body)?,
    }
    Ok(Some((request, keep_alive)))
}

/// Appends exactly `n` bytes to `body`, growing it as bytes arrive: the announced
/// length is never allocated up front.
fn read_exactly(reader: &mut impl BufRead, n: usize, body: &mut Vec<u8>) -> Result<(), ReadError> {
    let start = body.len();
    let got = reader.by_ref().take(n as u64).read_to_end(body)?;
    if got < n {
        body.truncate(start);
        return Err(ReadError::Io);
    }
    Ok(())
}

/// Decodes a chunked body, counting it against `max_body` chunk by chunk.
fn read_chunked(reader: &mut impl BufRead, max_body: usize) -> Result<Vec<u8>, ReadError> {
    let mut body = Vec::new();
    loop {
        // Each size line is bounded; how many there are, by the body limit (a chunk holds
        // at least a byte) and the request deadline.
        let line = read_line(reader, &mut MAX_LINE.clone())?.ok_or(ReadError::Io)?;
        let size_text = line.split(';').next().unwrap_or("").trim_end_matches([' ', '\t']);
        if size_text.is_empty() || size_text.len() > 15 || !size_text.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Err(ReadError::Bad(400));
        }
        let size = usize::from_str_radix(size_text, 16).map_err(|_| ReadError::Bad(400))?;
        if size == 0 {
            // Trailers, up to the empty line (bounded like the head).
            let (mut budget, mut count) = (MAX_HEAD, 0);
            while !read_line(reader, &mut budget)?.ok_or(ReadError::Io)?.is_empty() {
                count += 1;
                if count > MAX_HEADERS {
                    return Err(ReadError::Bad(431));
                }
            }
            return Ok(body);
        }
        if body.len() + size > max_body {
            return Err(ReadError::Bad(413));
        }
        read_exactly(reader, size, &mut body)?;
        let mut crlf = [0u8; 2];
        reader.read_exact(&mut crlf)?;
        if &crlf != b"\r\n" {
            return Err(ReadError::Bad(400));
        }
    }
}

fn write_reply(w: &mut impl Write, reply: &Reply, keep_alive: bool) -> io::Result<()> {
    let mut head = format!(
        "HTTP/1.1 {} {}\r\nServer: tccall-sandbox\r\nContent-Type: {}\r\nContent-Length: {}\r\n",
        reply.status,
        reason(reply.status),
        reply.content_type,
        reply.body.len()
    );
    if !keep_alive {
        head.push_str("Connection: close\r\n");
    }
    head.push_str("\r\n");
    let mut out = head.into_bytes();
    out.extend_from_slice(&reply.body);
    w.write_all(&out)?;
    w.flush()
}

/// The reason phrase of the statuses the sandbox sends.
pub fn reason(status: u16) -> &'static str {
    match status {
        200 => "OK",
        400 => "Bad Request",
        404 => "Not Found",
        405 => "Method Not Allowed",
        408 => "Request Timeout",
        413 => "Content Too Large",
        431 => "Request Header Fields Too Large",
        500 => "Internal Server Error",
        501 => "Not Implemented",
        502 => "Bad Gateway",
        503 => "Service Unavailable",
        504 => "Gateway Timeout",
        505 => "HTTP Version Not Supported",
        _ => "Status",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Instant;

    fn echo() -> Handler {
        Arc::new(|r: &Request| {
            if r.path == "/drop" {
                return Outcome::Drop;
            }
            let text = format!("{} {} {} {}", r.method, r.path, r.query, String::from_utf8_lossy(&r.body));
            Outcome::Reply(Reply { status: 200, content_type: "text/plain", body: text.into_bytes() })
        })
    }

    /// Sends `raw`, then reads until the server closes (panics if it does not within 5 s).
    fn exchange(addr: SocketAddr, raw: &[u8]) -> String {
        let mut s = TcpStream::connect(addr).unwrap();
        s.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
        s.write_all(raw).unwrap();
        let mut out = Vec::new();
        s.read_to_end(&mut out).expect("the server closes the connection");
        String::from_utf8_lossy(&out).into_owned()
    }

    fn status_line(out: &str) -> &str {
        out.lines().next().unwrap_or("")
    }

    #[test]
    fn keep_alive_chunked_continue_and_drop() {
        let server = Server::start(0, echo()).unwrap();
        let addr = server.addr();
        // Two pipelined requests on one connection, the second asks to close.
        let out = exchange(
            addr,
            b"POST /a?x=1 HTTP/1.1\r\nContent-Length: 2\r\n\r\nhiGET /b HTTP/1.1\r\nConnection: close\r\n\r\n",
        );
        assert!(out.contains("POST /a x=1 hi"), "{out}");
        assert!(out.contains("GET /b  "), "{out}");
        assert!(out.contains("Connection: close"), "{out}");
        let out = exchange(
            addr,
            b"POST /c HTTP/1.1\r\nTransfer-Encoding: chunked\r\nExpect: 100-continue\r\nConnection: close\r\n\r\n3\r\nabc\r\n2;x\r\nde\r\n0\r\n\r\n",
        );
        assert!(out.starts_with("HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK"), "{out}");
        assert!(out.contains("POST /c  abcde"), "{out}");
        // A dropped request gets EOF, not a response and not a hang.
        assert_eq!(exchange(addr, b"GET /drop HTTP/1.1\r\n\r\n"), "");
        assert!(exchange(addr, b"NONSENSE\r\n\r\n").starts_with("HTTP/1.1 400"));
    }

    #[test]
    fn ambiguous_framing_is_refused_and_the_connection_closed() {
        let server = Server::start(0, echo()).unwrap();
        let cases: &[(&[u8], &str)] = &[
            // Both Content-Length and Transfer-Encoding.
            (b"POST /a HTTP/1.1\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", "400"),
            // The final coding is not exactly chunked.
            (b"POST /a HTTP/1.1\r\nTransfer-Encoding: xchunked\r\n\r\n", "400"),
            (b"POST /a HTTP/1.1\r\nTransfer-Encoding: chunked, gzip\r\n\r\n", "400"),
            (b"POST /a HTTP/1.1\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: identity\r\n\r\n", "400"),
            (b"POST /a HTTP/1.1\r\nTransfer-Encoding: chunked, chunked\r\n\r\n", "400"),
            (b"POST /a HTTP/1.1\r\nTransfer-Encoding:\r\n\r\n", "400"),
            (b"POST /a HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", "400"),
            // A coding before chunked that the server does not implement.
            (b"POST /a HTTP/1.1\r\nTransfer-Encoding: gzip, chunked\r\n\r\n0\r\n\r\n", "501"),
            (b"POST /a HTTP/1.1\r\nTransfer-Encoding: gzip\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", "501"),
            // Differing Content-Length values, repeated or in a list.
            (b"POST /a HTTP/1.1\r\nContent-Length: 2\r\nContent-Length: 3\r\n\r\nabc", "400"),
            (b"POST /a HTTP/1.1\r\nContent-Length: 2, 3\r\n\r\nabc", "400"),
            // Content-Length is digits only.
            (b"POST /a HTTP/1.1\r\nContent-Length: +3\r\n\r\nabc", "400"),
            (b"POST /a HTTP/1.1\r\nContent-Length: 0x3\r\n\r\nabc", "400"),
            (b"POST /a HTTP/1.1\r\nContent-Length: -1\r\n\r\n", "400"),
            (b"POST /a HTTP/1.1\r\nContent-Length: 1 2\r\n\r\n", "400"),
            (b"POST /a HTTP/1.1\r\nContent-Length:\r\n\r\n", "400"),
            // Whitespace before the colon, obsolete line folding, bad chunk sizes.
            (b"POST /a HTTP/1.1\r\nContent-Length : 3\r\n\r\nabc", "400"),
            (b"GET /a HTTP/1.1\r\nX-A: 1\r\n folded\r\n\r\n", "400"),
            (b"POST /a HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n+3\r\nabc\r\n0\r\n\r\n", "400"),
            (b"POST /a HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\nfffffffffffffffffff\r\n", "400"),
            (b"POST /a HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabcX\r\n", "400"),
            (b"GET /a HTTP/2.0\r\n\r\n", "505"),
        ];
        for (raw, status) in cases {
            // A request that would be answered follows on the same connection: it must not be.
            let mut pipelined = raw.to_vec();
            pipelined.extend_from_slice(b"GET /next HTTP/1.1\r\n\r\n");
            let out = exchange(server.addr(), &pipelined);
            let shown = String::from_utf8_lossy(raw);
            assert!(status_line(&out).starts_with(&format!("HTTP/1.1 {status} ")), "{shown:?} -> {out:?}");
            assert!(out.contains("Connection: close\r\n"), "{shown:?} -> {out:?}");
            assert!(!out.contains("/next"), "{shown:?} -> {out:?}");
        }
    }

    #[test]
    fn accepted_framings() {
        let server = Server::start(0, echo()).unwrap();
        // Identical repeated Content-Length values are one value (RFC 9110 §8.6).
        for raw in [
            &b"POST /a HTTP/1.1\r\nContent-Length: 3\r\nContent-Length: 3\r\nConnection: close\r\n\r\nabc"[..],
            b"POST /a HTTP/1.1\r\nContent-Length: 3, 3\r\nConnection: close\r\n\r\nabc",
            b"POST /a HTTP/1.1\r\nTransfer-Encoding: Chunked\r\nConnection: close\r\n\r\n3\r\nabc\r\n0\r\nX-T: 1\r\n\r\n",
            b"POST /a HTTP/1.0\r\nContent-Length: 3\r\n\r\nabc",
        ] {
            let out = exchange(server.addr(), raw);
            assert!(out.starts_with("HTTP/1.1 200 OK\r\n") && out.ends_with("POST /a  abc"), "{out:?}");
        }
    }

    #[test]
    fn head_limits_and_small_chunks() {
        let server = Server::start(0, echo()).unwrap();
        // 64 KiB of headers in all, 100 at most, 16 KiB a line: 431.
        let long = format!("GET /a HTTP/1.1\r\n{}\r\n", format!("X-A: {}\r\n", "a".repeat(8000)).repeat(9));
        let many = format!("GET /a HTTP/1.1\r\n{}\r\n", "X-A: 1\r\n".repeat(101));
        let line = format!("GET /a HTTP/1.1\r\nX-A: {}\r\n\r\n", "a".repeat(17000));
        for raw in [long, many, line] {
            let out = exchange(server.addr(), raw.as_bytes());
            assert!(out.starts_with("HTTP/1.1 431 "), "{}", &out[..out.len().min(80)]);
        }
        // A body of 40000 one-byte chunks (120 KB of size lines) is fine.
        let mut raw = b"POST /a HTTP/1.1\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n".to_vec();
        for _ in 0..40_000 {
            raw.extend_from_slice(b"1\r\nq\r\n");
        }
        raw.extend_from_slice(b"0\r\n\r\n");
        let out = exchange(server.addr(), &raw);
        assert!(out.starts_with("HTTP/1.1 200 ") && out.ends_with(&"q".repeat(40_000)), "{}", &out[..80]);
    }

    #[test]
    fn bodies_above_the_limit_are_refused_before_they_are_read() {
        let server = Server::start(0, echo()).unwrap();
        // Announced: 413 at once (no 100 Continue, the body is never waited for).
        let raw = format!("POST /a HTTP/1.1\r\nContent-Length: {}\r\nExpect: 100-continue\r\n\r\n", MAX_BODY + 1);
        let t0 = std::time::Instant::now();
        let out = exchange(server.addr(), raw.as_bytes());
        assert!(out.starts_with("HTTP/1.1 413 Content Too Large\r\n"), "{out:?}");
        assert!(t0.elapsed() < Duration::from_secs(2));
        let out = exchange(server.addr(), b"POST /a HTTP/1.1\r\nContent-Length: 99999999999999999999999\r\n\r\n");
        assert!(out.starts_with("HTTP/1.1 413 "), "{out:?}");
        // A client that already sent part of its body still reads the 413 (no reset).
        let mut raw = format!("POST /a HTTP/1.1\r\nContent-Length: {}\r\n\r\n", MAX_BODY + 1).into_bytes();
        raw.extend(vec![b'x'; 200_000]);
        assert!(exchange(server.addr(), &raw).starts_with("HTTP/1.1 413 "));
        // Chunked: counted as the chunks arrive.
        let mut s = TcpStream::connect(server.addr()).unwrap();
        s.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
        s.write_all(b"POST /a HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n").unwrap();
        let chunk = format!("{:x}\r\n{}\r\n", 64 * 1024, "y".repeat(64 * 1024));
        let mut out = Vec::new();
        for _ in 0..(MAX_BODY / (64 * 1024) + 1) {
            if s.write_all(chunk.as_bytes()).is_err() {
                break;
            }
        }
        let _ = s.read_to_end(&mut out);
        assert!(out.starts_with(b"HTTP/1.1 413 "), "{:?}", String::from_utf8_lossy(&out));
        // Exactly at the limit is fine.
        let mut raw =
            format!("POST /a HTTP/1.1\r\nContent-Length: {MAX_BODY}\r\nConnection: close\r\n\r\n").into_bytes();
        raw.extend(vec![b'z'; MAX_BODY]);
        assert!(exchange(server.addr(), &raw).starts_with("HTTP/1.1 200 "));
    }

    fn quick() -> Options {
        let limits = Limits {
            request_read_timeout: Duration::from_millis(400),
            idle_timeout: Duration::from_millis(700),
            ..Limits::default()
        };
        Options { limits, ..Options::default() }
    }

    /// Writes `raw` one byte every `gap` on another thread (until the server closes);
    /// returns what the server answered and when it closed, from the first byte.
    fn trickle(addr: SocketAddr, raw: &'static [u8], gap: Duration) -> (String, Duration) {
        let mut s = TcpStream::connect(addr).unwrap();
        s.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
        let mut w = s.try_clone().unwrap();
        let t0 = Instant::now();
        let writer = std::thread::spawn(move || {
            for b in raw {
                if w.write_all(&[*b]).is_err() {
                    break;
                }
                std::thread::sleep(gap);
            }
        });
        let mut out = Vec::new();
        s.read_to_end(&mut out).expect("the server closes the connection");
        let elapsed = t0.elapsed();
        writer.join().unwrap();
        (String::from_utf8_lossy(&out).into_owned(), elapsed)
    }

    #[test]
    fn slow_requests_get_408_and_idle_connections_close() {
        let server = Server::start_with(0, echo(), quick()).unwrap();
        let addr = server.addr();
        let window = |d: Duration| d >= Duration::from_millis(350) && d < Duration::from_millis(1500);
        // A head trickled a byte every 50 ms: 408 when 400 ms have passed since its first byte.
        let (out, took) =
            trickle(addr, b"GET /slow HTTP/1.1\r\nX-Pad: aaaaaaaaaaaaaaaaaaaaaaaa\r\n\r\n", Duration::from_millis(50));
        assert!(out.starts_with("HTTP/1.1 408 Request Timeout\r\n"), "{out:?}");
        assert!(window(took), "{took:?}");
        // A body that stalls.
        let (out, took) = trickle(addr, b"POST /a HTTP/1.1\r\nContent-Length: 200\r\n\r\nabc", Duration::ZERO);
        assert!(out.starts_with("HTTP/1.1 408 "), "{out:?}");
        assert!(window(took), "{took:?}");
        // A new connection that never sends a byte is closed silently after the request timeout.
        let (out, took) = trickle(addr, b"", Duration::ZERO);
        assert_eq!(out, "");
        assert!(window(took), "{took:?}");
        // A keep-alive connection is closed silently once idle for 700 ms, not before.
        let mut s = TcpStream::connect(addr).unwrap();
        s.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
        let mut answers = Vec::new();
        for _ in 0..3 {
            s.write_all(b"GET /k HTTP/1.1\r\n\r\n").unwrap();
            let mut buf = [0u8; 512];
            let n = s.read(&mut buf).unwrap();
            answers.push(String::from_utf8_lossy(&buf[..n]).into_owned());
            std::thread::sleep(Duration::from_millis(450));
        }
        assert!(answers.iter().all(|a| a.starts_with("HTTP/1.1 200 ") && a.ends_with("GET /k  ")), "{answers:?}");
        let t0 = Instant::now();
        let mut rest = Vec::new();
        s.read_to_end(&mut rest).unwrap();
        assert_eq!(rest, b"");
        assert!(t0.elapsed() < Duration::from_millis(600), "{:?}", t0.elapsed());
        // A request in two parts inside the deadline is fine.
        let (out, _) = trickle(addr, b"GET /two HTTP/1.1\r\nConnection: close\r\n\r\n", Duration::from_millis(5));
        assert!(out.starts_with("HTTP/1.1 200 "), "{out:?}");
    }

    #[test]
    fn at_the_cap_the_longest_idle_connection_makes_room() {
        let limits = Limits { max_connections: 2, ..Limits::default() };
        let server = Server::start_with(0, echo(), Options { limits, ..Options::default() }).unwrap();
        let addr = server.addr();
        let open = || {
            let s = TcpStream::connect(addr).unwrap();
            s.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
            s
        };
        let settle = || std::thread::sleep(Duration::from_millis(150));
        // A: answered, now idle. B: in the middle of a request.
        let mut a = open();
        a.write_all(b"GET /a HTTP/1.1\r\n\r\n").unwrap();
        let mut buf = [0u8; 512];
        assert!(a.read(&mut buf).unwrap() > 0);
        let mut b = open();
        b.write_all(b"GET /b HTTP/1.1\r\n").unwrap();
        settle();
        // C replaces A, the idle one.
        let out = exchange(addr, b"GET /c HTTP/1.1\r\nConnection: close\r\n\r\n");
        assert!(out.starts_with("HTTP/1.1 200 "), "{out:?}");
        let mut rest = Vec::new();
        let _ = a.read_to_end(&mut rest);
        assert_eq!(rest, b"", "A was closed without an answer");
        settle();
        // B and D busy: E is refused, B and D are untouched.
        let mut d = open();
        d.write_all(b"GET /d HTTP/1.1\r\n").unwrap();
        settle();
        let mut e = open();
        let _ = e.write_all(b"GET /e HTTP/1.1\r\n\r\n");
        let mut out = Vec::new();
        let _ = e.read_to_end(&mut out);
        assert_eq!(out, b"", "E was refused");
        let stats = server.stats().snapshot();
        assert_eq!(
            (stats["accepted"].as_u64(), stats["evicted"].as_u64(), stats["refused"].as_u64()),
            (Some(5), Some(1), Some(1))
        );
        for (mut s, name) in [(b, "/b"), (d, "/d")] {
            s.write_all(b"Connection: close\r\n\r\n").unwrap();
            let mut out = String::new();
            s.read_to_string(&mut out).unwrap();
            assert!(out.starts_with("HTTP/1.1 200 ") && out.contains(name), "{out:?}");
        }
    }
}
