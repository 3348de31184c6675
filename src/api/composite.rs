//! tccall's own operations made of Tencent ones, with snake_case requests.

use super::{Composite, Exec, OpSpec};
use crate::schema::Preset::Bool;
use crate::schema::{Field, Kind, NON_EMPTY};

static TERMINATE: &[Field] =
    &[Field::req("call_id", NON_EMPTY), Field::null("dismiss_room", Kind::Bool).or(Bool(true))];

/// End a call for good: read it (room, members), end it, then dismiss its TRTC room so no
/// client lingers in the media room. Each step is idempotent.
pub static TERMINATE_CALL: OpSpec =
    OpSpec { name: "terminate_call", fields: TERMINATE, check: None, exec: Exec::Composite(Composite::TerminateCall) };
