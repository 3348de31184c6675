"""A forked child gets a fresh connection pool: parent and child never read each other's answers.

Each trial: the parent makes a call (so its pool holds a keep-alive connection), forks, and
then parent and child each make calls at the same time, on the inherited client, for a call
of their own; each checks that every answer names its own CallId. A child that reused the
parent's pooled socket would share one TCP stream with it and read the parent's answers.
"""

import multiprocessing
import os
import signal
import sys
import time
import traceback

import pytest

import tccall
from tccall.testing import Sandbox

TRIALS_PER_METHOD = 100
CALLS_PER_SIDE = 3

pytestmark = [
    pytest.mark.skipif(not hasattr(os, "fork"), reason="needs os.fork"),
    # Python 3.12+ warns about forking a multi-threaded process (the sandbox has threads).
    pytest.mark.filterwarnings("ignore::DeprecationWarning"),
]

OK, SWAPPED, FAILED = 0, 1, 2


def own_answers(client, call_id):
    """SWAPPED if an answer names another call, else OK (raises on errors)."""
    for _ in range(CALLS_PER_SIDE):
        if client.get_call_info(call_id)["CallInfo"]["CallId"] != call_id:
            return SWAPPED
    return OK


def child_main(client, call_id):
    """The child's side; returns its exit code."""
    try:
        return own_answers(client, call_id)
    except BaseException:
        traceback.print_exc()
        return FAILED


def mp_child(client, call_id):
    sys.exit(child_main(client, call_id))


def wait_exit(pid, deadline):
    while True:
        done, status = os.waitpid(pid, os.WNOHANG)
        if done:
            return os.waitstatus_to_exitcode(status) if hasattr(os, "waitstatus_to_exitcode") else status >> 8
        if time.monotonic() > deadline:
            os.kill(pid, signal.SIGKILL)
            os.waitpid(pid, 0)
            return "hung"
        time.sleep(0.001)


@pytest.fixture(scope="module")
def world():
    with Sandbox({"enforce_rate_limits": False}) as sb:
        cfg = dict(sb.client_config, rate_limit={"enabled": False})
        with tccall.Client(cfg) as client:
            yield sb, client


def new_calls(sb, n):
    return [sb.control("POST", "/_sandbox/calls", {"caller": "fork-a", "callees": ["fork-b"]})["CallId"]
            for _ in range(n)]


def test_fork_children_get_their_own_answers(world):
    sb, client = world
    ctx = multiprocessing.get_context("fork")
    outcomes = {"os.fork": [], "multiprocessing": []}
    parent_swaps = 0
    client.get_call_info(new_calls(sb, 1)[0])
    before = sb.control("GET", "/_sandbox/connections")
    assert before["open"] >= 1, before  # the parent's pool holds a connection when it forks
    start = time.monotonic()
    for method in outcomes:
        for _ in range(TRIALS_PER_METHOD):
            mine, theirs = new_calls(sb, 2)
            client.get_call_info(mine)  # the pool now holds an idle connection
            if method == "os.fork":
                pid = os.fork()
                if pid == 0:
                    os._exit(child_main(client, theirs))
                parent_swaps += own_answers(client, mine)
                outcomes[method].append(wait_exit(pid, time.monotonic() + 20))
            else:
                p = ctx.Process(target=mp_child, args=(client, theirs))
                p.start()
                parent_swaps += own_answers(client, mine)
                p.join(20)
                if p.exitcode is None:
                    p.kill()
                    p.join()
                outcomes[method].append(p.exitcode if p.exitcode is not None else "hung")
    elapsed = time.monotonic() - start
    for method, codes in outcomes.items():
        assert len(codes) == TRIALS_PER_METHOD
        assert codes.count(SWAPPED) == 0, f"{method}: a child read another process's answer"
        assert set(codes) == {OK}, f"{method}: child outcomes {sorted(set(map(str, codes)))}"
    assert parent_swaps == 0
    assert elapsed < 30, elapsed
    # Each child opened a connection of its own instead of using the inherited one.
    after = sb.control("GET", "/_sandbox/connections")
    assert after["accepted"] - before["accepted"] >= 2 * TRIALS_PER_METHOD, (before, after)
