//! Operating a client: its log callback, its counters, and swapping its credentials.

use super::{read_str, tccall_client, with_handle};
use crate::error::{Error, ErrorCode};
use crate::observe::Level;
use std::ffi::{c_char, c_void, CString};
use std::sync::Arc;

/// A log callback (see `tccall_client_set_log_callback`): `event_json` is one event, valid
/// only during the call.
pub type tccall_log_fn = Option<unsafe extern "C" fn(userdata: *mut c_void, level: i32, event_json: *const c_char)>;

/// The callback and its user data.
struct LogFn {
    f: unsafe extern "C" fn(*mut c_void, i32, *const c_char),
    userdata: *mut c_void,
}

impl LogFn {
    fn call(&self, level: Level, event: &str) {
        // JSON text has no NUL (it is escaped), so this never fails.
        let Ok(text) = CString::new(event) else { return };
        // SAFETY: the caller of tccall_client_set_log_callback promises `f(userdata, ..)` is
        // callable from any thread that makes a call, until logging is turned off.
        unsafe { (self.f)(self.userdata, level as i32, text.as_ptr()) }
    }
}

// SAFETY: the host promises the callback and userdata may be used from any calling thread
// (documented on tccall_client_set_log_callback); tccall only passes them along.
unsafe impl Send for LogFn {}
// SAFETY: as above.
unsafe impl Sync for LogFn {}

/// Sends the client's log events at `level` and below (`TCCALL_LOG_ERROR` 1 to
/// `TCCALL_LOG_DEBUG` 4) to `callback(userdata, level, event_json)`; `callback` NULL or
/// `level` 0 turns logging off. Events are JSON objects, one per call (`"call"`), per failed
/// attempt with the retry decision, per rate-limiter wait, connection and response (debug),
/// each with `ts_ms`, `level`, `event` and `op`; they never contain a key, UserSig, token,
/// `Authorization` value, URL query or proxy password. The callback runs on the thread
/// making the call, inside it (keep it short); it must be callable from any thread. After
/// logging is turned off, a call already emitting may deliver one more event: keep
/// `userdata` alive until calls in flight have returned. With logging off an event costs one
/// atomic load. Returns `TCCALL_OK`, `TCCALL_E_NULL_ARGUMENT` or `TCCALL_E_INVALID_REQUEST`
/// (level out of range).
///
/// # Safety
/// `client` must be NULL or a live handle; `callback` must be safe to call with `userdata`
/// from any thread, until logging is turned off or the client is freed.
#[no_mangle]
pub unsafe extern "C" fn tccall_client_set_log_callback(
    client: *const tccall_client,
    level: i32,
    callback: tccall_log_fn,
    userdata: *mut c_void,
) -> i32 {
    let work = |c: &tccall_client| {
        let sink: Option<Arc<crate::observe::Sink>> = match (callback, level) {
            (None, _) | (_, 0) => None,
            (Some(f), _) => {
                let log = LogFn { f, userdata };
                Some(Arc::new(move |l: Level, e: &str| log.call(l, e)))
            }
        };
        let level = match (level, &sink) {
            (_, None) => Level::Error,
            (n, Some(_)) => Level::from_i32(n).ok_or_else(|| {
                Error::new(ErrorCode::InvalidRequest, format!("level must be 0 to 4 (TCCALL_LOG_*), got {n}"))
            })?,
        };
        c.inner.set_logger(level, sink);
        Ok(String::new())
    };
    // SAFETY: NULL or a live handle, per the contract; no outputs.
    unsafe { with_handle(client, "client", std::ptr::null_mut(), std::ptr::null_mut(), work) }
}

/// The client's counters since it was made, as JSON in `*out_json` (free with
/// `tccall_string_free`): `{"operations": {"<op>": {"calls", "ok", "errors": {"<code>": n},
/// "retries", "already_ended", "limiter_waits", "limiter_wait_ms", "latency_ms": {"p50",
/// "p90", "p99", "max"}}}, "connections": {"opened", "reused", "tls_handshakes",
/// "fork_resets"}, "admin_usersig_mints"}`; operations never called are left out. Latency
/// percentiles come from a fixed log-scale histogram (each at most 25 % above the true
/// value). Always on; thread-safe. Returns `TCCALL_OK` or `TCCALL_E_NULL_ARGUMENT`.
///
/// # Safety
/// `client` must be NULL or a live handle; `out_json` NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn tccall_client_stats(client: *const tccall_client, out_json: *mut *mut c_char) -> i32 {
    // SAFETY: forwarded caller contract.
    unsafe { with_handle(client, "client", out_json, std::ptr::null_mut(), |c| Ok(c.inner.stats().to_string())) }
}

/// Swaps the client's credentials while other threads call: `credentials_json` is
/// `{"secret_key"?: "...", "cloud_api"?: {"secret_id", "secret_key", "token"?} | {"from_env": true}}`.
/// A `cloud_api` object replaces the secret id, key and token together (`from_env` reads
/// `TENCENTCLOUD_SECRET_ID`, `TENCENTCLOUD_SECRET_KEY`, `TENCENTCLOUD_SESSION_TOKEN` now).
/// Calls in flight finish with the credentials they started with; later calls use the new
/// ones, and a new admin UserSig is minted with the new key. On failure nothing changes and
/// `*out_err` names the problem (`TCCALL_E_INVALID_CONFIG`, `TCCALL_E_INVALID_JSON`).
///
/// # Safety
/// `client` must be NULL or a live handle; `credentials_json` NULL or NUL-terminated;
/// `out_err` NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn tccall_client_update_credentials(
    client: *const tccall_client,
    credentials_json: *const c_char,
    out_err: *mut *mut c_char,
) -> i32 {
    let work = |c: &tccall_client| {
        // SAFETY: NULL or NUL-terminated, per the caller's contract.
        let text = unsafe { read_str(credentials_json, "credentials_json") }?;
        c.inner.update_credentials(text).map(|()| String::new())
    };
    // SAFETY: forwarded caller contract; no out_json.
    unsafe { with_handle(client, "client", std::ptr::null_mut(), out_err, work) }
}
