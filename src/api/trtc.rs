//! TRTC room control over Cloud API 3.0: `DismissRoom[ByStrRoomId]`, `RemoveUser[ByStrRoomId]`.
//!
//! The action is chosen from the JSON type of `RoomId`: a number selects the
//! numeric-room action, a string the `ByStrRoomId` action.

use super::{Build, CloudTarget, Exec, OpSpec};
use crate::config::Config;
use crate::error::{Error, Result};
use crate::pyjson;
use crate::schema::{Field, Kind, USER_ID};
use crate::transport::retry::RetryClass;
use serde_json::{Map, Value};
use std::borrow::Cow;

/// Signing service name.
pub const SERVICE: &str = "trtc";
/// API version.
pub const VERSION: &str = "2019-07-22";

/// `dismiss_room` request.
pub static DISMISS_FIELDS: &[Field] =
    &[Field::opt("SdkAppId", Kind::Int { min: 1, max: u32::MAX as i128 }), Field::req("RoomId", Kind::RoomId)];

/// `remove_users` request.
pub static REMOVE_FIELDS: &[Field] = &[
    Field::opt("SdkAppId", Kind::Int { min: 1, max: u32::MAX as i128 }),
    Field::req("RoomId", Kind::RoomId),
    Field::req("UserIds", Kind::List { min: 1, max: 10, item: &USER_ID }),
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

/// The action and body of `dismiss_room` for a validated request.
pub fn dismiss_room(config_app: u64, req: &Value) -> Result<(&'static str, Vec<u8>)> {
    let (params, numeric) = base_params(config_app, req)?;
    let action = if numeric { "DismissRoom" } else { "DismissRoomByStrRoomId" };
    Ok((action, pyjson::dumps(&Value::Object(params)).into_bytes()))
}

/// The action and body of `remove_users` for a validated request.
pub fn remove_users(config_app: u64, req: &Value) -> Result<(&'static str, Vec<u8>)> {
    let (mut params, numeric) = base_params(config_app, req)?;
    params.insert("UserIds".into(), req["UserIds"].clone());
    let action = if numeric { "RemoveUser" } else { "RemoveUserByStrRoomId" };
    Ok((action, pyjson::dumps(&Value::Object(params)).into_bytes()))
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

/// The body is `json.dumps(params)` exactly as the official Python SDK sends it, with the
/// parameters in the SDK model's order (`SdkAppId`, `RoomId`, [`UserIds`]).
fn base_params(config_app: u64, req: &Value) -> Result<(Map<String, Value>, bool)> {
    if let Some(given) = req.get("SdkAppId").and_then(Value::as_u64) {
        if given != config_app {
            return Err(Error::invalid_request(format!(
                "SdkAppId {given} does not match the configured sdk_app_id {config_app}"
            )));
        }
    }
    let mut params = Map::new();
    params.insert("SdkAppId".into(), Value::from(config_app));
    params.insert("RoomId".into(), req["RoomId"].clone());
    Ok((params, req["RoomId"].is_number()))
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
