//! TRTC room control over Cloud API 3.0: `DismissRoom[ByStrRoomId]`, `RemoveUser[ByStrRoomId]`.
//!
//! The action is chosen from the JSON type of `RoomId`: a number selects the
//! numeric-room action, a string the `ByStrRoomId` action.

use crate::error::{Error, Result};
use crate::pyjson;
use crate::schema::{self, Field, Kind, USER_ID};
use serde_json::{Map, Value};

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

/// A validated TRTC call: the action and its parameters in the SDK model's order.
#[derive(Clone, Debug, PartialEq)]
pub struct TrtcCall {
    /// `X-TC-Action`.
    pub action: &'static str,
    /// Parameters (`SdkAppId`, `RoomId`, [`UserIds`]).
    pub params: Value,
}

impl TrtcCall {
    /// The body bytes: `json.dumps(params)` exactly as the official Python SDK sends them.
    pub fn body(&self) -> Vec<u8> {
        pyjson::dumps(&self.params).into_bytes()
    }
}

/// Builds `DismissRoom` or `DismissRoomByStrRoomId`.
pub fn dismiss_room(config_app: u64, req: &Value) -> Result<TrtcCall> {
    schema::validate(req, DISMISS_FIELDS, "dismiss_room request", crate::error::ErrorCode::InvalidRequest)?;
    let (params, numeric) = base_params(config_app, req)?;
    let action = if numeric { "DismissRoom" } else { "DismissRoomByStrRoomId" };
    Ok(TrtcCall { action, params: Value::Object(params) })
}

/// Builds `RemoveUser` or `RemoveUserByStrRoomId`.
pub fn remove_users(config_app: u64, req: &Value) -> Result<TrtcCall> {
    schema::validate(req, REMOVE_FIELDS, "remove_users request", crate::error::ErrorCode::InvalidRequest)?;
    let (mut params, numeric) = base_params(config_app, req)?;
    params.insert("UserIds".into(), req["UserIds"].clone());
    let action = if numeric { "RemoveUser" } else { "RemoveUserByStrRoomId" };
    Ok(TrtcCall { action, params: Value::Object(params) })
}

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

    #[test]
    fn action_follows_room_id_type() {
        let c = dismiss_room(1400000000, &json!({"RoomId": 12345})).unwrap();
        assert_eq!(c.action, "DismissRoom");
        assert_eq!(String::from_utf8(c.body()).unwrap(), r#"{"SdkAppId": 1400000000, "RoomId": 12345}"#);
        let c = dismiss_room(1400000000, &json!({"RoomId": "房间1", "SdkAppId": 1400000000})).unwrap();
        assert_eq!(c.action, "DismissRoomByStrRoomId");
        assert_eq!(String::from_utf8(c.body()).unwrap(), r#"{"SdkAppId": 1400000000, "RoomId": "\u623f\u95f41"}"#);
        let c = remove_users(1400000000, &json!({"UserIds": ["alice", "bob"], "RoomId": 12345})).unwrap();
        assert_eq!(c.action, "RemoveUser");
        assert_eq!(
            String::from_utf8(c.body()).unwrap(),
            r#"{"SdkAppId": 1400000000, "RoomId": 12345, "UserIds": ["alice", "bob"]}"#
        );
        assert_eq!(remove_users(1, &json!({"RoomId": "r", "UserIds": ["a"]})).unwrap().action, "RemoveUserByStrRoomId");
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
            let e = dismiss_room(1, &req).unwrap_err();
            assert!(e.message.contains(want), "{req}: {}", e.message);
        }
        let eleven: Vec<String> = (0..11).map(|i| format!("u{i}")).collect();
        let e = remove_users(1, &json!({"RoomId": 1, "UserIds": eleven})).unwrap_err();
        assert!(e.message.contains("UserIds must have 1 to 10 items"), "{}", e.message);
    }
}
