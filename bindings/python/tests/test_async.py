"""tccall.AsyncClient: Client's network methods as coroutines off the event loop, asyncio
cancellation and timeouts mapped onto the library's cancel token and per-call deadline."""

import asyncio
import inspect
import threading
import time

import pytest

import tccall
from tccall import _ffi

NETWORK_OPS = sorted(op["name"] for op in _ffi.OPERATION_TABLE if op["family"] != "local")
LOCAL_OPS = sorted(op["name"] for op in _ffi.OPERATION_TABLE if op["family"] == "local")


@pytest.fixture
def config(tccall_sandbox):
    return dict(tccall_sandbox.client_config, retry={"max_attempts": 3, "base_delay_ms": 1, "max_delay_ms": 5})


def new_call(sb):
    return sb.control("POST", "/_sandbox/calls", {"caller": "a", "callees": ["b"]})["CallId"]


def delay(sb, op, ms, count=1):
    sb.control("POST", "/_sandbox/faults", {"match": op, "kind": "delay_ms", "delay_ms": ms, "count": count})


def test_methods_are_derived_from_client():
    public = {n for n, a in inspect.getmembers(tccall.Client) if not n.startswith("_")}
    assert public <= set(dir(tccall.AsyncClient)), public - set(dir(tccall.AsyncClient))
    for name in NETWORK_OPS + ["call"]:
        method = getattr(tccall.AsyncClient, name)
        assert inspect.iscoroutinefunction(method), name
        assert inspect.signature(method) == inspect.signature(getattr(tccall.Client, name)), name
        assert "Coroutine" in method.__doc__ and getattr(tccall.Client, name).__doc__.split("\n")[0] in method.__doc__
    for name in LOCAL_OPS:
        assert not inspect.iscoroutinefunction(getattr(tccall.AsyncClient, name)), name
    assert tccall.AsyncClient.__doc__ and "cancel" in tccall.AsyncClient.__doc__


def test_results_and_errors_match_the_client(config, tccall_sandbox):
    async def story():
        async with tccall.AsyncClient(config) as client:
            started = await client.start_call_by_robot("robot", ["alice"], room_id="77", room_id_type=1)
            info = await client.get_call_info(started["CallId"], timeout=5)
            assert info["CallInfo"]["CallId"] == started["CallId"]
            ended = await client.terminate_call(started["CallId"])
            assert [s["step"] for s in ended["steps"]][-1] == "dismiss_room"
            with pytest.raises(tccall.NotFound):
                await client.end_call(started["CallId"])
            assert (await client.call("get_call_record", {"CallId": started["CallId"]}))["CallRecord"]
            assert client.verify_usersig("u", client.gen_usersig("u")["usersig"])  # local: plain methods
            assert client.stats()["operations"]["get_call_info"]["calls"] == 1
        with pytest.raises(tccall.ClientClosed):
            await client.end_call("c")

    asyncio.run(story())


def test_many_concurrent_calls_while_the_loop_keeps_ticking(config, tccall_sandbox):
    """200 calls at once, each held 500 ms by the sandbox: they overlap on the worker threads
    (64 by default: four waves, about 2 s in all, not 100 s), and a ticker sleeping 5 ms at a
    time keeps running. Blocking the loop would stop it for 500 ms per call."""
    calls = [new_call(tccall_sandbox) for _ in range(200)]
    delay(tccall_sandbox, "get_call_info", 500, count=200)

    async def run():
        gaps = []
        stop = asyncio.Event()

        async def ticker():
            last = time.monotonic()
            while not stop.is_set():
                await asyncio.sleep(0.005)
                now = time.monotonic()
                gaps.append(now - last)
                last = now

        async with tccall.AsyncClient(config) as client:
            tick = asyncio.ensure_future(ticker())
            await asyncio.sleep(0.02)
            start = time.monotonic()
            infos = await asyncio.gather(*(client.get_call_info(c, timeout=20) for c in calls))
            elapsed = time.monotonic() - start
            stop.set()
            await tick
        return infos, gaps, elapsed

    infos, gaps, elapsed = asyncio.run(run())
    assert [i["CallInfo"]["CallId"] for i in infos] == calls
    gaps.sort()
    print(f"\n200 concurrent get_call_info held 500 ms each: {elapsed:.2f} s; the 5 ms ticker ticked "
          f"{len(gaps)} times, median gap {gaps[len(gaps) // 2] * 1000:.1f} ms, max {gaps[-1] * 1000:.1f} ms")
    assert elapsed < 5, elapsed  # concurrent: 4 waves of 500 ms, not 200
    assert len(gaps) > 100, len(gaps)
    assert gaps[-1] < 0.25, f"the event loop stalled for {gaps[-1] * 1000:.0f} ms"


def test_cancelling_the_task_cancels_the_call_in_the_library(config, tccall_sandbox):
    delay(tccall_sandbox, "get_call_info", 5000)
    call_id = new_call(tccall_sandbox)

    async def run():
        # One worker: if the cancelled call kept blocking it, the next call would wait 5 s.
        async with tccall.AsyncClient(config, max_workers=1) as client:
            task = asyncio.ensure_future(client.get_call_info("c-stuck"))
            await asyncio.sleep(0.3)  # in flight, stuck in the sandbox's 5 s delay
            assert not task.done()
            start = time.monotonic()
            task.cancel()
            with pytest.raises(asyncio.CancelledError):
                await task
            cancelled_in = time.monotonic() - start
            start = time.monotonic()
            info = await client.get_call_info(call_id, timeout=5)
            next_in = time.monotonic() - start
            return cancelled_in, next_in, info, client.stats()["operations"]["get_call_info"]

    cancelled_in, next_in, info, stats = asyncio.run(run())
    print(f"\ncancelled in {cancelled_in * 1000:.1f} ms; the next call on the one worker took {next_in * 1000:.1f} ms")
    assert cancelled_in < 0.1, cancelled_in
    assert next_in < 1.0, next_in  # the worker is free: the C call really ended
    assert info["CallInfo"]["CallId"] == call_id
    assert stats["errors"] == {str(int(tccall.Code.CANCELLED)): 1}, stats  # the library saw the cancel


def test_a_queued_call_is_dropped_without_starting(config, tccall_sandbox):
    delay(tccall_sandbox, "get_call_info", 1000)

    async def run():
        async with tccall.AsyncClient(config, max_workers=1) as client:
            busy = asyncio.ensure_future(client.get_call_info("c-busy"))
            await asyncio.sleep(0.1)
            queued = asyncio.ensure_future(client.end_call("c-queued"))
            await asyncio.sleep(0.05)
            queued.cancel()
            with pytest.raises(asyncio.CancelledError):
                await queued
            with pytest.raises(tccall.NotFound):
                await busy
            return client.stats()["operations"]

    ops = asyncio.run(run())
    assert "end_call" not in ops, ops  # never reached the library


def test_asyncio_timeouts_and_the_timeout_argument(config, tccall_sandbox):
    async def run():
        async with tccall.AsyncClient(config) as client:
            delay(tccall_sandbox, "get_call_info", 3000, count=3)
            start = time.monotonic()
            with pytest.raises(asyncio.TimeoutError):
                await asyncio.wait_for(client.get_call_info("c"), 0.2)
            waited = time.monotonic() - start
            start = time.monotonic()
            with pytest.raises(tccall.TimeoutError) as e:  # the library's deadline
                await client.get_call_info("c", timeout=0.2)
            deadline = time.monotonic() - start
            assert isinstance(e.value, TimeoutError) and e.value.code == tccall.Code.TIMEOUT
            timed = None
            if hasattr(asyncio, "timeout"):  # 3.11+
                start = time.monotonic()
                with pytest.raises(TimeoutError):
                    async with asyncio.timeout(0.2):
                        await client.get_call_info("c")
                timed = time.monotonic() - start
            return waited, deadline, timed, client.stats()["operations"]["get_call_info"]["errors"]

    waited, deadline, timed, errors = asyncio.run(run())
    assert 0.15 < waited < 0.4 and 0.15 < deadline < 0.5, (waited, deadline)
    assert timed is None or 0.15 < timed < 0.4, timed
    assert errors.get("201") == 1 and errors.get("207") == (2 if timed is not None else 1), errors


def test_a_cancel_token_still_works(config, tccall_sandbox):
    delay(tccall_sandbox, "get_call_info", 3000, count=2)

    async def run():
        async with tccall.AsyncClient(config) as client:
            token = tccall.CancelToken()
            both = [asyncio.ensure_future(client.get_call_info("c", cancel=token)) for _ in range(2)]
            await asyncio.sleep(0.2)
            start = time.monotonic()
            threading.Thread(target=token.cancel).start()
            results = await asyncio.gather(*both, return_exceptions=True)
            assert time.monotonic() - start < 0.2
            assert all(type(r) is tccall.Cancelled for r in results), results
            with pytest.raises(tccall.Cancelled):  # a cancelled token stays cancelled
                await client.end_call("c", cancel=token)
            with pytest.raises(TypeError):
                await client.end_call("c", cancel="no")

    asyncio.run(run())


def test_wraps_a_client_and_closes_off_the_loop(config):
    async def run():
        client = tccall.AsyncClient(tccall.Client(config))
        assert isinstance(client.client, tccall.Client)
        assert isinstance(client.log_level, int)  # properties pass through
        await client.aclose()
        await client.aclose()  # idempotent
        with pytest.raises(tccall.ClientClosed):
            client.gen_usersig("u")

    asyncio.run(run())
