//! The IM (Chat) REST envelope: used by the Call v4 and Desk APIs.
//!
//! `https://{domain}/v4/{service}/{command}?sdkappid=..&identifier=..&usersig=..&random=..&contenttype=json`,
//! POST, JSON body, HTTP 200 with `ActionStatus`/`ErrorCode`/`ErrorInfo` in the body.

use super::rawjson::{self, Fields};
use super::{status_failure, Failure, HttpRequest, HttpResponse};
use crate::api::ImTarget;
use crate::error::{Error, ErrorCode};

/// Who signs an IM request: the app, the admin account and its UserSig.
#[derive(Clone, Copy)]
pub struct ImAuth<'a> {
    /// `sdkappid`.
    pub sdk_app_id: u64,
    /// `identifier` (the admin account).
    pub identifier: &'a str,
    /// `usersig` (the admin UserSig).
    pub usersig: &'a str,
}

impl std::fmt::Debug for ImAuth<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ImAuth").field("sdk_app_id", &self.sdk_app_id).field("identifier", &self.identifier).finish()
    }
}

/// Builds the request for `target` at `base_url`. The UserSig alphabet (`A-Za-z0-9*-_`)
/// needs no URL escaping.
pub fn build_request(base_url: &str, target: &ImTarget<'_>, auth: &ImAuth<'_>, random: u32) -> HttpRequest {
    let url = format!(
        "{base_url}/{}?sdkappid={}&identifier={}&usersig={}&random={random}&contenttype=json",
        target.path,
        auth.sdk_app_id,
        percent_encode(auth.identifier),
        auth.usersig,
    );
    HttpRequest {
        method: "POST",
        url,
        headers: vec![("Content-Type", "application/json; charset=utf-8".into())],
        body: target.body.clone(),
    }
}

/// Percent-encodes everything but RFC 3986 unreserved characters.
pub fn percent_encode(s: &str) -> String {
    const RESERVED: &percent_encoding::AsciiSet =
        &percent_encoding::NON_ALPHANUMERIC.remove(b'-').remove(b'_').remove(b'.').remove(b'~');
    percent_encoding::utf8_percent_encode(s, RESERVED).to_string()
}

/// Decodes a response into the operation's payload (JSON text): the envelope
/// (`ActionStatus`, `ErrorCode`, `ErrorInfo`) is removed, a `Response` object is lifted to
/// the top (Call v4) and `RequestId` is kept. Tencent errors become `Error`s with the
/// stable codes. Values are copied as sent, never parsed beyond the top level.
pub fn decode_response(resp: &HttpResponse) -> Result<String, Failure> {
    if resp.status != 200 {
        return Err(status_failure(resp));
    }
    let top = Fields::parse(&resp.body).ok_or_else(|| bad_response(resp, "IM response is not a JSON object"))?;
    let code = match top.get("ErrorCode") {
        Some(v) => serde_json::from_str::<i64>(v.get())
            .map_err(|_| bad_response(resp, "IM response ErrorCode is not an integer"))?,
        None => return Err(bad_response(resp, "IM response has no ErrorCode")),
    };
    if code != 0 {
        let info = top.str("ErrorInfo").unwrap_or_default();
        return Err(service_failure(code, info, top.str("RequestId")));
    }
    const ENVELOPE: &[&str] = &["ActionStatus", "ErrorCode", "ErrorInfo", "Response"];
    let inner = top.get("Response").and_then(|r| Fields::parse(r.get().as_bytes()));
    Ok(match &inner {
        Some(inner) => rawjson::object(&[(inner, &[]), (&top, ENVELOPE)], resp.body.len()),
        None => rawjson::object(&[(&top, &ENVELOPE[..3])], resp.body.len()),
    })
}

fn bad_response(resp: &HttpResponse, what: &str) -> Failure {
    let mut e = Error::new(ErrorCode::BadResponse, what);
    e.http_status = Some(resp.status);
    Failure::answered(e)
}

/// An IM `ErrorCode` as a tccall error.
pub fn service_failure(code: i64, info: String, request_id: Option<String>) -> Failure {
    let class = classify(code);
    let text = match (class.0, code) {
        (ErrorCode::NotFound, _) => format!("not found or already ended: {info}"),
        (_, 70016 | 70020) => {
            format!("Tencent IM error {code}: {info} (the app is not known in this data center: is im_region right?)")
        }
        (ErrorCode::AppConfig, _) => format!(
            "Tencent IM error {code}: {info} (check the app in the console: SDKAppID, package, REST API IP allow-list)"
        ),
        _ => format!("Tencent IM error {code}: {info}"),
    };
    super::service_failure(class, text, code.to_string(), info, request_id)
}

/// The stable class of an IM error code, and whether a retry may help.
pub fn classify(code: i64) -> (ErrorCode, bool) {
    match code {
        101004 | 141005 | 100301 | 101050 => (ErrorCode::NotFound, false),
        60007 | 60011 | 60018 | 60019 | 70050 => (ErrorCode::RateLimited, true),
        101001 | 141002 | 100001 | 70169 | 70202 | 70500 | 60008 | 60013 | 60014 => {
            (ErrorCode::ServiceUnavailable, true)
        }
        101002 | 141004 | 100002 | 60002 | 60003 | 60015 | 70402 | 70206 => (ErrorCode::RemoteInvalidParameter, false),
        // §1.7: app invalid, disabled, request disabled, package expired, IP not allowed;
        // 70016/70020: no key / no app in this data center (a wrong im_region).
        60006 | 60016 | 60017 | 60020 | 60021 | 70016 | 70020 => (ErrorCode::AppConfig, false),
        60004 | 60005 | 60010 | 70403 | 70001..=70020 | 70052 => (ErrorCode::AuthRejected, false),
        _ => (ErrorCode::Service, false),
    }
}

/// Whether the error says the admin UserSig itself is stale (re-mint and retry once).
pub fn is_stale_usersig(e: &Error) -> bool {
    matches!(e.service_code.as_deref(), Some("70001") | Some("70052"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn resp(body: &str) -> HttpResponse {
        HttpResponse { status: 200, body: body.as_bytes().to_vec() }
    }

    fn decode(r: &HttpResponse) -> Result<serde_json::Value, Failure> {
        decode_response(r).map(|text| serde_json::from_str(&text).expect("valid JSON out"))
    }

    #[test]
    fn request_shape() {
        let target = ImTarget { path: "v4/call_engine_http_srv/end_call", body: br#"{"CallId":"c"}"#.to_vec() };
        let auth = ImAuth { sdk_app_id: 1400000001, identifier: "administrator", usersig: "eJx*-_" };
        let r = build_request("https://console.tim.qq.com", &target, &auth, 99999999);
        assert_eq!(r.method, "POST");
        assert_eq!(
            r.url,
            "https://console.tim.qq.com/v4/call_engine_http_srv/end_call?sdkappid=1400000001&identifier=administrator&usersig=eJx*-_&random=99999999&contenttype=json"
        );
        assert_eq!(r.headers, vec![("Content-Type", "application/json; charset=utf-8".to_string())]);
        assert_eq!(percent_encode("a b&c/é"), "a%20b%26c%2F%C3%A9");
    }

    #[test]
    fn success_shapes() {
        // Call v4: payload under Response.
        let v = decode(&resp(r#"{"ErrorCode":0,"ErrorInfo":"","ActionStatus":"OK","RequestId":"Id-1","Response":{"CallInfo":{"CallId":"c"},"UserList":[]}}"#)).unwrap();
        assert_eq!(v, json!({"CallInfo": {"CallId": "c"}, "UserList": [], "RequestId": "Id-1"}));
        // Envelope only.
        let v = decode(&resp(r#"{"ErrorCode":0,"ErrorInfo":"","ActionStatus":"OK","RequestId":"Id-2"}"#)).unwrap();
        assert_eq!(v, json!({"RequestId": "Id-2"}));
        // Desk: fields at the top level, no RequestId.
        let v = decode(&resp(r#"{"ActionStatus":"OK","ErrorInfo":"","ErrorCode":0,"SessionId":"s","CurrentState":"Agent","AgentId":"a@q.com"}"#)).unwrap();
        // Large numbers and escapes pass through as sent.
        let text = decode_response(&resp(
            r#"{"ErrorCode":0,"Response":{"N":18446744073709551616,"S":"\u623f"},"RequestId":"r"}"#,
        ))
        .unwrap();
        assert_eq!(text, r#"{"N":18446744073709551616,"S":"\u623f","RequestId":"r"}"#);
        assert_eq!(v, json!({"SessionId": "s", "CurrentState": "Agent", "AgentId": "a@q.com"}));
    }

    #[test]
    fn every_documented_code_has_its_class() {
        let cases: &[(i64, ErrorCode, bool)] = &[
            (101004, ErrorCode::NotFound, false),
            (141005, ErrorCode::NotFound, false),
            (100301, ErrorCode::NotFound, false),
            (101050, ErrorCode::NotFound, false),
            (101001, ErrorCode::ServiceUnavailable, true),
            (141002, ErrorCode::ServiceUnavailable, true),
            (100001, ErrorCode::ServiceUnavailable, true),
            (70169, ErrorCode::ServiceUnavailable, true),
            (70202, ErrorCode::ServiceUnavailable, true),
            (70500, ErrorCode::ServiceUnavailable, true),
            (60008, ErrorCode::ServiceUnavailable, true),
            (101002, ErrorCode::RemoteInvalidParameter, false),
            (141004, ErrorCode::RemoteInvalidParameter, false),
            (100002, ErrorCode::RemoteInvalidParameter, false),
            (60003, ErrorCode::RemoteInvalidParameter, false),
            (60007, ErrorCode::RateLimited, true),
            (60011, ErrorCode::RateLimited, true),
            (60018, ErrorCode::RateLimited, true),
            (60019, ErrorCode::RateLimited, true),
            (70050, ErrorCode::RateLimited, true),
            (70001, ErrorCode::AuthRejected, false),
            (70002, ErrorCode::AuthRejected, false),
            (70003, ErrorCode::AuthRejected, false),
            (70009, ErrorCode::AuthRejected, false),
            (70013, ErrorCode::AuthRejected, false),
            (70014, ErrorCode::AuthRejected, false),
            (70016, ErrorCode::AppConfig, false),
            (70020, ErrorCode::AppConfig, false),
            (60006, ErrorCode::AppConfig, false),
            (60016, ErrorCode::AppConfig, false),
            (60017, ErrorCode::AppConfig, false),
            (60020, ErrorCode::AppConfig, false),
            (60021, ErrorCode::AppConfig, false),
            (70052, ErrorCode::AuthRejected, false),
            (60004, ErrorCode::AuthRejected, false),
            (60005, ErrorCode::AuthRejected, false),
            (60010, ErrorCode::AuthRejected, false),
            (70403, ErrorCode::AuthRejected, false),
            (141000, ErrorCode::Service, false),
            (80001, ErrorCode::Service, false),
        ];
        for &(code, kind, retryable) in cases {
            let body = format!(r#"{{"ActionStatus":"FAIL","ErrorCode":{code},"ErrorInfo":"why","RequestId":"Id-x"}}"#);
            let f = decode_response(&resp(&body)).unwrap_err();
            assert_eq!(f.error.code, kind, "{code}");
            assert_eq!(f.error.retryable, retryable, "{code}");
            assert_eq!(f.error.service_code.as_deref(), Some(code.to_string().as_str()));
            assert_eq!(f.error.service_message.as_deref(), Some("why"));
            assert_eq!(f.error.request_id.as_deref(), Some("Id-x"));
            assert_eq!(f.error.http_status, Some(200));
        }
    }

    #[test]
    fn transport_level_failures() {
        let f = decode_response(&HttpResponse { status: 502, body: b"<html>bad gateway</html>".to_vec() }).unwrap_err();
        assert_eq!(
            (f.error.code, f.error.http_status, f.error.retryable, f.reach),
            (ErrorCode::HttpStatus, Some(502), true, crate::transport::Reach::Unknown)
        );
        let f = decode_response(&HttpResponse { status: 404, body: vec![] }).unwrap_err();
        assert_eq!((f.error.code, f.error.retryable), (ErrorCode::HttpStatus, false));
        for body in ["not json", "[]", r#"{"ActionStatus":"OK"}"#, r#"{"ErrorCode":"0"}"#] {
            assert_eq!(decode_response(&resp(body)).unwrap_err().error.code, ErrorCode::BadResponse, "{body}");
        }
    }
}
