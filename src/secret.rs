//! `Secret`: a string that never shows itself in `Debug` or `Display` output.

use serde::{Deserialize, Deserializer};
use std::fmt;

/// A secret string (key, token, UserSig). Its `Debug` prints `** redacted **`.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    /// Wraps a value.
    pub fn new(value: impl Into<String>) -> Self {
        Secret(value.into())
    }

    /// The secret itself; call only where it is used (signing, the wire).
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("** redacted **")
    }
}

impl<'de> Deserialize<'de> for Secret {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        String::deserialize(d).map(Secret)
    }
}

impl Drop for Secret {
    // Best effort: wipe the bytes before the allocation is released; black_box
    // keeps the optimiser from dropping the writes.
    fn drop(&mut self) {
        let mut bytes = std::mem::take(&mut self.0).into_bytes();
        bytes.fill(0);
        std::hint::black_box(&bytes);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_is_redacted() {
        let s = Secret::new("topsecret");
        assert_eq!(format!("{s:?}"), "** redacted **");
        assert_eq!(s.expose(), "topsecret");
    }
}
