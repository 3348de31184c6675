"""Error classes: builtin bases where one fits, no shadowing on `import *`, pickling."""

import builtins
import pickle

import pytest

import tccall
from tccall.errors import from_json


def test_timeout_error_is_the_builtin_timeout_error(client, tccall_sandbox):
    assert issubclass(tccall.TimeoutError, builtins.TimeoutError)
    assert issubclass(tccall.TimeoutError, tccall.TransportError)
    tccall_sandbox.control("POST", "/_sandbox/faults", {"match": "get_call_info", "kind": "delay_ms", "delay_ms": 2000})
    with pytest.raises(TimeoutError) as e:  # the builtin name catches it
        client.get_call_info("c", timeout=0.1)
    assert type(e.value) is tccall.TimeoutError and e.value.code == tccall.Code.TIMEOUT


def test_import_star_does_not_shadow_builtins():
    namespace = {}
    exec("from tccall import *", namespace)
    assert namespace.get("TimeoutError", builtins.TimeoutError) is builtins.TimeoutError
    assert "TimeoutError" not in tccall.__all__
    for name in tccall.__all__:
        assert not hasattr(builtins, name), f"tccall.__all__ shadows the builtin {name}"
        assert hasattr(tccall, name), name


def test_connection_failures_are_connection_errors(local_client):
    assert issubclass(tccall.ConnectError, ConnectionError)
    with pytest.raises(ConnectionError) as e:  # nothing listens on the discard port
        local_client.get_call_info("c", timeout=5)
    assert type(e.value) is tccall.ConnectError and e.value.code == tccall.Code.CONNECT
    assert type(from_json(None, tccall.Code.PROXY)) is tccall.ConnectError


def test_value_errors_and_classes_by_code():
    assert issubclass(tccall.InvalidArgument, ValueError)
    assert type(from_json(None, 207)) is tccall.Cancelled and not isinstance(from_json(None, 207), OSError)
    assert type(from_json(None, 205)) is tccall.TransportError


def test_errors_survive_pickling():
    err = from_json('{"code": 302, "name": "TCCALL_E_NOT_FOUND", "message": "no such call", '
                    '"request_id": "r-1", "service_code": "101004"}', 302)
    back = pickle.loads(pickle.dumps(err))
    assert type(back) is tccall.NotFound and back.info == err.info and str(back) == str(err)
    timeout = pickle.loads(pickle.dumps(from_json(None, 201)))
    assert isinstance(timeout, TimeoutError) and timeout.code == 201


def test_a_library_without_the_sandbox_says_so(monkeypatch):
    import tccall.testing

    class NoSandbox:  # a libtccall built with --no-default-features has no tccall_sandbox_*
        pass

    monkeypatch.setattr(tccall.testing._ffi, "lib", NoSandbox())
    with pytest.raises(RuntimeError, match="built without the sandbox"):
        tccall.testing.Sandbox()


FIELDS = ("info", "code", "name", "message", "service_code", "service_message", "request_id", "http_status",
          "retryable", "attempts")


def test_a_raised_error_is_the_one_from_json_builds(client, local_client, tccall_sandbox):
    """A call's error is parsed when first used: every attribute, args, str, repr, pickling and
    a traceback are what from_json gives for the same JSON; an attribute set before first use stays."""
    import traceback

    tccall_sandbox.control("POST", "/_sandbox/faults", {"match": "get_call_info", "kind": "delay_ms", "delay_ms": 2000})
    failing = [lambda: client.end_call("gone"), lambda: local_client.verify_usersig("u", "garbage"),
               lambda: local_client.get_call_info("c", timeout=5), lambda: client.get_call_info("c", timeout=0.1)]
    for call in failing:
        with pytest.raises(tccall.Error) as caught:
            call()
        e = caught.value
        assert "_pending" in e.__dict__  # not parsed yet
        text = "".join(traceback.format_exception(type(e), e, None))
        eager = from_json(json_of(e), e.code)
        assert type(eager) is type(e) and str(e) == str(eager) and e.args == eager.args and repr(e) == repr(eager)
        assert text.strip().endswith(f"{type(e).__module__}.{type(e).__qualname__}: {eager}")
        for f in FIELDS:
            assert getattr(e, f) == getattr(eager, f), f
        assert repr(pickle.loads(pickle.dumps(e))) == repr(e)
        with pytest.raises(AttributeError):
            e.no_such_field
    with pytest.raises(tccall.NotFound) as caught:
        client.end_call("gone")
    caught.value.message = "mine"
    assert caught.value.message == "mine" and caught.value.code == 302 and "_pending" not in caught.value.__dict__


def json_of(e):
    import json

    return json.dumps(e.info)
