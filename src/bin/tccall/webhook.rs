//! `tccall webhook verify`: authenticates and parses a received callback with the
//! client's own `parse_webhook` (IM protocol: Call, Desk) or `parse_trtc_webhook` (TRTC).

use clap::{Arg, ArgAction, ArgGroup, ArgMatches, Command};
use serde_json::Value;
use std::io::Read;
use tccall::{Client, Error, Result};

/// The `webhook` command and its `verify` subcommand.
pub fn command() -> Command {
    let verify = Command::new("verify")
        .about("Verify and parse a received webhook (IM protocol, or TRTC with --trtc)")
        .long_about(
            "Verify and parse a received webhook, as a receiver would: an IM-protocol callback (Call.*, \
             Desk.*) from its URL query and body, checked with webhook.token; or with --trtc a TRTC room or \
             media callback from its Sign and SdkAppId headers and body, checked with webhook.trtc_key. \
             Prints the parsed event; a bad signature, a stale RequestTime, another app or a malformed body \
             exits 7.",
        )
        .arg(
            Arg::new("query")
                .long("query")
                .value_name("QUERY")
                .help("The callback URL's query string (SdkAppid=...&CallbackCommand=...&RequestTime=...&Sign=...)"),
        )
        .arg(Arg::new("body").long("body").value_name("TEXT").help("The raw body"))
        .arg(Arg::new("body_file").long("body-file").value_name("FILE").help("The raw body from a file, - for stdin"))
        .group(ArgGroup::new("input").args(["body", "body_file"]).required(true))
        .arg(
            Arg::new("trtc")
                .long("trtc")
                .action(ArgAction::SetTrue)
                .help("A TRTC callback (Sign and SdkAppId headers)"),
        )
        .arg(Arg::new("sign").long("sign").value_name("SIGN").requires("trtc").help("The Sign header (TRTC)"))
        .arg(
            Arg::new("sdk_app_id")
                .long("sdk-app-id")
                .value_name("ID")
                .requires("trtc")
                .help("The SdkAppId header (TRTC)"),
        );
    let verify = verify.mut_arg("query", |a| a.required_unless_present("trtc").conflicts_with("trtc"));
    Command::new("webhook").about("Verify and parse received webhooks").subcommand_required(true).subcommand(verify)
}

/// Runs `webhook verify`.
pub fn run(client: &Client, m: &ArgMatches) -> Result<Value> {
    let (_, m) = m.subcommand().expect("subcommand_required");
    let body = match (m.get_one::<String>("body"), m.get_one::<String>("body_file")) {
        (Some(text), _) => text.clone().into_bytes(),
        (None, Some(path)) => read_body(path)?,
        (None, None) => unreachable!("the group is required"),
    };
    let text = |id: &str| m.get_one::<String>(id).map(String::as_str);
    match m.get_flag("trtc") {
        true => client.parse_trtc_webhook(text("sign"), text("sdk_app_id"), &body),
        false => client.parse_webhook(text("query").unwrap_or_default(), &body),
    }
}

fn read_body(path: &str) -> Result<Vec<u8>> {
    let mut body = Vec::new();
    let read = match path {
        "-" => std::io::stdin().read_to_end(&mut body).map(drop),
        _ => std::fs::read(path).map(|b| body = b),
    };
    read.map_err(|e| Error::invalid_request(format!("cannot read the webhook body from {path}: {e}")))?;
    Ok(body)
}
