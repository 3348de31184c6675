//! The C ABI. This module is the only place with `unsafe` (the crate root denies it
//! elsewhere): pointer conversions, the panic boundary, and handing strings and handles
//! across. Everything else is safe Rust.
//!
//! Conventions (see README "API conventions"): every fallible function returns an
//! `int32_t` code (`TCCALL_OK` = 0); `*out_json` is written only on success and
//! `*out_err` (error JSON) only on failure; either out pointer may be NULL; every
//! `char*` handed out is freed once with `tccall_string_free`.
#![allow(non_camel_case_types)]
#![deny(clippy::undocumented_unsafe_blocks)]

mod call;
mod exports;
mod observe;
#[cfg(feature = "sandbox")]
mod sandbox;
pub mod signals;

pub use call::*;
pub use exports::*;
pub use observe::*;
#[cfg(feature = "sandbox")]
pub use sandbox::*;

use crate::api::OpSpec;
use crate::error::{Error, ErrorCode};
use crate::Client;
use std::ffi::{c_char, CStr, CString};
use std::panic::{catch_unwind, AssertUnwindSafe};

/// An opaque client handle. Create with `tccall_client_new`, free with
/// `tccall_client_free`. Thread-safe: share one handle across all threads.
pub struct tccall_client {
    inner: Client,
}

/// The ABI version, bumped only on a breaking change of the C ABI.
pub const TCCALL_ABI_VERSION: u32 = 1;

// ---------------------------------------------------------------- pointer conversions
//
// One small helper per conversion, each with its own commented `unsafe`, so the body of
// every export is safe code around a few explicit, documented conversions.

/// Reads a borrowed NUL-terminated UTF-8 string.
///
/// # Safety
/// `p` must be NULL or point to a NUL-terminated string valid for `'a`.
unsafe fn read_str<'a>(p: *const c_char, what: &str) -> Result<&'a str, Error> {
    if p.is_null() {
        return Err(Error::new(ErrorCode::NullArgument, format!("{what} is NULL")));
    }
    // SAFETY: non-null, and the caller promises a NUL-terminated string alive for 'a.
    let bytes = unsafe { CStr::from_ptr(p) }.to_bytes();
    std::str::from_utf8(bytes)
        .map_err(|e| Error::new(ErrorCode::InvalidUtf8, format!("{what} is not UTF-8 (byte {})", e.valid_up_to())))
}

/// Reads an optional string: `None` for NULL.
///
/// # Safety
/// `p` must be NULL or point to a NUL-terminated string valid for `'a`.
unsafe fn read_opt_str<'a>(p: *const c_char, what: &str) -> Result<Option<&'a str>, Error> {
    match p.is_null() {
        true => Ok(None),
        // SAFETY: forwarded caller contract.
        false => unsafe { read_str(p, what) }.map(Some),
    }
}

/// Borrows `len` bytes at `p` (NULL is allowed only with `len` 0).
///
/// # Safety
/// `p` must be NULL or valid for reading `len` bytes for `'a`.
unsafe fn read_bytes<'a>(p: *const u8, len: usize, what: &str) -> Result<&'a [u8], Error> {
    match (p.is_null(), len) {
        (_, 0) => Ok(&[]),
        (true, _) => Err(Error::new(ErrorCode::NullArgument, format!("{what} is NULL but {what}_len is not 0"))),
        // SAFETY: non-null and valid for `len` bytes, per the caller's contract.
        (false, n) => Ok(unsafe { std::slice::from_raw_parts(p, n) }),
    }
}

/// Borrows the object behind a handle.
///
/// # Safety
/// `p` must be NULL or a live handle made by `new_handle` for this `T`.
unsafe fn read_handle<'a, T>(p: *const T, what: &str) -> Result<&'a T, Error> {
    // SAFETY: NULL or a live handle, per the caller's contract; as_ref handles NULL.
    unsafe { p.as_ref() }.ok_or_else(|| Error::new(ErrorCode::NullArgument, format!("{what} is NULL")))
}

/// Hands a Rust string to C (freed with `tccall_string_free`): one allocation of exactly
/// its length and the NUL, since `CString` would grow the buffer for the NUL and then
/// shrink it to fit (two reallocs, more than the copy costs).
fn to_c(s: String) -> *mut c_char {
    let mut bytes = Vec::with_capacity(s.len() + 1);
    bytes.extend_from_slice(s.as_bytes());
    // JSON text never contains NUL (it is escaped as \u0000), but stay total anyway.
    if bytes.contains(&0) {
        bytes.retain(|b| *b != 0);
    }
    bytes.push(0);
    CString::from_vec_with_nul(bytes).expect("one NUL, at the end").into_raw()
}

/// Writes `make()` to `*out` if `out` is non-NULL; `make` runs only then, so nothing is
/// allocated (and leaked) for a caller that passed NULL.
///
/// # Safety
/// `out` must be NULL or valid for one write of a `T`.
unsafe fn put<T>(out: *mut T, make: impl FnOnce() -> T) {
    if !out.is_null() {
        // SAFETY: non-null and writable per the caller's contract.
        unsafe { out.write(make()) };
    }
}

fn panic_message(payload: &(dyn std::any::Any + Send)) -> String {
    let what = payload
        .downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| payload.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "unknown panic".into());
    format!("internal error (caught panic): {what}")
}

// ---------------------------------------------------------------- the panic boundary

/// Runs `f`, turning a panic into `TCCALL_E_INTERNAL`. Every export's work runs in it.
fn guard<T, F>(f: F) -> Result<T, Error>
where
    F: FnOnce() -> Result<T, Error>,
{
    catch_unwind(AssertUnwindSafe(f)).unwrap_or_else(|p| Err(Error::new(ErrorCode::Internal, panic_message(&*p))))
}

/// Writes the error JSON to `*out_err` and returns the error's code.
///
/// # Safety
/// `out_err` must be NULL or valid for one pointer write.
unsafe fn fail(e: Error, out_err: *mut *mut c_char) -> i32 {
    // SAFETY: forwarded caller contract.
    unsafe { put(out_err, || to_c(e.to_json())) };
    e.code.as_i32()
}

/// Writes a result to `*out_json` or its error JSON to `*out_err`, and returns the code.
///
/// # Safety
/// `out_json` and `out_err` must each be NULL or valid for one pointer write.
unsafe fn finish(result: Result<String, Error>, out_json: *mut *mut c_char, out_err: *mut *mut c_char) -> i32 {
    match result {
        Ok(json) => {
            // SAFETY: forwarded caller contract.
            unsafe { put(out_json, || to_c(json)) };
            ErrorCode::Ok.as_i32()
        }
        // SAFETY: forwarded caller contract.
        Err(e) => unsafe { fail(e, out_err) },
    }
}

/// Makes a new object with `make` inside the panic boundary and boxes it into `*out`, or
/// writes the error JSON. A NULL `out` fails before `make` runs. The shape of every
/// constructor export.
///
/// # Safety
/// `out` and `out_err` must each be NULL or valid for one pointer write.
unsafe fn new_handle<T, F>(out: *mut *mut T, out_name: &str, out_err: *mut *mut c_char, make: F) -> i32
where
    F: FnOnce() -> Result<T, Error>,
{
    let result = match out.is_null() {
        true => Err(Error::new(ErrorCode::NullArgument, format!("{out_name} is NULL"))),
        false => guard(make),
    };
    match result {
        Ok(v) => {
            // SAFETY: checked non-null above; writable per the caller's contract.
            unsafe { put(out, || Box::into_raw(Box::new(v))) };
            ErrorCode::Ok.as_i32()
        }
        // SAFETY: forwarded caller contract.
        Err(e) => unsafe { fail(e, out_err) },
    }
}

/// Frees a handle made by `new_handle`; a panic in a destructor is contained.
///
/// # Safety
/// `handle` must be NULL or come from `new_handle` and be freed only once.
unsafe fn free_handle<T>(handle: *mut T) {
    if !handle.is_null() {
        // SAFETY: the caller hands back a pointer from Box::into_raw, once.
        let _ = catch_unwind(AssertUnwindSafe(|| drop(unsafe { Box::from_raw(handle) })));
    }
}

/// Runs `work` on the object behind the handle `p` inside the panic boundary, and writes
/// its result to `*out_json` or its error to `*out_err`. The shape of every export that
/// takes a handle and returns JSON.
///
/// # Safety
/// `p` NULL or a live handle of this type; out pointers NULL or writable.
unsafe fn with_handle<T, F>(
    p: *const T,
    what: &str,
    out_json: *mut *mut c_char,
    out_err: *mut *mut c_char,
    work: F,
) -> i32
where
    F: FnOnce(&T) -> Result<String, Error>,
{
    let result = guard(|| {
        // SAFETY: NULL or a live handle, per the caller's contract.
        let handle = unsafe { read_handle(p, what) }?;
        work(handle)
    });
    // SAFETY: NULL or writable, per the caller's contract.
    unsafe { finish(result, out_json, out_err) }
}

/// The body of every `tccall_client_<op>(client, request_json, out_json, out_err)`.
///
/// # Safety
/// Pointer arguments as documented on the exports.
unsafe fn client_op(
    op: &OpSpec,
    client: *const tccall_client,
    request_json: *const c_char,
    out_json: *mut *mut c_char,
    out_err: *mut *mut c_char,
) -> i32 {
    let work = |c: &tccall_client| {
        // SAFETY: NULL or NUL-terminated, per the caller's contract.
        let request = unsafe { read_str(request_json, "request_json") }?;
        c.inner.execute_json(op, request)
    };
    // SAFETY: forwarded caller contract.
    unsafe { with_handle(client, "client", out_json, out_err, work) }
}

#[cfg(test)]
mod tests;
