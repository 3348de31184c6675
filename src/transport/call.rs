//! One call's budget: a deadline over every phase (DNS, connect, TLS, send, each read,
//! retries, backoff and limiter waits) and an optional cancel token.
//!
//! Blocking waits are cut into slices no longer than what is left of the deadline (and
//! the token's poll interval, when it has a poll callback). A cancel from another thread
//! also shuts down the socket the call is using, so a blocked read or write returns at
//! once instead of at the end of its slice.

use crate::error::{Error, ErrorCode};
use crate::observe::{Level, Logger};
use serde_json::{Map, Value};
use std::net::{Shutdown, TcpStream};
use std::sync::atomic::{AtomicBool, AtomicU32, AtomicU64, Ordering};
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::time::{Duration, Instant};

/// How often a wait that a cancel cannot interrupt looks at the token.
const WAKE: Duration = Duration::from_millis(50);

/// A poll callback: asked between wait slices whether the call should stop.
pub struct Poll {
    check: Box<dyn Fn() -> bool + Send + Sync>,
    every: Duration,
}

impl Poll {
    /// `check` returns `true` to cancel; it runs on the calling thread, at most `every` apart
    /// while the call is blocked (never while it makes progress).
    pub fn new(check: Box<dyn Fn() -> bool + Send + Sync>, every: Duration) -> Poll {
        Poll { check, every: every.max(Duration::from_millis(1)) }
    }
}

#[derive(Default)]
struct Shared {
    /// Sockets of calls in flight under this token (shut down by `cancel`).
    sockets: Vec<Arc<TcpStream>>,
    poll: Option<Arc<Poll>>,
}

#[derive(Default)]
struct State {
    cancelled: AtomicBool,
    shared: Mutex<Shared>,
    wake: Condvar,
}

/// A cancel token, shared by the caller and the calls it may cancel. Cloning shares it.
/// Once cancelled it stays cancelled: calls started with it fail at once.
#[derive(Clone, Default)]
pub struct Cancel(Arc<State>);

impl std::fmt::Debug for Cancel {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Cancel").field("cancelled", &self.is_cancelled()).finish()
    }
}

impl Cancel {
    /// A new, uncancelled token.
    pub fn new() -> Cancel {
        Cancel::default()
    }

    fn shared(&self) -> MutexGuard<'_, Shared> {
        self.0.shared.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Cancels every call using this token, from any thread.
    pub fn cancel(&self) {
        self.0.cancelled.store(true, Ordering::SeqCst);
        let shared = self.shared();
        for s in &shared.sockets {
            let _ = s.shutdown(Shutdown::Both);
        }
        self.0.wake.notify_all();
    }

    /// Whether `cancel` was called.
    pub fn is_cancelled(&self) -> bool {
        self.0.cancelled.load(Ordering::SeqCst)
    }

    /// Sets (or clears) the poll callback used by calls started after this.
    pub fn set_poll(&self, poll: Option<Poll>) {
        self.shared().poll = poll.map(Arc::new);
    }
}

/// What one call did below the client, for its stats and log: requests sent, retries,
/// time spent waiting for the rate limiter; and the logger the layers below write to.
pub struct Probe {
    op: &'static str,
    logger: Arc<Logger>,
    attempts: AtomicU32,
    retries: AtomicU32,
    limiter_wait_us: AtomicU64,
    already_ended: AtomicBool,
}

impl Probe {
    /// A probe for one call of `op`.
    pub fn new(op: &'static str, logger: &Arc<Logger>) -> Arc<Probe> {
        Arc::new(Probe {
            op,
            logger: logger.clone(),
            attempts: AtomicU32::new(0),
            retries: AtomicU32::new(0),
            limiter_wait_us: AtomicU64::new(0),
            already_ended: AtomicBool::new(false),
        })
    }

    /// Requests attempted (every step of a composite call counts).
    pub fn attempts(&self) -> u32 {
        self.attempts.load(Ordering::Relaxed)
    }

    /// Attempts that were retries.
    pub fn retries(&self) -> u32 {
        self.retries.load(Ordering::Relaxed)
    }

    /// Whether a request of the call succeeded as `already_ended` (its retry found the
    /// target gone after an attempt whose outcome was unknown).
    pub fn already_ended(&self) -> bool {
        self.already_ended.load(Ordering::Relaxed)
    }

    /// Time spent waiting for the local rate limiter.
    pub fn limiter_wait(&self) -> Duration {
        Duration::from_micros(self.limiter_wait_us.load(Ordering::Relaxed))
    }
}

/// The budget of one call.
#[derive(Clone)]
pub struct CallCtx {
    deadline: Instant,
    budget: Duration,
    cancel: Option<Cancel>,
    poll: Option<Arc<Poll>>,
    probe: Option<Arc<Probe>>,
}

impl std::fmt::Debug for CallCtx {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CallCtx").field("budget", &self.budget).field("cancel", &self.cancel).finish_non_exhaustive()
    }
}

impl CallCtx {
    /// A call that must finish within `budget` from now.
    pub fn new(budget: Duration, cancel: Option<&Cancel>) -> CallCtx {
        let poll = cancel.and_then(|c| c.shared().poll.clone());
        CallCtx { deadline: Instant::now() + budget, budget, cancel: cancel.cloned(), poll, probe: None }
    }

    /// The same budget, reporting to `probe`.
    pub fn with_probe(mut self, probe: Arc<Probe>) -> CallCtx {
        self.probe = Some(probe);
        self
    }

    /// Logs `event` at `level` with the fields `fill` adds and the call's operation (built
    /// only when the level is enabled).
    pub fn log(&self, level: Level, event: &str, fill: impl FnOnce(&mut Map<String, Value>)) {
        if let Some(p) = self.probe.as_ref().filter(|p| p.logger.enabled(level)) {
            p.logger.emit(level, event, |m| {
                m.insert("op".into(), p.op.into());
                fill(m);
            });
        }
    }

    /// Counts a request attempt (`retry`: it follows a failed one); returns its number in this call.
    pub fn note_attempt(&self, retry: bool) -> u32 {
        let Some(p) = &self.probe else { return 0 };
        if retry {
            p.retries.fetch_add(1, Ordering::Relaxed);
        }
        p.attempts.fetch_add(1, Ordering::Relaxed) + 1
    }

    /// Marks the call as ended by an earlier attempt (see `Probe::already_ended`).
    pub fn note_already_ended(&self) {
        if let Some(p) = &self.probe {
            p.already_ended.store(true, Ordering::Relaxed);
        }
    }

    /// Adds a wait for the local rate limiter.
    pub fn note_limiter_wait(&self, d: Duration) {
        if let Some(p) = &self.probe {
            p.limiter_wait_us.fetch_add(d.as_micros() as u64, Ordering::Relaxed);
        }
    }

    /// Time left before the deadline.
    pub fn remaining(&self) -> Duration {
        self.deadline.saturating_duration_since(Instant::now())
    }

    /// The longest a single blocking wait may last when the caller wants `want`.
    pub fn slice(&self, want: Duration) -> Duration {
        let mut d = want.min(self.remaining());
        if let Some(p) = &self.poll {
            d = d.min(p.every);
        }
        d
    }

    /// As `slice`, for a wait that a cancel cannot interrupt (a channel, not a socket):
    /// with a cancel token it lasts at most `WAKE`, so a cancel is seen promptly.
    pub fn slice_uninterruptible(&self, want: Duration) -> Duration {
        match &self.cancel {
            Some(_) => self.slice(want).min(WAKE),
            None => self.slice(want),
        }
    }

    /// Whether waits must be sliced (a poll callback is set), so the caller cannot cache
    /// one socket timeout for the whole call.
    pub fn polls(&self) -> bool {
        self.poll.is_some()
    }

    /// Between waits: runs the poll callback, then fails if the call was cancelled or its
    /// deadline passed. `doing` names the phase for the message ("waiting for the response").
    pub fn check(&self, doing: &str) -> Result<(), Error> {
        if let (Some(p), Some(c)) = (&self.poll, &self.cancel) {
            if !c.is_cancelled() && (p.check)() {
                c.cancel();
            }
        }
        self.check_quick(doing)
    }

    /// As `check`, without running the poll callback (before a wait, or after an error).
    pub fn check_quick(&self, doing: &str) -> Result<(), Error> {
        if self.cancel.as_ref().is_some_and(Cancel::is_cancelled) {
            return Err(Error::new(ErrorCode::Cancelled, format!("cancelled while {doing}")));
        }
        if self.remaining().is_zero() {
            return Err(self.deadline_error(doing));
        }
        Ok(())
    }

    /// The error for a call whose deadline passed while `doing`.
    pub fn deadline_error(&self, doing: &str) -> Error {
        Error::new(
            ErrorCode::Timeout,
            format!("the call's deadline ({} ms) passed while {doing}", self.budget.as_millis()),
        )
    }

    /// Sleeps `d` (a backoff or a limiter wait), waking early to fail when cancelled.
    /// Sleeping past the deadline fails at the deadline.
    pub fn sleep(&self, d: Duration, doing: &str) -> Result<(), Error> {
        let until = Instant::now() + d;
        loop {
            self.check(doing)?;
            let left = until.saturating_duration_since(Instant::now());
            if left.is_zero() {
                return Ok(());
            }
            let slice = self.slice(left);
            match &self.cancel {
                Some(c) => {
                    let shared = c.shared();
                    if !c.is_cancelled() {
                        let _ = c.0.wake.wait_timeout(shared, slice);
                    }
                }
                None => std::thread::sleep(slice),
            }
        }
    }

    /// Registers the socket this call is about to block on, so a cancel interrupts it.
    /// Returns a guard that unregisters it.
    pub fn attach(&self, socket: &Arc<TcpStream>) -> Attached<'_> {
        if let Some(c) = &self.cancel {
            let mut shared = c.shared();
            shared.sockets.push(socket.clone());
            // A cancel that raced in before the push has already run its shutdown loop.
            if c.is_cancelled() {
                let _ = socket.shutdown(Shutdown::Both);
            }
        }
        Attached { ctx: self, socket: socket.clone() }
    }
}

/// Unregisters an attached socket when dropped.
pub struct Attached<'a> {
    ctx: &'a CallCtx,
    socket: Arc<TcpStream>,
}

impl Drop for Attached<'_> {
    fn drop(&mut self) {
        if let Some(c) = &self.ctx.cancel {
            c.shared().sockets.retain(|s| !Arc::ptr_eq(s, &self.socket));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn deadline_and_cancel_end_sleeps() {
        let ctx = CallCtx::new(Duration::from_millis(50), None);
        let t0 = Instant::now();
        let e = ctx.sleep(Duration::from_secs(5), "backing off").unwrap_err();
        assert_eq!(e.code, ErrorCode::Timeout);
        assert!(e.message.contains("(50 ms) passed while backing off"), "{}", e.message);
        assert!(t0.elapsed() < Duration::from_secs(1));

        let token = Cancel::new();
        let ctx = CallCtx::new(Duration::from_secs(30), Some(&token));
        let t = token.clone();
        let canceller = std::thread::spawn(move || {
            std::thread::sleep(Duration::from_millis(30));
            t.cancel();
        });
        let t0 = Instant::now();
        let e = ctx.sleep(Duration::from_secs(10), "backing off").unwrap_err();
        canceller.join().unwrap();
        assert_eq!(e.code, ErrorCode::Cancelled);
        assert!(t0.elapsed() < Duration::from_millis(500), "{:?}", t0.elapsed());
        // A cancelled token fails the next call at once.
        assert_eq!(
            CallCtx::new(Duration::from_secs(1), Some(&token)).check("x").unwrap_err().code,
            ErrorCode::Cancelled
        );
    }

    #[test]
    fn poll_callback_cancels_between_slices() {
        let token = Cancel::new();
        let asked = Arc::new(std::sync::atomic::AtomicUsize::new(0));
        let a = asked.clone();
        token.set_poll(Some(Poll::new(
            Box::new(move || a.fetch_add(1, Ordering::SeqCst) >= 2),
            Duration::from_millis(10),
        )));
        let ctx = CallCtx::new(Duration::from_secs(30), Some(&token));
        assert_eq!(ctx.slice(Duration::from_secs(5)), Duration::from_millis(10));
        let e = ctx.sleep(Duration::from_secs(5), "waiting").unwrap_err();
        assert_eq!(e.code, ErrorCode::Cancelled);
        assert_eq!(asked.load(Ordering::SeqCst), 3);
        assert!(token.is_cancelled());
    }
}
