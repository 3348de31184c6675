//! The operations: one table, `OPERATIONS`, that every layer reads.
//!
//! An `OpSpec` says what an operation is called, what its request may hold and how it is
//! carried out: sent to Tencent (under a retry class), signed and returned without being
//! sent, or computed locally. `Client` runs any entry (validate, build the target, sign,
//! send); the C exports are one line each into it; `tccall_operations()` hands the table
//! to the Python and Go wrappers, which build their generic call and their "every
//! operation is wrapped" tests from it.

pub mod call;
pub mod composite;
pub mod desk;
pub mod local;
pub mod raw;
pub mod trtc;

use crate::config::Config;
use crate::error::{ErrorCode, Result};
use crate::schema::{self, Field};
use crate::transport::RetryClass;
use serde_json::{json, Value};
use std::borrow::Cow;

/// Which API family an operation talks to; `Local` ones never touch the network.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Family {
    /// IM REST (Call v4, Desk, raw IM): admin UserSig in the query.
    Im,
    /// Cloud API 3.0 (TRTC, raw Cloud API): TC3-signed.
    CloudApi,
    /// No network: tokens, and requests signed for the caller's own HTTP stack.
    Local,
    /// Several requests, to IM REST and to the Cloud API (`terminate_call`).
    Composite,
}

impl Family {
    /// The name in `tccall_operations()`.
    pub fn name(self) -> &'static str {
        match self {
            Family::Im => "im",
            Family::CloudApi => "cloud_api",
            Family::Local => "local",
            Family::Composite => "composite",
        }
    }
}

/// An IM REST request before it is signed.
#[derive(Debug)]
pub struct ImTarget<'a> {
    /// `v4/{service}/{command}`.
    pub path: &'a str,
    /// The JSON body bytes.
    pub body: Vec<u8>,
}

/// A Cloud API request before it is signed.
#[derive(Debug)]
pub struct CloudTarget<'a> {
    /// Service name in the credential scope (`trtc`).
    pub service: &'a str,
    /// `X-TC-Version`.
    pub version: &'a str,
    /// `X-TC-Action`.
    pub action: &'a str,
    /// `X-TC-Region` (empty: none sent).
    pub region: &'a str,
    /// Base URL, no path.
    pub endpoint: Cow<'a, str>,
    /// The exact body bytes (what TC3 signs).
    pub body: Vec<u8>,
    /// A fixed signing time (`sign_cloud_api_request` only); `None` is now.
    pub timestamp: Option<u64>,
}

/// A request ready to sign.
#[derive(Debug)]
pub enum Target<'a> {
    /// IM REST.
    Im(ImTarget<'a>),
    /// Cloud API 3.0.
    Cloud(CloudTarget<'a>),
}

/// How the target of a request is built.
#[derive(Clone, Copy)]
pub enum Build {
    /// IM REST at a fixed path; the body is the validated request.
    ImPath(&'static str),
    /// IM REST built from the request (raw IM calls).
    Im(for<'a> fn(&'a Value) -> Result<ImTarget<'a>>),
    /// Cloud API built from the request and the config.
    Cloud(for<'a> fn(&'a Config, &'a Value) -> Result<CloudTarget<'a>>),
}

impl Build {
    /// The target for `req`.
    pub fn target<'a>(&self, config: &'a Config, req: &'a Value) -> Result<Target<'a>> {
        Ok(match self {
            Build::ImPath(path) => {
                Target::Im(ImTarget { path, body: serde_json::to_vec(req).expect("a Value always serializes") })
            }
            Build::Im(f) => Target::Im(f(req)?),
            Build::Cloud(f) => Target::Cloud(f(config, req)?),
        })
    }

    fn family(&self) -> Family {
        match self {
            Build::ImPath(_) | Build::Im(_) => Family::Im,
            Build::Cloud(_) => Family::CloudApi,
        }
    }
}

/// How an operation is carried out.
#[derive(Clone, Copy)]
pub enum Exec {
    /// Sent to Tencent, retried as its class allows.
    Send(Build, RetryClass),
    /// Signed and returned as `{"method", "url", "headers", "body"}`, not sent.
    Sign(Build),
    /// Computed locally from the config, the request and the time; returns the result JSON text.
    Local(fn(&Config, &Value, u64) -> Result<String>),
    /// Several operations in one budget, run by the client.
    Composite(Composite),
}

/// The composite operations (tccall's own, made of Tencent operations).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Composite {
    /// Read a call, end it, dismiss its TRTC room (`terminate_call`).
    TerminateCall,
}

/// One operation.
pub struct OpSpec {
    /// Its name, as in `tccall_client_<name>` (`end_call`).
    pub name: &'static str,
    /// The request's fields (Tencent's names for Tencent's bodies).
    pub fields: &'static [Field],
    /// A rule the field table cannot express, checked after it.
    pub check: Option<fn(&Value) -> Result<()>>,
    /// How it is carried out.
    pub exec: Exec,
}

impl std::fmt::Debug for OpSpec {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name)
    }
}

impl OpSpec {
    /// An IM REST operation at `path` whose body is the request.
    pub const fn im(name: &'static str, path: &'static str, fields: &'static [Field], retry: RetryClass) -> OpSpec {
        OpSpec { name, fields, check: None, exec: Exec::Send(Build::ImPath(path), retry) }
    }

    /// The same operation with an extra rule checked after the field table.
    pub const fn checked(self, check: fn(&Value) -> Result<()>) -> OpSpec {
        OpSpec { check: Some(check), ..self }
    }

    /// A local operation.
    pub const fn local(
        name: &'static str,
        fields: &'static [Field],
        f: fn(&Config, &Value, u64) -> Result<String>,
    ) -> OpSpec {
        OpSpec { name, fields, check: None, exec: Exec::Local(f) }
    }

    /// The API family it talks to.
    pub fn family(&self) -> Family {
        match &self.exec {
            Exec::Send(build, _) => build.family(),
            Exec::Sign(_) | Exec::Local(_) => Family::Local,
            Exec::Composite(_) => Family::Composite,
        }
    }

    /// Its retry class; `None` for operations that send nothing. A composite operation
    /// ends something, each of its steps retried as that step's class allows.
    pub fn retry(&self) -> Option<RetryClass> {
        match self.exec {
            Exec::Send(_, class) => Some(class),
            Exec::Composite(_) => Some(RetryClass::Ending),
            _ => None,
        }
    }

    /// The C function that runs it.
    pub fn c_function(&self) -> String {
        format!("tccall_client_{}", self.name)
    }

    /// Checks a request against the field table and the extra rule.
    pub fn validate(&self, req: &Value) -> Result<()> {
        schema::validate(req, self.fields, &format!("{} request", self.name), ErrorCode::InvalidRequest)?;
        match self.check {
            Some(check) => check(req),
            None => Ok(()),
        }
    }

    /// Validates a request and fills in the defaults its schema gives (so the request
    /// sent states them: `start_call_by_robot`'s ringing `Timeout`, for one). A local
    /// operation sends nothing and reads its defaults from its table, so its request is
    /// not copied.
    pub fn prepare<'r>(&self, req: &'r Value) -> Result<Cow<'r, Value>> {
        self.validate(req)?;
        let sent = !matches!(self.exec, Exec::Local(_));
        Ok(match sent && schema::has_defaults(self.fields) {
            true => Cow::Owned(schema::with_defaults(req, self.fields)),
            false => Cow::Borrowed(req),
        })
    }
}

/// Every operation, in the order of the C exports.
pub static OPERATIONS: &[&OpSpec] = &[
    &call::END_CALL,
    &call::GET_CALL_INFO,
    &call::START_CALL_BY_ROBOT,
    &call::GET_CALL_RECORD,
    &call::SEARCH_CALL_RECORDS,
    &call::SET_CALLBACK_CONFIG,
    &call::GET_CALLBACK_CONFIG,
    &call::DELETE_CALLBACK_CONFIG,
    &trtc::DISMISS_ROOM,
    &trtc::REMOVE_USERS,
    &trtc::BLOCK_USER,
    &composite::TERMINATE_CALL,
    &desk::END_DESK_SESSION,
    &desk::GET_DESK_SESSION_STATE,
    &desk::LIST_DESK_SESSIONS,
    &local::GEN_USERSIG,
    &local::VERIFY_USERSIG,
    &local::GEN_PRIVATE_MAP_KEY,
    &raw::IM_REQUEST,
    &raw::CLOUD_API_REQUEST,
    &raw::SIGN_IM_REQUEST,
    &raw::SIGN_CLOUD_API_REQUEST,
];

/// The operation called `name`.
pub fn find(name: &str) -> Option<&'static OpSpec> {
    OPERATIONS.iter().copied().find(|op| op.name == name)
}

/// The table as JSON (what `tccall_operations()` returns): one object per operation with
/// `name`, `family` (`im`, `cloud_api`, `composite`, `local`), `retry` (`safe`, `ending`,
/// `only_unsent`, or null when nothing is sent) and `c_function`.
pub fn table_json() -> String {
    let ops: Vec<Value> = OPERATIONS
        .iter()
        .map(|op| {
            json!({
                "name": op.name,
                "family": op.family().name(),
                "retry": op.retry().map(RetryClass::name),
                "c_function": op.c_function(),
            })
        })
        .collect();
    Value::Array(ops).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_table_is_consistent() {
        let mut names: Vec<&str> = OPERATIONS.iter().map(|op| op.name).collect();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), OPERATIONS.len(), "operation names are unique");
        for op in OPERATIONS {
            assert_eq!(find(op.name).map(|o| o.name), Some(op.name));
            assert!(op.name.bytes().all(|b| b.is_ascii_lowercase() || b == b'_'), "{}", op.name);
            // Local operations never retry; network ones always have a class.
            assert_eq!(op.family() == Family::Local, op.retry().is_none(), "{}", op.name);
        }
        assert!(find("nope").is_none());
        let table: Value = serde_json::from_str(&table_json()).unwrap();
        assert_eq!(
            table[0],
            json!({"name": "end_call", "family": "im", "retry": "ending", "c_function": "tccall_client_end_call"})
        );
        let dismiss = table.as_array().unwrap().iter().find(|o| o["name"] == "dismiss_room").unwrap();
        assert_eq!((dismiss["family"].as_str(), dismiss["retry"].as_str()), (Some("cloud_api"), Some("ending")));
        let sign = table.as_array().unwrap().iter().find(|o| o["name"] == "sign_cloud_api_request").unwrap();
        assert_eq!((sign["family"].as_str(), sign["retry"].as_str()), (Some("local"), None));
        let raw = table.as_array().unwrap().iter().find(|o| o["name"] == "cloud_api_request").unwrap();
        assert_eq!(raw["c_function"], "tccall_client_cloud_api_request");
        assert_eq!((raw["family"].as_str(), raw["retry"].as_str()), (Some("cloud_api"), Some("only_unsent")));
    }

    #[test]
    fn defaults_come_from_the_schema_and_are_sent() {
        let req = json!({"Robot_Account": "r", "CalleeList_Account": ["a"], "CallInfo": {}});
        let sent = call::START_CALL_BY_ROBOT.prepare(&req).unwrap();
        assert_eq!(sent["Timeout"], 30_000);
        assert_eq!(sent["CallInfo"]["MediaType"], "Audio");
        // Given values stay; operations without defaults are not copied.
        let given = json!({"Robot_Account": "r", "CalleeList_Account": ["a"], "Timeout": 60_000, "CallInfo": {"MediaType": "Video"}});
        let sent = call::START_CALL_BY_ROBOT.prepare(&given).unwrap();
        assert_eq!((sent["Timeout"].as_u64(), sent["CallInfo"]["MediaType"].as_str()), (Some(60_000), Some("Video")));
        let end = json!({"CallId": "c"});
        assert!(matches!(call::END_CALL.prepare(&end).unwrap(), Cow::Borrowed(_)));
    }
}
