//! The emulated world: live calls, call records, TRTC rooms, Desk sessions and the
//! webhook configuration. Every change that Tencent would report by webhook queues
//! a `Delivery` in `outbox`; the caller hands those to the delivery thread. Rooms
//! report their life (created, entered, exited, dismissed) as TRTC events: see `trtc`.

use super::trtc::{self, TrtcCallback};
use super::webhooks::Delivery;
use serde_json::{json, Value};
use std::collections::{BTreeMap, HashMap};

/// `Call.CallbackAfterStartCall`.
pub const START: &str = "Call.CallbackAfterStartCall";
/// `Call.CallbackAfterEndCall`.
pub const END: &str = "Call.CallbackAfterEndCall";
/// `Call.CallbackAfterMemberChanged`.
pub const MEMBER: &str = "Call.CallbackAfterMemberChanged";
/// `Desk.SessionEventNotify`.
pub const DESK: &str = "Desk.SessionEventNotify";
/// The Call webhook commands the sandbox sends (its own table: the emulator does not
/// share the client's).
pub const CALLBACK_COMMANDS: &[&str] = &[START, END, MEMBER];
/// `CallResult` values of records and the end webhook (§2.1).
pub const CALL_RESULTS: &[&str] = &["Cancel", "Reject", "NotAnswer", "NormalEnd", "CallBusy", "Interrupt", "Offline"];

/// Live Desk session states (`NotInSession` is what an ended session reports).
pub const LIVE_SESSION_STATES: &[&str] = &["Chatbot", "WaitingForAgentAnswering", "Queueing", "Agent"];

/// A TRTC room id: numeric rooms and string rooms are different namespaces.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum RoomKey {
    /// `RoomIdType` 1 / `DismissRoom`.
    Num(u64),
    /// `RoomIdType` 2 / `DismissRoomByStrRoomId`.
    Str(String),
}

/// The numeric room a Call `RoomId` string names under `RoomIdType` 1: decimal digits
/// only, no sign and no leading zero (so the `RoomId` Call reports back is the same string),
/// at least 1.
pub fn numeric_room(id: &str) -> Option<u64> {
    if id.is_empty() || id.starts_with('0') || !id.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    id.parse().ok()
}

impl RoomKey {
    /// `RoomId` as TRTC reports it: a number for a numeric room, a string for a string room.
    pub fn json(&self) -> Value {
        match self {
            RoomKey::Num(n) => json!(n),
            RoomKey::Str(s) => json!(s),
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Status {
    Calling,
    Waiting,
    Gone,
}

#[derive(Clone, Debug)]
struct Member {
    user: String,
    status: Status,
}

/// A new call, from `start_call_by_robot` or the control API.
#[derive(Clone, Debug)]
pub struct NewCall {
    /// Caller (robot) account.
    pub caller: String,
    /// Callees, in order (duplicates and the caller are skipped).
    pub callees: Vec<String>,
    /// `Audio` / `Video`.
    pub media_type: String,
    /// TRTC room; `None` = no room (`RoomId` "" and `RoomIdType` 0).
    pub room: Option<RoomKey>,
    /// IM group of a group call ("" for none).
    pub group_id: String,
}

#[derive(Clone, Debug)]
struct Call {
    id: String,
    caller: String,
    media_type: String,
    group_id: String,
    room: Option<RoomKey>,
    multi: bool,
    start_time: u64,
    accept_time: u64,
    members: Vec<Member>,
}

impl Call {
    fn room_fields(&self) -> (String, u8) {
        match &self.room {
            None => (String::new(), 0),
            Some(RoomKey::Num(n)) => (n.to_string(), 1),
            Some(RoomKey::Str(s)) => (s.clone(), 2),
        }
    }

    fn call_info(&self) -> Value {
        let (room_id, room_type) = self.room_fields();
        json!({"CallId": self.id, "MediaType": self.media_type, "ChatGroupId": self.group_id,
               "RoomId": room_id, "RoomIdType": room_type})
    }

    fn user_list(&self) -> Value {
        let users = self.members.iter().filter_map(|m| {
            let status = match m.status {
                Status::Calling => "Calling",
                Status::Waiting => "Waiting",
                Status::Gone => return None,
            };
            Some(json!({"User_Account": m.user, "Status": status}))
        });
        Value::Array(users.collect())
    }

    fn present(&self) -> usize {
        self.members.iter().filter(|m| m.status != Status::Gone).count()
    }

    fn anyone_calling(&self) -> bool {
        self.members.iter().any(|m| m.status == Status::Calling)
    }

    /// The result of ending the call now with no more specific reason.
    fn natural_result(&self) -> &'static str {
        if self.accept_time > 0 {
            "NormalEnd"
        } else {
            "Cancel"
        }
    }

    fn record(&self, result: &str, end_time: u64) -> Value {
        let (room_id, room_type) = self.room_fields();
        let everyone: Vec<&str> = self.members.iter().map(|m| m.user.as_str()).collect();
        json!({
            "CallId": self.id, "Caller_Account": self.caller, "MediaType": self.media_type,
            "CallType": if self.multi { "MultiCall" } else { "SingleCall" },
            "StartTime": self.start_time, "EndTime": end_time, "AcceptTime": self.accept_time,
            "CallResult": result, "CalleeList_Account": everyone, "RoomId": room_id, "RoomIdType": room_type,
        })
    }
}

#[derive(Clone, Debug, Default)]
struct Room {
    users: Vec<String>,
    /// The live call using this room.
    call_id: Option<String>,
    /// Created by that call, so it goes away with it.
    owned_by_call: bool,
    /// Users blocked by `SetUserBlocked*`, with their `IsMute` (1-3).
    blocked: BTreeMap<String, u8>,
}

impl Room {
    /// A user leaves: `true` when they were in the room. Their block goes with them.
    fn leave(&mut self, user: &str) -> bool {
        self.blocked.remove(user);
        let before = self.users.len();
        self.users.retain(|u| u != user);
        self.users.len() != before
    }
}

/// A Desk session.
#[derive(Clone, Debug)]
pub struct Session {
    /// `SessionId`.
    pub id: String,
    /// `ClientUserId`.
    pub client_user_id: String,
    /// `CustomerServiceId`.
    pub customer_service_id: String,
    /// `CurrentState` while live.
    pub state: String,
    /// `AgentId`.
    pub agent_id: String,
    /// `AgentGroupId`.
    pub agent_group_id: String,
    /// `AgentGroupName`.
    pub agent_group_name: String,
    /// `ClientUserNickName`.
    pub nick_name: String,
    /// Unix seconds.
    pub start_time: u64,
    /// Unix seconds, once ended.
    pub end_time: Option<u64>,
    /// `EndStatus`, once ended.
    pub end_status: String,
}

impl Session {
    /// `get_session_state` fields.
    pub fn state_json(&self) -> (String, String) {
        if self.end_time.is_some() {
            return ("NotInSession".into(), String::new());
        }
        let agent = if matches!(self.state.as_str(), "Agent" | "WaitingForAgentAnswering") {
            self.agent_id.clone()
        } else {
            String::new()
        };
        (self.state.clone(), agent)
    }

    fn cdr(&self) -> Value {
        let end = self.end_time.unwrap_or(self.start_time);
        json!({
            "SessionId": self.id, "AgentGroupId": self.agent_group_id, "AgentGroupName": self.agent_group_name,
            "AgentId": self.agent_id, "ChannelType": "SDK", "ClientUserId": self.client_user_id,
            "ClientUserNickName": self.nick_name, "Duration": end.saturating_sub(self.start_time),
            "EndStatus": self.end_status, "SatisfactionSelected": 0, "Timestamp": self.start_time,
        })
    }
}

/// `call_config` webhook configuration.
#[derive(Clone, Debug)]
pub struct CallbackConfig {
    /// `Url`.
    pub url: String,
    /// `CallbackCommandList`.
    pub commands: Vec<String>,
}

/// Why a state change was refused.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Refusal {
    /// The call, room or session does not exist or has ended.
    NotFound,
    /// The change makes no sense (message for the control API).
    Invalid(String),
}

/// Everything the sandbox remembers.
#[derive(Debug, Default)]
pub struct World {
    calls: BTreeMap<String, Call>,
    records: Vec<Value>,
    record_index: HashMap<String, usize>,
    rooms: BTreeMap<RoomKey, Room>,
    sessions: Vec<Session>,
    /// The Call webhook configuration.
    pub callback: Option<CallbackConfig>,
    /// Where `Desk.SessionEventNotify` goes.
    pub desk_callback: Option<String>,
    /// Where TRTC room events go.
    pub trtc_callback: Option<TrtcCallback>,
    /// Webhooks waiting to be handed to the delivery thread.
    pub outbox: Vec<Delivery>,
}

impl World {
    fn emit_call(&mut self, command: &str, body: Value) {
        if let Some(cfg) = &self.callback {
            if cfg.commands.iter().any(|c| c == command) {
                self.outbox.push(Delivery::Im { url: cfg.url.clone(), command: command.into(), body });
            }
        }
    }

    fn emit_room(&mut self, event_type: u64, key: &RoomKey, user: Option<&str>, now_ms: u64) {
        if let Some(cfg) = &self.trtc_callback {
            self.outbox.push(Delivery::Trtc(trtc::event(cfg, event_type, key, user, now_ms)));
        }
    }

    /// Creates a room if it does not exist (101, naming `first_user` when given).
    fn open_room(&mut self, key: &RoomKey, owned_by_call: bool, first_user: Option<&str>, now_ms: u64) {
        if !self.rooms.contains_key(key) {
            self.rooms.insert(key.clone(), Room { owned_by_call, ..Room::default() });
            self.emit_room(trtc::CREATE_ROOM, key, first_user, now_ms);
        }
    }

    /// A user enters an existing room (103), unless already in it.
    fn enter_room(&mut self, key: &RoomKey, user: &str, now_ms: u64) {
        let Some(room) = self.rooms.get_mut(key) else { return };
        if !room.users.iter().any(|u| u == user) {
            room.users.push(user.into());
            self.emit_room(trtc::ENTER_ROOM, key, Some(user), now_ms);
        }
    }

    /// A user exits a room (104) if in it; their block goes with them.
    fn exit_room(&mut self, key: &RoomKey, user: &str, now_ms: u64) {
        if self.rooms.get_mut(key).is_some_and(|room| room.leave(user)) {
            self.emit_room(trtc::EXIT_ROOM, key, Some(user), now_ms);
        }
    }

    /// Dismisses a room: every user still in it exits (104), then the room goes (102).
    fn close_room(&mut self, key: &RoomKey, now_ms: u64) -> Option<Room> {
        let room = self.rooms.remove(key)?;
        for user in &room.users {
            self.emit_room(trtc::EXIT_ROOM, key, Some(user), now_ms);
        }
        self.emit_room(trtc::DISMISS_ROOM, key, None, now_ms);
        Some(room)
    }

    /// Starts a call: caller `Calling`, callees `Waiting`; its room exists while it lives.
    pub fn create_call(&mut self, new: NewCall, now: u64, now_ms: u64) -> String {
        let id = uuid();
        let mut members = vec![Member { user: new.caller.clone(), status: Status::Calling }];
        for c in new.callees {
            if !members.iter().any(|m| m.user == c) {
                members.push(Member { user: c, status: Status::Waiting });
            }
        }
        let multi = members.len() > 2 || !new.group_id.is_empty();
        let call = Call {
            id: id.clone(),
            caller: new.caller.clone(),
            media_type: new.media_type,
            group_id: new.group_id,
            room: new.room.clone(),
            multi,
            start_time: now,
            accept_time: 0,
            members,
        };
        if let Some(key) = &new.room {
            self.open_room(key, true, Some(&new.caller), now_ms);
            if let Some(room) = self.rooms.get_mut(key) {
                room.call_id = Some(id.clone());
            }
            self.enter_room(key, &new.caller, now_ms);
        }
        let body = json!({"CallbackCommand": START, "CallInfo": call.call_info(), "UserList": call.user_list(),
                          "EventTime": now_ms});
        self.calls.insert(id.clone(), call);
        self.emit_call(START, body);
        id
    }

    /// `get_call_info`: `{CallInfo, UserList}` of a live call.
    pub fn call_info(&self, id: &str) -> Option<Value> {
        let call = self.calls.get(id)?;
        Some(json!({"CallInfo": call.call_info(), "UserList": call.user_list()}))
    }

    /// Ends a live call: writes its record, frees its room, fires the end webhook.
    pub fn end_call(&mut self, id: &str, result: Option<&str>, now: u64, now_ms: u64) -> Result<(), Refusal> {
        let call = self.calls.remove(id).ok_or(Refusal::NotFound)?;
        let result = result.unwrap_or(call.natural_result());
        let record = call.record(result, now);
        // A room the call created is dismissed with it; in another room its members exit.
        if let Some(key) = &call.room {
            match self.rooms.get_mut(key) {
                Some(room) if room.call_id.as_deref() == Some(id) && room.owned_by_call => {
                    self.close_room(key, now_ms);
                }
                Some(room) if room.call_id.as_deref() == Some(id) => {
                    room.call_id = None;
                    for m in &call.members {
                        self.exit_room(key, &m.user, now_ms);
                    }
                }
                _ => {}
            }
        }
        self.record_index.insert(call.id.clone(), self.records.len());
        self.records.push(record.clone());
        self.emit_call(END, json!({"CallbackCommand": END, "CallRecord": record, "EventTime": now_ms}));
        Ok(())
    }

    /// A member's action as a client SDK would report it. `ActionType` spellings are the
    /// documented sample's: Answer, Reject, NotAnswer, Hangup, Join, Offline, Invite, Cancel_Invite.
    /// The call ends when at most one member is left or nobody is in it any more.
    pub fn member_action(
        &mut self,
        id: &str,
        user: &str,
        action: &str,
        result: Option<&str>,
        now: u64,
        now_ms: u64,
    ) -> Result<Value, Refusal> {
        let call = self.calls.get_mut(id).ok_or(Refusal::NotFound)?;
        let action = match action {
            "Accept" => "Answer",
            "Hang Up" => "Hangup",
            "Invited" => "Invite",
            other => other,
        };
        let idx = call.members.iter().position(|m| m.user == user);
        let status = idx.map(|i| call.members[i].status);
        let (new_status, hint) =
            transition(action, status).map_err(|why| Refusal::Invalid(format!("{action} by {user}: {why}")))?;
        match idx {
            Some(i) => call.members[i].status = new_status,
            None => call.members.push(Member { user: user.into(), status: new_status }),
        }
        if new_status == Status::Calling && call.accept_time == 0 && user != call.caller {
            call.accept_time = now;
        }
        if call.members.len() > 2 {
            call.multi = true;
        }
        // The caller leaving before anyone answered cancels the whole call.
        let caller_cancels = user == call.caller && new_status == Status::Gone && call.accept_time == 0;
        let ends = caller_cancels || call.present() <= 1 || !call.anyone_calling();
        let natural = match hint {
            Some(h) if call.accept_time == 0 || h == "Offline" => h,
            _ => call.natural_result(),
        };
        let room = call.room.clone();
        let body = json!({"CallbackCommand": MEMBER, "CallId": id, "UserList": call.user_list(),
                          "ChangedUserList": [{"User_Account": user, "ActionType": action}], "EventTime": now_ms});
        if let Some(key) = &room {
            if new_status == Status::Calling {
                self.enter_room(key, user, now_ms);
            } else {
                self.exit_room(key, user, now_ms);
            }
        }
        self.emit_call(MEMBER, body);
        if ends {
            self.end_call(id, Some(result.unwrap_or(natural)), now, now_ms)?;
        }
        Ok(json!({"CallId": id, "ended": ends, "call": self.call_info(id)}))
    }

    /// Creates a room (101) with its users (103 each), or replaces the users of one (104
    /// for those not listed any more, 103 for the new ones).
    pub fn create_room(&mut self, key: RoomKey, users: Vec<String>, now_ms: u64) {
        self.open_room(&key, false, users.first().map(String::as_str), now_ms);
        let gone: Vec<String> = self
            .rooms
            .get(&key)
            .map(|r| r.users.iter().filter(|u| !users.contains(u)).cloned().collect())
            .unwrap_or_default();
        for u in gone {
            self.exit_room(&key, &u, now_ms);
        }
        for u in &users {
            self.enter_room(&key, u, now_ms);
        }
    }

    /// `SetUserBlocked*`: `is_mute` 1-3 blocks a user in the room (audio and video, audio,
    /// video), 0 unblocks. The user must be in the room (`Refusal::Invalid` otherwise).
    pub fn block_user(&mut self, key: &RoomKey, user: &str, is_mute: u8) -> Result<(), Refusal> {
        let room = self.rooms.get_mut(key).ok_or(Refusal::NotFound)?;
        if !room.users.iter().any(|u| u == user) {
            return Err(Refusal::Invalid(format!("user {user} is not in the room")));
        }
        if is_mute == 0 {
            room.blocked.remove(user);
        } else {
            room.blocked.insert(user.into(), is_mute);
        }
        Ok(())
    }

    /// `DismissRoom*`: everyone exits and the room goes, and so does the call in it.
    pub fn dismiss_room(&mut self, key: &RoomKey, now: u64, now_ms: u64) -> Result<(), Refusal> {
        let room = self.close_room(key, now_ms).ok_or(Refusal::NotFound)?;
        if let Some(call_id) = room.call_id {
            let _ = self.end_call(&call_id, None, now, now_ms);
        }
        Ok(())
    }

    /// `RemoveUser*`: users leave the room; call members among them hang up.
    pub fn remove_users(&mut self, key: &RoomKey, users: &[String], now: u64, now_ms: u64) -> Result<(), Refusal> {
        let call_id = self.rooms.get(key).ok_or(Refusal::NotFound)?.call_id.clone();
        for u in users {
            self.exit_room(key, u, now_ms);
        }
        let Some(call) = call_id.and_then(|id| self.calls.get_mut(&id)) else { return Ok(()) };
        let mut changed = Vec::new();
        for m in call.members.iter_mut().filter(|m| m.status != Status::Gone && users.contains(&m.user)) {
            m.status = Status::Gone;
            changed.push(json!({"User_Account": m.user, "ActionType": "Hangup"}));
        }
        if changed.is_empty() {
            return Ok(());
        }
        let ends = call.present() <= 1 || !call.anyone_calling();
        let id = call.id.clone();
        let body = json!({"CallbackCommand": MEMBER, "CallId": id, "UserList": call.user_list(),
                          "ChangedUserList": changed, "EventTime": now_ms});
        self.emit_call(MEMBER, body);
        if ends {
            self.end_call(&id, None, now, now_ms)?;
        }
        Ok(())
    }

    /// A record by call id.
    pub fn record(&self, id: &str) -> Option<&Value> {
        self.record_index.get(id).map(|&i| &self.records[i])
    }

    /// Records whose `StartTime` is in `start..=end`, newest first, then the filters.
    pub fn records(&self, start: u64, end: u64, result: Option<&str>, call_type: Option<&str>) -> Vec<Value> {
        let matches = |r: &&Value| {
            let t = r["StartTime"].as_u64().unwrap_or(0);
            (start..=end).contains(&t)
                && result.is_none_or(|x| r["CallResult"] == x)
                && call_type.is_none_or(|x| r["CallType"] == x)
        };
        self.records.iter().rev().filter(matches).cloned().collect()
    }

    /// Adds a Desk session; its id must be new.
    pub fn add_session(&mut self, s: Session) -> Result<(), Refusal> {
        if self.sessions.iter().any(|x| x.id == s.id) {
            return Err(Refusal::Invalid(format!("session {} already exists", s.id)));
        }
        self.sessions.push(s);
        Ok(())
    }

    /// A session by id.
    pub fn session(&self, id: &str) -> Option<&Session> {
        self.sessions.iter().find(|s| s.id == id)
    }

    /// The newest session of a user, with a customer-service account when one is named
    /// (live ones first).
    pub fn session_of(&self, client: &str, service: Option<&str>) -> Option<&Session> {
        let mine = || {
            self.sessions
                .iter()
                .rev()
                .filter(|s| s.client_user_id == client && service.is_none_or(|x| s.customer_service_id == x))
        };
        mine().find(|s| s.end_time.is_none()).or_else(|| mine().next())
    }

    /// `end_session`: ends a live session and fires `Desk.SessionEventNotify`.
    pub fn end_session(&mut self, id: &str, now: u64, now_ms: u64) -> Result<(), Refusal> {
        let s = self.sessions.iter_mut().find(|s| s.id == id && s.end_time.is_none()).ok_or(Refusal::NotFound)?;
        s.end_time = Some(now);
        s.end_status = "AgentEndedSession".into();
        let body = json!({"CallbackCommand": DESK, "SessionId": s.id, "Event": "SessionClosed",
                          "ClientUserId": s.client_user_id, "AgentId": s.agent_id, "EventTime": now_ms});
        if let Some(url) = self.desk_callback.clone() {
            self.outbox.push(Delivery::Im { url, command: DESK.into(), body });
        }
        Ok(())
    }

    /// Ended sessions whose start is in `start..=end`, optionally of one user, oldest first.
    pub fn cdrs(&self, start: u64, end: u64, client: Option<&str>) -> Vec<Value> {
        self.sessions
            .iter()
            .filter(|s| s.end_time.is_some() && (start..=end).contains(&s.start_time))
            .filter(|s| client.is_none_or(|c| s.client_user_id == c))
            .map(Session::cdr)
            .collect()
    }

    /// Everything, for `GET /_sandbox/state`.
    pub fn snapshot(&self) -> Value {
        let calls: Vec<Value> = self
            .calls
            .values()
            .map(|c| {
                let mut v = json!({"CallInfo": c.call_info(), "UserList": c.user_list(), "Caller_Account": c.caller,
                                   "StartTime": c.start_time, "AcceptTime": c.accept_time});
                v["CallType"] = json!(if c.multi { "MultiCall" } else { "SingleCall" });
                v
            })
            .collect();
        let rooms: Vec<Value> = self
            .rooms
            .iter()
            .map(|(k, r)| json!({"RoomId": k.json(), "users": r.users, "CallId": r.call_id, "blocked": r.blocked}))
            .collect();
        let sessions: Vec<Value> = self
            .sessions
            .iter()
            .map(|s| {
                let (state, agent) = s.state_json();
                json!({"SessionId": s.id, "ClientUserId": s.client_user_id, "CustomerServiceId": s.customer_service_id,
                       "CurrentState": state, "AgentId": agent, "StartTime": s.start_time, "EndTime": s.end_time})
            })
            .collect();
        json!({
            "calls": calls,
            "records": self.records,
            "rooms": rooms,
            "sessions": sessions,
            "callback": self.callback.as_ref().map(|c| json!({"Url": c.url, "CallbackCommandList": c.commands})),
            "desk_callback": self.desk_callback,
            "trtc_callback": self.trtc_callback.as_ref().map(|c| TrtcCallback::json(Some(c))),
        })
    }
}

fn status_name(s: Option<Status>) -> &'static str {
    match s {
        None => "not a member",
        Some(Status::Calling) => "Calling",
        Some(Status::Waiting) => "Waiting",
        Some(Status::Gone) => "gone",
    }
}

/// A member's move: the status it leads to from `status`, and the `CallResult` it implies
/// if it ends the call before anyone answered.
fn transition(action: &str, status: Option<Status>) -> Result<(Status, Option<&'static str>), String> {
    Ok(match (action, status) {
        ("Answer", Some(Status::Waiting)) => (Status::Calling, None),
        ("Reject", Some(Status::Waiting)) => (Status::Gone, Some("Reject")),
        ("NotAnswer", Some(Status::Waiting)) => (Status::Gone, Some("NotAnswer")),
        ("Cancel_Invite", Some(Status::Waiting)) => (Status::Gone, None),
        ("Hangup", Some(Status::Calling | Status::Waiting)) => (Status::Gone, None),
        ("Offline", Some(Status::Calling | Status::Waiting)) => (Status::Gone, Some("Offline")),
        ("Join", None | Some(Status::Gone | Status::Waiting)) => (Status::Calling, None),
        ("Invite", None | Some(Status::Gone)) => (Status::Waiting, None),
        ("Answer" | "Reject" | "NotAnswer" | "Cancel_Invite" | "Hangup" | "Offline" | "Join" | "Invite", _) => {
            return Err(format!("not allowed while the member is {}", status_name(status)));
        }
        _ => {
            return Err(
                "unknown action (Answer, Reject, NotAnswer, Hangup, Join, Offline, Invite, Cancel_Invite)".into()
            )
        }
    })
}

/// Whether `set_callback` takes a command: any `Call.<name>` (the documented family; the
/// sandbox sends only `CALLBACK_COMMANDS`).
pub fn is_call_command(c: &str) -> bool {
    c.strip_prefix("Call.").is_some_and(|name| !name.is_empty())
}

/// A random UUID v4 in the usual 8-4-4-4-12 form (not for secrets).
pub fn uuid() -> String {
    use std::hash::{BuildHasher, Hasher};
    let mut b = [0u8; 16];
    for chunk in b.chunks_mut(8) {
        // RandomState is seeded per process and per instance: enough for request ids.
        let mut h = std::collections::hash_map::RandomState::new().build_hasher();
        h.write_u128(std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap_or_default().as_nanos());
        chunk.copy_from_slice(&h.finish().to_be_bytes());
    }
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    let h = super::verify::hex(&b);
    format!("{}-{}-{}-{}-{}", &h[0..8], &h[8..12], &h[12..16], &h[16..20], &h[20..32])
}

#[cfg(test)]
mod tests {
    use super::*;

    fn world_with_hooks() -> World {
        World {
            callback: Some(CallbackConfig {
                url: "http://cb".into(),
                commands: CALLBACK_COMMANDS.iter().map(|s| s.to_string()).collect(),
            }),
            ..World::default()
        }
    }

    fn call(w: &mut World, callees: &[&str], room: Option<RoomKey>) -> String {
        w.create_call(
            NewCall {
                caller: "a".into(),
                callees: callees.iter().map(|s| s.to_string()).collect(),
                media_type: "Audio".into(),
                room,
                group_id: String::new(),
            },
            100,
            100_000,
        )
    }

    fn commands(w: &mut World) -> Vec<String> {
        w.outbox
            .drain(..)
            .filter_map(|d| match d {
                Delivery::Im { command, .. } => Some(command),
                Delivery::Trtc(_) => None,
            })
            .collect()
    }

    #[test]
    fn one_to_one_outcomes() {
        let mut w = world_with_hooks();
        let id = call(&mut w, &["b"], None);
        w.member_action(&id, "b", "Reject", None, 101, 0).unwrap();
        assert_eq!(w.record(&id).unwrap()["CallResult"], "Reject");
        assert_eq!(commands(&mut w), [START, MEMBER, END]);

        let id = call(&mut w, &["b"], None);
        w.member_action(&id, "b", "Answer", None, 105, 0).unwrap();
        assert!(w.call_info(&id).is_some());
        w.member_action(&id, "a", "Hangup", None, 110, 0).unwrap();
        let r = w.record(&id).unwrap();
        assert_eq!((r["CallResult"].as_str(), r["AcceptTime"].as_u64()), (Some("NormalEnd"), Some(105)));
        assert_eq!(r["CalleeList_Account"], json!(["a", "b"]));

        let id = call(&mut w, &["b", "c"], None);
        w.member_action(&id, "a", "Hangup", None, 101, 0).unwrap();
        assert_eq!(w.record(&id).unwrap()["CallResult"], "Cancel");
        assert_eq!(w.record(&id).unwrap()["CallType"], "MultiCall");
        assert_eq!(w.end_call(&id, None, 1, 1), Err(Refusal::NotFound));
        assert!(matches!(w.member_action("nope", "a", "Answer", None, 1, 1), Err(Refusal::NotFound)));
    }

    #[test]
    fn rooms_follow_calls() {
        let mut w = world_with_hooks();
        let id = call(&mut w, &["b", "c"], Some(RoomKey::Num(7)));
        w.member_action(&id, "b", "Answer", None, 101, 0).unwrap();
        commands(&mut w);
        // Removing one of three leaves a live call; removing another ends it.
        w.remove_users(&RoomKey::Num(7), &["c".into()], 102, 0).unwrap();
        assert!(w.call_info(&id).is_some());
        w.remove_users(&RoomKey::Num(7), &["b".into()], 103, 0).unwrap();
        assert!(w.call_info(&id).is_none());
        assert_eq!(w.record(&id).unwrap()["CallResult"], "NormalEnd");
        assert_eq!(commands(&mut w), [MEMBER, MEMBER, END]);
        assert_eq!(w.dismiss_room(&RoomKey::Num(7), 1, 1), Err(Refusal::NotFound));

        let id = call(&mut w, &["b"], Some(RoomKey::Str("r".into())));
        assert_eq!(w.dismiss_room(&RoomKey::Num(0), 1, 1), Err(Refusal::NotFound));
        w.dismiss_room(&RoomKey::Str("r".into()), 104, 0).unwrap();
        assert_eq!(w.record(&id).unwrap()["CallResult"], "Cancel");
        assert_eq!(w.record(&id).unwrap()["RoomIdType"], 2);
    }

    #[test]
    fn blocks_follow_room_membership() {
        let mut w = world_with_hooks();
        let id = call(&mut w, &["b"], Some(RoomKey::Num(9)));
        let blocked = |w: &World| w.snapshot()["rooms"][0]["blocked"].clone();
        // b is invited, not in the room yet.
        assert!(matches!(w.block_user(&RoomKey::Num(9), "b", 1), Err(Refusal::Invalid(_))));
        assert_eq!(w.block_user(&RoomKey::Str("9".into()), "a", 1), Err(Refusal::NotFound));
        w.member_action(&id, "b", "Answer", None, 101, 0).unwrap();
        w.block_user(&RoomKey::Num(9), "b", 2).unwrap();
        w.block_user(&RoomKey::Num(9), "a", 3).unwrap();
        assert_eq!(blocked(&w), json!({"a": 3, "b": 2}));
        w.block_user(&RoomKey::Num(9), "a", 0).unwrap();
        assert_eq!(blocked(&w), json!({"b": 2}));
        // A control room keeps the blocks of the users it keeps.
        w.create_room(RoomKey::Str("r".into()), vec!["x".into(), "y".into()], 0);
        w.block_user(&RoomKey::Str("r".into()), "x", 1).unwrap();
        w.block_user(&RoomKey::Str("r".into()), "y", 1).unwrap();
        w.create_room(RoomKey::Str("r".into()), vec!["y".into()], 0);
        assert_eq!(w.snapshot()["rooms"][1]["blocked"], json!({"y": 1}));
    }

    /// The TRTC events queued so far: (type, room, user).
    fn room_events(w: &mut World) -> Vec<(u64, Value, Option<String>)> {
        w.outbox
            .drain(..)
            .filter_map(|d| match d {
                Delivery::Trtc(e) => Some((e.event_type, e.room, e.user)),
                Delivery::Im { .. } => None,
            })
            .collect()
    }

    fn ev(t: u64, room: Value, user: Option<&str>) -> (u64, Value, Option<String>) {
        (t, room, user.map(String::from))
    }

    /// Events in `room` written as "101 u1, 103 u1, 102": a type, then the user if any.
    fn seq(room: Value, text: &str) -> Vec<(u64, Value, Option<String>)> {
        let one = |e: &str| {
            let mut parts = e.split_whitespace();
            let t = parts.next().and_then(|t| t.parse().ok()).expect("an event type");
            ev(t, room.clone(), parts.next())
        };
        text.split(',').map(one).collect()
    }

    #[test]
    fn rooms_report_their_life_as_trtc_events() {
        let mut w = world_with_hooks();
        w.trtc_callback = Some(TrtcCallback::new("http://t".into(), None, 1).unwrap());
        // A control room: created with its users, one removed, then dismissed.
        w.create_room(RoomKey::Num(1234), vec!["u1".into(), "u2".into()], 0);
        w.remove_users(&RoomKey::Num(1234), &["u1".into(), "nobody".into()], 1, 0).unwrap();
        w.dismiss_room(&RoomKey::Num(1234), 1, 0).unwrap();
        assert_eq!(room_events(&mut w), seq(json!(1234), "101 u1, 103 u1, 103 u2, 104 u1, 104 u2, 102"));
        // Replacing a room's users: those gone exit, the new ones enter; no second 101.
        w.create_room(RoomKey::Str("r".into()), vec!["a".into(), "b".into()], 0);
        room_events(&mut w);
        w.create_room(RoomKey::Str("r".into()), vec!["b".into(), "c".into()], 0);
        assert_eq!(room_events(&mut w), [ev(104, json!("r"), Some("a")), ev(103, json!("r"), Some("c"))]);

        // A call's own room: start, answer, hang-up ends it (the last one exits, dismissed).
        let id = call(&mut w, &["b"], Some(RoomKey::Str("call-room".into())));
        w.member_action(&id, "b", "Answer", None, 101, 0).unwrap();
        w.member_action(&id, "b", "Hangup", None, 102, 0).unwrap();
        assert_eq!(room_events(&mut w), seq(json!("call-room"), "101 a, 103 a, 103 b, 104 b, 104 a, 102"));
        // end_call: everyone still in exits, then 102; an unanswered callee never entered.
        let id = call(&mut w, &["b", "c"], Some(RoomKey::Num(5)));
        w.member_action(&id, "b", "Answer", None, 101, 0).unwrap();
        room_events(&mut w);
        w.end_call(&id, None, 103, 0).unwrap();
        assert_eq!(
            room_events(&mut w),
            [ev(104, json!(5), Some("a")), ev(104, json!(5), Some("b")), ev(102, json!(5), None)]
        );
        // A call in a control room: its members exit when it ends, the room stays.
        w.create_room(RoomKey::Num(6), vec!["x".into()], 0);
        let id = call(&mut w, &["b"], Some(RoomKey::Num(6)));
        assert_eq!(room_events(&mut w)[2..], [ev(103, json!(6), Some("a"))]);
        w.member_action(&id, "a", "Hangup", None, 101, 0).unwrap();
        assert_eq!(room_events(&mut w), [ev(104, json!(6), Some("a"))]);
        assert!(w.rooms.contains_key(&RoomKey::Num(6)));
        // No TRTC callback, no events.
        w.trtc_callback = None;
        w.dismiss_room(&RoomKey::Num(6), 1, 0).unwrap();
        assert!(w.outbox.is_empty());
    }

    #[test]
    fn uuid_shape() {
        let u = uuid();
        assert_eq!(u.len(), 36);
        assert_eq!(&u[14..15], "4");
        assert_ne!(u, uuid());
    }
}
