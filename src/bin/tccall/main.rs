//! `tccall`: the command line over the library's core. Every operation of
//! `api::OPERATIONS` is a subcommand generated from the table (`ops`), run through
//! `Client::call_json` like any caller's; `usersig`, `webhook`, `im`, `cloud`, `operations`
//! and `sandbox` are thin views of the same functions. The result JSON goes to stdout, the
//! error JSON to stderr, and the exit status tells the code's block (`exit`).

mod exit;
mod ops;
mod output;
mod raw;
#[cfg(feature = "sandbox")]
mod sandbox;
mod settings;
mod webhook;

use clap::{value_parser, Arg, ArgAction, ArgMatches, Command};
use serde_json::json;
use std::process::ExitCode;
use tccall::api::local::{GEN_USERSIG, VERIFY_USERSIG};
use tccall::api::{self, OpSpec, OPERATIONS};
use tccall::client::CallOptions;
use tccall::Result;

fn command() -> Command {
    let mut root = Command::new("tccall")
        .version(env!("CARGO_PKG_VERSION"))
        .about("Tencent call control from the command line: end calls, dismiss rooms, verify webhooks")
        .long_about(
            "Tencent call control from the command line: every tccall operation as a subcommand (flags for \
             the request's fields, --json for a whole request), plus usersig, webhook, im, cloud, \
             operations and sandbox. The result JSON goes to stdout; on failure the error JSON \
             ({\"code\", \"name\", \"message\", ...}) goes to stderr. Secrets are never printed.",
        )
        .subcommand_required(true)
        .arg_required_else_help(true)
        .after_help(exit::help())
        .after_long_help(format!("{}\n{}", settings::help(), exit::help()))
        .arg(
            global("config")
                .long("config")
                .value_name("FILE")
                .help("The client config JSON file (see Config in tccall --help)"),
        )
        .arg(global("pretty").long("pretty").action(ArgAction::SetTrue).help("Indent the result JSON"))
        .arg(
            global("deadline_ms")
                .long("deadline-ms")
                .value_name("MS")
                .value_parser(value_parser!(u64))
                .help("The whole call's deadline, retries included (default: timeouts.total_ms)"),
        )
        .arg(
            global("max_attempts")
                .long("max-attempts")
                .value_name("N")
                .value_parser(value_parser!(u32))
                .help("Attempts in all (default: retry.max_attempts)"),
        )
        .arg(
            global("log_level")
                .long("log-level")
                .value_name("LEVEL")
                .value_parser(output::level_names())
                .help("Print the client's log events as JSON lines on stderr"),
        )
        .subcommand(Command::new("operations").about("Print the operation table (what tccall_operations() returns)"));
    for op in OPERATIONS {
        let aliases = ops::ALIASES.iter().filter(|(name, _)| *name == op.name).map(|(_, alias)| *alias);
        root = root.subcommand(ops::command(op, ops::subcommand_name(op.name)).visible_aliases(aliases));
    }
    root = root
        .subcommand(
            Command::new("usersig")
                .about("Generate or verify UserSigs with the configured secret key")
                .subcommand_required(true)
                .subcommand(ops::command(&GEN_USERSIG, "gen".into()))
                .subcommand(ops::command(&VERIFY_USERSIG, "verify".into())),
        )
        .subcommand(webhook::command())
        .subcommand(raw::im_command())
        .subcommand(raw::cloud_command());
    #[cfg(feature = "sandbox")]
    {
        root = root.subcommand(sandbox_command());
    }
    root
}

/// An option every subcommand takes, listed apart from the operation's own flags.
fn global(id: &'static str) -> Arg {
    Arg::new(id).global(true).help_heading("Global options")
}

fn main() -> ExitCode {
    let matches = match command().try_get_matches() {
        Ok(m) => m,
        Err(e) => e.exit(),
    };
    let (name, sub) = matches.subcommand().expect("subcommand_required");
    #[cfg(feature = "sandbox")]
    if name == "sandbox" {
        return run_sandbox(sub);
    }
    match run(name, sub, &matches) {
        Ok(json) => output::result(&json, matches.get_flag("pretty")),
        Err(e) => output::error(&e),
    }
}

/// Runs subcommand `name`; the result JSON text.
fn run(name: &str, m: &ArgMatches, root: &ArgMatches) -> Result<String> {
    if name == "operations" {
        return Ok(api::table_json());
    }
    let client = settings::client(root.get_one::<String>("config"))?;
    if let Some(level) = root.get_one::<String>("log_level") {
        output::log_to_stderr(&client, level);
    }
    let (op, req): (&OpSpec, _) = match name {
        "webhook" => return webhook::run(&client, m).map(|v| v.to_string()),
        "im" => raw::im_request(m, &client)?,
        "cloud" => raw::cloud_request(m, &client)?,
        "usersig" => {
            let (sub, m) = m.subcommand().expect("subcommand_required");
            let op = if sub == "gen" { &GEN_USERSIG } else { &VERIFY_USERSIG };
            (op, ops::request(op, m, &client)?)
        }
        _ => {
            let op = ops::find(name).expect("every other subcommand is an operation");
            (op, ops::request(op, m, &client)?)
        }
    };
    client.call_json(op, &req.to_string(), &call_options(root)?)
}

/// `--deadline-ms` and `--max-attempts`, checked as `tccall_client_call`'s options are.
fn call_options(root: &ArgMatches) -> Result<CallOptions> {
    let mut options = json!({});
    if let Some(ms) = root.get_one::<u64>("deadline_ms") {
        options["deadline_ms"] = (*ms).into();
    }
    if let Some(n) = root.get_one::<u32>("max_attempts") {
        options["max_attempts"] = (*n).into();
    }
    CallOptions::from_json(&options.to_string())
}

#[cfg(feature = "sandbox")]
fn sandbox_command() -> Command {
    use clap::builder::PossibleValuesParser;
    Command::new("sandbox")
        .about("Run the local Tencent emulator until Ctrl-C (as tccall-sandbox does)")
        .long_about(
            "Run the local Tencent emulator (IM REST, Cloud API, webhooks, control endpoints under \
             /_sandbox/) until SIGINT or SIGTERM, exactly as tccall-sandbox does. Stdout, one item a line: \
             the base URL, the client config JSON pointing at it, the HTTPS base URL, the HTTPS client \
             config JSON. --config does not apply here; see --sandbox-config.",
        )
        .arg(
            Arg::new("port")
                .long("port")
                .value_name("N")
                .value_parser(value_parser!(u16))
                .help("Port on 127.0.0.1 (default: a free one)"),
        )
        .arg(
            Arg::new("sandbox_config")
                .long("sandbox-config")
                .value_name("FILE")
                .help("The sandbox's own config JSON (its app, keys, limits)"),
        )
        .arg(
            Arg::new("webhook_token")
                .long("webhook-token")
                .value_name("TOKEN")
                .help("Sign IM-protocol webhooks with this token"),
        )
        .arg(
            Arg::new("tls_leaf")
                .long("tls-leaf")
                .value_name("KIND")
                .value_parser(PossibleValuesParser::new(tccall::sandbox::tls::LEAF_KINDS.iter().copied()))
                .help("The HTTPS certificate served (a wrong one tests how clients fail)"),
        )
        .arg(
            Arg::new("config_out")
                .long("config-out")
                .value_name("FILE")
                .value_parser(value_parser!(std::path::PathBuf))
                .help("Also write the client config JSON to FILE once listening (removed at exit)"),
        )
}

#[cfg(feature = "sandbox")]
fn run_sandbox(m: &ArgMatches) -> ExitCode {
    let text = |id: &str| m.get_one::<String>(id).cloned();
    let options = sandbox::Options {
        port: m.get_one::<u16>("port").copied(),
        config_file: text("sandbox_config"),
        webhook_token: text("webhook_token"),
        tls_leaf: text("tls_leaf"),
        config_out: m.get_one::<std::path::PathBuf>("config_out").cloned(),
    };
    match options.config() {
        Ok(config) => sandbox::serve("tccall sandbox", config, options.config_out.as_ref()),
        Err(e) => {
            eprintln!("tccall sandbox: {e}");
            ExitCode::from(2)
        }
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_command_tree_is_consistent() {
        super::command().debug_assert();
    }
}
