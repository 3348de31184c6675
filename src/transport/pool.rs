//! Idle keep-alive connections, per (scheme, host, port), newest first.
//!
//! Fork safety: a pooled connection belongs to the process that opened it. A forked child
//! (gunicorn, uWSGI, pre-fork C servers) that used its parent's pooled socket would share
//! one TCP stream with the parent, and the two would read each other's answers. So the
//! pool remembers its process id; the first use in another process drops the inherited
//! connections without closing them (closing is the parent's business, and a TLS alert
//! from the child would corrupt the parent's stream) and starts empty.

use super::conn::Conn;
use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, MutexGuard};
use std::time::{Duration, Instant};

/// What identifies interchangeable connections.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct PoolKey {
    /// TLS or not.
    pub tls: bool,
    /// Host name.
    pub host: String,
    /// Port.
    pub port: u16,
}

/// Counters of what the pool did (read by tests and stats).
#[derive(Debug, Default)]
pub struct PoolCounters {
    /// Connections opened.
    pub opened: AtomicU64,
    /// Requests sent on a pooled connection.
    pub reused: AtomicU64,
    /// TLS handshakes completed.
    pub handshakes: AtomicU64,
    /// Times a forked child dropped its parent's connections.
    pub fork_resets: AtomicU64,
}

#[derive(Debug)]
struct State {
    pid: u32,
    idle: HashMap<PoolKey, Vec<Conn>>,
}

/// The pool.
#[derive(Debug)]
pub struct Pool {
    state: Mutex<State>,
    max_per_host: usize,
    max_idle: Duration,
    /// What happened, for tests and stats.
    pub counters: PoolCounters,
}

/// A connection idle for longer than this is probed before reuse (three system calls):
/// a server that closed it meanwhile is seen, and the request goes on a fresh one. A
/// connection reused sooner (a busy client) is trusted, as the FIN of a closing server
/// takes a round trip to arrive anyway.
const PROBE_AFTER: Duration = Duration::from_millis(50);

impl Pool {
    /// A pool keeping at most `max_per_host` idle connections per key, each for at most `max_idle`.
    pub fn new(max_per_host: usize, max_idle: Duration) -> Pool {
        Pool {
            state: Mutex::new(State { pid: std::process::id(), idle: HashMap::new() }),
            max_per_host,
            max_idle,
            counters: PoolCounters::default(),
        }
    }

    /// The state, emptied first if this is a forked child's first use.
    fn state(&self) -> MutexGuard<'_, State> {
        let mut s = self.state.lock().unwrap_or_else(|p| p.into_inner());
        let pid = std::process::id();
        if s.pid != pid {
            for conn in std::mem::take(&mut s.idle).into_values().flatten() {
                std::mem::forget(conn);
            }
            s.pid = pid;
            self.counters.fork_resets.fetch_add(1, Ordering::Relaxed);
        }
        s
    }

    /// A usable idle connection for `key`, if any.
    pub fn take(&self, key: &PoolKey) -> Option<Conn> {
        let now = Instant::now();
        loop {
            let conn = self.state().idle.get_mut(key)?.pop()?;
            let idle = now.saturating_duration_since(conn.idle_since);
            if idle < self.max_idle && (idle < PROBE_AFTER || conn.looks_alive()) {
                self.counters.reused.fetch_add(1, Ordering::Relaxed);
                return Some(conn);
            }
        }
    }

    /// Returns a connection for reuse (the oldest is dropped beyond the per-host limit).
    pub fn put(&self, key: PoolKey, mut conn: Conn) {
        // `state()` knows this process's pid (one getpid per take or put, not two).
        let mut s = self.state();
        if conn.pid != s.pid {
            std::mem::forget(conn);
            return;
        }
        let now = Instant::now();
        conn.idle_since = now;
        let list = s.idle.entry(key).or_default();
        // Oldest first: drop the expired ones and any beyond the per-host limit.
        let expired = list.iter().take_while(|c| now.saturating_duration_since(c.idle_since) >= self.max_idle).count();
        let excess = (list.len() - expired + 1).saturating_sub(self.max_per_host);
        list.drain(..expired + excess);
        list.push(conn);
    }
}
