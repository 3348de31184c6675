//! TRTC room callbacks (spec §3.7), as the TRTC console would send them once a callback URL
//! (and optionally a key) is set with `POST /_sandbox/trtc/callback`.
//!
//! Events (group 1): 101 a room comes into existence (a control-created room, or the room a
//! call creates), 103 a user enters (a control-created room's users, a call's caller, a
//! member who starts `Calling`), 104 a user exits (`RemoveUser*`, a member who hangs up or
//! leaves, and every user still in a room when it is dismissed), 102 the room is dismissed
//! (`DismissRoom*`, or the end of a call in a room the call created). A room created by
//! `POST /_sandbox/rooms` stays, even empty, until `DismissRoom*`; when a call in it ends,
//! its members exit (104) and the room stays.
//!
//! Each event is a POST with `Content-Type: application/json`, `SdkAppId: <app>` and, when
//! a key is set, `Sign: base64(HMAC-SHA256(key, body))` over the raw body. The body is laid
//! out as the doc's sample is (`{\n\t"EventGroupId":\t1,\n\t...`), so a receiver that
//! re-serialises it before checking the Sign fails, as it would against Tencent:
//!
//! ```text
//! {"EventGroupId": 1, "EventType": 104, "CallbackTs": <ms>,
//!  "EventInfo": {"RoomId": 1234 | "r1", "EventTs": <s>, "EventMsTs": <ms>, "UserId": "u1",
//!                "UniqueId": <n>, "Role": 20, "TerminalType": 3, "UserType": 3, "Reason": 1}}
//! ```
//!
//! `RoomId` is a number for a numeric room and a string for a string room. `UserId` is on
//! 103 and 104, and on 101 when the room was created with a user (as in the doc's 101
//! sample); `Role`, `TerminalType`, `UserType` and `Reason` are on 103 and 104 only.
//! `UniqueId` is unique per event (it increases, from the millisecond clock). Tencent retries
//! a failed delivery for a minute, so duplicates are normal: `repeat` (1-10) delivers every
//! event that many times, each time with the identical bytes and `Sign`, back to back. The
//! delivery timeout is the sandbox's `webhook_timeout_ms` (2 s by default; Tencent's TRTC
//! callbacks wait 5 s).

use super::state::RoomKey;
use serde_json::{json, Value};
use std::fmt;
use std::sync::atomic::{AtomicU64, Ordering};

/// 101: a room is created.
pub const CREATE_ROOM: u64 = 101;
/// 102: a room is dismissed.
pub const DISMISS_ROOM: u64 = 102;
/// 103: a user enters a room.
pub const ENTER_ROOM: u64 = 103;
/// 104: a user exits a room.
pub const EXIT_ROOM: u64 = 104;

/// The most deliveries `repeat` asks for.
pub const MAX_REPEAT: u32 = 10;

/// Where TRTC events go (`POST /_sandbox/trtc/callback`).
#[derive(Clone, PartialEq, Eq)]
pub struct TrtcCallback {
    /// The callback URL.
    pub url: String,
    /// The signing key (1-32 letters and digits); `None` sends no `Sign`.
    pub key: Option<String>,
    /// How many times each event is delivered (1-10).
    pub repeat: u32,
}

impl fmt::Debug for TrtcCallback {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TrtcCallback")
            .field("url", &self.url)
            .field("key", &self.key.as_ref().map(|_| "** redacted **"))
            .field("repeat", &self.repeat)
            .finish()
    }
}

impl TrtcCallback {
    /// Checks a control request's values; the error says what is wrong.
    pub fn new(url: String, key: Option<String>, repeat: u32) -> Result<TrtcCallback, String> {
        if !(url.starts_with("http://") || url.starts_with("https://")) {
            return Err("url must start with http:// or https://".into());
        }
        if let Some(k) = &key {
            if k.is_empty() || k.len() > 32 || !k.bytes().all(|b| b.is_ascii_alphanumeric()) {
                return Err("key must be 1 to 32 letters and digits (null for no Sign)".into());
            }
        }
        if !(1..=MAX_REPEAT).contains(&repeat) {
            return Err(format!("repeat must be 1 to {MAX_REPEAT}"));
        }
        Ok(TrtcCallback { url, key, repeat })
    }

    /// The configuration as control endpoints show it (the key itself is never shown).
    pub fn json(cfg: Option<&TrtcCallback>) -> Value {
        match cfg {
            Some(c) => json!({"url": c.url, "signed": c.key.is_some(), "repeat": c.repeat}),
            None => json!({"url": null, "signed": false, "repeat": 1}),
        }
    }
}

/// One event to deliver, its body serialised once (Debug shows no key: `TrtcCallback` hides it).
#[derive(Clone, Debug)]
pub struct TrtcEvent {
    /// Where it goes, signed with what, how many times (the callback setting it was made under).
    pub to: TrtcCallback,
    /// `EventType`.
    pub event_type: u64,
    /// `EventInfo.RoomId` (a number or a string).
    pub room: Value,
    /// `EventInfo.UserId`, when the event has one.
    pub user: Option<String>,
    /// `EventInfo.UniqueId`.
    pub unique_id: u64,
    /// The exact body (JSON text).
    pub body: String,
}

/// An event of group 1 (room events) for `cfg`, at `now_ms`.
pub fn event(cfg: &TrtcCallback, event_type: u64, room: &RoomKey, user: Option<&str>, now_ms: u64) -> TrtcEvent {
    let unique_id = unique_id(now_ms);
    let room_id = room.json();
    let mut info = json!({"RoomId": room_id, "EventTs": now_ms / 1000, "EventMsTs": now_ms});
    if let Some(u) = user {
        info["UserId"] = json!(u);
    }
    info["UniqueId"] = json!(unique_id);
    if matches!(event_type, ENTER_ROOM | EXIT_ROOM) {
        for (k, v) in [("Role", 20), ("TerminalType", 3), ("UserType", 3), ("Reason", 1)] {
            info[k] = json!(v);
        }
    }
    let body = json!({"EventGroupId": 1, "EventType": event_type, "CallbackTs": super::log::now_ms().max(now_ms),
                      "EventInfo": info});
    TrtcEvent {
        to: cfg.clone(),
        event_type,
        room: room_id,
        user: user.map(String::from),
        unique_id,
        body: layout(&body),
    }
}

/// A fresh `UniqueId`: the millisecond clock, or one more than the last one handed out.
fn unique_id(now_ms: u64) -> u64 {
    static LAST: AtomicU64 = AtomicU64::new(0);
    let prev = LAST.fetch_update(Ordering::Relaxed, Ordering::Relaxed, |p| Some(now_ms.max(p + 1)));
    let prev = prev.unwrap_or_else(|p| p);
    now_ms.max(prev + 1)
}

/// JSON laid out as the TRTC doc's sample body is: objects one member a line, indented
/// with tabs, a tab after each colon (`{\n\t"EventType":\t103,\n\t...\n}`); arrays inline.
pub fn layout(v: &Value) -> String {
    let mut out = String::new();
    write(v, 0, &mut out);
    out
}

fn write(v: &Value, depth: usize, out: &mut String) {
    match v {
        Value::Object(m) if !m.is_empty() => {
            out.push_str("{\n");
            for (i, (k, val)) in m.iter().enumerate() {
                out.extend(std::iter::repeat_n('\t', depth + 1));
                out.push_str(&Value::String(k.clone()).to_string());
                out.push_str(":\t");
                write(val, depth + 1, out);
                if i + 1 < m.len() {
                    out.push(',');
                }
                out.push('\n');
            }
            out.extend(std::iter::repeat_n('\t', depth));
            out.push('}');
        }
        Value::Array(items) if !items.is_empty() => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                write(item, depth, out);
            }
            out.push(']');
        }
        other => out.push_str(&other.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The 103 sample body of trtc.io/document/54912, byte for byte.
    const SAMPLE: &str = "{\n\t\"EventGroupId\":\t1,\n\t\"EventType\":\t103,\n\t\"CallbackTs\":\t1615554923704,\n\t\"EventInfo\":\t{\n\t\t\"RoomId\":\t12345,\n\t\t\"EventTs\":\t1608441737,\n\t\t\"UserId\":\t\"test\",\n\t\t\"UniqueId\":\t1615554922656,\n\t\t\"Role\":\t20,\n\t\t\"Reason\":\t1\n\t}\n}";

    #[test]
    fn layout_reproduces_the_doc_sample() {
        let v: Value = serde_json::from_str(SAMPLE).unwrap();
        assert_eq!(layout(&v), SAMPLE);
        assert_eq!(
            layout(&json!({"a": [1, "x"], "b": {}, "c": []})),
            "{\n\t\"a\":\t[1, \"x\"],\n\t\"b\":\t{},\n\t\"c\":\t[]\n}"
        );
    }

    #[test]
    fn events_carry_the_room_kind_and_unique_ids() {
        let cfg = TrtcCallback::new("http://h/t".into(), Some("abc123".into()), 2).unwrap();
        let e = event(&cfg, ENTER_ROOM, &RoomKey::Num(1234), Some("u1"), 1_700_000_000_123);
        let body: Value = serde_json::from_str(&e.body).unwrap();
        assert!(e.body.starts_with("{\n\t\"EventGroupId\":\t1,\n\t\"EventType\":\t103,\n\t\"CallbackTs\":\t"));
        let info = &body["EventInfo"];
        assert_eq!((info["RoomId"].as_u64(), info["UserId"].as_str()), (Some(1234), Some("u1")));
        assert_eq!(
            (info["EventTs"].as_u64(), info["EventMsTs"].as_u64()),
            (Some(1_700_000_000), Some(1_700_000_000_123))
        );
        assert_eq!((info["Role"].as_u64(), info["TerminalType"].as_u64()), (Some(20), Some(3)));
        assert_eq!((info["UserType"].as_u64(), info["Reason"].as_u64()), (Some(3), Some(1)));
        assert_eq!(info["UniqueId"].as_u64(), Some(e.unique_id));
        let d = event(&cfg, DISMISS_ROOM, &RoomKey::Str("1234".into()), None, 1_700_000_000_123);
        let body: Value = serde_json::from_str(&d.body).unwrap();
        assert_eq!(body["EventInfo"]["RoomId"], "1234");
        assert!(body["EventInfo"].get("UserId").is_none() && body["EventInfo"].get("Role").is_none());
        assert!(d.unique_id > e.unique_id, "unique even within one millisecond");
        assert_eq!((d.to.repeat, d.to.key.as_deref()), (2, Some("abc123")));
        assert!(!format!("{d:?}{cfg:?}").contains("abc123"), "Debug hides the key");
    }

    #[test]
    fn callback_values_are_checked() {
        assert!(TrtcCallback::new("ftp://h".into(), None, 1).is_err());
        assert!(TrtcCallback::new("http://h".into(), Some(String::new()), 1).is_err());
        assert!(TrtcCallback::new("http://h".into(), Some("a".repeat(33)), 1).is_err());
        assert!(TrtcCallback::new("http://h".into(), Some("key-1".into()), 1).is_err());
        assert!(TrtcCallback::new("http://h".into(), Some("a".repeat(32)), 1).is_ok());
        assert!(TrtcCallback::new("https://h".into(), None, 0).is_err());
        assert!(TrtcCallback::new("https://h".into(), None, 11).is_err());
        assert!(TrtcCallback::new("https://h".into(), None, 10).is_ok());
    }
}
