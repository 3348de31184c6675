//! Client-side token buckets, one per Tencent API, so a busy server stays under
//! Tencent's documented limits instead of collecting 60007 / RequestLimitExceeded.

use super::CallCtx;
use crate::error::{Error, ErrorCode};
use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

#[derive(Debug)]
struct Bucket {
    /// Tokens available now; negative when waiters have reserved future tokens.
    tokens: f64,
    last: Instant,
}

/// A set of token buckets keyed by API name.
#[derive(Debug, Default)]
pub struct RateLimiter {
    buckets: Mutex<HashMap<String, Bucket>>,
}

impl RateLimiter {
    /// Reserves one token for `key` at `per_second` (burst = one second's worth).
    /// Returns how long the caller must wait, or `RATE_LIMITED` when that wait
    /// would exceed `max_wait` (nothing is reserved then).
    pub fn reserve(&self, key: &str, per_second: u32, max_wait: Duration, now: Instant) -> Result<Duration, Error> {
        let rate = f64::from(per_second.max(1));
        let mut buckets = self.buckets.lock().unwrap_or_else(|p| p.into_inner());
        let bucket = buckets.entry(key.to_string()).or_insert(Bucket { tokens: rate, last: now });
        let elapsed = now.saturating_duration_since(bucket.last).as_secs_f64();
        bucket.tokens = (bucket.tokens + elapsed * rate).min(rate);
        bucket.last = now;
        let wait =
            if bucket.tokens >= 1.0 { Duration::ZERO } else { Duration::from_secs_f64((1.0 - bucket.tokens) / rate) };
        if wait > max_wait {
            let mut e = Error::new(
                ErrorCode::RateLimited,
                format!("local rate limit for {key} ({per_second}/s): no slot within {} ms", max_wait.as_millis()),
            );
            e.retryable = true;
            return Err(e);
        }
        bucket.tokens -= 1.0;
        Ok(wait)
    }

    /// Blocks until a token for `key` is available (see `reserve`), within the call's
    /// budget: the wait is bounded by `max_wait` and by what is left of the deadline.
    pub fn acquire(&self, key: &str, per_second: u32, max_wait: Duration, ctx: &CallCtx) -> Result<(), Error> {
        let wait = self.reserve(key, per_second, max_wait.min(ctx.remaining()), Instant::now())?;
        if !wait.is_zero() {
            ctx.note_limiter_wait(wait);
            ctx.log(crate::observe::Level::Debug, "rate_limiter_wait", |m| {
                m.insert("bucket".into(), key.into());
                m.insert("wait_ms".into(), serde_json::json!(wait.as_secs_f64() * 1000.0));
            });
            ctx.sleep(wait, "waiting for the local rate limiter")?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn burst_then_paced_then_refused() {
        let rl = RateLimiter::default();
        let t0 = Instant::now();
        for _ in 0..20 {
            assert_eq!(rl.reserve("DismissRoom", 20, Duration::from_millis(100), t0).unwrap(), Duration::ZERO);
        }
        // The 21st waits 1/20 s; the 22nd would wait 2/20 s; the 23rd exceeds 100 ms.
        assert_eq!(rl.reserve("DismissRoom", 20, Duration::from_millis(100), t0).unwrap(), Duration::from_millis(50));
        assert_eq!(rl.reserve("DismissRoom", 20, Duration::from_millis(100), t0).unwrap(), Duration::from_millis(100));
        let e = rl.reserve("DismissRoom", 20, Duration::from_millis(100), t0).unwrap_err();
        assert_eq!(e.code, ErrorCode::RateLimited);
        // Other APIs have their own bucket; time refills.
        assert_eq!(rl.reserve("RemoveUser", 20, Duration::ZERO, t0).unwrap(), Duration::ZERO);
        assert_eq!(rl.reserve("DismissRoom", 20, Duration::ZERO, t0 + Duration::from_secs(1)).unwrap(), Duration::ZERO);
    }
}
