//! The IM callback protocol (`Call.*`, `Desk.*`): authenticate first, then parse.
//!
//! Order of checks, all before the body is trusted: `SdkAppid` must be this app's; with a
//! token configured, `Sign` must equal `sha256(token + RequestTime)` (constant-time) and
//! `RequestTime` must be within `max_age_s` of now, in either direction; a missing `Sign`
//! is refused or let through as the command's family requires (`webhook.require_sign`);
//! only then is the body parsed, from its exact bytes.

use crate::auth::callback_sign;
use crate::config::WebhookConfig;
use crate::error::{Error, ErrorCode, Result};
use serde_json::{json, Map, Value};

/// The reply Tencent expects from the receiver.
pub const REPLY_OK: &str = r#"{"ActionStatus":"OK","ErrorCode":0,"ErrorInfo":""}"#;

/// What identifies a parsed event for duplicate detection: the call or session and the
/// moment, falling back to the whole body for commands tccall does not know.
pub fn identity(parsed: &Value, body: &[u8]) -> Vec<u8> {
    let e = &parsed["event"];
    let command = parsed["command"].as_str().unwrap_or("");
    let id = match command {
        "Call.CallbackAfterEndCall" => e["CallRecord"]["CallId"].as_str(),
        "Call.CallbackAfterStartCall" => e["CallInfo"]["CallId"].as_str(),
        "Call.CallbackAfterMemberChanged" => e["CallId"].as_str(),
        "Desk.SessionEventNotify" => e["SessionId"].as_str(),
        _ => None,
    };
    match id {
        Some(id) => format!("im\n{command}\n{id}\n{}\n{}", e["EventTime"], e["ChangedUserList"]).into_bytes(),
        None => [b"im\n".as_slice(), command.as_bytes(), b"\n", body].concat(),
    }
}

/// Commands tccall knows and checks.
pub const KNOWN_COMMANDS: &[&str] = &[
    "Call.CallbackAfterEndCall",
    "Call.CallbackAfterStartCall",
    "Call.CallbackAfterMemberChanged",
    "Desk.SessionEventNotify",
];

fn malformed(message: impl Into<String>) -> Error {
    Error::new(ErrorCode::WebhookMalformed, message)
}

/// Decodes `a=1&b=x%20y` (a leading `?`, or a whole URL or path before `?`, is skipped).
pub fn parse_query(query: &str) -> Result<Vec<(String, String)>> {
    let q = query.split_once('?').map_or(query, |(_, q)| q);
    let mut out = Vec::new();
    for pair in q.split('&').filter(|p| !p.is_empty()) {
        let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
        out.push((percent_decode(k)?, percent_decode(v)?));
    }
    Ok(out)
}

/// Decodes `%XX` escapes and `+` (form encoding) into UTF-8; a `%` not followed by two
/// hex digits is refused (the crate would keep it literally).
fn percent_decode(s: &str) -> Result<String> {
    let bytes = s.as_bytes();
    let bad_escape = bytes
        .iter()
        .enumerate()
        .any(|(i, b)| *b == b'%' && !bytes.get(i + 1..i + 3).is_some_and(|h| h.iter().all(u8::is_ascii_hexdigit)));
    if bad_escape {
        return Err(malformed("query has a bad %-escape"));
    }
    percent_encoding::percent_decode_str(&s.replace('+', " "))
        .decode_utf8()
        .map(|c| c.into_owned())
        .map_err(|_| malformed("query is not UTF-8"))
}

/// Verifies and parses a webhook. `now` is unix seconds.
pub fn parse(sdk_app_id: u64, cfg: &WebhookConfig, query: &str, body: &[u8], now: u64) -> Result<Value> {
    let params = parse_query(query)?;
    let get = |k: &str| params.iter().find(|(name, _)| name == k).map(|(_, v)| v.as_str());
    let verified = authenticate(sdk_app_id, cfg, &get, now)?;
    let (command, event) = read_body(get("CallbackCommand"), body)?;
    Ok(json!({
        "command": command,
        "event": event,
        "sdk_app_id": sdk_app_id,
        "client_ip": get("ClientIP"),
        "opt_platform": get("OptPlatform"),
        "signature_verified": verified,
        "reply": REPLY_OK,
    }))
}

/// The checks made before the body is trusted: `SdkAppid`, then, with a token, `Sign` and
/// the `RequestTime` window. Returns whether a signature was verified.
fn authenticate<'q>(
    sdk_app_id: u64,
    cfg: &WebhookConfig,
    get: &dyn Fn(&str) -> Option<&'q str>,
    now: u64,
) -> Result<bool> {
    let app = get("SdkAppid")
        .ok_or_else(|| Error::new(ErrorCode::WebhookAppMismatch, "SdkAppid is missing from the query"))?;
    if app.parse::<u64>().ok() != Some(sdk_app_id) {
        return Err(Error::new(
            ErrorCode::WebhookAppMismatch,
            format!("SdkAppid {app:?} is not this app's ({sdk_app_id})"),
        ));
    }
    let Some(token) = &cfg.token else { return Ok(false) };
    let missing = |what: &str| {
        Error::new(ErrorCode::WebhookSignature, format!("{what} is missing but a webhook token is configured"))
    };
    let command = get("CallbackCommand").unwrap_or("");
    let required = match command.starts_with("Call.") {
        true => cfg.require_sign.call,
        false => cfg.require_sign.im,
    };
    let sign = match get("Sign") {
        Some(sign) => sign,
        None if !required => return Ok(false),
        None => return Err(missing("Sign")),
    };
    let time = get("RequestTime").ok_or_else(|| missing("RequestTime"))?;
    if !callback_sign::verify(token.expose(), time, sign) {
        return Err(Error::new(ErrorCode::WebhookSignature, "Sign does not match sha256(token + RequestTime)"));
    }
    let t: u64 = time.parse().map_err(|_| Error::new(ErrorCode::WebhookStale, "RequestTime is not unix seconds"))?;
    if t.abs_diff(now) > cfg.max_age_s {
        return Err(Error::new(
            ErrorCode::WebhookStale,
            format!("RequestTime {t} is {} s from now, more than max_age_s ({})", t.abs_diff(now), cfg.max_age_s),
        ));
    }
    Ok(true)
}

/// The command (from the query, or the body when the query lacks it; they must agree) and
/// the normalised event.
fn read_body(query_command: Option<&str>, body: &[u8]) -> Result<(String, Map<String, Value>)> {
    let mut event: Map<String, Value> = match serde_json::from_slice::<Value>(body) {
        Ok(Value::Object(m)) => m,
        Ok(_) => return Err(malformed("body is not a JSON object")),
        Err(e) => return Err(malformed(format!("body is not valid JSON: {e}"))),
    };
    let body_command = event.get("CallbackCommand").and_then(Value::as_str);
    let command = match (query_command, body_command) {
        (Some(q), Some(b)) if q != b => {
            return Err(malformed(format!("CallbackCommand differs between query ({q}) and body ({b})")))
        }
        (Some(c), _) | (None, Some(c)) => c.to_string(),
        (None, None) => return Err(malformed("CallbackCommand is missing from query and body")),
    };
    normalize(&command, &mut event)?;
    Ok((command, event))
}

/// Checks the fields a known command needs and smooths over the documented doc defects.
/// Unknown commands pass through untouched so new Tencent callbacks never break a receiver.
fn normalize(command: &str, event: &mut Map<String, Value>) -> Result<()> {
    match command {
        "Call.CallbackAfterEndCall" => {
            let record = event.get("CallRecord").and_then(Value::as_object);
            require_str(record, "CallId", "CallRecord.CallId")?;
        }
        "Call.CallbackAfterStartCall" => {
            // The table puts call fields at the top level, the sample nests them in
            // CallInfo and names the media field CallMediaType: accept both, emit CallInfo.MediaType.
            let mut info = match event.shift_remove("CallInfo") {
                Some(Value::Object(m)) => m,
                Some(_) => return Err(malformed("CallInfo is not an object")),
                None => Map::new(),
            };
            for key in ["CallId", "MediaType", "CallMediaType", "ChatGroupId", "RoomId", "RoomIdType"] {
                if let Some(v) = event.shift_remove(key) {
                    info.entry(key).or_insert(v);
                }
            }
            if let Some(media) = info.shift_remove("CallMediaType") {
                info.entry("MediaType").or_insert(media);
            }
            require_str(Some(&info), "CallId", "CallInfo.CallId")?;
            event.insert("CallInfo".into(), Value::Object(info));
            accounts_to_strings(event, "UserList")?;
        }
        "Call.CallbackAfterMemberChanged" => {
            require_str(Some(event), "CallId", "CallId")?;
            accounts_to_strings(event, "UserList")?;
            accounts_to_strings(event, "ChangedUserList")?;
        }
        "Desk.SessionEventNotify" => require_str(Some(event), "SessionId", "SessionId")?,
        _ => {}
    }
    Ok(())
}

fn require_str(obj: Option<&Map<String, Value>>, key: &str, path: &str) -> Result<()> {
    match obj.and_then(|o| o.get(key)) {
        Some(Value::String(s)) if !s.is_empty() => Ok(()),
        _ => Err(malformed(format!("{path} is missing or not a string"))),
    }
}

/// `User_Account` may arrive as a JSON number (even above 2^53); make it the exact decimal string.
fn accounts_to_strings(event: &mut Map<String, Value>, list: &str) -> Result<()> {
    let Some(items) = event.get_mut(list) else { return Ok(()) };
    let items = items.as_array_mut().ok_or_else(|| malformed(format!("{list} is not an array")))?;
    for item in items {
        let account =
            item.get_mut("User_Account").ok_or_else(|| malformed(format!("{list}[].User_Account is missing")))?;
        match account {
            Value::String(_) => {}
            Value::Number(n) => *account = Value::String(n.to_string()),
            _ => return Err(malformed(format!("{list}[].User_Account is not a string or number"))),
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::secret::Secret;

    const APP: u64 = 1400000001;

    fn cfg(token: Option<&str>) -> WebhookConfig {
        WebhookConfig {
            token: token.map(Secret::new),
            max_age_s: 60,
            trtc_key: None,
            require_sign: crate::config::RequireSign { call: true, im: true, trtc: true },
            dedupe_window: std::time::Duration::ZERO,
            dedupe_capacity: 1,
        }
    }

    const END_BODY: &str = r#"{"CallbackCommand":"Call.CallbackAfterEndCall","CallRecord":{"CallId":"055662e1-bc8a-469c-a334-1126c8c17d58","Caller_Account":"10001","MediaType":"Audio","CallType":"SingleCall","StartTime":1741231146,"EndTime":1741231296,"AcceptTime":0,"CallResult":"NotAnswer","CalleeList_Account":["10001","user2"],"RoomId":"roomid-1434","RoomIdType":2},"EventTime":1703589922780}"#;

    fn query(extra: &str) -> String {
        format!("SdkAppid={APP}&CallbackCommand=Call.CallbackAfterEndCall&contenttype=json&ClientIP=127.0.0.1&OptPlatform=RESTAPI{extra}")
    }

    #[test]
    fn parses_the_end_call_sample() {
        let v = parse(APP, &cfg(None), &query(""), END_BODY.as_bytes(), 0).unwrap();
        assert_eq!(v["command"], "Call.CallbackAfterEndCall");
        assert_eq!(v["event"]["CallRecord"]["CallResult"], "NotAnswer");
        assert_eq!(v["event"]["EventTime"], 1703589922780u64);
        assert_eq!(v["client_ip"], "127.0.0.1");
        assert_eq!(v["opt_platform"], "RESTAPI");
        assert_eq!(v["sdk_app_id"], APP);
        assert_eq!(v["signature_verified"], false);
        assert_eq!(v["reply"], REPLY_OK);
    }

    #[test]
    fn sign_is_checked_both_ways() {
        let token = "xxxxyyyy";
        let now = 1669872112;
        let good = "&Sign=17773bc39a671d7b9aa835458704d2a6db81360a5940292b587d6d760d484061&RequestTime=1669872112";
        let v = parse(APP, &cfg(Some(token)), &query(good), END_BODY.as_bytes(), now).unwrap();
        assert_eq!(v["signature_verified"], true);
        // Inside the window on both sides.
        parse(APP, &cfg(Some(token)), &query(good), END_BODY.as_bytes(), now + 60).unwrap();
        parse(APP, &cfg(Some(token)), &query(good), END_BODY.as_bytes(), now - 60).unwrap();
        let code =
            |q: &str, now: u64| parse(APP, &cfg(Some(token)), &query(q), END_BODY.as_bytes(), now).unwrap_err().code;
        assert_eq!(code(good, now + 61), ErrorCode::WebhookStale);
        assert_eq!(code(good, now - 61), ErrorCode::WebhookStale);
        assert_eq!(code("", now), ErrorCode::WebhookSignature);
        assert_eq!(code(&good.replace("17773bc3", "17773bc4"), now), ErrorCode::WebhookSignature);
        assert_eq!(
            code("&Sign=17773bc39a671d7b9aa835458704d2a6db81360a5940292b587d6d760d484061&RequestTime=1669872113", now),
            ErrorCode::WebhookSignature
        );
        assert_eq!(
            code("&Sign=17773bc39a671d7b9aa835458704d2a6db81360a5940292b587d6d760d484061", now),
            ErrorCode::WebhookSignature
        );
    }

    #[test]
    fn app_id_is_checked_first() {
        let e = parse(APP, &cfg(Some("t")), "CallbackCommand=x", END_BODY.as_bytes(), 0).unwrap_err();
        assert_eq!(e.code, ErrorCode::WebhookAppMismatch);
        let e =
            parse(APP, &cfg(None), &query("").replace("1400000001", "1400000002"), END_BODY.as_bytes(), 0).unwrap_err();
        assert_eq!(e.code, ErrorCode::WebhookAppMismatch);
    }

    #[test]
    fn start_call_sample_with_doc_defects() {
        let body = r#"{"CallbackCommand":"Call.CallbackAfterStartCall","CallInfo":{"CallId":"055662e1","CallMediaType":"Audio","ChatGroupId":"","RoomId":"","RoomIdType":1},"UserList":[{"User_Account":144115212830834855,"Status":"Calling"},{"User_Account":98765432109876543210,"Status":"Waiting"}],"EventTime":1740464128807}"#;
        let q = format!("SdkAppid={APP}&CallbackCommand=Call.CallbackAfterStartCall");
        let v = parse(APP, &cfg(None), &q, body.as_bytes(), 0).unwrap();
        let e = &v["event"];
        assert_eq!(e["CallInfo"]["MediaType"], "Audio");
        assert!(e["CallInfo"].get("CallMediaType").is_none());
        assert_eq!(e["UserList"][0]["User_Account"], "144115212830834855");
        assert_eq!(e["UserList"][1]["User_Account"], "98765432109876543210");
        // The table's flat layout gives the same shape.
        let flat = r#"{"CallbackCommand":"Call.CallbackAfterStartCall","CallId":"c1","MediaType":"Video","ChatGroupId":"","RoomId":"r","RoomIdType":2,"UserList":[{"User_Account":"u1","Status":"Calling"}],"EventTime":1}"#;
        let v = parse(APP, &cfg(None), &q, flat.as_bytes(), 0).unwrap();
        assert_eq!(
            v["event"]["CallInfo"],
            json!({"CallId": "c1", "MediaType": "Video", "ChatGroupId": "", "RoomId": "r", "RoomIdType": 2})
        );
    }

    #[test]
    fn member_changed_and_desk_and_unknown() {
        let body = r#"{"CallbackCommand":"Call.CallbackAfterMemberChanged","CallId":"c","UserList":[{"User_Account":"user1","Status":"Calling"}],"ChangedUserList":[{"User_Account":7,"ActionType":"Answer"}],"EventTime":1}"#;
        let v = parse(APP, &cfg(None), &format!("SdkAppid={APP}"), body.as_bytes(), 0).unwrap();
        assert_eq!(v["command"], "Call.CallbackAfterMemberChanged");
        assert_eq!(v["event"]["ChangedUserList"][0]["User_Account"], "7");
        let desk = r#"{"CallbackCommand":"Desk.SessionEventNotify","SessionId":"s-1","Event":"SessionClosed"}"#;
        assert_eq!(
            parse(APP, &cfg(None), &format!("SdkAppid={APP}"), desk.as_bytes(), 0).unwrap()["event"]["SessionId"],
            "s-1"
        );
        let unknown = r#"{"CallbackCommand":"Call.CallbackSomethingNew","X":[1,2]}"#;
        let v = parse(APP, &cfg(None), &format!("SdkAppid={APP}"), unknown.as_bytes(), 0).unwrap();
        assert_eq!(v["event"], json!({"CallbackCommand": "Call.CallbackSomethingNew", "X": [1, 2]}));
    }

    #[test]
    fn malformed_inputs() {
        let q = format!("SdkAppid={APP}");
        for body in [
            &b"not json"[..],
            b"[1]",
            b"\xff\xfe",
            br#"{"CallbackCommand":"Call.CallbackAfterEndCall"}"#,
            br#"{"X":1}"#,
            br#"{"CallbackCommand":"Call.CallbackAfterMemberChanged","CallId":"c","UserList":[{"Status":"x"}]}"#,
        ] {
            let e = parse(APP, &cfg(None), &q, body, 0).unwrap_err();
            assert_eq!(e.code, ErrorCode::WebhookMalformed, "{:?}", String::from_utf8_lossy(body));
        }
        let e = parse(APP, &cfg(None), &format!("{q}&CallbackCommand=Desk.SessionEventNotify"), END_BODY.as_bytes(), 0)
            .unwrap_err();
        assert_eq!(e.code, ErrorCode::WebhookMalformed);
        assert_eq!(parse(APP, &cfg(None), "SdkAppid=%zz", b"{}", 0).unwrap_err().code, ErrorCode::WebhookMalformed);
        assert_eq!(
            parse_query("/cb?a=x%20y&b=1+2&c").unwrap(),
            vec![("a".into(), "x y".into()), ("b".into(), "1 2".into()), ("c".into(), "".into())]
        );
    }
}
