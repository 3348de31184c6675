//! What goes out: the result JSON on stdout (one line, or indented with `--pretty`), the
//! error JSON on stderr, and the core's log events as JSON lines on stderr.

use std::io::Write;
use std::process::ExitCode;
use std::sync::Arc;
use tccall::observe::Level;
use tccall::{Client, Error};

/// The log levels, named as the core names them (`error`, `warn`, `info`, `debug`).
pub fn level_names() -> Vec<&'static str> {
    (1..).map_while(Level::from_i32).map(Level::name).collect()
}

/// Sends the client's log events at `level` and below to stderr, one JSON object a line.
/// The events never carry a key, a UserSig, a token or a signature (see `tccall::observe`).
pub fn log_to_stderr(client: &Client, level: &str) {
    let Some(level) = (1..).map_while(Level::from_i32).find(|l| l.name() == level) else { return };
    client.set_logger(
        level,
        Some(Arc::new(|_, event: &str| {
            let _ = writeln!(std::io::stderr().lock(), "{event}");
        })),
    );
}

/// Prints a result (JSON text) to stdout.
pub fn result(json: &str, pretty: bool) -> ExitCode {
    let text = match pretty {
        true => match serde_json::from_str::<serde_json::Value>(json) {
            Ok(v) => serde_json::to_string_pretty(&v).expect("a Value always serializes"),
            Err(_) => json.to_string(),
        },
        false => json.to_string(),
    };
    let mut out = std::io::stdout().lock();
    match writeln!(out, "{text}").and_then(|_| out.flush()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(_) => ExitCode::from(1),
    }
}

/// Prints an error's JSON to stderr; the exit status is its code's (see `exit`).
pub fn error(e: &Error) -> ExitCode {
    let _ = writeln!(std::io::stderr().lock(), "{}", e.to_json());
    ExitCode::from(crate::exit::status_of(e.code))
}
