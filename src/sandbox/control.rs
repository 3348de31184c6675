//! Control endpoints under `/_sandbox/` (JSON in and out, no authentication):
//! drive the emulated world the way client SDKs would, arm faults, read the log.
//!
//! | method and path | body | result |
//! | --- | --- | --- |
//! | `GET /_sandbox/health` | | `{"ok": true}` |
//! | `GET /_sandbox/state` | | `{calls, records, rooms, sessions, callback, desk_callback, trtc_callback, faults}`; a room is `{RoomId, users, CallId, blocked}` (`RoomId` a number or a string: different rooms; `blocked` is `{"user": IsMute}`) |
//! | `GET /_sandbox/log` | | `{"entries": [...]}` (API requests carry `connection`, a number per TCP connection, and `tls`) |
//! | `GET /_sandbox/connections` | | `{"accepted", "tls_handshakes", "tls_resumed", "open", "refused", "evicted"}` |
//! | `POST /_sandbox/reset` | | `{"ok": true}`: state, faults, log and connection counters cleared |
//! | `POST /_sandbox/calls` | `{caller, callees[], media_type?, room_id?, room_id_type?, group_id?}` | `{"CallId"}` |
//! | `POST /_sandbox/calls/{id}/members` | `{user, action, call_result?}` | `{CallId, ended, call}` |
//! | `POST /_sandbox/rooms` | `{room_id: 1234 \| "r", users[]}` | `{RoomId, users}` |
//! | `POST /_sandbox/desk/sessions` | `{session_id?, client_user_id, customer_service_id?, state?, agent_id?, ...}` | `{"SessionId"}` |
//! | `POST /_sandbox/desk/callback` | `{url}` (`null` clears) | `{"url"}` |
//! | `POST /_sandbox/trtc/callback` | `{url, key?, repeat?}` (`url` `null` clears) | `{"url", "signed", "repeat"}` |
//! | `GET /_sandbox/trtc/callback` | | `{"url", "signed", "repeat"}` (`url` `null` when unset) |
//! | `POST /_sandbox/faults` | see `Faults::add_json` | the armed fault |
//! | `GET /_sandbox/faults`, `DELETE /_sandbox/faults` | | list / clear |
//!
//! `GET /_sandbox/connections` counts, since start or the last reset: TCP connections
//! accepted (HTTP and HTTPS alike), completed TLS handshakes (`tls_handshakes`, resumed
//! ones included) and those that resumed a session (`tls_resumed`), connections closed on
//! accept because all 512 were busy (`refused`) and idle ones closed to make room
//! (`evicted`); `open` is how many are open now (a reset leaves it). Tests use it to
//! count the connections a client opens: read it through `Sandbox::control` (in-process)
//! so the read itself opens none.
//!
//! A room id (`room_id` of calls and rooms) is a number (a numeric room) or a string (a
//! string room); `room_id_type` 1 makes a digit string (`"1234"`, no sign or leading zero)
//! the numeric room, 2 makes a number the string room of its digits. A call reports its room
//! as Call does: `RoomId` a string and `RoomIdType` 1 or 2 (`""` and 0 without a room); it
//! lives in the TRTC room of that kind (created for it when missing, and then dismissed when
//! the call ends), and its members who are `Calling` are that room's users.
//!
//! `POST /_sandbox/trtc/callback` sets where TRTC room events go, as the TRTC console
//! would: `url` (http or https; `null` or absent clears it), `key` (1-32 letters and digits
//! signing each body into the `Sign` header; `null` or absent sends no `Sign`), `repeat`
//! (1-10, default 1: each event is delivered that many times with identical bytes, since
//! Tencent's retries make duplicates normal). The answer never shows the key, only whether
//! one is set (`signed`). `POST /_sandbox/reset` clears it. Events are listed in `trtc`.
//!
//! Errors are `{"error": "..."}` with 400 (bad input), 404 (unknown path, call, or
//! session) or 405 (wrong method).

use super::state::{NewCall, Refusal, RoomKey, Session, LIVE_SESSION_STATES};
use super::trtc::TrtcCallback;
use super::Shared;
use crate::transport::unix_now;
use serde_json::{json, Map, Value};

type Answer = (u16, Value);

fn error(status: u16, message: impl Into<String>) -> Answer {
    (status, json!({"error": message.into()}))
}

/// Answers a control request.
pub fn handle(sh: &Shared, method: &str, path: &str, body: &[u8]) -> Answer {
    let path = path.trim_end_matches('/');
    let rest = path.strip_prefix("/_sandbox").unwrap_or(path);
    let segments: Vec<&str> = rest.split('/').filter(|s| !s.is_empty()).collect();
    let parsed = || -> Result<Map<String, Value>, Answer> {
        if body.iter().all(u8::is_ascii_whitespace) {
            return Ok(Map::new());
        }
        match serde_json::from_slice::<Value>(body) {
            Ok(Value::Object(m)) => Ok(m),
            _ => Err(error(400, "the body must be a JSON object")),
        }
    };
    let with_body = |f: &dyn Fn(&Map<String, Value>) -> Answer| match parsed() {
        Ok(m) => f(&m),
        Err(a) => a,
    };
    match (method, segments.as_slice()) {
        ("GET", ["health"]) => (200, json!({"ok": true})),
        ("GET", ["state"]) => {
            let mut v = sh.world().snapshot();
            v["faults"] = sh.faults.list();
            (200, v)
        }
        ("GET", ["log"]) => (200, json!({"entries": sh.log.snapshot()})),
        ("GET", ["connections"]) => (200, sh.connections.snapshot()),
        ("POST", ["reset"]) => {
            sh.reset();
            (200, json!({"ok": true}))
        }
        ("POST", ["calls"]) => with_body(&|b| create_call(sh, b)),
        ("POST", ["calls", id, "members"]) => with_body(&|b| member(sh, id, b)),
        ("POST", ["rooms"]) => with_body(&|b| create_room(sh, b)),
        ("POST", ["desk", "sessions"]) => with_body(&|b| create_session(sh, b)),
        ("POST", ["desk", "callback"]) => with_body(&|b| desk_callback(sh, b)),
        ("POST", ["trtc", "callback"]) => with_body(&|b| trtc_callback(sh, b)),
        ("POST", ["credentials"]) => with_body(&|b| {
            let mut keys = sh.keys.write().unwrap_or_else(|p| p.into_inner());
            match keys.apply(b) {
                Ok(()) => (200, keys.json()),
                Err(e) => error(400, e),
            }
        }),
        ("GET", ["credentials"]) => (200, sh.keys().json()),
        ("GET", ["trtc", "callback"]) => (200, TrtcCallback::json(sh.world().trtc_callback.as_ref())),
        ("POST", ["faults"]) => match serde_json::from_slice::<Value>(body) {
            Ok(v) => match sh.faults.add_json(&v) {
                Ok(f) => (200, f),
                Err(e) => error(400, e),
            },
            Err(_) => error(400, "the body must be a JSON object"),
        },
        ("GET", ["faults"]) => (200, json!({"faults": sh.faults.list()})),
        ("DELETE", ["faults"]) => {
            sh.faults.clear();
            (200, json!({"ok": true}))
        }
        (
            _,
            ["health" | "state" | "log" | "connections" | "reset" | "calls" | "rooms" | "faults" | "credentials"]
            | ["calls", _, "members"]
            | ["desk", "sessions" | "callback"]
            | ["trtc", "callback"],
        ) => error(405, format!("{method} is not allowed on {path}")),
        _ => error(404, format!("no control endpoint {path}")),
    }
}

fn text<'a>(b: &'a Map<String, Value>, k: &str) -> Result<Option<&'a str>, Answer> {
    match b.get(k) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s)),
        Some(_) => Err(error(400, format!("{k} must be a string"))),
    }
}

fn required<'a>(b: &'a Map<String, Value>, k: &str) -> Result<&'a str, Answer> {
    text(b, k)?.filter(|s| !s.is_empty()).ok_or_else(|| error(400, format!("{k} is required")))
}

fn users(b: &Map<String, Value>, k: &str) -> Result<Vec<String>, Answer> {
    match b.get(k) {
        None | Some(Value::Null) => Ok(Vec::new()),
        Some(Value::Array(items)) => items
            .iter()
            .map(|u| u.as_str().filter(|s| !s.is_empty()).map(String::from))
            .collect::<Option<Vec<_>>>()
            .ok_or_else(|| error(400, format!("{k} must be an array of non-empty strings"))),
        Some(_) => Err(error(400, format!("{k} must be an array of strings"))),
    }
}

/// A room id from `room_id` (number or string) and an optional `room_id_type` (1 or 2).
fn room_key(b: &Map<String, Value>) -> Result<Option<RoomKey>, Answer> {
    let kind = match b.get("room_id_type") {
        None | Some(Value::Null) => None,
        Some(v) => match v.as_u64() {
            Some(t @ (0..=2)) => Some(t),
            _ => return Err(error(400, "room_id_type must be 0, 1 or 2")),
        },
    };
    let numeric = |n: Option<u64>| match n {
        Some(n) if n >= 1 => Ok(Some(RoomKey::Num(n))),
        _ => Err(error(400, "a numeric room_id must be a positive integer")),
    };
    match (b.get("room_id"), kind) {
        (None | Some(Value::Null), None | Some(0)) => Ok(None),
        (None | Some(Value::Null), Some(_)) => Err(error(400, "room_id_type needs a room_id")),
        (Some(Value::String(s)), None | Some(2)) if !s.is_empty() => Ok(Some(RoomKey::Str(s.clone()))),
        (Some(Value::String(s)), Some(1)) => numeric(super::state::numeric_room(s)),
        (Some(Value::Number(n)), None | Some(1)) => numeric(n.as_u64()),
        (Some(Value::Number(n)), Some(2)) => Ok(Some(RoomKey::Str(n.to_string()))),
        _ => Err(error(400, "room_id must be a positive integer or a non-empty string")),
    }
}

fn create_call(sh: &Shared, b: &Map<String, Value>) -> Answer {
    let run = || -> Result<Answer, Answer> {
        let caller = required(b, "caller")?.to_string();
        let callees = users(b, "callees")?;
        if callees.iter().all(|c| *c == caller) {
            return Err(error(400, "callees must name at least one user other than the caller"));
        }
        let media_type = text(b, "media_type")?.unwrap_or("Audio").to_string();
        if media_type != "Audio" && media_type != "Video" {
            return Err(error(400, "media_type must be Audio or Video"));
        }
        let room = room_key(b)?;
        let group_id = text(b, "group_id")?.unwrap_or("").to_string();
        let new = NewCall { caller, callees, media_type, room, group_id };
        let id = sh.with_world(|w| w.create_call(new, unix_now(), super::log::now_ms()));
        Ok((200, json!({"CallId": id})))
    };
    run().unwrap_or_else(|a| a)
}

fn member(sh: &Shared, id: &str, b: &Map<String, Value>) -> Answer {
    let run = || -> Result<Answer, Answer> {
        let user = required(b, "user")?;
        let action = required(b, "action")?;
        let result = text(b, "call_result")?;
        if result.is_some_and(|r| !super::state::CALL_RESULTS.contains(&r)) {
            return Err(error(400, "call_result is not a known CallResult"));
        }
        let outcome = sh.with_world(|w| w.member_action(id, user, action, result, unix_now(), super::log::now_ms()));
        match outcome {
            Ok(v) => Ok((200, v)),
            Err(Refusal::NotFound) => Err(error(404, format!("call {id} does not exist or has ended"))),
            Err(Refusal::Invalid(why)) => Err(error(400, why)),
        }
    };
    run().unwrap_or_else(|a| a)
}

fn create_room(sh: &Shared, b: &Map<String, Value>) -> Answer {
    let run = || -> Result<Answer, Answer> {
        let key = room_key(b)?.ok_or_else(|| error(400, "room_id is required"))?;
        let users = users(b, "users")?;
        let answer = json!({"RoomId": match &key { RoomKey::Num(n) => json!(n), RoomKey::Str(s) => json!(s) },
                            "users": users});
        sh.with_world(|w| w.create_room(key, users, super::log::now_ms()));
        Ok((200, answer))
    };
    run().unwrap_or_else(|a| a)
}

fn create_session(sh: &Shared, b: &Map<String, Value>) -> Answer {
    let run = || -> Result<Answer, Answer> {
        let state = text(b, "state")?.unwrap_or("Agent").to_string();
        if !LIVE_SESSION_STATES.contains(&state.as_str()) {
            return Err(error(400, format!("state must be one of {}", LIVE_SESSION_STATES.join(", "))));
        }
        let default_agent =
            if matches!(state.as_str(), "Agent" | "WaitingForAgentAnswering") { "agent@sandbox.local" } else { "" };
        let session = Session {
            id: text(b, "session_id")?.filter(|s| !s.is_empty()).map_or_else(super::state::uuid, String::from),
            client_user_id: required(b, "client_user_id")?.into(),
            customer_service_id: text(b, "customer_service_id")?.unwrap_or("@customer_service_account").into(),
            agent_id: text(b, "agent_id")?.unwrap_or(default_agent).into(),
            agent_group_id: text(b, "agent_group_id")?.unwrap_or("1").into(),
            agent_group_name: text(b, "agent_group_name")?.unwrap_or("sandbox").into(),
            nick_name: text(b, "client_nick_name")?.unwrap_or("").into(),
            state,
            start_time: unix_now(),
            end_time: None,
            end_status: String::new(),
        };
        let id = session.id.clone();
        match sh.with_world(|w| w.add_session(session)) {
            Ok(()) => Ok((200, json!({"SessionId": id}))),
            Err(Refusal::Invalid(why)) => Err(error(400, why)),
            Err(Refusal::NotFound) => Err(error(404, "not found")),
        }
    };
    run().unwrap_or_else(|a| a)
}

fn desk_callback(sh: &Shared, b: &Map<String, Value>) -> Answer {
    let url = match text(b, "url") {
        Ok(u) => u.map(String::from),
        Err(a) => return a,
    };
    if url.as_deref().is_some_and(|u| !(u.starts_with("http://") || u.starts_with("https://"))) {
        return error(400, "url must start with http:// or https://");
    }
    sh.with_world(|w| w.desk_callback = url.clone());
    (200, json!({"url": url}))
}

fn trtc_callback(sh: &Shared, b: &Map<String, Value>) -> Answer {
    if let Some(k) = b.keys().find(|k| !["url", "key", "repeat"].contains(&k.as_str())) {
        return error(400, format!("unknown field {k} (url, key, repeat)"));
    }
    let run = || -> Result<Option<TrtcCallback>, Answer> {
        let Some(url) = text(b, "url")? else { return Ok(None) };
        let key = text(b, "key")?.map(String::from);
        let repeat = match b.get("repeat") {
            None | Some(Value::Null) => 1,
            Some(v) => v.as_u64().and_then(|n| u32::try_from(n).ok()).unwrap_or(0),
        };
        TrtcCallback::new(url.into(), key, repeat).map(Some).map_err(|e| error(400, e))
    };
    match run() {
        Ok(cfg) => {
            let answer = TrtcCallback::json(cfg.as_ref());
            sh.with_world(|w| w.trtc_callback = cfg);
            (200, answer)
        }
        Err(a) => a,
    }
}
