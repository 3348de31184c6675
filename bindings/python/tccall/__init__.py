"""tccall: server-side call control for Tencent Cloud (TUICallKit, TRTC, Contact Center).

A thin ctypes wrapper over the tccall C ABI; all logic lives in the Rust core.
"""

from ._ffi import ABI_VERSION, lib as _lib
from ._cancel import CancelToken
from .client import Client
from ._async import AsyncClient
from .errors import (
    AppConfigError,
    AuthError,
    Cancelled,
    ClientClosed,
    Code,
    ConnectError,
    Error,
    InternalError,
    InvalidArgument,
    NotFound,
    RateLimited,
    RemoteInvalidParameter,
    ServiceError,
    ServiceUnavailable,
    TimeoutError,
    TransportError,
    UsersigExpired,
    UsersigInvalid,
    WebhookError,
)
from .types import Mute, Room, RoomIdType

__version__ = _lib.tccall_version().decode()

# tccall.TimeoutError is not in __all__: `from tccall import *` must not shadow the builtin
# TimeoutError (which it subclasses, so `except TimeoutError` catches it anyway).
__all__ = [
    "ABI_VERSION",
    "AppConfigError",
    "AsyncClient",
    "AuthError",
    "CancelToken",
    "Cancelled",
    "Client",
    "ClientClosed",
    "Code",
    "ConnectError",
    "Error",
    "InternalError",
    "InvalidArgument",
    "Mute",
    "NotFound",
    "RateLimited",
    "RemoteInvalidParameter",
    "Room",
    "RoomIdType",
    "ServiceError",
    "ServiceUnavailable",
    "TransportError",
    "UsersigExpired",
    "UsersigInvalid",
    "WebhookError",
    "__version__",
]
