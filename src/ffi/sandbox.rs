//! The sandbox through the C ABI, so C, Python and Go tests (and users' own tests)
//! can start the in-process Tencent emulator without a separate process.

use super::{free_handle, new_handle, read_opt_str, read_str, with_handle};
use crate::error::{Error, ErrorCode};
use crate::sandbox::{Sandbox, SandboxConfig};
use serde_json::{json, Value};
use std::ffi::c_char;

/// An opaque running sandbox. Start with `tccall_sandbox_start`, stop and free with
/// `tccall_sandbox_free`. Thread-safe.
pub struct tccall_sandbox {
    inner: Sandbox,
}

/// Starts the sandbox (a strict local emulator of Tencent's IM REST and Cloud API
/// endpoints) on 127.0.0.1. `config_json` is a sandbox config; `"{}"` takes every
/// default (a random port, app 1400000001, admin `administrator`). Fields: `port`,
/// `sdk_app_id`, `secret_key`, `admins`, `cloud_secret_id`, `cloud_secret_key`, `regions`,
/// `im_per_second`, `cloud_api_per_second`, `enforce_rate_limits`, `webhook_token`,
/// `webhook_timeout_ms`, `clock_skew_s`, `frozen_time` (unix seconds the signature checks
/// take as now, to replay signed requests), `tls_leaf` (`"valid"`, the default, or a
/// certificate clients must refuse: `"expired"`, `"wrong_name"`, `"self_signed"`).
/// The port serves HTTP and HTTPS; the HTTPS certificate is issued by a CA minted
/// at start (see `tccall_sandbox_info`).
///
/// On success `*out_sandbox` receives the handle (free it with `tccall_sandbox_free`);
/// on failure `*out_err` receives the error JSON (free with `tccall_string_free`; may be
/// NULL). Returns `TCCALL_OK`, `TCCALL_E_NULL_ARGUMENT`, `TCCALL_E_INVALID_UTF8`,
/// `TCCALL_E_INVALID_CONFIG` or `TCCALL_E_CONNECT` (cannot bind).
///
/// # Safety
/// `config_json` must be NULL or NUL-terminated; `out_sandbox` and `out_err` NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn tccall_sandbox_start(
    config_json: *const c_char,
    out_sandbox: *mut *mut tccall_sandbox,
    out_err: *mut *mut c_char,
) -> i32 {
    let make = || {
        // SAFETY: NULL or NUL-terminated, per the caller's contract.
        let text = unsafe { read_str(config_json, "config_json") }?;
        let config = SandboxConfig::from_json(text).map_err(Error::invalid_config)?;
        config.validate().map_err(Error::invalid_config)?;
        let inner = Sandbox::start(config)
            .map_err(|e| Error::new(ErrorCode::Connect, format!("sandbox cannot listen: {e}")))?;
        Ok(tccall_sandbox { inner })
    };
    // SAFETY: forwarded caller contract.
    unsafe { new_handle(out_sandbox, "out_sandbox", out_err, make) }
}

/// Describes a running sandbox: `{"base_url": "http://127.0.0.1:PORT",
/// "https_base_url": "<https://127.0.0.1:PORT">, "ca_pem": "-----BEGIN CERTIFICATE-----...",
/// "ca_file": "/tmp/tccall-sandbox-PID-PORT/ca.pem", "client_config": {...},
/// "https_client_config": {...}}`. `client_config` is a tccall config pointing at it over
/// HTTP (pass it to `tccall_client_new`); `https_client_config` the same over HTTPS,
/// trusting only the sandbox's CA (`"tls": {"ca_pem": ..., "roots": "none"}`). `ca_pem`
/// is the CA certificate (minted at start), `ca_file` a file holding it for other
/// clients, removed when the sandbox is freed.
/// `*out_json` / `*out_err` as for every operation; free with `tccall_string_free`.
///
/// # Safety
/// `sandbox` must be NULL or a live handle; out pointers NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn tccall_sandbox_info(
    sandbox: *const tccall_sandbox,
    out_json: *mut *mut c_char,
    out_err: *mut *mut c_char,
) -> i32 {
    let work = |h: &tccall_sandbox| {
        let s = &h.inner;
        let parse = |text: String| -> Value { serde_json::from_str(&text).expect("the sandbox writes valid JSON") };
        Ok(json!({
            "base_url": s.base_url(),
            "https_base_url": s.https_base_url(),
            "ca_pem": s.ca_pem(),
            "ca_file": s.ca_file().to_string_lossy(),
            "client_config": parse(s.client_config_json()),
            "https_client_config": parse(s.https_client_config_json()),
        })
        .to_string())
    };
    // SAFETY: forwarded caller contract.
    unsafe { with_handle(sandbox, "sandbox", out_json, out_err, work) }
}

/// Calls a sandbox control endpoint in-process, e.g. `("POST", "/_sandbox/rooms",
/// "{\"room_id\": 1234, \"users\": [\"a\"]}")`; `body_json` may be NULL for none. The
/// endpoints create calls, rooms and Desk sessions, move members, arm faults, and read
/// the request log and state (see the README's sandbox section). A non-200 answer is
/// `TCCALL_E_INVALID_REQUEST` with the endpoint's message. Outputs as for every operation.
///
/// # Safety
/// `sandbox` NULL or live; `method`, `path` NULL or NUL-terminated; `body_json` NULL or
/// NUL-terminated; out pointers NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn tccall_sandbox_control(
    sandbox: *const tccall_sandbox,
    method: *const c_char,
    path: *const c_char,
    body_json: *const c_char,
    out_json: *mut *mut c_char,
    out_err: *mut *mut c_char,
) -> i32 {
    let work = |h: &tccall_sandbox| {
        // SAFETY: NULL or NUL-terminated, per the caller's contract (both strings).
        let (method, path) = unsafe { (read_str(method, "method")?, read_str(path, "path")?) };
        // SAFETY: NULL or NUL-terminated, per the caller's contract.
        let body = match unsafe { read_opt_str(body_json, "body_json") }? {
            None => Value::Null,
            Some(text) => serde_json::from_str(text)
                .map_err(|e| Error::new(ErrorCode::InvalidJson, format!("body_json is not valid JSON: {e}")))?,
        };
        match h.inner.control(method, path, &body) {
            (200, v) => Ok(v.to_string()),
            (status, v) => Err(Error::invalid_request(format!("sandbox answered {status}: {v}"))),
        }
    };
    // SAFETY: forwarded caller contract.
    unsafe { with_handle(sandbox, "sandbox", out_json, out_err, work) }
}

/// Stops the sandbox (closing its connections) and frees the handle. NULL is a no-op.
///
/// # Safety
/// `sandbox` must be NULL or a handle from `tccall_sandbox_start`, freed only once.
#[no_mangle]
pub unsafe extern "C" fn tccall_sandbox_free(sandbox: *mut tccall_sandbox) {
    // SAFETY: NULL or a handle from tccall_sandbox_start, freed once, per the caller's contract.
    unsafe { free_handle(sandbox) }
}
