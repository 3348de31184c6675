//! Best-effort duplicate detection for webhooks: an event's identity is remembered for a
//! time window, in bounded memory (the oldest is forgotten first). One process only: two
//! receivers behind a load balancer each see an event once.

use sha2::{Digest, Sha256};
use std::collections::{HashSet, VecDeque};
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// Remembered event identities.
#[derive(Debug)]
pub struct Dedupe {
    window: Duration,
    capacity: usize,
    seen: Mutex<Seen>,
}

#[derive(Debug, Default)]
struct Seen {
    order: VecDeque<(Instant, u128)>,
    keys: HashSet<u128>,
}

impl Dedupe {
    /// Remembers identities for `window` (zero turns detection off), at most `capacity` of them.
    pub fn new(window: Duration, capacity: usize) -> Dedupe {
        Dedupe { window, capacity: capacity.max(1), seen: Mutex::default() }
    }

    /// Whether `identity` was seen within the window before `now`; remembers it either way.
    pub fn seen_before(&self, identity: &[u8], now: Instant) -> bool {
        if self.window.is_zero() {
            return false;
        }
        // 128 bits of SHA-256: a fixed small entry whatever the identity's length.
        let digest = Sha256::digest(identity);
        let key = u128::from_be_bytes(digest[..16].try_into().expect("16 bytes"));
        let mut s = self.seen.lock().unwrap_or_else(|p| p.into_inner());
        while let Some(&(at, old)) = s.order.front() {
            if now.saturating_duration_since(at) < self.window && s.order.len() < self.capacity {
                break;
            }
            s.order.pop_front();
            s.keys.remove(&old);
        }
        if s.keys.contains(&key) {
            return true;
        }
        s.keys.insert(key);
        s.order.push_back((now, key));
        false
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn window_and_capacity() {
        let d = Dedupe::new(Duration::from_secs(60), 3);
        let t0 = Instant::now();
        assert!(!d.seen_before(b"a", t0));
        assert!(d.seen_before(b"a", t0 + Duration::from_secs(59)));
        // Outside the window it is new again.
        assert!(!d.seen_before(b"a", t0 + Duration::from_secs(120)));
        // Capacity: the oldest goes first.
        let t1 = t0 + Duration::from_secs(200);
        for k in [b"x", b"y", b"z", b"w"] {
            assert!(!d.seen_before(k, t1));
        }
        assert!(!d.seen_before(b"x", t1), "x was pushed out by w");
        assert!(d.seen_before(b"w", t1));
        let off = Dedupe::new(Duration::ZERO, 10);
        assert!(!off.seen_before(b"a", t0) && !off.seen_before(b"a", t0));
    }
}
