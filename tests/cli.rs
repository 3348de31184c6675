//! The `tccall` command line end to end: the built binary against an in-process sandbox,
//! configured by a file (`--config`), `TCCALL_CONFIG` (a file or inline JSON) or `TCCALL_*`
//! variables. Each subcommand's result on stdout, the error JSON on stderr, the exit status
//! by code block, `--help` of every generated subcommand, and no secret in any output.
#![cfg(all(feature = "sandbox", feature = "cli"))]

use serde_json::{json, Value};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use tccall::sandbox::{Sandbox, SandboxConfig};

const BIN: &str = env!("CARGO_BIN_EXE_tccall");
const TOKEN: &str = "cli-webhook-token-1";
const TRTC_KEY: &str = "clitrtckey0123456789";
/// Variables that would change where the binary takes its config or proxy from.
const CLEARED: &[&str] = &[
    "TCCALL_CONFIG",
    "TCCALL_SDK_APP_ID",
    "TCCALL_SECRET_KEY",
    "TCCALL_ADMIN_USER_ID",
    "TCCALL_IM_REGION",
    "TCCALL_IM_ENDPOINT",
    "TCCALL_CLOUD_API_REGION",
    "TCCALL_CLOUD_API_ENDPOINT",
    "TENCENTCLOUD_SECRET_ID",
    "TENCENTCLOUD_SECRET_KEY",
    "TENCENTCLOUD_SESSION_TOKEN",
    "https_proxy",
    "HTTPS_PROXY",
    "http_proxy",
    "HTTP_PROXY",
    "all_proxy",
    "ALL_PROXY",
];

/// A scratch directory, removed on drop.
struct Scratch(PathBuf);

impl Scratch {
    fn new() -> Scratch {
        static N: AtomicUsize = AtomicUsize::new(0);
        let dir = std::env::temp_dir().join(format!(
            "tccall-cli-{}-{}",
            std::process::id(),
            N.fetch_add(1, Ordering::Relaxed)
        ));
        std::fs::create_dir_all(&dir).unwrap();
        Scratch(dir)
    }

    fn file(&self, name: &str, contents: &[u8]) -> String {
        let path = self.0.join(name);
        std::fs::write(&path, contents).unwrap();
        path.to_str().unwrap().to_string()
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// A sandbox (webhook token set, no rate limits) and a client config file pointing at it.
struct World {
    sb: Sandbox,
    dir: Scratch,
    config: String,
}

impl World {
    fn new() -> World {
        World::with(json!({}))
    }

    /// With `extra` merged into the client config.
    fn with(extra: Value) -> World {
        let sb = Sandbox::start(SandboxConfig {
            enforce_rate_limits: false,
            webhook_token: Some(TOKEN.into()),
            ..SandboxConfig::default()
        })
        .unwrap();
        let mut cfg: Value = serde_json::from_str(&sb.client_config_json()).unwrap();
        cfg["retry"] = json!({"base_delay_ms": 1, "max_delay_ms": 2});
        cfg["webhook"]["trtc_key"] = TRTC_KEY.into();
        for (k, v) in extra.as_object().unwrap() {
            cfg[k] = v.clone();
        }
        let dir = Scratch::new();
        let config = dir.file("config.json", cfg.to_string().as_bytes());
        World { sb, dir, config }
    }

    /// `tccall --config FILE ARGS...`.
    fn run(&self, args: &[&str]) -> Run {
        let mut all = vec!["--config", self.config.as_str()];
        all.extend_from_slice(args);
        run(tccall(&all))
    }

    fn app(&self) -> u64 {
        self.sb.config().sdk_app_id
    }

    /// A call made as client SDKs would (`POST /_sandbox/calls`); its CallId.
    fn call(&self, body: Value) -> String {
        let (status, v) = self.sb.control("POST", "/_sandbox/calls", &body);
        assert_eq!(status, 200, "{v}");
        v["CallId"].as_str().unwrap().to_string()
    }

    fn rooms(&self) -> Vec<Value> {
        self.sb.state()["rooms"].as_array().unwrap().iter().map(|r| r["RoomId"].clone()).collect()
    }
}

/// The binary with `args` and a clean environment.
fn tccall(args: &[&str]) -> Command {
    let mut cmd = Command::new(BIN);
    cmd.args(args).stdin(Stdio::null());
    for var in CLEARED {
        cmd.env_remove(var);
    }
    cmd
}

#[derive(Debug)]
struct Run {
    status: i32,
    stdout: String,
    stderr: String,
}

impl Run {
    /// The result JSON (asserting success).
    fn ok(&self) -> Value {
        assert_eq!(self.status, 0, "{self:?}");
        assert!(self.stderr.is_empty(), "{self:?}");
        assert_eq!(self.stdout.lines().count(), 1, "one line: {self:?}");
        serde_json::from_str(&self.stdout).unwrap_or_else(|e| panic!("{e}: {self:?}"))
    }

    /// The error JSON (asserting the exit status), from the last line of stderr.
    fn err(&self, status: i32) -> Value {
        assert_eq!(self.status, status, "{self:?}");
        assert!(self.stdout.is_empty(), "{self:?}");
        let last = self.stderr.lines().last().unwrap_or_default();
        let v: Value = serde_json::from_str(last).unwrap_or_else(|e| panic!("{e}: {self:?}"));
        assert_eq!(v.as_object().unwrap().len(), 9, "the error JSON: {v}");
        v
    }
}

fn run(mut cmd: Command) -> Run {
    let out = cmd.output().unwrap();
    Run {
        status: out.status.code().expect("exited"),
        stdout: String::from_utf8(out.stdout).unwrap(),
        stderr: String::from_utf8(out.stderr).unwrap(),
    }
}

fn run_with_stdin(mut cmd: Command, input: &[u8]) -> Run {
    let mut child = cmd.stdin(Stdio::piped()).stdout(Stdio::piped()).stderr(Stdio::piped()).spawn().unwrap();
    child.stdin.take().unwrap().write_all(input).unwrap();
    let out = child.wait_with_output().unwrap();
    Run {
        status: out.status.code().expect("exited"),
        stdout: String::from_utf8(out.stdout).unwrap(),
        stderr: String::from_utf8(out.stderr).unwrap(),
    }
}

fn unix_now() -> u64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs()
}

#[test]
fn end_call_ends_a_call_and_a_second_time_it_is_not_found() {
    let w = World::new();
    let id = w.call(json!({"caller": "alice", "callees": ["bob"]}));
    let out = w.run(&["end-call", "--call-id", &id]).ok();
    assert!(out["RequestId"].is_string(), "{out}");
    assert_eq!(w.sb.state()["calls"], json!([]));
    // NotFound (302) is a Tencent answer: exit 5.
    let e = w.run(&["end-call", "--call-id", &id]).err(5);
    assert_eq!((e["code"].as_i64(), e["name"].as_str()), (Some(302), Some("TCCALL_E_NOT_FOUND")));
    assert_eq!(e["service_code"], "101004");
    assert!(e["request_id"].is_string());
}

#[test]
fn call_info_is_get_call_info_and_flags_override_json() {
    let w = World::new();
    let id = w.call(json!({"caller": "alice", "callees": ["bob"], "room_id": 4321, "room_id_type": 1}));
    let info = w.run(&["call-info", "--call-id", &id]).ok();
    assert_eq!(info["CallInfo"]["CallId"], id.as_str());
    assert_eq!((info["CallInfo"]["RoomId"].as_str(), info["CallInfo"]["RoomIdType"].as_u64()), (Some("4321"), Some(1)));
    assert_eq!(w.run(&["get-call-info", "--call-id", &id]).ok()["CallInfo"], info["CallInfo"]);
    // --json gives the request, a flag overrides its field.
    let req = json!({"CallId": "not-this-one"}).to_string();
    assert_eq!(w.run(&["call-info", "--json", &req, "--call-id", &id]).ok()["CallInfo"]["CallId"], id.as_str());
    // @FILE and stdin.
    let file = w.dir.file("req.json", json!({"CallId": id}).to_string().as_bytes());
    assert_eq!(w.run(&["call-info", "--json", &format!("@{file}")]).ok()["CallInfo"]["CallId"], id.as_str());
    let mut cmd = tccall(&["--config", &w.config, "call-info", "--json", "-"]);
    cmd.stdout(Stdio::piped());
    let out = run_with_stdin(cmd, json!({"CallId": id}).to_string().as_bytes()).ok();
    assert_eq!(out["CallInfo"]["CallId"], id.as_str());
    // --pretty indents the same result.
    let pretty = w.run(&["--pretty", "call-info", "--call-id", &id]);
    assert_eq!(pretty.status, 0);
    assert!(pretty.stdout.contains("\n  \"CallInfo\": {"), "{}", pretty.stdout);
    assert_eq!(serde_json::from_str::<Value>(&pretty.stdout).unwrap()["CallInfo"], info["CallInfo"]);
}

#[test]
fn terminate_call_ends_the_call_and_dismisses_its_room() {
    let w = World::new();
    let id = w.call(json!({"caller": "alice", "callees": ["bob"], "room_id": 9001, "room_id_type": 1}));
    assert_eq!(w.rooms(), vec![json!(9001)]);
    let out = w.run(&["terminate-call", "--call-id", &id]).ok();
    assert_eq!(out["call_id"], id.as_str());
    let steps: Vec<&str> = out["steps"].as_array().unwrap().iter().map(|s| s["step"].as_str().unwrap()).collect();
    assert!(steps.contains(&"end_call") && steps.contains(&"dismiss_room"), "{out}");
    assert_eq!(w.sb.state()["calls"], json!([]));
    assert_eq!(w.rooms(), Vec::<Value>::new());
    // --dismiss-room false keeps the room (one that was there before the call).
    w.sb.control("POST", "/_sandbox/rooms", &json!({"room_id": "keep-me", "users": ["carol"]}));
    let id = w.call(json!({"caller": "alice", "callees": ["bob"], "room_id": "keep-me"}));
    w.run(&["terminate-call", "--call-id", &id, "--dismiss-room", "false"]).ok();
    assert_eq!(w.rooms(), vec![json!("keep-me")]);
    // The flag alone means true.
    let id = w.call(json!({"caller": "alice", "callees": ["bob"], "room_id": "keep-me"}));
    w.run(&["terminate-call", "--call-id", &id, "--dismiss-room"]).ok();
    assert_eq!(w.rooms(), Vec::<Value>::new());
}

#[test]
fn dismiss_room_takes_numeric_and_string_rooms() {
    let w = World::new();
    for room in [json!(1234), json!("1234"), json!("r-1")] {
        let (status, v) = w.sb.control("POST", "/_sandbox/rooms", &json!({"room_id": room, "users": ["u"]}));
        assert_eq!(status, 200, "{v}");
    }
    // Digits are the numeric room; its string twin stays.
    w.run(&["dismiss-room", "--room-id", "1234"]).ok();
    assert_eq!(w.rooms(), vec![json!("1234"), json!("r-1")]);
    // RoomIdType 2 names the string room of the digits.
    w.run(&["dismiss-room", "--room-id", "1234", "--room-id-type", "2"]).ok();
    w.run(&["dismiss-room", "--room-id", "r-1"]).ok();
    assert_eq!(w.rooms(), Vec::<Value>::new());
    let e = w.run(&["dismiss-room", "--room-id", "1234"]).err(5);
    assert_eq!((e["code"].as_i64(), e["service_code"].as_str()), (Some(302), Some("FailedOperation.RoomNotExist")));
}

#[test]
fn usersig_gen_then_verify() {
    let w = World::new();
    let gen = w.run(&["usersig", "gen", "--user-id", "alice", "--expire-s", "600"]).ok();
    let sig = gen["usersig"].as_str().unwrap();
    assert!(gen["expire_at"].as_u64().unwrap() >= unix_now() + 590);
    let v = w.run(&["usersig", "verify", "--user-id", "alice", "--usersig", sig]).ok();
    assert_eq!(v["valid"], true);
    assert_eq!(v["expire_at"], gen["expire_at"]);
    // The generated subcommands are the same operations.
    let req = w.dir.file("verify.json", json!({"user_id": "alice", "usersig": sig}).to_string().as_bytes());
    assert_eq!(w.run(&["verify-usersig", "--json", &format!("@{req}")]).ok()["valid"], true);
    assert!(w.run(&["gen-usersig", "--user-id", "bob"]).ok()["usersig"].is_string());
    // Another user's, or an expired one, is an auth error: exit 6.
    let e = w.run(&["usersig", "verify", "--user-id", "bob", "--usersig", sig]).err(6);
    assert_eq!(e["code"], 403);
    assert!(!e.to_string().contains(sig), "the sig is not echoed: {e}");
    let late = (unix_now() + 3600).to_string();
    let e = w.run(&["usersig", "verify", "--user-id", "alice", "--usersig", sig, "--now", &late]).err(6);
    assert_eq!(e["code"], 402);
}

/// An IM-protocol callback query, signed as Tencent signs it: sha256(token + RequestTime).
fn im_query(app: u64, token: &str, time: u64) -> String {
    use sha2::{Digest, Sha256};
    let sign: String = Sha256::digest(format!("{token}{time}")).iter().map(|b| format!("{b:02x}")).collect();
    format!(
        "SdkAppid={app}&CallbackCommand=Call.CallbackAfterEndCall&contenttype=json&ClientIP=127.0.0.1\
         &OptPlatform=RESTAPI&RequestTime={time}&Sign={sign}"
    )
}

const END_BODY: &str = r#"{"CallbackCommand":"Call.CallbackAfterEndCall","CallRecord":{"CallId":"c-1","Caller_Account":"alice","MediaType":"Audio","CallType":"SingleCall","StartTime":1741231146,"EndTime":1741231296,"AcceptTime":0,"CallResult":"NotAnswer","CalleeList_Account":["alice","bob"],"RoomId":"r-1","RoomIdType":2},"EventTime":1703589922780}"#;

#[test]
fn webhook_verify_checks_im_signatures() {
    let w = World::new();
    let body = w.dir.file("body.json", END_BODY.as_bytes());
    let query = im_query(w.app(), TOKEN, unix_now());
    let v = w.run(&["webhook", "verify", "--query", &query, "--body-file", &body]).ok();
    assert_eq!(
        (v["command"].as_str(), v["signature_verified"].as_bool()),
        (Some("Call.CallbackAfterEndCall"), Some(true))
    );
    assert_eq!(v["event"]["CallRecord"]["CallResult"], "NotAnswer");
    // The body inline and from stdin.
    assert_eq!(w.run(&["webhook", "verify", "--query", &query, "--body", END_BODY]).ok()["command"], v["command"]);
    let cmd = tccall(&["--config", &w.config, "webhook", "verify", "--query", &query, "--body-file", "-"]);
    assert_eq!(run_with_stdin(cmd, END_BODY.as_bytes()).ok()["event"], v["event"]);
    // Another token's Sign, a stale RequestTime, another app: webhook errors, exit 7.
    let forged = im_query(w.app(), "another-token", unix_now());
    assert_eq!(w.run(&["webhook", "verify", "--query", &forged, "--body-file", &body]).err(7)["code"], 501);
    let stale = im_query(w.app(), TOKEN, unix_now() - 3600);
    assert_eq!(w.run(&["webhook", "verify", "--query", &stale, "--body-file", &body]).err(7)["code"], 502);
    let other = im_query(w.app() + 1, TOKEN, unix_now());
    assert_eq!(w.run(&["webhook", "verify", "--query", &other, "--body-file", &body]).err(7)["code"], 503);
    // A missing body file is an input error.
    let e = w.run(&["webhook", "verify", "--query", &query, "--body-file", "/nonexistent/body.json"]).err(3);
    assert_eq!(e["code"], 104);
}

#[test]
fn webhook_verify_checks_trtc_signatures() {
    use base64::Engine;
    use hmac::{Hmac, Mac};
    let w = World::new();
    let body = format!(
        "{{\"EventGroupId\":1,\"EventType\":103,\"CallbackTs\":{ts},\"EventInfo\":{{\"RoomId\":9001,\"EventTs\":{ts},\
         \"UserId\":\"alice\",\"UniqueId\":1,\"Role\":20,\"TerminalType\":3,\"UserType\":3,\"Reason\":1}}}}",
        ts = unix_now() * 1000
    );
    let mut mac = Hmac::<sha2::Sha256>::new_from_slice(TRTC_KEY.as_bytes()).unwrap();
    mac.update(body.as_bytes());
    let sign = base64::engine::general_purpose::STANDARD.encode(mac.finalize().into_bytes());
    let file = w.dir.file("trtc.json", body.as_bytes());
    let app = w.app().to_string();
    let v = w.run(&["webhook", "verify", "--trtc", "--sign", &sign, "--sdk-app-id", &app, "--body-file", &file]).ok();
    assert_eq!((v["name"].as_str(), v["signature_verified"].as_bool()), (Some("enter_room"), Some(true)), "{v}");
    // A changed body no longer matches its Sign; another app is refused.
    let changed = w.dir.file("changed.json", body.replace("alice", "mallory").as_bytes());
    let e = w.run(&["webhook", "verify", "--trtc", "--sign", &sign, "--sdk-app-id", &app, "--body-file", &changed]);
    assert_eq!(e.err(7)["code"], 501);
    let e = w.run(&["webhook", "verify", "--trtc", "--sign", &sign, "--sdk-app-id", "1", "--body-file", &file]);
    assert_eq!(e.err(7)["code"], 503);
    // --sign without --trtc, or neither --query nor --trtc, is a usage error.
    assert_eq!(w.run(&["webhook", "verify", "--sign", &sign, "--body", "{}"]).status, 2);
    assert_eq!(w.run(&["webhook", "verify", "--body", "{}"]).status, 2);
}

#[test]
fn im_and_cloud_send_raw_requests() {
    let w = World::new();
    let id = w.call(json!({"caller": "alice", "callees": ["bob"]}));
    let body = json!({"CallId": id}).to_string();
    let out = w.run(&["im", "v4/call_engine_http_srv/get_call_info", "--json", &body]).ok();
    assert_eq!(out["CallInfo"]["CallId"], id.as_str(), "{out}");
    // A path the gateway does not serve is Tencent's answer (exit 5); a malformed one never leaves.
    assert_eq!(w.run(&["im", "v4/openim/querystate", "--json", r#"{"To_Account": ["alice"]}"#]).err(5)["code"], 301);
    assert_eq!(w.run(&["im", "v4/../querystate"]).err(3)["code"], 104);

    w.sb.control("POST", "/_sandbox/rooms", &json!({"room_id": 5678, "users": ["u"]}));
    let params = json!({"SdkAppId": w.app(), "RoomId": 5678}).to_string();
    let out = w.run(&["cloud", "trtc", "DismissRoom", "--json", &params]).ok();
    assert!(out["RequestId"].is_string(), "{out}");
    assert_eq!(w.rooms(), Vec::<Value>::new());
    // The sandbox serves six TRTC actions: DescribeRoomInfo passes the TC3 check, then is refused.
    let e = w.run(&["cloud", "trtc", "DescribeRoomInfo", "--json", &params, "--api-version", "2019-07-22"]).err(5);
    assert_eq!((e["code"].as_i64(), e["service_code"].as_str()), (Some(301), Some("InvalidAction")));
    // The generated subcommand of the same operation.
    w.sb.control("POST", "/_sandbox/rooms", &json!({"room_id": 5679, "users": ["u"]}));
    let params = json!({"SdkAppId": w.app(), "RoomId": 5679}).to_string();
    w.run(&["cloud-api-request", "--action", "DismissRoom", "--params", &params]).ok();
    assert_eq!(w.rooms(), Vec::<Value>::new());
}

#[test]
fn config_comes_from_tccall_config_or_the_environment() {
    let w = World::new();
    let id = w.call(json!({"caller": "alice", "callees": ["bob"]}));
    // TCCALL_CONFIG: a file, then the JSON itself.
    let mut cmd = tccall(&["call-info", "--call-id", &id]);
    cmd.env("TCCALL_CONFIG", &w.config);
    assert_eq!(run(cmd).ok()["CallInfo"]["CallId"], id.as_str());
    let mut cmd = tccall(&["call-info", "--call-id", &id]);
    cmd.env("TCCALL_CONFIG", w.sb.client_config_json());
    assert_eq!(run(cmd).ok()["CallInfo"]["CallId"], id.as_str());
    // --config wins over TCCALL_CONFIG.
    let mut cmd = tccall(&["--config", &w.config, "call-info", "--call-id", &id]);
    cmd.env("TCCALL_CONFIG", "/nonexistent/config.json");
    assert_eq!(run(cmd).ok()["CallInfo"]["CallId"], id.as_str());
    let mut cmd = tccall(&["call-info", "--call-id", &id]);
    cmd.env("TCCALL_CONFIG", "/nonexistent/config.json");
    assert_eq!(run(cmd).err(3)["code"], 105);

    // The variables, with the Cloud API credentials from Tencent's own.
    let c = w.sb.config();
    let env = |cmd: &mut Command| {
        cmd.env("TCCALL_SDK_APP_ID", c.sdk_app_id.to_string())
            .env("TCCALL_SECRET_KEY", &c.secret_key)
            .env("TCCALL_IM_ENDPOINT", w.sb.base_url())
            .env("TCCALL_CLOUD_API_ENDPOINT", w.sb.base_url())
            .env("TENCENTCLOUD_SECRET_ID", &c.cloud_secret_id)
            .env("TENCENTCLOUD_SECRET_KEY", &c.cloud_secret_key);
    };
    let mut cmd = tccall(&["call-info", "--call-id", &id]);
    env(&mut cmd);
    assert_eq!(run(cmd).ok()["CallInfo"]["CallId"], id.as_str());
    w.sb.control("POST", "/_sandbox/rooms", &json!({"room_id": 77, "users": ["u"]}));
    let mut cmd = tccall(&["dismiss-room", "--room-id", "77"]);
    env(&mut cmd);
    run(cmd).ok();
    assert_eq!(w.rooms(), Vec::<Value>::new());
    // Half of Tencent's pair names the one missing; no config at all says where to put one.
    let mut cmd = tccall(&["dismiss-room", "--room-id", "77"]);
    env(&mut cmd);
    cmd.env_remove("TENCENTCLOUD_SECRET_KEY");
    let e = run(cmd).err(3);
    assert_eq!(e["code"], 105);
    assert!(e["message"].as_str().unwrap().contains("TENCENTCLOUD_SECRET_KEY is not set"), "{e}");
    let e = run(tccall(&["call-info", "--call-id", &id])).err(3);
    assert!(e["message"].as_str().unwrap().contains("--config FILE"), "{e}");
}

#[test]
fn exit_statuses_follow_the_code_block() {
    let w = World::new();
    // Usage errors come from the parser: exit 2, its message on stderr.
    for args in [
        &["end-call", "--bogus"][..],
        &["no-such-command"],
        &["dismiss-room", "--room-id", "1", "--room-id-type", "one"],
        &["end-call", "--call-id"],
        &["--log-level", "loud", "end-call", "--call-id", "x"],
    ] {
        let r = w.run(args);
        assert_eq!(r.status, 2, "{args:?}: {r:?}");
        assert!(r.stdout.is_empty() && r.stderr.contains("error:"), "{r:?}");
    }
    assert_eq!(run(tccall(&[])).status, 2, "no subcommand prints the help and fails");
    // Input errors (1xx): exit 3.
    assert_eq!(w.run(&["end-call", "--json", "{"]).err(3)["code"], 103);
    assert_eq!(w.run(&["end-call", "--json", "@/nonexistent/req.json"]).err(3)["code"], 104);
    assert_eq!(w.run(&["end-call"]).err(3)["message"], "CallId is required in end_call request");
    assert_eq!(w.run(&["end-call", "--json", "[1]", "--call-id", "x"]).err(3)["code"], 104);
    let e = w.run(&["start-call-by-robot", "--robot-account", "r", "--callee-list-account", "a", "--call-info", "{"]);
    assert_eq!(e.err(3)["code"], 103);
    assert_eq!(w.run(&["--deadline-ms", "0", "end-call", "--call-id", "x"]).err(3)["code"], 104);
    // Tencent (3xx): exit 5.
    assert_eq!(w.run(&["end-call", "--call-id", "nope"]).err(5)["code"], 302);
    // Network (2xx): exit 4, with the attempts --max-attempts allows.
    let down = World::with(json!({"im_endpoint": "http://127.0.0.1:1"}));
    let e = down.run(&["end-call", "--call-id", "x"]).err(4);
    assert_eq!((e["code"].as_i64(), e["attempts"].as_u64()), (Some(202), Some(3)));
    let e = down.run(&["--max-attempts", "1", "end-call", "--call-id", "x"]).err(4);
    assert_eq!(e["attempts"], 1);
    // Auth (4xx): exit 6.
    let wrong = World::with(json!({"secret_key": "0".repeat(64)}));
    assert_eq!(wrong.run(&["end-call", "--call-id", "x"]).err(6)["code"], 401);
}

#[test]
fn lists_and_objects_take_their_kind() {
    let w = World::new();
    // A robot call: a list flag (repeated, or comma-separated) and an object flag.
    let out = w
        .run(&[
            "start-call-by-robot",
            "--robot-account",
            "robot",
            "--callee-list-account",
            "alice,bob",
            "--callee-list-account",
            "carol",
            "--call-info",
            r#"{"MediaType": "Video", "RoomId": "777", "RoomIdType": 2}"#,
        ])
        .ok();
    let id = out["CallId"].as_str().unwrap_or_else(|| panic!("{out}"));
    let info = w.run(&["call-info", "--call-id", id]).ok();
    assert_eq!(info["CallInfo"]["MediaType"], "Video");
    let users: Vec<&str> =
        info["UserList"].as_array().unwrap().iter().map(|u| u["User_Account"].as_str().unwrap()).collect();
    assert_eq!(users, ["robot", "alice", "bob", "carol"]);
    // A one-of flag lists its values and refuses others.
    let r = w.run(&["search-call-records", "--call-type", "Triple"]);
    assert_eq!(r.status, 2);
    assert!(r.stderr.contains("SingleCall"), "{r:?}");
}

#[test]
fn log_events_go_to_stderr_as_json_lines() {
    let w = World::new();
    let id = w.call(json!({"caller": "alice", "callees": ["bob"]}));
    let r = w.run(&["--log-level", "debug", "call-info", "--call-id", &id]);
    assert_eq!(r.status, 0, "{r:?}");
    assert_eq!(serde_json::from_str::<Value>(&r.stdout).unwrap()["CallInfo"]["CallId"], id.as_str());
    let events: Vec<Value> = r.stderr.lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    let call = events.iter().find(|e| e["event"] == "call").expect("a call event");
    assert_eq!((call["op"].as_str(), call["outcome"].as_str()), (Some("get_call_info"), Some("ok")));
    assert!(events.iter().any(|e| e["event"] == "admin_usersig_minted"), "{events:?}");
    // Without --log-level, nothing.
    assert!(w.run(&["call-info", "--call-id", &id]).stderr.is_empty());
}

#[test]
fn no_secret_appears_in_the_output_of_failing_runs() {
    let w = World::new();
    let c = w.sb.config().clone();
    let wrong_im = "1".repeat(64);
    let wrong_cloud = "wrong-cloud-secret-key-42";
    let mut secrets = vec![c.secret_key.clone(), c.cloud_secret_key.clone(), TOKEN.into(), TRTC_KEY.into()];
    secrets.extend([wrong_im.clone(), wrong_cloud.into()]);
    let down = World::with(json!({"im_endpoint": "http://127.0.0.1:1", "cloud_api": {
        "secret_id": c.cloud_secret_id, "secret_key": c.cloud_secret_key, "endpoint": "http://127.0.0.1:1"}}));
    let wrong = World::with(json!({"secret_key": wrong_im, "cloud_api": {
        "secret_id": c.cloud_secret_id, "secret_key": wrong_cloud, "endpoint": w.sb.base_url()}}));
    let mut runs = Vec::new();
    for world in [&down, &wrong] {
        for args in [
            &["end-call", "--call-id", "x"][..],
            &["dismiss-room", "--room-id", "1"],
            &["terminate-call", "--call-id", "x"],
        ] {
            let mut all = vec!["--log-level", "debug"];
            all.extend_from_slice(args);
            let r = world.run(&all);
            assert!(r.status >= 3, "{args:?} failed: {r:?}");
            runs.push(r);
        }
    }
    let query = im_query(w.app(), "another-token", unix_now());
    runs.push(w.run(&["--log-level", "debug", "webhook", "verify", "--query", &query, "--body", END_BODY]));
    runs.push(w.run(&["--log-level", "debug", "webhook", "verify", "--trtc", "--sign", "AAAA", "--body", "{}"]));
    // The environment's secrets stay out of errors and help alike.
    let mut cmd = tccall(&["--log-level", "debug", "end-call", "--call-id", "x"]);
    cmd.env("TCCALL_SDK_APP_ID", "1")
        .env("TCCALL_SECRET_KEY", &wrong_im)
        .env("TCCALL_IM_ENDPOINT", "http://127.0.0.1:1");
    runs.push(run(cmd));
    let mut cmd = tccall(&["--help"]);
    cmd.env("TCCALL_SECRET_KEY", &wrong_im).env("TENCENTCLOUD_SECRET_KEY", wrong_cloud);
    runs.push(run(cmd));
    for r in &runs {
        let all = format!("{}{}", r.stdout, r.stderr);
        for secret in &secrets {
            assert!(!all.contains(secret.as_str()), "a secret leaked: {r:?}");
        }
        for marker in ["usersig=", "Authorization", "TC3-HMAC-SHA256 Credential", "Signature="] {
            assert!(!all.contains(marker), "{marker} leaked: {r:?}");
        }
    }
    assert!(runs.iter().any(|r| r.stderr.contains("\"event\":\"attempt_failed\"")), "the runs logged");
}

#[test]
fn operations_prints_the_table() {
    let r = run(tccall(&["operations"]));
    let table: Value = serde_json::from_str(&tccall::api::table_json()).unwrap();
    assert_eq!(r.ok(), table);
}

#[test]
fn every_subcommand_has_help() {
    let top = run(tccall(&["--help"]));
    assert_eq!(top.status, 0, "{top:?}");
    for want in ["Exit status", "3  1xx input", "TCCALL_SDK_APP_ID", "TENCENTCLOUD_SECRET_ID", "call-info"] {
        assert!(top.stdout.contains(want), "{want}: {}", top.stdout);
    }
    for op in tccall::api::OPERATIONS {
        let name = op.name.replace('_', "-");
        let r = run(tccall(&[&name, "--help"]));
        assert_eq!(r.status, 0, "{name}: {r:?}");
        assert!(r.stdout.contains(&format!("Runs the operation {}", op.name)), "{name}: {}", r.stdout);
        assert!(r.stdout.contains("--json <JSON>"), "{name}");
        for field in op.fields {
            assert!(r.stdout.contains(&format!("<{}>", field.name)), "{name} lacks a flag for {}", field.name);
        }
    }
    for args in [
        &["call-info", "--help"][..],
        &["usersig", "--help"],
        &["usersig", "gen", "--help"],
        &["usersig", "verify", "--help"],
        &["webhook", "verify", "--help"],
        &["im", "--help"],
        &["cloud", "--help"],
        &["operations", "--help"],
        &["sandbox", "--help"],
        &["help", "end-call"],
        &["--version"],
    ] {
        let r = run(tccall(args));
        assert_eq!(r.status, 0, "{args:?}: {r:?}");
        assert!(!r.stdout.is_empty(), "{args:?}");
    }
    // The README's exit-status table is the one --help prints.
    let readme = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md")).unwrap();
    let rows: Vec<&str> = top.stdout.lines().skip_while(|l| !l.starts_with("Exit status")).skip(1).collect();
    assert_eq!(rows.len(), 9, "{}", top.stdout);
    for row in rows {
        let (status, meaning) = row.trim().split_once("  ").unwrap();
        assert!(readme.contains(&format!("| {status} | {meaning} |")), "README lacks exit status {status}: {meaning}");
    }
    let dismiss = run(tccall(&["dismiss-room", "--help"])).stdout;
    assert!(dismiss.contains("--room-id <RoomId>") && dismiss.contains("--room-id-type <RoomIdType>"), "{dismiss}");
}

#[test]
fn the_sandbox_subcommand_serves_until_terminated() {
    let dir = Scratch::new();
    let out = dir.0.join("client.json");
    let mut child = tccall(&["sandbox", "--config-out", out.to_str().unwrap()])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let waited = std::time::Instant::now();
    while !out.exists() {
        assert!(waited.elapsed().as_secs() < 20, "the sandbox wrote no config");
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    // The client config it wrote works with the CLI.
    let mut cmd = tccall(&["usersig", "gen", "--user-id", "alice"]);
    cmd.env("TCCALL_CONFIG", &out);
    assert!(run(cmd).ok()["usersig"].is_string());
    let mut cmd = tccall(&["get-callback-config"]);
    cmd.env("TCCALL_CONFIG", &out);
    assert_eq!(run(cmd).err(5)["code"], 302, "no callback is configured in a fresh sandbox");
    // SIGTERM stops it cleanly and removes the file.
    let killed = Command::new("kill").arg(child.id().to_string()).status().unwrap();
    assert!(killed.success());
    let status = child.wait().unwrap();
    assert!(status.success(), "{status:?}");
    let mut stdout = String::new();
    std::io::Read::read_to_string(&mut child.stdout.take().unwrap(), &mut stdout).unwrap();
    assert!(stdout.lines().next().unwrap().starts_with("http://127.0.0.1:"), "{stdout}");
    assert!(!Path::new(&out).exists());
}
