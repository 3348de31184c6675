"""``tccall.Error`` and its subclasses, one per block of the C ABI's result codes."""

from __future__ import annotations

import builtins
import json
from enum import IntEnum
from typing import Any


class Code(IntEnum):
    """The C ABI's result codes (``TCCALL_OK`` and ``TCCALL_E_*`` in tccall.h), never renumbered.

    ``Error.code`` holds one of these values: ``e.code == tccall.Code.NOT_FOUND``.
    """

    OK = 0
    NULL_ARGUMENT = 101
    INVALID_UTF8 = 102
    INVALID_JSON = 103
    INVALID_REQUEST = 104
    INVALID_CONFIG = 105
    INPUT_TOO_LARGE = 106
    TIMEOUT = 201
    CONNECT = 202
    TLS = 203
    PROXY = 204
    HTTP_STATUS = 205
    BAD_RESPONSE = 206
    CANCELLED = 207
    SERVICE = 301
    NOT_FOUND = 302
    RATE_LIMITED = 303
    SERVICE_UNAVAILABLE = 304
    REMOTE_INVALID_PARAMETER = 305
    APP_CONFIG = 306
    AUTH_REJECTED = 401
    USERSIG_EXPIRED = 402
    USERSIG_INVALID = 403
    WEBHOOK_SIGNATURE = 501
    WEBHOOK_STALE = 502
    WEBHOOK_APP_MISMATCH = 503
    WEBHOOK_MALFORMED = 504
    INTERNAL = 901


class Error(Exception):
    """A tccall error: the stable code plus what Tencent said, if anything.

    Attributes mirror the C ABI's error JSON: ``code``, ``name``, ``message``,
    ``service_code`` (Tencent's code, e.g. ``"101004"`` or ``"FailedOperation.RoomNotExist"``),
    ``service_message``, ``request_id``, ``http_status``, ``retryable``, ``attempts``.
    """

    info: dict[str, Any]
    code: int
    name: str
    message: str
    service_code: str | None
    service_message: str | None
    request_id: str | None
    http_status: int | None
    retryable: bool
    attempts: int

    def __init__(self, info: dict[str, Any]):
        self._fill(info, False)

    def _fill(self, info: dict[str, Any], keep: bool) -> None:
        """Sets the attributes from ``info`` (``keep``: not over ones already set)."""
        values = {
            "info": info,
            "code": info.get("code", 0),
            "name": info.get("name", ""),
            "message": info.get("message", ""),
            "service_code": info.get("service_code"),
            "service_message": info.get("service_message"),
            "request_id": info.get("request_id"),
            "http_status": info.get("http_status"),
            "retryable": bool(info.get("retryable")),
            "attempts": info.get("attempts", 1),
        }
        if keep:
            values.update(self.__dict__)
        self.__dict__.update(values)
        super().__init__(f"{values['name']}: {values['message']}")

    # An error raised by a call starts as the library's error JSON, parsed on first use (see
    # _lazy): `except tccall.NotFound: pass` never pays for it. Reading any attribute, args,
    # str() or repr() parses it, exactly as the constructor would have.

    def _parse_pending(self) -> None:
        pending = self.__dict__.get("_pending")
        if pending is not None:
            text, rc, loads = pending
            self._fill(_info(text, rc, loads), True)
            self.__dict__.pop("_pending", None)

    def __getattr__(self, name: str) -> Any:
        # Only for attributes not found: the fields of an error not parsed yet.
        if "_pending" in self.__dict__:
            self._parse_pending()
            return getattr(self, name)
        raise AttributeError(f"{type(self).__name__!r} object has no attribute {name!r}")

    @property  # type: ignore[override]
    def args(self) -> tuple:
        self._parse_pending()
        return BaseException.args.__get__(self)  # type: ignore[attr-defined]

    @args.setter
    def args(self, value: tuple) -> None:
        BaseException.args.__set__(self, value)  # type: ignore[attr-defined]

    def __str__(self) -> str:
        self._parse_pending()
        return super().__str__()

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.info!r})"

    def __reduce__(self):
        # Rebuilt from the error JSON, so it survives pickling (multiprocessing, concurrent.futures).
        return (type(self), (self.info,))


class InvalidArgument(Error, ValueError):
    """1xx: NULL, bad UTF-8, bad JSON, an invalid request or config, input too large."""


class ClientClosed(InvalidArgument):
    """101: a call on a closed :class:`tccall.Client` or :class:`tccall.testing.Sandbox`.

    ``close()`` makes new calls fail with this at once; calls already in flight finish first.
    """


class TransportError(Error):
    """2xx: timeout, connection, TLS, proxy, HTTP status, unreadable response."""


class TimeoutError(TransportError, builtins.TimeoutError):  # noqa: A001 - mirrors TCCALL_E_TIMEOUT
    """201: the call's deadline passed (``timeout=``, or the config's ``timeouts``), retries included.

    Also a builtin :class:`TimeoutError`, so ``except TimeoutError`` catches it along with
    ``asyncio.timeout``'s. It is left out of ``tccall.__all__``: ``from tccall import *`` does
    not shadow the builtin."""


class ConnectError(TransportError, ConnectionError):
    """202 (no connection: DNS, refused, reset) and 204 (the proxy failed); also a builtin
    :class:`ConnectionError`."""


class Cancelled(TransportError):
    """207: the call was cancelled through its :class:`tccall.CancelToken`."""


class ServiceError(Error):
    """3xx: Tencent returned an error."""


class NotFound(ServiceError):
    """302: the call, session, room or callback config does not exist or has ended."""


class RateLimited(ServiceError):
    """303: Tencent's frequency limit, or the local limiter's bounded wait ran out."""


class ServiceUnavailable(ServiceError):
    """304: Tencent's "internal error, retry" after retries."""


class RemoteInvalidParameter(ServiceError):
    """305: Tencent rejected a parameter."""


class AppConfigError(ServiceError):
    """306: the app is not set up for this: check the SDKAppID, its package and IP allow-list,
    and the data center (Tencent's 60006/60016/60017/60020/60021; for 70016/70020 the message
    asks whether ``im_region`` is right). Retrying does not help; fix the app or the config."""


class AuthError(Error):
    """4xx: Tencent refused the credentials, or a UserSig did not verify."""


class UsersigExpired(AuthError):
    """402: ``verify_usersig``: the UserSig has expired."""


class UsersigInvalid(AuthError):
    """403: ``verify_usersig``: malformed, wrong signature, user or app."""


class WebhookError(Error):
    """5xx: a webhook failed authentication or could not be parsed."""


class InternalError(Error):
    """901: a bug in tccall (a caught panic)."""


_BY_CODE = {
    Code.TIMEOUT: TimeoutError,
    Code.CONNECT: ConnectError,
    Code.PROXY: ConnectError,
    Code.CANCELLED: Cancelled,
    Code.NOT_FOUND: NotFound,
    Code.RATE_LIMITED: RateLimited,
    Code.SERVICE_UNAVAILABLE: ServiceUnavailable,
    Code.REMOTE_INVALID_PARAMETER: RemoteInvalidParameter,
    Code.APP_CONFIG: AppConfigError,
    Code.USERSIG_EXPIRED: UsersigExpired,
    Code.USERSIG_INVALID: UsersigInvalid,
    Code.INTERNAL: InternalError,
}
_BY_BLOCK = {1: InvalidArgument, 2: TransportError, 3: ServiceError, 4: AuthError, 5: WebhookError}


def _info(text: str | bytes | None, rc: int, loads: Any) -> dict[str, Any]:
    try:
        info = loads(text) if text else {}
    except ValueError:
        info = {}
    if not isinstance(info, dict):
        info = {}
    info.setdefault("code", rc)
    return info


def from_json(text: str | bytes | None, rc: int, loads: Any = json.loads) -> Error:
    """Builds the right subclass from the error JSON (or from the code alone)."""
    info = _info(text, rc, loads)
    code = info["code"]
    cls = _BY_CODE.get(code) or _BY_BLOCK.get(code // 100, Error)
    return cls(info)


def _lazy(text: bytes | None, rc: int, loads: Any) -> Error:
    """:func:`from_json` of the error JSON a call wrote with its result code ``rc``, parsed when
    first used. The library's error JSON carries ``rc`` as its ``code``, so ``rc`` picks the class."""
    cls = _BY_CODE.get(rc) or _BY_BLOCK.get(rc // 100, Error)
    e = cls.__new__(cls)
    e.__dict__["_pending"] = (text, rc, loads)
    return e
