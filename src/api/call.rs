//! Call (TUICallKit) v4 REST APIs: call status, records and webhook configuration.

use super::ImOp;
use crate::schema::{Field, Kind, NON_EMPTY, NON_NEG, USER_ID};
use crate::transport::retry::RetryClass;

/// The three Call webhook commands.
pub const CALLBACK_COMMANDS: &[&str] =
    &["Call.CallbackAfterStartCall", "Call.CallbackAfterEndCall", "Call.CallbackAfterMemberChanged"];
/// `CallResult` values of records and the end webhook.
pub const CALL_RESULTS: &[&str] = &["Cancel", "Reject", "NotAnswer", "NormalEnd", "CallBusy", "Interrupt", "Offline"];

static CALL_ID: &[Field] = &[Field::req("CallId", NON_EMPTY)];

static ROBOT_CALL_INFO: &[Field] = &[
    Field::req("MediaType", Kind::OneOf(&["Audio", "Video"])),
    Field::opt("RoomId", Kind::Str { min: 0, max: 64 }),
    Field::opt("RoomIdType", Kind::Int { min: 1, max: 2 }),
];

static ROBOT: &[Field] = &[
    Field::req("Robot_Account", USER_ID),
    Field::req("CalleeList_Account", Kind::List { min: 1, max: 1000, item: &USER_ID }),
    Field::req("Timeout", Kind::Int { min: 10_000, max: 600_000 }),
    Field::opt("UserData", Kind::Str { min: 0, max: 1000 }),
    Field::req("CallInfo", Kind::Object(ROBOT_CALL_INFO)),
    Field::opt("OfflinePushInfo", Kind::AnyObject),
];

static FILTER: &[Field] = &[
    Field::opt("StartTime", NON_NEG),
    Field::opt("EndTime", NON_NEG),
    Field::opt("NumberPerPage", Kind::Int { min: 1, max: 1000 }),
    Field::opt("Page", Kind::Int { min: 1, max: i32::MAX as i128 }),
    Field::opt("CallResult", Kind::OneOf(CALL_RESULTS)),
    Field::opt("CallType", Kind::OneOf(&["SingleCall", "MultiCall"])),
];

static SET_CALLBACK_FIELDS: &[Field] = &[
    Field::req("Url", Kind::HttpUrl),
    Field::req("CallbackCommandList", Kind::List { min: 1, max: 3, item: &Kind::OneOf(CALLBACK_COMMANDS) }),
];

/// Force-end a call.
pub static END_CALL: ImOp = ImOp {
    name: "end_call",
    path: "v4/call_engine_http_srv/end_call",
    fields: CALL_ID,
    retry: RetryClass::Ending,
    check: None,
};
/// Live status of a call.
pub static GET_CALL_INFO: ImOp = ImOp {
    name: "get_call_info",
    path: "v4/call_engine_http_srv/get_call_info",
    fields: CALL_ID,
    retry: RetryClass::Safe,
    check: None,
};
/// Start a call from a robot account.
pub static START_CALL_BY_ROBOT: ImOp = ImOp {
    name: "start_call_by_robot",
    path: "v4/call_engine_http_srv/start_call_by_robot",
    fields: ROBOT,
    retry: RetryClass::OnlyUnsent,
    check: None,
};
/// Record of one ended call.
pub static GET_RECORD_BY_CALLID: ImOp = ImOp {
    name: "get_call_record",
    path: "v4/call_record_http_srv/get_record_by_callid",
    fields: CALL_ID,
    retry: RetryClass::Safe,
    check: None,
};
/// Records of the last 7 days, by filter.
pub static GET_RECORD_BY_FILTER: ImOp = ImOp {
    name: "search_call_records",
    path: "v4/call_record_http_srv/get_record_by_filter",
    fields: FILTER,
    retry: RetryClass::Safe,
    check: None,
};
/// Create or overwrite the webhook configuration (idempotent).
pub static SET_CALLBACK: ImOp = ImOp {
    name: "set_callback_config",
    path: "v4/call_config/set_callback",
    fields: SET_CALLBACK_FIELDS,
    retry: RetryClass::Safe,
    check: None,
};
/// Read the webhook configuration.
pub static GET_CALLBACK: ImOp = ImOp {
    name: "get_callback_config",
    path: "v4/call_config/get_callback",
    fields: &[],
    retry: RetryClass::Safe,
    check: None,
};
/// Delete the webhook configuration (idempotent).
pub static DELETE_CALLBACK: ImOp = ImOp {
    name: "delete_callback_config",
    path: "v4/call_config/delete_callback",
    fields: &[],
    retry: RetryClass::Safe,
    check: None,
};
