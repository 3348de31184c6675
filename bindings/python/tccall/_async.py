"""``tccall.AsyncClient``: :class:`tccall.Client` for asyncio.

Every network method of ``Client`` (those taking ``timeout`` and ``cancel``: each operation
of the library's table whose family is not ``local``, and :meth:`Client.call`) becomes a
coroutine method of the same name and signature; the other methods (UserSig, signing,
webhook parsing, stats, credentials: no I/O, microseconds) and properties are passed through
unchanged. The list is derived from ``Client`` when this module is imported, so a method added
to ``Client`` is on ``AsyncClient`` too.

A coroutine runs the blocking C call on a worker thread (ctypes releases the GIL for the
call), so the event loop keeps running. Each call carries its own
:class:`tccall.CancelToken`: when the awaiting task is cancelled (``task.cancel()``,
``asyncio.timeout``, ``asyncio.wait_for``), the token is cancelled, the library abandons the
call within milliseconds wherever it is (resolving, connecting, waiting for the answer,
backing off), and the coroutine waits for the worker to come back before it raises
``CancelledError``: no call outlives its task. A call still queued for a worker is dropped
without ever starting.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import functools
import inspect
import threading
from typing import Any, Callable, Dict, Mapping, Optional, Tuple

from ._cancel import CancelToken
from .client import Client

DEFAULT_MAX_WORKERS = 64


def _is_network(method: Callable[..., Any]) -> bool:
    """Client's convention: a network method takes ``cancel`` (and ``timeout``)."""
    return "cancel" in inspect.signature(method).parameters


class _Link:
    """Links a call's own token to a user's :class:`CancelToken` (``CancelToken.cancel`` cancels
    every ``ptr`` in its ``_linked`` set); holds the token so that its pointer stays valid."""

    __slots__ = ("ptr", "token")

    def __init__(self, token: CancelToken):
        self.token, self.ptr = token, token._ptr


def _link(user: Optional[CancelToken], token: CancelToken) -> Callable[[], None]:
    if user is None:
        return lambda: None
    if not isinstance(user, CancelToken):
        raise TypeError(f"cancel must be a tccall.CancelToken, not {type(user).__name__}")
    link = _Link(token)
    with user._lock:
        if user._cancelled:
            token.cancel()
            return lambda: None
        user._linked.add(link)

    def unlink() -> None:
        with user._lock:
            user._linked.discard(link)

    return unlink


class AsyncClient:
    """A Tencent call-control client for asyncio: :class:`tccall.Client`'s methods, the network
    ones as coroutines that run off the event loop.

    ``config`` is a tccall config (dict or JSON text), or a :class:`tccall.Client` to wrap (the
    AsyncClient then owns it). Network calls run on a thread pool of ``max_workers`` threads
    (default 64: that many calls in flight at once, the others queue), or on ``executor`` if you
    pass one (not shut down by :meth:`aclose`). Share one instance across tasks.

    Cancellation and deadlines: cancelling the awaiting task (``task.cancel()``,
    ``asyncio.timeout(...)``, ``asyncio.wait_for(...)``) cancels the call in the library within
    milliseconds; ``timeout=`` (seconds) is the library's per-call deadline, covering retries,
    and raises :class:`tccall.TimeoutError` (a builtin ``TimeoutError``); ``cancel=`` takes a
    :class:`tccall.CancelToken` as on ``Client``.

        async with tccall.AsyncClient(config) as client:
            info = await client.get_call_info(call_id, timeout=5)
            async with asyncio.timeout(2):
                await client.end_call(call_id)

    Local methods (``gen_usersig``, ``verify_usersig``, ``sign_*``, ``parse_webhook``,
    ``parse_trtc_webhook``, ``stats``, ``update_credentials``, ...) are plain methods: they do
    no I/O. Close with ``await client.aclose()`` (or ``async with``); it waits for calls in
    flight, off the loop.
    """

    def __init__(
        self,
        config: Mapping[str, Any] | str | Client,
        *,
        max_workers: int | None = None,
        executor: concurrent.futures.Executor | None = None,
    ):
        if executor is not None and max_workers is not None:
            raise TypeError("pass max_workers or executor, not both")
        self._client = config if isinstance(config, Client) else Client(config)
        self._own_executor = executor is None
        self._executor: concurrent.futures.Executor | None = executor
        self._max_workers = max_workers or DEFAULT_MAX_WORKERS
        self._lock = threading.Lock()

    @property
    def client(self) -> Client:
        """The blocking :class:`tccall.Client` underneath (same connections, same counters)."""
        return self._client

    def _pool(self) -> concurrent.futures.Executor:
        executor = self._executor
        if executor is None:
            with self._lock:
                if self._executor is None:
                    self._executor = concurrent.futures.ThreadPoolExecutor(
                        max_workers=self._max_workers, thread_name_prefix="tccall"
                    )
                executor = self._executor
        return executor

    async def _run(self, fn: Callable[..., Any], args: Tuple[Any, ...], kwargs: Dict[str, Any]) -> Any:
        token = CancelToken()
        unlink = _link(kwargs.pop("cancel", None), token)
        try:
            work = self._pool().submit(functools.partial(fn, *args, cancel=token, **kwargs))
            done = asyncio.wrap_future(work)
            try:
                return await asyncio.shield(done)
            except asyncio.CancelledError:
                token.cancel()  # the library abandons the call within milliseconds
                if not work.cancel():  # already running: wait for the worker to come back
                    await asyncio.wait({done})
                    if not done.cancelled():
                        done.exception()  # tccall.Cancelled (or a result that came first): retrieved
                raise
        finally:
            unlink()

    async def aclose(self) -> None:
        """Closes the client: new calls raise :class:`tccall.ClientClosed`, calls in flight
        finish (or reach their deadline) first; waits for them off the event loop. Idempotent."""
        await asyncio.get_running_loop().run_in_executor(None, self.close)

    def close(self) -> None:
        """:meth:`aclose` for synchronous code (blocks until calls in flight finish)."""
        self._client.close()
        with self._lock:
            executor, self._executor = self._executor, None
        if executor is not None and self._own_executor:
            executor.shutdown(wait=False)

    async def __aenter__(self) -> AsyncClient:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()

    def __repr__(self) -> str:
        return f"<tccall.AsyncClient {self._client!r}>"


def _network_method(name: str, sync: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(sync)
    async def method(self: AsyncClient, *args: Any, **kwargs: Any) -> Any:
        return await self._run(getattr(self._client, name), args, kwargs)

    method.__doc__ = (
        f"Coroutine: :meth:`tccall.Client.{name}` on a worker thread. Cancelling the task cancels "
        f"the call; ``timeout`` is its deadline.\n\n{inspect.getdoc(sync) or ''}"
    )
    return method


def _local_method(name: str, sync: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(sync)
    def method(self: AsyncClient, *args: Any, **kwargs: Any) -> Any:
        return getattr(self._client, name)(*args, **kwargs)

    method.__doc__ = f"No I/O: :meth:`tccall.Client.{name}`, called directly.\n\n{inspect.getdoc(sync) or ''}"
    return method


def _property(name: str, prop: property) -> property:
    return property(lambda self: getattr(self._client, name), doc=prop.__doc__)


NETWORK_METHODS: Tuple[str, ...] = ()
LOCAL_METHODS: Tuple[str, ...] = ()


def _derive() -> None:
    """Adds Client's public methods and properties to AsyncClient (the ones it defines itself,
    close and the context manager, stay)."""
    global NETWORK_METHODS, LOCAL_METHODS
    network, local = [], []
    for name, attr in inspect.getmembers(Client):
        if name.startswith("_") or name in vars(AsyncClient):
            continue
        if isinstance(attr, property):
            setattr(AsyncClient, name, _property(name, attr))
        elif inspect.isfunction(attr):
            if _is_network(attr):
                setattr(AsyncClient, name, _network_method(name, attr))
                network.append(name)
            else:
                setattr(AsyncClient, name, _local_method(name, attr))
                local.append(name)
    NETWORK_METHODS, LOCAL_METHODS = tuple(network), tuple(local)


_derive()
