//! tccall: server-side call control for Tencent Cloud's calling stack.
//!
//! The Rust API: [`Client`] (made from a [`Config`]) runs any entry of the operation
//! table [`api::OPERATIONS`] by name ([`Client::call`]) with per-call options
//! ([`client::CallOptions`]: a deadline, attempts, a [`transport::Cancel`] token), and
//! parses webhooks; errors are [`Error`] with a stable [`ErrorCode`]. [`auth`] holds the
//! pure signers (UserSig, PrivateMapKey, TC3), [`sandbox`] the local Tencent emulator, and
//! [`ffi`] the C ABI built on the same pieces. See ARCHITECTURE.md for the layers.
#![deny(unsafe_code, unsafe_op_in_unsafe_fn)]
#![warn(missing_docs)]

pub mod api;
pub mod auth;
pub mod client;
pub mod config;
pub mod error;
pub mod observe;
pub(crate) mod pyjson;
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
