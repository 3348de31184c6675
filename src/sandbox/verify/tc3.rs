//! TC3-HMAC-SHA256 verification (§4.4) over the request as received: the canonical request
//! is rebuilt from the method, the raw query, the headers `SignedHeaders` names (names and
//! values lower-cased, values trimmed) and the body's hash, then signed with the secret key
//! and compared with the `Signature` sent.

use super::{hex, hmac, same, sha256_hex};

/// The parts of an `Authorization: TC3-HMAC-SHA256 Credential=.., SignedHeaders=.., Signature=..`.
#[derive(Debug, PartialEq, Eq)]
pub struct Authorization {
    /// `SecretId`.
    pub secret_id: String,
    /// The credential date, `YYYY-MM-DD`.
    pub date: String,
    /// The credential service (`trtc`).
    pub service: String,
    /// Lower-case header names, in the order given.
    pub signed_headers: Vec<String>,
    /// Lower-case hex.
    pub signature: String,
}

/// Parses the header; `None` when it is not a TC3 authorization.
pub fn parse(header: &str) -> Option<Authorization> {
    let rest = header.strip_prefix("TC3-HMAC-SHA256 ")?;
    let (mut credential, mut signed, mut signature) = (None, None, None);
    for part in rest.split(',') {
        let (k, v) = part.trim().split_once('=')?;
        match k {
            "Credential" => credential = Some(v),
            "SignedHeaders" => signed = Some(v),
            "Signature" => signature = Some(v),
            _ => return None,
        }
    }
    let fields: Vec<&str> = credential?.split('/').collect();
    let [secret_id, date, service, "tc3_request"] = fields[..] else { return None };
    let signed_headers: Vec<String> = signed?.split(';').map(str::to_ascii_lowercase).collect();
    if signed_headers.iter().any(String::is_empty) {
        return None;
    }
    Some(Authorization {
        secret_id: secret_id.into(),
        date: date.into(),
        service: service.into(),
        signed_headers,
        signature: signature?.to_string(),
    })
}

/// The request as the server sees it.
pub struct Received<'a> {
    /// `POST` or `GET`.
    pub method: &'a str,
    /// The raw query after `?` (signed as sent for GET).
    pub query: &'a str,
    /// Looks a header up by lower-case name.
    pub header: &'a dyn Fn(&str) -> Option<&'a str>,
    /// The body bytes.
    pub body: &'a [u8],
    /// `X-TC-Timestamp`.
    pub timestamp: u64,
}

/// Whether the signature is right for `secret_key`. `Err` names a header listed in
/// `SignedHeaders` but absent.
pub fn signature_matches(auth: &Authorization, r: &Received<'_>, secret_key: &str) -> Result<bool, String> {
    let mut canonical_headers = String::new();
    for name in &auth.signed_headers {
        let value = (r.header)(name).ok_or_else(|| name.clone())?;
        canonical_headers.push_str(&format!("{name}:{}\n", value.trim().to_lowercase()));
    }
    let payload = match (r.header)("x-tc-content-sha256") {
        Some("UNSIGNED-PAYLOAD") => sha256_hex(b"UNSIGNED-PAYLOAD"),
        _ => sha256_hex(r.body),
    };
    let canonical = [r.method, "/", r.query, &canonical_headers, &auth.signed_headers.join(";"), &payload].join("\n");
    let scope = format!("{}/{}/tc3_request", auth.date, auth.service);
    let to_sign = format!("TC3-HMAC-SHA256\n{}\n{scope}\n{}", r.timestamp, sha256_hex(canonical.as_bytes()));
    let k_date = hmac(format!("TC3{secret_key}").as_bytes(), auth.date.as_bytes());
    let k_service = hmac(&k_date, auth.service.as_bytes());
    let k_signing = hmac(&k_service, b"tc3_request");
    let want = hex(&hmac(&k_signing, to_sign.as_bytes()));
    Ok(same(want.as_bytes(), auth.signature.as_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spec_example() {
        // §4.4's worked example.
        let auth = parse("TC3-HMAC-SHA256 Credential=AKIDz8krbsJ5yKBZQpn74WFkmLPx3EXAMPLE/2023-11-14/trtc/tc3_request, SignedHeaders=content-type;host, Signature=39420048117b198c5fc926ac9ccee749f52150d03f027de5a4636a45a2261587").unwrap();
        assert_eq!(auth.signed_headers, ["content-type", "host"]);
        let header = |n: &str| match n {
            "content-type" => Some("application/json"),
            "host" => Some("trtc.tencentcloudapi.com"),
            _ => None,
        };
        let body = br#"{"SdkAppId":1400000001,"RoomId":1234}"#;
        let r = Received { method: "POST", query: "", header: &header, body, timestamp: 1700000000 };
        assert_eq!(signature_matches(&auth, &r, "Gu5t9xGARNpq86cd98joQYCN3EXAMPLE"), Ok(true));
        assert_eq!(signature_matches(&auth, &r, "Gu5t9xGARNpq86cd98joQYCN3EXAMPLF"), Ok(false));
        let changed = br#"{"SdkAppId":1400000001,"RoomId":1235}"#;
        let r = Received { body: changed, ..r };
        assert_eq!(signature_matches(&auth, &r, "Gu5t9xGARNpq86cd98joQYCN3EXAMPLE"), Ok(false));
        for bad in ["TC3-HMAC-SHA256 Credential=a/b/c/d, SignedHeaders=x, Signature=y", "HMAC Credential=a", ""] {
            assert!(parse(bad).is_none(), "{bad}");
        }
    }
}
