//! The sandbox's own signature checks, written from the spec (`../shared/spec/tencent-apis.md`
//! §4.4 TC3, §6.1-6.3 UserSig, §3.2 callback `Sign`, §3.7 TRTC callback `Sign`), sharing no code with the client's
//! signers in `src/auth/`: a bug shared by both sides would pass every end-to-end test.
//! Only the hash, HMAC, zlib and base64 crates are common. `tests/sandbox_vectors.rs`
//! replays the requests Tencent's official code signed against these checks.

pub mod tc3;
pub mod usersig;

use hmac::{Hmac, Mac};
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

fn hmac(key: &[u8], msg: &[u8]) -> Vec<u8> {
    let mut mac = Hmac::<Sha256>::new_from_slice(key).expect("HMAC takes any key");
    mac.update(msg);
    mac.finalize().into_bytes().to_vec()
}

/// Lower-case hex, a digit table rather than `format!` per byte (every request hashes twice).
pub(crate) fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut s = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        s.push(DIGITS[usize::from(b >> 4)] as char);
        s.push(DIGITS[usize::from(b & 15)] as char);
    }
    s
}

fn sha256_hex(data: &[u8]) -> String {
    hex(&Sha256::digest(data))
}

/// Equal, in time independent of where they differ.
fn same(a: &[u8], b: &[u8]) -> bool {
    a.ct_eq(b).into()
}

/// The callback `Sign` (§3.2): lower-case hex of SHA-256 of the token followed by the
/// decimal `RequestTime`, as the sandbox appends it to webhook URLs.
pub fn callback_sign(token: &str, request_time: u64) -> String {
    sha256_hex(format!("{token}{request_time}").as_bytes())
}

/// The TRTC callback `Sign` header (§3.7): standard base64 (with padding) of
/// HMAC-SHA256 keyed with the console key over the raw body bytes.
pub fn trtc_sign(key: &str, body: &[u8]) -> String {
    use base64::Engine;
    base64::engine::general_purpose::STANDARD.encode(hmac(key.as_bytes(), body))
}

/// The UTC calendar date `YYYY-MM-DD` of unix seconds `t`, counted year by year and month
/// by month (a different method from the client's, on purpose).
pub fn utc_date(t: u64) -> String {
    let leap = |y: u64| (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    let mut days = t / 86_400;
    let mut year = 1970;
    loop {
        let in_year = if leap(year) { 366 } else { 365 };
        if days < in_year {
            break;
        }
        days -= in_year;
        year += 1;
    }
    let lengths = [31, if leap(year) { 29 } else { 28 }, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
    let mut month = 0;
    while days >= lengths[month] {
        days -= lengths[month];
        month += 1;
    }
    format!("{year:04}-{:02}-{:02}", month + 1, days + 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spec_examples() {
        // §3.2's published example.
        assert_eq!(
            callback_sign("xxxxyyyy", 1669872112),
            "17773bc39a671d7b9aa835458704d2a6db81360a5940292b587d6d760d484061"
        );
        // The 103 sample body of trtc.io/document/54912, signed by Python's hmac module.
        let body = "{\n\t\"EventGroupId\":\t1,\n\t\"EventType\":\t103,\n\t\"CallbackTs\":\t1615554923704,\n\t\"EventInfo\":\t{\n\t\t\"RoomId\":\t12345,\n\t\t\"EventTs\":\t1608441737,\n\t\t\"UserId\":\t\"test\",\n\t\t\"UniqueId\":\t1615554922656,\n\t\t\"Role\":\t20,\n\t\t\"Reason\":\t1\n\t}\n}";
        assert_eq!(trtc_sign("sandboxKey123", body.as_bytes()), "TJvrAXsUAoGw3sYfcgeJU7BLoO798A3ovEFfrEYUzNQ=");
        assert_eq!(trtc_sign("", b""), "thNnmggU2ex3L5XXeMNfxf8Wl8STcVZTxscSFEKSxa0=");
        for (t, d) in
            [(0, "1970-01-01"), (1700000000, "2023-11-14"), (951_782_400, "2000-02-29"), (4_102_444_800, "2100-01-01")]
        {
            assert_eq!(utc_date(t), d);
        }
    }
}
