"""The tccall story with asyncio (tccall.AsyncClient) against the in-process sandbox, over HTTPS.

AsyncClient has Client's methods; the network ones are coroutines that run the library's
blocking call on a worker thread, so the event loop keeps serving other tasks. Cancelling a
task (task.cancel(), asyncio.wait_for, asyncio.timeout) cancels the call in the library;
timeout= is the library's own deadline for the call.

    make example-python      (or: TCCALL_LIBRARY=target/debug/libtccall.so python3 examples/python/quickstart_async.py)
"""

import asyncio
import sys
import time
from pathlib import Path

_repo = Path(__file__).resolve().parents[2] if len(Path(__file__).resolve().parents) > 2 else None
if _repo is not None and (_repo / "bindings" / "python" / "tccall").is_dir():
    sys.path.insert(0, str(_repo / "bindings" / "python"))  # run from a checkout

import tccall  # noqa: E402
from tccall.testing import Sandbox  # noqa: E402


async def main(sandbox):
    async with tccall.AsyncClient(sandbox.https_client_config) as client:
        # A robot calls alice in numeric TRTC room 9001; read the call back.
        started = await client.start_call_by_robot("robot_01", ["alice"], room_id="9001",
                                                   room_id_type=tccall.RoomIdType.NUMERIC)
        call_id = started["CallId"]
        info = await client.get_call_info(call_id, timeout=5)  # one 5 s deadline, retries included
        print("call", call_id, "in", tccall.Room.from_call_info(info))

        # Many calls at once: each runs on a worker thread; the loop stays free.
        others = [sandbox.control("POST", "/_sandbox/calls", {"caller": "a", "callees": ["b"]})["CallId"]
                  for _ in range(20)]
        ended = await asyncio.gather(*(client.end_call(c) for c in others))
        print("ended", len(ended), "calls concurrently")

        # terminate_call ends the call and dismisses its TRTC room.
        result = await client.terminate_call(call_id)
        print("terminate_call:", ", ".join(f"{s['step']} {s['outcome']}" for s in result["steps"]))

        # A call stuck for 10 s: asyncio's timeout cancels it in the library at once ...
        sandbox.control("POST", "/_sandbox/faults",
                        {"match": "get_call_info", "kind": "delay_ms", "delay_ms": 10000, "count": 2})
        start = time.monotonic()
        try:
            await asyncio.wait_for(client.get_call_info(call_id), 0.2)
        except asyncio.TimeoutError:
            print(f"asyncio.wait_for gave up after {time.monotonic() - start:.2f} s; the call was cancelled")
        # ... and timeout= is the library's deadline, raising tccall.TimeoutError (a TimeoutError).
        try:
            await client.get_call_info(call_id, timeout=0.2)
        except TimeoutError as e:
            print(f"timeout=0.2 raised {type(e).__module__}.{type(e).__name__} (code {e.code})")

        # Local methods (no I/O) are plain methods.
        sig = client.gen_usersig("alice")["usersig"]
        print("UserSig for alice verifies:", client.verify_usersig("alice", sig)["valid"])


with Sandbox() as sb:
    asyncio.run(main(sb))
print("Python async quickstart finished")
