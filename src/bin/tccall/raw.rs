//! `tccall im PATH` and `tccall cloud SERVICE ACTION`: the raw IM REST and Cloud API
//! operations (`im_request`, `cloud_api_request`) with the path or action in front.

use crate::ops::{json_arg, json_value};
use clap::{Arg, ArgMatches, Command};
use serde_json::{json, Value};
use tccall::api::raw::{CLOUD_API_REQUEST, IM_REQUEST};
use tccall::api::OpSpec;
use tccall::{Client, Result};

/// `tccall im PATH [--json BODY]`.
pub fn im_command() -> Command {
    Command::new("im")
        .about("Send any IM REST command: tccall im v4/openim/querystate --json BODY")
        .long_about(
            "Send any IM REST command (the operation im_request), signed with the admin UserSig. Retried \
             only when provably unsent, since its idempotency is unknown.",
        )
        .arg(
            Arg::new("path")
                .value_name("PATH")
                .required(true)
                .help("v4/{service}/{command}, e.g. v4/openim/querystate"),
        )
        .arg(json_arg("The body as JSON, @FILE, or - for stdin ({} when absent)"))
}

/// `tccall cloud SERVICE ACTION [--json PARAMS]`.
pub fn cloud_command() -> Command {
    Command::new("cloud")
        .about("Send any Cloud API 3.0 action: tccall cloud trtc DescribeRoomInfo --json PARAMS")
        .long_about(
            "Send any Cloud API 3.0 action (the operation cloud_api_request), TC3-signed with the configured \
             Cloud API credentials. Retried only when provably unsent.",
        )
        .arg(Arg::new("service").value_name("SERVICE").required(true).help("The service, lower-case (trtc, ccc, ...)"))
        .arg(Arg::new("action").value_name("ACTION").required(true).help("The action, e.g. DescribeRoomInfo"))
        .arg(json_arg("The action's parameters as JSON, @FILE, or - for stdin ({} when absent)"))
        .arg(
            Arg::new("api_version")
                .long("api-version")
                .value_name("VERSION")
                .help("X-TC-Version (default: trtc's 2019-07-22; needed for other services)"),
        )
        .arg(Arg::new("region").long("region").value_name("REGION").help("X-TC-Region (default: cloud_api.region)"))
        .arg(
            Arg::new("endpoint")
                .long("endpoint")
                .value_name("URL")
                .help("The service's endpoint (default: derived from cloud_api.endpoint)"),
        )
}

/// The `im_request` of `tccall im`.
pub fn im_request(m: &ArgMatches, client: &Client) -> Result<(&'static OpSpec, Value)> {
    let mut req = json!({"path": m.get_one::<String>("path").expect("required")});
    if let Some(body) = json_value(m, client, IM_REQUEST.name)? {
        req["body"] = body;
    }
    Ok((&IM_REQUEST, req))
}

/// The `cloud_api_request` of `tccall cloud`.
pub fn cloud_request(m: &ArgMatches, client: &Client) -> Result<(&'static OpSpec, Value)> {
    let text = |id: &str| m.get_one::<String>(id).cloned();
    let mut req = json!({"service": text("service"), "action": text("action")});
    for (id, key) in [("api_version", "version"), ("region", "region"), ("endpoint", "endpoint")] {
        if let Some(v) = text(id) {
            req[key] = v.into();
        }
    }
    if let Some(params) = json_value(m, client, CLOUD_API_REQUEST.name)? {
        req["params"] = params;
    }
    Ok((&CLOUD_API_REQUEST, req))
}
