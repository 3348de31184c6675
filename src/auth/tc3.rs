//! TC3-HMAC-SHA256, the Tencent Cloud API 3.0 signature, as a pure function.

use super::{hex, hmac_sha256, sha256_hex, utc_date};

/// The algorithm name that starts the `Authorization` header.
pub const ALGORITHM: &str = "TC3-HMAC-SHA256";

/// What is signed. Header names must be lower-case and sorted; values are signed as given.
#[derive(Clone, Copy, Debug)]
pub struct SignInput<'a> {
    /// `SecretId`.
    pub secret_id: &'a str,
    /// `SecretKey` (only ever used as HMAC key material).
    pub secret_key: &'a str,
    /// Service name in the credential scope, e.g. `trtc`.
    pub service: &'a str,
    /// `POST` or `GET`.
    pub method: &'a str,
    /// The query string exactly as sent (`""` for POST).
    pub canonical_query: &'a str,
    /// Signed headers as (lower-case name, value), sorted by name.
    pub headers: &'a [(&'a str, &'a str)],
    /// Lower-case hex SHA-256 of the payload (see `payload_hash`).
    pub hashed_payload: &'a str,
    /// `X-TC-Timestamp`.
    pub timestamp: u64,
    /// The derived signing key for this timestamp's UTC date and this service, when the
    /// caller caches it (`SigningKeyCache`); `None` derives it from `secret_key`.
    pub signing_key: Option<[u8; 32]>,
}

/// Every intermediate of a signature, so tests can compare each step.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Signature {
    /// UTC date of the timestamp.
    pub date: String,
    /// `date/service/tc3_request`.
    pub credential_scope: String,
    /// The canonical request.
    pub canonical_request: String,
    /// The string to sign.
    pub string_to_sign: String,
    /// Lower-case hex signature.
    pub signature: String,
    /// `content-type;host` (the signed header names).
    pub signed_headers: String,
    /// The full `Authorization` header value.
    pub authorization: String,
}

/// The payload hash: SHA-256 of the body, or of the literal `UNSIGNED-PAYLOAD`
/// when the request carries `X-TC-Content-SHA256: UNSIGNED-PAYLOAD`.
pub fn payload_hash(body: &[u8], unsigned_payload: bool) -> String {
    if unsigned_payload {
        sha256_hex(b"UNSIGNED-PAYLOAD")
    } else {
        sha256_hex(body)
    }
}

/// The derived signing key chain: kDate, kService, kSigning.
pub fn signing_keys(secret_key: &str, date: &str, service: &str) -> [[u8; 32]; 3] {
    let k_date = hmac_sha256(format!("TC3{secret_key}").as_bytes(), date.as_bytes());
    let k_service = hmac_sha256(&k_date, service.as_bytes());
    let k_signing = hmac_sha256(&k_service, b"tc3_request");
    [k_date, k_service, k_signing]
}

/// The kSigning key for a unix time's UTC date and a service.
pub fn signing_key(secret_key: &str, timestamp: u64, service: &str) -> [u8; 32] {
    signing_keys(secret_key, &utc_date(timestamp), service)[2]
}

/// Caches kSigning: it depends only on the secret, the UTC date and the service, so one
/// derivation (three HMACs) serves a whole day of requests. Bound to one secret key.
#[derive(Default)]
pub struct SigningKeyCache {
    slot: std::sync::RwLock<Option<(u64, String, [u8; 32])>>,
}

impl SigningKeyCache {
    /// kSigning for `timestamp`'s UTC day and `service`, derived once per day and service.
    pub fn get(&self, secret_key: &str, timestamp: u64, service: &str) -> [u8; 32] {
        let day = timestamp / 86_400;
        if let Some((d, s, key)) = self.slot.read().unwrap_or_else(|p| p.into_inner()).as_ref() {
            if *d == day && s == service {
                return *key;
            }
        }
        let key = signing_key(secret_key, timestamp, service);
        *self.slot.write().unwrap_or_else(|p| p.into_inner()) = Some((day, service.to_string(), key));
        key
    }
}

impl std::fmt::Debug for SigningKeyCache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SigningKeyCache(** redacted **)")
    }
}

/// Signs a request.
pub fn sign(input: &SignInput<'_>) -> Signature {
    let mut canonical_request = String::with_capacity(256);
    for part in [input.method, "\n/\n", input.canonical_query, "\n"] {
        canonical_request.push_str(part);
    }
    let mut signed_headers = String::with_capacity(32);
    for (i, (name, value)) in input.headers.iter().enumerate() {
        for part in [*name, ":", *value, "\n"] {
            canonical_request.push_str(part);
        }
        if i > 0 {
            signed_headers.push(';');
        }
        signed_headers.push_str(name);
    }
    for part in ["\n", &signed_headers, "\n", input.hashed_payload] {
        canonical_request.push_str(part);
    }
    let date = utc_date(input.timestamp);
    let credential_scope = format!("{date}/{}/tc3_request", input.service);
    let string_to_sign =
        format!("{ALGORITHM}\n{}\n{credential_scope}\n{}", input.timestamp, sha256_hex(canonical_request.as_bytes()));
    let k_signing = input.signing_key.unwrap_or_else(|| signing_key(input.secret_key, input.timestamp, input.service));
    let signature = hex(&hmac_sha256(&k_signing, string_to_sign.as_bytes()));
    let authorization = format!(
        "{ALGORITHM} Credential={}/{credential_scope}, SignedHeaders={signed_headers}, Signature={signature}",
        input.secret_id
    );
    Signature { date, credential_scope, canonical_request, string_to_sign, signature, signed_headers, authorization }
}

/// The parts of an `Authorization` header.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ParsedAuthorization {
    /// `SecretId`.
    pub secret_id: String,
    /// Date in the credential scope.
    pub date: String,
    /// Service in the credential scope.
    pub service: String,
    /// Signed header names, as listed.
    pub signed_headers: Vec<String>,
    /// Hex signature.
    pub signature: String,
}

/// Parses `TC3-HMAC-SHA256 Credential=id/date/service/tc3_request, SignedHeaders=a;b, Signature=hex`.
pub fn parse_authorization(value: &str) -> Option<ParsedAuthorization> {
    let rest = value.strip_prefix(ALGORITHM)?.strip_prefix(' ')?;
    let mut parts = rest.split(", ");
    let credential = parts.next()?.strip_prefix("Credential=")?;
    let signed = parts.next()?.strip_prefix("SignedHeaders=")?;
    let signature = parts.next()?.strip_prefix("Signature=")?;
    if parts.next().is_some() {
        return None;
    }
    let mut scope = credential.rsplitn(4, '/');
    if scope.next()? != "tc3_request" {
        return None;
    }
    let service = scope.next()?.to_string();
    let date = scope.next()?.to_string();
    let secret_id = scope.next()?.to_string();
    let signed_headers: Vec<String> = signed.split(';').map(str::to_string).collect();
    if secret_id.is_empty() || signed_headers.iter().any(String::is_empty) {
        return None;
    }
    Some(ParsedAuthorization { secret_id, date, service, signed_headers, signature: signature.to_string() })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The worked example in the spec (computed independently with Python and Node).
    #[test]
    fn spec_example() {
        let body = br#"{"SdkAppId":1400000001,"RoomId":1234}"#;
        let hashed = payload_hash(body, false);
        let sig = sign(&SignInput {
            secret_id: "AKIDz8krbsJ5yKBZQpn74WFkmLPx3EXAMPLE",
            secret_key: "Gu5t9xGARNpq86cd98joQYCN3EXAMPLE",
            service: "trtc",
            method: "POST",
            canonical_query: "",
            headers: &[("content-type", "application/json"), ("host", "trtc.tencentcloudapi.com")],
            hashed_payload: &hashed,
            timestamp: 1_700_000_000,
            signing_key: None,
        });
        assert_eq!(sig.signature, "39420048117b198c5fc926ac9ccee749f52150d03f027de5a4636a45a2261587");
        assert_eq!(
            sig.string_to_sign,
            "TC3-HMAC-SHA256\n1700000000\n2023-11-14/trtc/tc3_request\n170cc754a5e42aa76e2273466c411848a8d54d3019a45e08fcc4beac41b8d208"
        );
        let parsed = parse_authorization(&sig.authorization).unwrap();
        assert_eq!(parsed.secret_id, "AKIDz8krbsJ5yKBZQpn74WFkmLPx3EXAMPLE");
        assert_eq!(parsed.date, "2023-11-14");
        assert_eq!(parsed.service, "trtc");
        assert_eq!(parsed.signed_headers, ["content-type", "host"]);
        assert_eq!(parsed.signature, sig.signature);
    }

    #[test]
    fn signing_key_cache_follows_day_and_service() {
        let cache = SigningKeyCache::default();
        let k = "Gu5t9xGARNpq86cd98joQYCN3EXAMPLE";
        assert_eq!(cache.get(k, 1_700_000_000, "trtc"), signing_key(k, 1_700_000_000, "trtc"));
        // Same UTC day (2023-11-14 ends at 1700006399): same key, now from the cache.
        assert_eq!(cache.get(k, 1_700_006_399, "trtc"), signing_key(k, 1_700_000_000, "trtc"));
        // Next day and another service: re-derived.
        assert_eq!(cache.get(k, 1_700_006_400, "trtc"), signing_key(k, 1_700_006_400, "trtc"));
        assert_ne!(cache.get(k, 1_700_006_400, "ccc"), signing_key(k, 1_700_006_400, "trtc"));
        assert_eq!(format!("{cache:?}"), "SigningKeyCache(** redacted **)");
    }

    #[test]
    fn malformed_authorization_is_refused() {
        for bad in [
            "",
            "TC3-HMAC-SHA256",
            "HMAC Credential=a/b/c/tc3_request, SignedHeaders=host, Signature=x",
            "TC3-HMAC-SHA256 Credential=a/b/c/other, SignedHeaders=host, Signature=x",
            "TC3-HMAC-SHA256 Credential=a/b/c/tc3_request, SignedHeaders=, Signature=x",
            "TC3-HMAC-SHA256 Credential=a/b/c/tc3_request, SignedHeaders=host, Signature=x, Extra=1",
        ] {
            assert!(parse_authorization(bad).is_none(), "{bad}");
        }
    }
}
