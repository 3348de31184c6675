//! The tccall story, end to end, against the in-process sandbox:
//! a robot starts a call, the start webhook arrives and is verified, a callee answers
//! (member webhook), the call is ended, the end webhook arrives, the record is read, a TRTC room loses a user and
//! is dismissed, a Desk session is ended, and a wrong key shows the error JSON.
//!
//!     cargo run --example quickstart

use serde_json::{json, Value};
use std::time::Duration;
use tccall::sandbox::{Sandbox, SandboxConfig};
use tccall::Client;

const WEBHOOK_TOKEN: &str = "quickstart-token";

fn step(n: u32, title: &str, value: &Value) {
    println!("\n== {n}. {title}\n{}", serde_json::to_string_pretty(value).unwrap());
}

/// POSTs JSON to a sandbox control endpoint (in-process; over HTTP it is `POST {base_url}{path}`).
fn control(sandbox: &Sandbox, path: &str, body: Value) -> Value {
    let (status, value) = sandbox.control("POST", path, &body);
    assert_eq!(status, 200, "{path}: {value}");
    value
}

/// A one-shot webhook receiver: returns its URL and a channel of (query, body).
fn webhook_receiver() -> (String, std::sync::mpsc::Receiver<(String, Vec<u8>)>) {
    let server = tiny_http::Server::http("127.0.0.1:0").expect("bind webhook receiver");
    let url = format!("http://{}/tencent/callback", server.server_addr().to_ip().expect("ip address"));
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for mut req in server.incoming_requests() {
            let query = req.url().split_once('?').map(|(_, q)| q.to_string()).unwrap_or_default();
            let mut body = Vec::new();
            let _ = req.as_reader().read_to_end(&mut body);
            let _ = req.respond(tiny_http::Response::from_string(tccall::webhook::REPLY_OK));
            if tx.send((query, body)).is_err() {
                break;
            }
        }
    });
    (url, rx)
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let sandbox = Sandbox::start(SandboxConfig { webhook_token: Some(WEBHOOK_TOKEN.into()), ..Default::default() })?;
    let base = sandbox.base_url();
    println!("sandbox listening on {base}");

    // The same config shape works against Tencent: only the credentials and endpoints change.
    let mut config: Value = serde_json::from_str(&sandbox.client_config_json())?;
    config["webhook"] = json!({"token": WEBHOOK_TOKEN, "max_age_s": 60});
    let client = Client::from_json(&config.to_string())?;

    let (hook_url, hooks) = webhook_receiver();
    let commands = ["Call.CallbackAfterStartCall", "Call.CallbackAfterEndCall", "Call.CallbackAfterMemberChanged"];
    step(
        1,
        "set_callback_config",
        &client.call("set_callback_config", &json!({"Url": hook_url, "CallbackCommandList": commands}))?,
    );

    let started = client.call(
        "start_call_by_robot",
        &json!({
            "Robot_Account": "robot_01",
            "CalleeList_Account": ["alice", "bob"],
            "Timeout": 30000,
            "UserData": "order-1234",
            "CallInfo": {"MediaType": "Audio", "RoomId": "room-quickstart", "RoomIdType": 2}
        }),
    )?;
    step(2, "start_call_by_robot", &started);
    let call_id = started["CallId"].as_str().ok_or("no CallId")?.to_string();

    step(3, "get_call_info", &client.call("get_call_info", &json!({"CallId": call_id}))?);

    let next_webhook = |title: &str, n: u32| -> Result<(), Box<dyn std::error::Error>> {
        let (query, body) = hooks.recv_timeout(Duration::from_secs(5))?;
        step(n, title, &client.parse_webhook(&query, &body)?);
        Ok(())
    };
    next_webhook("webhook received and verified: Call.CallbackAfterStartCall", 4)?;

    // Alice picks up on her phone (the sandbox plays the client SDK's part).
    control(&sandbox, &format!("/_sandbox/calls/{call_id}/members"), json!({"user": "alice", "action": "Answer"}));
    next_webhook("webhook received and verified: Call.CallbackAfterMemberChanged", 5)?;

    step(6, "end_call", &client.call("end_call", &json!({"CallId": call_id}))?);
    next_webhook("webhook received and verified: Call.CallbackAfterEndCall", 7)?;
    step(8, "get_call_record", &client.call("get_call_record", &json!({"CallId": call_id}))?);

    control(&sandbox, "/_sandbox/rooms", json!({"room_id": 8888, "users": ["carol", "dave", "erin"]}));
    step(9, "remove_users", &client.call("remove_users", &json!({"RoomId": 8888, "UserIds": ["dave"]}))?);
    step(10, "dismiss_room", &client.call("dismiss_room", &json!({"RoomId": 8888}))?);

    let session = control(
        &sandbox,
        "/_sandbox/desk/sessions",
        json!({"client_user_id": "customer_42", "state": "Agent", "agent_id": "agent@example.com"}),
    );
    let session_id = session["SessionId"].as_str().ok_or("no SessionId")?.to_string();
    step(11, "get_desk_session_state", &client.call("get_desk_session_state", &json!({"SessionId": session_id}))?);
    step(12, "end_desk_session", &client.call("end_desk_session", &json!({"SessionId": session_id}))?);

    config["secret_key"] = json!("0000000000000000000000000000000000000000000000000000000000000000");
    let wrong = Client::from_json(&config.to_string())?;
    match wrong.call("end_call", &json!({"CallId": call_id})) {
        Ok(v) => return Err(format!("a wrong key was accepted: {v}").into()),
        Err(e) => step(13, "a deliberately wrong secret_key: the error JSON", &e.to_json_value()),
    }
    println!("\nquickstart finished: every step above ran against the sandbox");
    Ok(())
}
