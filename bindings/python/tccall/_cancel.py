"""Cancelling calls: :class:`tccall.CancelToken`."""

from __future__ import annotations

import threading

from . import _ffi


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
        self._lock = threading.Lock()
        self._cancelled = False
        self._ptr: int | None = _ffi.lib.tccall_cancel_new()

    def cancel(self) -> None:
        """Cancels every call using this token, now and later. Thread-safe and idempotent."""
        with self._lock:
            self._cancelled = True
            _ffi.lib.tccall_cancel_cancel(self._ptr)

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
