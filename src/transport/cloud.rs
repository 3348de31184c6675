//! The Tencent Cloud API 3.0 envelope: TC3-signed POST with `X-TC-*` headers,
//! answered with `{"Response": {..., "RequestId"}}` or `{"Response": {"Error": {...}}}`.

use super::rawjson::Fields;
use super::{status_failure, Failure, HttpRequest, HttpResponse};
use crate::api::CloudTarget;
use crate::auth::tc3;
use crate::error::{Error, ErrorCode};

/// The content type tccall sends and signs (as the official SDKs do).
pub const CONTENT_TYPE: &str = "application/json";

/// The Cloud API credentials.
#[derive(Clone, Copy)]
pub struct Credentials<'a> {
    /// `SecretId`.
    pub secret_id: &'a str,
    /// `SecretKey`.
    pub secret_key: &'a str,
    /// STS token, sent as `X-TC-Token`.
    pub token: Option<&'a str>,
}

impl std::fmt::Debug for Credentials<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Credentials").field("secret_id", &self.secret_id).finish_non_exhaustive()
    }
}

/// One Cloud API call to sign: the target and everything signing adds.
#[derive(Clone, Copy, Debug)]
pub struct CloudCall<'a> {
    /// What is called.
    pub target: &'a CloudTarget<'a>,
    /// `X-TC-Timestamp`, unix seconds.
    pub timestamp: u64,
    /// Who signs.
    pub credentials: Credentials<'a>,
    /// `X-TC-Language`.
    pub language: Option<&'a str>,
    /// `X-TC-RequestClient`.
    pub request_client: &'a str,
    /// kSigning for this timestamp's UTC date, when the caller caches it (see
    /// `tc3::SigningKeyCache`); `None` derives it from the secret key.
    pub signing_key: Option<[u8; 32]>,
}

/// The `Host` header (and signed host) for a base URL: its authority, as written.
pub fn host_of(endpoint: &str) -> &str {
    let rest = endpoint.split_once("://").map_or(endpoint, |(_, r)| r);
    rest.split('/').next().unwrap_or(rest)
}

/// Builds the signed request. Only `content-type` and `host` are signed, as the
/// official SDKs do; the `X-TC-*` headers travel unsigned.
pub fn build_request(c: &CloudCall<'_>) -> HttpRequest {
    let t = c.target;
    let host = host_of(&t.endpoint);
    let hashed = tc3::payload_hash(&t.body, false);
    let sig = tc3::sign(&tc3::SignInput {
        secret_id: c.credentials.secret_id,
        secret_key: c.credentials.secret_key,
        service: t.service,
        method: "POST",
        canonical_query: "",
        headers: &[("content-type", CONTENT_TYPE), ("host", host)],
        hashed_payload: &hashed,
        timestamp: c.timestamp,
        signing_key: c.signing_key,
    });
    let mut headers: Vec<(&'static str, String)> = Vec::with_capacity(10);
    headers.extend([
        ("Content-Type", CONTENT_TYPE.into()),
        ("Host", host.into()),
        ("X-TC-Action", t.action.into()),
        ("X-TC-RequestClient", c.request_client.into()),
        ("X-TC-Timestamp", c.timestamp.to_string()),
        ("X-TC-Version", t.version.into()),
    ]);
    if !t.region.is_empty() {
        headers.push(("X-TC-Region", t.region.into()));
    }
    if let Some(token) = c.credentials.token {
        headers.push(("X-TC-Token", token.into()));
    }
    if let Some(lang) = c.language {
        headers.push(("X-TC-Language", lang.into()));
    }
    headers.push(("Authorization", sig.authorization));
    HttpRequest { method: "POST", url: format!("{}/", t.endpoint), headers, body: t.body.clone() }
}

/// Decodes a response into the contents of `Response` (with `RequestId`) as JSON text,
/// or an error.
pub fn decode_response(resp: &HttpResponse) -> Result<String, Failure> {
    if resp.status != 200 {
        return Err(status_failure(resp));
    }
    let bad = |what: &str| {
        let mut e = Error::new(ErrorCode::BadResponse, what);
        e.http_status = Some(resp.status);
        Failure::answered(e)
    };
    let top = Fields::parse(&resp.body).ok_or_else(|| bad("Cloud API response is not a JSON object"))?;
    let raw = top.get("Response").ok_or_else(|| bad("Cloud API response has no Response object"))?;
    let response =
        Fields::parse(raw.get().as_bytes()).ok_or_else(|| bad("Cloud API response has no Response object"))?;
    if let Some(err) = response.get("Error") {
        let err = Fields::parse(err.get().as_bytes()).ok_or_else(|| bad("Cloud API Error is not an object"))?;
        let code = err.str("Code").unwrap_or_default();
        if code.is_empty() {
            return Err(bad("Cloud API error has no Code"));
        }
        return Err(service_failure(code, err.str("Message").unwrap_or_default(), response.str("RequestId")));
    }
    Ok(raw.get().to_string())
}

/// A Cloud API error code as a tccall error.
pub fn service_failure(code: String, message: String, request_id: Option<String>) -> Failure {
    let class = classify(&code);
    let text = match class.0 {
        ErrorCode::NotFound => format!("not found or already ended: {message}"),
        ErrorCode::AuthRejected if code == "AuthFailure.SignatureExpire" => {
            format!("{code}: {message} (is this machine's clock off by more than 5 minutes?)")
        }
        _ => format!("{code}: {message}"),
    };
    super::service_failure(class, text, code, message, request_id)
}

/// The stable class of a Cloud API error code, and whether a retry may help.
pub fn classify(code: &str) -> (ErrorCode, bool) {
    let family = code.split('.').next().unwrap_or(code);
    match (code, family) {
        ("FailedOperation.RoomNotExist", _) | (_, "ResourceNotFound") => (ErrorCode::NotFound, false),
        (_, "RequestLimitExceeded") | ("FailedOperation.RestrictedFrequency" | "OperationDenied.FreqOverLimit", _) => {
            (ErrorCode::RateLimited, true)
        }
        (_, "InternalError" | "ServiceUnavailable") => (ErrorCode::ServiceUnavailable, true),
        (_, "InvalidParameter" | "InvalidParameterValue" | "MissingParameter" | "UnknownParameter") => {
            (ErrorCode::RemoteInvalidParameter, false)
        }
        (_, "AuthFailure" | "UnauthorizedOperation") => (ErrorCode::AuthRejected, false),
        _ => (ErrorCode::Service, false),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn resp(body: &str) -> HttpResponse {
        HttpResponse { status: 200, body: body.as_bytes().to_vec() }
    }

    #[test]
    fn request_shape() {
        let target = CloudTarget {
            service: "trtc",
            version: "2019-07-22",
            action: "DismissRoom",
            region: "ap-guangzhou",
            endpoint: "http://127.0.0.1:8080".into(),
            body: br#"{"SdkAppId": 1, "RoomId": 2}"#.to_vec(),
            timestamp: None,
        };
        let r = build_request(&CloudCall {
            target: &target,
            timestamp: 1_700_000_000,
            credentials: Credentials { secret_id: "AKID", secret_key: "KEY", token: Some("TOKEN") },
            language: Some("en-US"),
            request_client: "tccall/0.1.0",
            signing_key: None,
        });
        assert_eq!(r.url, "http://127.0.0.1:8080/");
        let names: Vec<&str> = r.headers.iter().map(|(n, _)| *n).collect();
        assert_eq!(
            names,
            [
                "Content-Type",
                "Host",
                "X-TC-Action",
                "X-TC-RequestClient",
                "X-TC-Timestamp",
                "X-TC-Version",
                "X-TC-Region",
                "X-TC-Token",
                "X-TC-Language",
                "Authorization"
            ]
        );
        assert_eq!(r.headers[1].1, "127.0.0.1:8080");
        let auth = tc3::parse_authorization(&r.headers[9].1).unwrap();
        assert_eq!(auth.signed_headers, ["content-type", "host"]);
        assert_eq!(auth.date, "2023-11-14");
    }

    #[test]
    fn success_and_errors() {
        let v = decode_response(&resp(r#"{"Response":{"RequestId":"r-1"}}"#)).unwrap();
        assert_eq!(serde_json::from_str::<serde_json::Value>(&v).unwrap(), json!({"RequestId": "r-1"}));
        // Tencent's error codes by the result code and retry decision they map to.
        let cases: [(&[&str], ErrorCode, bool); 6] = [
            (
                &["FailedOperation.RoomNotExist", "ResourceNotFound", "ResourceNotFound.RoomNotExist"],
                ErrorCode::NotFound,
                false,
            ),
            (&["RequestLimitExceeded", "RequestLimitExceeded.UinLimitExceeded"], ErrorCode::RateLimited, true),
            (&["InternalError", "InternalError.GetRoomCacheIpError"], ErrorCode::ServiceUnavailable, true),
            (&["InvalidParameter.RoomId", "MissingParameter.SdkAppId"], ErrorCode::RemoteInvalidParameter, false),
            (
                &["AuthFailure.SignatureFailure", "AuthFailure.SignatureExpire", "UnauthorizedOperation.SdkAppId"],
                ErrorCode::AuthRejected,
                false,
            ),
            (&["UnsupportedRegion"], ErrorCode::Service, false),
        ];
        for (code, kind, retryable) in cases.into_iter().flat_map(|(codes, k, r)| codes.iter().map(move |c| (*c, k, r)))
        {
            let body = format!(r#"{{"Response":{{"Error":{{"Code":"{code}","Message":"m"}},"RequestId":"r-2"}}}}"#);
            let f = decode_response(&resp(&body)).unwrap_err();
            assert_eq!((f.error.code, f.error.retryable), (kind, retryable), "{code}");
            assert_eq!(f.error.service_code.as_deref(), Some(code));
            assert_eq!(f.error.request_id.as_deref(), Some("r-2"));
        }
        for body in ["not json", r#"{"Response": 1}"#, r#"{"Response":{"Error":{}}}"#] {
            assert_eq!(decode_response(&resp(body)).unwrap_err().error.code, ErrorCode::BadResponse, "{body}");
        }
        let f = decode_response(&HttpResponse { status: 500, body: b"<html>boom</html>".to_vec() }).unwrap_err();
        assert_eq!((f.error.code, f.error.http_status), (ErrorCode::HttpStatus, Some(500)));
    }

    #[test]
    fn charset_content_type_is_irrelevant() {
        // Unlike the Python SDK, the error is read from the body whatever the Content-Type.
        let f = decode_response(&resp(r#"{"Response": {"Error": {"Code": "InvalidParameter.RoomId", "Message": "room not exist"}, "RequestId": "req-err-1"}}"#)).unwrap_err();
        assert_eq!(f.error.service_code.as_deref(), Some("InvalidParameter.RoomId"));
    }
}
