//! What a client did, for operators: structured log events through a callback, and
//! always-on counters and latency histograms (`stats`).
//!
//! Log events are JSON objects, one per attempt and per decision, built only when their
//! level is enabled (a disabled logger costs one atomic load). They name operations,
//! hosts, codes and Tencent's RequestIds; never a key, a UserSig, a token, an
//! `Authorization` header, a URL query (IM queries carry the UserSig) or a proxy password.

use crate::api::{OpSpec, OPERATIONS};
use crate::error::ErrorCode;
use crate::transport::call::Probe;
use crate::transport::PoolCounters;
use serde_json::{json, Map, Value};
use std::sync::atomic::{AtomicI32, AtomicU64, Ordering::Relaxed};
use std::sync::{Arc, OnceLock, RwLock};
use std::time::Duration;

/// Defines `Level` from one table: variant, number, C name, name in events.
macro_rules! log_levels {
    ($($variant:ident = $num:literal, $cname:literal, $name:literal;)*) => {
        /// Log levels (`TCCALL_LOG_*` in the header): an event is passed on when its level
        /// is at or below the level set.
        #[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
        #[repr(i32)]
        pub enum Level { $(#[doc = $name] $variant = $num,)* }

        impl Level {
            /// The level for a number (`None` for 0 = off, or out of range).
            pub fn from_i32(n: i32) -> Option<Level> {
                match n { $($num => Some(Level::$variant),)* _ => None }
            }

            /// Its name in events (`"info"`).
            pub fn name(self) -> &'static str {
                match self { $(Level::$variant => $name,)* }
            }
        }
    };
}

// Read by build.rs for the header's #defines (the `Variant = n, "TCCALL_...", c"..."` lines).
log_levels! {
    Error = 1, "TCCALL_LOG_ERROR", "error";
    Warn = 2, "TCCALL_LOG_WARN", "warn";
    Info = 3, "TCCALL_LOG_INFO", "info";
    Debug = 4, "TCCALL_LOG_DEBUG", "debug";
}

/// Where log events go: `(level, event JSON)`, called on the thread making the call.
pub type Sink = dyn Fn(Level, &str) + Send + Sync;

/// A client's logger.
#[derive(Default)]
pub struct Logger {
    /// The highest level passed on; 0 is off.
    level: AtomicI32,
    sink: RwLock<Option<Arc<Sink>>>,
}

impl std::fmt::Debug for Logger {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Logger").field("level", &self.level.load(Relaxed)).finish()
    }
}

impl Logger {
    /// Sends events up to `level` to `sink`; `None` turns logging off.
    pub fn set(&self, level: Level, sink: Option<Arc<Sink>>) {
        let on = sink.is_some();
        *self.sink.write().unwrap_or_else(|p| p.into_inner()) = sink;
        self.level.store(if on { level as i32 } else { 0 }, Relaxed);
    }

    /// Whether events at `level` are passed on.
    #[inline]
    pub fn enabled(&self, level: Level) -> bool {
        level as i32 <= self.level.load(Relaxed)
    }

    /// Emits `event` at `level` with the fields `fill` adds (called only when enabled).
    pub fn emit(&self, level: Level, event: &str, fill: impl FnOnce(&mut Map<String, Value>)) {
        if !self.enabled(level) {
            return;
        }
        let sink = self.sink.read().unwrap_or_else(|p| p.into_inner()).clone();
        let Some(sink) = sink else { return };
        let mut m = Map::new();
        m.insert("ts_ms".into(), crate::transport::unix_now_ms().into());
        m.insert("level".into(), level.name().into());
        m.insert("event".into(), event.into());
        fill(&mut m);
        // A panicking sink must not take the call down with it.
        let text = Value::Object(m).to_string();
        let _ = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| sink(level, &text)));
    }
}

/// A latency histogram: fixed log-scale buckets (four per doubling, from 1 µs to ~2 h),
/// so recording is one atomic add and memory is fixed.
pub struct Histogram {
    buckets: [AtomicU64; BUCKETS],
    max_us: AtomicU64,
}

const BUCKETS: usize = 128;

impl Default for Histogram {
    fn default() -> Self {
        Histogram { buckets: std::array::from_fn(|_| AtomicU64::new(0)), max_us: AtomicU64::new(0) }
    }
}

impl Histogram {
    /// The bucket of `us`: 0..4 hold 0..3 µs exactly; above, four buckets per doubling.
    fn bucket(us: u64) -> usize {
        if us < 4 {
            return us as usize;
        }
        let log = 63 - us.leading_zeros() as usize;
        let frac = ((us >> (log - 2)) & 3) as usize;
        (log * 4 + frac - 4).min(BUCKETS - 1)
    }

    /// The largest value in bucket `i`, in µs.
    fn upper(i: usize) -> u64 {
        if i < 4 {
            return i as u64;
        }
        let (log, frac) = ((i + 4) / 4, ((i + 4) % 4) as u64);
        let step = 1u64 << (log - 2);
        (1u64 << log) + step * (frac + 1) - 1
    }

    /// Records one duration.
    pub fn record(&self, d: Duration) {
        let us = d.as_micros().min(u64::MAX as u128) as u64;
        self.buckets[Self::bucket(us)].fetch_add(1, Relaxed);
        self.max_us.fetch_max(us, Relaxed);
    }

    /// p50, p90, p99 (each the upper edge of its bucket, at most the maximum) and max, in ms.
    pub fn summary(&self) -> Value {
        let counts: Vec<u64> = self.buckets.iter().map(|b| b.load(Relaxed)).collect();
        let total: u64 = counts.iter().sum();
        let max = self.max_us.load(Relaxed);
        let pct = |p: f64| -> Value {
            if total == 0 {
                return Value::Null;
            }
            let want = ((total as f64) * p).ceil().max(1.0) as u64;
            let mut seen = 0;
            for (i, c) in counts.iter().enumerate() {
                seen += c;
                if seen >= want {
                    return json!(Self::upper(i).min(max) as f64 / 1000.0);
                }
            }
            json!(max as f64 / 1000.0)
        };
        json!({"p50": pct(0.5), "p90": pct(0.9), "p99": pct(0.99), "max": if total == 0 { Value::Null } else { json!(max as f64 / 1000.0) }})
    }
}

/// One operation's counters.
pub struct OpStats {
    /// Calls made.
    pub calls: AtomicU64,
    /// Calls that succeeded.
    pub ok: AtomicU64,
    /// Failed calls by code (indexed like `ErrorCode::ALL`).
    errors: Vec<AtomicU64>,
    /// Attempts beyond the first.
    pub retries: AtomicU64,
    /// Successes reported as `already_ended`.
    pub already_ended: AtomicU64,
    /// Calls that waited for the local rate limiter.
    pub limiter_waits: AtomicU64,
    /// Total limiter wait, µs.
    pub limiter_wait_us: AtomicU64,
    /// Call latency.
    pub latency: Histogram,
}

impl Default for OpStats {
    fn default() -> Self {
        OpStats {
            calls: AtomicU64::new(0),
            ok: AtomicU64::new(0),
            errors: ErrorCode::ALL.iter().map(|_| AtomicU64::new(0)).collect(),
            retries: AtomicU64::new(0),
            already_ended: AtomicU64::new(0),
            limiter_waits: AtomicU64::new(0),
            limiter_wait_us: AtomicU64::new(0),
            latency: Histogram::default(),
        }
    }
}

/// The client's counters; cheap enough to leave on (a few relaxed atomic adds per call).
/// An operation's counters (~1.4 KiB with its histogram) are allocated at its first call,
/// so a client costs memory only for the operations it uses (a service holding one client
/// per tenant holds thousands).
pub struct Stats {
    ops: Vec<OnceLock<Box<OpStats>>>,
    /// Admin UserSigs minted.
    pub admin_usersig_mints: AtomicU64,
}

impl Default for Stats {
    fn default() -> Self {
        Stats { ops: OPERATIONS.iter().map(|_| OnceLock::new()).collect(), admin_usersig_mints: AtomicU64::new(0) }
    }
}

impl std::fmt::Debug for Stats {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Stats")
    }
}

impl Stats {
    /// The counters of `op` (allocated at its first use).
    pub fn op(&self, op: &OpSpec) -> &OpStats {
        let i = OPERATIONS.iter().position(|o| std::ptr::eq(*o, op)).expect("every operation is in the table");
        self.ops[i].get_or_init(Box::default)
    }

    /// Records a finished call.
    pub fn record(&self, op: &OpSpec, outcome: Result<bool, ErrorCode>, probe: &Probe, took: Duration) {
        let s = self.op(op);
        s.calls.fetch_add(1, Relaxed);
        s.retries.fetch_add(u64::from(probe.retries()), Relaxed);
        let waited = probe.limiter_wait();
        if !waited.is_zero() {
            s.limiter_waits.fetch_add(1, Relaxed);
            s.limiter_wait_us.fetch_add(waited.as_micros() as u64, Relaxed);
        }
        match outcome {
            Ok(already_ended) => {
                s.ok.fetch_add(1, Relaxed);
                if already_ended {
                    s.already_ended.fetch_add(1, Relaxed);
                }
            }
            Err(code) => {
                if let Some(i) = ErrorCode::ALL.iter().position(|c| *c == code) {
                    s.errors[i].fetch_add(1, Relaxed);
                }
            }
        }
        s.latency.record(took);
    }

    /// The stats JSON: per operation that was called, and the pool's counters.
    pub fn to_json(&self, pool: &PoolCounters) -> Value {
        let mut ops = Map::new();
        for (spec, s) in OPERATIONS.iter().zip(&self.ops) {
            let Some(s) = s.get() else { continue };
            let calls = s.calls.load(Relaxed);
            if calls == 0 {
                continue;
            }
            let errors: Map<String, Value> = ErrorCode::ALL
                .iter()
                .zip(&s.errors)
                .filter(|(_, n)| n.load(Relaxed) > 0)
                .map(|(c, n)| (c.as_i32().to_string(), n.load(Relaxed).into()))
                .collect();
            ops.insert(
                spec.name.into(),
                json!({
                    "calls": calls,
                    "ok": s.ok.load(Relaxed),
                    "errors": errors,
                    "retries": s.retries.load(Relaxed),
                    "already_ended": s.already_ended.load(Relaxed),
                    "limiter_waits": s.limiter_waits.load(Relaxed),
                    "limiter_wait_ms": s.limiter_wait_us.load(Relaxed) as f64 / 1000.0,
                    "latency_ms": s.latency.summary(),
                }),
            );
        }
        json!({
            "operations": ops,
            "connections": {
                "opened": pool.opened.load(Relaxed),
                "reused": pool.reused.load(Relaxed),
                "tls_handshakes": pool.handshakes.load(Relaxed),
                "fork_resets": pool.fork_resets.load(Relaxed),
            },
            "admin_usersig_mints": self.admin_usersig_mints.load(Relaxed),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn histogram_percentiles() {
        let h = Histogram::default();
        assert_eq!(h.summary(), json!({"p50": null, "p90": null, "p99": null, "max": null}));
        for ms in 1..=100u64 {
            h.record(Duration::from_millis(ms));
        }
        let s = h.summary();
        let (p50, p90, p99, max) = (
            s["p50"].as_f64().unwrap(),
            s["p90"].as_f64().unwrap(),
            s["p99"].as_f64().unwrap(),
            s["max"].as_f64().unwrap(),
        );
        // Buckets are a quarter-doubling wide: at most 25 % above the true value.
        assert!((50.0..=50.0 * 1.25).contains(&p50), "{s}");
        assert!((90.0..=90.0 * 1.25).contains(&p90), "{s}");
        assert!((99.0..=100.0).contains(&p99), "{s}");
        assert_eq!(max, 100.0);
        // Every value falls in the bucket whose range holds it.
        for us in (0..5000).chain([1 << 20, (1 << 20) + 1, 3_600_000_000]) {
            let b = Histogram::bucket(us);
            assert!(us <= Histogram::upper(b), "{us} -> {b}");
            assert!(b == 0 || us > Histogram::upper(b - 1), "{us} -> {b}");
        }
        assert_eq!(Histogram::bucket(u64::MAX), BUCKETS - 1);
    }

    #[test]
    fn logger_levels_and_sink() {
        let log = Logger::default();
        assert!(!log.enabled(Level::Error));
        let got = Arc::new(std::sync::Mutex::new(Vec::new()));
        let g = got.clone();
        log.set(Level::Info, Some(Arc::new(move |l: Level, e: &str| g.lock().unwrap().push((l, e.to_string())))));
        assert!(log.enabled(Level::Info) && !log.enabled(Level::Debug));
        log.emit(Level::Debug, "x", |_| panic!("not built when disabled"));
        log.emit(Level::Info, "call", |m| {
            m.insert("op".into(), "end_call".into());
        });
        let got = got.lock().unwrap();
        assert_eq!(got.len(), 1);
        let v: Value = serde_json::from_str(&got[0].1).unwrap();
        assert_eq!(
            (v["level"].as_str(), v["event"].as_str(), v["op"].as_str()),
            (Some("info"), Some("call"), Some("end_call"))
        );
        assert!(v["ts_ms"].as_u64().unwrap() > 1_600_000_000_000);
    }
}
