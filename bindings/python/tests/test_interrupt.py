"""Ctrl-C (and any signal handler) interrupts a call blocked on the main thread within one poll."""

import json
import os
import signal
import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path

import pytest

import tccall

PACKAGE_DIR = str(Path(tccall.__file__).resolve().parents[1])

# PyPy's ctypes has no pythonapi, so calls there carry no signal poll (tccall._cancel).
pytestmark = pytest.mark.skipif(tccall._cancel._check_signals is None, reason="no PyErr_CheckSignals (PyPy)")

CHILD = textwrap.dedent("""
    import json, sys, time
    import tccall
    client = tccall.Client(json.loads(sys.argv[1]))
    print("ready", flush=True)
    start = time.monotonic()
    try:
        client.get_call_info("c-interrupted")
    except BaseException as e:
        print(type(e).__module__, type(e).__name__, round(time.monotonic() - start, 3), flush=True)
        raise
    print("returned", flush=True)
""")


@pytest.mark.skipif(not hasattr(signal, "SIGINT") or os.name != "posix", reason="POSIX signals")
def test_ctrl_c_interrupts_a_blocked_call(tccall_sandbox):
    tccall_sandbox.control("POST", "/_sandbox/faults",
                           {"match": "get_call_info", "kind": "delay_ms", "delay_ms": 20000, "count": 1})
    env = dict(os.environ, PYTHONPATH=PACKAGE_DIR + os.pathsep + os.environ.get("PYTHONPATH", ""))
    child = subprocess.Popen([sys.executable, "-c", CHILD, json.dumps(tccall_sandbox.client_config)],
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env, text=True)
    try:
        assert child.stdout.readline().strip() == "ready"
        time.sleep(0.5)
        sent = time.monotonic()
        child.send_signal(signal.SIGINT)
        out, err = child.communicate(timeout=10)
        ended = time.monotonic() - sent
    finally:
        child.kill()
    assert out.split()[:2] == ["builtins", "KeyboardInterrupt"], (out, err)
    assert child.returncode == -signal.SIGINT, (child.returncode, err)  # the uncaught KeyboardInterrupt
    assert "KeyboardInterrupt" in err and "tccall" not in err.splitlines()[-1], err
    assert ended < 1.0, ended


@pytest.fixture
def slow(client, tccall_sandbox):
    """A client whose next get_call_info takes 1.5 s (or until cancelled)."""
    tccall_sandbox.control("POST", "/_sandbox/faults",
                           {"match": "get_call_info", "kind": "delay_ms", "delay_ms": 1500, "count": 1})
    return client


class Stop(Exception):
    pass


def signal_after(seconds):
    t = threading.Timer(seconds, os.kill, (os.getpid(), signal.SIGUSR1))
    t.start()
    return t


@pytest.mark.skipif(not hasattr(signal, "SIGUSR1"), reason="POSIX signals")
def test_a_handler_exception_ends_the_call_and_propagates(slow, tccall_sandbox):
    def handler(signum, frame):
        raise Stop("from the handler")

    previous = signal.signal(signal.SIGUSR1, handler)
    token = tccall.CancelToken()
    try:
        signal_after(0.3)
        start = time.monotonic()
        with pytest.raises(Stop):
            slow.get_call_info("c", cancel=token)  # with a token of the caller's own, too
        assert time.monotonic() - start < 0.6
    finally:
        signal.signal(signal.SIGUSR1, previous)
    assert not token.cancelled  # the interrupt cancelled only this call
    # The next call on this thread gets a fresh token and works.
    tccall_sandbox.control("DELETE", "/_sandbox/faults")
    call_id = tccall_sandbox.control("POST", "/_sandbox/calls", {"caller": "a", "callees": ["b"]})["CallId"]
    assert slow.get_call_info(call_id, cancel=token)["CallInfo"]["CallId"] == call_id
    assert slow.get_call_info(call_id)["CallInfo"]["CallId"] == call_id


@pytest.mark.skipif(not hasattr(signal, "SIGUSR1"), reason="POSIX signals")
def test_a_quiet_handler_runs_during_the_call_which_goes_on(slow):
    ran, nested = [], []

    def handler(signum, frame):
        ran.append(time.monotonic())
        try:  # a handler may itself call tccall (no poll, no deadlock)
            slow.get_callback_config(timeout=1)
        except tccall.NotFound as e:
            nested.append(e.code)

    previous = signal.signal(signal.SIGUSR1, handler)
    try:
        signal_after(0.3)
        start = time.monotonic()
        with pytest.raises(tccall.NotFound):  # the delayed answer, after 1.5 s
            slow.get_call_info("c")
        end = time.monotonic()
    finally:
        signal.signal(signal.SIGUSR1, previous)
    assert end - start >= 1.4
    assert len(ran) == 1 and ran[0] - start < 0.6, (ran, start)
    assert nested == [302]


def test_calls_off_the_main_thread_carry_no_poll(slow):
    from tccall import _cancel

    seen = []

    def work():
        seen.append(_cancel.interruptible())
        with pytest.raises(tccall.NotFound):
            slow.get_call_info("c")

    t = threading.Thread(target=work)
    t.start()
    t.join(10)
    assert seen == [False] and _cancel.interruptible()
