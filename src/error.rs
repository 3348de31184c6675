//! Errors: one `Error` type, the stable numeric codes of the C ABI, and their JSON form.

use serde_json::{json, Value};
use std::ffi::CStr;
use std::fmt;

/// Defines `ErrorCode` from one table: variant, number, C name and description.
macro_rules! error_codes {
    ($($variant:ident = $num:literal, $name:literal, $desc:literal;)*) => {
        /// The stable result codes of the C ABI. Numbers are never reused or renumbered.
        /// Each variant is described by [`ErrorCode::description`].
        #[allow(missing_docs)]
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
        #[repr(i32)]
        pub enum ErrorCode { $($variant = $num,)* }

        impl ErrorCode {
            /// Every code, in numeric order.
            pub const ALL: &'static [ErrorCode] = &[$(ErrorCode::$variant,)*];

            /// The C name, e.g. `TCCALL_E_NOT_FOUND`.
            pub fn name(self) -> &'static str {
                match self { $(ErrorCode::$variant => $name,)* }
            }

            /// A static, NUL-terminated description (what `tccall_strerror` returns).
            pub fn description(self) -> &'static CStr {
                match self { $(ErrorCode::$variant => $desc,)* }
            }

            /// The code for a number, if it is one of ours.
            pub fn from_i32(n: i32) -> Option<ErrorCode> {
                match n { $($num => Some(ErrorCode::$variant),)* _ => None }
            }
        }
    };
}

error_codes! {
    Ok = 0, "TCCALL_OK", c"success";
    NullArgument = 101, "TCCALL_E_NULL_ARGUMENT", c"a required pointer argument is NULL";
    InvalidUtf8 = 102, "TCCALL_E_INVALID_UTF8", c"a string argument is not valid UTF-8";
    InvalidJson = 103, "TCCALL_E_INVALID_JSON", c"a JSON argument does not parse";
    InvalidRequest = 104, "TCCALL_E_INVALID_REQUEST", c"a request field is missing, unknown, of the wrong type or out of range";
    InvalidConfig = 105, "TCCALL_E_INVALID_CONFIG", c"the configuration is invalid or lacks a needed credential";
    InputTooLarge = 106, "TCCALL_E_INPUT_TOO_LARGE", c"an input is above the configured size limit";
    Timeout = 201, "TCCALL_E_TIMEOUT", c"the connection or request timed out";
    Connect = 202, "TCCALL_E_CONNECT", c"could not connect or the connection failed";
    Tls = 203, "TCCALL_E_TLS", c"TLS failure";
    Proxy = 204, "TCCALL_E_PROXY", c"proxy failure or bad proxy URL";
    HttpStatus = 205, "TCCALL_E_HTTP_STATUS", c"the gateway answered with a non-200 HTTP status";
    BadResponse = 206, "TCCALL_E_BAD_RESPONSE", c"the response is not the expected JSON envelope, or is too large";
    Cancelled = 207, "TCCALL_E_CANCELLED", c"the call was cancelled";
    Service = 301, "TCCALL_E_SERVICE", c"Tencent returned an error";
    NotFound = 302, "TCCALL_E_NOT_FOUND", c"the call, session, room or config does not exist or has ended";
    RateLimited = 303, "TCCALL_E_RATE_LIMITED", c"rate limit exceeded";
    ServiceUnavailable = 304, "TCCALL_E_SERVICE_UNAVAILABLE", c"Tencent reported an internal error; retry later";
    RemoteInvalidParameter = 305, "TCCALL_E_REMOTE_INVALID_PARAMETER", c"Tencent rejected a request parameter";
    AppConfig = 306, "TCCALL_E_APP_CONFIG", c"the app is not set up for this: check the SDKAppID, its package and IP allow-list, and the data center";
    AuthRejected = 401, "TCCALL_E_AUTH_REJECTED", c"Tencent refused the credentials";
    UsersigExpired = 402, "TCCALL_E_USERSIG_EXPIRED", c"the UserSig has expired";
    UsersigInvalid = 403, "TCCALL_E_USERSIG_INVALID", c"the UserSig is malformed or does not match";
    WebhookSignature = 501, "TCCALL_E_WEBHOOK_SIGNATURE", c"the webhook Sign is missing or wrong";
    WebhookStale = 502, "TCCALL_E_WEBHOOK_STALE", c"the webhook RequestTime is outside the allowed window";
    WebhookAppMismatch = 503, "TCCALL_E_WEBHOOK_APP_MISMATCH", c"the webhook SdkAppid is missing or not this app's";
    WebhookMalformed = 504, "TCCALL_E_WEBHOOK_MALFORMED", c"the webhook query or body is unreadable or incomplete";
    Internal = 901, "TCCALL_E_INTERNAL", c"internal error (a caught panic); please report it";
}

impl ErrorCode {
    /// The numeric value handed across the C ABI.
    pub fn as_i32(self) -> i32 {
        self as i32
    }
}

/// A tccall error: a stable code plus what Tencent said, if it said anything.
///
/// Messages never contain secrets: callers build them from field names and
/// Tencent's texts, never from keys, signatures or tokens.
#[derive(Clone, Debug, PartialEq)]
pub struct Error {
    /// The stable code.
    pub code: ErrorCode,
    /// A human explanation naming the field or condition.
    pub message: String,
    /// Tencent's own code (`"101004"`, `"FailedOperation.RoomNotExist"`).
    pub service_code: Option<String>,
    /// Tencent's own message (`ErrorInfo` / `Error.Message`).
    pub service_message: Option<String>,
    /// Tencent's `RequestId`, to quote to Tencent support.
    pub request_id: Option<String>,
    /// The HTTP status of the last response, if one arrived.
    pub http_status: Option<u16>,
    /// Whether trying again later may succeed.
    pub retryable: bool,
    /// How many attempts were made (1 when there was no retry).
    pub attempts: u32,
}

/// `Result` with tccall's `Error`.
pub type Result<T, E = Error> = std::result::Result<T, E>;

impl Error {
    /// An error with a code and message and nothing else.
    pub fn new(code: ErrorCode, message: impl Into<String>) -> Self {
        Error {
            code,
            message: message.into(),
            service_code: None,
            service_message: None,
            request_id: None,
            http_status: None,
            retryable: false,
            attempts: 1,
        }
    }

    /// `TCCALL_E_INVALID_REQUEST` with a message.
    pub fn invalid_request(message: impl Into<String>) -> Self {
        Self::new(ErrorCode::InvalidRequest, message)
    }

    /// `TCCALL_E_INVALID_CONFIG` with a message.
    pub fn invalid_config(message: impl Into<String>) -> Self {
        Self::new(ErrorCode::InvalidConfig, message)
    }

    /// Marks the error as retryable (or not).
    pub fn retryable(mut self, yes: bool) -> Self {
        self.retryable = yes;
        self
    }

    /// The error JSON of the C ABI: always all nine keys, `null` where one does not apply.
    pub fn to_json_value(&self) -> Value {
        json!({
            "code": self.code.as_i32(),
            "name": self.code.name(),
            "message": self.message,
            "service_code": self.service_code,
            "service_message": self.service_message,
            "request_id": self.request_id,
            "http_status": self.http_status,
            "retryable": self.retryable,
            "attempts": self.attempts,
        })
    }

    /// The error JSON as a string.
    pub fn to_json(&self) -> String {
        self.to_json_value().to_string()
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.code.name(), self.message)?;
        if let Some(code) = &self.service_code {
            write!(f, " (Tencent code {code}")?;
            if let Some(id) = &self.request_id {
                write!(f, ", RequestId {id}")?;
            }
            write!(f, ")")?;
        }
        Ok(())
    }
}

impl std::error::Error for Error {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_unique_sorted_and_named() {
        let mut last = -1;
        for code in ErrorCode::ALL {
            let n = code.as_i32();
            assert!(n > last, "{} out of order", code.name());
            last = n;
            assert_eq!(ErrorCode::from_i32(n), Some(*code));
            assert!(code.name().starts_with("TCCALL_"));
            assert!(!code.description().to_bytes().is_empty());
        }
        assert_eq!(ErrorCode::from_i32(7), None);
    }

    #[test]
    fn error_json_has_all_nine_keys() {
        let e = Error::new(ErrorCode::NotFound, "call x does not exist");
        let v = e.to_json_value();
        let obj = v.as_object().unwrap();
        assert_eq!(obj.len(), 9);
        assert_eq!(v["code"], 302);
        assert_eq!(v["name"], "TCCALL_E_NOT_FOUND");
        assert!(v["service_code"].is_null());
        assert_eq!(v["attempts"], 1);
        assert_eq!(v["retryable"], false);
    }
}
