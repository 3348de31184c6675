//! Call (TUICallKit) v4 REST APIs: call status, records and webhook configuration.

use super::OpSpec;
use crate::schema::Preset::{Int, Str};
use crate::schema::{Field, Kind, NON_EMPTY, NON_NEG, USER_ID};
use crate::transport::RetryClass;

/// `CallResult` values of records and the end webhook (spec §2.1).
pub const CALL_RESULTS: &[&str] = &["Cancel", "Reject", "NotAnswer", "NormalEnd", "CallBusy", "Interrupt", "Offline"];

static CALL_ID: &[Field] = &[Field::req("CallId", NON_EMPTY)];

static ROBOT_CALL_INFO: &[Field] = &[
    Field::opt("MediaType", Kind::OneOf(&["Audio", "Video"])).or(Str("Audio")),
    Field::opt("RoomId", Kind::Str { min: 0, max: 64 }),
    Field::opt("RoomIdType", Kind::Int { min: 1, max: 2 }),
];

// Limits are the documented ones only (spec §2.4, trtc.io/document/74505): Timeout
// 10000-600000 ms, UserData <= 1000 bytes, UserIDs <= 32 bytes (§1.10). The number of
// callees has no documented maximum (the input size limit bounds it).
static ROBOT: &[Field] = &[
    Field::req("Robot_Account", USER_ID),
    Field::req("CalleeList_Account", Kind::List { min: 1, max: usize::MAX, item: &USER_ID }),
    // The ringing timeout in ms; 30 s when not given (as the TUICallKit clients default).
    Field::opt("Timeout", Kind::Int { min: 10_000, max: 600_000 }).or(Int(30_000)),
    Field::opt("UserData", Kind::Str { min: 0, max: 1000 }),
    Field::req("CallInfo", Kind::Object(ROBOT_CALL_INFO)),
    Field::opt("OfflinePushInfo", Kind::AnyObject),
];

// §2.6 (trtc.io/document/68931): NumberPerPage defaults to 10, its maximum is not stated.
static FILTER: &[Field] = &[
    Field::opt("StartTime", NON_NEG),
    Field::opt("EndTime", NON_NEG),
    Field::opt("NumberPerPage", Kind::Int { min: 1, max: i32::MAX as i128 }),
    Field::opt("Page", Kind::Int { min: 1, max: i32::MAX as i128 }),
    Field::opt("CallResult", Kind::OneOf(CALL_RESULTS)),
    Field::opt("CallType", Kind::OneOf(&["SingleCall", "MultiCall"])),
];

// Any `Call.` command is accepted (§3.4): a command Tencent adds later must not be refused.
static SET_CALLBACK_FIELDS: &[Field] = &[
    Field::req("Url", Kind::HttpUrl),
    Field::req("CallbackCommandList", Kind::List { min: 1, max: usize::MAX, item: &Kind::Prefixed("Call.") }),
];

/// Force-end a call.
pub static END_CALL: OpSpec = OpSpec::im("end_call", "v4/call_engine_http_srv/end_call", CALL_ID, RetryClass::Ending);
/// Live status of a call.
pub static GET_CALL_INFO: OpSpec =
    OpSpec::im("get_call_info", "v4/call_engine_http_srv/get_call_info", CALL_ID, RetryClass::Safe);
/// Start a call from a robot account (creates something: retried only when unsent).
pub static START_CALL_BY_ROBOT: OpSpec =
    OpSpec::im("start_call_by_robot", "v4/call_engine_http_srv/start_call_by_robot", ROBOT, RetryClass::OnlyUnsent);
/// Record of one ended call.
pub static GET_CALL_RECORD: OpSpec =
    OpSpec::im("get_call_record", "v4/call_record_http_srv/get_record_by_callid", CALL_ID, RetryClass::Safe);
/// Records of the last 7 days, by filter.
pub static SEARCH_CALL_RECORDS: OpSpec =
    OpSpec::im("search_call_records", "v4/call_record_http_srv/get_record_by_filter", FILTER, RetryClass::Safe);
/// Create or overwrite the webhook configuration (idempotent).
pub static SET_CALLBACK_CONFIG: OpSpec =
    OpSpec::im("set_callback_config", "v4/call_config/set_callback", SET_CALLBACK_FIELDS, RetryClass::Safe);
/// Read the webhook configuration.
pub static GET_CALLBACK_CONFIG: OpSpec =
    OpSpec::im("get_callback_config", "v4/call_config/get_callback", &[], RetryClass::Safe);
/// Delete the webhook configuration (idempotent).
pub static DELETE_CALLBACK_CONFIG: OpSpec =
    OpSpec::im("delete_callback_config", "v4/call_config/delete_callback", &[], RetryClass::Safe);
