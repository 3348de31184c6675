//! tccall: server-side call control for Tencent Cloud's calling stack.
#![deny(unsafe_code, unsafe_op_in_unsafe_fn)]
#![warn(missing_docs)]

pub mod api;
pub mod auth;
pub mod client;
pub mod config;
pub mod error;
pub mod pyjson;
pub mod schema;
pub mod secret;
mod terminate;
pub mod transport;
pub mod webhook;

pub use client::Client;
pub use config::Config;
pub use error::{Error, ErrorCode, Result};
// The C ABI is the one module allowed `unsafe` (pointer conversions, the panic boundary).
#[allow(unsafe_code)]
pub mod ffi;
#[cfg(feature = "sandbox")]
pub mod sandbox;
