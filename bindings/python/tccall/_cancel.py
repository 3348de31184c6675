"""Cancelling calls: :class:`tccall.CancelToken`, and Ctrl-C during a blocked call.

Python runs signal handlers only on the main thread, between bytecodes, so a main thread
blocked in a native call would not notice Ctrl-C until the call ended (up to
``timeouts.total_ms``). Calls made on the main thread therefore carry a token with a poll
callback: every ``POLL_MS`` while the call is blocked, the library calls back on that
thread, the callback runs the pending signal handlers (``PyErr_CheckSignals``), and if one
raised (``KeyboardInterrupt`` from the default SIGINT handler) it keeps the exception and
returns 1, which cancels the call; the wrapper then re-raises that exception, not
:class:`tccall.Cancelled`. The token is reused for the next call until it gets cancelled.
Calls on other threads carry no poll (their signals are handled by the main thread).

The callback is the ``send`` method of a generator rather than a function: a Python
function checks for pending signals on entry, before its first ``try``, so the
KeyboardInterrupt would escape it and ctypes would only print it; a resumed generator
checks right after its ``yield``, which is inside the ``try``.
"""

from __future__ import annotations

import os
import threading
from ctypes import PYFUNCTYPE, c_int
from typing import Any

from . import _ffi

POLL_MS = 100

# Runs pending signal handlers; a PYFUNCTYPE call raises what they raised. PyPy's ctypes has
# no pythonapi: there a blocked call is not interruptible (Ctrl-C waits for it to end).
try:
    from ctypes import pythonapi

    _check_signals: Any = PYFUNCTYPE(c_int)(("PyErr_CheckSignals", pythonapi))
except (ImportError, AttributeError):  # pragma: no cover - PyPy
    _check_signals = None


class _Token:
    """An owned ``tccall_cancel``, freed when the last reference to it goes: a user token
    that still links it (see CancelToken._linked) keeps it alive, so cancel() never
    touches a freed token, even after an exception at an unlucky moment."""

    __slots__ = ("ptr",)

    def __init__(self) -> None:
        self.ptr = _ffi.lib.tccall_cancel_new()
        _ffi.lib.tccall_cancel_set_poll(self.ptr, _Main.callback, None, POLL_MS)

    def __del__(self) -> None:
        try:
            _ffi.lib.tccall_cancel_free(self.ptr)
        except Exception:  # pragma: no cover - interpreter shutdown
            pass


class _Main:
    """State of the main thread's interruptible calls (only that thread touches it)."""

    token: _Token | None = None  # the token with the poll, reused until cancelled
    busy = False  # in an interruptible call: calls made by signal handlers get no poll
    raised: list = []  # what a handler raised during the current call
    poller: Any = None  # the generator behind the callback
    callback: Any = None  # _ffi.POLL_FN(poller.send), alive as long as tokens use it


def _signal_poller():
    rc = 0
    while True:
        try:
            yield rc
            rc = 0
            _check_signals()
        except GeneratorExit:
            return
        except BaseException as e:  # noqa: B036 - KeyboardInterrupt is the point
            _Main.raised.append(e)
            rc = 1


def _install_poller() -> None:
    poller = _signal_poller()
    next(poller)
    _Main.poller, _Main.callback = poller, _ffi.POLL_FN(poller.send)


_install_poller()


_get_ident = threading.get_ident
# The main thread's id (signal handlers run there); a forked child's is its forking thread.
_main_ident = threading.main_thread().ident


def interruptible() -> bool:
    """Whether a call made now should carry the signal poll: on the main thread, not from a handler."""
    return _check_signals is not None and not _Main.busy and _get_ident() == _main_ident


def call_interruptibly(handle: int, op: bytes, request: bytes, options: bytes | None,
                       cancel: CancelToken | None, slots: _ffi.Slots) -> int:
    """``tccall_client_call`` on the main thread with the polling token, its outputs in ``slots``;
    returns its code, or frees the output and re-raises what a signal handler raised during the call."""
    token = _Main.token
    if token is None:
        token = _Main.token = _Token()
    ptr, linked = token.ptr, False
    if cancel is not None:
        with cancel._lock:
            if cancel._cancelled:
                ptr = cancel._ptr  # fails at once: nothing to poll
            else:
                cancel._linked.add(token)  # cancel() cancels this call's token too
                linked = True
    rc = None
    _Main.busy = True
    try:
        rc = _ffi.CALL(handle, op, request, options, ptr, slots.out, slots.err)
    finally:
        _Main.busy = False
        spent = rc == 207 or bool(_Main.raised)
        if linked:
            with cancel._lock:
                cancel._linked.discard(token)
                spent = spent or cancel._cancelled
        if spent and _Main.token is token:  # a cancelled token stays cancelled: retire it
            _Main.token = None
    if _Main.raised:
        exc = _Main.raised[0]
        _Main.raised = []
        slots.take(0 if rc == 0 else 1)  # the one output the call wrote
        raise exc
    return rc


def _after_fork() -> None:
    # The child starts with the forking thread only; leak the parent's main-thread token
    # (another thread may have been using its state) and start a fresh poller.
    global _main_ident
    _leaked.append(_Main.token)
    _Main.token, _Main.busy, _Main.raised = None, False, []
    _main_ident = _get_ident()
    _install_poller()


_leaked: list = []


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_after_fork)


class CancelToken:
    """Cancels tccall calls from another thread.

    Pass it to any network method (``client.end_call(call_id, cancel=token)``); calling
    :meth:`cancel` from any thread makes every call using the token raise
    :class:`tccall.Cancelled` within milliseconds, whatever it is doing (resolving,
    connecting, waiting for the answer, backing off between retries), and every later call
    with it raise at once. A token stays cancelled: use a new one per unit of work. One
    token may serve many calls on many threads.

        token = tccall.CancelToken()
        threading.Timer(5, token.cancel).start()
        try:
            client.get_call_info(call_id, cancel=token)
        except tccall.Cancelled:
            ...
    """

    def __init__(self) -> None:
        # Reentrant: a signal handler may cancel while this thread holds it.
        self._lock = threading.RLock()
        self._cancelled = False
        # Main-thread calls run under their own polling token (see the module docstring),
        # linked here while they run so that cancel() reaches them.
        self._linked: set[_Token] = set()
        self._ptr: int | None = _ffi.lib.tccall_cancel_new()

    def cancel(self) -> None:
        """Cancels every call using this token, now and later. Thread-safe and idempotent."""
        with self._lock:
            self._cancelled = True
            _ffi.lib.tccall_cancel_cancel(self._ptr)
            for token in self._linked:
                _ffi.lib.tccall_cancel_cancel(token.ptr)

    @property
    def cancelled(self) -> bool:
        """Whether :meth:`cancel` was called."""
        return self._cancelled

    def __repr__(self) -> str:
        return f"<tccall.CancelToken cancelled={self._cancelled}>"

    def __del__(self) -> None:
        # A call holds a reference to its token, so no call is using it any more.
        ptr, self._ptr = self._ptr, None
        if ptr:
            try:
                _ffi.lib.tccall_cancel_free(ptr)
            except Exception:  # pragma: no cover - interpreter shutdown
                pass
