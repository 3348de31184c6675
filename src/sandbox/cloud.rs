//! Cloud API 3.0 (`POST /` or `GET /?...`, TC3-HMAC-SHA256) and the six TRTC room actions:
//! `DismissRoom[ByStrRoomId]`, `RemoveUser[ByStrRoomId]`, `SetUserBlocked[ByStrRoomId]`.
//!
//! Checks, in order: method GET/POST (`UnsupportedProtocol`); `Authorization` missing or
//! malformed (`AuthFailure.InvalidAuthorization`); `X-TC-Timestamp` missing
//! (`MissingParameter`) or not a number (`InvalidParameter`); more than the skew window
//! from now (`AuthFailure.SignatureExpire`); credential date not the UTC date of the
//! timestamp, or service not `trtc` (`AuthFailure.SignatureFailure`); unknown SecretId
//! (`AuthFailure.SecretIdNotFound`); the signature recomputed over exactly the headers
//! listed in `SignedHeaders`, names and values lower-cased and values trimmed as
//! Tencent's signature doc specifies (`AuthFailure.SignatureFailure`); then `X-TC-Action`
//! (`InvalidAction`), `X-TC-Version` (`NoSuchVersion`), `X-TC-Region` (`MissingParameter`,
//! `UnsupportedRegion`), the per-action rate (`RequestLimitExceeded`) and the parameters.
//!
//! Parameters, from the JSON body of a POST or the flattened query of a GET (`UserIds.0=a`,
//! every value a string there): a name the action does not take is `UnknownParameter`;
//! `SdkAppId` missing `MissingParameter.SdkAppId`, not an integer `InvalidParameter.SdkAppId`,
//! another app `UnauthorizedOperation.SdkAppId`; the room (`RoomId`, a positive integer for
//! the numeric actions and a non-empty string for the `ByStrRoomId` ones, but `StrRoomId` for
//! `SetUserBlockedByStrRoomId`) missing `MissingParameter.RoomId`, of the wrong kind
//! `InvalidParameter.RoomId`; `UserIds` missing `MissingParameter.UserIds`, not 1-10 non-empty
//! strings `InvalidParameter.UserIds`; `UserId` missing `MissingParameter.UserId`, empty or not
//! a string `InvalidParameter.UserId`; `IsMute` missing `MissingParameter`, not 0-3
//! `InvalidParameter`. Then the room must exist (`FailedOperation.RoomNotExist`; numeric 1234
//! and string "1234" are different rooms) and, for `SetUserBlocked*`, the user must be in it
//! (`FailedOperation.UserNotExist`). `IsMute` 1-3 records the user as blocked in that room
//! (`GET /_sandbox/state`: `"blocked": {"user": IsMute}`), 0 unblocks; leaving the room
//! forgets it.

use super::http::{Reply, Request};
use super::query;
use super::state::{self, Refusal, RoomKey};
use super::verify::{self, tc3};
use super::Shared;
use crate::transport::unix_now;
use serde_json::{json, Map, Value};

/// The actions served.
pub const ACTIONS: &[Spec] = &[
    Spec::new("DismissRoom", Op::Dismiss, true, "RoomId", &["SdkAppId", "RoomId"]),
    Spec::new("DismissRoomByStrRoomId", Op::Dismiss, false, "RoomId", &["SdkAppId", "RoomId"]),
    Spec::new("RemoveUser", Op::Remove, true, "RoomId", &["SdkAppId", "RoomId", "UserIds"]),
    Spec::new("RemoveUserByStrRoomId", Op::Remove, false, "RoomId", &["SdkAppId", "RoomId", "UserIds"]),
    Spec::new("SetUserBlocked", Op::Block, true, "RoomId", &["SdkAppId", "RoomId", "UserId", "IsMute"]),
    Spec::new(
        "SetUserBlockedByStrRoomId",
        Op::Block,
        false,
        "StrRoomId",
        &["SdkAppId", "StrRoomId", "UserId", "IsMute"],
    ),
];
/// The only version served.
pub const VERSION: &str = "2019-07-22";

/// A Cloud API error: `Error.Code` and `Error.Message`.
#[derive(Debug)]
pub struct CloudError {
    code: String,
    message: String,
}

fn fail<T>(code: &str, message: impl Into<String>) -> Result<T, CloudError> {
    Err(CloudError { code: code.into(), message: message.into() })
}

/// What a handled request produced, for the reply and the log.
pub struct Handled {
    /// The HTTP reply.
    pub reply: Reply,
    /// `Error.Code`, `None` on success.
    pub code: Option<String>,
    /// `RequestId`.
    pub request_id: String,
}

/// The reply for an error (used for injected errors too).
pub fn error_reply(code: &str, message: &str, request_id: &str) -> Reply {
    Reply::json(200, &json!({"Response": {"Error": {"Code": code, "Message": message}, "RequestId": request_id}}))
}

/// Answers one Cloud API request.
pub fn handle(sh: &Shared, req: &Request) -> Handled {
    let request_id = state::uuid();
    match authenticate(sh, req).and_then(|action| act(sh, req, action)) {
        Ok(()) => {
            Handled { reply: Reply::json(200, &json!({"Response": {"RequestId": request_id}})), code: None, request_id }
        }
        Err(e) => Handled { reply: error_reply(&e.code, &e.message, &request_id), code: Some(e.code), request_id },
    }
}

const SIGNATURE_FAILURE: &str =
    "The provided credentials could not be validated. Please check your signature is correct.";

/// Verifies the TC3 signature and the common headers; returns the action.
/// Checks the request as Tencent's gateway does, in its order: the signature, then the
/// action, version, region and rate limit.
fn authenticate(sh: &Shared, req: &Request) -> Result<&'static Spec, CloudError> {
    check_signature(sh, req)?;
    check_target(sh, req)
}

/// The method, `Authorization`, timestamp window, and the TC3 signature with an accepted key.
fn check_signature(sh: &Shared, req: &Request) -> Result<(), CloudError> {
    let cfg = &sh.config;
    if req.method != "POST" && req.method != "GET" {
        return fail("UnsupportedProtocol", format!("{} is not supported; use GET or POST", req.method));
    }
    let invalid_auth = || CloudError {
        code: "AuthFailure.InvalidAuthorization".into(),
        message: "Authorization is missing or not a TC3-HMAC-SHA256 authorization".into(),
    };
    let auth = req.header("authorization").ok_or_else(invalid_auth)?;
    let auth = tc3::parse(auth).ok_or_else(invalid_auth)?;
    let ts_text = match req.header("x-tc-timestamp") {
        None => return fail("MissingParameter", "The request is missing a required parameter `X-TC-Timestamp`."),
        Some(t) => t,
    };
    let Ok(ts) = ts_text.parse::<u64>() else {
        return fail("InvalidParameter", "X-TC-Timestamp must be unix seconds");
    };
    let now = sh.auth_now();
    if now.abs_diff(ts) > cfg.clock_skew_s {
        return fail(
            "AuthFailure.SignatureExpire",
            format!(
                "Signature expired. Timestamp {ts} differs from server time {now} by more than {} seconds.",
                cfg.clock_skew_s
            ),
        );
    }
    if auth.date != verify::utc_date(ts) || auth.service != "trtc" {
        return fail("AuthFailure.SignatureFailure", SIGNATURE_FAILURE);
    }
    let keys = sh.keys();
    let Some(secret_key) = keys.cloud_key(&auth.secret_id) else {
        return fail(
            "AuthFailure.SecretIdNotFound",
            "The SecretId is not found, please ensure that your SecretId is correct.",
        );
    };
    let header = |name: &str| req.header(name);
    let received =
        tc3::Received { method: &req.method, query: &req.query, header: &header, body: &req.body, timestamp: ts };
    if tc3::signature_matches(&auth, &received, secret_key) != Ok(true) {
        return fail("AuthFailure.SignatureFailure", SIGNATURE_FAILURE);
    }
    Ok(())
}

/// The action, version and region the request names, and the action's rate limit.
fn check_target(sh: &Shared, req: &Request) -> Result<&'static Spec, CloudError> {
    let cfg = &sh.config;
    let action = match req.header("x-tc-action") {
        Some(a) => match ACTIONS.iter().find(|s| s.name == a) {
            Some(spec) => spec,
            None => return fail("InvalidAction", format!("The requested action `{a}` does not exist.")),
        },
        None => return fail("MissingParameter", "The request is missing a required parameter `X-TC-Action`."),
    };
    match req.header("x-tc-version") {
        Some(VERSION) => {}
        Some(v) => {
            return fail("NoSuchVersion", format!("The requested version `{v}` of service `trtc` does not exist."))
        }
        None => return fail("MissingParameter", "The request is missing a required parameter `X-TC-Version`."),
    }
    match req.header("x-tc-region") {
        None | Some("") => {
            return fail("MissingParameter", "The request is missing a required parameter `X-TC-Region`.")
        }
        Some(r) if !cfg.regions.iter().any(|x| x == r) => {
            return fail(
                "UnsupportedRegion",
                format!("The action `{}` does not support the region `{r}`.", action.name),
            )
        }
        Some(_) => {}
    }
    if sh.over_limit(action.name, cfg.cloud_api_per_second) {
        return fail("RequestLimitExceeded", "Your requests exceed the frequency limit.");
    }
    Ok(action)
}

/// The parameters: the JSON body of a POST, or the flattened query of a GET
/// (`UserIds.0=a&UserIds.1=b`, every value a string).
fn params(req: &Request) -> Result<(Map<String, Value>, bool), CloudError> {
    if req.method == "POST" {
        return match serde_json::from_slice::<Value>(&req.body) {
            Ok(Value::Object(m)) => Ok((m, false)),
            _ => fail("InvalidParameter", "The request body is not a JSON object."),
        };
    }
    let Some(pairs) = query::pairs(&req.query) else {
        return fail("InvalidParameter", "The query string is malformed.");
    };
    let mut map = Map::new();
    let mut users: Vec<(u32, String)> = Vec::new();
    for (k, v) in pairs {
        match k.strip_prefix("UserIds.") {
            Some(i) => match i.parse::<u32>() {
                Ok(i) => users.push((i, v)),
                Err(_) => return fail("InvalidParameter.UserIds", format!("{k} is not a valid UserIds.N parameter")),
            },
            None => {
                map.insert(k, Value::String(v));
            }
        }
    }
    if !users.is_empty() {
        users.sort_by_key(|(i, _)| *i);
        map.insert("UserIds".into(), users.into_iter().map(|(_, u)| Value::String(u)).collect());
    }
    Ok((map, true))
}

/// What an action does.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Op {
    /// `DismissRoom*`.
    Dismiss,
    /// `RemoveUser*`.
    Remove,
    /// `SetUserBlocked*`.
    Block,
}

/// An action: its name, the room's kind and parameter name, and what else it takes.
pub struct Spec {
    /// The `X-TC-Action` name.
    pub name: &'static str,
    op: Op,
    numeric: bool,
    /// `RoomId`, or `StrRoomId` for `SetUserBlockedByStrRoomId` (§4.11).
    room_param: &'static str,
    params: &'static [&'static str],
}

impl Spec {
    const fn new(
        name: &'static str,
        op: Op,
        numeric: bool,
        room_param: &'static str,
        params: &'static [&'static str],
    ) -> Spec {
        Spec { name, op, numeric, room_param, params }
    }
}

/// An unsigned integer parameter: a JSON number, or a decimal string in a GET query.
fn uint(v: &Value, from_query: bool) -> Option<u64> {
    match v {
        Value::String(s) if from_query => s.parse::<u64>().ok(),
        v => v.as_u64(),
    }
}

fn act(sh: &Shared, req: &Request, spec: &Spec) -> Result<(), CloudError> {
    let (p, from_query) = params(req)?;
    let action = spec.name;
    if let Some(k) = p.keys().find(|k| !spec.params.contains(&k.as_str())) {
        return fail("UnknownParameter", format!("The parameter `{k}` is not recognized."));
    }
    match p.get("SdkAppId").map(|v| uint(v, from_query)) {
        None => return fail("MissingParameter.SdkAppId", "SdkAppId is missing."),
        Some(None) => return fail("InvalidParameter.SdkAppId", "SdkAppId must be an integer."),
        Some(Some(a)) if a != sh.config.sdk_app_id => {
            return fail("UnauthorizedOperation.SdkAppId", format!("SdkAppId {a} does not belong to this account."))
        }
        Some(Some(_)) => {}
    }
    // Tencent lists MissingParameter.RoomId / InvalidParameter.RoomId for both room
    // parameters (StrRoomId included); the message names the one sent.
    let name = spec.room_param;
    let key = match (p.get(name), spec.numeric) {
        (None, _) => return fail("MissingParameter.RoomId", format!("{name} is missing.")),
        (Some(v @ (Value::Number(_) | Value::String(_))), true) => {
            uint(v, from_query).filter(|n| *n >= 1).map(RoomKey::Num)
        }
        (Some(Value::String(s)), false) if !s.is_empty() => Some(RoomKey::Str(s.clone())),
        _ => None,
    };
    let Some(key) = key else {
        let want = if spec.numeric { "a positive integer" } else { "a non-empty string" };
        return fail("InvalidParameter.RoomId", format!("{name} must be {want} for {action}."));
    };
    let users: Vec<String> = match spec.op {
        Op::Remove => {
            let list: Option<Vec<&str>> = match p.get("UserIds") {
                None => return fail("MissingParameter.UserIds", "UserIds is missing."),
                Some(Value::Array(items)) => items.iter().map(|u| u.as_str().filter(|s| !s.is_empty())).collect(),
                Some(_) => None,
            };
            match list {
                Some(list) if !list.is_empty() && list.len() <= 10 => list.into_iter().map(String::from).collect(),
                _ => return fail("InvalidParameter.UserIds", "UserIds must hold 1 to 10 non-empty strings."),
            }
        }
        Op::Block => match p.get("UserId") {
            None => return fail("MissingParameter.UserId", "UserId is missing."),
            Some(Value::String(u)) if !u.is_empty() => vec![u.clone()],
            Some(_) => return fail("InvalidParameter.UserId", "UserId must be a non-empty string."),
        },
        Op::Dismiss => Vec::new(),
    };
    let is_mute = match (spec.op, p.get("IsMute")) {
        (Op::Block, None) => return fail("MissingParameter", "The request is missing a required parameter `IsMute`."),
        (Op::Block, Some(v)) => match uint(v, from_query) {
            Some(m @ 0..=3) => m as u8,
            _ => return fail("InvalidParameter", "IsMute must be 0, 1, 2 or 3."),
        },
        _ => 0,
    };
    let (now, now_ms) = (unix_now(), super::log::now_ms());
    let outcome = sh.with_world(|w| match spec.op {
        Op::Dismiss => w.dismiss_room(&key, now, now_ms),
        Op::Remove => w.remove_users(&key, &users, now, now_ms),
        Op::Block => w.block_user(&key, &users[0], is_mute),
    });
    match outcome {
        Ok(()) => Ok(()),
        Err(Refusal::NotFound) => fail("FailedOperation.RoomNotExist", "room not exist"),
        Err(Refusal::Invalid(why)) if spec.op == Op::Block => fail("FailedOperation.UserNotExist", why),
        Err(Refusal::Invalid(why)) => fail("FailedOperation", why),
    }
}
