//! HTTP/1.1 framing: the request as one buffer (one write), the response head through
//! httparse, and the body by `Content-Length`, chunked coding or connection close
//! (RFC 9112 §6.3), never buffering more than the caller's limit.

use super::call::CallCtx;
use super::conn::{Conn, Stop};
use super::proxy::split_host_port;
use super::HttpRequest;
use std::time::Duration;

/// Longest response head accepted.
const MAX_HEAD: usize = 64 * 1024;
/// Bytes asked of the socket per read.
const READ_CHUNK: usize = 8 * 1024;

/// Where a URL points.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Target {
    /// `https://`.
    pub tls: bool,
    /// Lower-case host (no brackets for IPv6).
    pub host: String,
    /// Port (80/443 by default).
    pub port: u16,
    /// The `Host` header: the URL's authority, host lower-cased.
    pub authority: String,
    /// Path and query (`/` when empty).
    pub path: String,
}

impl Target {
    /// Parses an `http://` or `https://` URL (no userinfo, no fragment).
    pub fn parse(url: &str) -> Result<Target, String> {
        let (tls, rest) = if let Some(r) = url.strip_prefix("https://") {
            (true, r)
        } else if let Some(r) = url.strip_prefix("http://") {
            (false, r)
        } else {
            return Err("the URL must start with http:// or https://".into());
        };
        let split = rest.find(['/', '?']).unwrap_or(rest.len());
        let (authority, path) = rest.split_at(split);
        if authority.contains('@') || path.contains('#') {
            return Err("the URL must not carry user info or a fragment".into());
        }
        let (host, port) = split_host_port(authority, if tls { 443 } else { 80 })?;
        let path = match path {
            "" => "/".to_string(),
            p if p.starts_with('?') => format!("/{p}"),
            p => p.to_string(),
        };
        if path.bytes().any(|b| b <= b' ' || b == 0x7f) {
            return Err("the URL path has spaces or control characters".into());
        }
        Ok(Target { tls, authority: authority.to_ascii_lowercase(), host, port, path })
    }

    /// `host:port` for messages (never the path: IM queries carry the UserSig).
    pub fn addr(&self) -> String {
        if self.host.contains(':') {
            format!("[{}]:{}", self.host, self.port)
        } else {
            format!("{}:{}", self.host, self.port)
        }
    }
}

fn is_header_safe(s: &str) -> bool {
    !s.bytes().any(|b| b == b'\r' || b == b'\n' || b == 0)
}

/// The whole request (head and body) as one buffer. `absolute` writes the absolute URL
/// in the request line (through an HTTP proxy), with `proxy_auth` as `Proxy-Authorization`.
pub fn encode_request(
    req: &HttpRequest,
    target: &Target,
    absolute: bool,
    proxy_auth: Option<&str>,
    user_agent: &str,
) -> Result<Vec<u8>, String> {
    let mut out =
        Vec::with_capacity(256 + req.body.len() + req.headers.iter().map(|(_, v)| v.len() + 32).sum::<usize>());
    out.extend_from_slice(req.method.as_bytes());
    out.push(b' ');
    if absolute {
        out.extend_from_slice(if target.tls { b"https://" } else { b"http://" });
        out.extend_from_slice(target.authority.as_bytes());
    }
    out.extend_from_slice(target.path.as_bytes());
    out.extend_from_slice(b" HTTP/1.1\r\n");
    let mut header = |name: &str, value: &str| -> Result<(), String> {
        if !is_header_safe(value) {
            return Err(format!("the {name} header value has a line break or NUL"));
        }
        for part in [name.as_bytes(), b": ", value.as_bytes(), b"\r\n"] {
            out.extend_from_slice(part);
        }
        Ok(())
    };
    if !req.headers.iter().any(|(n, _)| n.eq_ignore_ascii_case("host")) {
        header("Host", &target.authority)?;
    }
    for (name, value) in &req.headers {
        header(name, value)?;
    }
    header("User-Agent", user_agent)?;
    if let Some(auth) = proxy_auth {
        header("Proxy-Authorization", auth)?;
    }
    header("Content-Length", &req.body.len().to_string())?;
    out.extend_from_slice(b"\r\n");
    out.extend_from_slice(&req.body);
    Ok(out)
}

/// A response read whole.
#[derive(Debug)]
pub struct Response {
    /// Status code.
    pub status: u16,
    /// The body.
    pub body: Vec<u8>,
    /// Whether the connection may carry another request.
    pub reusable: bool,
}

/// Why a response could not be read.
#[derive(Debug)]
pub enum ReadError {
    /// I/O stopped (deadline, cancel, silence, EOF, socket or TLS error).
    Stop(Stop),
    /// The bytes are not HTTP.
    Malformed(String),
    /// The body is larger than allowed (`status` is known; the rest was not read).
    TooLarge {
        /// HTTP status of the answer.
        status: u16,
        /// Its declared length, when it had one.
        declared: Option<u64>,
    },
}

impl From<Stop> for ReadError {
    fn from(s: Stop) -> Self {
        ReadError::Stop(s)
    }
}

/// What the head says about the body.
struct Head {
    status: u16,
    len: usize,
    content_length: Option<u64>,
    chunked: bool,
    close: bool,
}

/// Reads one response head into `buf` (which keeps any bytes after it).
fn read_head(conn: &mut Conn, ctx: &CallCtx, patience: Duration, buf: &mut Vec<u8>) -> Result<Head, ReadError> {
    loop {
        if let Some(head) = parse_head(buf)? {
            return Ok(head);
        }
        if buf.len() >= MAX_HEAD {
            return Err(ReadError::Malformed(format!("the response head is longer than {} KiB", MAX_HEAD / 1024)));
        }
        if fill(conn, ctx, patience, buf, "waiting for the response")? == 0 {
            return Err(ReadError::Stop(Stop::Eof));
        }
    }
}

/// Reads more bytes onto the end of `buf`; returns how many (0 at EOF).
fn fill(conn: &mut Conn, ctx: &CallCtx, patience: Duration, buf: &mut Vec<u8>, doing: &str) -> Result<usize, Stop> {
    let start = buf.len();
    buf.resize(start + READ_CHUNK, 0);
    let n = conn.read(&mut buf[start..], ctx, patience, doing);
    buf.truncate(start + *n.as_ref().unwrap_or(&0));
    n
}

fn parse_head(buf: &[u8]) -> Result<Option<Head>, ReadError> {
    let mut headers = [httparse::EMPTY_HEADER; 64];
    let mut resp = httparse::Response::new(&mut headers);
    let len = match resp.parse(buf) {
        Ok(httparse::Status::Complete(n)) => n,
        Ok(httparse::Status::Partial) => return Ok(None),
        Err(e) => return Err(ReadError::Malformed(format!("the response head is not HTTP/1.1: {e}"))),
    };
    let status = resp.code.unwrap_or(0);
    let mut head = Head { status, len, content_length: None, chunked: false, close: resp.version != Some(1) };
    for h in resp.headers.iter() {
        let value = std::str::from_utf8(h.value).unwrap_or("").trim();
        if h.name.eq_ignore_ascii_case("content-length") {
            let n: u64 = value.parse().map_err(|_| ReadError::Malformed("Content-Length is not a number".into()))?;
            if head.content_length.is_some_and(|m| m != n) {
                return Err(ReadError::Malformed("conflicting Content-Length headers".into()));
            }
            head.content_length = Some(n);
        } else if h.name.eq_ignore_ascii_case("transfer-encoding") {
            // Chunked only counts as the final coding; anything else reads to the close.
            let last = value.rsplit(',').next().unwrap_or("").trim();
            head.chunked = last.eq_ignore_ascii_case("chunked");
            head.close |= !head.chunked;
        } else if h.name.eq_ignore_ascii_case("connection") {
            head.close |= value.split(',').any(|t| t.trim().eq_ignore_ascii_case("close"));
        }
    }
    if head.chunked {
        head.content_length = None;
    }
    Ok(Some(head))
}

/// Reads a whole response (skipping `1xx` heads), with a body of at most `limit` bytes.
/// `buf` is scratch space kept by the caller between requests.
pub fn read_response(
    conn: &mut Conn,
    ctx: &CallCtx,
    patience: Duration,
    limit: usize,
    buf: &mut Vec<u8>,
) -> Result<Response, ReadError> {
    buf.clear();
    let head = loop {
        let head = read_head(conn, ctx, patience, buf)?;
        if (100..200).contains(&head.status) && head.status != 101 {
            buf.drain(..head.len);
            continue;
        }
        break head;
    };
    buf.drain(..head.len);
    let too_large = |declared| ReadError::TooLarge { status: head.status, declared };
    let mut reusable = !head.close;
    let body = if head.status == 204 || head.status == 304 {
        Vec::new()
    } else if head.chunked {
        read_chunked(conn, ctx, patience, limit, buf).map_err(|e| match e {
            ReadError::TooLarge { .. } => too_large(None),
            other => other,
        })?
    } else if let Some(n) = head.content_length {
        if n > limit as u64 {
            return Err(too_large(Some(n)));
        }
        let n = n as usize;
        let mut body = Vec::with_capacity(n);
        let have = buf.len().min(n);
        body.extend_from_slice(&buf[..have]);
        reusable &= buf.len() == have;
        body.resize(n, 0);
        let mut at = have;
        while at < n {
            let got = conn.read(&mut body[at..], ctx, patience, "reading the response body")?;
            if got == 0 {
                return Err(ReadError::Stop(Stop::Eof));
            }
            at += got;
        }
        body
    } else {
        // Delimited by the connection closing.
        reusable = false;
        let mut body = std::mem::take(buf);
        loop {
            if body.len() > limit {
                return Err(too_large(None));
            }
            if fill(conn, ctx, patience, &mut body, "reading the response body")? == 0 {
                break body;
            }
        }
    };
    Ok(Response { status: head.status, body, reusable })
}

/// Decodes a chunked body whose first bytes are in `buf`.
fn read_chunked(
    conn: &mut Conn,
    ctx: &CallCtx,
    patience: Duration,
    limit: usize,
    buf: &mut Vec<u8>,
) -> Result<Vec<u8>, ReadError> {
    let mut body = Vec::new();
    let mut pos = 0;
    let more = |conn: &mut Conn, buf: &mut Vec<u8>| -> Result<(), ReadError> {
        match fill(conn, ctx, patience, buf, "reading the response body")? {
            0 => Err(ReadError::Stop(Stop::Eof)),
            _ => Ok(()),
        }
    };
    loop {
        let (used, size) = match httparse::parse_chunk_size(&buf[pos..]) {
            Ok(httparse::Status::Complete(v)) => v,
            Ok(httparse::Status::Partial) => {
                more(conn, buf)?;
                continue;
            }
            Err(_) => return Err(ReadError::Malformed("bad chunk size in a chunked body".into())),
        };
        if size == 0 {
            pos += used;
            break;
        }
        if body.len() as u64 + size > limit as u64 {
            return Err(ReadError::TooLarge { status: 0, declared: None });
        }
        let size = size as usize;
        while buf.len() < pos + used + size + 2 {
            // Keep the scratch buffer small: drop what was decoded already.
            buf.drain(..pos);
            pos = 0;
            more(conn, buf)?;
        }
        let data = pos + used;
        body.extend_from_slice(&buf[data..data + size]);
        if &buf[data + size..data + size + 2] != b"\r\n" {
            return Err(ReadError::Malformed("a chunk does not end with CRLF".into()));
        }
        pos = data + size + 2;
    }
    // Trailer fields up to the empty line.
    loop {
        match buf[pos..].windows(2).position(|w| w == b"\r\n") {
            Some(0) => {
                pos += 2;
                break;
            }
            Some(i) => pos += i + 2,
            None => {
                if buf.len() - pos > MAX_HEAD {
                    return Err(ReadError::Malformed("chunked trailers are too long".into()));
                }
                more(conn, buf)?;
            }
        }
    }
    buf.drain(..pos);
    Ok(body)
}

/// Opens a tunnel through an HTTP proxy: `CONNECT host:port`, expecting a 2xx.
pub fn connect_tunnel(
    conn: &mut Conn,
    target: &Target,
    proxy_auth: Option<&str>,
    ctx: &CallCtx,
    patience: Duration,
) -> Result<Result<(), u16>, ReadError> {
    let authority = target.addr();
    let mut req = format!("CONNECT {authority} HTTP/1.1\r\nHost: {authority}\r\n");
    if let Some(auth) = proxy_auth {
        req.push_str(&format!("Proxy-Authorization: {auth}\r\n"));
    }
    req.push_str("\r\n");
    conn.write_all(req.as_bytes(), ctx, patience, "asking the proxy for a tunnel")?;
    let mut buf = Vec::new();
    let head = read_head(conn, ctx, patience, &mut buf)?;
    if !(200..300).contains(&head.status) {
        return Ok(Err(head.status));
    }
    if buf.len() != head.len {
        return Err(ReadError::Malformed("the proxy sent bytes after its CONNECT answer".into()));
    }
    Ok(Ok(()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn targets() {
        let t = Target::parse("https://Console.TIM.qq.com/v4/a/b?x=1").unwrap();
        assert_eq!(
            (t.tls, t.host.as_str(), t.port, t.authority.as_str(), t.path.as_str()),
            (true, "console.tim.qq.com", 443, "console.tim.qq.com", "/v4/a/b?x=1")
        );
        let t = Target::parse("http://127.0.0.1:8080").unwrap();
        assert_eq!((t.port, t.path.as_str(), t.addr()), (8080, "/", "127.0.0.1:8080".to_string()));
        let t = Target::parse("http://[::1]:9/?q").unwrap();
        assert_eq!((t.host.as_str(), t.path.as_str(), t.addr()), ("::1", "/?q", "[::1]:9".to_string()));
        for bad in ["ftp://x", "http://u:p@x/", "http://x/a b", "http://:80/", "http://x:0/"] {
            assert!(Target::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn request_is_one_buffer_and_refuses_header_injection() {
        let req = HttpRequest {
            method: "POST",
            url: "http://h:1/p?q".into(),
            headers: vec![("Content-Type", "application/json".into())],
            body: b"{}".to_vec(),
        };
        let t = Target::parse(&req.url).unwrap();
        let out = encode_request(&req, &t, false, None, "ua").unwrap();
        assert_eq!(
            String::from_utf8(out).unwrap(),
            "POST /p?q HTTP/1.1\r\nHost: h:1\r\nContent-Type: application/json\r\nUser-Agent: ua\r\nContent-Length: 2\r\n\r\n{}"
        );
        let out = encode_request(&req, &t, true, Some("Basic eA=="), "ua").unwrap();
        assert!(String::from_utf8(out).unwrap().starts_with("POST http://h:1/p?q HTTP/1.1\r\n"));
        let mut bad = req.clone();
        bad.headers.push(("X-TC-Region", "ap\r\nX-Evil: 1".into()));
        assert!(encode_request(&bad, &t, false, None, "ua").unwrap_err().contains("X-TC-Region"));
    }

    #[test]
    fn heads() {
        let h = parse_head(b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\nContent-Length: 5\r\n\r\nhello").unwrap().unwrap();
        assert_eq!((h.status, h.content_length, h.chunked, h.close), (200, Some(5), false, false));
        let h = parse_head(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip, chunked\r\nConnection: close\r\n\r\n")
            .unwrap()
            .unwrap();
        assert!(h.chunked && h.close);
        assert!(parse_head(b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\n").is_err());
        assert!(parse_head(b"HTTP/1.1 200 OK\r\nContent-").unwrap().is_none());
        assert!(parse_head(b"HTTP/1.0 200 OK\r\n\r\n").unwrap().unwrap().close);
    }
}
