"""Operating a client from Python: its log events as records of logging.getLogger("tccall")
(secret-free under injected faults, only registered when the logger is enabled, following
level changes), client.stats(), and update_credentials across a key rotation under load."""

import json
import logging
import os
import re
import sys
import threading
import time

import pytest

import tccall
from tccall import _log
from tccall.testing import Sandbox

STS_TOKEN = "STS-TOKEN-never-logged-4711"
# Zlib-deflated JSON in Tencent's base64 variant: what every UserSig looks like.
USERSIG_SHAPE = re.compile(r"eJ[A-Za-z0-9*_-]{40,}")


class Capture(logging.Handler):
    """Keeps every record, and each one formatted with all its attributes."""

    def __init__(self):
        super().__init__(logging.DEBUG)
        self.records = []
        self.lines = []

    def emit(self, record):
        self.records.append(record)
        attrs = {k: v for k, v in record.__dict__.items() if k not in ("args", "exc_info")}
        self.lines.append(record.getMessage() + " " + json.dumps(attrs, default=str))


@pytest.fixture
def tccall_logger():
    """The tccall logger with a capturing handler, restored afterwards."""
    lg = logging.getLogger("tccall")
    saved = (lg.level, lg.propagate, list(lg.handlers), lg.disabled)
    cap = Capture()
    lg.addHandler(cap)
    lg.propagate = False
    lg.disabled = False
    yield lg, cap
    lg.setLevel(saved[0])
    lg.propagate, lg.handlers[:], lg.disabled = saved[1], saved[2], saved[3]


@pytest.fixture
def sandbox():
    with Sandbox({"enforce_rate_limits": False}) as sb:
        yield sb


def config(sb, **extra):
    cfg = json.loads(json.dumps(sb.client_config))
    cfg["retry"] = {"max_attempts": 3, "base_delay_ms": 1, "max_delay_ms": 5}
    cfg.update(extra)
    return cfg


def new_call(sb):
    return sb.control("POST", "/_sandbox/calls", {"caller": "a", "callees": ["b"]})["CallId"]


def events(cap, name=None):
    return [r for r in cap.records if name is None or r.tccall_event == name]


def test_a_faulted_run_at_debug_logs_every_decision_and_no_secret(sandbox, tccall_logger):
    lg, cap = tccall_logger
    lg.setLevel(logging.DEBUG)
    cfg = config(sandbox, timeouts={"request_ms": 300, "total_ms": 5000})
    cfg["cloud_api"]["token"] = STS_TOKEN
    secrets = [cfg["secret_key"], cfg["cloud_api"]["secret_key"], STS_TOKEN]
    sandbox.control("POST", "/_sandbox/rooms", {"room_id": 5, "users": ["x"]})
    with tccall.Client(cfg) as client:
        assert client.log_level == 4
        for fault in (
            {"match": "*", "kind": "http_502", "count": 1},
            {"match": "*", "kind": "drop_before", "count": 1},
            {"match": "*", "kind": "im_error", "code": 70001, "count": 1},
            {"match": "*", "kind": "cloud_error", "code": "InternalError", "count": 1},
            {"match": "end_call", "kind": "drop_after", "count": 1},
        ):
            sandbox.control("DELETE", "/_sandbox/faults")
            sandbox.control("POST", "/_sandbox/faults", fault)
            call_id = new_call(sandbox)
            for op in (lambda: client.get_call_info(call_id), lambda: client.end_call(call_id),
                       lambda: client.remove_users(5, ["nobody"]), lambda: client.dismiss_room(6)):
                try:
                    op()
                except tccall.Error:
                    pass
        sandbox.control("DELETE", "/_sandbox/faults")
        client.sign_im_request("v4/call_engine_http_srv/end_call", {})  # its result holds a UserSig
        client.sign_cloud_api_request("DismissRoom", {"RoomId": 1})  # and an Authorization
        client.gen_usersig("alice")

    assert len(cap.records) > 40, len(cap.records)
    for line in cap.lines:
        for secret in secrets:
            assert secret not in line
        for marker in ("usersig=", "Authorization", "TC3-HMAC", "X-TC-Token", "Signature="):
            assert marker not in line, line
        assert not USERSIG_SHAPE.search(line), line

    for r in cap.records:
        # Level mapped, the event as record.tccall and flat tccall_* attributes, the caller's line.
        assert r.name == "tccall" and r.levelno == {"error": 40, "warn": 30, "info": 20, "debug": 10}[r.tccall["level"]]
        assert r.tccall_event == r.tccall["event"] and r.tccall_op == r.tccall.get("op")
        assert isinstance(r.tccall_ts_ms, int) and r.pathname == __file__, (r.pathname, r.lineno)

    retry = next(r for r in events(cap, "attempt_failed") if r.tccall_decision == "retry")
    assert retry.levelno == logging.WARNING and retry.tccall_attempt == 1 and retry.tccall_backoff_ms >= 0
    assert isinstance(retry.tccall_code, int) and retry.tccall_reach and "retrying in" in retry.getMessage()
    assert {r.tccall_code for r in events(cap, "attempt_failed")} >= {205, 304}  # the 502, 70001 / InternalError
    gave_up = [r for r in events(cap, "attempt_failed") if r.tccall_decision.startswith("give_up")]
    assert gave_up and all(r.levelno == logging.DEBUG for r in gave_up)

    ok = next(r for r in events(cap, "call") if r.tccall_outcome == "ok" and r.tccall_op == "get_call_info")
    assert ok.levelno == logging.INFO and ok.tccall_family == "im" and ok.tccall_request_id
    assert ok.tccall_duration_ms > 0 and ok.tccall_attempts >= 1
    assert ok.getMessage().startswith("get_call_info ok in ") and ok.tccall_request_id in ok.getMessage()
    failed = next(r for r in events(cap, "call") if r.tccall_outcome == "error")
    # Not found (302) is a warning, other failures past the input checks are errors.
    assert failed.levelno == (logging.WARNING if failed.tccall_code == 302 else logging.ERROR)
    assert failed.tccall_code >= 200 and failed.tccall_name.startswith("TCCALL_E_")
    assert failed.tccall_message and " failed in " in failed.getMessage()
    assert any(r.tccall_family == "cloud_api" for r in events(cap, "call"))
    assert any(getattr(r, "tccall_already_ended", False) for r in events(cap, "call")), "end_call after drop_after"
    assert events(cap, "already_ended")

    fresh = next(r for r in events(cap, "connection") if not r.tccall_reused)
    assert fresh.tccall_host == "127.0.0.1" and isinstance(fresh.tccall_port, int) and fresh.tccall_via_proxy is False
    assert any(r.tccall_reused for r in events(cap, "connection"))
    assert any(r.tccall_http_status == 502 for r in events(cap, "response"))
    assert events(cap, "admin_usersig_minted")


def test_stats_count_known_calls(sandbox):
    with tccall.Client(config(sandbox)) as client:
        assert client.stats()["operations"] == {}
        ids = [new_call(sandbox) for _ in range(3)]
        for call_id in ids:
            client.get_call_info(call_id)
        sandbox.control("POST", "/_sandbox/faults", {"match": "end_call", "kind": "http_502", "count": 1})
        client.end_call(ids[0])
        sandbox.control("POST", "/_sandbox/faults", {"match": "end_call", "kind": "drop_after", "count": 1})
        assert client.end_call(ids[1])["already_ended"] is True
        with pytest.raises(tccall.NotFound):
            client.end_call("gone")
        client.gen_usersig("u")

        s = client.stats()
        info = s["operations"]["get_call_info"]
        assert (info["calls"], info["ok"], info["retries"], info["errors"]) == (3, 3, 0, {})
        lat = info["latency_ms"]
        assert 0 < lat["p50"] <= lat["p90"] <= lat["p99"] <= lat["max"] < 5000
        end = s["operations"]["end_call"]
        assert (end["calls"], end["ok"], end["already_ended"]) == (3, 2, 1)
        assert end["errors"] == {str(int(tccall.Code.NOT_FOUND)): 1}
        assert end["retries"] == 2  # one after the 502, one after the dropped answer
        assert end["limiter_waits"] == 0 and end["limiter_wait_ms"] == 0
        assert s["operations"]["gen_usersig"]["calls"] == 1
        assert "dismiss_room" not in s["operations"]
        assert s["connections"]["opened"] >= 1 and s["connections"]["reused"] >= 1
        assert s["admin_usersig_mints"] == 1

        client.update_credentials(secret_key=config(sandbox)["secret_key"])  # same key: a fresh admin UserSig
        client.get_call_info(ids[2])
        assert client.stats()["admin_usersig_mints"] == 2
    with pytest.raises(tccall.ClientClosed):
        client.stats()


def test_update_credentials_checks_its_input(sandbox):
    with tccall.Client(config(sandbox)) as client:
        with pytest.raises(tccall.InvalidArgument) as e:
            client.update_credentials()
        assert e.value.code == tccall.Code.INVALID_CONFIG and "secret_key, cloud_api or both" in e.value.message
        with pytest.raises(tccall.InvalidArgument) as e:
            client.update_credentials(cloud_api={"secret_id": "AKID2"})
        assert "needs secret_id and secret_key" in e.value.message
        with pytest.raises(tccall.InvalidArgument):
            client.update_credentials({"sdk_app_id": 5})
        with pytest.raises(TypeError):
            client.update_credentials({"secret_key": "a"}, secret_key="b")
        # Nothing changed: the sandbox still accepts the client.
        client.get_call_info(new_call(sandbox))


def test_sixteen_threads_call_across_a_rotation_with_the_old_keys_revoked(sandbox, tccall_logger):
    lg, cap = tccall_logger
    lg.setLevel(logging.INFO)  # logging on while 16 threads call and the credentials swap
    cfg = config(sandbox, rate_limit={"enabled": False})
    client, stale = tccall.Client(cfg), tccall.Client(cfg)
    call_id = new_call(sandbox)
    sandbox.control("POST", "/_sandbox/rooms", {"room_id": 77, "users": ["x"]})
    stop, revoked = threading.Event(), threading.Event()
    counts, failures, lock = {"before": 0, "after": 0}, [], threading.Lock()

    def work(t):
        while not stop.is_set():
            was_revoked = revoked.is_set()
            try:
                if t % 2 == 0:
                    client.get_call_info(call_id)
                else:
                    try:  # a Cloud API call that passes authentication finds no such user
                        client.remove_users(77, ["nobody"])
                    except tccall.NotFound:
                        pass
            except Exception as e:  # noqa: BLE001 - every failure is a test failure
                with lock:
                    failures.append(repr(e))
                continue
            with lock:
                counts["after" if was_revoked else "before"] += 1

    def wait_for(key, n):
        deadline = time.monotonic() + 30
        while counts[key] < n and time.monotonic() < deadline:
            time.sleep(0.005)

    threads = [threading.Thread(target=work, args=(t,)) for t in range(16)]
    for t in threads:
        t.start()
    try:
        wait_for("before", 200)
        new = {"secret_key": "rotated-im-key-2", "cloud_secret_id": "AKIDrotated2", "cloud_secret_key": "rotated-cloud-key-2"}
        sandbox.control("POST", "/_sandbox/credentials", new)  # both old and new keys are accepted
        client.update_credentials(secret_key="rotated-im-key-2",
                                  cloud_api={"secret_id": "AKIDrotated2", "secret_key": "rotated-cloud-key-2"})
        time.sleep(0.3)  # calls that started with the old keys finish
        sandbox.control("POST", "/_sandbox/credentials", {**new, "revoke_others": True})
        revoked.set()
        wait_for("after", 200)
    finally:
        stop.set()
        for t in threads:
            t.join()
    assert failures == [], f"{len(failures)} calls failed, first: {failures[0]}"
    assert counts["before"] >= 200 and counts["after"] >= 200, counts
    with pytest.raises(tccall.AuthError):
        stale.get_call_info(call_id)
    with pytest.raises(tccall.AuthError):
        stale.dismiss_room(77)
    assert client.stats()["admin_usersig_mints"] == 2
    client.close()
    stale.close()
    # Every call logged once, from its own thread, with no key of either generation.
    calls = events(cap, "call")
    assert len(calls) >= counts["before"] + counts["after"]
    assert events(cap, "credentials_updated")[0].tccall_fields == ["secret_key", "cloud_api"]
    for line in cap.lines:
        for secret in (cfg["secret_key"], cfg["cloud_api"]["secret_key"], "rotated-im-key-2", "rotated-cloud-key-2"):
            assert secret not in line


def test_disabled_logging_never_calls_the_callback(sandbox, tccall_logger, monkeypatch):
    lg, cap = tccall_logger
    calls = []
    real_emit = _log.emit
    monkeypatch.setattr(_log, "emit", lambda level, text: (calls.append(level), real_emit(level, text)))

    def run(client):
        client.get_call_info(new_call(sandbox))
        with pytest.raises(tccall.NotFound):
            client.end_call("gone")  # a warn event (not found)
        with pytest.raises(tccall.InvalidArgument):
            client.end_call("")  # a warn event

    lg.setLevel(logging.CRITICAL)
    with tccall.Client(config(sandbox)) as client:
        assert client.log_level == 0
        run(client)
        assert calls == [] and cap.records == []

        logging.disable(logging.CRITICAL)  # the process-wide switch, with a level that would log
        lg.setLevel(logging.DEBUG)
        try:
            run(client)
            assert client.log_level == 0 and calls == []
        finally:
            logging.disable(logging.NOTSET)

        lg.disabled = True  # what logging.config.dictConfig does to loggers it does not name
        run(client)
        assert client.log_level == 0 and calls == []
        lg.disabled = False

        # Levels are followed on the next call, at the most verbose enabled level only.
        lg.setLevel(logging.WARNING)
        client.get_call_info(new_call(sandbox))
        assert client.log_level == 2 and calls == [], "a successful call logs at info"
        with pytest.raises(tccall.NotFound):
            client.end_call("gone")
        assert calls == [2] and cap.records[-1].levelno == logging.WARNING, "not found is a warning"
        lg.setLevel(logging.INFO)
        client.gen_usersig("u")
        assert client.log_level == 3 and calls[-1] == 3 and cap.records[-1].tccall_op == "gen_usersig"
        lg.setLevel(logging.NOTSET)  # inherits the root's level
        logging.getLogger().setLevel(logging.DEBUG)
        try:
            client.gen_usersig("u")
            assert client.log_level == 4
        finally:
            logging.getLogger().setLevel(logging.WARNING)
        lg.setLevel(logging.CRITICAL)  # and off again: the callback is unregistered
        seen = len(calls)
        run(client)
        assert client.log_level == 0 and len(calls) == seen


def test_a_failing_handler_or_filter_does_not_break_the_call(sandbox, tccall_logger, capsys):
    lg, cap = tccall_logger
    lg.setLevel(logging.DEBUG)

    def broken(record):
        raise RuntimeError("filter bug")

    lg.addFilter(broken)
    try:
        with tccall.Client(config(sandbox)) as client:
            call_id = new_call(sandbox)
            assert client.get_call_info(call_id)["CallInfo"]["CallId"] == call_id
    finally:
        lg.removeFilter(broken)
    assert "filter bug" in capsys.readouterr().err and cap.records == []


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs os.fork")
@pytest.mark.filterwarnings("ignore::DeprecationWarning")
def test_logging_works_in_a_forked_child(sandbox, tccall_logger):
    lg, cap = tccall_logger
    lg.setLevel(logging.INFO)
    with tccall.Client(config(sandbox)) as client:
        call_id = new_call(sandbox)
        client.get_call_info(call_id)
        before = len(cap.records)
        pid = os.fork()
        if pid == 0:  # the child: its own copy of the handler, the callback and the client
            code = 1
            try:
                client.get_call_info(call_id)
                ok = len(cap.records) == before + 1 and cap.records[-1].tccall_outcome == "ok"
                code = 0 if ok else 2
            finally:
                os._exit(code)
        _, status = os.waitpid(pid, 0)
        assert os.WEXITSTATUS(status) == 0
        assert len(cap.records) == before  # the child's records stayed in the child


def test_records_carry_the_callers_location(sandbox, tccall_logger):
    lg, cap = tccall_logger
    lg.setLevel(logging.INFO)
    with tccall.Client(config(sandbox)) as client:
        client.gen_usersig("u"); line = sys._getframe().f_lineno  # noqa: E702
    (r,) = cap.records
    assert (r.pathname, r.lineno, r.funcName) == (__file__, line, "test_records_carry_the_callers_location")
    assert r.getMessage().startswith("gen_usersig ok in ")


@pytest.mark.skipif(threading.current_thread() is not threading.main_thread(), reason="signals go to the main thread")
def test_the_callback_never_raises_into_c_and_keeps_ctrl_c(monkeypatch, capsys):
    def bug(level, text):
        raise ValueError("formatting bug")

    monkeypatch.setattr(_log, "emit", bug)
    _log._on_event(None, 3, b"{}")  # reported, not raised
    assert "formatting bug" in capsys.readouterr().err

    def interrupted(level, text):
        raise KeyboardInterrupt

    monkeypatch.setattr(_log, "emit", interrupted)
    with pytest.raises(KeyboardInterrupt):
        _log._on_event(None, 3, b"{}")  # swallowed here, re-armed for the interpreter
        for _ in range(100000):
            time.sleep(0)
        pytest.fail("the re-armed Ctrl-C never fired")


def test_records_nobody_could_see_are_not_built(sandbox, tccall_logger, monkeypatch):
    """With only the package's NullHandler in reach, no record could be seen: the callback stays
    off whatever the level. A handler, a filter, or no handler at all (logging's last resort)
    turns it on at the next call."""
    lg, cap = tccall_logger
    lg.handlers[:] = [h for h in lg.handlers if type(h) is logging.NullHandler]  # the fixture restores them
    lg.setLevel(logging.DEBUG)
    calls = []
    real_emit = _log.emit
    monkeypatch.setattr(_log, "emit", lambda level, text: (calls.append(level), real_emit(level, text)))
    assert any(type(h) is logging.NullHandler for h in lg.handlers) and not lg.propagate
    with tccall.Client(config(sandbox)) as client:
        with pytest.raises(tccall.NotFound):
            client.end_call("gone")
        assert client.log_level == 0 and calls == []
        lg.addHandler(cap)
        client.gen_usersig("u")
        assert client.log_level == 4 and calls == [3] and cap.records[-1].tccall_op == "gen_usersig"
        lg.removeHandler(cap)
        client.gen_usersig("u")
        assert client.log_level == 0 and calls == [3]

        def keep(record):
            return True

        lg.addFilter(keep)
        try:
            client.gen_usersig("u")
            assert client.log_level == 4 and calls == [3, 3]
        finally:
            lg.removeFilter(keep)
        lg.handlers[:] = []  # no handler at all: the last resort prints warnings
        lg.setLevel(logging.WARNING)
        with pytest.raises(tccall.NotFound):
            client.end_call("gone")
        assert client.log_level == 2 and calls == [3, 3, 2]


def test_a_handler_calling_the_client_during_a_call(sandbox, tccall_logger):
    """A log handler runs on the calling thread in the middle of a call; calls it makes there
    have their own output slots, so both calls get their own answers."""
    lg, cap = tccall_logger
    lg.setLevel(logging.INFO)
    inner = []
    with tccall.Client(config(sandbox)) as client:

        class Nested(logging.Handler):
            def emit(self, record):
                if not inner:
                    inner.append(None)
                    inner[0] = client.gen_usersig("inner-user")

        handler = Nested()
        lg.addHandler(handler)
        try:
            outer = client.gen_usersig("outer-user")
        finally:
            lg.removeHandler(handler)
        assert client.verify_usersig("outer-user", outer["usersig"])["valid"]
        assert client.verify_usersig("inner-user", inner[0]["usersig"])["valid"]
        assert outer["usersig"] != inner[0]["usersig"]
