//! Every case of `../shared/vectors/official.json` (produced by Tencent's official
//! Python code with a frozen clock), reproduced by tccall's pure functions.
//!
//! UserSig and PrivateMapKey strings must match byte for byte (tccall writes the
//! same JSON as the Python library and compresses with the same zlib), and the
//! decoded JSON, `TLS.sig`, signed content and userbuf are also checked one by one.
//! TC3 cases are checked step by step and through tccall's own request builder.

use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use serde_json::Value;
use std::path::PathBuf;
use tccall::auth::usersig::{Compression, Issuer};
use tccall::auth::{self, tc3, usersig};

fn vectors() -> Value {
    let path = std::env::var_os("TCCALL_VECTORS")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared/vectors/official.json"));
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
    serde_json::from_str(&text).unwrap()
}

fn s<'a>(v: &'a Value, k: &str) -> &'a str {
    v[k].as_str().unwrap_or_else(|| panic!("{k} missing"))
}

fn u(v: &Value, k: &str) -> u64 {
    v[k].as_u64().unwrap_or_else(|| panic!("{k} missing"))
}

/// Decodes a token and returns its JSON text, as tccall's verifier would read it.
fn inflate(token: &str) -> String {
    use std::io::Read;
    let b64: String = token
        .chars()
        .map(|c| match c {
            '*' => '+',
            '-' => '/',
            '_' => '=',
            c => c,
        })
        .collect();
    let z = STANDARD.decode(b64).unwrap();
    let mut out = String::new();
    flate2::read::ZlibDecoder::new(z.as_slice()).read_to_string(&mut out).unwrap();
    out
}

/// A stored-blocks token carries the official JSON text unchanged in a zlib stream of
/// stored blocks (`78 01`, as Tencent's Go library writes), and verifies.
fn check_stored(id: &str, token: &str, expected: &Value, identifier: &str, sdkappid: u64, now: u64, key: &str) {
    let raw = STANDARD.decode(token.replace('*', "+").replace('-', "/").replace('_', "=")).unwrap();
    assert_eq!(raw[..3], [0x78, 0x01, 0x01], "{id}: a zlib stream of one final stored block");
    assert_eq!(inflate(token), s(expected, "json_text"), "{id}: stored JSON text differs");
    let d = usersig::verify(sdkappid, key, identifier, token, now).unwrap_or_else(|e| panic!("{id}: {e:?}"));
    assert_eq!(d.identifier, identifier);
}

fn check_token(id: &str, token: &str, expected: &Value, identifier: &str, sdkappid: u64, now: u64, key: &str) {
    assert_eq!(token, s(expected, "usersig").replace('\n', ""), "{id}: token differs");
    let json_text = inflate(token);
    assert_eq!(json_text, s(expected, "json_text"), "{id}: JSON text differs");
    let parsed: Value = serde_json::from_str(&json_text).unwrap();
    assert_eq!(parsed, expected["json"], "{id}: decoded JSON differs");
    // The verifier accepts the official token (and so recomputes TLS.sig from the decoded fields).
    let d = usersig::verify(sdkappid, key, identifier, s(expected, "usersig"), now)
        .unwrap_or_else(|e| panic!("{id}: {e:?}"));
    assert_eq!(d.identifier, identifier);
}

#[test]
fn usersig_vectors() {
    let all = vectors();
    let cases = all["usersig"].as_array().unwrap();
    assert_eq!(cases.len(), 12);
    for case in cases {
        let id = s(case, "id");
        let (i, e) = (&case["inputs"], &case["expected"]);
        let userbuf = i["userbuf_b64"].as_str().map(|b| STANDARD.decode(b).unwrap());
        let (key, ident, app, exp, time) =
            (s(i, "key"), s(i, "identifier"), u(i, "sdkappid"), u(i, "expire"), u(i, "time"));
        let content = usersig::content_to_sign(ident, app, time, exp, i["userbuf_b64"].as_str());
        assert_eq!(content, s(e, "derived_content_to_sign"), "{id}: content");
        assert_eq!(usersig::sig(key, &content), s(e, "sig_b64"), "{id}: TLS.sig");
        let python = Issuer { sdk_app_id: app, key, compression: Compression::Python };
        check_token(id, &python.usersig(ident, exp, time, userbuf.as_deref()), e, ident, app, time, key);
        let stored = Issuer { compression: Compression::Stored, ..python };
        check_stored(id, &stored.usersig(ident, exp, time, userbuf.as_deref()), e, ident, app, time, key);
        assert_eq!(auth::hex(&zlib(s(e, "json_text"))), s(e, "zlib_hex"), "{id}: zlib stream");
    }
}

fn zlib(text: &str) -> Vec<u8> {
    use std::io::Write;
    let mut z = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::new(6));
    z.write_all(text.as_bytes()).unwrap();
    z.finish().unwrap()
}

#[test]
fn private_map_key_vectors() {
    let all = vectors();
    let cases = all["privatemapkey"].as_array().unwrap();
    assert_eq!(cases.len(), 6);
    for case in cases {
        let id = s(case, "id");
        let (i, e) = (&case["inputs"], &case["expected"]);
        let (key, user, app, exp, time) = (s(i, "key"), s(i, "userid"), u(i, "sdkappid"), u(i, "expire"), u(i, "time"));
        let room = match i["room_str"].as_str() {
            Some(r) => usersig::Room::Str(r),
            None => usersig::Room::Numeric(u(i, "room_id") as u32),
        };
        let privilege = u(i, "privilege_map") as u32;
        let ub = usersig::private_map_key_userbuf(user, app as u32, room, (time + exp) as u32, privilege);
        assert_eq!(auth::hex(&ub), s(e, "userbuf_hex"), "{id}: userbuf");
        assert_eq!(STANDARD.encode(&ub), s(e, "userbuf_b64"), "{id}: userbuf base64");
        let f = &e["userbuf_fields"];
        assert_eq!(u(f, "expire_at"), time + exp, "{id}: expire_at");
        let python = Issuer { sdk_app_id: app, key, compression: Compression::Python };
        let mut expected = e.clone();
        expected["usersig"] = e["private_map_key"].clone();
        let token = python.private_map_key(user, exp, time, room, privilege).unwrap();
        check_token(id, &token, &expected, user, app, time, key);
        let stored = Issuer { compression: Compression::Stored, ..python };
        let token = stored.private_map_key(user, exp, time, room, privilege).unwrap();
        check_stored(id, &token, &expected, user, app, time, key);
        let content = usersig::content_to_sign(user, app, time, exp, Some(s(e, "userbuf_b64")));
        assert_eq!(content, s(e, "derived_content_to_sign"), "{id}: content");
    }
}

#[test]
fn tc3_vectors_step_by_step() {
    let all = vectors();
    let cases = all["tc3"].as_array().unwrap();
    assert_eq!(cases.len(), 8);
    for case in cases {
        let id = s(case, "id");
        let (i, e) = (&case["inputs"], &case["expected"]);
        let http = &e["http"];
        let headers = &http["sdk_set_headers"];
        let body = s(http, "body");
        let method = s(i, "http_method");
        let query = match method {
            "GET" => s(http, "url").split_once('?').map(|(_, q)| q).unwrap_or(""),
            _ => "",
        };
        let hashed = tc3::payload_hash(body.as_bytes(), i["unsigned_payload"].as_bool().unwrap());
        let d = &e["derived"];
        assert_eq!(hashed, s(d, "hashed_payload"), "{id}: payload hash");
        let sig = tc3::sign(&tc3::SignInput {
            secret_id: s(i, "secret_id"),
            secret_key: s(i, "secret_key"),
            service: s(i, "service"),
            method,
            canonical_query: query,
            headers: &[("content-type", s(headers, "Content-Type")), ("host", s(headers, "Host"))],
            hashed_payload: &hashed,
            timestamp: u(i, "timestamp"),
            signing_key: None,
        });
        assert_eq!(sig.date, s(d, "date"), "{id}");
        assert_eq!(sig.credential_scope, s(d, "credential_scope"), "{id}");
        assert_eq!(sig.canonical_request, s(d, "canonical_request"), "{id}");
        assert_eq!(sig.string_to_sign, s(d, "string_to_sign"), "{id}");
        let keys = tc3::signing_keys(s(i, "secret_key"), &sig.date, s(i, "service"));
        assert_eq!(auth::hex(&keys[0]), s(d, "k_date_hex"), "{id}");
        assert_eq!(auth::hex(&keys[1]), s(d, "k_service_hex"), "{id}");
        assert_eq!(auth::hex(&keys[2]), s(d, "k_signing_hex"), "{id}");
        assert_eq!(sig.signature, s(d, "signature"), "{id}");
        assert_eq!(sig.authorization, s(e, "authorization"), "{id}");
        assert_eq!(s(headers, "Authorization"), sig.authorization, "{id}");
    }
}
