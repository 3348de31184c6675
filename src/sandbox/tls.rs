//! HTTPS for the sandbox: a throwaway certificate authority and a server certificate
//! signed by it, minted in memory at every start (rcgen, no openssl), and the rustls
//! server config that serves them.
//!
//! The CA is the only thing a client needs to trust (`Sandbox::ca_pem`, `ca_file`). The
//! server certificate names `127.0.0.1`, `localhost` and `::1`, unless the sandbox is
//! started with a deliberately wrong one (`SandboxConfig::tls_leaf`) to test how a
//! client fails.

use rcgen::{
    BasicConstraints, CertificateParams, DistinguishedName, DnType, ExtendedKeyUsagePurpose, IsCa, Issuer, KeyPair,
    KeyUsagePurpose,
};
use rustls::pki_types::{PrivateKeyDer, PrivatePkcs8KeyDer};
use rustls::ServerConfig;
use std::sync::Arc;

/// The `tls_leaf` values: `valid` (the default), `expired` (its `notAfter` is in the
/// past), `wrong_name` (it names only `wrong.example`), `self_signed` (not issued by the
/// sandbox's CA).
pub const LEAF_KINDS: &[&str] = &["valid", "expired", "wrong_name", "self_signed"];

/// The names of a valid sandbox certificate.
const NAMES: [&str; 3] = ["127.0.0.1", "localhost", "::1"];

/// What `mint` produced.
pub struct Minted {
    /// The CA certificate, PEM.
    pub ca_pem: String,
    /// Serves the server certificate (and the CA after it).
    pub server: Arc<ServerConfig>,
}

impl std::fmt::Debug for Minted {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Minted").finish_non_exhaustive()
    }
}

fn name(common_name: &str) -> DistinguishedName {
    let mut dn = DistinguishedName::new();
    dn.push(DnType::OrganizationName, "tccall sandbox");
    dn.push(DnType::CommonName, common_name);
    dn
}

/// The current year (approximate to a day, which the validity periods below absorb).
fn this_year() -> i32 {
    let secs = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_secs());
    1970 + (secs / 31_556_952) as i32
}

/// Mints a fresh CA and a server certificate of kind `leaf` (one of `LEAF_KINDS`).
pub fn mint(leaf: &str) -> Result<Minted, String> {
    if !LEAF_KINDS.contains(&leaf) {
        return Err(format!("tls_leaf must be one of {}", LEAF_KINDS.join(", ")));
    }
    let rc = |e: rcgen::Error| format!("cannot mint the sandbox certificates: {e}");
    let year = this_year();

    let ca_key = KeyPair::generate().map_err(rc)?;
    let mut ca = CertificateParams::default();
    ca.distinguished_name = name("tccall sandbox CA (throwaway)");
    ca.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    ca.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign, KeyUsagePurpose::DigitalSignature];
    ca.not_before = rcgen::date_time_ymd(year - 1, 1, 1);
    ca.not_after = rcgen::date_time_ymd(year + 10, 1, 1);
    let ca_cert = ca.self_signed(&ca_key).map_err(rc)?;
    let issuer = Issuer::new(ca, ca_key);

    let names: Vec<String> = match leaf {
        "wrong_name" => vec!["wrong.example".into()],
        _ => NAMES.map(String::from).to_vec(),
    };
    let key = KeyPair::generate().map_err(rc)?;
    let mut params = CertificateParams::new(names).map_err(rc)?;
    params.distinguished_name = name("tccall sandbox");
    params.is_ca = IsCa::ExplicitNoCa;
    params.key_usages = vec![KeyUsagePurpose::DigitalSignature];
    params.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
    (params.not_before, params.not_after) = match leaf {
        "expired" => (rcgen::date_time_ymd(2000, 1, 1), rcgen::date_time_ymd(2001, 1, 1)),
        _ => (rcgen::date_time_ymd(year - 1, 1, 1), rcgen::date_time_ymd(year + 2, 1, 1)),
    };
    let chain = if leaf == "self_signed" {
        vec![params.self_signed(&key).map_err(rc)?.der().clone()]
    } else {
        params.use_authority_key_identifier_extension = true;
        vec![params.signed_by(&key, &issuer).map_err(rc)?.der().clone(), ca_cert.der().clone()]
    };
    let private = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(key.serialize_der()));

    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let tls = |e: rustls::Error| format!("cannot configure TLS: {e}");
    let mut server = ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(tls)?
        .with_no_client_auth()
        .with_single_cert(chain, private)
        .map_err(tls)?;
    // The default session storage stays: clients can resume sessions.
    server.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok(Minted { ca_pem: ca_cert.pem(), server: Arc::new(server) })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_kind_mints_and_others_are_refused() {
        for kind in LEAF_KINDS {
            let m = mint(kind).unwrap();
            assert!(m.ca_pem.starts_with("-----BEGIN CERTIFICATE-----"), "{kind}");
        }
        assert!(mint("bogus").unwrap_err().contains("tls_leaf must be one of valid, expired"));
        // A fresh CA every time.
        assert_ne!(mint("valid").unwrap().ca_pem, mint("valid").unwrap().ca_pem);
    }
}
