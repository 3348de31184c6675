//! UserSig verification as the IM gateway does it (§6.1-6.3), mapped to the REST codes of
//! §6.3: decode (70003), app (70014), identifier (70013), HMAC (70009), expiry (70001).
//! The signature is checked before the expiry, so a forged token is never "merely expired".

use super::{hmac, same};
use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use serde_json::Value;
use std::io::Read;

/// Why a UserSig is refused: the IM error code and its text.
pub type Refusal = (i64, String);

/// Checks `token` for `sdk_app_id` / `identifier` signed with `key` at `now`.
pub fn check(token: &str, sdk_app_id: u64, key: &str, identifier: &str, now: u64) -> Result<(), Refusal> {
    let undecodable = |why: &str| (70003, format!("UserSig cannot be decoded: {why}"));
    // §6.1 step 5 reversed: * + , - / , _ =, then base64, then zlib.
    let std_b64 = token.replace('*', "+").replace('-', "/").replace('_', "=");
    let compressed = STANDARD.decode(std_b64.as_bytes()).map_err(|_| undecodable("not base64"))?;
    let mut text = Vec::new();
    flate2::read::ZlibDecoder::new(&compressed[..])
        .take(64 * 1024)
        .read_to_end(&mut text)
        .map_err(|_| undecodable("not a zlib stream"))?;
    let doc: Value = serde_json::from_slice(&text).map_err(|_| undecodable("not JSON"))?;
    let num = |k: &str| doc.get(k).and_then(Value::as_u64).ok_or_else(|| undecodable(&format!("{k} is missing")));
    let text_field = |k: &str| doc.get(k).and_then(Value::as_str);
    let (app, time, expire) = (num("TLS.sdkappid")?, num("TLS.time")?, num("TLS.expire")?);
    let who = text_field("TLS.identifier").ok_or_else(|| undecodable("TLS.identifier is missing"))?;
    let sig = text_field("TLS.sig").ok_or_else(|| undecodable("TLS.sig is missing"))?;
    if app != sdk_app_id {
        return Err((70014, format!("UserSig was issued for SDKAppID {app}, not {sdk_app_id}")));
    }
    if who != identifier {
        return Err((70013, "UserSig was issued for another identifier".into()));
    }
    // §6.1 step 1: identifier, sdkappid, time, expire, [userbuf], each line ending in \n.
    let mut content = format!("TLS.identifier:{who}\nTLS.sdkappid:{app}\nTLS.time:{time}\nTLS.expire:{expire}\n");
    if let Some(userbuf) = text_field("TLS.userbuf") {
        content.push_str(&format!("TLS.userbuf:{userbuf}\n"));
    }
    let want = STANDARD.encode(hmac(key.as_bytes(), content.as_bytes()));
    if !same(want.as_bytes(), sig.as_bytes()) {
        return Err((70009, "UserSig signature does not match (wrong secret key?)".into()));
    }
    if now > time.saturating_add(expire) {
        return Err((70001, format!("UserSig expired at {}", time.saturating_add(expire))));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refusals_have_their_codes() {
        assert_eq!(check("%%%", 1, "k", "a", 0).unwrap_err().0, 70003);
        assert_eq!(check("eJyrVg__", 1, "k", "a", 0).unwrap_err().0, 70003);
    }
}
