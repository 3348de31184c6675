//! Result codes as C constants (`#define TCCALL_E_*` in the header). The values are
//! literals because cbindgen reads them from source; a test pins each one to
//! `ErrorCode` so the two cannot drift.

/// Success.
pub const TCCALL_OK: i32 = 0;
/// A required pointer argument is NULL.
pub const TCCALL_E_NULL_ARGUMENT: i32 = 101;
/// A string argument is not valid UTF-8.
pub const TCCALL_E_INVALID_UTF8: i32 = 102;
/// A JSON argument does not parse (syntax, nesting too deep).
pub const TCCALL_E_INVALID_JSON: i32 = 103;
/// A request field is missing, unknown, of the wrong type or out of range.
pub const TCCALL_E_INVALID_REQUEST: i32 = 104;
/// The config is invalid, or lacks the credential this operation needs.
pub const TCCALL_E_INVALID_CONFIG: i32 = 105;
/// An input is above the configured size limit (`max_input_bytes`).
pub const TCCALL_E_INPUT_TOO_LARGE: i32 = 106;
/// Connect or request timed out (after retries).
pub const TCCALL_E_TIMEOUT: i32 = 201;
/// DNS, refused, reset or other I/O failure (after retries).
pub const TCCALL_E_CONNECT: i32 = 202;
/// TLS failure.
pub const TCCALL_E_TLS: i32 = 203;
/// Proxy failure or bad proxy URL.
pub const TCCALL_E_PROXY: i32 = 204;
/// A non-200 HTTP status from the gateway (after retries).
pub const TCCALL_E_HTTP_STATUS: i32 = 205;
/// The response is not the expected JSON envelope, or is too large.
pub const TCCALL_E_BAD_RESPONSE: i32 = 206;
/// The call was cancelled through its `tccall_cancel` (any phase: connecting, waiting, backing off).
pub const TCCALL_E_CANCELLED: i32 = 207;
/// Any other error Tencent returned.
pub const TCCALL_E_SERVICE: i32 = 301;
/// The call, session, room or callback config does not exist or has ended.
pub const TCCALL_E_NOT_FOUND: i32 = 302;
/// Tencent's frequency limit, or the local limiter's bounded wait ran out.
pub const TCCALL_E_RATE_LIMITED: i32 = 303;
/// Tencent's "internal error, retry" after retries.
pub const TCCALL_E_SERVICE_UNAVAILABLE: i32 = 304;
/// Tencent rejected a parameter.
pub const TCCALL_E_REMOTE_INVALID_PARAMETER: i32 = 305;
/// Tencent refused the credentials.
pub const TCCALL_E_AUTH_REJECTED: i32 = 401;
/// `verify_usersig`: the UserSig has expired.
pub const TCCALL_E_USERSIG_EXPIRED: i32 = 402;
/// `verify_usersig`: malformed, wrong signature, wrong user or app.
pub const TCCALL_E_USERSIG_INVALID: i32 = 403;
/// Webhook `Sign` missing (a token is configured) or wrong.
pub const TCCALL_E_WEBHOOK_SIGNATURE: i32 = 501;
/// Webhook `RequestTime` outside `max_age_s` (past or future).
pub const TCCALL_E_WEBHOOK_STALE: i32 = 502;
/// Webhook `SdkAppid` missing or not this app's.
pub const TCCALL_E_WEBHOOK_APP_MISMATCH: i32 = 503;
/// Webhook query or body unreadable, or a known command with missing fields.
pub const TCCALL_E_WEBHOOK_MALFORMED: i32 = 504;
/// A bug: a caught panic.
pub const TCCALL_E_INTERNAL: i32 = 901;

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::ErrorCode;

    #[test]
    fn constants_match_error_codes() {
        let pairs = [
            (TCCALL_OK, ErrorCode::Ok),
            (TCCALL_E_NULL_ARGUMENT, ErrorCode::NullArgument),
            (TCCALL_E_INVALID_UTF8, ErrorCode::InvalidUtf8),
            (TCCALL_E_INVALID_JSON, ErrorCode::InvalidJson),
            (TCCALL_E_INVALID_REQUEST, ErrorCode::InvalidRequest),
            (TCCALL_E_INVALID_CONFIG, ErrorCode::InvalidConfig),
            (TCCALL_E_INPUT_TOO_LARGE, ErrorCode::InputTooLarge),
            (TCCALL_E_TIMEOUT, ErrorCode::Timeout),
            (TCCALL_E_CONNECT, ErrorCode::Connect),
            (TCCALL_E_TLS, ErrorCode::Tls),
            (TCCALL_E_PROXY, ErrorCode::Proxy),
            (TCCALL_E_HTTP_STATUS, ErrorCode::HttpStatus),
            (TCCALL_E_BAD_RESPONSE, ErrorCode::BadResponse),
            (TCCALL_E_CANCELLED, ErrorCode::Cancelled),
            (TCCALL_E_SERVICE, ErrorCode::Service),
            (TCCALL_E_NOT_FOUND, ErrorCode::NotFound),
            (TCCALL_E_RATE_LIMITED, ErrorCode::RateLimited),
            (TCCALL_E_SERVICE_UNAVAILABLE, ErrorCode::ServiceUnavailable),
            (TCCALL_E_REMOTE_INVALID_PARAMETER, ErrorCode::RemoteInvalidParameter),
            (TCCALL_E_AUTH_REJECTED, ErrorCode::AuthRejected),
            (TCCALL_E_USERSIG_EXPIRED, ErrorCode::UsersigExpired),
            (TCCALL_E_USERSIG_INVALID, ErrorCode::UsersigInvalid),
            (TCCALL_E_WEBHOOK_SIGNATURE, ErrorCode::WebhookSignature),
            (TCCALL_E_WEBHOOK_STALE, ErrorCode::WebhookStale),
            (TCCALL_E_WEBHOOK_APP_MISMATCH, ErrorCode::WebhookAppMismatch),
            (TCCALL_E_WEBHOOK_MALFORMED, ErrorCode::WebhookMalformed),
            (TCCALL_E_INTERNAL, ErrorCode::Internal),
        ];
        assert_eq!(pairs.len(), ErrorCode::ALL.len(), "every ErrorCode has a C constant");
        for (c, code) in pairs {
            assert_eq!(c, code.as_i32(), "{}", code.name());
        }
    }
}
