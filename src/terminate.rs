//! `terminate_call`: read a call, end it, dismiss its TRTC room, in one budget.
//!
//! Ending a call (`end_call`) stops the Call service's signalling, but a client that has
//! already entered the call's TRTC room can stay in the media room. `terminate_call` also
//! dismisses that room, taking it from the call itself (`get_call_info`, or the record of a
//! call that already ended) with its kind (`RoomIdType`), so the right room goes.
//!
//! Every step is idempotent: a call already ended or a room already gone is a success,
//! and the result says so. When a step fails, the error's message says which earlier
//! steps already took effect.

use crate::api::{call, trtc};
use crate::client::{Budget, Client};
use crate::error::{Error, ErrorCode, Result};
use serde_json::{json, Value};

/// One step's outcome in the result.
fn step(name: &str, outcome: &str, answer: &Value) -> Value {
    json!({"step": name, "outcome": outcome, "request_id": answer.get("RequestId").cloned().unwrap_or(Value::Null)})
}

fn skipped(name: &str, why: &str) -> Value {
    json!({"step": name, "outcome": "skipped", "reason": why, "request_id": null})
}

/// The TRTC room a call or record names: `RoomId` (a string) with `RoomIdType`.
fn room_of(call: &Value) -> Option<Value> {
    let id = call.get("RoomId").and_then(Value::as_str).filter(|s| !s.is_empty())?;
    let kind = call.get("RoomIdType").and_then(Value::as_u64).filter(|k| (1..=2).contains(k))?;
    Some(json!({"RoomId": id, "RoomIdType": kind}))
}

/// The error of a failed step, its message saying what already took effect.
fn failed(mut e: Error, name: &str, steps: &[Value]) -> Error {
    let done: Vec<String> = steps
        .iter()
        .filter(|s| matches!(s["outcome"].as_str(), Some("ended" | "dismissed")))
        .map(|s| format!("{} ({})", s["step"].as_str().unwrap_or(""), s["outcome"].as_str().unwrap_or("")))
        .collect();
    let took = match done.is_empty() {
        true => "nothing has taken effect".to_string(),
        false => format!("already done: {}", done.join(", ")),
    };
    e.message = format!("terminate_call: {name} failed ({}); {took}", e.message);
    e
}

/// A step's answer, and whether it found its target already gone.
fn outcome(result: Result<String>) -> Result<(Value, bool)> {
    match result {
        Ok(text) => {
            let v: Value = serde_json::from_str(&text).expect("tccall writes valid JSON");
            let gone = v.get("already_ended").and_then(Value::as_bool).unwrap_or(false);
            Ok((v, gone))
        }
        Err(e) if e.code == ErrorCode::NotFound => Ok((json!({"RequestId": e.request_id}), true)),
        Err(e) => Err(e),
    }
}

impl Client {
    /// Runs `terminate_call` (`{"call_id", "dismiss_room"}`, validated) within `budget`.
    pub(crate) fn terminate_call(&self, req: &Value, budget: &Budget<'_>, now: u64) -> Result<String> {
        let call_id = req["call_id"].as_str().unwrap_or_default();
        let dismiss = req["dismiss_room"].as_bool().unwrap_or(true);
        let by_id = json!({"CallId": call_id});
        let mut steps = Vec::new();

        // 1. The call's room and members; for a call that ended already, its record's room.
        let (answer, gone) = outcome(self.run_in(&call::GET_CALL_INFO, &by_id, budget, now))
            .map_err(|e| failed(e, "get_call_info", &steps))?;
        steps.push(step("get_call_info", if gone { "not_found" } else { "found" }, &answer));
        let (room, members) = match gone {
            false => (room_of(&answer["CallInfo"]), answer["UserList"].clone()),
            true => {
                let (record, missing) = outcome(self.run_in(&call::GET_CALL_RECORD, &by_id, budget, now))
                    .map_err(|e| failed(e, "get_call_record", &steps))?;
                steps.push(step("get_call_record", if missing { "not_found" } else { "found" }, &record));
                (room_of(&record["CallRecord"]), Value::Null)
            }
        };

        // 2. End the call.
        let (answer, gone) =
            outcome(self.run_in(&call::END_CALL, &by_id, budget, now)).map_err(|e| failed(e, "end_call", &steps))?;
        steps.push(step("end_call", if gone { "already_ended" } else { "ended" }, &answer));

        // 3. Dismiss its room.
        match (&room, dismiss) {
            (_, false) => steps.push(skipped("dismiss_room", "dismiss_room is false")),
            (None, true) => steps.push(skipped("dismiss_room", "the call has no TRTC room")),
            (Some(room), true) => {
                let (answer, gone) = outcome(self.run_in(&trtc::DISMISS_ROOM, room, budget, now))
                    .map_err(|e| failed(e, "dismiss_room", &steps))?;
                steps.push(step("dismiss_room", if gone { "already_gone" } else { "dismissed" }, &answer));
            }
        }
        Ok(json!({"call_id": call_id, "room": room, "members": members, "steps": steps}).to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rooms_and_failure_messages() {
        assert_eq!(
            room_of(&json!({"RoomId": "1234", "RoomIdType": 1})),
            Some(json!({"RoomId": "1234", "RoomIdType": 1}))
        );
        assert_eq!(room_of(&json!({"RoomId": "", "RoomIdType": 0})), None);
        assert_eq!(room_of(&json!({"RoomId": "r"})), None);
        let steps =
            [json!({"step": "get_call_info", "outcome": "found"}), json!({"step": "end_call", "outcome": "ended"})];
        let e = failed(Error::new(ErrorCode::Timeout, "slow"), "dismiss_room", &steps);
        assert_eq!(e.message, "terminate_call: dismiss_room failed (slow); already done: end_call (ended)");
        let e = failed(Error::new(ErrorCode::Timeout, "slow"), "end_call", &steps[..1]);
        assert!(e.message.ends_with("nothing has taken effect"), "{}", e.message);
    }
}
