"""Lifecycle shared by the native handles: an in-flight guard, ``close()``, context manager, ``__del__``.

Every native call holds the handle through :meth:`Managed._acquire` / :meth:`Managed._release`.
``close()`` first takes the handle away, so new calls fail at once with
:class:`tccall.ClientClosed`, then waits for the calls in flight and only then frees it: no
thread ever uses a freed handle (which would crash the process).
"""

from __future__ import annotations

import os
import threading
import weakref

from .errors import ClientClosed

# Every live handle, so a forked child can reset the guards (see _after_fork).
_live: "weakref.WeakSet[Managed]" = weakref.WeakSet()


class Managed:
    """Subclasses call :meth:`_init_handle` once they own a handle and implement :meth:`_free`.

    The calls in flight are the entries of the list ``_calls``: a call appends one, then reads
    the handle, and pops one when it is done (``list.append`` and ``list.pop`` are atomic, so
    the hot path takes no lock). ``close()`` first clears the handle, then waits, under
    ``_cond``, until the list is empty; a call that ends and sees the handle cleared notifies it.
    Either the call's append comes first (and ``close()`` waits for it) or its read of the
    handle sees it cleared (and it fails without touching the handle).
    """

    _handle: int | None = None
    _what = "handle"  # named in the closed error: "client is closed"

    def _init_handle(self, handle: int) -> None:
        # Reentrant, so a signal handler that closes while this thread notifies does not deadlock.
        self._cond = threading.Condition(threading.RLock())
        self._calls: list = []
        self._handle = handle
        _live.add(self)

    def _free(self, handle: int) -> None:  # pragma: no cover - overridden
        raise NotImplementedError

    def _closed(self) -> ClientClosed:
        return ClientClosed({"code": 101, "name": "TCCALL_E_NULL_ARGUMENT", "message": f"{self._what} is closed"})

    def _acquire(self) -> int:
        """The live handle, counted as in use until :meth:`_release`; raises ClientClosed after close()."""
        self._calls.append(None)
        handle = self._handle
        if not handle:
            self._release()
            raise self._closed()
        return handle

    def _release(self) -> None:
        try:
            self._calls.pop()
        except IndexError:  # a call begun before a fork, ending in the child (see _after_fork)
            pass
        if self._handle is None:  # close() may be waiting for this call
            with self._cond:
                self._cond.notify_all()

    def close(self) -> None:
        """Frees the native handle. Idempotent. New calls fail with :class:`tccall.ClientClosed` at
        once; calls already in flight finish (or reach their deadline) before the handle is freed."""
        cond = getattr(self, "_cond", None)
        if cond is None:  # __init__ failed before owning a handle
            return
        with cond:
            handle, self._handle = self._handle, None
            while self._calls:
                cond.wait()
        if handle:
            self._free(handle)

    def __enter__(self):
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __del__(self) -> None:
        try:
            self.close()
        except Exception:  # pragma: no cover - interpreter shutdown
            pass


def _after_fork() -> None:
    # The child has only the forking thread: calls other threads had in flight will never
    # release, and a guard lock another thread held is held forever. Start every guard afresh.
    for m in list(_live):
        if getattr(m, "_cond", None) is not None:
            m._cond = threading.Condition(threading.RLock())
            m._calls = []


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_after_fork)
