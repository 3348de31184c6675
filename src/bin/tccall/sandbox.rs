//! Running the sandbox from the command line: shared by `tccall sandbox` and the
//! `tccall-sandbox` binary (which includes this file by path), so both start, print and
//! stop it the same way.

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;
use tccall::sandbox::{Sandbox, SandboxConfig};

/// What the command line may set; flags win over the config file, whatever their order.
#[derive(Debug, Default)]
pub struct Options {
    /// `--port`.
    pub port: Option<u16>,
    /// The sandbox config JSON file.
    pub config_file: Option<String>,
    /// `--webhook-token`.
    pub webhook_token: Option<String>,
    /// `--tls-leaf`.
    pub tls_leaf: Option<String>,
    /// `--config-out`: where to write the client config JSON once listening.
    pub config_out: Option<PathBuf>,
}

impl Options {
    /// The sandbox config these options describe, validated.
    pub fn config(&self) -> Result<SandboxConfig, String> {
        let mut config = match &self.config_file {
            Some(path) => {
                let text = std::fs::read_to_string(path).map_err(|e| format!("cannot read {path}: {e}"))?;
                SandboxConfig::from_json(&text)?
            }
            None => SandboxConfig::default(),
        };
        if let Some(p) = self.port {
            config.port = p;
        }
        if self.webhook_token.is_some() {
            config.webhook_token.clone_from(&self.webhook_token);
        }
        if let Some(leaf) = &self.tls_leaf {
            config.tls_leaf.clone_from(leaf);
        }
        config.validate()?;
        Ok(config)
    }
}

/// Starts the sandbox, prints its four lines to stdout (the base URL, the client config
/// JSON, the HTTPS base URL, the HTTPS client config JSON), writes `config_out`, and serves
/// until SIGINT or SIGTERM. `name` prefixes messages on stderr.
pub fn serve(name: &str, config: SandboxConfig, config_out: Option<&PathBuf>) -> ExitCode {
    let sandbox = match Sandbox::start(config) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("{name}: cannot start: {e}");
            return ExitCode::FAILURE;
        }
    };
    let mut out = std::io::stdout().lock();
    let printed = writeln!(out, "{}", sandbox.base_url())
        .and_then(|_| writeln!(out, "{}", sandbox.client_config_json()))
        .and_then(|_| writeln!(out, "{}", sandbox.https_base_url()))
        .and_then(|_| writeln!(out, "{}", sandbox.https_client_config_json()))
        .and_then(|_| out.flush());
    drop(out);
    if printed.is_err() {
        return ExitCode::FAILURE;
    }
    if let Some(path) = config_out {
        // Written aside and renamed, so a reader polling for the file never sees half of it.
        let tmp = path.with_extension("tmp");
        let written = std::fs::write(&tmp, sandbox.client_config_json()).and_then(|_| std::fs::rename(&tmp, path));
        if let Err(e) = written {
            eprintln!("{name}: cannot write {}: {e}", path.display());
            return ExitCode::FAILURE;
        }
    }
    eprintln!(
        "{name} listening on {} and {} (CA certificate: {}) (Ctrl-C to stop)",
        sandbox.base_url(),
        sandbox.https_base_url(),
        sandbox.ca_file().display()
    );
    // Serve until SIGINT or SIGTERM, then stop cleanly.
    tccall::ffi::signals::install();
    while !tccall::ffi::signals::received() {
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    sandbox.stop();
    if let Some(path) = config_out {
        let _ = std::fs::remove_file(path);
    }
    ExitCode::SUCCESS
}
