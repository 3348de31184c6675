//! TLS trust: which roots verify Tencent's (or a proxy's, or the sandbox's) certificate,
//! and what a TLS failure means in words.
//!
//! `tls.roots` picks the bundled Mozilla roots (`webpki-roots`), the system store
//! (`rustls-native-certs`, which honours `SSL_CERT_FILE` / `SSL_CERT_DIR` as curl and Go
//! do), `both` (the default: works in a minimal container without `ca-certificates`, and
//! still trusts a corporate CA installed in the system store), or `none` (only
//! `tls.ca_file` / `tls.ca_pem`). Certificates from `ca_file` and `ca_pem` are added to
//! whichever roots are chosen.

use crate::error::{Error, ErrorCode, Result};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::CertificateDer;
use rustls::{CertificateError, ClientConfig, RootCertStore};
use std::sync::Arc;

/// The `tls.roots` choices, in the order documented.
pub const ROOTS: &[&str] = &["both", "bundled", "system", "none"];

/// Which trust roots verify servers.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Roots {
    /// Bundled Mozilla roots plus the system store (the default).
    Both,
    /// The Mozilla roots compiled into the library.
    Bundled,
    /// The operating system's store.
    System,
    /// Only `tls.ca_file` / `tls.ca_pem`.
    None,
}

/// The validated `tls` config.
#[derive(Clone)]
pub struct TlsConfig {
    /// Which roots.
    pub roots: Roots,
    /// Certificates from `ca_file` and `ca_pem`, already parsed.
    pub extra: Vec<CertificateDer<'static>>,
}

impl std::fmt::Debug for TlsConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TlsConfig").field("roots", &self.roots).field("extra_certificates", &self.extra.len()).finish()
    }
}

impl Default for TlsConfig {
    fn default() -> Self {
        TlsConfig { roots: Roots::Both, extra: Vec::new() }
    }
}

impl TlsConfig {
    /// Builds the config from `tls.roots`, `tls.ca_file` and `tls.ca_pem`; every problem
    /// names its key (`TCCALL_E_INVALID_CONFIG`).
    pub fn new(roots: &str, ca_file: Option<&str>, ca_pem: Option<&str>) -> Result<TlsConfig> {
        let roots = match roots {
            "both" => Roots::Both,
            "bundled" => Roots::Bundled,
            "system" => Roots::System,
            "none" => Roots::None,
            _ => return Err(Error::invalid_config(format!("tls.roots must be one of {}", ROOTS.join(", ")))),
        };
        let mut extra = Vec::new();
        if let Some(path) = ca_file {
            let pem = std::fs::read(path)
                .map_err(|e| Error::invalid_config(format!("tls.ca_file: cannot read {path}: {}", e.kind())))?;
            extra.extend(parse_pem(&pem, "tls.ca_file")?);
        }
        if let Some(pem) = ca_pem {
            extra.extend(parse_pem(pem.as_bytes(), "tls.ca_pem")?);
        }
        if roots == Roots::None && extra.is_empty() {
            return Err(Error::invalid_config("tls.roots is \"none\" but neither tls.ca_file nor tls.ca_pem is set"));
        }
        Ok(TlsConfig { roots, extra })
    }

    /// The rustls client config. Reading the system store is done here, once per client,
    /// at its first HTTPS connection.
    pub fn client_config(&self) -> Result<Arc<ClientConfig>> {
        let mut store = RootCertStore::empty();
        if matches!(self.roots, Roots::Both | Roots::Bundled) {
            store.extend(webpki_roots::TLS_SERVER_ROOTS.iter().cloned());
        }
        if matches!(self.roots, Roots::Both | Roots::System) {
            let found = rustls_native_certs::load_native_certs();
            let (added, _) = store.add_parsable_certificates(found.certs);
            if added == 0 && self.roots == Roots::System && self.extra.is_empty() {
                return Err(Error::new(
                    ErrorCode::Tls,
                    "tls.roots is \"system\" but no system certificate was found (install ca-certificates, \
                     set SSL_CERT_FILE, or use tls.roots \"both\")",
                ));
            }
        }
        store.add_parsable_certificates(self.extra.iter().cloned());
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let config = ClientConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .map_err(|e| Error::new(ErrorCode::Tls, format!("TLS setup failed: {e}")))?
            .with_root_certificates(store)
            .with_no_client_auth();
        Ok(Arc::new(config))
    }
}

fn parse_pem(pem: &[u8], key: &str) -> Result<Vec<CertificateDer<'static>>> {
    let certs: Vec<_> = CertificateDer::pem_slice_iter(pem)
        .collect::<std::result::Result<_, _>>()
        .map_err(|e| Error::invalid_config(format!("{key} is not valid PEM: {e}")))?;
    if certs.is_empty() {
        return Err(Error::invalid_config(format!("{key} holds no PEM certificate (-----BEGIN CERTIFICATE-----)")));
    }
    let mut probe = RootCertStore::empty();
    for cert in &certs {
        probe
            .add(cert.clone())
            .map_err(|e| Error::invalid_config(format!("{key} holds an unusable certificate: {e}")))?;
    }
    Ok(certs)
}

/// Words for a TLS failure with `host`, and whether trying again may help (a certificate
/// problem will not fix itself).
pub fn describe(e: &rustls::Error, host: &str) -> (String, bool) {
    use CertificateError as C;
    let cert = |what: String| (format!("TLS handshake failed: the certificate of {host} {what}"), false);
    match e {
        rustls::Error::InvalidCertificate(c) => match c {
            C::UnknownIssuer => {
                cert("is not trusted (unknown issuer): check tls.roots, tls.ca_file or tls.ca_pem".into())
            }
            C::NotValidForName | C::NotValidForNameContext { .. } => {
                cert("is not valid for that host name (name mismatch)".into())
            }
            C::Expired | C::ExpiredContext { .. } => cert("has expired".into()),
            C::NotValidYet | C::NotValidYetContext { .. } => {
                cert("is not valid yet (is this machine's clock right?)".into())
            }
            C::Revoked => cert("is revoked".into()),
            C::BadSignature | C::BadEncoding => cert("is malformed or badly signed".into()),
            other => cert(format!("was rejected: {other:?}")),
        },
        rustls::Error::AlertReceived(alert) => {
            (format!("TLS handshake with {host} failed: the server sent the alert {alert:?}"), true)
        }
        rustls::Error::NoCertificatesPresented => (format!("{host} presented no certificate"), false),
        other => (format!("TLS with {host} failed: {other}"), true),
    }
}
