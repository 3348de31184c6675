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
const MAX_LINE: u64 = 16 * 1024;
/// Most header lines in one request.
const MAX_HEADERS: usize = 100;
/// Largest request body (Tencent's own limits are far lower).
const MAX_BODY: usize = 8 << 20;
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
                let _ = write_reply(&mut writer, &Reply { status, content_type: "text/plain", body }, false);
                break;
            }
            Err(ReadError::Io) => break,
        };
        match handler(&request) {
            Outcome::Reply(reply) => {
                if write_reply(&mut writer, &reply, keep_alive).is_err() || !keep_alive {
                    break;
                }
            }
            Outcome::Drop => break,
        }
    }
    let _ = writer.shutdown(Shutdown::Both);
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

/// Reads one line (without CRLF); `None` at a clean EOF before any byte.
fn read_line(reader: &mut BufReader<TcpStream>) -> Result<Option<String>, ReadError> {
    let mut buf = Vec::new();
    let n = reader.by_ref().take(MAX_LINE).read_until(b'\n', &mut buf)?;
    if n == 0 {
        return Ok(None);
    }
    if buf.last() != Some(&b'\n') {
        return Err(if n as u64 >= MAX_LINE { ReadError::Bad(431) } else { ReadError::Io });
    }
    buf.pop();
    if buf.last() == Some(&b'\r') {
        buf.pop();
    }
    String::from_utf8(buf).map(Some).map_err(|_| ReadError::Bad(400))
}

/// Reads one request; also returns whether the connection stays open after it.
fn read_request(
    reader: &mut BufReader<TcpStream>,
    writer: &mut TcpStream,
) -> Result<Option<(Request, bool)>, ReadError> {
    // Tolerate stray empty lines between requests (RFC 9112 §2.2).
    let line = loop {
        match read_line(reader)? {
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
    let http10 = match version {
        "HTTP/1.1" => false,
        "HTTP/1.0" => true,
        _ => return Err(ReadError::Bad(505)),
    };
    let mut headers = Vec::new();
    loop {
        let Some(h) = read_line(reader)? else { return Err(ReadError::Io) };
        if h.is_empty() {
            break;
        }
        if headers.len() >= MAX_HEADERS {
            return Err(ReadError::Bad(431));
        }
        let (name, value) = h.split_once(':').ok_or(ReadError::Bad(400))?;
        headers.push((name.trim().to_string(), value.trim().to_string()));
    }
    let (path, query) = target.split_once('?').unwrap_or((target, ""));
    let mut request =
        Request { method: method.to_string(), path: path.to_string(), query: query.to_string(), headers, body: vec![] };

    let connection = request.header("connection").map(str::to_ascii_lowercase).unwrap_or_default();
    let keep_alive = if http10 { connection.contains("keep-alive") } else { !connection.contains("close") };

    let chunked = request.header("transfer-encoding").is_some_and(|te| te.to_ascii_lowercase().contains("chunked"));
    let length = match request.header("content-length") {
        Some(v) => Some(v.parse::<usize>().map_err(|_| ReadError::Bad(400))?),
        None => None,
    };
    if length.is_some_and(|n| n > MAX_BODY) {
        return Err(ReadError::Bad(413));
    }
    let has_body = chunked || length.is_some_and(|n| n > 0);
    if has_body && request.header("expect").is_some_and(|e| e.eq_ignore_ascii_case("100-continue")) {
        writer.write_all(b"HTTP/1.1 100 Continue\r\n\r\n")?;
    }
    if chunked {
        request.body = read_chunked(reader)?;
    } else if let Some(n) = length {
        let mut body = vec![0; n];
        reader.read_exact(&mut body)?;
        request.body = body;
    }
    Ok(Some((request, keep_alive)))
}

fn read_chunked(reader: &mut BufReader<TcpStream>) -> Result<Vec<u8>, ReadError> {
    let mut body = Vec::new();
    loop {
        let line = read_line(reader)?.ok_or(ReadError::Io)?;
        let size_text = line.split(';').next().unwrap_or("").trim();
        let size = usize::from_str_radix(size_text, 16).map_err(|_| ReadError::Bad(400))?;
        if size == 0 {
            // Trailers, up to the empty line.
            while !read_line(reader)?.ok_or(ReadError::Io)?.is_empty() {}
            return Ok(body);
        }
        if body.len() + size > MAX_BODY {
            return Err(ReadError::Bad(413));
        }
        let start = body.len();
        body.resize(start + size, 0);
        reader.read_exact(&mut body[start..])?;
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
        413 => "Payload Too Large",
        431 => "Request Header Fields Too Large",
        500 => "Internal Server Error",
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

    fn exchange(addr: SocketAddr, raw: &[u8]) -> String {
        let mut s = TcpStream::connect(addr).unwrap();
        s.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
        s.write_all(raw).unwrap();
        let mut out = String::new();
        let _ = s.read_to_string(&mut out);
        out
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
}
