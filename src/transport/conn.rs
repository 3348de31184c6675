//! One connection (plain TCP or TLS over TCP) and the only blocking socket I/O of the
//! library: every read and write waits at most one slice of the call's budget.
//!
//! Socket timeouts are cached per connection so a call that is far from its deadline
//! sets them once, not per read.

use super::call::CallCtx;
use rustls::ClientConnection;
use std::io::{self, Read, Write};
use std::net::TcpStream;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// Why an I/O step stopped.
#[derive(Debug)]
pub enum Stop {
    /// The call was cancelled or its deadline passed (the error says which).
    Budget(Box<crate::error::Error>),
    /// The peer stayed silent for the whole per-read (or per-write) timeout.
    Silent,
    /// The connection closed where more was expected.
    Eof,
    /// A socket error.
    Io(io::Error),
    /// A TLS error.
    Tls(rustls::Error),
}

impl Stop {
    /// Wraps a deadline or cancel error.
    pub fn budget(e: crate::error::Error) -> Stop {
        Stop::Budget(Box::new(e))
    }
}

impl From<io::Error> for Stop {
    fn from(e: io::Error) -> Self {
        Stop::Io(e)
    }
}

/// `Read`/`Write` over a shared socket (`&TcpStream` implements both).
struct Sock<'a>(&'a TcpStream);

impl Read for Sock<'_> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        (&mut &*self.0).read(buf)
    }
}

impl Write for Sock<'_> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        (&mut &*self.0).write(buf)
    }
    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

#[derive(Clone, Copy)]
enum Dir {
    Read,
    Write,
}

/// The socket and its cached timeouts.
struct Io {
    tcp: Arc<TcpStream>,
    read_timeout: Option<Duration>,
    write_timeout: Option<Duration>,
}

impl Io {
    fn set_timeout(&mut self, dir: Dir, d: Duration) -> io::Result<()> {
        let cached = match dir {
            Dir::Read => &mut self.read_timeout,
            Dir::Write => &mut self.write_timeout,
        };
        if *cached != Some(d) {
            match dir {
                Dir::Read => self.tcp.set_read_timeout(Some(d))?,
                Dir::Write => self.tcp.set_write_timeout(Some(d))?,
            }
            *cached = Some(d);
        }
        Ok(())
    }

    /// Runs one socket operation, retrying while it times out, until it makes progress,
    /// the peer is silent for `patience`, or the call's budget ends.
    fn wait<T>(
        &mut self,
        ctx: &CallCtx,
        patience: Duration,
        dir: Dir,
        doing: &str,
        mut op: impl FnMut(&TcpStream) -> io::Result<T>,
    ) -> Result<T, Stop> {
        let started = Instant::now();
        ctx.check_quick(doing).map_err(Stop::budget)?;
        let mut first = true;
        loop {
            let silent = started.elapsed();
            if silent >= patience {
                return Err(Stop::Silent);
            }
            // Far from the deadline and without a poll callback, the whole patience is one
            // wait, so the cached socket timeout stays valid across reads.
            let whole = first && !ctx.polls() && ctx.remaining() > patience;
            let slice = if whole { patience } else { ctx.slice(patience - silent) };
            if slice < Duration::from_millis(1) {
                // Less than a socket timeout's resolution is left: of the call's budget
                // (the usual case) or of the patience, whichever is shorter.
                ctx.check(doing).map_err(Stop::budget)?;
                return Err(match ctx.remaining() < patience - silent {
                    true => Stop::budget(ctx.deadline_error(doing)),
                    false => Stop::Silent,
                });
            }
            self.set_timeout(dir, slice)?;
            match op(&self.tcp) {
                Ok(v) => return Ok(v),
                Err(e) if matches!(e.kind(), io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut) => {}
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => {
                    // A cancel shuts the socket down: report the cancel, not the broken pipe.
                    ctx.check_quick(doing).map_err(Stop::budget)?;
                    return Err(Stop::Io(e));
                }
            }
            ctx.check(doing).map_err(Stop::budget)?;
            first = false;
        }
    }
}

/// An open connection.
pub struct Conn {
    io: Io,
    tls: Option<Box<ClientConnection>>,
    /// The process that opened it (a forked child must not share it).
    pub pid: u32,
    /// When it was last returned to the pool.
    pub idle_since: Instant,
}

impl std::fmt::Debug for Conn {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Conn").field("peer", &self.io.tcp.peer_addr().ok()).field("tls", &self.tls.is_some()).finish()
    }
}

impl Conn {
    /// Wraps a connected socket.
    pub fn new(tcp: TcpStream) -> Conn {
        let _ = tcp.set_nodelay(true);
        Conn {
            io: Io { tcp: Arc::new(tcp), read_timeout: None, write_timeout: None },
            tls: None,
            pid: std::process::id(),
            idle_since: Instant::now(),
        }
    }

    /// The socket (registered with a cancel token while a call blocks on it).
    pub fn socket(&self) -> &Arc<TcpStream> {
        &self.io.tcp
    }

    /// For a TLS connection, whether its handshake resumed an earlier session.
    pub fn tls_resumed(&self) -> Option<bool> {
        let kind = self.tls.as_ref()?.handshake_kind()?;
        Some(kind == rustls::HandshakeKind::Resumed)
    }

    /// Runs the TLS handshake of `tls` over this connection.
    pub fn start_tls(&mut self, tls: ClientConnection, ctx: &CallCtx, patience: Duration) -> Result<(), Stop> {
        let mut tls = Box::new(tls);
        while tls.is_handshaking() {
            if tls.wants_write() {
                self.io.wait(ctx, patience, Dir::Write, "in the TLS handshake", |s| tls.write_tls(&mut Sock(s)))?;
            } else if tls.wants_read() {
                let n =
                    self.io.wait(ctx, patience, Dir::Read, "in the TLS handshake", |s| tls.read_tls(&mut Sock(s)))?;
                if n == 0 {
                    return Err(Stop::Eof);
                }
                tls.process_new_packets().map_err(Stop::Tls)?;
            } else {
                break;
            }
        }
        while tls.wants_write() {
            self.io.wait(ctx, patience, Dir::Write, "in the TLS handshake", |s| tls.write_tls(&mut Sock(s)))?;
        }
        self.tls = Some(tls);
        Ok(())
    }

    /// Writes all of `data` (one TLS record batch, or one plain write when the socket
    /// takes it, which it does for Tencent-sized requests).
    pub fn write_all(&mut self, data: &[u8], ctx: &CallCtx, patience: Duration, doing: &str) -> Result<(), Stop> {
        match &mut self.tls {
            None => {
                let mut off = 0;
                while off < data.len() {
                    let n = self.io.wait(ctx, patience, Dir::Write, doing, |mut s| s.write(&data[off..]))?;
                    if n == 0 {
                        return Err(Stop::Eof);
                    }
                    off += n;
                }
            }
            Some(tls) => {
                tls.writer().write_all(data)?;
                while tls.wants_write() {
                    self.io.wait(ctx, patience, Dir::Write, doing, |s| tls.write_tls(&mut Sock(s)))?;
                }
            }
        }
        Ok(())
    }

    /// Reads some bytes into `buf`; `Ok(0)` is the end of the stream.
    pub fn read(&mut self, buf: &mut [u8], ctx: &CallCtx, patience: Duration, doing: &str) -> Result<usize, Stop> {
        let Some(tls) = &mut self.tls else {
            return self.io.wait(ctx, patience, Dir::Read, doing, |mut s| s.read(buf));
        };
        loop {
            match tls.reader().read(buf) {
                Ok(n) => return Ok(n),
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => {}
                // The peer closed without close_notify: the end of the stream for HTTP framing.
                Err(e) if e.kind() == io::ErrorKind::UnexpectedEof => return Ok(0),
                Err(e) => return Err(Stop::Io(e)),
            }
            // At EOF (0 bytes) rustls remembers it, and the next reader() call reports the
            // end of the stream once any buffered plaintext is read.
            self.io.wait(ctx, patience, Dir::Read, doing, |s| tls.read_tls(&mut Sock(s)))?;
            tls.process_new_packets().map_err(Stop::Tls)?;
            while tls.wants_write() {
                self.io.wait(ctx, patience, Dir::Write, doing, |s| tls.write_tls(&mut Sock(s)))?;
            }
        }
    }

    /// Whether an idle pooled connection still looks usable: no byte and no EOF is
    /// waiting (a server that closed it, or sent anything unasked, makes it unusable).
    pub fn looks_alive(&self) -> bool {
        let tcp = &self.io.tcp;
        if tcp.set_nonblocking(true).is_err() {
            return false;
        }
        let mut byte = [0u8; 1];
        let alive = matches!(tcp.peek(&mut byte), Err(e) if e.kind() == io::ErrorKind::WouldBlock);
        alive && tcp.set_nonblocking(false).is_ok()
    }
}
