//! The operations: one table entry per Tencent API, plus tccall's local and raw operations.

pub mod call;
pub mod desk;
pub mod local;
pub mod raw;
pub mod trtc;

use crate::error::Result;
use crate::schema::Field;
use crate::transport::retry::RetryClass;
use serde_json::Value;

/// An IM REST operation (Call v4 or Desk): its path, body schema and retry class.
#[derive(Debug)]
pub struct ImOp {
    /// tccall's name for it (`end_call`).
    pub name: &'static str,
    /// `v4/{service}/{command}`.
    pub path: &'static str,
    /// The documented body.
    pub fields: &'static [Field],
    /// How it may be retried.
    pub retry: RetryClass,
    /// A rule the table cannot express (e.g. "one of A or B+C"), checked after `fields`.
    pub check: Option<fn(&Value) -> Result<()>>,
}

/// Every JSON-in / JSON-out operation of the client.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Operation {
    /// `v4/call_engine_http_srv/end_call`.
    EndCall,
    /// `v4/call_engine_http_srv/get_call_info`.
    GetCallInfo,
    /// `v4/call_engine_http_srv/start_call_by_robot`.
    StartCallByRobot,
    /// `v4/call_record_http_srv/get_record_by_callid`.
    GetCallRecord,
    /// `v4/call_record_http_srv/get_record_by_filter`.
    SearchCallRecords,
    /// `v4/call_config/set_callback`.
    SetCallbackConfig,
    /// `v4/call_config/get_callback`.
    GetCallbackConfig,
    /// `v4/call_config/delete_callback`.
    DeleteCallbackConfig,
    /// TRTC `DismissRoom` / `DismissRoomByStrRoomId`.
    DismissRoom,
    /// TRTC `RemoveUser` / `RemoveUserByStrRoomId`.
    RemoveUsers,
    /// `v4/desk_http_svc/end_session`.
    EndDeskSession,
    /// `v4/desk_http_svc/get_session_state`.
    GetDeskSessionState,
    /// `v4/desk_http_svc/describe_im_cdr_list`.
    ListDeskSessions,
    /// Local: generate a UserSig.
    GenUsersig,
    /// Local: verify a UserSig.
    VerifyUsersig,
    /// Local: generate a PrivateMapKey.
    GenPrivateMapKey,
    /// Raw signed IM REST call.
    ImRequest,
    /// Raw signed Cloud API 3.0 call.
    CloudApiRequest,
    /// Build a signed IM REST request without sending it.
    SignImRequest,
    /// Build a signed Cloud API request without sending it.
    SignCloudApiRequest,
}

impl Operation {
    /// Every operation, in the order of the C exports.
    pub const ALL: &'static [Operation] = &[
        Operation::EndCall,
        Operation::GetCallInfo,
        Operation::StartCallByRobot,
        Operation::GetCallRecord,
        Operation::SearchCallRecords,
        Operation::SetCallbackConfig,
        Operation::GetCallbackConfig,
        Operation::DeleteCallbackConfig,
        Operation::DismissRoom,
        Operation::RemoveUsers,
        Operation::EndDeskSession,
        Operation::GetDeskSessionState,
        Operation::ListDeskSessions,
        Operation::GenUsersig,
        Operation::VerifyUsersig,
        Operation::GenPrivateMapKey,
        Operation::ImRequest,
        Operation::CloudApiRequest,
        Operation::SignImRequest,
        Operation::SignCloudApiRequest,
    ];

    /// The operation called `name` (`"end_call"`), as in `tccall_client_<name>`.
    pub fn from_name(name: &str) -> Option<Operation> {
        Operation::ALL.iter().copied().find(|op| op.name() == name)
    }

    /// The IM table entry, for IM operations.
    pub fn im_op(self) -> Option<&'static ImOp> {
        Some(match self {
            Operation::EndCall => &call::END_CALL,
            Operation::GetCallInfo => &call::GET_CALL_INFO,
            Operation::StartCallByRobot => &call::START_CALL_BY_ROBOT,
            Operation::GetCallRecord => &call::GET_RECORD_BY_CALLID,
            Operation::SearchCallRecords => &call::GET_RECORD_BY_FILTER,
            Operation::SetCallbackConfig => &call::SET_CALLBACK,
            Operation::GetCallbackConfig => &call::GET_CALLBACK,
            Operation::DeleteCallbackConfig => &call::DELETE_CALLBACK,
            Operation::EndDeskSession => &desk::END_SESSION,
            Operation::GetDeskSessionState => &desk::GET_SESSION_STATE,
            Operation::ListDeskSessions => &desk::DESCRIBE_IM_CDR_LIST,
            _ => return None,
        })
    }

    /// tccall's name for the operation (used in messages and by the FFI).
    pub fn name(self) -> &'static str {
        if let Some(op) = self.im_op() {
            return op.name;
        }
        match self {
            Operation::DismissRoom => "dismiss_room",
            Operation::RemoveUsers => "remove_users",
            Operation::GenUsersig => "gen_usersig",
            Operation::VerifyUsersig => "verify_usersig",
            Operation::GenPrivateMapKey => "gen_private_map_key",
            Operation::ImRequest => "im_request",
            Operation::CloudApiRequest => "cloud_api_request",
            Operation::SignImRequest => "sign_im_request",
            Operation::SignCloudApiRequest => "sign_cloud_api_request",
            _ => unreachable!("IM operations are named by their table entry"),
        }
    }
}
