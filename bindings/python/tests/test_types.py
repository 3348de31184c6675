"""Every typed method's result is described by its TypedDict (tccall.types), checked against
what the library returns from the sandbox; every public method has a docstring for help()."""

import inspect
import pydoc
import typing

import pytest

import tccall
from tccall import types as T

ESCAPE_HATCHES = {"call", "im_request", "cloud_api_request"}  # any operation: any JSON
NO_RESULT = {"close", "update_credentials"}


def _is_typeddict(tp):
    return isinstance(tp, type) and issubclass(tp, dict) and hasattr(tp, "__annotations__") and tp is not dict


def check(value, tp, where):
    """Keys of ``value`` are fields of TypedDict ``tp`` (recursively), required ones present."""
    hints = typing.get_type_hints(tp)
    assert isinstance(value, dict), where
    assert set(value) <= set(hints), f"{where}: {set(value) - set(hints)} not in {tp.__name__}"
    assert set(getattr(tp, "__required_keys__", ())) <= set(value), f"{where}: missing required keys"
    for key, v in value.items():
        hint = hints[key]
        if _is_typeddict(hint):
            check(v, hint, f"{where}.{key}")
        elif typing.get_origin(hint) is list and v:
            (item,) = typing.get_args(hint)
            if _is_typeddict(item):
                check(v[0], item, f"{where}.{key}[0]")


def returns(name):
    # Only the return annotation: the parameters' `X | None` strings need 3.10 to evaluate.
    fn = getattr(tccall.Client, name)
    return eval(fn.__annotations__["return"], dict(vars(inspect.getmodule(fn)), **vars(T)))


def test_typed_methods_name_their_typeddict():
    for name, fn in inspect.getmembers(tccall.Client, inspect.isfunction):
        if name.startswith("_") or name in ESCAPE_HATCHES or name in NO_RESULT:
            continue
        assert _is_typeddict(returns(name)), f"Client.{name} returns {returns(name)!r}"


def test_results_match_their_typeddicts(client, tccall_sandbox):
    sb, c = tccall_sandbox, client
    results = {}
    started = c.start_call_by_robot("robot", ["alice", "bob"], room_id="4321", room_id_type=1)
    results["start_call_by_robot"] = started
    call_id = started["CallId"]
    sb.control("POST", f"/_sandbox/calls/{call_id}/members", {"user": "alice", "action": "Answer"})
    results["get_call_info"] = c.get_call_info(call_id)
    results["end_call"] = c.end_call(call_id)
    results["get_call_record"] = c.get_call_record(call_id)
    results["search_call_records"] = c.search_call_records()
    results["set_callback_config"] = c.set_callback_config("http://127.0.0.1:9/cb", ["Call.CallbackAfterEndCall"])
    results["get_callback_config"] = c.get_callback_config()
    results["delete_callback_config"] = c.delete_callback_config()
    sb.control("POST", "/_sandbox/rooms", {"room_id": 5150, "users": ["u1", "u2", "u3"]})
    results["remove_users"] = c.remove_users(5150, ["u2"])
    results["block_user"] = c.block_user(5150, "u3", tccall.Mute.AUDIO)
    results["dismiss_room"] = c.dismiss_room(5150)
    session = sb.control("POST", "/_sandbox/desk/sessions", {"client_user_id": "customer", "state": "Agent"})
    results["get_desk_session_state"] = c.get_desk_session_state(session["SessionId"])
    results["end_desk_session"] = c.end_desk_session(session["SessionId"])
    results["list_desk_sessions"] = c.list_desk_sessions(0, 2_000_000_000)
    results["terminate_call"] = c.terminate_call(call_id)
    sig = c.gen_usersig("alice")
    results["gen_usersig"] = sig
    results["verify_usersig"] = c.verify_usersig("alice", sig["usersig"])
    results["gen_private_map_key"] = c.gen_private_map_key("alice", room_id=5)
    results["sign_im_request"] = c.sign_im_request("v4/openim/querystate", {"To_Account": ["a"]})
    results["sign_cloud_api_request"] = c.sign_cloud_api_request("DismissRoom", {"RoomId": 1})
    results["stats"] = c.stats()
    typed = {n for n, _ in inspect.getmembers(tccall.Client, inspect.isfunction)
             if not n.startswith("_") and n not in ESCAPE_HATCHES and not n.startswith("parse_")
             and n not in NO_RESULT}
    assert typed == set(results), typed ^ set(results)
    for name, value in results.items():
        check(value, returns(name), name)
    assert results["end_call"]["RequestId"] and results["get_call_info"]["UserList"][0]["User_Account"]


@pytest.mark.parametrize("cls", [tccall.Client, tccall.AsyncClient])
def test_help_shows_every_method(cls):
    text = pydoc.render_doc(cls, renderer=pydoc.plaintext)
    for name, member in inspect.getmembers(cls):
        if name.startswith("_") or not (inspect.isfunction(member) or isinstance(member, property)):
            continue
        doc = inspect.getdoc(member)
        assert doc and len(doc) > 20, f"{cls.__name__}.{name} has no docstring"
        assert name in text
    assert "TypedDict" in text or cls is tccall.AsyncClient
