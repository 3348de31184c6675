//! Cloud Contact Center (Desk) session APIs.

use super::OpSpec;
use crate::error::{Error, Result};
use crate::schema::{Field, Kind, NON_EMPTY, NON_NEG, USER_ID};
use crate::transport::RetryClass;
use serde_json::Value;

static SESSION_ID: &[Field] = &[Field::req("SessionId", NON_EMPTY)];

static STATE: &[Field] = &[
    Field::opt("SessionId", NON_EMPTY),
    Field::opt("ClientUserId", USER_ID),
    Field::opt("CustomerServiceId", USER_ID),
];

// §5.3: Limit at most 100 (the only documented bound), default 20.
static CDR: &[Field] = &[
    Field::req("StartTimestamp", NON_NEG),
    Field::req("EndTimestamp", NON_NEG),
    Field::opt("Limit", Kind::Int { min: 1, max: 100 }),
    Field::opt("Offset", NON_NEG),
    Field::opt("ClientUserId", USER_ID),
];

/// `get_session_state` needs something to find the session by: `SessionId` or
/// `ClientUserId` (with `CustomerServiceId` or not). §5.2 marks all three optional and
/// shows the two forms without forbidding a mix, so any mix is sent as given.
fn session_or_user(v: &Value) -> Result<()> {
    match v.get("SessionId").is_some() || v.get("ClientUserId").is_some() {
        true => Ok(()),
        false => Err(Error::invalid_request("get_desk_session_state needs SessionId or ClientUserId")),
    }
}

fn time_range(v: &Value) -> Result<()> {
    let (start, end) = (v["StartTimestamp"].as_u64(), v["EndTimestamp"].as_u64());
    if start > end {
        return Err(Error::invalid_request("StartTimestamp must not be after EndTimestamp"));
    }
    Ok(())
}

/// End a session handed to a human agent. `SessionId` is required (the doc marks it
/// optional, but ending "no session" has no meaning).
pub static END_DESK_SESSION: OpSpec =
    OpSpec::im("end_desk_session", "v4/desk_http_svc/end_session", SESSION_ID, RetryClass::Ending);
/// State of a user session.
pub static GET_DESK_SESSION_STATE: OpSpec =
    OpSpec::im("get_desk_session_state", "v4/desk_http_svc/get_session_state", STATE, RetryClass::Safe)
        .checked(session_or_user);
/// Session records in a time range.
pub static LIST_DESK_SESSIONS: OpSpec =
    OpSpec::im("list_desk_sessions", "v4/desk_http_svc/describe_im_cdr_list", CDR, RetryClass::Safe)
        .checked(time_range);
