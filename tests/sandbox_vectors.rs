//! The emulator proven against Tencent's own code: every request that Tencent's official
//! SDK and UserSig libraries signed in `../shared/vectors` is replayed, byte for byte, to
//! a sandbox whose clock is frozen at the signing time. Each is accepted; the same request
//! with one byte changed is refused; a UserSig past its life is expired. The sandbox
//! checks with its own code (`src/sandbox/verify`), not the client's signers.
#![cfg(feature = "sandbox")]

use serde_json::{json, Value};
use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::PathBuf;
use tccall::sandbox::{Sandbox, SandboxConfig};

fn vectors() -> Value {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared/vectors/official.json");
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

/// Sends raw request bytes (ending with `Connection: close`) and returns the JSON answer.
fn exchange(sb: &Sandbox, head: &str, body: &[u8]) -> Value {
    let mut s = TcpStream::connect(("127.0.0.1", sb.port())).unwrap();
    s.write_all(head.as_bytes()).unwrap();
    s.write_all(body).unwrap();
    let mut out = Vec::new();
    s.read_to_end(&mut out).unwrap();
    let text = String::from_utf8(out).unwrap();
    let (status, json) = text.split_once("\r\n\r\n").unwrap();
    assert!(status.starts_with("HTTP/1.1 200"), "{status}");
    serde_json::from_str(json).unwrap()
}

/// Replays one TC3 vector's recorded request (origin-form target, every recorded header)
/// with `body` in place of the recorded body and `query` in place of the recorded query.
fn replay_tc3(sb: &Sandbox, case: &Value, query: &str, body: &str) -> Value {
    let http = &case["expected"]["http"];
    let target = http["request_target_on_wire"].as_str().unwrap();
    // The proxy capture mode recorded an absolute-form target; the signature does not
    // cover the target form, only the path `/` and the query.
    let path = target.split_once("://").map_or(target, |(_, rest)| &rest[rest.find('/').unwrap_or(rest.len())..]);
    let path = path.split('?').next().unwrap();
    let target = if query.is_empty() { path.to_string() } else { format!("{path}?{query}") };
    let mut head = format!("{} {target} HTTP/1.1\r\n", http["method"].as_str().unwrap());
    for h in http["headers_in_wire_order"].as_array().unwrap() {
        let (name, value) = (h[0].as_str().unwrap(), h[1].as_str().unwrap());
        if !name.eq_ignore_ascii_case("connection") {
            head.push_str(&format!("{name}: {value}\r\n"));
        }
    }
    head.push_str("Connection: close\r\n\r\n");
    exchange(sb, &head, body.as_bytes())["Response"].clone()
}

fn error_code(response: &Value) -> Option<&str> {
    response["Error"]["Code"].as_str()
}

#[test]
fn official_tc3_requests_are_accepted_and_a_changed_byte_is_refused() {
    let all = vectors();
    let mut replayed = 0;
    for case in all["tc3"].as_array().unwrap() {
        let (i, http) = (&case["inputs"], &case["expected"]["http"]);
        let id = case["id"].as_str().unwrap();
        let params = &i["params"];
        let mut regions = vec!["ap-guangzhou".to_string()];
        regions.extend(i["region"].as_str().filter(|r| !r.is_empty()).map(String::from));
        let sb = Sandbox::start(SandboxConfig {
            sdk_app_id: params["SdkAppId"].as_u64().unwrap(),
            cloud_secret_id: i["secret_id"].as_str().unwrap().into(),
            cloud_secret_key: i["secret_key"].as_str().unwrap().into(),
            regions,
            frozen_time: Some(i["timestamp"].as_u64().unwrap()),
            enforce_rate_limits: false,
            ..Default::default()
        })
        .unwrap();
        let (status, _) = sb.control(
            "POST",
            "/_sandbox/rooms",
            &json!({"room_id": params["RoomId"], "users": ["test1", "test2", "u1", "u2"]}),
        );
        assert_eq!(status, 200, "{id}");
        let target = http["request_target_on_wire"].as_str().unwrap();
        let query = target.split_once('?').map_or("", |(_, q)| q);
        let body = http["body"].as_str().unwrap();

        let answer = replay_tc3(&sb, case, query, body);
        let code = error_code(&answer);
        // Accepted: the action ran (the room is gone or users left), or a check after the
        // signature answered (a vector signed without a region gets MissingParameter).
        assert!(code.is_none_or(|c| !c.starts_with("AuthFailure")), "{id}: {answer}");
        if i["region"].as_str().is_some_and(|r| !r.is_empty()) {
            assert_eq!(code, None, "{id}: {answer}");
        }

        // One byte changed: the signature no longer matches.
        let (query2, body2) = match body.is_empty() {
            true => (flip_digit(query), body.to_string()),
            false => (query.to_string(), flip_digit(body)),
        };
        let answer = replay_tc3(&sb, case, &query2, &body2);
        assert_eq!(error_code(&answer), Some("AuthFailure.SignatureFailure"), "{id} changed: {answer}");
        replayed += 1;
    }
    assert_eq!(replayed, 8);
}

/// The same text with its last digit changed (same length, so Content-Length still holds).
fn flip_digit(s: &str) -> String {
    let at = s.rfind(|c: char| c.is_ascii_digit()).expect("a digit to change");
    let mut b = s.as_bytes().to_vec();
    b[at] = if b[at] == b'9' { b'0' } else { b[at] + 1 };
    String::from_utf8(b).unwrap()
}

/// An IM REST call to `get_callback` with `identifier` and `usersig`; returns ErrorCode.
fn im_call(sb: &Sandbox, identifier: &str, usersig: &str) -> i64 {
    let enc: String = identifier.bytes().map(|b| format!("%{b:02X}")).collect();
    let app = sb.config().sdk_app_id;
    let head = format!(
        "POST /v4/call_config/get_callback?sdkappid={app}&identifier={enc}&usersig={usersig}&random=7&contenttype=json HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\nConnection: close\r\n\r\n"
    );
    exchange(sb, &head, b"{}")["ErrorCode"].as_i64().unwrap()
}

#[test]
fn official_usersigs_and_private_map_keys_are_accepted_tampered_refused_and_expire() {
    let all = vectors();
    let mut replayed = 0;
    let cases = all["usersig"].as_array().unwrap().iter().map(|c| (c, "identifier", "usersig"));
    let pmks = all["privatemapkey"].as_array().unwrap().iter().map(|c| (c, "userid", "private_map_key"));
    for (case, who_key, token_key) in cases.chain(pmks) {
        let (i, id) = (&case["inputs"], case["id"].as_str().unwrap());
        let who = i[who_key].as_str().unwrap();
        if who.is_empty() {
            continue; // the gateway needs an identifier (60004) before it looks at the UserSig
        }
        let token = case["expected"][token_key].as_str().unwrap();
        let time = i["time"].as_u64().unwrap();
        let expire = i["expire"].as_u64().unwrap();
        // An identifier that cannot be an admin (over 32 bytes) is refused with 60010,
        // which the gateway answers only after the UserSig checked out.
        let admin = who.len() <= 32;
        let start = |now: u64| {
            Sandbox::start(SandboxConfig {
                sdk_app_id: i["sdkappid"].as_u64().unwrap(),
                secret_key: i["key"].as_str().unwrap().into(),
                admins: vec![if admin { who.to_string() } else { "administrator".into() }],
                frozen_time: Some(now),
                ..Default::default()
            })
            .unwrap()
        };
        let accepted = if admin { 100301 } else { 60010 };
        let sb = start(time + 1);
        assert_eq!(im_call(&sb, who, token), accepted, "{id}");
        let mid = token.len() / 2;
        let other = if &token[mid..=mid] == "A" { "B" } else { "A" };
        let tampered = format!("{}{other}{}", &token[..mid], &token[mid + 1..]);
        let code = im_call(&sb, who, &tampered);
        assert!(matches!(code, 70003 | 70009), "{id} tampered: {code}");
        assert_eq!(im_call(&start(time + expire + 1), who, token), 70001, "{id} expired");
        replayed += 1;
    }
    assert!(replayed >= 16, "{replayed}");
}
