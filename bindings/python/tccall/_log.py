"""The library's log events as records of ``logging.getLogger("tccall")``.

The C library calls one callback per event (``tccall_client_set_log_callback``) with the
event as JSON, on the thread making the call. Here every event becomes one
:class:`logging.LogRecord` on the ``tccall`` logger: at the mapped level (``error``,
``warn`` -> ``WARNING``, ``info``, ``debug``), with a short human message
(``"end_call ok in 12.3 ms (RequestId ...)"``), the whole event as ``record.tccall`` (a
dict) and each of its fields as a flat attribute ``record.tccall_<field>``
(``tccall_op``, ``tccall_event``, ``tccall_code``, ``tccall_request_id``, ...), so no
field clobbers a LogRecord attribute (``tccall_event`` and ``tccall_op`` are always set,
``tccall_op`` to None for client-wide events, so a format string may name them). The record's file, line and function are the
caller's, outside this package.

No cost when disabled: a client registers the C callback only when the ``tccall`` logger
is enabled for some level, and at the most verbose enabled level only (an event above it
is never built). Every call re-reads the logger's effective level (one integer compare
when nothing changed) and re-registers only when it changed, so ``setLevel``,
``logging.disable`` and ``dictConfig`` take effect on the next call.

One callback object serves every client (its ``userdata`` is NULL): it lives as long as
the process, so no client's close, collection or fork can leave the library holding a
dangling function pointer.
"""

from __future__ import annotations

import json
import logging
import os
import sys
import threading
import traceback
from typing import Any, Callable

from . import _ffi

LOGGER_NAME = "tccall"
logger = logging.getLogger(LOGGER_NAME)
# As the logging HOWTO asks of libraries: without a configured handler, records go nowhere
# (not to the last-resort stderr handler).
logger.addHandler(logging.NullHandler())

# C level (TCCALL_LOG_*) -> logging level, and back.
LEVELS = {1: logging.ERROR, 2: logging.WARNING, 3: logging.INFO, 4: logging.DEBUG}
_C_FOR = ((logging.DEBUG, 4), (logging.INFO, 3), (logging.WARNING, 2), (logging.ERROR, 1))

_PKG_DIR = os.path.dirname(os.path.abspath(__file__)) + os.sep
# Frames _caller skips: this package's, and on PyPy those of ctypes itself (written in Python
# there, so the callback's frames sit between the caller's and this package's).
_SKIP_DIRS = (_PKG_DIR,)
if sys.implementation.name != "cpython":  # pragma: no cover - PyPy
    import ctypes as _ctypes_pkg

    _SKIP_DIRS += (os.path.dirname(os.path.abspath(_ctypes_pkg.__file__)) + os.sep,)
    try:
        import _ctypes

        _SKIP_DIRS += (os.path.dirname(os.path.abspath(_ctypes.__file__)) + os.sep,)
    except (ImportError, AttributeError, TypeError):
        pass
_manager = logger.manager


_OFF = logging.CRITICAL + 1000
_NullHandler = logging.NullHandler


def heard() -> bool:
    """Whether a record of the ``tccall`` logger could reach anything: the logger has a filter,
    or a handler up its chain (as far as ``propagate`` goes) is not a plain ``NullHandler``, or
    there is no handler at all (logging's last resort then prints warnings to stderr). With
    only the ``NullHandler`` this package adds, every record would be dropped unseen."""
    if logger.filters:
        return True
    found = False
    c = logger
    while c is not None:
        for h in c.handlers:
            if type(h) is not _NullHandler:
                return True
            found = True
        if not c.propagate:
            break
        c = c.parent
    return not found


def threshold() -> int:
    """The lowest logging level the ``tccall`` logger passes on now (above CRITICAL when
    none): what ``Logger.isEnabledFor`` decides, as one integer, and none while no record
    could be seen (:func:`heard`). Cheap: called per call."""
    if logger.disabled or not heard():
        return _OFF
    return max(logger.getEffectiveLevel(), _manager.disable + 1, 1)


def c_level(threshold_now: int) -> int:
    """The TCCALL_LOG_* level to register for a threshold (0: logging off)."""
    for py, c in _C_FOR:
        if threshold_now <= py:
            return c
    return 0


# -- messages ------------------------------------------------------------------------------


def _ms(v: Any) -> str:
    return f"{v:.1f} ms" if isinstance(v, (int, float)) else "? ms"


def _rid(e: dict) -> str:
    rid = e.get("request_id")
    return f" (RequestId {rid})" if rid else ""


def _failure(e: dict) -> str:
    text = f"{e.get('name') or e.get('code')}"
    if e.get("message"):
        text += f": {e['message']}"
    if e.get("service_code") not in (None, ""):
        text += f" [Tencent {e['service_code']}]"
    return text


def _msg_call(e: dict) -> str:
    op, took = e.get("op", "?"), _ms(e.get("duration_ms"))
    tries = e.get("attempts") or 0
    after = f" after {tries} attempts" if tries > 1 else ""
    if e.get("outcome") == "ok":
        ended = " (already ended)" if e.get("already_ended") else ""
        return f"{op} ok{ended} in {took}{after}{_rid(e)}"
    return f"{op} failed in {took}{after}: {_failure(e)}{_rid(e)}"


_DECISIONS = {
    "give_up_attempts": "no attempts left",
    "give_up_not_retryable": "not retried",
    "give_up_deadline": "no time left to retry",
}


def _msg_attempt_failed(e: dict) -> str:
    decision = e.get("decision", "")
    if decision == "retry":
        then = f"retrying in {e.get('backoff_ms', 0)} ms"
    else:
        then = _DECISIONS.get(decision, decision)
    return f"{e.get('op', '?')} attempt {e.get('attempt', '?')} failed: {_failure(e)}{_rid(e)}; {then}"


def _msg_connection(e: dict) -> str:
    how = "reusing the connection" if e.get("reused") else "new connection"
    text = f"{e.get('op', '?')}: {how} to {e.get('host')}:{e.get('port')}"
    if e.get("via_proxy"):
        text += " via the proxy"
    if e.get("tls_resumed"):
        text += " (TLS session resumed)"
    return text


_MESSAGES: dict[str, Callable[[dict], str]] = {
    "call": _msg_call,
    "attempt_failed": _msg_attempt_failed,
    "already_ended": lambda e: f"{e.get('op', '?')}: already ended (attempt {e.get('attempt', '?')}){_rid(e)}",
    "rate_limiter_wait": lambda e: f"{e.get('op', '?')} waits {_ms(e.get('wait_ms'))} for the rate limiter ({e.get('bucket')})",
    "connection": _msg_connection,
    "response": lambda e: f"{e.get('op', '?')}: HTTP {e.get('http_status')}, {e.get('bytes')} bytes",
    "admin_usersig_minted": lambda e: f"admin UserSig minted for {e.get('identifier')} (valid {e.get('valid_s')} s)",
    "credentials_updated": lambda e: f"credentials updated: {', '.join(e.get('fields') or [])}",
    "backup_domain": lambda e: f"{e.get('op', '?')}: trying the IM backup domain ({e.get('reason')})",
}


def message(event: dict) -> str:
    """The one-line message of an event."""
    fn = _MESSAGES.get(event.get("event", ""))
    if fn is not None:
        return fn(event)
    op = event.get("op")
    return f"{op}: {event.get('event')}" if op else str(event.get("event"))


# -- the callback --------------------------------------------------------------------------


def _caller() -> tuple[str, int, str]:
    """File, line and function of the innermost frame outside this package: the code that
    made the call (or the thread's entry point, for a call made through an executor)."""
    f = sys._getframe(2)
    while f is not None and f.f_code.co_filename.startswith(_SKIP_DIRS):
        f = f.f_back
    if f is None:  # pragma: no cover - only tccall frames (impossible from a user call)
        return __file__, 0, "<tccall>"
    return f.f_code.co_filename, f.f_lineno, f.f_code.co_name


def emit(c_lvl: int, text: bytes) -> None:
    """Turns one event into one LogRecord on the ``tccall`` logger."""
    level = LEVELS.get(c_lvl, logging.DEBUG)
    if not logger.isEnabledFor(level):
        return  # the level went down since the callback was registered
    event = json.loads(text)
    extra = {"tccall": event, "tccall_op": None}
    for k, v in event.items():
        extra["tccall_" + k] = v
    fn, lno, func = _caller()
    record = logger.makeRecord(LOGGER_NAME, level, fn, lno, message(event), (), None, func, extra)
    logger.handle(record)


def _on_event(_userdata: Any, c_lvl: int, text: bytes) -> None:
    # Never raise into C: ctypes would print the exception and drop it. A KeyboardInterrupt
    # (Ctrl-C arriving while a handler ran) is re-armed so the call's signal poll or the next
    # bytecode raises it again; anything else is reported like a failing logging handler.
    # (A signal handler that raises on this function's very first instruction, before the
    # try, is the one case ctypes reports instead: a window of a few instructions.)
    try:
        emit(c_lvl, text)
    except KeyboardInterrupt:
        import _thread

        _thread.interrupt_main()
    except BaseException:  # noqa: B036 - nothing may escape into C
        try:
            if logging.raiseExceptions:
                sys.stderr.write("--- tccall: error while logging an event ---\n")
                traceback.print_exc()
        except BaseException:  # noqa: B036
            pass


# One callback for every client and the life of the process (never collected).
CALLBACK = _ffi.LOG_FN(_on_event)
NO_CALLBACK = _ffi.LOG_FN()  # NULL: logging off


# Serializes re-registrations (rare: only when the logger's level changed). One lock for all
# clients, made afresh in a forked child, where a thread that held it no longer exists.
_sync_lock = threading.Lock()


def _after_fork() -> None:
    global _sync_lock
    _sync_lock = threading.Lock()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_after_fork)


class LogState:
    """A client's registration: the logger threshold it was made for and the C level."""

    __slots__ = ("threshold", "level")

    def __init__(self) -> None:
        self.threshold = -1  # never registered
        self.level = 0

    def sync(self, handle: int, now: int) -> None:
        """Registers the callback at the level ``now`` calls for (``now`` from :func:`threshold`).
        Only called when it differs from the last one; ``handle`` is held by the caller."""
        with _sync_lock:
            if now == self.threshold:
                return
            level = c_level(now)
            if level != self.level:
                rc = _ffi.lib.tccall_client_set_log_callback(handle, level, CALLBACK if level else NO_CALLBACK, None)
                if rc != 0:  # pragma: no cover - only NULL handle or bad level, both impossible here
                    return
                self.level = level
            self.threshold = now
