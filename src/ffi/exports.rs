//! Every `extern "C"` function. Each is written out (not macro-generated) because
//! cbindgen reads exports from source; the shared logic lives in `super`.

use super::{
    client_op, free_handle, new_handle, read_bytes, read_opt_str, read_str, tccall_client, with_handle,
    TCCALL_ABI_VERSION,
};
use crate::api::{self, call, composite, desk, local, raw, trtc};
use crate::error::ErrorCode;
use crate::Client;
use std::ffi::{c_char, CString};
use std::sync::OnceLock;

/// The library version, e.g. `"0.1.0"`. Static: never free it.
#[no_mangle]
pub extern "C" fn tccall_version() -> *const c_char {
    concat!(env!("CARGO_PKG_VERSION"), "\0").as_ptr().cast()
}

/// The ABI version (`TCCALL_ABI_VERSION` in this header). Wrappers compare the two at load time.
#[no_mangle]
pub extern "C" fn tccall_abi_version() -> u32 {
    TCCALL_ABI_VERSION
}

/// The operation table as static JSON text (never free it): an array with one object per
/// operation, `{"name", "family", "retry", "c_function"}`, where `name` is what
/// `tccall_client_call` takes, `family` is `"im"`, `"cloud_api"` or `"local"` (no network),
/// `retry` is `"safe"`, `"ending"`, `"only_unsent"` or null (nothing is sent), and
/// `c_function` is the named export (`tccall_client_end_call`). Wrappers build their
/// operation lists from it.
#[no_mangle]
pub extern "C" fn tccall_operations() -> *const c_char {
    static TABLE: OnceLock<CString> = OnceLock::new();
    TABLE.get_or_init(|| CString::new(api::table_json()).expect("JSON has no NUL")).as_ptr()
}

/// A static description of a result code (`"unknown result code"` for numbers tccall never returns).
/// Never free it.
#[no_mangle]
pub extern "C" fn tccall_strerror(code: i32) -> *const c_char {
    match ErrorCode::from_i32(code) {
        Some(c) => c.description().as_ptr(),
        None => c"unknown result code".as_ptr(),
    }
}

/// Frees a string handed out by tccall (`out_json`, `out_err`). NULL is a no-op.
/// Never pass a string tccall did not allocate, and never free one twice.
///
/// # Safety
/// `s` must be NULL or a pointer returned through an `out_json` / `out_err` of this library.
#[no_mangle]
pub unsafe extern "C" fn tccall_string_free(s: *mut c_char) {
    if !s.is_null() {
        // SAFETY: the caller hands back a pointer from CString::into_raw, once.
        let _ = std::panic::catch_unwind(|| drop(unsafe { CString::from_raw(s) }));
    }
}

/// Creates a client from config JSON (see README "Config"). No network I/O happens here.
///
/// On success `*out_client` receives the handle (free it with `tccall_client_free`);
/// on failure `*out_err` receives the error JSON (free with `tccall_string_free`).
/// `out_err` may be NULL. Returns `TCCALL_OK`, `TCCALL_E_NULL_ARGUMENT` (config_json or
/// out_client NULL), `TCCALL_E_INVALID_UTF8`, `TCCALL_E_INVALID_JSON`,
/// `TCCALL_E_INVALID_CONFIG`, `TCCALL_E_INPUT_TOO_LARGE` or `TCCALL_E_PROXY`.
///
/// # Safety
/// `config_json` must be NULL or a NUL-terminated string; `out_client` and `out_err`
/// must be NULL or valid for one pointer write.
#[no_mangle]
pub unsafe extern "C" fn tccall_client_new(
    config_json: *const c_char,
    out_client: *mut *mut tccall_client,
    out_err: *mut *mut c_char,
) -> i32 {
    let make = || {
        // SAFETY: NULL or NUL-terminated, per the caller's contract.
        let config = unsafe { read_str(config_json, "config_json") }?;
        Ok(tccall_client { inner: Client::from_json(config)? })
    };
    // SAFETY: forwarded caller contract.
    unsafe { new_handle(out_client, "out_client", out_err, make) }
}

/// Frees a client. NULL is a no-op. No other thread may be using the handle.
///
/// # Safety
/// `client` must be NULL or a handle from `tccall_client_new`, freed only once.
#[no_mangle]
pub unsafe extern "C" fn tccall_client_free(client: *mut tccall_client) {
    // SAFETY: NULL or a handle from tccall_client_new, freed once, per the caller's contract.
    unsafe { free_handle(client) }
}

/// Verifies and parses an inbound Call or Desk webhook (IM callback protocol).
/// (TRTC's room and media callbacks have their own protocol: `tccall_client_parse_trtc_webhook`.)
///
/// `query_string` is the request's query (`SdkAppid=...&CallbackCommand=...&Sign=...&RequestTime=...`;
/// a leading `?` or a whole URL is accepted). `body`/`body_len` are the raw body bytes, exactly as
/// received. Checks, in order and before the body is trusted: `SdkAppid` (`TCCALL_E_WEBHOOK_APP_MISMATCH`),
/// then with a configured `webhook.token` the `Sign` (`TCCALL_E_WEBHOOK_SIGNATURE`) and `RequestTime`
/// window (`TCCALL_E_WEBHOOK_STALE`); then the body (`TCCALL_E_WEBHOOK_MALFORMED`). A missing `Sign`
/// is refused only for the families `webhook.require_sign` requires it of: by default every IM
/// callback but `Call.*` (Tencent's Call pages never mention `Sign`; one sent is always verified).
/// On success `*out_json` receives `{"command", "event", "sdk_app_id", "client_ip", "opt_platform",
/// "signature_verified", "duplicate", "reply"}`; answer the webhook with `reply`. `duplicate` is true
/// when the same event was parsed within `webhook.dedupe_window_s` (best effort, this process only). Unknown commands succeed with the raw body as `event`.
/// Free outputs with `tccall_string_free`; either out pointer may be NULL. Thread-safe.
/// See <https://trtc.io/document/68940>.
///
/// # Safety
/// `client` must be NULL or a live handle; `query_string` NULL or NUL-terminated; `body` NULL
/// (only with `body_len` 0) or valid for `body_len` bytes; out pointers NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn tccall_client_parse_webhook(
    client: *const tccall_client,
    query_string: *const c_char,
    body: *const u8,
    body_len: usize,
    out_json: *mut *mut c_char,
    out_err: *mut *mut c_char,
) -> i32 {
    let work = |c: &tccall_client| {
        // SAFETY: NULL or NUL-terminated, per the caller's contract.
        let query = unsafe { read_str(query_string, "query_string") }?;
        // SAFETY: NULL (with length 0) or valid for body_len bytes, per the caller's contract.
        let bytes = unsafe { read_bytes(body, body_len, "body") }?;
        c.inner.parse_webhook(query, bytes).map(|v| v.to_string())
    };
    // SAFETY: forwarded caller contract.
    unsafe { with_handle(client, "client", out_json, out_err, work) }
}

/// Verifies and parses a TRTC room or media callback (trtc.io/document/39558, signature 54912).
///
/// `sign_header` and `sdkappid_header` are the values of the request's `Sign` and `SdkAppId`
/// headers (NULL when absent); `body`/`body_len` the raw body bytes exactly as received (the
/// signature covers them byte for byte). Checks, in order: `SdkAppId` equals the config's
/// (`TCCALL_E_WEBHOOK_APP_MISMATCH`); with `webhook.trtc_key` configured, `Sign` equals
/// `base64(HMAC-SHA256(trtc_key, body))` in constant time, a missing one refused when
/// `webhook.require_sign.trtc` is true (the default) (`TCCALL_E_WEBHOOK_SIGNATURE`); then
/// the body (`TCCALL_E_WEBHOOK_MALFORMED`).
/// On success `*out_json` receives `{"group": "room"|"media"|"other", "type": 104,
/// "name": "exit_room", "room_id": "1234", "room_id_type": 1|2, "user_id", "event": {Tencent's
/// body, numbers exact}, "sdk_app_id", "signature_verified", "duplicate", "reply"}` (`reply` is `{"code":0}`).
/// `room_id`/`room_id_type` are ready for dismiss_room and remove_users. `duplicate` is true when
/// the same event (its `UniqueId`) was parsed within `webhook.dedupe_window_s` (TRTC retries for a
/// minute). Unknown event types succeed with `name` "unknown". Answer with `reply`. Free outputs with
/// `tccall_string_free`; either out pointer may be NULL. Thread-safe.
///
/// # Safety
/// `client` NULL or live; `sign_header`, `sdkappid_header` NULL or NUL-terminated; `body` NULL
/// (only with `body_len` 0) or valid for `body_len` bytes; out pointers NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn tccall_client_parse_trtc_webhook(
    client: *const tccall_client,
    sign_header: *const c_char,
    sdkappid_header: *const c_char,
    body: *const u8,
    body_len: usize,
    out_json: *mut *mut c_char,
    out_err: *mut *mut c_char,
) -> i32 {
    let parse = |c: &tccall_client| {
        // SAFETY: NULL or NUL-terminated, per the caller's contract (both headers).
        let (sign, app) =
            unsafe { (read_opt_str(sign_header, "sign_header")?, read_opt_str(sdkappid_header, "sdkappid_header")?) };
        // SAFETY: NULL (with length 0) or valid for body_len bytes, per the caller's contract.
        let bytes = unsafe { read_bytes(body, body_len, "body") }?;
        c.inner.parse_trtc_webhook(sign, app, bytes).map(|v| v.to_string())
    };
    // SAFETY: forwarded caller contract.
    unsafe { with_handle(client, "client", out_json, out_err, parse) }
}

/// Force-ends a call (`v4/call_engine_http_srv/end_call`).
///
/// Request: `{"CallId": "..."}`.
/// Result (`*out_json`): `{"RequestId": ...}`; when a retry finds the call already gone after an earlier attempt whose outcome was unknown, `{"already_ended": true, ...}`.
/// Typical errors: `TCCALL_E_NOT_FOUND` (101004: no such call, or already ended); see `tccall_strerror` for all codes.
/// `*out_json` is written only on success and `*out_err` (error JSON) only on failure; free
/// both with `tccall_string_free`; either may be NULL. Thread-safe. See <https://trtc.io/document/74506>.
///
/// # Safety
/// `client` must be NULL or a live handle; `request_json` NULL or NUL-terminated; out pointers NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn tccall_client_end_call(
    client: *const tccall_client,
    request_json: *const c_char,
    out_json: *mut *mut c_char,
    out_err: *mut *mut c_char,
) -> i32 {
    // SAFETY: forwarded caller contract.
    unsafe { client_op(&call::END_CALL, client, request_json, out_json, out_err) }
}

/// Ends a call for good (tccall's own operation): reads the call (its TRTC room and
/// members), ends it, then dismisses its TRTC room, so no client lingers in the media room
/// after the backend ended the call. The room is the call's own, with its kind
/// (`RoomIdType`); for a call that already ended it comes from the call's record.
///
/// Request: `{"call_id": "...", "dismiss_room"?: true}` (snake_case: tccall's own shape).
/// Result (`*out_json`): `{"call_id", "room": {"RoomId", "RoomIdType"} | null, "members": [...] | null,
/// "steps": [{"step", "outcome", "request_id", "reason"?}]}` where the steps are `get_call_info`
/// (`found` / `not_found`), `get_call_record` (only when the call had ended), `end_call` (`ended` /
/// `already_ended`) and `dismiss_room` (`dismissed` / `already_gone` / `skipped`). Each step is
/// idempotent, so a repeat is safe. When a step fails, the error is that step's, and its message says which
/// earlier steps already took effect. The whole operation runs within one deadline.
/// `*out_json` is written only on success and `*out_err` (error JSON) only on failure; free
/// both with `tccall_string_free`; either may be NULL. Thread-safe.
///
/// # Safety
/// `client` must be NULL or a live handle; `request_json` NULL or NUL-terminated; out pointers NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn tccall_client_terminate_call(
    client: *const tccall_client,
    request_json: *const c_char,
    out_json: *mut *mut c_char,
    out_err: *mut *mut c_char,
) -> i32 {
    // SAFETY: forwarded caller contract.
    unsafe { client_op(&composite::TERMINATE_CALL, client, request_json, out_json, out_err) }
}

/// Reads the live status of a call (`v4/call_engine_http_srv/get_call_info`).
///
/// Request: `{"CallId": "..."}`.
/// Result (`*out_json`): `{"CallInfo": {...}, "UserList": [...], "RequestId": ...}`.
/// Typical errors: `TCCALL_E_NOT_FOUND` (101004); see `tccall_strerror` for all codes.
/// `*out_json` is written only on success and `*out_err` (error JSON) only on failure; free
/// both with `tccall_string_free`; either may be NULL. Thread-safe. See <https://trtc.io/document/68932>.
///
/// # Safety
/// `client` must be NULL or a live handle; `request_json` NULL or NUL-terminated; out pointers NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn tccall_client_get_call_info(
    client: *const tccall_client,
    request_json: *const c_char,
    out_json: *mut *mut c_char,
    out_err: *mut *mut c_char,
) -> i32 {
    // SAFETY: forwarded caller contract.
    unsafe { client_op(&call::GET_CALL_INFO, client, request_json, out_json, out_err) }
}

/// Starts a call from a robot account (`v4/call_engine_http_srv/start_call_by_robot`). Retried only when the request provably never reached the server.
///
/// Request: `{"Robot_Account", "CalleeList_Account": [...], "Timeout": 10000..600000 (ms), "UserData"?: <=1000 bytes, "CallInfo": {"MediaType": "Audio"|"Video", "RoomId"?, "RoomIdType"?}, "OfflinePushInfo"?}`.
/// Result (`*out_json`): `{"CallId", "CallResult": [{"Callee_Account", "ResultCode"}], "RequestId"}`.
/// Typical errors: `TCCALL_E_REMOTE_INVALID_PARAMETER` (101002); see `tccall_strerror` for all codes.
/// `*out_json` is written only on success and `*out_err` (error JSON) only on failure; free
/// both with `tccall_string_free`; either may be NULL. Thread-safe. See <https://trtc.io/document/74505>.
///
/// # Safety
/// `client` must be NULL or a live handle; `request_json` NULL or NUL-terminated; out pointers NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn tccall_client_start_call_by_robot(
    client: *const tccall_client,
    request_json: *const c_char,
    out_json: *mut *mut c_char,
    out_err: *mut *mut c_char,
) -> i32 {
    // SAFETY: forwarded caller contract.
    unsafe { client_op(&call::START_CALL_BY_ROBOT, client, request_json, out_json, out_err) }
}

/// Reads the record of one ended call (`v4/call_record_http_srv/get_record_by_callid`).
///
/// Request: `{"CallId": "..."}`.
/// Result (`*out_json`): `{"CallRecord": {...}, "RequestId"}`.
/// Typical errors: `TCCALL_E_NOT_FOUND` (101050: no record yet; records appear about 5 s after the call ends); see `tccall_strerror` for all codes.
/// `*out_json` is written only on success and `*out_err` (error JSON) only on failure; free
/// both with `tccall_string_free`; either may be NULL. Thread-safe. See <https://trtc.io/document/68930>.
///
/// # Safety
/// `client` must be NULL or a live handle; `request_json` NULL or NUL-terminated; out pointers NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn tccall_client_get_call_record(
    client: *const tccall_client,
    request_json: *const c_char,
    out_json: *mut *mut c_char,
    out_err: *mut *mut c_char,
) -> i32 {
    // SAFETY: forwarded caller contract.
    unsafe { client_op(&call::GET_CALL_RECORD, client, request_json, out_json, out_err) }
}

/// Lists call records of the last 7 days (`v4/call_record_http_srv/get_record_by_filter`).
///
/// Request: `{"StartTime"?, "EndTime"?, "NumberPerPage"?, "Page"?, "CallResult"?, "CallType"?}`.
/// Result (`*out_json`): `{"TotalNum", "Page", "CallRecordList": [...], "RequestId"}`.
/// Typical errors: `TCCALL_E_NOT_FOUND` (101050); see `tccall_strerror` for all codes.
/// `*out_json` is written only on success and `*out_err` (error JSON) only on failure; free
/// both with `tccall_string_free`; either may be NULL. Thread-safe. See <https://trtc.io/document/68931>.
///
/// # Safety
/// `client` must be NULL or a live handle; `request_json` NULL or NUL-terminated; out pointers NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn tccall_client_search_call_records(
    client: *const tccall_client,
    request_json: *const c_char,
    out_json: *mut *mut c_char,
    out_err: *mut *mut c_char,
) -> i32 {
    // SAFETY: forwarded caller contract.
    unsafe { client_op(&call::SEARCH_CALL_RECORDS, client, request_json, out_json, out_err) }
}

/// Creates or overwrites the Call webhook configuration (`v4/call_config/set_callback`).
///
/// Request: `{"Url": "http(s)://...", "CallbackCommandList": ["Call.CallbackAfterStartCall", ...]}`.
/// Result (`*out_json`): `{"RequestId"}`.
/// Typical errors: `TCCALL_E_REMOTE_INVALID_PARAMETER` (100002); see `tccall_strerror` for all codes.
/// `*out_json` is written only on success and `*out_err` (error JSON) only on failure; free
/// both with `tccall_string_free`; either may be NULL. Thread-safe. See <https://trtc.io/document/68938>.
///
/// # Safety
/// `client` must be NULL or a live handle; `request_json` NULL or NUL-terminated; out pointers NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn tccall_client_set_callback_config(
    client: *const tccall_client,
    request_json: *const c_char,
    out_json: *mut *mut c_char,
    out_err: *mut *mut c_char,
) -> i32 {
    // SAFETY: forwarded caller contract.
    unsafe { client_op(&call::SET_CALLBACK_CONFIG, client, request_json, out_json, out_err) }
}

/// Reads the Call webhook configuration (`v4/call_config/get_callback`).
///
/// Request: `{}`.
/// Result (`*out_json`): `{"Url", "CallbackCommandList", "RequestId"}`.
/// Typical errors: `TCCALL_E_NOT_FOUND` (100301: nothing configured); see `tccall_strerror` for all codes.
/// `*out_json` is written only on success and `*out_err` (error JSON) only on failure; free
/// both with `tccall_string_free`; either may be NULL. Thread-safe. See <https://trtc.io/document/68937>.
///
/// # Safety
/// `client` must be NULL or a live handle; `request_json` NULL or NUL-terminated; out pointers NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn tccall_client_get_callback_config(
    client: *const tccall_client,
    request_json: *const c_char,
    out_json: *mut *mut c_char,
    out_err: *mut *mut c_char,
) -> i32 {
    // SAFETY: forwarded caller contract.
    unsafe { client_op(&call::GET_CALLBACK_CONFIG, client, request_json, out_json, out_err) }
}

/// Deletes the Call webhook configuration (`v4/call_config/delete_callback`).
///
/// Request: `{}`.
/// Result (`*out_json`): `{"RequestId"}`.
/// Typical errors: `TCCALL_E_SERVICE_UNAVAILABLE` (100001); see `tccall_strerror` for all codes.
/// `*out_json` is written only on success and `*out_err` (error JSON) only on failure; free
/// both with `tccall_string_free`; either may be NULL. Thread-safe. See <https://trtc.io/document/68939>.
///
/// # Safety
/// `client` must be NULL or a live handle; `request_json` NULL or NUL-terminated; out pointers NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn tccall_client_delete_callback_config(
    client: *const tccall_client,
    request_json: *const c_char,
    out_json: *mut *mut c_char,
    out_err: *mut *mut c_char,
) -> i32 {
    // SAFETY: forwarded caller contract.
    unsafe { client_op(&call::DELETE_CALLBACK_CONFIG, client, request_json, out_json, out_err) }
}

/// Dismisses a TRTC room: `DismissRoom` for a numeric room, `DismissRoomByStrRoomId` for a string one (Cloud API 3.0, TC3-signed).
///
/// Request: `{"RoomId": 1234 | "room-a", "RoomIdType"?: 1 | 2, "SdkAppId"?: must equal the config's}`. With
/// `RoomIdType` (as the Call APIs report a call's room: `"1234"` with type 1 is numeric room 1234) the kind is
/// explicit; without it a JSON number is a numeric room and a string a string room.
/// Result (`*out_json`): `{"RequestId"}`; `{"already_ended": true, ...}` as for end_call.
/// Typical errors: `TCCALL_E_NOT_FOUND` (`FailedOperation.RoomNotExist`), `TCCALL_E_AUTH_REJECTED` (`AuthFailure.*`); see `tccall_strerror` for all codes.
/// `*out_json` is written only on success and `*out_err` (error JSON) only on failure; free
/// both with `tccall_string_free`; either may be NULL. Thread-safe. See <https://www.tencentcloud.com/document/api/647/34269>.
///
/// # Safety
/// `client` must be NULL or a live handle; `request_json` NULL or NUL-terminated; out pointers NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn tccall_client_dismiss_room(
    client: *const tccall_client,
    request_json: *const c_char,
    out_json: *mut *mut c_char,
    out_err: *mut *mut c_char,
) -> i32 {
    // SAFETY: forwarded caller contract.
    unsafe { client_op(&trtc::DISMISS_ROOM, client, request_json, out_json, out_err) }
}

/// Removes users from a TRTC room: `RemoveUser` / `RemoveUserByStrRoomId` by the room's kind (as for dismiss_room).
///
/// Request: `{"RoomId": 1234 | "room-a", "RoomIdType"?: 1 | 2, "UserIds": [1..10 user ids], "SdkAppId"?}`.
/// Result (`*out_json`): `{"RequestId"}`.
/// Typical errors: `TCCALL_E_NOT_FOUND` (`FailedOperation.RoomNotExist`); see `tccall_strerror` for all codes.
/// `*out_json` is written only on success and `*out_err` (error JSON) only on failure; free
/// both with `tccall_string_free`; either may be NULL. Thread-safe. See <https://www.tencentcloud.com/document/api/647/34268>.
///
/// # Safety
/// `client` must be NULL or a live handle; `request_json` NULL or NUL-terminated; out pointers NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn tccall_client_remove_users(
    client: *const tccall_client,
    request_json: *const c_char,
    out_json: *mut *mut c_char,
    out_err: *mut *mut c_char,
) -> i32 {
    // SAFETY: forwarded caller contract.
    unsafe { client_op(&trtc::REMOVE_USERS, client, request_json, out_json, out_err) }
}

/// Mutes or unmutes a user in a TRTC room: `SetUserBlocked` for a numeric room,
/// `SetUserBlockedByStrRoomId` (which names the room `StrRoomId`) for a string one.
///
/// Request: `{"RoomId": 1234 | "room-a", "RoomIdType"?: 1 | 2, "UserId": "u1", "IsMute": 0..3, "SdkAppId"?}`;
/// `IsMute` 0 enables audio and video, 1 disables both, 2 disables audio only, 3 video only.
/// Result (`*out_json`): `{"RequestId"}`.
/// Typical errors: `TCCALL_E_NOT_FOUND` (`FailedOperation.RoomNotExist`); see `tccall_strerror` for all codes.
/// `*out_json` is written only on success and `*out_err` (error JSON) only on failure; free
/// both with `tccall_string_free`; either may be NULL. Thread-safe. See <https://trtc.io/document/51289>.
///
/// # Safety
/// `client` must be NULL or a live handle; `request_json` NULL or NUL-terminated; out pointers NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn tccall_client_block_user(
    client: *const tccall_client,
    request_json: *const c_char,
    out_json: *mut *mut c_char,
    out_err: *mut *mut c_char,
) -> i32 {
    // SAFETY: forwarded caller contract.
    unsafe { client_op(&trtc::BLOCK_USER, client, request_json, out_json, out_err) }
}

/// Ends a Contact Center (Desk) session (`v4/desk_http_svc/end_session`).
///
/// Request: `{"SessionId": "..."}`.
/// Result (`*out_json`): `{}` (plus `RequestId` when Tencent sends one); `{"already_ended": true}` as for end_call.
/// Typical errors: `TCCALL_E_NOT_FOUND` (141005); see `tccall_strerror` for all codes.
/// `*out_json` is written only on success and `*out_err` (error JSON) only on failure; free
/// both with `tccall_string_free`; either may be NULL. Thread-safe. See <https://www.tencentcloud.com/document/product/1229/68948>.
///
/// # Safety
/// `client` must be NULL or a live handle; `request_json` NULL or NUL-terminated; out pointers NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn tccall_client_end_desk_session(
    client: *const tccall_client,
    request_json: *const c_char,
    out_json: *mut *mut c_char,
    out_err: *mut *mut c_char,
) -> i32 {
    // SAFETY: forwarded caller contract.
    unsafe { client_op(&desk::END_DESK_SESSION, client, request_json, out_json, out_err) }
}

/// Reads a Desk session's state (`v4/desk_http_svc/get_session_state`).
///
/// Request: `{"SessionId"}` or `{"ClientUserId", "CustomerServiceId"}`.
/// Result (`*out_json`): `{"SessionId", "CurrentState", "AgentId"}`.
/// Typical errors: `TCCALL_E_NOT_FOUND` (141005); see `tccall_strerror` for all codes.
/// `*out_json` is written only on success and `*out_err` (error JSON) only on failure; free
/// both with `tccall_string_free`; either may be NULL. Thread-safe. See <https://www.tencentcloud.com/document/product/1229/68825>.
///
/// # Safety
/// `client` must be NULL or a live handle; `request_json` NULL or NUL-terminated; out pointers NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn tccall_client_get_desk_session_state(
    client: *const tccall_client,
    request_json: *const c_char,
    out_json: *mut *mut c_char,
    out_err: *mut *mut c_char,
) -> i32 {
    // SAFETY: forwarded caller contract.
    unsafe { client_op(&desk::GET_DESK_SESSION_STATE, client, request_json, out_json, out_err) }
}

/// Lists Desk session records (`v4/desk_http_svc/describe_im_cdr_list`).
///
/// Request: `{"StartTimestamp", "EndTimestamp", "Limit"?: 1..100, "Offset"?, "ClientUserId"?}`.
/// Result (`*out_json`): `{"TotalCount", "IMCdrList": [...]}`.
/// Typical errors: `TCCALL_E_REMOTE_INVALID_PARAMETER` (141004); see `tccall_strerror` for all codes.
/// `*out_json` is written only on success and `*out_err` (error JSON) only on failure; free
/// both with `tccall_string_free`; either may be NULL. Thread-safe. See <https://www.tencentcloud.com/document/product/1229/68823>.
///
/// # Safety
/// `client` must be NULL or a live handle; `request_json` NULL or NUL-terminated; out pointers NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn tccall_client_list_desk_sessions(
    client: *const tccall_client,
    request_json: *const c_char,
    out_json: *mut *mut c_char,
    out_err: *mut *mut c_char,
) -> i32 {
    // SAFETY: forwarded caller contract.
    unsafe { client_op(&desk::LIST_DESK_SESSIONS, client, request_json, out_json, out_err) }
}

/// Generates a UserSig (TLSSigAPIv2) for a user, locally: zlib stored blocks as Tencent's Go library writes them, or with config `"usersig_compression": "python"` byte-identical to its Python library.
///
/// Request: `{"user_id", "expire_s"?: default 15552000 (180 days), "userbuf_b64"?, "time"?: unix s, default now}`.
/// Result (`*out_json`): `{"usersig", "expire_at"}`.
/// Typical errors: `TCCALL_E_INVALID_CONFIG` (no `secret_key`); see `tccall_strerror` for all codes.
/// `*out_json` is written only on success and `*out_err` (error JSON) only on failure; free
/// both with `tccall_string_free`; either may be NULL. Thread-safe. See <https://trtc.io/document/35166>.
///
/// # Safety
/// `client` must be NULL or a live handle; `request_json` NULL or NUL-terminated; out pointers NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn tccall_client_gen_usersig(
    client: *const tccall_client,
    request_json: *const c_char,
    out_json: *mut *mut c_char,
    out_err: *mut *mut c_char,
) -> i32 {
    // SAFETY: forwarded caller contract.
    unsafe { client_op(&local::GEN_USERSIG, client, request_json, out_json, out_err) }
}

/// Verifies a UserSig locally (any official variant: key order, spacing, zlib level).
///
/// Request: `{"user_id", "usersig", "now"?: unix s}`.
/// Result (`*out_json`): `{"valid": true, "expire_at", "userbuf_b64"}`.
/// Typical errors: `TCCALL_E_USERSIG_EXPIRED`, `TCCALL_E_USERSIG_INVALID`; see `tccall_strerror` for all codes.
/// `*out_json` is written only on success and `*out_err` (error JSON) only on failure; free
/// both with `tccall_string_free`; either may be NULL. Thread-safe. See <https://trtc.io/document/35166>.
///
/// # Safety
/// `client` must be NULL or a live handle; `request_json` NULL or NUL-terminated; out pointers NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn tccall_client_verify_usersig(
    client: *const tccall_client,
    request_json: *const c_char,
    out_json: *mut *mut c_char,
    out_err: *mut *mut c_char,
) -> i32 {
    // SAFETY: forwarded caller contract.
    unsafe { client_op(&local::VERIFY_USERSIG, client, request_json, out_json, out_err) }
}

/// Generates a TRTC PrivateMapKey (room permission ticket) for a numeric or string room, locally.
///
/// Request: `{"user_id", "room_id": u32 | "room_str": string, "privilege_map"?: default 255, "expire_s"?, "time"?}`.
/// Result (`*out_json`): `{"private_map_key", "expire_at"}`.
/// Typical errors: `TCCALL_E_INVALID_REQUEST` (both or neither room field); see `tccall_strerror` for all codes.
/// `*out_json` is written only on success and `*out_err` (error JSON) only on failure; free
/// both with `tccall_string_free`; either may be NULL. Thread-safe. See <https://trtc.io/document/35157>.
///
/// # Safety
/// `client` must be NULL or a live handle; `request_json` NULL or NUL-terminated; out pointers NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn tccall_client_gen_private_map_key(
    client: *const tccall_client,
    request_json: *const c_char,
    out_json: *mut *mut c_char,
    out_err: *mut *mut c_char,
) -> i32 {
    // SAFETY: forwarded caller contract.
    unsafe { client_op(&local::GEN_PRIVATE_MAP_KEY, client, request_json, out_json, out_err) }
}

/// Sends any IM REST command, signed with the cached admin UserSig (escape hatch). Retried only when provably unsent.
///
/// Request: `{"path": "v4/openim/querystate", "body"?: {...}}`.
/// Result (`*out_json`): the response without its envelope (a `Response` object is lifted to the top).
/// Typical errors: any Tencent IM code, mapped to its `TCCALL_E_*` class; see `tccall_strerror` for all codes.
/// `*out_json` is written only on success and `*out_err` (error JSON) only on failure; free
/// both with `tccall_string_free`; either may be NULL. Thread-safe. See <https://trtc.io/document/34620>.
///
/// # Safety
/// `client` must be NULL or a live handle; `request_json` NULL or NUL-terminated; out pointers NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn tccall_client_im_request(
    client: *const tccall_client,
    request_json: *const c_char,
    out_json: *mut *mut c_char,
    out_err: *mut *mut c_char,
) -> i32 {
    // SAFETY: forwarded caller contract.
    unsafe { client_op(&raw::IM_REQUEST, client, request_json, out_json, out_err) }
}

/// Sends any Cloud API 3.0 action, TC3-signed (escape hatch). Retried only when provably unsent.
///
/// Request: `{"service": "trtc", "version": "2019-07-22", "action", "region"?, "params"?: {...}, "endpoint"?}`.
/// Result (`*out_json`): the contents of `Response`.
/// Typical errors: any Cloud API code, mapped to its `TCCALL_E_*` class; see `tccall_strerror` for all codes.
/// `*out_json` is written only on success and `*out_err` (error JSON) only on failure; free
/// both with `tccall_string_free`; either may be NULL. Thread-safe. See <https://www.tencentcloud.com/document/api/647/34262>.
///
/// # Safety
/// `client` must be NULL or a live handle; `request_json` NULL or NUL-terminated; out pointers NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn tccall_client_cloud_api_request(
    client: *const tccall_client,
    request_json: *const c_char,
    out_json: *mut *mut c_char,
    out_err: *mut *mut c_char,
) -> i32 {
    // SAFETY: forwarded caller contract.
    unsafe { client_op(&raw::CLOUD_API_REQUEST, client, request_json, out_json, out_err) }
}

/// Builds a signed IM REST request without sending it, for callers with their own HTTP stack.
///
/// Request: `{"path", "body"?}`.
/// Result (`*out_json`): `{"method": "POST", "url", "headers": {...}, "body"}` (the URL carries the admin UserSig: treat it as a secret).
/// Typical errors: `TCCALL_E_INVALID_CONFIG`; see `tccall_strerror` for all codes.
/// `*out_json` is written only on success and `*out_err` (error JSON) only on failure; free
/// both with `tccall_string_free`; either may be NULL. Thread-safe. See <https://trtc.io/document/34620>.
///
/// # Safety
/// `client` must be NULL or a live handle; `request_json` NULL or NUL-terminated; out pointers NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn tccall_client_sign_im_request(
    client: *const tccall_client,
    request_json: *const c_char,
    out_json: *mut *mut c_char,
    out_err: *mut *mut c_char,
) -> i32 {
    // SAFETY: forwarded caller contract.
    unsafe { client_op(&raw::SIGN_IM_REQUEST, client, request_json, out_json, out_err) }
}

/// Builds a TC3-signed Cloud API request without sending it.
///
/// Request: as cloud_api_request, plus `"timestamp"?` (unix s) and `"body"?` (an exact JSON string signed as given, instead of `params`).
/// Result (`*out_json`): `{"method": "POST", "url", "headers": {"Authorization", "X-TC-Action", ...}, "body"}`.
/// Typical errors: `TCCALL_E_INVALID_CONFIG` (no Cloud API credentials); see `tccall_strerror` for all codes.
/// `*out_json` is written only on success and `*out_err` (error JSON) only on failure; free
/// both with `tccall_string_free`; either may be NULL. Thread-safe. See <https://www.tencentcloud.com/document/api/647/34262>.
///
/// # Safety
/// `client` must be NULL or a live handle; `request_json` NULL or NUL-terminated; out pointers NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn tccall_client_sign_cloud_api_request(
    client: *const tccall_client,
    request_json: *const c_char,
    out_json: *mut *mut c_char,
    out_err: *mut *mut c_char,
) -> i32 {
    // SAFETY: forwarded caller contract.
    unsafe { client_op(&raw::SIGN_CLOUD_API_REQUEST, client, request_json, out_json, out_err) }
}
