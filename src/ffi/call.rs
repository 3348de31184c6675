//! The generic, per-call form of every operation (`tccall_client_call`) and the cancel
//! token that wrappers map their language's cancellation onto (Go contexts, Python's
//! Ctrl-C and asyncio, a C server's shutdown).

use super::{read_opt_str, read_str, tccall_client, with_handle};
use crate::api;
use crate::client::CallOptions;
use crate::error::{Error, ErrorCode};
use crate::transport::{Cancel, Poll};
use std::ffi::{c_char, c_void};
use std::time::Duration;

/// A cancel token. Create with `tccall_cancel_new`, pass to `tccall_client_call`, cancel
/// from any thread with `tccall_cancel_cancel`, free with `tccall_cancel_free` once every
/// call using it has returned. Thread-safe. Once cancelled it stays cancelled.
pub struct tccall_cancel {
    inner: Cancel,
}

/// A poll callback (see `tccall_cancel_set_poll`): return nonzero to cancel the call.
pub type tccall_poll_fn = Option<unsafe extern "C" fn(userdata: *mut c_void) -> i32>;

/// The callback and its user data, called only on the thread making the call.
struct PollFn {
    f: unsafe extern "C" fn(*mut c_void) -> i32,
    userdata: *mut c_void,
}

impl PollFn {
    fn call(&self) -> bool {
        // SAFETY: the caller of tccall_cancel_set_poll promises `f(userdata)` is callable
        // from any thread making a call with the token.
        unsafe { (self.f)(self.userdata) != 0 }
    }
}

// SAFETY: the callback and its userdata are only ever used by the thread that makes the
// call (documented on tccall_cancel_set_poll); the token merely carries them there.
unsafe impl Send for PollFn {}
// SAFETY: as above; nothing reads them concurrently from two threads on tccall's side.
unsafe impl Sync for PollFn {}

/// Creates a cancel token. Never returns NULL. Free it with `tccall_cancel_free`.
#[no_mangle]
pub extern "C" fn tccall_cancel_new() -> *mut tccall_cancel {
    Box::into_raw(Box::new(tccall_cancel { inner: Cancel::new() }))
}

/// Cancels every call using `cancel`, from any thread: each returns `TCCALL_E_CANCELLED`
/// within milliseconds, whatever it was doing (resolving, connecting, TLS, sending,
/// waiting for the answer, backing off, waiting for the rate limiter). Idempotent. NULL is
/// a no-op.
///
/// # Safety
/// `cancel` must be NULL or a live token from `tccall_cancel_new`.
#[no_mangle]
pub unsafe extern "C" fn tccall_cancel_cancel(cancel: *const tccall_cancel) {
    // SAFETY: NULL or a live token, per the contract.
    if let Some(c) = unsafe { cancel.as_ref() } {
        let _ = std::panic::catch_unwind(|| c.inner.cancel());
    }
}

/// Sets a poll callback on `cancel`: while a call started afterwards with this token is
/// blocked, `poll(userdata)` runs on the calling thread at most every `interval_ms`
/// (1 to 60000), and a nonzero return cancels the call. This lets a host check its own
/// interrupts (Python's Ctrl-C) without a second thread. `poll` NULL removes it.
/// Returns `TCCALL_OK`, `TCCALL_E_NULL_ARGUMENT` (cancel NULL) or
/// `TCCALL_E_INVALID_REQUEST` (interval out of range).
///
/// # Safety
/// `cancel` must be NULL or a live token; `poll` must be safe to call with `userdata`
/// from any thread that makes a call with this token, until the token is freed.
#[no_mangle]
pub unsafe extern "C" fn tccall_cancel_set_poll(
    cancel: *mut tccall_cancel,
    poll: tccall_poll_fn,
    userdata: *mut c_void,
    interval_ms: u32,
) -> i32 {
    // SAFETY: NULL or a live token, per the contract.
    let Some(c) = (unsafe { cancel.as_ref() }) else { return ErrorCode::NullArgument.as_i32() };
    let Some(f) = poll else {
        c.inner.set_poll(None);
        return ErrorCode::Ok.as_i32();
    };
    if !(1..=60_000).contains(&interval_ms) {
        return ErrorCode::InvalidRequest.as_i32();
    }
    let p = PollFn { f, userdata };
    let check = move || p.call();
    c.inner.set_poll(Some(Poll::new(Box::new(check), Duration::from_millis(u64::from(interval_ms)))));
    ErrorCode::Ok.as_i32()
}

/// Frees a cancel token. NULL is a no-op. Call it only after every call using the token
/// has returned.
///
/// # Safety
/// `cancel` must be NULL or a token from `tccall_cancel_new`, freed once.
#[no_mangle]
pub unsafe extern "C" fn tccall_cancel_free(cancel: *mut tccall_cancel) {
    // SAFETY: NULL or a token from tccall_cancel_new, freed once, per the caller's contract.
    unsafe { super::free_handle(cancel) }
}

/// Runs any operation by name, with per-call options and an optional cancel token.
///
/// `op_name` is an operation's name as in `tccall_client_<name>` (`"end_call"`,
/// `"dismiss_room"`, ...); `request_json` is that operation's request. `options_json` may be
/// NULL or `{"deadline_ms": n, "max_attempts": n}`: `deadline_ms` replaces
/// `timeouts.total_ms` for this call (one deadline over DNS, connect, TLS, every read,
/// retries and backoff), `max_attempts` replaces `retry.max_attempts`. `cancel` may be NULL
/// or a token from `tccall_cancel_new`; cancelling it ends the call with
/// `TCCALL_E_CANCELLED`.
/// Returns what the named export returns, plus `TCCALL_E_INVALID_REQUEST` for an unknown
/// `op_name` or bad options, and `TCCALL_E_CANCELLED`. Outputs as for every operation
/// (free with `tccall_string_free`; either may be NULL). Thread-safe.
///
/// # Safety
/// `client` NULL or live; `op_name`, `request_json` NULL or NUL-terminated; `options_json`
/// NULL or NUL-terminated; `cancel` NULL or a live token; out pointers NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn tccall_client_call(
    client: *const tccall_client,
    op_name: *const c_char,
    request_json: *const c_char,
    options_json: *const c_char,
    cancel: *const tccall_cancel,
    out_json: *mut *mut c_char,
    out_err: *mut *mut c_char,
) -> i32 {
    let work = |c: &tccall_client| {
        // SAFETY: NULL or NUL-terminated, per the caller's contract.
        let name = unsafe { read_str(op_name, "op_name") }?;
        let op = api::find(name).ok_or_else(|| Error::invalid_request(format!("unknown operation {name:?}")))?;
        // SAFETY: as for op_name.
        let request = unsafe { read_str(request_json, "request_json") }?;
        // SAFETY: NULL or NUL-terminated, per the caller's contract.
        let mut options = match unsafe { read_opt_str(options_json, "options_json") }? {
            None => CallOptions::default(),
            Some(text) => CallOptions::from_json(text)?,
        };
        // SAFETY: NULL or a live token, per the caller's contract.
        options.cancel = unsafe { cancel.as_ref() }.map(|t| t.inner.clone());
        c.inner.call_json(op, request, &options)
    };
    // SAFETY: forwarded caller contract.
    unsafe { with_handle(client, "client", out_json, out_err, work) }
}
