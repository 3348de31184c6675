//! UserSig (TLSSigAPIv2) and PrivateMapKey: generation byte-identical to Tencent's
//! official Python library, and verification tolerant of every official variant
//! (any key order and spacing, any zlib level, Go's trailing newline).

use super::{constant_time_eq, hmac_sha256};
use crate::pyjson;
use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use flate2::read::ZlibDecoder;
use flate2::{Compress, FlushCompress, Status};
use serde_json::{Map, Value};
use std::io::Read;

/// Largest inflated UserSig JSON we accept: real ones are a few hundred bytes; this holds
/// the largest userbuf `gen_usersig` takes (64 KiB of base64) with room to spare.
const MAX_INFLATED: u64 = 128 * 1024;

/// Longest token `verify_usersig` takes: a stored-blocks token of the largest JSON above
/// (base64 of 128 KiB plus framing) fits.
pub const MAX_TOKEN_LEN: usize = 176 * 1024;

/// The exact `TLS.*` lines that are HMAC-signed (identifier, sdkappid, time, expire, and userbuf when present).
pub fn content_to_sign(identifier: &str, sdk_app_id: u64, time: u64, expire: u64, userbuf_b64: Option<&str>) -> String {
    let mut s = String::with_capacity(96 + identifier.len() + userbuf_b64.map_or(0, str::len));
    for part in [
        "TLS.identifier:",
        identifier,
        "\nTLS.sdkappid:",
        itoa::Buffer::new().format(sdk_app_id),
        "\nTLS.time:",
        itoa::Buffer::new().format(time),
        "\nTLS.expire:",
        itoa::Buffer::new().format(expire),
        "\n",
    ] {
        s.push_str(part);
    }
    if let Some(ub) = userbuf_b64 {
        s.push_str("TLS.userbuf:");
        s.push_str(ub);
        s.push('\n');
    }
    s
}

/// `TLS.sig`: standard base64 of HMAC-SHA256 keyed with the key's UTF-8 bytes (not hex-decoded).
pub fn sig(key: &str, content: &str) -> String {
    STANDARD.encode(hmac_sha256(key.as_bytes(), content.as_bytes()))
}

/// The JSON text the official Python library writes (its key order and spacing).
pub fn json_text(
    identifier: &str,
    sdk_app_id: u64,
    time: u64,
    expire: u64,
    userbuf_b64: Option<&str>,
    sig: &str,
) -> String {
    let mut s = String::with_capacity(192 + identifier.len() + userbuf_b64.map_or(0, str::len));
    s.push_str("{\"TLS.ver\": \"2.0\", \"TLS.identifier\": ");
    pyjson::write_str(&mut s, identifier);
    for part in [
        ", \"TLS.sdkappid\": ",
        itoa::Buffer::new().format(sdk_app_id),
        ", \"TLS.expire\": ",
        itoa::Buffer::new().format(expire),
        ", \"TLS.time\": ",
        itoa::Buffer::new().format(time),
    ] {
        s.push_str(part);
    }
    if let Some(ub) = userbuf_b64 {
        s.push_str(", \"TLS.userbuf\": ");
        pyjson::write_str(&mut s, ub);
    }
    s.push_str(", \"TLS.sig\": ");
    pyjson::write_str(&mut s, sig);
    s.push('}');
    s
}

/// How the token's JSON is put into its zlib stream. Tencent inflates any valid zlib
/// stream (spec §6.2), so this changes the token's bytes, never whether it is accepted.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Compression {
    /// Stored blocks (no compression), as Tencent's official Go library writes them:
    /// a few hundred nanoseconds, where deflate costs microseconds. The token is ~40 %
    /// longer (about 270 characters for a short user id instead of 190).
    #[default]
    Stored,
    /// zlib level 6, byte-identical to the official Python (and PHP, Node, Java) library.
    Python,
}

/// The names in config (`usersig_compression`), one per variant.
pub const COMPRESSION_NAMES: &[&str] = &["stored", "python"];

impl Compression {
    /// The variant named in config (`COMPRESSION_NAMES`).
    pub fn from_name(name: &str) -> Option<Compression> {
        match name {
            "stored" => Some(Compression::Stored),
            "python" => Some(Compression::Python),
            _ => None,
        }
    }
}

/// Who signs tokens: the app, its secret key, and how tokens are compressed.
#[derive(Clone, Copy)]
pub struct Issuer<'a> {
    /// The SDKAppID.
    pub sdk_app_id: u64,
    /// The app's secret key (HMAC key: its UTF-8 bytes, not hex-decoded).
    pub key: &'a str,
    /// Stored blocks or Python-identical level 6.
    pub compression: Compression,
}

impl std::fmt::Debug for Issuer<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Issuer")
            .field("sdk_app_id", &self.sdk_app_id)
            .field("key", &"<redacted>")
            .field("compression", &self.compression)
            .finish()
    }
}

impl Issuer<'_> {
    /// A UserSig for `identifier` valid from `time` for `expire` seconds. With a `userbuf`
    /// the token carries `TLS.userbuf` (that is how a PrivateMapKey is made).
    pub fn usersig(&self, identifier: &str, expire: u64, time: u64, userbuf: Option<&[u8]>) -> String {
        let app = self.sdk_app_id;
        let ub64 = userbuf.map(|b| STANDARD.encode(b));
        let content = content_to_sign(identifier, app, time, expire, ub64.as_deref());
        let sig = sig(self.key, &content);
        let json = json_text(identifier, app, time, expire, ub64.as_deref(), &sig);
        let zlib = match self.compression {
            Compression::Stored => zlib_stored(json.as_bytes()),
            Compression::Python => zlib6(json.as_bytes()),
        };
        encode_token(&zlib)
    }

    /// A PrivateMapKey: a UserSig carrying the room-permission userbuf. Fails only when
    /// the app id does not fit the userbuf's 32 bits.
    pub fn private_map_key(
        &self,
        identifier: &str,
        expire: u64,
        time: u64,
        room: Room<'_>,
        privilege_map: u32,
    ) -> Option<String> {
        let app = u32::try_from(self.sdk_app_id).ok()?;
        let expire_at = time.wrapping_add(expire) as u32; // the official code masks to 32 bits
        let userbuf = private_map_key_userbuf(identifier, app, room, expire_at, privilege_map);
        Some(self.usersig(identifier, expire, time, Some(&userbuf)))
    }
}

/// Base64 with `*` and `-` for `+` and `/` (UserSig's alphabet); its padding `_` is
/// written over base64's `=` (the engine's pad character is fixed).
const TOKEN_BASE64: base64::engine::GeneralPurpose = base64::engine::GeneralPurpose::new(
    &match base64::alphabet::Alphabet::new("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789*-") {
        Ok(a) => a,
        Err(_) => panic!("a valid alphabet"),
    },
    base64::engine::general_purpose::PAD,
);

/// Base64 of the zlib stream with `+/=` mapped to `*-_`.
fn encode_token(zlib: &[u8]) -> String {
    let mut token = TOKEN_BASE64.encode(zlib);
    let padding = token.bytes().rev().take_while(|b| *b == b'=').count();
    token.truncate(token.len() - padding);
    token.extend(std::iter::repeat_n('_', padding));
    token
}

thread_local! {
    // zlib's deflate state is ~256 KiB; allocating it per token costs more than the
    // compression itself (fresh mmap'd pages), so each thread keeps one and resets it.
    // A reset stream produces exactly the bytes of a fresh one.
    static DEFLATE: std::cell::RefCell<Compress> = std::cell::RefCell::new(Compress::new(flate2::Compression::new(6), true));
}

/// A zlib stream of stored blocks (RFC 1950 header `78 01`, RFC 1951 blocks of at most
/// 65535 bytes, Adler-32): what zlib writes at level 0, without zlib's per-stream state.
fn zlib_stored(data: &[u8]) -> Vec<u8> {
    const MAX_BLOCK: usize = 0xFFFF;
    let mut out = Vec::with_capacity(data.len() + 6 + 5 * (data.len() / MAX_BLOCK + 1));
    out.extend_from_slice(&[0x78, 0x01]);
    let mut blocks = data.chunks(MAX_BLOCK).peekable();
    if blocks.peek().is_none() {
        out.extend_from_slice(&[0x01, 0x00, 0x00, 0xFF, 0xFF]); // one empty final block
    }
    while let Some(block) = blocks.next() {
        let len = block.len() as u16;
        out.push(u8::from(blocks.peek().is_none())); // BFINAL on the last, BTYPE 00 (stored)
        out.extend_from_slice(&len.to_le_bytes());
        out.extend_from_slice(&(!len).to_le_bytes());
        out.extend_from_slice(block);
    }
    out.extend_from_slice(&adler32(data).to_be_bytes());
    out
}

/// Adler-32 (RFC 1950 §8.2), summing in runs of 5552 bytes, the most before a u32 can overflow.
fn adler32(data: &[u8]) -> u32 {
    const MOD: u32 = 65521;
    let (mut a, mut b) = (1u32, 0u32);
    for run in data.chunks(5552) {
        for &byte in run {
            a += u32::from(byte);
            b += a;
        }
        a %= MOD;
        b %= MOD;
    }
    (b << 16) | a
}

/// `zlib.compress(data)` at level 6, byte-identical to CPython's with the same zlib.
fn zlib6(data: &[u8]) -> Vec<u8> {
    DEFLATE.with(|cell| {
        let mut z = cell.borrow_mut();
        z.reset();
        let mut out = Vec::with_capacity(data.len() + 64);
        loop {
            let consumed = z.total_in() as usize;
            match z.compress_vec(&data[consumed..], &mut out, FlushCompress::Finish) {
                Ok(Status::StreamEnd) => return out,
                Ok(_) => out.reserve(out.capacity().max(64)),
                Err(e) => unreachable!("deflate of an in-memory buffer cannot fail: {e}"),
            }
        }
    })
}

/// A TRTC room for a PrivateMapKey.
#[derive(Clone, Copy, Debug)]
pub enum Room<'a> {
    /// A numeric room id.
    Numeric(u32),
    /// A string room id.
    Str(&'a str),
}

/// The binary userbuf of a PrivateMapKey (all integers big-endian). Lengths and
/// bytes are UTF-8, as in the official Go and C++ libraries (Python's code-point
/// variant fails on non-Latin-1 ids). `expire_at` is absolute unix seconds.
pub fn private_map_key_userbuf(
    identifier: &str,
    sdk_app_id: u32,
    room: Room<'_>,
    expire_at: u32,
    privilege_map: u32,
) -> Vec<u8> {
    let (version, room_num, room_str) = match room {
        Room::Numeric(n) => (0u8, n, None),
        Room::Str(s) => (1u8, 0, Some(s)),
    };
    let mut b = Vec::with_capacity(25 + identifier.len() + room_str.map_or(0, str::len));
    b.push(version);
    b.extend_from_slice(&(identifier.len() as u16).to_be_bytes());
    b.extend_from_slice(identifier.as_bytes());
    b.extend_from_slice(&sdk_app_id.to_be_bytes());
    b.extend_from_slice(&room_num.to_be_bytes());
    b.extend_from_slice(&expire_at.to_be_bytes());
    b.extend_from_slice(&privilege_map.to_be_bytes());
    b.extend_from_slice(&0u32.to_be_bytes()); // account type
    if let Some(s) = room_str {
        b.extend_from_slice(&(s.len() as u16).to_be_bytes());
        b.extend_from_slice(s.as_bytes());
    }
    b
}

/// The fields of a decoded UserSig.
#[derive(Clone, Debug, PartialEq)]
pub struct Decoded {
    /// `TLS.identifier`.
    pub identifier: String,
    /// `TLS.sdkappid`.
    pub sdk_app_id: u64,
    /// `TLS.time`.
    pub time: u64,
    /// `TLS.expire` (relative seconds).
    pub expire: u64,
    /// `TLS.userbuf`, still in standard base64.
    pub userbuf_b64: Option<String>,
    /// `TLS.sig`.
    pub sig: String,
}

impl Decoded {
    /// Unix second after which the token is expired.
    pub fn expire_at(&self) -> u64 {
        self.time.saturating_add(self.expire)
    }
}

/// Why a UserSig does not verify. Variants map onto Tencent's REST codes (§6.3 of the spec).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum VerifyError {
    /// Empty string (Tencent 70002).
    Empty,
    /// Not base64, not zlib, not JSON, or a field missing (Tencent 70003).
    Malformed(String),
    /// `TLS.sdkappid` is another app's (Tencent 70014).
    AppMismatch {
        /// The app id inside the token.
        found: u64,
    },
    /// `TLS.identifier` is another user's (Tencent 70013).
    IdentifierMismatch,
    /// Signed with another key (Tencent 70009).
    SigMismatch,
    /// Past `TLS.time + TLS.expire` (Tencent 70001).
    Expired {
        /// When it expired (unix seconds).
        expire_at: u64,
    },
}

impl VerifyError {
    /// A message that names the problem without echoing the token.
    pub fn message(&self) -> String {
        match self {
            VerifyError::Empty => "usersig is empty".into(),
            VerifyError::Malformed(why) => format!("usersig is malformed: {why}"),
            VerifyError::AppMismatch { found } => format!("usersig was issued for SDKAppID {found}, not this app"),
            VerifyError::IdentifierMismatch => "usersig was issued for another user id".into(),
            VerifyError::SigMismatch => "usersig signature does not match (signed with another secret key?)".into(),
            VerifyError::Expired { expire_at } => format!("usersig expired at {expire_at}"),
        }
    }
}

/// Decodes a UserSig without checking its signature.
pub fn decode(usersig: &str) -> Result<Decoded, VerifyError> {
    let usersig = usersig.trim();
    if usersig.is_empty() {
        return Err(VerifyError::Empty);
    }
    let malformed = |why: &str| VerifyError::Malformed(why.to_string());
    let b64: String = usersig
        .chars()
        .map(|c| match c {
            '*' => '+',
            '-' => '/',
            '_' => '=',
            other => other,
        })
        .collect();
    let compressed = STANDARD.decode(b64.as_bytes()).map_err(|_| malformed("not base64"))?;
    let mut json = Vec::new();
    ZlibDecoder::new(compressed.as_slice())
        .take(MAX_INFLATED + 1)
        .read_to_end(&mut json)
        .map_err(|_| malformed("not a zlib stream"))?;
    if json.len() as u64 > MAX_INFLATED {
        return Err(malformed("inflated content too large"));
    }
    let v: Map<String, Value> = serde_json::from_slice(&json).map_err(|_| malformed("content is not a JSON object"))?;
    match v.get("TLS.ver").and_then(Value::as_str) {
        Some("2.0") => {}
        Some(_) => return Err(malformed("TLS.ver is not 2.0 (legacy ECDSA UserSigs are not supported)")),
        None => return Err(malformed("TLS.ver missing")),
    }
    let text = |k: &str| v.get(k).and_then(Value::as_str).map(str::to_string);
    let num = |k: &str| match v.get(k) {
        Some(Value::Number(n)) => n.as_u64(),
        Some(Value::String(s)) => s.parse().ok(),
        _ => None,
    };
    Ok(Decoded {
        identifier: text("TLS.identifier").ok_or_else(|| malformed("TLS.identifier missing"))?,
        sdk_app_id: num("TLS.sdkappid").ok_or_else(|| malformed("TLS.sdkappid missing"))?,
        time: num("TLS.time").ok_or_else(|| malformed("TLS.time missing"))?,
        expire: num("TLS.expire").ok_or_else(|| malformed("TLS.expire missing"))?,
        userbuf_b64: text("TLS.userbuf"),
        sig: text("TLS.sig").ok_or_else(|| malformed("TLS.sig missing"))?,
    })
}

/// Verifies a UserSig for `identifier` of app `sdk_app_id` at unix time `now`.
///
/// Order: decode, app, identifier, signature, expiry. The signature is checked
/// before expiry so a forged token is never reported as merely "expired".
pub fn verify(sdk_app_id: u64, key: &str, identifier: &str, usersig: &str, now: u64) -> Result<Decoded, VerifyError> {
    let d = decode(usersig)?;
    if d.sdk_app_id != sdk_app_id {
        return Err(VerifyError::AppMismatch { found: d.sdk_app_id });
    }
    if d.identifier != identifier {
        return Err(VerifyError::IdentifierMismatch);
    }
    let given =
        STANDARD.decode(d.sig.as_bytes()).map_err(|_| VerifyError::Malformed("TLS.sig is not base64".into()))?;
    let content = content_to_sign(&d.identifier, d.sdk_app_id, d.time, d.expire, d.userbuf_b64.as_deref());
    if !constant_time_eq(&hmac_sha256(key.as_bytes(), content.as_bytes()), &given) {
        return Err(VerifyError::SigMismatch);
    }
    if now > d.expire_at() {
        return Err(VerifyError::Expired { expire_at: d.expire_at() });
    }
    Ok(d)
}

#[cfg(test)]
mod tests {
    use super::*;
    use flate2::write::ZlibEncoder;
    use std::io::Write;

    const KEY: &str = "5bd2850fff3ecb11d7c805251c51ee463a25727bddc2385f3fa8bfee1bb93b5e";

    const ISSUER: Issuer = Issuer { sdk_app_id: 1400000000, key: KEY, compression: Compression::Stored };

    #[test]
    fn round_trip_and_each_failure() {
        let t = 1_700_000_000;
        let s = ISSUER.usersig("alice", 3600, t, None);
        let d = verify(1400000000, KEY, "alice", &s, t + 3600).unwrap();
        assert_eq!(d.expire_at(), t + 3600);
        assert_eq!(verify(1400000001, KEY, "alice", &s, t), Err(VerifyError::AppMismatch { found: 1400000000 }));
        assert_eq!(verify(1400000000, KEY, "bob", &s, t), Err(VerifyError::IdentifierMismatch));
        assert_eq!(verify(1400000000, "other", "alice", &s, t), Err(VerifyError::SigMismatch));
        assert_eq!(verify(1400000000, KEY, "alice", &s, t + 3601), Err(VerifyError::Expired { expire_at: t + 3600 }));
        assert_eq!(verify(1400000000, KEY, "alice", "", t), Err(VerifyError::Empty));
        assert!(matches!(verify(1400000000, KEY, "alice", "!!!", t), Err(VerifyError::Malformed(_))));
        assert!(matches!(verify(1400000000, KEY, "alice", &s[..s.len() / 2], t), Err(VerifyError::Malformed(_))));
        // A forged-but-expired token reports the signature, not the expiry.
        assert_eq!(verify(1400000000, "other", "alice", &s, t + 99_999), Err(VerifyError::SigMismatch));
    }

    /// The Go library writes compact JSON with a trailing newline, key order
    /// ver/identifier/sdkappid/expire/time, and zlib level 0 (stored blocks).
    #[test]
    fn accepts_go_and_cpp_style_tokens() {
        let (t, e) = (1_700_000_000u64, 86_400u64);
        let content = content_to_sign("go_user", 1400000000, t, e, None);
        let sig = sig(KEY, &content);
        let go_json = format!(
            "{{\"TLS.ver\":\"2.0\",\"TLS.identifier\":\"go_user\",\"TLS.sdkappid\":1400000000,\"TLS.expire\":{e},\"TLS.time\":{t},\"TLS.sig\":\"{sig}\"}}\n"
        );
        let cpp_json = format!(
            "{{\"TLS.ver\":\"2.0\",\"TLS.sdkappid\":1400000000,\"TLS.identifier\":\"go_user\",\"TLS.time\":{t},\"TLS.expire\":{e},\"TLS.sig\":\"{sig}\"}}"
        );
        for (json, level) in [(go_json, 0), (cpp_json, 1)] {
            let mut z = ZlibEncoder::new(Vec::new(), flate2::Compression::new(level));
            z.write_all(json.as_bytes()).unwrap();
            let token = STANDARD.encode(z.finish().unwrap()).replace('+', "*").replace('/', "-").replace('=', "_");
            verify(1400000000, KEY, "go_user", &token, t).unwrap();
        }
    }

    /// Hand-written stored blocks are byte for byte what zlib writes at level 0 for a
    /// token-sized input (zlib splits long inputs at other places; both inflate the same),
    /// across Adler-32's 5552-byte reduction runs and the 65535-byte block limit.
    #[test]
    fn stored_stream_equals_zlib_level_0() {
        for len in [0usize, 1, 200, 5552, 5553, 12_000, 65_535, 65_536, 200_000] {
            let data: Vec<u8> = (0..len).map(|i| (i * 7 + i / 300) as u8 | 0x80).collect();
            let ours = zlib_stored(&data);
            let mut inflated = Vec::new();
            ZlibDecoder::new(&ours[..]).read_to_end(&mut inflated).unwrap();
            assert!(inflated == data, "{len} bytes round trip");
            if len <= 12_000 {
                let mut z = ZlibEncoder::new(Vec::new(), flate2::Compression::none());
                z.write_all(&data).unwrap();
                assert!(ours == z.finish().unwrap(), "{len} bytes as zlib writes them");
            }
        }
    }

    #[test]
    fn both_compressions_verify_and_python_is_smaller() {
        let python = Issuer { compression: Compression::Python, ..ISSUER };
        let (a, b) = (ISSUER.usersig("alice", 60, 1, None), python.usersig("alice", 60, 1, None));
        assert!(a.starts_with("eAEB"), "stored blocks: {a}");
        assert!(b.len() < a.len());
        for token in [&a, &b] {
            verify(1400000000, KEY, "alice", token, 2).unwrap();
        }
        let pmk = python.private_map_key("alice", 60, 1, Room::Numeric(7), 255).unwrap();
        assert!(verify(1400000000, KEY, "alice", &pmk, 2).unwrap().userbuf_b64.is_some());
        assert_eq!(Issuer { sdk_app_id: 1 << 32, ..ISSUER }.private_map_key("a", 1, 1, Room::Numeric(1), 1), None);
        assert!(!format!("{ISSUER:?}").contains(KEY));
    }

    #[test]
    fn userbuf_layout_uses_utf8_bytes() {
        let ub = private_map_key_userbuf("中", 7, Room::Str("é"), 9, 255);
        assert_eq!(
            super::super::hex(&ub),
            "010003e4b8ad0000000700000000000000090000 00ff000000000002c3a9".replace(' ', "")
        );
    }
}
