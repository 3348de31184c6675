//! TRTC room control over Cloud API 3.0: `DismissRoom[ByStrRoomId]`,
//! `RemoveUser[ByStrRoomId]` and `SetUserBlocked[ByStrRoomId]`.
//!
//! Numeric room 1234 and string room "1234" are different rooms (spec §4.12). The room is
//! taken from `RoomId` and, when given, `RoomIdType` exactly as the Call APIs report a
//! call's room (a string plus 1 numeric / 2 string), so `get_call_info`'s room goes
//! straight into these operations. Without `RoomIdType`, a JSON number is a numeric room
//! and a string a string room.

use super::{Build, CloudTarget, Exec, OpSpec};
use crate::config::Config;
use crate::error::{Error, Result};
use crate::pyjson;
use crate::schema::{Field, Kind, USER_ID};
use crate::transport::RetryClass;
use serde_json::{Map, Value};
use std::borrow::Cow;

/// Signing service name.
pub const SERVICE: &str = "trtc";
/// API version.
pub const VERSION: &str = "2019-07-22";

const SDK_APP_ID: Field = Field::opt("SdkAppId", Kind::Int { min: 1, max: u32::MAX as i128 });
const ROOM_ID: Field = Field::req("RoomId", Kind::RoomId);
const ROOM_ID_TYPE: Field = Field::opt("RoomIdType", Kind::Int { min: 1, max: 2 });

/// `dismiss_room` request.
pub static DISMISS_FIELDS: &[Field] = &[SDK_APP_ID, ROOM_ID, ROOM_ID_TYPE];

/// `remove_users` request: at most 10 users (§4.9, the documented bound).
pub static REMOVE_FIELDS: &[Field] =
    &[SDK_APP_ID, ROOM_ID, ROOM_ID_TYPE, Field::req("UserIds", Kind::List { min: 1, max: 10, item: &USER_ID })];

/// `block_user` request: `IsMute` 0 enables audio and video, 1 disables both, 2 audio
/// only, 3 video only (§4.11).
pub static BLOCK_FIELDS: &[Field] = &[
    SDK_APP_ID,
    ROOM_ID,
    ROOM_ID_TYPE,
    Field::req("UserId", USER_ID),
    Field::req("IsMute", Kind::Int { min: 0, max: 3 }),
];

/// Dismiss a TRTC room (ending: "room gone" after an unknown outcome is success).
pub static DISMISS_ROOM: OpSpec = OpSpec {
    name: "dismiss_room",
    fields: DISMISS_FIELDS,
    check: None,
    exec: Exec::Send(Build::Cloud(|c, r| Ok(target(c, dismiss_room(c.sdk_app_id, r)?))), RetryClass::Ending),
};
/// Remove users from a TRTC room.
pub static REMOVE_USERS: OpSpec = OpSpec {
    name: "remove_users",
    fields: REMOVE_FIELDS,
    check: None,
    exec: Exec::Send(Build::Cloud(|c, r| Ok(target(c, remove_users(c.sdk_app_id, r)?))), RetryClass::Safe),
};
/// Mute or unmute a user's audio and/or video in a TRTC room (idempotent: a state is set).
pub static BLOCK_USER: OpSpec = OpSpec {
    name: "block_user",
    fields: BLOCK_FIELDS,
    check: None,
    exec: Exec::Send(Build::Cloud(|c, r| Ok(target(c, block_user(c.sdk_app_id, r)?))), RetryClass::Safe),
};

/// A TRTC room.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Room {
    /// A numeric room id.
    Numeric(u64),
    /// A string room id.
    Str(String),
}

impl Room {
    /// The room a validated request names (see the module doc).
    pub fn of(req: &Value) -> Result<Room> {
        let kind = req.get("RoomIdType").and_then(Value::as_u64);
        Ok(match (kind, &req["RoomId"]) {
            (None | Some(1), Value::Number(n)) => Room::Numeric(n.as_u64().unwrap_or_default()),
            (None | Some(2), Value::String(s)) => Room::Str(s.clone()),
            (Some(1), Value::String(s)) => match s.parse::<u64>() {
                Ok(n) if n >= 1 && !s.starts_with(['+', '0']) => Room::Numeric(n),
                _ => {
                    return Err(Error::invalid_request(format!(
                        "RoomId {s:?} is not a numeric room id (1 to {}) but RoomIdType is 1",
                        u64::MAX
                    )))
                }
            },
            (_, other) => Room::Str(other.to_string()),
        })
    }

    /// The room's id as the TRTC action takes it: a number, or a string.
    fn json(&self) -> Value {
        match self {
            Room::Numeric(n) => Value::from(*n),
            Room::Str(s) => Value::from(s.as_str()),
        }
    }

    fn numeric(&self) -> bool {
        matches!(self, Room::Numeric(_))
    }
}

/// The action and body of `dismiss_room` for a validated request.
pub fn dismiss_room(config_app: u64, req: &Value) -> Result<(&'static str, Vec<u8>)> {
    let (room, mut params) = base_params(config_app, req)?;
    params.insert("RoomId".into(), room.json());
    let action = if room.numeric() { "DismissRoom" } else { "DismissRoomByStrRoomId" };
    Ok((action, body(params)))
}

/// The action and body of `remove_users` for a validated request.
pub fn remove_users(config_app: u64, req: &Value) -> Result<(&'static str, Vec<u8>)> {
    let (room, mut params) = base_params(config_app, req)?;
    params.insert("RoomId".into(), room.json());
    params.insert("UserIds".into(), req["UserIds"].clone());
    let action = if room.numeric() { "RemoveUser" } else { "RemoveUserByStrRoomId" };
    Ok((action, body(params)))
}

/// The action and body of `block_user`: the string action names its room `StrRoomId`
/// (§4.11), unlike the other `ByStrRoomId` actions.
pub fn block_user(config_app: u64, req: &Value) -> Result<(&'static str, Vec<u8>)> {
    let (room, mut params) = base_params(config_app, req)?;
    let (action, key) =
        if room.numeric() { ("SetUserBlocked", "RoomId") } else { ("SetUserBlockedByStrRoomId", "StrRoomId") };
    params.insert(key.into(), room.json());
    params.insert("UserId".into(), req["UserId"].clone());
    params.insert("IsMute".into(), req["IsMute"].clone());
    Ok((action, body(params)))
}

fn target<'a>(config: &'a Config, (action, body): (&'static str, Vec<u8>)) -> CloudTarget<'a> {
    CloudTarget {
        service: SERVICE,
        version: VERSION,
        action,
        region: &config.cloud_api.region,
        endpoint: Cow::Borrowed(&config.cloud_api.endpoint),
        body,
        timestamp: None,
    }
}

/// The body is `json.dumps(params)` exactly as the official Python SDK sends it, the
/// parameters in the SDK model's order (`SdkAppId` first, then the room, then the rest).
fn body(params: Map<String, Value>) -> Vec<u8> {
    pyjson::dumps(&Value::Object(params)).into_bytes()
}

/// The room, and the parameters started with `SdkAppId` (the config's, or the request's
/// when it matches).
fn base_params(config_app: u64, req: &Value) -> Result<(Room, Map<String, Value>)> {
    if let Some(given) = req.get("SdkAppId").and_then(Value::as_u64) {
        if given != config_app {
            return Err(Error::invalid_request(format!(
                "SdkAppId {given} does not match the configured sdk_app_id {config_app}"
            )));
        }
    }
    let mut params = Map::new();
    params.insert("SdkAppId".into(), Value::from(config_app));
    Ok((Room::of(req)?, params))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn text((action, body): (&str, Vec<u8>)) -> (&str, String) {
        (action, String::from_utf8(body).unwrap())
    }

    #[test]
    fn action_follows_room_id_type() {
        let c = text(dismiss_room(1400000000, &json!({"RoomId": 12345})).unwrap());
        assert_eq!(c, ("DismissRoom", r#"{"SdkAppId": 1400000000, "RoomId": 12345}"#.into()));
        let c = text(dismiss_room(1400000000, &json!({"RoomId": "房间1", "SdkAppId": 1400000000})).unwrap());
        assert_eq!(c, ("DismissRoomByStrRoomId", r#"{"SdkAppId": 1400000000, "RoomId": "\u623f\u95f41"}"#.into()));
        let c = text(remove_users(1400000000, &json!({"UserIds": ["alice", "bob"], "RoomId": 12345})).unwrap());
        assert_eq!(
            c,
            ("RemoveUser", r#"{"SdkAppId": 1400000000, "RoomId": 12345, "UserIds": ["alice", "bob"]}"#.into())
        );
        assert_eq!(remove_users(1, &json!({"RoomId": "r", "UserIds": ["a"]})).unwrap().0, "RemoveUserByStrRoomId");
    }

    #[test]
    fn call_rooms_keep_their_kind() {
        // get_call_info reports "1234" with RoomIdType 1: that is numeric room 1234.
        let c = text(dismiss_room(1, &json!({"RoomId": "1234", "RoomIdType": 1})).unwrap());
        assert_eq!(c, ("DismissRoom", r#"{"SdkAppId": 1, "RoomId": 1234}"#.into()));
        let c = text(dismiss_room(1, &json!({"RoomId": "1234", "RoomIdType": 2})).unwrap());
        assert_eq!(c, ("DismissRoomByStrRoomId", r#"{"SdkAppId": 1, "RoomId": "1234"}"#.into()));
        let c = text(remove_users(1, &json!({"RoomId": 77, "RoomIdType": 2, "UserIds": ["a"]})).unwrap());
        assert_eq!(c, ("RemoveUserByStrRoomId", r#"{"SdkAppId": 1, "RoomId": "77", "UserIds": ["a"]}"#.into()));
        let big = json!({"RoomId": "18446744073709551615", "RoomIdType": 1});
        assert_eq!(text(dismiss_room(1, &big).unwrap()).1, r#"{"SdkAppId": 1, "RoomId": 18446744073709551615}"#);
        for bad in ["room-a", "0", "-1", "+5", "007", "18446744073709551616", ""] {
            let e = dismiss_room(1, &json!({"RoomId": bad, "RoomIdType": 1})).unwrap_err();
            assert_eq!(e.code, crate::error::ErrorCode::InvalidRequest);
            assert!(e.message.contains("RoomId") && e.message.contains("RoomIdType is 1"), "{bad}: {}", e.message);
        }
        assert!(DISMISS_ROOM.validate(&json!({"RoomId": "1", "RoomIdType": 3})).is_err());
    }

    #[test]
    fn block_user_names_the_string_room_str_room_id() {
        let c = text(block_user(1, &json!({"RoomId": 9, "UserId": "u", "IsMute": 2})).unwrap());
        assert_eq!(c, ("SetUserBlocked", r#"{"SdkAppId": 1, "RoomId": 9, "UserId": "u", "IsMute": 2}"#.into()));
        let c = text(block_user(1, &json!({"RoomId": "r9", "UserId": "u", "IsMute": 0})).unwrap());
        assert_eq!(
            c,
            ("SetUserBlockedByStrRoomId", r#"{"SdkAppId": 1, "StrRoomId": "r9", "UserId": "u", "IsMute": 0}"#.into())
        );
        let c = text(block_user(1, &json!({"RoomId": "9", "RoomIdType": 1, "UserId": "u", "IsMute": 1})).unwrap());
        assert_eq!(c.0, "SetUserBlocked");
        assert!(BLOCK_USER.validate(&json!({"RoomId": 9, "UserId": "u", "IsMute": 4})).is_err());
        assert!(BLOCK_USER.validate(&json!({"RoomId": 9, "UserId": "u"})).is_err());
    }

    #[test]
    fn local_validation() {
        let cases = [
            (json!({}), "RoomId is required"),
            (json!({"RoomId": 1, "SdkAppId": 2}), "does not match the configured sdk_app_id"),
            (json!({"RoomId": 1.5}), "RoomId as a number must be an integer"),
            (json!({"RoomId": 1, "Extra": true}), "unknown field `Extra`"),
        ];
        for (req, want) in cases {
            let e = DISMISS_ROOM.validate(&req).and_then(|_| dismiss_room(1, &req).map(|_| ())).unwrap_err();
            assert!(e.message.contains(want), "{req}: {}", e.message);
        }
        let eleven: Vec<String> = (0..11).map(|i| format!("u{i}")).collect();
        let e = REMOVE_USERS.validate(&json!({"RoomId": 1, "UserIds": eleven})).unwrap_err();
        assert!(e.message.contains("UserIds must have 1 to 10 items"), "{}", e.message);
    }
}
