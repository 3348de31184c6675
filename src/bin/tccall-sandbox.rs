//! `tccall-sandbox`: runs the local Tencent emulator until killed.
//!
//! Usage: `tccall-sandbox [--port N] [--config FILE.json] [--webhook-token T] [--tls-leaf KIND]`.
//! Stdout, one item a line: the base URL (`http://127.0.0.1:PORT`), the tccall client
//! config JSON that points at it, the HTTPS base URL (`https://127.0.0.1:PORT`, the same
//! port), and the client config JSON for HTTPS (trusting only the sandbox's CA). Stderr
//! says where it listens and where the CA certificate file is. `--tls-leaf` serves a
//! certificate clients must refuse: `expired`, `wrong_name` or `self_signed` (`valid` is
//! the default). SIGINT and SIGTERM stop it cleanly (the CA file is removed).

use std::io::Write;
use std::process::ExitCode;
use tccall::sandbox::{Sandbox, SandboxConfig};

const USAGE: &str =
    "usage: tccall-sandbox [--port N] [--config FILE.json] [--webhook-token T] [--tls-leaf valid|expired|wrong_name|self_signed]";

fn parse_args(args: &[String]) -> Result<SandboxConfig, String> {
    let mut config = SandboxConfig::default();
    let (mut port, mut token, mut leaf) = (None, None, None);
    let mut it = args.iter();
    while let Some(arg) = it.next() {
        let (flag, inline) = match arg.split_once('=') {
            Some((f, v)) if f.starts_with("--") => (f, Some(v.to_string())),
            _ => (arg.as_str(), None),
        };
        let mut value = || inline.clone().or_else(|| it.next().cloned()).ok_or(format!("{flag} needs a value"));
        match flag {
            "--port" => port = Some(value()?.parse::<u16>().map_err(|_| "--port must be 0..65535".to_string())?),
            "--config" => {
                let path = value()?;
                let text = std::fs::read_to_string(&path).map_err(|e| format!("cannot read {path}: {e}"))?;
                config = SandboxConfig::from_json(&text)?;
            }
            "--webhook-token" => token = Some(value()?),
            "--tls-leaf" => leaf = Some(value()?),
            "-h" | "--help" => return Err(USAGE.into()),
            other => return Err(format!("unknown argument {other}\n{USAGE}")),
        }
    }
    // Flags win over the config file, whatever their order.
    if let Some(p) = port {
        config.port = p;
    }
    if token.is_some() {
        config.webhook_token = token;
    }
    if let Some(leaf) = leaf {
        config.tls_leaf = leaf;
    }
    config.validate()?;
    Ok(config)
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let config = match parse_args(&args) {
        Ok(c) => c,
        Err(e) => {
            eprintln!("{e}");
            return ExitCode::from(2);
        }
    };
    let sandbox = match Sandbox::start(config) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("tccall-sandbox: cannot start: {e}");
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
    eprintln!(
        "tccall-sandbox listening on {} and {} (CA certificate: {}) (Ctrl-C to stop)",
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
    ExitCode::SUCCESS
}
