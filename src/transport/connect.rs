//! Opening a connection: DNS and TCP connect, an optional proxy (HTTP `CONNECT` or
//! SOCKS5), then the TLS handshake. Nothing of the request has been sent yet, so every
//! failure here is "provably not sent".
//!
//! `getaddrinfo` and `connect` cannot be interrupted, so they run on a short-lived helper
//! thread while the calling thread waits in slices of the call's budget; a cancel or the
//! deadline returns at once and the helper ends on its own (within `connect_ms`). This
//! happens once per new connection, never for a pooled one.

use super::call::CallCtx;
use super::conn::{Conn, Stop};
use super::http1::{self, Target};
use super::proxy::{Proxy, ProxyKind};
use std::io;
use std::net::{SocketAddr, TcpStream, ToSocketAddrs};
use std::sync::mpsc;
use std::time::{Duration, Instant};

/// How opening a connection failed.
#[derive(Debug)]
pub enum OpenError {
    /// The name did not resolve.
    Dns(String),
    /// TCP connect failed or timed out, or the budget ended (`Stop`), before the socket opened.
    Connect(Stop),
    /// The proxy refused or failed.
    Proxy(String, Option<Stop>),
    /// The TLS handshake failed.
    Tls(Stop),
    /// TLS could not be set up (e.g. no trust roots): not a network problem.
    Setup(Box<crate::error::Error>),
}

type Resolved = Result<(TcpStream, Option<SocketAddr>), OpenError>;

/// Resolves `host:port` and connects, trying each address with an equal share of `budget`;
/// with `also`, also resolves that name (a SOCKS5 target resolved locally).
fn resolve_and_connect(host: &str, port: u16, budget: Duration, also: Option<(String, u16)>) -> Resolved {
    let started = Instant::now();
    let addrs: Vec<SocketAddr> =
        (host, port).to_socket_addrs().map_err(|_| OpenError::Dns(host.to_string()))?.collect();
    if addrs.is_empty() {
        return Err(OpenError::Dns(host.to_string()));
    }
    let target = match also {
        Some((h, p)) => {
            Some((h.as_str(), p).to_socket_addrs().ok().and_then(|mut a| a.next()).ok_or(OpenError::Dns(h.clone()))?)
        }
        None => None,
    };
    let mut last = io::Error::new(io::ErrorKind::ConnectionRefused, "no address");
    for (i, addr) in addrs.iter().enumerate() {
        let left = budget.saturating_sub(started.elapsed());
        if left.is_zero() {
            return Err(OpenError::Connect(Stop::Silent));
        }
        let share = left / (addrs.len() - i) as u32;
        match TcpStream::connect_timeout(addr, share.max(Duration::from_millis(1))) {
            Ok(s) => return Ok((s, target)),
            Err(e) => last = e,
        }
    }
    Err(OpenError::Connect(match last.kind() {
        io::ErrorKind::TimedOut | io::ErrorKind::WouldBlock => Stop::Silent,
        _ => Stop::Io(last),
    }))
}

/// Connects on a helper thread and waits for it within the call's budget.
fn tcp(host: &str, port: u16, ctx: &CallCtx, connect_timeout: Duration, also: Option<(String, u16)>) -> Resolved {
    let doing = "connecting";
    ctx.check_quick(doing).map_err(|e| OpenError::Connect(Stop::budget(e)))?;
    let budget = connect_timeout.min(ctx.remaining());
    let (tx, rx) = mpsc::sync_channel(1);
    let (h, a) = (host.to_string(), also.clone());
    let spawned = std::thread::Builder::new().name("tccall-connect".into()).spawn(move || {
        let _ = tx.send(resolve_and_connect(&h, port, budget, a));
    });
    if spawned.is_err() {
        // No thread to spare: connect inline (the deadline still bounds the connect).
        return resolve_and_connect(host, port, budget, also);
    }
    let started = Instant::now();
    loop {
        let left = budget.saturating_sub(started.elapsed());
        match rx.recv_timeout(ctx.slice_uninterruptible(left).max(Duration::from_millis(1))) {
            Ok(result) => return result,
            Err(mpsc::RecvTimeoutError::Disconnected) => {
                return Err(OpenError::Connect(Stop::Io(io::Error::other("the connect helper ended"))))
            }
            Err(mpsc::RecvTimeoutError::Timeout) => {
                ctx.check(doing).map_err(|e| OpenError::Connect(Stop::budget(e)))?;
                if started.elapsed() >= budget {
                    return Err(OpenError::Connect(Stop::Silent));
                }
            }
        }
    }
}

/// `Proxy-Authorization: Basic ...` for a proxy with credentials.
pub fn basic_auth(proxy: &Proxy) -> Option<String> {
    use base64::Engine;
    proxy.auth.as_ref().map(|(user, pass)| {
        let raw = format!("{user}:{}", pass.expose());
        format!("Basic {}", base64::engine::general_purpose::STANDARD.encode(raw))
    })
}

/// Opens a connection to `target` (through `proxy` when given), TLS included when the
/// target is `https://`. `tls` builds the rustls connection for the target's name.
pub fn open(
    target: &Target,
    proxy: Option<&Proxy>,
    ctx: &CallCtx,
    connect_timeout: Duration,
    patience: Duration,
    tls: impl FnOnce() -> Result<rustls::ClientConnection, OpenError>,
) -> Result<Conn, OpenError> {
    let (host, port, also) = match proxy {
        Some(p) if p.kind == (ProxyKind::Socks5 { remote_dns: false }) => {
            (p.host.as_str(), p.port, Some((target.host.clone(), target.port)))
        }
        Some(p) => (p.host.as_str(), p.port, None),
        None => (target.host.as_str(), target.port, None),
    };
    let (stream, resolved) = tcp(host, port, ctx, connect_timeout, also)?;
    let mut conn = Conn::new(stream);
    let _attached = ctx.attach(conn.socket());
    match proxy {
        Some(p) if p.kind == ProxyKind::Http && target.tls => {
            let auth = basic_auth(p);
            match http1::connect_tunnel(&mut conn, target, auth.as_deref(), ctx, patience) {
                Ok(Ok(())) => {}
                Ok(Err(407)) => return Err(OpenError::Proxy("the proxy requires authentication (407)".into(), None)),
                Ok(Err(status)) => {
                    return Err(OpenError::Proxy(format!("the proxy refused the tunnel (HTTP {status})"), None))
                }
                Err(http1::ReadError::Stop(s)) => {
                    return Err(OpenError::Proxy("the proxy tunnel failed".into(), Some(s)))
                }
                Err(_) => {
                    return Err(OpenError::Proxy("the proxy answered CONNECT with something not HTTP".into(), None))
                }
            }
        }
        Some(p @ Proxy { kind: ProxyKind::Socks5 { .. }, .. }) => {
            socks5(&mut conn, p, target, resolved, ctx, patience)?;
        }
        _ => {}
    }
    if target.tls {
        let session = tls()?;
        conn.start_tls(session, ctx, patience).map_err(OpenError::Tls)?;
    }
    Ok(conn)
}

fn read_exact(conn: &mut Conn, buf: &mut [u8], ctx: &CallCtx, patience: Duration) -> Result<(), Stop> {
    let mut at = 0;
    while at < buf.len() {
        match conn.read(&mut buf[at..], ctx, patience, "talking to the SOCKS proxy")? {
            0 => return Err(Stop::Eof),
            n => at += n,
        }
    }
    Ok(())
}

/// The SOCKS5 greeting, optional user/password (RFC 1929) and CONNECT (RFC 1928).
fn socks5(
    conn: &mut Conn,
    proxy: &Proxy,
    target: &Target,
    resolved: Option<SocketAddr>,
    ctx: &CallCtx,
    patience: Duration,
) -> Result<(), OpenError> {
    let fail = |what: &str| OpenError::Proxy(format!("SOCKS5 proxy: {what}"), None);
    let io = |s: Stop| OpenError::Proxy("SOCKS5 proxy: the connection failed".into(), Some(s));
    let doing = "talking to the SOCKS proxy";
    let greeting: &[u8] = if proxy.auth.is_some() { &[5, 2, 0, 2] } else { &[5, 1, 0] };
    conn.write_all(greeting, ctx, patience, doing).map_err(io)?;
    let mut reply = [0u8; 2];
    read_exact(conn, &mut reply, ctx, patience).map_err(io)?;
    match (reply[0], reply[1], &proxy.auth) {
        (5, 0, _) => {}
        (5, 2, Some((user, pass))) => {
            let (u, p) = (user.as_bytes(), pass.expose().as_bytes());
            if u.len() > 255 || p.len() > 255 {
                return Err(fail("user name or password longer than 255 bytes"));
            }
            let mut msg = vec![1, u.len() as u8];
            msg.extend_from_slice(u);
            msg.push(p.len() as u8);
            msg.extend_from_slice(p);
            conn.write_all(&msg, ctx, patience, doing).map_err(io)?;
            read_exact(conn, &mut reply, ctx, patience).map_err(io)?;
            if reply[1] != 0 {
                return Err(fail("the proxy rejected the user name or password"));
            }
        }
        (5, 0xff, _) | (5, 2, None) => return Err(fail("no acceptable authentication method")),
        _ => return Err(fail("the proxy does not speak SOCKS5")),
    }
    let mut req = vec![5, 1, 0];
    match resolved {
        Some(SocketAddr::V4(a)) => {
            req.push(1);
            req.extend_from_slice(&a.ip().octets());
        }
        Some(SocketAddr::V6(a)) => {
            req.push(4);
            req.extend_from_slice(&a.ip().octets());
        }
        None => {
            let name = target.host.as_bytes();
            if name.len() > 255 {
                return Err(fail("host name longer than 255 bytes"));
            }
            req.push(3);
            req.push(name.len() as u8);
            req.extend_from_slice(name);
        }
    }
    req.extend_from_slice(&target.port.to_be_bytes());
    conn.write_all(&req, ctx, patience, doing).map_err(io)?;
    let mut head = [0u8; 4];
    read_exact(conn, &mut head, ctx, patience).map_err(io)?;
    if head[1] != 0 {
        return Err(fail(&format!("CONNECT refused (reply code {})", head[1])));
    }
    let rest = match head[3] {
        1 => 4 + 2,
        4 => 16 + 2,
        3 => {
            let mut len = [0u8; 1];
            read_exact(conn, &mut len, ctx, patience).map_err(io)?;
            usize::from(len[0]) + 2
        }
        _ => return Err(fail("malformed CONNECT reply")),
    };
    let mut skip = vec![0u8; rest];
    read_exact(conn, &mut skip, ctx, patience).map_err(io)?;
    Ok(())
}
