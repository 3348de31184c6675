//! Local token operations: UserSig and PrivateMapKey. No I/O; `now` comes from the caller.

use super::OpSpec;
use crate::auth::usersig::{self, Room, VerifyError};
use crate::config::Config;
use crate::error::{Error, ErrorCode, Result};
use crate::schema::Preset::Int;
use crate::schema::{self, Field, Kind, NON_NEG, U32};

/// Default validity of generated tokens: 180 days, as in the official libraries.
const DEFAULT_EXPIRE_S: u64 = 180 * 86400;
use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use serde_json::{json, Value};

/// User ids for tokens: any non-empty string the official libraries sign (CJK and emoji included).
const TOKEN_USER: Kind = Kind::Str { min: 1, max: 1024 };
const EXPIRE: Kind = Kind::Int { min: 1, max: 100 * 365 * 86400 };

static GEN: &[Field] = &[
    Field::req("user_id", TOKEN_USER),
    Field::null("expire_s", EXPIRE).or(Int(DEFAULT_EXPIRE_S)),
    Field::null("userbuf_b64", Kind::Str { min: 0, max: 1 << 16 }),
    Field::null("time", NON_NEG),
];
static VERIFY: &[Field] = &[
    Field::req("user_id", TOKEN_USER),
    Field::req("usersig", Kind::Str { min: 0, max: usersig::MAX_TOKEN_LEN }),
    Field::null("now", NON_NEG),
];
static PMK: &[Field] = &[
    Field::req("user_id", TOKEN_USER),
    Field::null("room_id", U32),
    Field::null("room_str", Kind::Str { min: 1, max: 64 }),
    // All rights (create, enter, send and receive audio, video and sub-stream).
    Field::null("privilege_map", U32).or(Int(255)),
    Field::null("expire_s", EXPIRE).or(Int(DEFAULT_EXPIRE_S)),
    Field::null("time", NON_NEG),
];

/// Generate a UserSig.
pub static GEN_USERSIG: OpSpec = OpSpec::local("gen_usersig", GEN, gen_usersig);
/// Verify a UserSig.
pub static VERIFY_USERSIG: OpSpec = OpSpec::local("verify_usersig", VERIFY, verify_usersig);
/// Generate a TRTC PrivateMapKey.
pub static GEN_PRIVATE_MAP_KEY: OpSpec = OpSpec::local("gen_private_map_key", PMK, gen_private_map_key);

fn get_u64(req: &Value, key: &str) -> Option<u64> {
    req.get(key).and_then(Value::as_u64)
}

/// `gen_usersig` (validated): `{"user_id", "expire_s"?, "userbuf_b64"?, "time"?}` -> `{"usersig", "expire_at"}`.
pub fn gen_usersig(config: &Config, req: &Value, now: u64) -> Result<String> {
    let issuer = config.issuer("gen_usersig")?;
    let user = req["user_id"].as_str().unwrap_or_default();
    let expire = schema::int(req, GEN, "expire_s");
    let time = get_u64(req, "time").unwrap_or(now);
    let userbuf = match req.get("userbuf_b64").and_then(Value::as_str) {
        Some(b) => Some(STANDARD.decode(b).map_err(|_| Error::invalid_request("userbuf_b64 is not standard base64"))?),
        None => None,
    };
    Ok(token_json("usersig", &issuer.usersig(user, expire, time, userbuf.as_deref()), time + expire))
}

/// `verify_usersig`: `{"user_id", "usersig", "now"?}` -> `{"valid": true, "expire_at", "userbuf_b64"}`.
/// A bad or expired sig is an error (402 expired, 403 anything else), not `valid: false`.
pub fn verify_usersig(config: &Config, req: &Value, now: u64) -> Result<String> {
    let key = config.require_secret_key("verify_usersig")?;
    let now = get_u64(req, "now").unwrap_or(now);
    let user = req["user_id"].as_str().unwrap_or_default();
    let sig = req["usersig"].as_str().unwrap_or_default();
    match usersig::verify(config.sdk_app_id, key.expose(), user, sig, now) {
        Ok(d) => Ok(json!({"valid": true, "expire_at": d.expire_at(), "userbuf_b64": d.userbuf_b64}).to_string()),
        Err(e @ VerifyError::Expired { .. }) => Err(Error::new(ErrorCode::UsersigExpired, e.message())),
        Err(e) => Err(Error::new(ErrorCode::UsersigInvalid, e.message())),
    }
}

/// `gen_private_map_key`: `{"user_id", "room_id" | "room_str", "privilege_map"?, "expire_s"?, "time"?}`
/// -> `{"private_map_key", "expire_at"}`. `privilege_map` defaults to 255 (all rights).
pub fn gen_private_map_key(config: &Config, req: &Value, now: u64) -> Result<String> {
    let issuer = config.issuer("gen_private_map_key")?;
    let room = match (get_u64(req, "room_id"), req.get("room_str").and_then(Value::as_str)) {
        (Some(id), None) => Room::Numeric(id as u32),
        (None, Some(s)) => Room::Str(s),
        _ => return Err(Error::invalid_request("gen_private_map_key needs exactly one of room_id or room_str")),
    };
    let user = req["user_id"].as_str().unwrap_or_default();
    if user.len() > u16::MAX as usize {
        return Err(Error::invalid_request("user_id is too long for a PrivateMapKey"));
    }
    let privilege = schema::int(req, PMK, "privilege_map") as u32;
    let expire = schema::int(req, PMK, "expire_s");
    let time = get_u64(req, "time").unwrap_or(now);
    let pmk = issuer
        .private_map_key(user, expire, time, room, privilege)
        .ok_or_else(|| Error::invalid_config("sdk_app_id does not fit in 32 bits"))?;
    Ok(token_json("private_map_key", &pmk, time + expire))
}

/// `{"<name>": "<token>", "expire_at": n}`, written directly: a token's alphabet (base64
/// letters and digits, `*`, `-`, `_`) never needs a JSON escape, so it is not scanned for one.
fn token_json(name: &str, token: &str, expire_at: u64) -> String {
    debug_assert!(token.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'*' | b'-' | b'_')));
    let mut out = String::with_capacity(token.len() + name.len() + 40);
    for part in ["{\"", name, "\":\"", token, "\",\"expire_at\":", itoa::Buffer::new().format(expire_at), "}"] {
        out.push_str(part);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A local operation's JSON text, parsed.
    fn parsed(r: Result<String>) -> Result<Value> {
        r.map(|text| serde_json::from_str(&text).unwrap())
    }

    fn config() -> Config {
        Config::from_json(r#"{"sdk_app_id": 1400000000, "secret_key": "5bd2850fff3ecb11d7c805251c51ee463a25727bddc2385f3fa8bfee1bb93b5e"}"#).unwrap()
    }

    #[test]
    fn generate_then_verify() {
        let c = config();
        let out = parsed(gen_usersig(&c, &json!({"user_id": "xiaojun", "time": 1700000000}), 0)).unwrap();
        assert_eq!(out["expire_at"], 1700000000u64 + 15552000);
        // Stored blocks by default; with "python", the official library's demo vector.
        assert!(out["usersig"].as_str().unwrap().starts_with("eAEBtgBJ-3siVExTLnZlciI6"));
        let mut python = config();
        python.usersig_compression = usersig::Compression::Python;
        let demo = parsed(gen_usersig(&python, &json!({"user_id": "xiaojun", "time": 1700000000}), 0)).unwrap();
        assert!(demo["usersig"]
            .as_str()
            .unwrap()
            .starts_with("eJyrVgrxCdYrSy1SslJQMtIzUNJRAItkpqTmlWSmZUIkKjIT87NK82CSxSnZiQ"));
        let sig = out["usersig"].as_str().unwrap();
        let v =
            parsed(verify_usersig(&c, &json!({"user_id": "xiaojun", "usersig": sig, "now": 1700000001}), 0)).unwrap();
        assert_eq!(v, json!({"valid": true, "expire_at": 1715552000u64, "userbuf_b64": null}));
        let e = parsed(verify_usersig(&c, &json!({"user_id": "xiaojun", "usersig": sig, "now": 1715552001}), 0))
            .unwrap_err();
        assert_eq!(e.code, ErrorCode::UsersigExpired);
        let e = parsed(verify_usersig(&c, &json!({"user_id": "other", "usersig": sig}), 1700000001)).unwrap_err();
        assert_eq!(e.code, ErrorCode::UsersigInvalid);
        assert!(!e.message.contains(sig));
    }

    /// The largest userbuf gen_usersig takes makes a token verify_usersig takes, stored or not.
    #[test]
    fn the_largest_userbuf_round_trips_in_both_compressions() {
        let ub = STANDARD.encode(vec![0xA5u8; 49_152]); // 65536 base64 characters
        for compression in [usersig::Compression::Stored, usersig::Compression::Python] {
            let mut c = config();
            c.usersig_compression = compression;
            let out = parsed(gen_usersig(&c, &json!({"user_id": "u", "userbuf_b64": ub, "time": 1}), 1)).unwrap();
            let req = json!({"user_id": "u", "usersig": out["usersig"]});
            VERIFY_USERSIG.validate(&req).unwrap();
            let v = parsed(verify_usersig(&c, &req, 2)).unwrap();
            assert_eq!(v["userbuf_b64"], ub, "{compression:?}");
        }
    }

    #[test]
    fn private_map_key_needs_one_room() {
        let c = config();
        let e = parsed(gen_private_map_key(&c, &json!({"user_id": "u"}), 1)).unwrap_err();
        assert_eq!(e.code, ErrorCode::InvalidRequest);
        let e =
            parsed(gen_private_map_key(&c, &json!({"user_id": "u", "room_id": 1, "room_str": "r"}), 1)).unwrap_err();
        assert_eq!(e.code, ErrorCode::InvalidRequest);
        let out =
            parsed(gen_private_map_key(&c, &json!({"user_id": "u", "room_str": "r", "expire_s": 300}), 1000)).unwrap();
        assert_eq!(out["expire_at"], 1300);
        let v = parsed(verify_usersig(&c, &json!({"user_id": "u", "usersig": out["private_map_key"]}), 1000)).unwrap();
        assert!(v["userbuf_b64"].is_string());
    }

    #[test]
    fn missing_key_is_a_config_error() {
        let c = Config::from_json(r#"{"sdk_app_id": 1}"#).unwrap();
        let e = parsed(gen_usersig(&c, &json!({"user_id": "u"}), 1)).unwrap_err();
        assert_eq!((e.code, e.message.as_str()), (ErrorCode::InvalidConfig, "secret_key is required for gen_usersig"));
    }
}
