//! TRTC room and media callbacks (spec §3.7): a POST whose `Sign` header is
//! `base64(HMAC-SHA256(key, raw body))` and whose `SdkAppId` header names the app.
//!
//! Checks, in order, before the body is trusted: the `SdkAppId` header must be this app's
//! (503); with `webhook.trtc_key` configured, `Sign` must match the exact body bytes
//! (constant-time; 501), or be absent only when `require_sign.trtc` is false. Then the body
//! (504 when it is not an object with `EventGroupId`, `EventType` and `EventInfo`).
//! Tencent's fields are kept as sent (numbers exact); tccall adds a snake_case envelope.

use crate::auth::{constant_time_eq, hmac_sha256};
use crate::config::WebhookConfig;
use crate::error::{Error, ErrorCode, Result};
use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use serde_json::{json, Value};

/// The reply TRTC expects (its content is ignored; this is what the docs recommend).
pub const REPLY_OK: &str = r#"{"code":0}"#;

/// Event names by (`EventGroupId`, `EventType`).
pub const EVENTS: &[(u64, u64, &str)] = &[
    (1, 101, "create_room"),
    (1, 102, "dismiss_room"),
    (1, 103, "enter_room"),
    (1, 104, "exit_room"),
    (1, 105, "change_role"),
    (2, 201, "start_video"),
    (2, 202, "stop_video"),
    (2, 203, "start_audio"),
    (2, 204, "stop_audio"),
    (2, 205, "start_sub_stream"),
    (2, 206, "stop_sub_stream"),
];

fn malformed(message: impl Into<String>) -> Error {
    Error::new(ErrorCode::WebhookMalformed, message)
}

/// Verifies and parses a TRTC callback. `sign` and `sdk_app_id_header` are the header
/// values (`None` when absent); `body` is the raw body.
pub fn parse(
    sdk_app_id: u64,
    cfg: &WebhookConfig,
    sign: Option<&str>,
    sdk_app_id_header: Option<&str>,
    body: &[u8],
) -> Result<Value> {
    let app =
        sdk_app_id_header.ok_or_else(|| Error::new(ErrorCode::WebhookAppMismatch, "the SdkAppId header is missing"))?;
    if app.trim().parse::<u64>().ok() != Some(sdk_app_id) {
        return Err(Error::new(
            ErrorCode::WebhookAppMismatch,
            format!("SdkAppId header {app:?} is not this app's ({sdk_app_id})"),
        ));
    }
    let verified = match (&cfg.trtc_key, sign) {
        (None, _) => false,
        (Some(_), None) if !cfg.require_sign.trtc => false,
        (Some(_), None) => {
            return Err(Error::new(
                ErrorCode::WebhookSignature,
                "the Sign header is missing but webhook.trtc_key is set",
            ))
        }
        (Some(key), Some(sign)) => {
            let want = STANDARD.encode(hmac_sha256(key.expose().as_bytes(), body));
            if !constant_time_eq(want.as_bytes(), sign.trim().as_bytes()) {
                return Err(Error::new(
                    ErrorCode::WebhookSignature,
                    "Sign does not match base64(HMAC-SHA256(trtc_key, body)) (was the body changed?)",
                ));
            }
            true
        }
    };
    let event: Value = serde_json::from_slice(body).map_err(|e| malformed(format!("body is not valid JSON: {e}")))?;
    let group =
        event.get("EventGroupId").and_then(Value::as_u64).ok_or_else(|| malformed("EventGroupId is missing"))?;
    let kind = event.get("EventType").and_then(Value::as_u64).ok_or_else(|| malformed("EventType is missing"))?;
    let info = event.get("EventInfo").filter(|i| i.is_object()).ok_or_else(|| malformed("EventInfo is missing"))?;
    // A number for a numeric room, a string for a string room: as Call reports rooms, a
    // string id plus its kind, ready for dismiss_room / remove_users.
    let (room_id, room_id_type) = match info.get("RoomId") {
        Some(Value::Number(n)) => (Value::from(n.to_string()), Value::from(1)),
        Some(Value::String(s)) => (Value::from(s.as_str()), Value::from(2)),
        _ => (Value::Null, Value::Null),
    };
    let name = EVENTS.iter().find(|(g, t, _)| *g == group && *t == kind).map_or("unknown", |(_, _, n)| n);
    let group_name = match group {
        1 => "room",
        2 => "media",
        _ => "other",
    };
    Ok(json!({
        "group": group_name,
        "type": kind,
        "name": name,
        "room_id": room_id,
        "room_id_type": room_id_type,
        "user_id": info.get("UserId"),
        "event": event,
        "sdk_app_id": sdk_app_id,
        "signature_verified": verified,
        "reply": REPLY_OK,
    }))
}

/// What identifies a TRTC event for duplicate detection: its `UniqueId` when it has one,
/// else the whole body (a redelivery sends the same bytes).
pub fn identity(parsed: &Value, body: &[u8]) -> Vec<u8> {
    let e = &parsed["event"];
    match e["EventInfo"].get("UniqueId") {
        Some(u) if !u.is_null() => format!("trtc\n{}\n{}\n{u}", e["EventGroupId"], e["EventType"]).into_bytes(),
        _ => [b"trtc\n".as_slice(), body].concat(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::RequireSign;
    use crate::secret::Secret;

    /// The 103 sample of trtc.io/document/54912, with its newlines and tabs.
    const SAMPLE: &str = "{\n\t\"EventGroupId\":\t1,\n\t\"EventType\":\t103,\n\t\"CallbackTs\":\t1615554923704,\n\t\"EventInfo\":\t{\n\t\t\"RoomId\":\t12345,\n\t\t\"EventTs\":\t1608441737,\n\t\t\"UserId\":\t\"test\",\n\t\t\"UniqueId\":\t1615554922656,\n\t\t\"Role\":\t20,\n\t\t\"Reason\":\t1\n\t}\n}";

    fn cfg(key: Option<&str>, required: bool) -> WebhookConfig {
        WebhookConfig {
            token: None,
            max_age_s: 60,
            trtc_key: key.map(Secret::new),
            require_sign: RequireSign { call: false, im: true, trtc: required },
            dedupe_window: std::time::Duration::ZERO,
            dedupe_capacity: 1,
        }
    }

    fn sign(key: &str, body: &[u8]) -> String {
        STANDARD.encode(hmac_sha256(key.as_bytes(), body))
    }

    #[test]
    fn the_doc_sample_verifies_over_its_exact_bytes() {
        let key = "abcDEF123";
        let s = sign(key, SAMPLE.as_bytes());
        let v = parse(1400000001, &cfg(Some(key), true), Some(&s), Some("1400000001"), SAMPLE.as_bytes()).unwrap();
        assert_eq!(
            (v["group"].as_str(), v["type"].as_u64(), v["name"].as_str()),
            (Some("room"), Some(103), Some("enter_room"))
        );
        assert_eq!((v["room_id"].as_str(), v["room_id_type"].as_u64()), (Some("12345"), Some(1)));
        assert_eq!(v["user_id"], "test");
        assert_eq!(v["event"]["EventInfo"]["UniqueId"], 1615554922656u64);
        assert_eq!((v["signature_verified"].as_bool(), v["reply"].as_str()), (Some(true), Some(REPLY_OK)));
        // The same JSON re-serialised compactly no longer matches: the raw bytes count.
        let compact = serde_json::from_str::<Value>(SAMPLE).unwrap().to_string();
        let e = parse(1400000001, &cfg(Some(key), true), Some(&s), Some("1400000001"), compact.as_bytes()).unwrap_err();
        assert_eq!(e.code, ErrorCode::WebhookSignature);
    }

    #[test]
    fn checks_in_order() {
        let body = SAMPLE.as_bytes();
        let code = |c: &WebhookConfig, sign: Option<&str>, app: Option<&str>, body: &[u8]| {
            parse(1400000001, c, sign, app, body).map(|_| ()).unwrap_err().code
        };
        let keyed = cfg(Some("k1"), true);
        assert_eq!(code(&keyed, None, None, body), ErrorCode::WebhookAppMismatch);
        assert_eq!(code(&keyed, None, Some("1400000002"), body), ErrorCode::WebhookAppMismatch);
        assert_eq!(code(&keyed, None, Some("1400000001"), body), ErrorCode::WebhookSignature);
        assert_eq!(code(&keyed, Some("AAAA"), Some("1400000001"), body), ErrorCode::WebhookSignature);
        let s = sign("k1", b"[1]");
        assert_eq!(code(&keyed, Some(&s), Some("1400000001"), b"[1]"), ErrorCode::WebhookMalformed);
        // Signature optional: absent is let through, a wrong one is still refused.
        let lenient = cfg(Some("k1"), false);
        let v = parse(1400000001, &lenient, None, Some("1400000001"), body).unwrap();
        assert_eq!(v["signature_verified"], false);
        assert_eq!(code(&lenient, Some("AAAA"), Some("1400000001"), body), ErrorCode::WebhookSignature);
        // No key: nothing to verify.
        assert_eq!(
            parse(1400000001, &cfg(None, true), None, Some(" 1400000001 "), body).unwrap()["signature_verified"],
            false
        );
    }

    #[test]
    fn string_rooms_and_unknown_events() {
        let body =
            br#"{"EventGroupId": 1, "EventType": 102, "CallbackTs": 1, "EventInfo": {"RoomId": "r-1", "EventTs": 1}}"#;
        let v = parse(7, &cfg(None, true), None, Some("7"), body).unwrap();
        assert_eq!(
            (v["name"].as_str(), v["room_id"].as_str(), v["room_id_type"].as_u64()),
            (Some("dismiss_room"), Some("r-1"), Some(2))
        );
        assert!(v["user_id"].is_null());
        let body = br#"{"EventGroupId": 3, "EventType": 301, "EventInfo": {"X": 1}, "New": true}"#;
        let v = parse(7, &cfg(None, true), None, Some("7"), body).unwrap();
        assert_eq!(
            (v["group"].as_str(), v["name"].as_str(), v["event"]["New"].as_bool()),
            (Some("other"), Some("unknown"), Some(true))
        );
    }
}
