//! The IM callback authentication: `Sign = hex(sha256(token + RequestTime))`
//! (plain SHA-256 of the concatenation, not HMAC).

use super::{constant_time_eq, sha256_hex};

/// The `Sign` Tencent appends for `token` at `request_time` (the decimal string as sent).
pub fn sign(token: &str, request_time: &str) -> String {
    let mut data = String::with_capacity(token.len() + request_time.len());
    data.push_str(token);
    data.push_str(request_time);
    sha256_hex(data.as_bytes())
}

/// Whether `given` is the right `Sign`; the comparison is constant-time and
/// case-insensitive in the hex digits.
pub fn verify(token: &str, request_time: &str, given: &str) -> bool {
    let want = sign(token, request_time);
    constant_time_eq(want.as_bytes(), given.to_ascii_lowercase().as_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn published_example() {
        // The worked example of Tencent's callback-authentication doc.
        let s = sign("xxxxyyyy", "1669872112");
        assert_eq!(s, "17773bc39a671d7b9aa835458704d2a6db81360a5940292b587d6d760d484061");
        assert!(verify("xxxxyyyy", "1669872112", &s));
        assert!(verify("xxxxyyyy", "1669872112", &s.to_uppercase()));
        assert!(!verify("xxxxyyyz", "1669872112", &s));
        assert!(!verify("xxxxyyyy", "1669872113", &s));
    }
}
