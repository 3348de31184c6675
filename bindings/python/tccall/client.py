"""``tccall.Client``: one method per Tencent operation, results as dicts with Tencent's field names."""

from __future__ import annotations

import json
import math
from ctypes import byref, c_void_p
from typing import Any, Dict, Mapping, Sequence, Union

from . import _ffi
from . import _log
from ._cancel import CancelToken, call_interruptibly, interruptible
from ._managed import Managed
from .errors import _lazy as _lazy_error
from .errors import from_json
from .types import (
    CallbackConfig,
    CallInfoResult,
    CallRecordPage,
    CallRecordResult,
    ClientStats,
    DeskSessionList,
    DeskSessionState,
    Mute,
    PrivateMapKey,
    RequestResult,
    Room,
    SignedRequest,
    StartCallResult,
    TerminateCallResult,
    TrtcWebhookEvent,
    UserSig,
    UserSigCheck,
    WebhookEvent,
)

JSON = Dict[str, Any]  # typing.Dict: this line runs, and requires-python is 3.8
RoomId = Union[int, str]


def _dumps(value: Any) -> bytes:
    # Default arguments use json's cached C encoder (several times faster than custom
    # separators); the output is ASCII with \uXXXX escapes, which the library reads as is.
    return json.dumps(value).encode("ascii")


# The request JSON of the typed methods is written here, byte for byte what json.dumps (default
# arguments: ", " and ": " separators, ASCII with \uXXXX escapes) writes for the same dict, but
# without the encoder json.dumps builds per call: strings go through json's own C escaper, ints
# are their repr, a flat params dict is written the same way, and anything else (bool, float,
# list, a nested dict, a subclass) is json.dumps' text for that value, which is what json.dumps
# puts inside the whole. tests/test_local.py compares the two on many inputs.
_str = json.encoder.encode_basestring_ascii


def _flat(d: JSON) -> str:
    """``json.dumps(d)`` for a dict of str keys and str, int or None values (others: json.dumps)."""
    parts = []
    for k, v in d.items():
        if type(k) is not str:
            return json.dumps(d)
        t = type(v)
        if t is str:
            parts.append(f"{_str(k)}: {_str(v)}")
        elif t is int:
            parts.append(f"{_str(k)}: {v}")
        elif v is None:
            parts.append(f"{_str(k)}: null")
        else:
            return json.dumps(d)
    return "{" + ", ".join(parts) + "}"


def _encode(fields: Mapping[str, Any]) -> bytes:
    """``_dumps(_drop_none(fields))`` for the fields of a typed method (identifier keys)."""
    parts = []
    for k, v in fields.items():
        if v is None:
            continue
        t = type(v)
        if t is str:
            parts.append(f'"{k}": {_str(v)}')
        elif t is int:
            parts.append(f'"{k}": {v}')
        elif t is dict:
            parts.append(f'"{k}": {_flat(v)}')
        else:
            parts.append(f'"{k}": {json.dumps(v)}')
    return ("{" + ", ".join(parts) + "}").encode("ascii")


def _drop_none(d: Mapping[str, Any]) -> JSON:
    return {k: v for k, v in d.items() if v is not None}


def _dict(value: Mapping[str, Any] | None) -> JSON | None:
    """An optional mapping argument as a JSON object (None stays None: left out of the request)."""
    return dict(value) if value is not None else None


def _room(room_id: RoomId | Room | None, room_id_type: int | None) -> JSON:
    """``RoomId`` and ``RoomIdType`` of a room request or a call's ``CallInfo`` (each left out
    when None); a :class:`Room` carries both."""
    if isinstance(room_id, Room):
        if room_id_type is not None:
            raise TypeError("room_id_type is given twice: by the Room and as an argument")
        room_id, room_id_type = room_id
    return _drop_none({"RoomId": room_id, "RoomIdType": int(room_id_type) if room_id_type is not None else None})


def _header(headers: Any, name: str) -> str | None:
    """A header's value from any mapping (case-insensitive), or None when absent."""
    value = headers.get(name) if hasattr(headers, "get") else None
    if value is None:
        lower = name.lower()
        for key, v in headers.items():
            if key.lower() == lower:
                return v
    return value


def _cloud_request(
    action: str,
    params: Mapping[str, Any] | None,
    service: str | None,
    version: str | None,
    region: str | None,
    endpoint: str | None,
) -> JSON:
    return _drop_none(
        {
            "service": service,
            "version": version,
            "action": action,
            "region": region,
            "params": _dict(params),
            "endpoint": endpoint,
        }
    )


# Operation name -> its NUL-terminated name for tccall_client_call.
_OPS = {op: op.encode() for op in _ffi.OPERATIONS}
_LOCAL = _ffi.LOCAL_OPERATIONS

_MAX_TIMEOUT_S = 3600  # the C ABI's deadline_ms limit


def _options(timeout: float | None, max_attempts: int | None) -> bytes | None:
    """``options_json`` for tccall_client_call, or None when the config's values apply."""
    if timeout is None and max_attempts is None:
        return None
    opts: dict[str, int] = {}
    if timeout is not None:
        if not 0 < timeout <= _MAX_TIMEOUT_S:
            raise ValueError(f"timeout must be a number of seconds in (0, {_MAX_TIMEOUT_S}], not {timeout!r}")
        opts["deadline_ms"] = max(1, math.ceil(timeout * 1000))
    if max_attempts is not None:
        opts["max_attempts"] = max_attempts
    return _dumps(opts)


def _raise(rc: int, err: c_void_p) -> None:
    raise from_json(_ffi.take_string(err), rc)


_slots = _ffi.slots
_give_back = _ffi.give_back
_loads = _ffi.loads
_OP_FUNCTIONS = _ffi.OP_FUNCTIONS
_CALL = _ffi.CALL
_threshold = _log.threshold


class Client(Managed):
    """A Tencent call-control client. Thread-safe: share one instance across threads.

    ``config`` is the tccall config (a dict or JSON text), e.g.
    ``{"sdk_app_id": 1400000001, "secret_key": "...", "cloud_api": {"secret_id": ..., "secret_key": ...}}``.
    Use it as a context manager, or call :meth:`close` (new calls then raise
    :class:`tccall.ClientClosed`; calls in flight finish first).

    Every network method takes keyword-only ``timeout`` (seconds, one deadline for the
    whole call) and ``cancel`` (a :class:`tccall.CancelToken`); see :meth:`call`. On the
    main thread, Ctrl-C interrupts a blocked call within 100 ms. For asyncio, use
    :class:`tccall.AsyncClient` (the same methods as coroutines).

    Results are plain dicts: Tencent's answers keep Tencent's field names (``CallInfo``,
    ``RequestId``), tccall's own results are snake_case; each method's return annotation
    names its :mod:`tccall.types` ``TypedDict`` (``CallInfoResult``, ``RequestResult``, ...).
    Failures raise :class:`tccall.Error` subclasses chosen by result code (``NotFound``,
    ``TimeoutError``, ``AuthError``, ...).
    """

    _what = "client"

    def __init__(self, config: Mapping[str, Any] | str):
        text = config if isinstance(config, str) else json.dumps(config)
        handle, err = c_void_p(), c_void_p()
        rc = _ffi.lib.tccall_client_new(text.encode("utf-8"), byref(handle), byref(err))
        if rc != 0:
            _raise(rc, err)
        self._init_handle(handle.value)
        self._logging = _log.LogState()  # see tccall._log: the tccall logger's level, followed per call
        self._logging.sync(handle.value, _log.threshold())

    def _free(self, handle: int) -> None:
        _ffi.lib.tccall_client_free(handle)

    def call(
        self,
        operation: str,
        request: Mapping[str, Any],
        *,
        timeout: float | None = None,
        max_attempts: int | None = None,
        cancel: CancelToken | None = None,
    ) -> JSON:
        """Runs any operation by its C name (``"end_call"``) on a request dict.

        ``timeout`` (seconds) is one deadline for the whole call: DNS, connect, TLS, every
        read, retries and the backoff between them; it replaces the config's
        ``timeouts.total_ms`` for this call and raises :class:`tccall.TimeoutError` when it
        passes. ``max_attempts`` replaces ``retry.max_attempts`` (1 to 10). ``cancel`` is a
        :class:`tccall.CancelToken`; cancelling it raises :class:`tccall.Cancelled`.
        Every network method takes ``timeout`` and ``cancel`` the same way.
        """
        if operation not in _OPS:
            raise ValueError(f"unknown operation {operation!r}")
        if cancel is not None and not isinstance(cancel, CancelToken):
            raise TypeError(f"cancel must be a tccall.CancelToken, not {type(cancel).__name__}")
        return self._run(operation, _dumps(request), _options(timeout, max_attempts), cancel)

    def _run(self, operation: str, request: bytes, options: bytes | None = None, cancel: CancelToken | None = None) -> Any:
        """Runs ``operation`` on the request JSON with the handle held; returns the result or raises.

        Every operation goes through here. Without options or a token its own export
        (``tccall_client_<op>``) is called, else ``tccall_client_call``; a network call on the
        main thread stays interruptible by Ctrl-C (see ``_cancel``). The handle is held as
        :meth:`Managed._acquire` does, inline: this is the hot path."""
        self._calls.append(None)
        try:
            handle = self._handle
            if not handle:
                raise self._closed()
            logging = self._logging
            if logging.threshold != _threshold():  # the tccall logger's level changed
                logging.sync(handle, _threshold())
            s = _slots()
            if operation in _LOCAL or not interruptible():
                if options is None and cancel is None:
                    rc = _OP_FUNCTIONS[operation](handle, request, s.out, s.err)
                else:
                    token = cancel._ptr if cancel is not None else None
                    rc = _CALL(handle, _OPS[operation], request, options, token, s.out, s.err)
            else:
                rc = call_interruptibly(handle, _OPS[operation], request, options, cancel, s)
        finally:
            self._release()
        if rc:
            err = s.take(1)
            _give_back(s)
            raise _lazy_error(err, rc, _loads)
        out = s.take(0)
        _give_back(s)
        return _loads(out or b"{}")

    def _invoke(self, fn: Any, *args: Any) -> JSON:
        """Calls ``fn(handle, *args, &out, &err)`` with the handle held; returns the result JSON or raises."""
        out, err = c_void_p(), c_void_p()
        handle = self._acquire()
        try:
            rc = fn(handle, *args, byref(out), byref(err))
        finally:
            self._release()
        if rc != 0:
            _raise(rc, err)
        return json.loads(_ffi.take_bytes(out) or b"{}")

    def _send(self, operation: str, timeout: float | None, cancel: CancelToken | None, **fields: Any) -> Any:
        """Runs a network ``operation`` on the request of its ``fields`` that are not None
        (left out, the core fills its defaults)."""
        if cancel is not None and not isinstance(cancel, CancelToken):
            raise TypeError(f"cancel must be a tccall.CancelToken, not {type(cancel).__name__}")
        return self._run(operation, _encode(fields), None if timeout is None else _options(timeout, None), cancel)

    def _local(self, operation: str, **fields: Any) -> Any:
        """Runs a local (no I/O) ``operation`` on the request of its ``fields`` that are not None."""
        return self._run(operation, _encode(fields))

    # -- Call (TUICallKit) -----------------------------------------------------

    def end_call(self, call_id: str, *, timeout: float | None = None, cancel: CancelToken | None = None) -> RequestResult:
        """Force-ends a call. Raises :class:`tccall.NotFound` if it does not exist or already ended."""
        return self._send("end_call", timeout, cancel, CallId=call_id)

    def terminate_call(
        self,
        call_id: str,
        *,
        dismiss_room: bool = True,
        timeout: float | None = None,
        cancel: CancelToken | None = None,
    ) -> TerminateCallResult:
        """Ends a call for good: reads it (its TRTC room and members; for a call that already
        ended, the room from its record), ends it, then dismisses its TRTC room, so no client
        lingers in the media room after the backend ended the call. ``dismiss_room=False``
        leaves the room alone.

        Each step is idempotent (a call already ended, a room already gone are successes), so
        a repeat is safe; the result lists each step with its ``request_id``
        (:class:`tccall.types.TerminateCallResult`). A failing step raises that step's error,
        whose message says which steps already took effect. ``timeout`` covers all steps.
        """
        keep_room = None if dismiss_room else False  # True is the core's default: only False is sent
        return self._send("terminate_call", timeout, cancel, call_id=call_id, dismiss_room=keep_room)

    def get_call_info(self, call_id: str, *, timeout: float | None = None, cancel: CancelToken | None = None) -> CallInfoResult:
        """Live status of a call: ``{"CallInfo": {...}, "UserList": [...], "RequestId": ...}``."""
        return self._send("get_call_info", timeout, cancel, CallId=call_id)

    def start_call_by_robot(
        self,
        robot_account: str,
        callee_accounts: Sequence[str],
        *,
        media_type: str | None = None,
        timeout_ms: int | None = None,
        room_id: str | None = None,
        room_id_type: int | None = None,
        user_data: str | None = None,
        offline_push_info: Mapping[str, Any] | None = None,
        timeout: float | None = None,
        cancel: CancelToken | None = None,
    ) -> StartCallResult:
        """Starts a call from a robot account; returns ``{"CallId", "CallResult": [...]}``.

        ``media_type`` is ``"Audio"`` (the default) or ``"Video"``; ``timeout_ms`` is the
        ringing timeout (10000-600000 ms, default 30000); ``room_id`` and ``room_id_type``
        (:class:`tccall.RoomIdType`) choose the call's TRTC room. ``timeout`` (seconds), as on
        every network method, bounds this HTTP call. Not retried unless the request provably
        never reached Tencent.
        """
        call_info = _drop_none({"MediaType": media_type, **_room(room_id, room_id_type)})
        return self._send(
            "start_call_by_robot", timeout, cancel,
            Robot_Account=robot_account, CalleeList_Account=list(callee_accounts), Timeout=timeout_ms,
            UserData=user_data, CallInfo=call_info, OfflinePushInfo=_dict(offline_push_info),
        )

    def get_call_record(self, call_id: str, *, timeout: float | None = None, cancel: CancelToken | None = None) -> CallRecordResult:
        """The record of an ended call (``{"CallRecord": {...}}``)."""
        return self._send("get_call_record", timeout, cancel, CallId=call_id)

    def search_call_records(
        self,
        *,
        start_time: int | None = None,
        end_time: int | None = None,
        number_per_page: int | None = None,
        page: int | None = None,
        call_result: str | None = None,
        call_type: str | None = None,
        timeout: float | None = None,
        cancel: CancelToken | None = None,
    ) -> CallRecordPage:
        """Call records of the last 7 days: ``{"TotalNum", "Page", "CallRecordList"}``."""
        return self._send(
            "search_call_records", timeout, cancel, StartTime=start_time, EndTime=end_time,
            NumberPerPage=number_per_page, Page=page, CallResult=call_result, CallType=call_type,
        )

    def set_callback_config(
        self,
        url: str,
        commands: Sequence[str],
        *,
        timeout: float | None = None,
        cancel: CancelToken | None = None,
    ) -> RequestResult:
        """Creates or overwrites the Call webhook configuration."""
        return self._send("set_callback_config", timeout, cancel, Url=url, CallbackCommandList=list(commands))

    def get_callback_config(self, *, timeout: float | None = None, cancel: CancelToken | None = None) -> CallbackConfig:
        """The Call webhook configuration (raises :class:`tccall.NotFound` when none)."""
        return self._send("get_callback_config", timeout, cancel)

    def delete_callback_config(self, *, timeout: float | None = None, cancel: CancelToken | None = None) -> RequestResult:
        """Deletes the Call webhook configuration."""
        return self._send("delete_callback_config", timeout, cancel)

    # -- TRTC rooms -------------------------------------------------------------

    # A numeric room 1234 and the string room "1234" are different rooms. Each method takes
    # the room as a Room (Room.from_call_info(info) is a call's own room), or as an id plus an
    # optional room_id_type exactly as the Call APIs report it ("1234" with RoomIdType 1 is
    # numeric room 1234); without room_id_type an int is a numeric room and a str a string room.

    def dismiss_room(
        self,
        room_id: RoomId | Room,
        *,
        room_id_type: int | None = None,
        timeout: float | None = None,
        cancel: CancelToken | None = None,
    ) -> RequestResult:
        """Dismisses a TRTC room, removing everyone (DismissRoom for a numeric room,
        DismissRoomByStrRoomId for a string one). Raises :class:`tccall.NotFound` when there is
        no such room. Pass a call's room as ``tccall.Room.from_call_info(info)``."""
        if room_id_type is None and timeout is None and cancel is None and type(room_id) is int:
            return self._run("dismiss_room", b'{"RoomId": %d}' % room_id)
        return self._send("dismiss_room", timeout, cancel, **_room(room_id, room_id_type))

    def remove_users(
        self,
        room_id: RoomId | Room,
        user_ids: Sequence[str],
        *,
        room_id_type: int | None = None,
        timeout: float | None = None,
        cancel: CancelToken | None = None,
    ) -> RequestResult:
        """Removes up to 10 users from a TRTC room (RemoveUser / RemoveUserByStrRoomId)."""
        return self._send("remove_users", timeout, cancel, **_room(room_id, room_id_type), UserIds=list(user_ids))

    def block_user(
        self,
        room_id: RoomId | Room,
        user_id: str,
        mute: Mute | int,
        *,
        room_id_type: int | None = None,
        timeout: float | None = None,
        cancel: CancelToken | None = None,
    ) -> RequestResult:
        """Mutes or unmutes a user in a TRTC room (SetUserBlocked / SetUserBlockedByStrRoomId).

        ``mute`` is a :class:`tccall.Mute`: ``Mute.ALL`` blocks audio and video, ``Mute.AUDIO``
        audio only, ``Mute.VIDEO`` video only, ``Mute.NONE`` lifts the block.
        """
        return self._send("block_user", timeout, cancel, **_room(room_id, room_id_type), UserId=user_id, IsMute=int(mute))

    # -- Contact Center (Desk) ----------------------------------------------------

    def end_desk_session(
        self,
        session_id: str,
        *,
        timeout: float | None = None,
        cancel: CancelToken | None = None,
    ) -> RequestResult:
        """Ends a Desk session handed to an agent."""
        return self._send("end_desk_session", timeout, cancel, SessionId=session_id)

    def get_desk_session_state(
        self,
        session_id: str | None = None,
        *,
        client_user_id: str | None = None,
        customer_service_id: str | None = None,
        timeout: float | None = None,
        cancel: CancelToken | None = None,
    ) -> DeskSessionState:
        """A Desk session's state, by ``session_id`` or by ``client_user_id`` + ``customer_service_id``."""
        return self._send(
            "get_desk_session_state", timeout, cancel,
            SessionId=session_id, ClientUserId=client_user_id, CustomerServiceId=customer_service_id,
        )

    def list_desk_sessions(
        self,
        start_timestamp: int,
        end_timestamp: int,
        *,
        limit: int | None = None,
        offset: int | None = None,
        client_user_id: str | None = None,
        timeout: float | None = None,
        cancel: CancelToken | None = None,
    ) -> DeskSessionList:
        """Desk session records: ``{"TotalCount", "IMCdrList"}``."""
        return self._send(
            "list_desk_sessions", timeout, cancel, StartTimestamp=start_timestamp, EndTimestamp=end_timestamp,
            Limit=limit, Offset=offset, ClientUserId=client_user_id,
        )

    # -- tokens --------------------------------------------------------------------

    def gen_usersig(
        self, user_id: str, expire: int | None = None, *, userbuf: bytes | None = None, time: int | None = None
    ) -> UserSig:
        """A UserSig for ``user_id``: ``{"usersig", "expire_at"}`` (default validity 180 days)."""
        if userbuf is None and expire is None and time is None and type(user_id) is str:
            return self._run("gen_usersig", b'{"user_id": %s}' % _str(user_id).encode("ascii"))
        import base64

        ub = base64.b64encode(userbuf).decode() if userbuf is not None else None
        return self._local("gen_usersig", user_id=user_id, expire_s=expire, userbuf_b64=ub, time=time)

    def verify_usersig(self, user_id: str, usersig: str, *, now: int | None = None) -> UserSigCheck:
        """Verifies a UserSig; raises :class:`tccall.UsersigExpired` or :class:`tccall.UsersigInvalid`."""
        return self._local("verify_usersig", user_id=user_id, usersig=usersig, now=now)

    def gen_private_map_key(
        self,
        user_id: str,
        *,
        room_id: int | None = None,
        room_str: str | None = None,
        privilege_map: int | None = None,
        expire: int | None = None,
        time: int | None = None,
    ) -> PrivateMapKey:
        """A TRTC PrivateMapKey for a numeric ``room_id`` or a string ``room_str``
        (``privilege_map`` defaults to 255, every right)."""
        return self._local(
            "gen_private_map_key", user_id=user_id, room_id=room_id, room_str=room_str,
            privilege_map=privilege_map, expire_s=expire, time=time,
        )

    # -- escape hatches -----------------------------------------------------------

    def im_request(
        self,
        path: str,
        body: Mapping[str, Any] | None = None,
        *,
        timeout: float | None = None,
        cancel: CancelToken | None = None,
    ) -> JSON:
        """Any IM REST command, e.g. ``im_request("v4/openim/querystate", {...})``."""
        return self._send("im_request", timeout, cancel, path=path, body=_dict(body))

    def cloud_api_request(
        self,
        action: str,
        params: Mapping[str, Any] | None = None,
        *,
        service: str | None = None,
        version: str | None = None,
        region: str | None = None,
        endpoint: str | None = None,
        timeout: float | None = None,
        cancel: CancelToken | None = None,
    ) -> JSON:
        """Any Cloud API 3.0 action; returns the contents of ``Response``. ``service`` and
        ``version`` default to ``"trtc"`` and ``"2019-07-22"``."""
        req = _cloud_request(action, params, service, version, region, endpoint)
        return self._send("cloud_api_request", timeout, cancel, **req)

    def sign_im_request(self, path: str, body: Mapping[str, Any] | None = None) -> SignedRequest:
        """Builds (does not send) a signed IM REST request: ``{"method", "url", "headers", "body"}``."""
        return self._local("sign_im_request", path=path, body=_dict(body))

    def sign_cloud_api_request(
        self,
        action: str,
        params: Mapping[str, Any] | None = None,
        *,
        service: str | None = None,
        version: str | None = None,
        region: str | None = None,
        endpoint: str | None = None,
        timestamp: int | None = None,
        body: str | None = None,
    ) -> SignedRequest:
        """Builds (does not send) a TC3-signed Cloud API request (``body``: an exact JSON string to sign)."""
        return self._run("sign_cloud_api_request", _encode({
            "service": service, "version": version, "action": action, "region": region, "params": _dict(params),
            "endpoint": endpoint, "timestamp": timestamp, "body": body,
        }))

    # -- webhooks -------------------------------------------------------------------

    def parse_webhook(self, query_string: str, body: bytes) -> WebhookEvent:
        """Verifies (SdkAppid, Sign, RequestTime) and parses an inbound Call or Desk webhook
        (Tencent's IM callback protocol).

        Pass the raw query string and the raw body bytes exactly as received. Returns
        ``{"command", "event", "sdk_app_id", "client_ip", "opt_platform", "signature_verified",
        "duplicate", "reply"}``; answer the HTTP request with ``reply`` (HTTP 200).
        ``duplicate`` is true when the same event was parsed within ``webhook.dedupe_window_s``
        (Tencent redelivers; best effort, this process only). Raises
        :class:`tccall.WebhookError` (codes 501-504) on failure.
        """
        if isinstance(body, str):
            body = body.encode("utf-8")
        return self._invoke(  # type: ignore[return-value]
            _ffi.lib.tccall_client_parse_webhook, query_string.encode("utf-8"), bytes(body), len(body)
        )

    def parse_trtc_webhook(self, sign: str | None, sdk_app_id: str | int | None, body: bytes) -> TrtcWebhookEvent:
        """Verifies and parses a TRTC room or media callback (enter, exit, dismiss, ...).

        ``sign`` and ``sdk_app_id`` are the values of the request's ``Sign`` and ``SdkAppId``
        headers (``None`` when absent); ``body`` is the raw body, exactly as received (the
        signature covers its bytes). ``SdkAppId`` must be this app's (503); with
        ``webhook.trtc_key`` configured, ``Sign`` must be ``base64(HMAC-SHA256(key, body))``
        (501; a missing one is refused unless ``webhook.require_sign.trtc`` is false); then
        the body must be a TRTC event (504). Returns a :class:`tccall.types.TrtcWebhookEvent`;
        answer the HTTP request with its ``reply`` (``{"code":0}``, HTTP 200).
        """
        if isinstance(body, str):
            body = body.encode("utf-8")
        body = bytes(body)
        return self._invoke(  # type: ignore[return-value]
            _ffi.lib.tccall_client_parse_trtc_webhook,
            None if sign is None else sign.encode("utf-8"),
            None if sdk_app_id is None else str(sdk_app_id).encode("utf-8"),
            body,
            len(body),
        )

    def parse_trtc_webhook_request(self, headers: Mapping[str, str] | Any, body: bytes) -> TrtcWebhookEvent:
        """:meth:`parse_trtc_webhook` for any web framework: ``headers`` is the request's
        headers (any mapping; ``Sign`` and ``SdkAppId`` are looked up case-insensitively),
        ``body`` its raw bytes. E.g. ``client.parse_trtc_webhook_request(self.headers, raw)``
        in ``http.server``, ``(request.headers, request.get_data())`` in Flask,
        ``(request.headers, await request.body())`` in Starlette."""
        return self.parse_trtc_webhook(_header(headers, "Sign"), _header(headers, "SdkAppId"), body)

    # -- operating the client -------------------------------------------------------

    @property
    def log_level(self) -> int:
        """The level the library currently sends events at (``TCCALL_LOG_*``: 0 off, 1 error,
        2 warn, 3 info, 4 debug): the most verbose level ``logging.getLogger("tccall")`` is
        enabled for, as of this client's last call."""
        return self._logging.level

    def stats(self) -> ClientStats:
        """The client's counters since it was made (always on, thread-safe):
        ``{"operations": {op: {"calls", "ok", "errors": {"<code>": n}, "retries",
        "already_ended", "limiter_waits", "limiter_wait_ms", "latency_ms": {"p50", "p90",
        "p99", "max"}}}, "connections": {"opened", "reused", "tls_handshakes", "fork_resets"},
        "admin_usersig_mints"}`` (:class:`tccall.types.ClientStats`). Operations never
        called are left out."""
        out = c_void_p()
        handle = self._acquire()
        try:
            rc = _ffi.lib.tccall_client_stats(handle, byref(out))
        finally:
            self._release()
        if rc != 0:
            _ffi.take_bytes(out)
            raise from_json(None, rc)
        return json.loads(_ffi.take_bytes(out) or b"{}")

    def update_credentials(
        self,
        credentials: Mapping[str, Any] | None = None,
        *,
        secret_key: str | None = None,
        cloud_api: Mapping[str, Any] | None = None,
    ) -> None:
        """Swaps the client's credentials while other threads call: the IM ``secret_key``,
        the Cloud API credentials, or both (``cloud_api`` is ``{"secret_id", "secret_key",
        "token"?}`` or ``{"from_env": True}``, and replaces the id, key and token together).
        Pass them as keywords or as one dict ``{"secret_key"?, "cloud_api"?}``.

        Calls in flight finish with the credentials they started with; later calls use the
        new ones (a new admin UserSig is minted with the new key). On failure nothing changes
        and :class:`tccall.InvalidArgument` is raised (code 105 for a bad or empty update).
        """
        if credentials is not None and (secret_key is not None or cloud_api is not None):
            raise TypeError("pass the credentials either as a dict or as keywords, not both")
        if credentials is None:
            credentials = _drop_none({"secret_key": secret_key, "cloud_api": _dict(cloud_api)})
        err = c_void_p()
        handle = self._acquire()
        try:
            if self._logging.threshold != _log.threshold():
                self._logging.sync(handle, _log.threshold())
            rc = _ffi.lib.tccall_client_update_credentials(handle, _dumps(dict(credentials)), byref(err))
        finally:
            self._release()
        if rc != 0:
            _raise(rc, err)
