//! The per-operation subcommands, generated from `api::OPERATIONS`: one subcommand per
//! operation (`end_call` -> `end-call`), one flag per top-level request field (`CallId` ->
//! `--call-id`) typed by its schema `Kind`, and `--json` for a whole request, which the
//! flags then override. The request goes to `Client::call_json` like any other caller's.

use clap::builder::{PossibleValuesParser, TypedValueParser, ValueParser};
use clap::{Arg, ArgAction, ArgMatches, Command};
use serde_json::{Map, Value};
use std::io::Read;
use tccall::api::{OpSpec, OPERATIONS};
use tccall::schema::{Field, Kind, Presence};
use tccall::{Client, Error, ErrorCode, Result};

/// One line per operation for `--help`: the one place the command line describes them.
pub const SUMMARIES: &[(&str, &str)] = &[
    ("end_call", "Force-end a call (its members are hung up)"),
    ("get_call_info", "Show a live call: status, members and TRTC room"),
    ("start_call_by_robot", "Start a call from a robot account"),
    ("get_call_record", "Show the record of an ended call"),
    ("search_call_records", "Search the call records of the last 7 days"),
    ("set_callback_config", "Create or overwrite the Call webhook configuration"),
    ("get_callback_config", "Show the Call webhook configuration"),
    ("delete_callback_config", "Delete the Call webhook configuration"),
    ("dismiss_room", "Dismiss a TRTC room (numeric or string room id)"),
    ("remove_users", "Remove users from a TRTC room"),
    ("block_user", "Mute or unmute a user's audio and/or video in a TRTC room"),
    ("terminate_call", "End a call for good: read it, end it, dismiss its TRTC room"),
    ("end_desk_session", "End a Contact Center (Desk) session"),
    ("get_desk_session_state", "Show a Desk session's state"),
    ("list_desk_sessions", "List Desk session records in a time range"),
    ("gen_usersig", "Generate a UserSig with the configured secret key (also: usersig gen)"),
    ("verify_usersig", "Verify a UserSig with the configured secret key (also: usersig verify)"),
    ("gen_private_map_key", "Generate a TRTC PrivateMapKey"),
    ("im_request", "Send any IM REST command (also: im PATH)"),
    ("cloud_api_request", "Send any Cloud API 3.0 action (also: cloud SERVICE ACTION)"),
    ("sign_im_request", "Sign an IM REST request without sending it"),
    ("sign_cloud_api_request", "Sign a Cloud API 3.0 request without sending it"),
];

/// Extra names of operation subcommands.
pub const ALIASES: &[(&str, &str)] = &[("get_call_info", "call-info")];

/// The subcommand of an operation: `end_call` -> `end-call`.
pub fn subcommand_name(op: &str) -> String {
    op.replace('_', "-")
}

/// The operation a subcommand names (aliases are resolved by clap before this).
pub fn find(subcommand: &str) -> Option<&'static OpSpec> {
    OPERATIONS.iter().copied().find(|op| subcommand_name(op.name) == subcommand)
}

/// An operation's one-line summary.
pub fn summary(op: &str) -> &'static str {
    SUMMARIES.iter().find(|(name, _)| *name == op).map_or("", |(_, s)| s)
}

/// The flag of a request field: `CallId` -> `call-id`, `CalleeList_Account` ->
/// `callee-list-account`, `userbuf_b64` -> `userbuf-b64`, `SdkAppId` -> `sdk-app-id`.
pub fn flag_name(field: &str) -> String {
    let chars: Vec<char> = field.chars().collect();
    let mut out = String::new();
    for (i, &c) in chars.iter().enumerate() {
        let boundary = c == '_'
            || (c.is_ascii_uppercase()
                && i > 0
                && (!chars[i - 1].is_ascii_uppercase() || chars.get(i + 1).is_some_and(char::is_ascii_lowercase)));
        if boundary && !out.is_empty() && !out.ends_with('-') {
            out.push('-');
        }
        if c != '_' {
            out.push(c.to_ascii_lowercase());
        }
    }
    out
}

/// The subcommand `name` running `op`.
pub fn command(op: &'static OpSpec, name: String) -> Command {
    let about = summary(op.name);
    let retry = op.retry().map_or("nothing is sent".into(), |r| format!("retry class {}", r.name()));
    let long = format!(
        "{about}.\n\nRuns the operation {} ({}, {retry}; C function {}). Each flag sets the request field \
         named in its value (Tencent's spelling) and overrides that field of --json.",
        op.name,
        op.family().name(),
        op.c_function()
    );
    let mut cmd = Command::new(name).about(about).long_about(long).arg(json_arg(
        "The whole request as JSON, @FILE to read it from a file, or - for stdin; flags override its fields",
    ));
    for field in op.fields {
        cmd = cmd.arg(field_arg(field));
    }
    cmd
}

/// `--json REQUEST`.
pub fn json_arg(help: &'static str) -> Arg {
    Arg::new("json").long("json").value_name("JSON").help(help)
}

fn field_arg(field: &'static Field) -> Arg {
    let described = describe(&field.kind);
    let mut help = described[..1].to_ascii_uppercase() + &described[1..];
    if field.presence == Presence::Required {
        help.push_str(" [required, as a flag or in --json]");
    }
    if let Some(d) = field.default.to_value() {
        help.push_str(&format!(" [default: {d}]"));
    }
    let arg = Arg::new(field.name).long(flag_name(field.name)).value_name(field.name).help(help);
    match &field.kind {
        Kind::Bool => arg.num_args(0..=1).default_missing_value("true").value_parser(parser(&field.kind)),
        Kind::List { item, .. } => arg.action(ArgAction::Append).value_delimiter(',').value_parser(parser(item)),
        kind => arg.value_parser(parser(kind)),
    }
}

/// What a flag of `kind` takes, for its help.
fn describe(kind: &Kind) -> String {
    match kind {
        Kind::Str { min: 0, max } if *max >= 1 << 16 => "a string".into(),
        Kind::Str { min: 1, max } if *max >= 1 << 16 => "a non-empty string".into(),
        Kind::Str { min, max } => format!("a string of {min} to {max} bytes"),
        Kind::HttpUrl => "an http:// or https:// URL".into(),
        Kind::OneOf(_) => "one of the values below".into(),
        Kind::Prefixed(prefix) => format!("a string starting with {prefix:?}"),
        Kind::Int { min, max } if *max >= i64::MAX as i128 => format!("an integer from {min}"),
        Kind::Int { min, max } => format!("an integer from {min} to {max}"),
        Kind::Bool => "true or false (the flag alone means true)".into(),
        Kind::List { item, .. } => {
            format!("a list, each item {}: repeat the flag or separate with commas", describe(item))
        }
        Kind::Object(fields) => {
            let names: Vec<&str> = fields.iter().map(|f| f.name).collect();
            format!("a JSON object with {}", names.join(", "))
        }
        Kind::AnyObject => "a JSON object".into(),
        Kind::RoomId => "a room id: digits are sent as a number (numeric room), anything else as a string \
                         (string room); RoomIdType 2 makes digits the string room"
            .into(),
    }
}

/// Parses a flag's value into the JSON it sets. JSON kinds stay text here and are parsed
/// in `request`, so bad JSON is an input error (103) as it is in `--json`.
fn parser(kind: &'static Kind) -> ValueParser {
    match kind {
        Kind::Int { .. } => ValueParser::new(int),
        Kind::RoomId => ValueParser::new(room_id),
        Kind::Bool => ValueParser::new(PossibleValuesParser::new(["true", "false"]).map(|s| Value::Bool(s == "true"))),
        Kind::OneOf(options) => ValueParser::new(PossibleValuesParser::new(options.iter().copied()).map(Value::from)),
        _ => ValueParser::new(|s: &str| Ok::<Value, std::convert::Infallible>(Value::from(s))),
    }
}

/// An integer, exactly (range checks are the core's).
fn int(s: &str) -> std::result::Result<Value, String> {
    match s.trim().parse::<i128>() {
        Ok(n) => i64::try_from(n)
            .map(Value::from)
            .or_else(|_| u64::try_from(n).map(Value::from))
            .map_err(|_| "out of range".to_string()),
        Err(_) => Err("not an integer".to_string()),
    }
}

/// A room id: a number when it is written as one (no sign, no leading zero), else a string.
fn room_id(s: &str) -> std::result::Result<Value, std::convert::Infallible> {
    let numeric = !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()) && !s.starts_with('0');
    Ok(match (numeric, s.parse::<u64>()) {
        (true, Ok(n)) => Value::from(n),
        _ => Value::from(s),
    })
}

/// Reads a `--json` argument: the JSON itself, `@FILE`, or `-` for stdin.
pub fn read_json_arg(arg: &str) -> Result<String> {
    let failed = |from: &str, e: std::io::Error| {
        let code = match e.kind() {
            std::io::ErrorKind::InvalidData => ErrorCode::InvalidUtf8,
            _ => ErrorCode::InvalidRequest,
        };
        Error::new(code, format!("cannot read the JSON from {from}: {e}"))
    };
    if arg == "-" {
        let mut text = String::new();
        std::io::stdin().read_to_string(&mut text).map_err(|e| failed("stdin", e))?;
        return Ok(text);
    }
    match arg.strip_prefix('@') {
        Some(path) => std::fs::read_to_string(path).map_err(|e| failed(path, e)),
        None => Ok(arg.to_string()),
    }
}

/// The JSON of `--json` (when given) parsed as the client parses any request.
pub fn json_value(m: &ArgMatches, client: &Client, what: &str) -> Result<Option<Value>> {
    match m.get_one::<String>("json") {
        Some(arg) => Ok(Some(client.parse_input(&read_json_arg(arg)?, what)?)),
        None => Ok(None),
    }
}

/// The request of `op` from its subcommand's matches: `--json` (or `{}`), then each flag.
pub fn request(op: &OpSpec, m: &ArgMatches, client: &Client) -> Result<Value> {
    let mut req = json_value(m, client, op.name)?.unwrap_or_else(|| Value::Object(Map::new()));
    for field in op.fields {
        let Some(values) = m.get_many::<Value>(field.name) else { continue };
        let mut values: Vec<Value> = values.cloned().collect();
        let value = match &field.kind {
            Kind::List { .. } => Value::Array(values),
            Kind::Object(_) | Kind::AnyObject => {
                let text = values.pop().and_then(|v| v.as_str().map(str::to_string)).unwrap_or_default();
                serde_json::from_str(&text).map_err(|e| {
                    Error::new(ErrorCode::InvalidJson, format!("--{} is not valid JSON: {e}", flag_name(field.name)))
                })?
            }
            _ => values.pop().expect("a flag given has a value"),
        };
        let Some(obj) = req.as_object_mut() else {
            return Err(Error::invalid_request(format!("{} request must be a JSON object", op.name)));
        };
        obj.insert(field.name.to_string(), value);
    }
    Ok(req)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_operation_has_a_summary() {
        for op in OPERATIONS {
            assert!(!summary(op.name).is_empty(), "{} has no summary", op.name);
        }
        for (name, _) in SUMMARIES.iter().chain(ALIASES) {
            assert!(OPERATIONS.iter().any(|op| op.name == *name), "{name} is not an operation");
        }
    }

    #[test]
    fn flags_are_kebab_case() {
        let cases = [
            ("CallId", "call-id"),
            ("CalleeList_Account", "callee-list-account"),
            ("Robot_Account", "robot-account"),
            ("userbuf_b64", "userbuf-b64"),
            ("SdkAppId", "sdk-app-id"),
            ("RoomIdType", "room-id-type"),
            ("UserIds", "user-ids"),
            ("IsMute", "is-mute"),
            ("Url", "url"),
            ("expire_s", "expire-s"),
        ];
        for (field, flag) in cases {
            assert_eq!(flag_name(field), flag);
        }
    }

    #[test]
    fn values_take_their_kind() {
        assert_eq!(int("42").unwrap(), Value::from(42));
        assert_eq!(int("18446744073709551615").unwrap(), Value::from(u64::MAX));
        assert!(int("4x").is_err());
        assert_eq!(room_id("1234").unwrap(), Value::from(1234));
        assert_eq!(room_id("0123").unwrap(), Value::from("0123"));
        assert_eq!(room_id("r-1").unwrap(), Value::from("r-1"));
        assert_eq!(room_id("99999999999999999999").unwrap(), Value::from("99999999999999999999"));
    }
}
