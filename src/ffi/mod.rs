//! The C ABI. This module is the only place with `unsafe`: pointer checks, the
//! panic boundary, and handing strings across. Everything else is safe Rust.
//!
//! Conventions (see README "API conventions"): every fallible function returns an
//! `int32_t` code (`TCCALL_OK` = 0); `*out_json` is written only on success and
//! `*out_err` (error JSON) only on failure; either out pointer may be NULL; every
//! `char*` handed out is freed once with `tccall_string_free`.
#![allow(non_camel_case_types)]

mod call;
pub mod codes;
mod exports;
#[cfg(feature = "sandbox")]
mod sandbox;

pub use call::*;
pub use exports::*;
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

/// Reads a borrowed NUL-terminated UTF-8 string.
///
/// # Safety
/// `p` must be NULL or point to a NUL-terminated string valid for the call.
unsafe fn read_str<'a>(p: *const c_char, what: &str) -> Result<&'a str, Error> {
    if p.is_null() {
        return Err(Error::new(ErrorCode::NullArgument, format!("{what} is NULL")));
    }
    // SAFETY: non-null, and the caller promises a NUL-terminated string alive for the call.
    let bytes = unsafe { CStr::from_ptr(p) }.to_bytes();
    std::str::from_utf8(bytes)
        .map_err(|e| Error::new(ErrorCode::InvalidUtf8, format!("{what} is not UTF-8 (byte {})", e.valid_up_to())))
}

/// Borrows the client behind a handle.
///
/// # Safety
/// `client` must be NULL or a live handle from `tccall_client_new`.
unsafe fn client_ref<'a>(client: *const tccall_client) -> Result<&'a Client, Error> {
    // SAFETY: the caller promises NULL or a live handle; as_ref handles NULL.
    unsafe { client.as_ref() }.map(|c| &c.inner).ok_or_else(|| Error::new(ErrorCode::NullArgument, "client is NULL"))
}

/// Hands a Rust string to C (freed with `tccall_string_free`).
fn to_c(s: String) -> *mut c_char {
    // JSON text never contains NUL (it is escaped as \u0000), but stay total anyway.
    CString::new(s)
        .unwrap_or_else(|e| {
            let mut bytes = e.into_vec();
            bytes.retain(|b| *b != 0);
            CString::new(bytes).expect("NULs removed")
        })
        .into_raw()
}

/// Writes `value` to `*out` if `out` is non-NULL.
///
/// # Safety
/// `out` must be NULL or valid for one pointer write.
unsafe fn put(out: *mut *mut c_char, value: String) {
    if !out.is_null() {
        // SAFETY: non-null and writable per the caller's contract.
        unsafe { *out = to_c(value) };
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

/// The panic boundary shared by every fallible export: runs `f`, writes the result
/// or the error JSON, and turns a panic into `TCCALL_E_INTERNAL`.
///
/// # Safety
/// `out_json` and `out_err` must each be NULL or valid for one pointer write.
unsafe fn boundary<F>(out_json: *mut *mut c_char, out_err: *mut *mut c_char, f: F) -> i32
where
    F: FnOnce() -> Result<String, Error>,
{
    // SAFETY: forwarded caller contract.
    unsafe { finish(guard(f), out_json, out_err) }
}

/// Creates a handle with `make` inside the panic boundary and writes it to `*out`
/// (only on success); errors go to `*out_err`.
///
/// # Safety
/// `out` and `out_err` must each be NULL or valid for one pointer write.
unsafe fn new_handle<T, F>(out: *mut *mut T, out_name: &str, out_err: *mut *mut c_char, make: F) -> i32
where
    F: FnOnce() -> Result<T, Error>,
{
    let mut handle: *mut T = std::ptr::null_mut();
    // SAFETY: forwarded caller contract.
    let code = unsafe {
        boundary(std::ptr::null_mut(), out_err, || {
            if out.is_null() {
                return Err(Error::new(ErrorCode::NullArgument, format!("{out_name} is NULL")));
            }
            handle = Box::into_raw(Box::new(make()?));
            Ok(String::new())
        })
    };
    if code == ErrorCode::Ok.as_i32() {
        // SAFETY: checked non-null inside the boundary; writable per the caller's contract.
        unsafe { *out = handle };
    }
    code
}

/// Frees a handle made by `new_handle`; a panic in a destructor is contained.
///
/// # Safety
/// `handle` must come from `new_handle` and be freed only once.
unsafe fn free_handle<T>(handle: *mut T) {
    // SAFETY: the caller hands back a pointer from Box::into_raw, once.
    let _ = catch_unwind(AssertUnwindSafe(|| drop(unsafe { Box::from_raw(handle) })));
}

/// Runs `f`, turning a panic into `TCCALL_E_INTERNAL`.
fn guard<F>(f: F) -> Result<String, Error>
where
    F: FnOnce() -> Result<String, Error>,
{
    catch_unwind(AssertUnwindSafe(f)).unwrap_or_else(|p| Err(Error::new(ErrorCode::Internal, panic_message(&*p))))
}

/// Writes a result to `*out_json` or its error JSON to `*out_err`, and returns the code.
///
/// # Safety
/// `out_json` and `out_err` must each be NULL or valid for one pointer write.
unsafe fn finish(result: Result<String, Error>, out_json: *mut *mut c_char, out_err: *mut *mut c_char) -> i32 {
    match result {
        Ok(json) => {
            // SAFETY: forwarded caller contract.
            unsafe { put(out_json, json) };
            ErrorCode::Ok.as_i32()
        }
        Err(e) => {
            // SAFETY: forwarded caller contract.
            unsafe { put(out_err, e.to_json()) };
            e.code.as_i32()
        }
    }
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
    let result = guard(|| {
        // SAFETY: NULL or a live handle, per the caller's contract.
        let client = unsafe { client_ref(client) }?;
        // SAFETY: NULL or NUL-terminated, per the caller's contract.
        let request = unsafe { read_str(request_json, "request_json") }?;
        client.execute_json(op, request)
    });
    // SAFETY: NULL or writable, per the caller's contract.
    unsafe { finish(result, out_json, out_err) }
}

#[cfg(test)]
mod tests;
