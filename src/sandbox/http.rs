//! A small HTTP/1.1 server on `std::net`, one thread per connection.
//!
//! Why not tiny_http: a dropped-connection fault must close the socket while the
//! client waits for its response. tiny_http 0.12 shares each socket between the
//! request's writer and the connection reader that waits for the next keep-alive
//! request, so no handler can close it; the client would hang until its timeout.
//! Here every connection owns its `TcpStream`, so a handler can answer, delay, or
//! shut the stream down.

use std::collections::HashMap;
use std::io::{self, BufRead, BufReader, Read, Write};
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::Duration;

/// Longest request line or header line.
const MAX_LINE: usize = 16 * 1024;
/// Largest request head (request line and headers), and largest chunked-body framing
/// (chunk-size lines and trailers).
const MAX_HEAD: usize = 64 * 1024;
/// Most header lines in one request.
const MAX_HEADERS: usize = 100;
/// Largest request body: Tencent's request bodies are small. A larger `Content-Length`
/// is answered 413 before any of the body is read; chunked bodies are counted as they arrive.
pub const MAX_BODY: usize = 1 << 20;
/// An idle keep-alive connection is closed after this long.
const IDLE_TIMEOUT: Duration = Duration::from_secs(60);
/// Connections served at once; more are closed on accept.
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

type Connections = Arc<Mutex<HashMap<u64, TcpStream>>>;

/// A running server; `stop` (or drop) closes the listener and every connection.
pub struct Server {
    addr: SocketAddr,
    stopping: Arc<AtomicBool>,
    connections: Connections,
    accept: Option<JoinHandle<()>>,
}

impl Server {
    /// Binds `127.0.0.1:port` (0 = any free port) and serves on background threads.
    pub fn start(port: u16, handler: Handler) -> io::Result<Server> {
        let listener = TcpListener::bind(("127.0.0.1", port))?;
        let addr = listener.local_addr()?;
        let stopping = Arc::new(AtomicBool::new(false));
        let connections: Connections = Arc::default();
        let (stop, conns) = (stopping.clone(), connections.clone());
        let accept = std::thread::Builder::new()
            .name("tccall-sandbox-accept".into())
            .spawn(move || accept_loop(listener, handler, stop, conns))?;
        Ok(Server { addr, stopping, connections, accept: Some(accept) })
    }

    /// The bound address.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// Stops accepting, closes every open connection and waits for the accept thread.
    pub fn stop(&mut self) {
        let Some(accept) = self.accept.take() else { return };
        self.stopping.store(true, Ordering::SeqCst);
        // Wake the blocking accept() so it sees the flag.
        let _ = TcpStream::connect_timeout(&self.addr, Duration::from_secs(1));
        let _ = accept.join();
        let conns = self.connections.lock().unwrap_or_else(|p| p.into_inner());
        for stream in conns.values() {
            let _ = stream.shutdown(Shutdown::Both);
        }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.stop();
    }
}

fn accept_loop(listener: TcpListener, handler: Handler, stopping: Arc<AtomicBool>, conns: Connections) {
    let ids = AtomicU64::new(0);
    for stream in listener.incoming() {
        if stopping.load(Ordering::SeqCst) {
            break;
        }
        let Ok(stream) = stream else { continue };
        let id = ids.fetch_add(1, Ordering::Relaxed);
        {
            let mut map = conns.lock().unwrap_or_else(|p| p.into_inner());
            if map.len() >= MAX_CONNECTIONS {
                let _ = stream.shutdown(Shutdown::Both);
                continue;
            }
            match stream.try_clone() {
                Ok(clone) => map.insert(id, clone),
                Err(_) => continue,
            };
        }
        let (handler, mine) = (handler.clone(), conns.clone());
        let spawned = std::thread::Builder::new().name("tccall-sandbox-conn".into()).spawn(move || {
            serve_connection(stream, &handler);
            mine.lock().unwrap_or_else(|p| p.into_inner()).remove(&id);
        });
        if spawned.is_err() {
            if let Some(s) = conns.lock().unwrap_or_else(|p| p.into_inner()).remove(&id) {
                let _ = s.shutdown(Shutdown::Both);
            }
        }
    }
}

/// Serves keep-alive requests on one connection until it closes, errs or a handler drops it.
fn serve_connection(stream: TcpStream, handler: &Handler) {
    let _ = stream.set_nodelay(true);
    let _ = stream.set_read_timeout(Some(IDLE_TIMEOUT));
    let Ok(read_half) = stream.try_clone() else { return };
    let mut reader = BufReader::new(read_half);
    let mut writer = stream;
    loop {
        let (request, keep_alive) = match read_request(&mut reader, &mut writer) {
            Ok(Some(r)) => r,
            Ok(None) => break,
            Err(ReadError::Bad(status)) => {
                let body = format!("{status} {}", reason(status)).into_bytes();
                if write_reply(&mut writer, &Reply { status, content_type: "text/plain", body }, false).is_ok() {
                    linger(&mut reader, &writer);
                }
                break;
            }
            Err(ReadError::Io) => break,
        };
        match handler(&request) {
            Outcome::Reply(reply) => match write_reply(&mut writer, &reply, keep_alive) {
                Ok(()) if keep_alive => {}
                Ok(()) => {
                    linger(&mut reader, &writer);
                    break;
                }
                Err(_) => break,
            },
            Outcome::Drop => break,
        }
    }
    let _ = writer.shutdown(Shutdown::Both);
}

/// How long a closing connection keeps discarding what the client still sends.
const LINGER: Duration = Duration::from_secs(2);
/// The most it discards.
const LINGER_BYTES: u64 = 1 << 20;

/// Closes gracefully after a final answer: sends FIN, then discards (without keeping)
/// what the client still sends, briefly. Closing with unread bytes in the socket would
/// send a reset, and the client could lose the answer (a 413 sent before its body).
fn linger(reader: &mut BufReader<TcpStream>, writer: &TcpStream) {
    let _ = writer.shutdown(Shutdown::Write);
    let _ = writer.set_read_timeout(Some(LINGER));
    let _ = io::copy(&mut reader.by_ref().take(LINGER_BYTES), &mut io::sink());
}

enum ReadError {
    /// Answer with this status, then close.
    Bad(u16),
    /// The connection failed or closed mid-request.
    Io,
}

impl From<io::Error> for ReadError {
    fn from(_: io::Error) -> Self {
        ReadError::Io
    }
}

/// Reads one line (without CRLF) of at most `MAX_LINE` bytes; `None` at a clean EOF
/// before any byte. `budget` is what is left of the head (or trailer) size limit.
fn read_line(reader: &mut BufReader<TcpStream>, budget: &mut usize) -> Result<Option<String>, ReadError> {
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
fn read_request(
    reader: &mut BufReader<TcpStream>,
    writer: &mut TcpStream,
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
    let mut request =
        Request { method: method.to_string(), path: path.to_string(), query: query.to_string(), headers, body: vec![] };

    let connection = request.header("connection").map(str::to_ascii_lowercase).unwrap_or_default();
    let keep_alive = if http10 { connection.contains("keep-alive") } else { !connection.contains("close") };

    let framing = framing(&request.headers, http10)?;
    // Refused before a byte of the body is read (and before any 100 Continue).
    if matches!(framing, Framing::Length(n) if n > MAX_BODY as u64) {
        return Err(ReadError::Bad(413));
    }
    let expects_continue = request.header("expect").is_some_and(|e| e.eq_ignore_ascii_case("100-continue"));
    if framing != Framing::Empty && expects_continue && !http10 {
        writer.write_all(b"HTTP/1.1 100 Continue\r\n\r\n")?;
        writer.flush()?;
    }
    match framing {
        Framing::Empty => {}
        Framing::Length(n) => read_exactly(reader, n as usize, &mut request.body)?,
        Framing::Chunked => request.body = read_chunked(reader)?,
    }
    Ok(Some((request, keep_alive)))
}

/// Appends exactly `n` bytes to `body`, growing it as bytes arrive: the announced
/// length is never allocated up front.
fn read_exactly(reader: &mut BufReader<TcpStream>, n: usize, body: &mut Vec<u8>) -> Result<(), ReadError> {
    let start = body.len();
    let got = reader.by_ref().take(n as u64).read_to_end(body)?;
    if got < n {
        body.truncate(start);
        return Err(ReadError::Io);
    }
    Ok(())
}

/// Decodes a chunked body, counting it against `MAX_BODY` chunk by chunk.
fn read_chunked(reader: &mut BufReader<TcpStream>) -> Result<Vec<u8>, ReadError> {
    let mut body = Vec::new();
    let mut budget = MAX_HEAD;
    loop {
        let line = read_line(reader, &mut budget)?.ok_or(ReadError::Io)?;
        let size_text = line.split(';').next().unwrap_or("").trim_end_matches([' ', '\t']);
        if size_text.is_empty() || size_text.len() > 15 || !size_text.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Err(ReadError::Bad(400));
        }
        let size = usize::from_str_radix(size_text, 16).map_err(|_| ReadError::Bad(400))?;
        if size == 0 {
            // Trailers, up to the empty line (bounded like the head).
            let mut count = 0;
            while !read_line(reader, &mut budget)?.ok_or(ReadError::Io)?.is_empty() {
                count += 1;
                if count > MAX_HEADERS {
                    return Err(ReadError::Bad(431));
                }
            }
            return Ok(body);
        }
        if body.len() + size > MAX_BODY {
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

fn write_reply(w: &mut TcpStream, reply: &Reply, keep_alive: bool) -> io::Result<()> {
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
}
