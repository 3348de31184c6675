//! The IM REST gateway (`POST /v4/{service}/{command}?sdkappid=..&identifier=..&usersig=..&random=..&contenttype=json`)
//! and the Call v4 and Desk APIs behind it.
//!
//! Gateway checks, in order, with Tencent's codes: `sdkappid` missing 60012, not this
//! app 70020; `usersig` empty 70002; `identifier` missing 60004; UserSig undecodable
//! 70003, other app 70014, other identifier 70013, wrong key 70009, expired 70001;
//! identifier not an admin 60010; not POST, `random` not a u32, `contenttype` not
//! `json` 60002; body not a JSON object 60003; unknown path 60009; over the per-API
//! rate 60007. Then each API checks its parameters with its own code, refusing only what
//! the docs rule out: `set_callback` stores any `Call.<name>` command (webhooks go out for
//! the three the sandbox emits), `get_session_state` takes any mix of `SessionId`,
//! `ClientUserId` and `CustomerServiceId` (by `SessionId` when given, else the user's newest
//! session; 141004 with neither).

use super::http::{Reply, Request};
use super::state::{self, CallbackConfig, NewCall, RoomKey};
use super::Shared;
use super::{query, verify};
use crate::transport::unix_now;
use serde_json::{json, Map, Value};

/// An IM error: `ErrorCode` and `ErrorInfo`.
#[derive(Debug)]
pub struct ImError {
    code: i64,
    info: String,
}

fn fail<T>(code: i64, info: impl Into<String>) -> Result<T, ImError> {
    Err(ImError { code, info: info.into() })
}

/// Where an API puts its data: Call v4 under `Response`, Desk at the top level.
enum Payload {
    Empty,
    Response(Value),
    Top(Map<String, Value>),
}

/// What a handled request produced, for the reply and the log.
pub struct Handled {
    /// The HTTP reply.
    pub reply: Reply,
    /// `ErrorCode` (0 on success).
    pub code: i64,
    /// `RequestId`.
    pub request_id: String,
}

/// An IM `RequestId` shaped like Tencent's (`Id-<32 hex>-O-Seq-<n>`).
pub fn request_id() -> String {
    use std::sync::atomic::{AtomicU64, Ordering};
    static SEQ: AtomicU64 = AtomicU64::new(1);
    format!("Id-{}-O-Seq-{}", state::uuid().replace('-', ""), SEQ.fetch_add(1, Ordering::Relaxed))
}

/// The envelope of an error (used for injected errors too).
pub fn error_reply(code: i64, info: &str, request_id: &str) -> Reply {
    Reply::json(200, &json!({"ActionStatus": "FAIL", "ErrorCode": code, "ErrorInfo": info, "RequestId": request_id}))
}

/// Answers one IM REST request.
pub fn handle(sh: &Shared, req: &Request) -> Handled {
    let request_id = request_id();
    let path = req.path.trim_start_matches('/');
    match gateway(sh, req, path).and_then(|(api, body)| route(sh, api, &body)) {
        Ok(payload) => {
            let mut env = json!({"ActionStatus": "OK", "ErrorCode": 0, "ErrorInfo": "", "RequestId": request_id});
            match payload {
                Payload::Empty => {}
                Payload::Response(v) => env["Response"] = v,
                Payload::Top(m) => env.as_object_mut().expect("an object").extend(m),
            }
            Handled { reply: Reply::json(200, &env), code: 0, request_id }
        }
        Err(e) => Handled { reply: error_reply(e.code, &e.info, &request_id), code: e.code, request_id },
    }
}

/// Authenticates the request and returns its body object.
fn gateway(sh: &Shared, req: &Request, path: &str) -> Result<(&'static Api, Map<String, Value>), ImError> {
    let cfg = &sh.config;
    let Some(params) = query::pairs(&req.query) else { return fail(60002, "the URL query could not be parsed") };
    let get = |k: &str| query::get(&params, k);
    let app = match get("sdkappid") {
        None | Some("") => return fail(60012, "sdkappid is missing from the URL"),
        Some(a) => a,
    };
    if app.parse::<u64>().ok() != Some(cfg.sdk_app_id) {
        return fail(70020, format!("SDKAppID {app} does not exist (wrong data-center domain?)"));
    }
    let sig = get("usersig").unwrap_or("");
    if sig.trim().is_empty() {
        return fail(70002, "usersig is empty");
    }
    let identifier = match get("identifier") {
        None | Some("") => return fail(60004, "identifier is missing from the URL"),
        Some(i) => i,
    };
    // Any accepted key will do (during a rotation there are two); the current one's refusal is reported.
    let keys = sh.keys();
    let checks =
        keys.im().iter().map(|key| verify::usersig::check(sig, cfg.sdk_app_id, key, identifier, sh.auth_now()));
    if let Err((code, why)) = checks.reduce(|first, next| first.or(next)).expect("at least one key") {
        return fail(code, why);
    }
    if !cfg.admins.iter().any(|a| a == identifier) {
        return fail(60010, format!("{identifier} is not an App administrator; this request needs admin rights"));
    }
    if req.method != "POST" {
        return fail(60002, format!("{} is not supported; the REST API takes POST only", req.method));
    }
    if get("random").and_then(|r| r.parse::<u32>().ok()).is_none() {
        return fail(60002, "random must be an unsigned 32-bit integer");
    }
    if get("contenttype") != Some("json") {
        return fail(60002, "contenttype must be json");
    }
    let body = match serde_json::from_slice::<Value>(&req.body) {
        Ok(Value::Object(m)) => m,
        _ => return fail(60003, "the request body is not a JSON object (send {} for no parameters)"),
    };
    let Some(api) = api(path) else {
        return fail(60009, format!("{path} is not a REST API; check the URL path"));
    };
    if sh.over_limit(path, cfg.im_per_second) {
        return fail(60007, format!("REST API frequency limit exceeded ({}/s for {path})", cfg.im_per_second));
    }
    Ok((api, body))
}

/// A REST API the sandbox serves: its path, its private invalid-parameter code, and what
/// it does to the world.
struct Api {
    /// The URL path, e.g. `v4/call_engine_http_srv/end_call`.
    path: &'static str,
    code: i64,
    run: fn(&Body<'_>, &mut state::World, u64, u64) -> Result<Payload, ImError>,
}

/// Every IM REST API served: the one table of paths.
const APIS: &[Api] = &[
    Api { path: "v4/call_engine_http_srv/end_call", code: 101002, run: end_call },
    Api { path: "v4/call_engine_http_srv/get_call_info", code: 101002, run: get_call_info },
    Api { path: "v4/call_engine_http_srv/start_call_by_robot", code: 101002, run: start_call_by_robot },
    Api { path: "v4/call_record_http_srv/get_record_by_callid", code: 101002, run: record_by_callid },
    Api { path: "v4/call_record_http_srv/get_record_by_filter", code: 101002, run: records_by_filter },
    Api { path: "v4/call_config/set_callback", code: 100002, run: set_callback },
    Api { path: "v4/call_config/get_callback", code: 100002, run: get_callback },
    Api { path: "v4/call_config/delete_callback", code: 100002, run: delete_callback },
    Api { path: "v4/desk_http_svc/end_session", code: 141004, run: end_session },
    Api { path: "v4/desk_http_svc/get_session_state", code: 141004, run: session_state },
    Api { path: "v4/desk_http_svc/describe_im_cdr_list", code: 141004, run: cdr_list },
];

fn api(path: &str) -> Option<&'static Api> {
    APIS.iter().find(|a| a.path == path)
}

/// Typed reads of body fields; a wrong type or a missing required field is the
/// API's invalid-parameter code.
struct Body<'a> {
    map: &'a Map<String, Value>,
    code: i64,
}

impl<'a> Body<'a> {
    fn opt_str(&self, k: &str) -> Result<Option<&'a str>, ImError> {
        match self.map.get(k) {
            None => Ok(None),
            Some(Value::String(s)) => Ok(Some(s)),
            Some(_) => fail(self.code, format!("{k} must be a string")),
        }
    }

    fn req_str(&self, k: &str) -> Result<&'a str, ImError> {
        match self.opt_str(k)? {
            Some(s) if !s.is_empty() => Ok(s),
            _ => fail(self.code, format!("{k} is required")),
        }
    }

    fn opt_int(&self, k: &str) -> Result<Option<i64>, ImError> {
        match self.map.get(k) {
            None => Ok(None),
            Some(v) => match v.as_i64() {
                Some(n) => Ok(Some(n)),
                None => fail(self.code, format!("{k} must be an integer")),
            },
        }
    }

    fn str_list(&self, k: &str, required: bool) -> Result<Option<Vec<String>>, ImError> {
        match self.map.get(k) {
            None if required => fail(self.code, format!("{k} is required")),
            None => Ok(None),
            Some(Value::Array(items)) => {
                let mut out = Vec::with_capacity(items.len());
                for item in items {
                    match item.as_str() {
                        Some(s) if !s.is_empty() => out.push(s.to_string()),
                        _ => return fail(self.code, format!("{k} must be an array of non-empty strings")),
                    }
                }
                Ok(Some(out))
            }
            Some(_) => fail(self.code, format!("{k} must be an array of strings")),
        }
    }
}

fn route(sh: &Shared, api: &Api, body: &Map<String, Value>) -> Result<Payload, ImError> {
    let b = Body { map: body, code: api.code };
    let (now, now_ms) = (unix_now(), super::log::now_ms());
    sh.with_world(|world| (api.run)(&b, world, now, now_ms))
}

fn end_call(b: &Body<'_>, world: &mut state::World, now: u64, now_ms: u64) -> Result<Payload, ImError> {
    let id = b.req_str("CallId")?;
    world
        .end_call(id, None, now, now_ms)
        .map(|_| Payload::Empty)
        .or_else(|_| fail(101004, format!("call {id} does not exist or has ended")))
}

fn get_call_info(b: &Body<'_>, world: &mut state::World, _: u64, _: u64) -> Result<Payload, ImError> {
    let id = b.req_str("CallId")?;
    match world.call_info(id) {
        Some(info) => Ok(Payload::Response(info)),
        None => fail(101004, format!("call {id} does not exist or has ended")),
    }
}

fn record_by_callid(b: &Body<'_>, world: &mut state::World, _: u64, _: u64) -> Result<Payload, ImError> {
    let id = b.req_str("CallId")?;
    match world.record(id) {
        Some(r) => Ok(Payload::Response(json!({"CallRecord": r}))),
        None => fail(101050, format!("no record of call {id}")),
    }
}

fn set_callback(b: &Body<'_>, world: &mut state::World, _: u64, _: u64) -> Result<Payload, ImError> {
    let url = b.req_str("Url")?;
    if !(url.starts_with("http://") || url.starts_with("https://")) {
        return fail(100002, "Url must start with http:// or https://");
    }
    let mut commands = b.str_list("CallbackCommandList", true)?.unwrap_or_default();
    if commands.is_empty() {
        return fail(100002, "CallbackCommandList must not be empty");
    }
    // Any `Call.` command is stored (the list may grow); webhooks go out only for the
    // ones the sandbox emits (state::CALLBACK_COMMANDS).
    if let Some(bad) = commands.iter().find(|c| !state::is_call_command(c)) {
        return fail(100002, format!("{bad} is not a Call callback command (Call.<name>)"));
    }
    let mut seen = std::collections::HashSet::new();
    commands.retain(|c| seen.insert(c.clone()));
    world.callback = Some(CallbackConfig { url: url.into(), commands });
    Ok(Payload::Empty)
}

fn get_callback(_: &Body<'_>, world: &mut state::World, _: u64, _: u64) -> Result<Payload, ImError> {
    match &world.callback {
        Some(c) => Ok(Payload::Response(json!({"Url": c.url, "CallbackCommandList": c.commands}))),
        None => fail(100301, "the callback configuration does not exist; create it first"),
    }
}

fn delete_callback(_: &Body<'_>, world: &mut state::World, _: u64, _: u64) -> Result<Payload, ImError> {
    world.callback = None;
    Ok(Payload::Empty)
}

fn end_session(b: &Body<'_>, world: &mut state::World, now: u64, now_ms: u64) -> Result<Payload, ImError> {
    let id = b.req_str("SessionId")?;
    world
        .end_session(id, now, now_ms)
        .map(|_| Payload::Empty)
        .or_else(|_| fail(141005, format!("session {id} does not exist or has already finished")))
}

fn start_call_by_robot(b: &Body<'_>, world: &mut state::World, now: u64, now_ms: u64) -> Result<Payload, ImError> {
    let code = b.code;
    let robot = b.req_str("Robot_Account")?;
    let callees = b.str_list("CalleeList_Account", true)?.unwrap_or_default();
    if callees.is_empty() {
        return fail(code, "CalleeList_Account must not be empty");
    }
    if robot.len() > 32 || callees.iter().any(|c| c.len() > 32) {
        return fail(code, "a UserID is longer than 32 bytes");
    }
    match b.opt_int("Timeout")? {
        Some(t) if (10_000..=600_000).contains(&t) => {}
        Some(_) => return fail(code, "Timeout must be 10000..600000 (milliseconds)"),
        None => return fail(code, "Timeout is required"),
    }
    if b.opt_str("UserData")?.is_some_and(|u| u.len() > 1000) {
        return fail(code, "UserData must be at most 1000 bytes");
    }
    if b.map.get("OfflinePushInfo").is_some_and(|v| !v.is_object()) {
        return fail(code, "OfflinePushInfo must be an object");
    }
    let info = match b.map.get("CallInfo") {
        Some(Value::Object(m)) => Body { map: m, code },
        Some(_) => return fail(code, "CallInfo must be an object"),
        None => return fail(code, "CallInfo is required"),
    };
    let media =
        info.req_str("MediaType").map_err(|_| ImError { code, info: "CallInfo.MediaType is required".into() })?;
    if media != "Audio" && media != "Video" {
        return fail(code, "CallInfo.MediaType must be Audio or Video");
    }
    let room_id = info.opt_str("RoomId")?.unwrap_or("");
    let room = match (room_id, info.opt_int("RoomIdType")?) {
        ("", None) => None,
        ("", Some(_)) => return fail(code, "CallInfo.RoomIdType is given without CallInfo.RoomId"),
        (id, Some(1)) => match state::numeric_room(id) {
            Some(n) if n <= 4_294_967_294 => Some(RoomKey::Num(n)),
            _ => {
                return fail(
                    code,
                    "CallInfo.RoomId must be a number 1..4294967294 (decimal digits, no sign or leading zero) \
                     when RoomIdType is 1",
                )
            }
        },
        // A RoomId without RoomIdType is taken as a string room.
        (id, Some(2) | None) => Some(RoomKey::Str(id.into())),
        (_, Some(_)) => return fail(code, "CallInfo.RoomIdType must be 1 (numeric) or 2 (string)"),
    };
    let mut unique: Vec<String> = Vec::with_capacity(callees.len());
    for c in callees {
        if c != robot && !unique.contains(&c) {
            unique.push(c);
        }
    }
    if unique.is_empty() {
        return fail(code, "CalleeList_Account needs a callee other than Robot_Account");
    }
    let new = NewCall {
        caller: robot.into(),
        callees: unique.clone(),
        media_type: media.into(),
        room,
        group_id: String::new(),
    };
    let call_id = world.create_call(new, now, now_ms);
    let results: Vec<Value> = unique.iter().map(|c| json!({"Callee_Account": c, "ResultCode": 0})).collect();
    Ok(Payload::Response(json!({"CallId": call_id, "CallResult": results})))
}

fn records_by_filter(b: &Body<'_>, world: &mut state::World, now: u64, _: u64) -> Result<Payload, ImError> {
    let code = b.code;
    let week_ago = now.saturating_sub(7 * 86_400);
    let non_neg = |k: &str| -> Result<Option<u64>, ImError> {
        match b.opt_int(k)? {
            Some(n) if n < 0 => fail(code, format!("{k} must not be negative")),
            other => Ok(other.map(|n| n as u64)),
        }
    };
    // Older starts are silently raised to seven days ago, as documented.
    let start = non_neg("StartTime")?.unwrap_or(week_ago).max(week_ago);
    let end = non_neg("EndTime")?.unwrap_or(now);
    let per_page = non_neg("NumberPerPage")?.unwrap_or(10);
    let page = non_neg("Page")?.unwrap_or(1);
    if !(1..=1000).contains(&per_page) {
        return fail(code, "NumberPerPage must be 1..1000");
    }
    if page < 1 {
        return fail(code, "Page must be at least 1");
    }
    let result = b.opt_str("CallResult")?;
    if result.is_some_and(|r| !super::state::CALL_RESULTS.contains(&r)) {
        return fail(code, "CallResult is not a known call result");
    }
    let call_type = b.opt_str("CallType")?;
    if call_type.is_some_and(|t| t != "SingleCall" && t != "MultiCall") {
        return fail(code, "CallType must be SingleCall or MultiCall");
    }
    let all = world.records(start, end, result, call_type);
    if all.is_empty() {
        return fail(101050, "no call records match");
    }
    let skip = (page - 1).saturating_mul(per_page) as usize;
    let list: Vec<Value> = all.iter().skip(skip).take(per_page as usize).cloned().collect();
    Ok(Payload::Response(json!({"TotalNum": all.len(), "Page": page, "CallRecordList": list})))
}

fn session_state(b: &Body<'_>, world: &mut state::World, _: u64, _: u64) -> Result<Payload, ImError> {
    let id = b.opt_str("SessionId")?.filter(|s| !s.is_empty());
    let client = b.opt_str("ClientUserId")?.filter(|s| !s.is_empty());
    let service = b.opt_str("CustomerServiceId")?.filter(|s| !s.is_empty());
    // All three ids are optional on the page and a mix is not forbidden: SessionId wins when
    // given, else the user's newest session (with that customer-service account if named).
    let session = match (id, client) {
        (Some(id), _) => match world.session(id) {
            Some(s) => Some(s),
            None => return fail(141005, format!("session {id} does not exist")),
        },
        (None, Some(c)) => world.session_of(c, service),
        (None, None) => return fail(141004, "give SessionId or ClientUserId"),
    };
    let mut top = Map::new();
    let (sid, state, agent) = match session {
        Some(s) => {
            let (state, agent) = s.state_json();
            (s.id.clone(), state, agent)
        }
        None => (String::new(), "NotInSession".into(), String::new()),
    };
    top.insert("SessionId".into(), sid.into());
    top.insert("CurrentState".into(), state.into());
    top.insert("AgentId".into(), agent.into());
    Ok(Payload::Top(top))
}

fn cdr_list(b: &Body<'_>, world: &mut state::World, _: u64, _: u64) -> Result<Payload, ImError> {
    let code = b.code;
    let ts = |k: &str| -> Result<u64, ImError> {
        match b.opt_int(k)? {
            Some(n) if n >= 0 => Ok(n as u64),
            Some(_) => fail(code, format!("{k} must not be negative")),
            None => fail(code, format!("{k} is required")),
        }
    };
    let (start, end) = (ts("StartTimestamp")?, ts("EndTimestamp")?);
    if start > end {
        return fail(code, "StartTimestamp is after EndTimestamp");
    }
    let limit = b.opt_int("Limit")?.unwrap_or(20);
    if !(1..=100).contains(&limit) {
        return fail(code, "Limit must be 1..100");
    }
    let offset = b.opt_int("Offset")?.unwrap_or(0);
    if offset < 0 {
        return fail(code, "Offset must not be negative");
    }
    let client = b.opt_str("ClientUserId")?.filter(|s| !s.is_empty());
    let all = world.cdrs(start, end, client);
    let page: Vec<Value> = all.iter().skip(offset as usize).take(limit as usize).cloned().collect();
    let mut top = Map::new();
    top.insert("TotalCount".into(), all.len().into());
    top.insert("IMCdrList".into(), page.into());
    Ok(Payload::Top(top))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sandbox::state::{Session, World};

    fn run(world: &mut World, path: &str, body: Value) -> Result<Payload, ImError> {
        let map = body.as_object().expect("an object").clone();
        let api = api(path).expect("a served path");
        (api.run)(&Body { map: &map, code: api.code }, world, unix_now(), crate::sandbox::log::now_ms())
    }

    fn code(r: Result<Payload, ImError>) -> i64 {
        r.err().map_or(0, |e| e.code)
    }

    #[test]
    fn set_callback_takes_any_call_command() {
        let mut w = World::default();
        let path = "v4/call_config/set_callback";
        let list = json!(["Call.CallbackAfterEndCall", "Call.CallbackAfterSomethingNew", "Call.CallbackAfterEndCall"]);
        assert_eq!(code(run(&mut w, path, json!({"Url": "https://h/cb", "CallbackCommandList": list}))), 0);
        let stored = &w.callback.as_ref().unwrap().commands;
        assert_eq!(stored, &["Call.CallbackAfterEndCall", "Call.CallbackAfterSomethingNew"]);
        for bad in [json!(["Desk.SessionEventNotify"]), json!(["Call."]), json!(["call.X"]), json!([]), json!([1])] {
            assert_eq!(code(run(&mut w, path, json!({"Url": "https://h", "CallbackCommandList": bad}))), 100002);
        }
        assert_eq!(code(run(&mut w, path, json!({"Url": "ftp://h", "CallbackCommandList": ["Call.X"]}))), 100002);
        // Only listed commands the sandbox emits produce webhooks: the end, not the start.
        let new = NewCall {
            caller: "a".into(),
            callees: vec!["b".into()],
            media_type: "Audio".into(),
            room: None,
            group_id: String::new(),
        };
        let id = w.create_call(new, 1, 1);
        w.end_call(&id, None, 2, 2).unwrap();
        assert_eq!(w.outbox.len(), 1, "only the end webhook");
    }

    fn session(id: &str, client: &str, service: &str, state: &str) -> Session {
        Session {
            id: id.into(),
            client_user_id: client.into(),
            customer_service_id: service.into(),
            state: state.into(),
            agent_id: "agent@x".into(),
            agent_group_id: "1".into(),
            agent_group_name: "g".into(),
            nick_name: String::new(),
            start_time: 1,
            end_time: None,
            end_status: String::new(),
        }
    }

    #[test]
    fn get_session_state_takes_any_mix_of_ids() {
        let mut w = World::default();
        w.add_session(session("s1", "u1", "@cs1", "Agent")).unwrap();
        w.add_session(session("s2", "u1", "@cs2", "Chatbot")).unwrap();
        let path = "v4/desk_http_svc/get_session_state";
        let state = |w: &mut World, body: Value| match run(w, path, body) {
            Ok(Payload::Top(m)) => (m["SessionId"].clone(), m["CurrentState"].clone()),
            Ok(_) => panic!("top-level fields"),
            Err(e) => (json!(e.code), Value::Null),
        };
        assert_eq!(state(&mut w, json!({"SessionId": "s1"})), (json!("s1"), json!("Agent")));
        // SessionId wins over the other ids.
        assert_eq!(
            state(&mut w, json!({"SessionId": "s1", "ClientUserId": "u1", "CustomerServiceId": "@cs2"})).0,
            "s1"
        );
        assert_eq!(state(&mut w, json!({"SessionId": "nope", "ClientUserId": "u1"})).0, 141005);
        // ClientUserId alone: the user's newest session; with CustomerServiceId: that account's.
        assert_eq!(state(&mut w, json!({"ClientUserId": "u1"})), (json!("s2"), json!("Chatbot")));
        assert_eq!(state(&mut w, json!({"ClientUserId": "u1", "CustomerServiceId": "@cs1"})).0, "s1");
        assert_eq!(state(&mut w, json!({"ClientUserId": "u9"})), (json!(""), json!("NotInSession")));
        assert_eq!(state(&mut w, json!({"CustomerServiceId": "@cs1"})).0, 141004);
        assert_eq!(state(&mut w, json!({})).0, 141004);
        assert_eq!(state(&mut w, json!({"SessionId": "", "ClientUserId": ""})).0, 141004);
    }
}
