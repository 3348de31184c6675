//! Cloud Contact Center (Desk) session APIs.

use super::ImOp;
use crate::error::{Error, Result};
use crate::schema::{Field, Kind, NON_EMPTY, NON_NEG, USER_ID};
use crate::transport::retry::RetryClass;
use serde_json::Value;

static SESSION_ID: &[Field] = &[Field::req("SessionId", NON_EMPTY)];

static STATE: &[Field] = &[
    Field::opt("SessionId", NON_EMPTY),
    Field::opt("ClientUserId", USER_ID),
    Field::opt("CustomerServiceId", USER_ID),
];

static CDR: &[Field] = &[
    Field::req("StartTimestamp", NON_NEG),
    Field::req("EndTimestamp", NON_NEG),
    Field::opt("Limit", Kind::Int { min: 1, max: 100 }),
    Field::opt("Offset", NON_NEG),
    Field::opt("ClientUserId", USER_ID),
];

/// `get_session_state` takes `SessionId`, or `ClientUserId` with `CustomerServiceId`.
fn session_or_user(v: &Value) -> Result<()> {
    let has = |k: &str| v.get(k).is_some();
    match (has("SessionId"), has("ClientUserId"), has("CustomerServiceId")) {
        (true, false, false) | (false, true, true) => Ok(()),
        _ => Err(Error::invalid_request(
            "get_desk_session_state needs SessionId, or ClientUserId together with CustomerServiceId",
        )),
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
pub static END_SESSION: ImOp = ImOp {
    name: "end_desk_session",
    path: "v4/desk_http_svc/end_session",
    fields: SESSION_ID,
    retry: RetryClass::Ending,
    check: None,
};
/// State of a user session.
pub static GET_SESSION_STATE: ImOp = ImOp {
    name: "get_desk_session_state",
    path: "v4/desk_http_svc/get_session_state",
    fields: STATE,
    retry: RetryClass::Safe,
    check: Some(session_or_user),
};
/// Session records in a time range.
pub static DESCRIBE_IM_CDR_LIST: ImOp = ImOp {
    name: "list_desk_sessions",
    path: "v4/desk_http_svc/describe_im_cdr_list",
    fields: CDR,
    retry: RetryClass::Safe,
    check: Some(time_range),
};
