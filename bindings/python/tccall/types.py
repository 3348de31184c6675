"""Value types of the Python API: rooms, mute modes, and the shapes of tccall's own results.

Tencent's objects keep Tencent's field names (``CallInfo``, ``RoomId``); tccall's own
results (``terminate_call``, the webhook envelopes) are snake_case. The ``TypedDict`` classes
describe those dicts for type checkers; at run time they are plain dicts.
"""

from __future__ import annotations

from enum import IntEnum
from typing import Any, Dict, List, Mapping, NamedTuple, Optional, TypedDict, Union


class RoomIdType(IntEnum):
    """The kind of a TRTC room, as the Call APIs report it next to ``RoomId``."""

    NUMERIC = 1
    """A numeric room (``DismissRoom``, ``RemoveUser``, ``SetUserBlocked``)."""
    STRING = 2
    """A string room (``DismissRoomByStrRoomId``, ...)."""


class Mute(IntEnum):
    """``block_user``'s ``IsMute``: what a user may no longer send in a TRTC room."""

    NONE = 0
    """Unblock: audio and video allowed again."""
    ALL = 1
    """Block audio and video."""
    AUDIO = 2
    """Block audio only."""
    VIDEO = 3
    """Block video only."""


class Room(NamedTuple):
    """A TRTC room: its id and, when known, its kind.

    A numeric room ``1234`` and the string room ``"1234"`` are different rooms. The Call APIs
    report a call's room as a string plus ``RoomIdType`` (1 numeric, 2 string); a ``Room``
    keeps exactly that, and ``dismiss_room``, ``remove_users`` and ``block_user`` take it as
    their first argument::

        info = client.get_call_info(call_id)
        client.dismiss_room(tccall.Room.from_call_info(info))   # the call's own room

    ``Room(1234)`` is numeric room 1234, ``Room("r")`` string room ``"r"`` (without
    ``room_id_type`` a JSON number is a numeric room and a string a string room);
    ``Room("1234", RoomIdType.NUMERIC)`` is numeric room 1234.
    """

    room_id: Union[int, str]
    room_id_type: Optional[RoomIdType] = None

    @classmethod
    def numeric(cls, room_id: int) -> "Room":
        """Numeric room ``room_id``."""
        return cls(room_id, RoomIdType.NUMERIC)

    @classmethod
    def string(cls, room_id: str) -> "Room":
        """String room ``room_id``."""
        return cls(room_id, RoomIdType.STRING)

    @classmethod
    def from_call_info(cls, info: Mapping[str, Any]) -> "Room":
        """The room of a call, from what tccall returned about it: a ``get_call_info`` result
        or its ``CallInfo``, a ``get_call_record`` result or its ``CallRecord``,
        ``terminate_call``'s ``room``, or a ``parse_webhook`` result for a Call event (the
        start or end of a call). Raises ``ValueError`` when the call has no TRTC room."""
        obj: Any = info
        for _ in range(3):
            if not isinstance(obj, Mapping) or "RoomId" in obj:
                break
            if "room" in obj and obj["room"] is None:  # terminate_call of a call without a room
                raise ValueError("the call has no TRTC room")
            for key in ("CallInfo", "CallRecord", "event", "room"):
                if isinstance(obj.get(key), Mapping):
                    obj = obj[key]
                    break
            else:
                break
        if not isinstance(obj, Mapping) or "RoomId" not in obj:
            raise ValueError("no RoomId found: pass a get_call_info or get_call_record result, or its CallInfo")
        return cls._of(obj.get("RoomId"), obj.get("RoomIdType"))

    @classmethod
    def from_trtc_webhook(cls, event: Mapping[str, Any]) -> "Room":
        """The room a ``parse_trtc_webhook`` result is about (its ``room_id`` and ``room_id_type``).
        Raises ``ValueError`` for an event without a room."""
        return cls._of(event.get("room_id"), event.get("room_id_type"))

    @classmethod
    def _of(cls, room_id: Any, room_id_type: Any) -> "Room":
        if room_id is None or room_id == "":
            raise ValueError("the call has no TRTC room")
        kind = RoomIdType(room_id_type) if room_id_type in (1, 2) else None
        return cls(room_id, kind)


class CallRoom(TypedDict):
    """A call's room as the Call APIs report it: ``{"RoomId": "1234", "RoomIdType": 1}``."""

    RoomId: str
    RoomIdType: int


class _TerminateStep(TypedDict):
    step: str
    outcome: str
    request_id: Optional[str]


class TerminateStep(_TerminateStep, total=False):
    """One step of ``terminate_call``.

    ``step`` is ``get_call_info`` (``found`` / ``not_found``), ``get_call_record`` (only when
    the call had ended), ``end_call`` (``ended`` / ``already_ended``) or ``dismiss_room``
    (``dismissed`` / ``already_gone`` / ``skipped``); ``request_id`` is Tencent's for that
    request; ``reason`` says why a step was skipped or what it found.
    """

    reason: str


class TerminateCallResult(TypedDict):
    """The result of ``terminate_call``: the call, its room (``None`` when it had none), its
    members when it was still live (``None`` otherwise), and each step taken."""

    call_id: str
    room: Optional[CallRoom]
    members: Optional[List[Dict[str, Any]]]
    steps: List[TerminateStep]


class _VerifiedWebhook(TypedDict):
    """What every parsed webhook carries: Tencent's body (``event``), the app it was for, whether
    its signature was checked, whether it was seen before, and the ``reply`` to answer with."""

    event: Dict[str, Any]
    sdk_app_id: int
    signature_verified: bool
    duplicate: bool
    reply: str


class WebhookEvent(_VerifiedWebhook):
    """A verified Call or Desk webhook (``parse_webhook``). Answer with ``reply`` (HTTP 200)."""

    command: str
    client_ip: Optional[str]
    opt_platform: Optional[str]


class TrtcWebhookEvent(_VerifiedWebhook):
    """A verified TRTC room or media callback (``parse_trtc_webhook``).

    ``group`` is ``"room"``, ``"media"`` or ``"other"``; ``type`` Tencent's ``EventType``
    (103); ``name`` its name (``"enter_room"``, ``"exit_room"``, ``"dismiss_room"``,
    ``"create_room"``, ``"change_role"``, ``"start_video"``, ..., ``"unknown"``); ``room_id``
    (a string) and ``room_id_type`` (1 numeric, 2 string) name the room as the Call APIs do
    (``Room.from_trtc_webhook``); ``event`` is Tencent's body; ``duplicate`` is true when the
    same event was parsed recently (TRTC redelivers). Answer with ``reply`` (HTTP 200).
    """

    group: str
    type: int
    name: str
    room_id: Optional[str]
    room_id_type: Optional[int]
    user_id: Optional[str]


class LatencySummary(TypedDict):
    """Call latency in milliseconds, from a fixed log-scale histogram (each percentile at most
    25 % above the true value)."""

    p50: float
    p90: float
    p99: float
    max: float


class OperationStats(TypedDict):
    """One operation's counters (``Client.stats()["operations"]["end_call"]``). ``errors``
    counts failed calls by result code, as a string (``{"302": 1}``; ``tccall.Code`` names
    them); ``retries`` counts attempts beyond the first."""

    calls: int
    ok: int
    errors: Dict[str, int]
    retries: int
    already_ended: int
    limiter_waits: int
    limiter_wait_ms: float
    latency_ms: LatencySummary


class ConnectionStats(TypedDict):
    """The connection pool's counters."""

    opened: int
    reused: int
    tls_handshakes: int
    fork_resets: int


class ClientStats(TypedDict):
    """``Client.stats()``: counters since the client was made. Operations never called are
    left out of ``operations``."""

    operations: Dict[str, OperationStats]
    connections: ConnectionStats
    admin_usersig_mints: int


# -- results of the operations ----------------------------------------------------------------
# Tencent's answers keep Tencent's field names and may gain fields, so these are total=False:
# every listed key is typed, none is promised. `already_ended` is tccall's own: an ending
# operation whose retry found the target gone after an earlier attempt's outcome was unknown.


class _Answer(TypedDict, total=False):
    """Tencent's answer to one request, which always names its ``RequestId``."""

    RequestId: str


class RequestResult(_Answer, total=False):
    """The result of an operation that returns nothing but Tencent's ``RequestId``: ``end_call``,
    ``dismiss_room``, ``remove_users``, ``block_user``, ``end_desk_session``,
    ``set_callback_config``, ``delete_callback_config``. ``already_ended`` is ``True`` when an
    ending operation's retry found the call, room or session already gone."""

    already_ended: bool


class CalleeResult(TypedDict, total=False):
    """One callee of ``start_call_by_robot`` (``ResultCode`` 0: rung)."""

    Callee_Account: str
    ResultCode: int


class StartCallResult(_Answer, total=False):
    """``start_call_by_robot``: the new call's ``CallId`` and one entry per callee."""

    CallId: str
    CallResult: List[CalleeResult]


class _Call(TypedDict, total=False):
    """What a live call and a call record both say: the call, its media, and its TRTC room
    (``RoomId`` + ``RoomIdType``, see ``tccall.Room.from_call_info``)."""

    CallId: str
    MediaType: str
    RoomId: str
    RoomIdType: int


class CallInfo(_Call, total=False):
    """A live call (``get_call_info()["CallInfo"]``)."""

    ChatGroupId: str


class CallMember(TypedDict, total=False):
    """A member of a live call and its state (``Calling``, ``Answer``, ...)."""

    User_Account: str
    Status: str


class CallInfoResult(_Answer, total=False):
    """``get_call_info``: the call and its members."""

    CallInfo: CallInfo
    UserList: List[CallMember]


class CallRecord(_Call, total=False):
    """The record of an ended call (times in seconds since the epoch)."""

    Caller_Account: str
    CallType: str
    StartTime: int
    EndTime: int
    AcceptTime: int
    CallResult: str
    CalleeList_Account: List[str]


class CallRecordResult(_Answer, total=False):
    """``get_call_record``."""

    CallRecord: CallRecord


class CallRecordPage(_Answer, total=False):
    """``search_call_records``: one page of records and the total count."""

    TotalNum: int
    Page: int
    CallRecordList: List[CallRecord]


class CallbackConfig(_Answer, total=False):
    """``get_callback_config``: where Call webhooks go and which commands are sent."""

    Url: str
    CallbackCommandList: List[str]


class DeskSessionState(_Answer, total=False):
    """``get_desk_session_state``."""

    SessionId: str
    CurrentState: str
    AgentId: str


class DeskSession(TypedDict, total=False):
    """One Desk session record (``Duration`` in seconds, ``Timestamp`` its start)."""

    SessionId: str
    AgentGroupId: str
    AgentGroupName: str
    AgentId: str
    ChannelType: str
    ClientUserId: str
    ClientUserNickName: str
    Duration: int
    EndStatus: str
    SatisfactionSelected: int
    Timestamp: int


class DeskSessionList(_Answer, total=False):
    """``list_desk_sessions``."""

    TotalCount: int
    IMCdrList: List[DeskSession]


class UserSig(TypedDict):
    """``gen_usersig``: the UserSig and when it expires (seconds since the epoch)."""

    usersig: str
    expire_at: int


class UserSigCheck(TypedDict):
    """``verify_usersig`` of a valid UserSig (an invalid one raises): its expiry and its
    userbuf, base64 (``None`` without one)."""

    valid: bool
    expire_at: int
    userbuf_b64: Optional[str]


class PrivateMapKey(TypedDict):
    """``gen_private_map_key``."""

    private_map_key: str
    expire_at: int


class SignedRequest(TypedDict):
    """``sign_im_request`` / ``sign_cloud_api_request``: a request to send yourself, exactly as
    built (``body`` is the signed JSON text)."""

    method: str
    url: str
    headers: Dict[str, str]
    body: str
