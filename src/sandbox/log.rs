//! The request log: every API request and webhook delivery, without secrets
//! (the identifier and path are logged, never the UserSig or Authorization).

use serde_json::{Map, Value};
use std::collections::VecDeque;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;

/// Entries kept; the oldest are dropped first (a long-running sandbox stays bounded).
const MAX_ENTRIES: usize = 10_000;

/// A bounded, thread-safe log of JSON entries.
#[derive(Debug, Default)]
pub struct Log {
    entries: Mutex<VecDeque<Value>>,
    seq: AtomicU64,
}

impl Log {
    /// Appends an entry; `seq` and `time_ms` are put first.
    pub fn push(&self, fields: Map<String, Value>) {
        let mut entry = Map::new();
        entry.insert("seq".into(), Value::from(self.seq.fetch_add(1, Ordering::Relaxed) + 1));
        entry.insert("time_ms".into(), Value::from(now_ms()));
        entry.extend(fields);
        let mut entries = self.entries.lock().unwrap_or_else(|p| p.into_inner());
        if entries.len() >= MAX_ENTRIES {
            entries.pop_front();
        }
        entries.push_back(Value::Object(entry));
    }

    /// Every entry, oldest first.
    pub fn snapshot(&self) -> Vec<Value> {
        self.entries.lock().unwrap_or_else(|p| p.into_inner()).iter().cloned().collect()
    }

    /// Forgets every entry.
    pub fn clear(&self) {
        self.entries.lock().unwrap_or_else(|p| p.into_inner()).clear();
    }
}

/// Unix time in milliseconds.
pub fn now_ms() -> u64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_millis() as u64).unwrap_or(0)
}
