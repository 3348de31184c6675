//! `tccall-sandbox`: runs the local Tencent emulator until killed.
//!
//! Usage: `tccall-sandbox [--port N] [--config FILE.json] [--webhook-token T] [--tls-leaf KIND]
//! [--config-out FILE]`.
//! Stdout, one item a line: the base URL (`http://127.0.0.1:PORT`), the tccall client
//! config JSON that points at it, the HTTPS base URL (`https://127.0.0.1:PORT`, the same
//! port), and the client config JSON for HTTPS (trusting only the sandbox's CA). Stderr
//! says where it listens and where the CA certificate file is. `--tls-leaf` serves a
//! certificate clients must refuse: `expired`, `wrong_name` or `self_signed` (`valid` is
//! the default). `--config-out` also writes the client config JSON to a file (removed at
//! exit). SIGINT and SIGTERM stop it cleanly (the CA file is removed). `tccall sandbox`
//! runs the same code (`tccall/sandbox.rs`).

use std::process::ExitCode;

#[path = "tccall/sandbox.rs"]
mod sandbox;

const USAGE: &str = "usage: tccall-sandbox [--port N] [--config FILE.json] [--webhook-token T] [--tls-leaf valid|expired|wrong_name|self_signed] [--config-out FILE]";

fn parse_args(args: &[String]) -> Result<sandbox::Options, String> {
    let mut options = sandbox::Options::default();
    let mut it = args.iter();
    while let Some(arg) = it.next() {
        let (flag, inline) = match arg.split_once('=') {
            Some((f, v)) if f.starts_with("--") => (f, Some(v.to_string())),
            _ => (arg.as_str(), None),
        };
        let mut value = || inline.clone().or_else(|| it.next().cloned()).ok_or(format!("{flag} needs a value"));
        match flag {
            "--port" => {
                options.port = Some(value()?.parse::<u16>().map_err(|_| "--port must be 0..65535".to_string())?)
            }
            "--config" => options.config_file = Some(value()?),
            "--webhook-token" => options.webhook_token = Some(value()?),
            "--tls-leaf" => options.tls_leaf = Some(value()?),
            "--config-out" => options.config_out = Some(value()?.into()),
            "-h" | "--help" => return Err(USAGE.into()),
            other => return Err(format!("unknown argument {other}\n{USAGE}")),
        }
    }
    Ok(options)
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let (config, out) = match parse_args(&args).and_then(|o| Ok((o.config()?, o.config_out))) {
        Ok(c) => c,
        Err(e) => {
            eprintln!("{e}");
            return ExitCode::from(2);
        }
    };
    sandbox::serve("tccall-sandbox", config, out.as_ref())
}
