"""Every Client method against the in-process sandbox, every error subclass, threads, webhooks."""

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest

import tccall
from tccall.testing import Sandbox


def new_call(sb, callees=("alice",), room_id="room-1", room_id_type=2):
    return sb.control("POST", "/_sandbox/calls", {"caller": "bob", "callees": list(callees), "media_type": "Video",
                                                  "room_id": room_id, "room_id_type": room_id_type})["CallId"]


def test_call_lifecycle(client, tccall_sandbox):
    started = client.start_call_by_robot("robot", ["alice", "carol"], media_type="Audio", timeout_ms=10000,
                                         user_data="u" * 1000, offline_push_info={"PushFlag": 1})
    call_id = started["CallId"]
    assert [r["Callee_Account"] for r in started["CallResult"]] == ["alice", "carol"]
    info = client.get_call_info(call_id)
    assert info["CallInfo"]["CallId"] == call_id and info["CallInfo"]["MediaType"] == "Audio"
    assert {u["User_Account"]: u["Status"] for u in info["UserList"]} == {
        "robot": "Calling", "alice": "Waiting", "carol": "Waiting"}
    assert "RequestId" in client.end_call(call_id)
    with pytest.raises(tccall.NotFound) as e:
        client.end_call(call_id)
    assert e.value.service_code == "101004" and e.value.request_id
    with pytest.raises(tccall.NotFound):
        client.get_call_info(call_id)
    record = client.get_call_record(call_id)["CallRecord"]
    assert record["CallId"] == call_id and record["CallResult"] == "Cancel" and record["Caller_Account"] == "robot"
    found = client.search_call_records(call_result="Cancel", number_per_page=5)
    assert found["TotalNum"] >= 1 and any(r["CallId"] == call_id for r in found["CallRecordList"])
    with pytest.raises(tccall.NotFound) as e:
        client.get_call_record("no-such-call")
    assert e.value.service_code == "101050"


def test_callback_config(client):
    with pytest.raises(tccall.NotFound) as e:
        client.get_callback_config()
    assert e.value.service_code == "100301"
    client.set_callback_config("https://example.com/cb", ["Call.CallbackAfterEndCall"])
    got = client.get_callback_config()
    assert got["Url"] == "https://example.com/cb" and got["CallbackCommandList"] == ["Call.CallbackAfterEndCall"]
    client.delete_callback_config()
    with pytest.raises(tccall.NotFound):
        client.get_callback_config()


def test_rooms(client, tccall_sandbox):
    tccall_sandbox.control("POST", "/_sandbox/rooms", {"room_id": 1234, "users": ["a", "b", "c"]})
    tccall_sandbox.control("POST", "/_sandbox/rooms", {"room_id": "str-room", "users": ["x"]})
    client.remove_users(1234, ["b"])
    rooms = {r["RoomId"]: r["users"] for r in tccall_sandbox.control("GET", "/_sandbox/state")["rooms"]}
    assert rooms[1234] == ["a", "c"]
    assert "RequestId" in client.dismiss_room(1234)
    assert "RequestId" in client.dismiss_room("str-room")
    with pytest.raises(tccall.NotFound) as e:
        client.dismiss_room(1234)
    assert e.value.service_code == "FailedOperation.RoomNotExist"


def rooms_of(sb):
    return {(r["RoomId"], type(r["RoomId"])): r for r in sb.control("GET", "/_sandbox/state")["rooms"]}


def test_a_calls_room_goes_straight_to_dismiss_room(client, tccall_sandbox):
    """get_call_info reports the room as "4321" + RoomIdType 1: that is numeric room 4321, not string room "4321"."""
    sb = tccall_sandbox
    call_id = client.start_call_by_robot("robot", ["alice"], room_id="4321",
                                         room_id_type=tccall.RoomIdType.NUMERIC)["CallId"]
    if (4321, int) not in rooms_of(sb):  # a sandbox that does not create the call's room
        sb.control("POST", "/_sandbox/rooms", {"room_id": 4321, "users": ["robot"]})
    sb.control("POST", "/_sandbox/rooms", {"room_id": "4321", "users": ["bystander"]})
    info = client.get_call_info(call_id)
    assert (info["CallInfo"]["RoomId"], info["CallInfo"]["RoomIdType"]) == ("4321", 1)
    room = tccall.Room.from_call_info(info)
    assert room == tccall.Room("4321", tccall.RoomIdType.NUMERIC) and room.room_id_type is tccall.RoomIdType.NUMERIC
    assert tccall.Room.from_call_info(info["CallInfo"]) == room
    assert "RequestId" in client.dismiss_room(room)
    rooms = rooms_of(sb)
    assert (4321, int) not in rooms and rooms[("4321", str)]["users"] == ["bystander"]
    with pytest.raises(tccall.NotFound):  # the call went with its room
        client.get_call_info(call_id)
    # The record names the same room; the string twin is reached by its own kind.
    assert tccall.Room.from_call_info(client.get_call_record(call_id)) == room
    client.dismiss_room("4321", room_id_type=tccall.RoomIdType.STRING)
    assert ("4321", str) not in rooms_of(sb)
    with pytest.raises(TypeError):
        client.dismiss_room(room, room_id_type=2)


def test_room_values():
    assert tccall.Room(1234) == (1234, None) and tccall.Room.numeric(7) == (7, tccall.RoomIdType.NUMERIC)
    assert tccall.Room.string("r") == ("r", tccall.RoomIdType.STRING)
    assert tccall.Room.from_call_info({"CallRecord": {"RoomId": "r1", "RoomIdType": 2}}) == ("r1", 2)
    assert tccall.Room.from_call_info({"room": {"RoomId": "9", "RoomIdType": 1}}) == ("9", 1)
    webhook = {"command": "Call.CallbackAfterEndCall", "event": {"CallRecord": {"RoomId": "9", "RoomIdType": 1}}}
    assert tccall.Room.from_call_info(webhook) == ("9", 1)
    assert tccall.Room.from_trtc_webhook({"room_id": "12345", "room_id_type": 1}) == ("12345", 1)
    with pytest.raises(ValueError, match="no TRTC room"):  # get_call_info of a call without a room
        tccall.Room.from_call_info({"CallInfo": {"CallId": "c", "RoomId": "", "RoomIdType": 0}})
    with pytest.raises(ValueError, match="no TRTC room"):  # terminate_call of a call without a room
        tccall.Room.from_call_info({"call_id": "c", "room": None, "members": None, "steps": []})
    with pytest.raises(ValueError):
        tccall.Room.from_call_info({"UserList": []})
    with pytest.raises(ValueError):
        tccall.Room.from_trtc_webhook({"room_id": None, "room_id_type": None})


def test_rooms_by_kind(client, tccall_sandbox):
    sb = tccall_sandbox
    sb.control("POST", "/_sandbox/rooms", {"room_id": 77, "users": ["a", "b", "c"]})
    sb.control("POST", "/_sandbox/rooms", {"room_id": "77", "users": ["a", "b"]})
    client.remove_users("77", ["b"], room_id_type=tccall.RoomIdType.NUMERIC)
    client.remove_users(tccall.Room.string("77"), ["a"])
    rooms = rooms_of(sb)
    assert rooms[(77, int)]["users"] == ["a", "c"] and rooms[("77", str)]["users"] == ["b"]
    client.block_user(tccall.Room.numeric(77), "a", tccall.Mute.AUDIO)
    client.block_user(77, "c", tccall.Mute.ALL)
    client.block_user("77", "b", tccall.Mute.VIDEO)
    if "blocked" in rooms_of(sb)[(77, int)]:  # a sandbox that reports blocks
        assert rooms_of(sb)[(77, int)]["blocked"] == {"a": 2, "c": 1}
        assert rooms_of(sb)[("77", str)]["blocked"] == {"b": 3}
        client.block_user(77, "a", tccall.Mute.NONE)
        assert rooms_of(sb)[(77, int)]["blocked"] == {"c": 1}
    with pytest.raises(tccall.NotFound):
        client.block_user(78, "a", tccall.Mute.ALL)
    with pytest.raises(tccall.InvalidArgument) as e:
        client.block_user(77, "a", 4)
    assert "IsMute" in e.value.message
    assert [int(m) for m in tccall.Mute] == [0, 1, 2, 3]


def test_terminate_call(client, tccall_sandbox):
    sb = tccall_sandbox
    call_id = client.start_call_by_robot("robot", ["alice"], room_id="9001", room_id_type=1)["CallId"]
    sb.control("POST", "/_sandbox/rooms", {"room_id": "9001", "users": ["bystander"]})
    out = client.terminate_call(call_id)
    assert out["call_id"] == call_id and out["room"] == {"RoomId": "9001", "RoomIdType": 1}
    assert [m["User_Account"] for m in out["members"]] == ["robot", "alice"]
    steps = {s["step"]: s for s in out["steps"]}
    assert list(steps)[:2] == ["get_call_info", "end_call"] and "dismiss_room" in steps
    assert steps["get_call_info"]["outcome"] == "found" and steps["end_call"]["outcome"] == "ended"
    assert steps["dismiss_room"]["outcome"] in ("dismissed", "already_gone")
    assert all(s["request_id"] for s in out["steps"])
    with pytest.raises(tccall.NotFound):
        client.get_call_info(call_id)
    rooms = rooms_of(sb)
    assert (9001, int) not in rooms and ("9001", str) in rooms  # the string twin is not the call's
    # Again: every step is idempotent; the room now comes from the record.
    again = client.terminate_call(call_id, timeout=5)
    outcomes = {s["step"]: s["outcome"] for s in again["steps"]}
    assert outcomes["get_call_info"] == "not_found" and outcomes["end_call"] == "already_ended"
    assert again["members"] is None and again["room"] == out["room"]
    assert tccall.Room.from_call_info(again) == ("9001", 1)


def test_terminate_call_keeping_the_room(client, tccall_sandbox):
    sb = tccall_sandbox
    sb.control("POST", "/_sandbox/rooms", {"room_id": 5005, "users": ["early"]})  # the room outlives calls in it
    call_id = client.start_call_by_robot("robot", ["alice"], room_id="5005", room_id_type=1)["CallId"]
    out = client.terminate_call(call_id, dismiss_room=False)
    steps = {s["step"]: s for s in out["steps"]}
    assert steps["end_call"]["outcome"] == "ended"
    assert steps["dismiss_room"]["outcome"] == "skipped" and steps["dismiss_room"]["request_id"] is None
    assert (5005, int) in rooms_of(sb)
    assert {s["step"]: s["outcome"] for s in client.terminate_call(call_id)["steps"]}["dismiss_room"] == "dismissed"
    assert (5005, int) not in rooms_of(sb)
    # A call tccall never saw: nothing to end, nothing to dismiss, and that is success.
    unknown = client.terminate_call("no-such-call")
    assert unknown["room"] is None and unknown["members"] is None
    assert [s["outcome"] for s in unknown["steps"]] == ["not_found", "not_found", "already_ended", "skipped"]


def test_start_call_defaults_come_from_the_core(client):
    call_id = client.start_call_by_robot("robot", ["alice"])["CallId"]
    assert client.get_call_info(call_id)["CallInfo"]["MediaType"] == "Audio"


def test_dismissing_a_calls_room_ends_the_call(client, tccall_sandbox):
    call_id = new_call(tccall_sandbox, room_id=777, room_id_type=1)
    client.dismiss_room(777)
    with pytest.raises(tccall.NotFound):
        client.get_call_info(call_id)


def test_desk(client, tccall_sandbox):
    sid = tccall_sandbox.control("POST", "/_sandbox/desk/sessions",
                                 {"client_user_id": "cust", "customer_service_id": "@cs", "state": "Agent",
                                  "agent_id": "a@x.com"})["SessionId"]
    assert client.get_desk_session_state(sid)["CurrentState"] == "Agent"
    assert client.get_desk_session_state(client_user_id="cust", customer_service_id="@cs")["SessionId"] == sid
    client.end_desk_session(sid)
    with pytest.raises(tccall.NotFound) as e:
        client.end_desk_session(sid)
    assert e.value.service_code == "141005"
    now = int(time.time())
    listed = client.list_desk_sessions(now - 3600, now + 3600, limit=10)
    assert listed["TotalCount"] >= 1 and listed["IMCdrList"][0]["SessionId"] == sid


def test_raw_requests(client, tccall_sandbox):
    with pytest.raises(tccall.RemoteInvalidParameter) as e:
        client.im_request("v4/call_engine_http_srv/end_call", {})
    assert e.value.service_code == "101002"
    assert "Url" not in client.im_request("v4/call_config/delete_callback")
    with pytest.raises(tccall.NotFound):
        client.cloud_api_request("DismissRoom", {"SdkAppId": tccall_sandbox.client_config["sdk_app_id"], "RoomId": 99})
    signed = client.sign_cloud_api_request("DismissRoom", {"SdkAppId": 1, "RoomId": 2}, timestamp=1700000000)
    assert signed["headers"]["Authorization"].startswith("TC3-HMAC-SHA256 Credential=")
    assert client.sign_im_request("v4/call_config/get_callback")["url"].startswith("http://127.0.0.1:")


def test_transport_and_service_error_subclasses(client, tccall_sandbox):
    faults = [
        ({"match": "get_call_info", "kind": "http_502", "count": 5}, tccall.TransportError, 205),
        ({"match": "get_call_info", "kind": "im_error", "code": 101001, "count": 5}, tccall.ServiceUnavailable, 304),
        ({"match": "get_call_info", "kind": "im_error", "code": 60007, "count": 5}, tccall.RateLimited, 303),
        ({"match": "get_call_info", "kind": "drop_before", "count": 5}, tccall.TransportError, 202),
    ]
    for fault, cls, code in faults:
        tccall_sandbox.control("DELETE", "/_sandbox/faults")
        tccall_sandbox.control("POST", "/_sandbox/faults", fault)
        with pytest.raises(cls) as e:
            client.get_call_info("c")
        assert e.value.code == code and e.value.attempts == 3 and e.value.retryable, fault
    tccall_sandbox.control("DELETE", "/_sandbox/faults")
    tccall_sandbox.control("POST", "/_sandbox/faults", {"match": "get_call_info", "kind": "http_502", "count": 1})
    with pytest.raises(tccall.NotFound):  # the retry got through to a real answer
        client.get_call_info("c")
    # The app is not set up (60020: no Call package): 306, not retried.
    tccall_sandbox.control("POST", "/_sandbox/faults", {"match": "get_call_info", "kind": "im_error", "code": 60020})
    with pytest.raises(tccall.AppConfigError) as e:
        client.get_call_info("c")
    assert e.value.code == tccall.Code.APP_CONFIG == 306 and e.value.service_code == "60020"
    assert isinstance(e.value, tccall.ServiceError) and not e.value.retryable and e.value.attempts == 1


def test_timeout_is_a_timeout_error(tccall_sandbox):
    cfg = dict(tccall_sandbox.client_config, timeouts={"request_ms": 200}, retry={"max_attempts": 1})
    tccall_sandbox.control("POST", "/_sandbox/faults", {"match": "get_call_info", "kind": "delay_ms", "delay_ms": 1000})
    with tccall.Client(cfg) as c, pytest.raises(tccall.TimeoutError) as e:
        c.get_call_info("c")
    assert e.value.code == 201 and isinstance(e.value, tccall.TransportError)


def test_auth_errors(tccall_sandbox):
    bad_im = dict(tccall_sandbox.client_config, secret_key="0" * 64)
    bad_cloud = dict(tccall_sandbox.client_config)
    bad_cloud["cloud_api"] = dict(bad_cloud["cloud_api"], secret_key="wrong")
    with tccall.Client(bad_im) as c, pytest.raises(tccall.AuthError) as e:
        c.get_callback_config()
    assert e.value.service_code == "70009"
    with tccall.Client(bad_cloud) as c, pytest.raises(tccall.AuthError) as e:
        c.dismiss_room(1)
    assert e.value.service_code == "AuthFailure.SignatureFailure"


class _Receiver(BaseHTTPRequestHandler):
    received = []

    def do_POST(self):  # noqa: N802
        body = self.rfile.read(int(self.headers["Content-Length"]))
        query = self.path.split("?", 1)[1] if "?" in self.path else ""
        _Receiver.received.append((query, body))
        reply = b'{"ActionStatus":"OK","ErrorCode":0,"ErrorInfo":""}'
        self.send_response(200)
        self.send_header("Content-Length", str(len(reply)))
        self.end_headers()
        self.wfile.write(reply)

    def log_message(self, *args):
        pass


def test_webhooks_arrive_signed_and_verify():
    server = HTTPServer(("127.0.0.1", 0), _Receiver)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    _Receiver.received.clear()
    try:
        with Sandbox({"webhook_token": "tok"}) as sb, tccall.Client(dict(sb.client_config, webhook={"token": "tok"})) as c:
            c.set_callback_config(f"http://127.0.0.1:{server.server_port}/cb",
                                  ["Call.CallbackAfterStartCall", "Call.CallbackAfterEndCall"])
            call_id = c.start_call_by_robot("robot", ["alice"], timeout_ms=10000)["CallId"]
            c.end_call(call_id)
            deadline = time.time() + 5
            while len(_Receiver.received) < 2 and time.time() < deadline:
                time.sleep(0.02)
            events = [c.parse_webhook(q, b) for q, b in _Receiver.received]
            assert [e["command"] for e in events] == ["Call.CallbackAfterStartCall", "Call.CallbackAfterEndCall"]
            assert all(e["signature_verified"] for e in events)
            assert events[1]["event"]["CallRecord"]["CallId"] == call_id
            with tccall.Client(dict(sb.client_config, webhook={"token": "other"})) as wrong:
                with pytest.raises(tccall.WebhookError) as e:
                    wrong.parse_webhook(*_Receiver.received[0])
                assert e.value.code == 501
    finally:
        server.shutdown()


def test_many_threads_share_one_client(tccall_sandbox):
    cfg = dict(tccall_sandbox.client_config, rate_limit={"enabled": False})
    call_ids = [new_call(tccall_sandbox, room_id=f"r{i}") for i in range(32)]
    errors, ended = [], []
    with tccall.Client(cfg) as c:
        def work(ids):
            try:
                for cid in ids:
                    c.get_call_info(cid)
                    ended.append(c.end_call(cid))
                    c.gen_usersig("x")
            except Exception as e:  # pragma: no cover
                errors.append(e)
        threads = [threading.Thread(target=work, args=(call_ids[i::8],)) for i in range(8)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    assert errors == [] and len(ended) == 32


def test_sandbox_close_races_control():
    """Three threads hammer control() while another closes: no crash, ClientClosed afterwards."""
    for _ in range(20):
        sb = Sandbox()
        go = threading.Barrier(4)
        outcomes, unexpected = [], []

        def hammer():
            go.wait()
            while True:
                try:
                    sb.control("GET", "/_sandbox/health")
                    outcomes.append("ok")
                except tccall.ClientClosed as e:
                    assert e.code == 101 and "sandbox is closed" in e.message
                    outcomes.append("closed")
                    return
                except Exception as e:  # pragma: no cover
                    unexpected.append(e)
                    return

        threads = [threading.Thread(target=hammer) for _ in range(3)]
        for t in threads:
            t.start()
        go.wait()
        time.sleep(0.002)
        sb.close()
        for t in threads:
            t.join(10)
        assert not any(t.is_alive() for t in threads)
        assert unexpected == [] and outcomes.count("closed") == 3
        with pytest.raises(tccall.ClientClosed):
            sb.control("GET", "/_sandbox/health")
        sb.close()


NETWORK_METHODS = sorted(set(tccall._ffi.OPERATIONS) - tccall._ffi.LOCAL_OPERATIONS)


def test_every_network_method_takes_a_timeout():
    import inspect

    for name in NETWORK_METHODS + ["call"]:
        params = inspect.signature(getattr(tccall.Client, name)).parameters
        assert params["timeout"].kind is inspect.Parameter.KEYWORD_ONLY, name
        assert params["timeout"].default is None, name


def test_timeout_is_one_deadline_for_the_call(client, tccall_sandbox):
    tccall_sandbox.control("POST", "/_sandbox/faults", {"match": "get_call_info", "kind": "delay_ms", "delay_ms": 5000})
    start = time.monotonic()
    with pytest.raises(tccall.TimeoutError) as e:
        client.get_call_info("c", timeout=0.3)
    elapsed = time.monotonic() - start
    assert 0.25 <= elapsed < 0.6, elapsed
    assert e.value.code == 201 and "300 ms" in e.value.message
    # The deadline spans retries: three 502s with a 200 ms backoff each do not fit in 0.25 s.
    tccall_sandbox.control("DELETE", "/_sandbox/faults")
    tccall_sandbox.control("POST", "/_sandbox/faults", {"match": "get_call_info", "kind": "http_502", "count": 3})
    cfg = dict(tccall_sandbox.client_config, retry={"max_attempts": 3, "base_delay_ms": 200, "max_delay_ms": 200})
    with tccall.Client(cfg) as slow:
        start = time.monotonic()
        with pytest.raises(tccall.TransportError):
            slow.call("get_call_info", {"CallId": "c"}, timeout=0.25)
        assert time.monotonic() - start < 0.5
    # A generous timeout changes nothing.
    call_id = new_call(tccall_sandbox)
    assert client.get_call_info(call_id, timeout=10)["CallInfo"]["CallId"] == call_id


def test_max_attempts_per_call(client, tccall_sandbox):
    tccall_sandbox.control("POST", "/_sandbox/faults", {"match": "get_call_info", "kind": "http_502", "count": 1})
    with pytest.raises(tccall.TransportError) as e:
        client.call("get_call_info", {"CallId": "c"}, max_attempts=1)
    assert e.value.code == 205 and e.value.attempts == 1
    tccall_sandbox.control("POST", "/_sandbox/faults", {"match": "get_call_info", "kind": "http_502", "count": 1})
    with pytest.raises(tccall.NotFound) as e:  # the default 3 attempts get through
        client.call("get_call_info", {"CallId": "c"})
    assert e.value.attempts == 2
    with pytest.raises(tccall.InvalidArgument) as e:
        client.call("get_call_info", {"CallId": "c"}, max_attempts=11)
    assert "max_attempts" in e.value.message


def test_bad_timeouts_are_value_errors(client):
    for bad in (0, -1, float("nan"), 3601):
        with pytest.raises(ValueError):
            client.end_call("c", timeout=bad)


def test_cancel_token_cancels_calls_in_flight(client, tccall_sandbox):
    tccall_sandbox.control("POST", "/_sandbox/faults",
                           {"match": "get_call_info", "kind": "delay_ms", "delay_ms": 5000, "count": 4})
    token = tccall.CancelToken()
    assert not token.cancelled
    results = []

    def blocked():
        start = time.monotonic()
        try:
            client.get_call_info("c", cancel=token)
        except Exception as e:
            results.append((e, time.monotonic() - start))

    threads = [threading.Thread(target=blocked) for _ in range(3)]
    for t in threads:
        t.start()
    timer = threading.Timer(0.3, token.cancel)
    timer.start()
    start = time.monotonic()
    with pytest.raises(tccall.Cancelled) as e:  # this thread (the main one) too
        client.call("get_call_info", {"CallId": "c"}, cancel=token)
    assert time.monotonic() - start < 0.6
    for t in threads:
        t.join(5)
    assert token.cancelled and len(results) == 3
    for err, elapsed in results:
        assert isinstance(err, tccall.Cancelled) and elapsed < 0.6, (err, elapsed)
    assert e.value.code == 207 and e.value.name == "TCCALL_E_CANCELLED" and isinstance(e.value, tccall.TransportError)
    # A cancelled token stays cancelled: later calls with it fail at once, others go on.
    start = time.monotonic()
    with pytest.raises(tccall.Cancelled):
        client.end_call("c", cancel=token)
    assert time.monotonic() - start < 0.1
    tccall_sandbox.control("DELETE", "/_sandbox/faults")
    call_id = new_call(tccall_sandbox)
    assert client.end_call(call_id, cancel=tccall.CancelToken())["RequestId"]


def test_cancel_must_be_a_token(client):
    with pytest.raises(TypeError):
        client.end_call("c", cancel=True)


def test_https(tccall_sandbox):
    """Every family of operation over HTTPS, trusting only the sandbox's throwaway CA."""
    sb = tccall_sandbox
    assert sb.https_base_url.startswith("https://127.0.0.1:") and sb.https_base_url[5:] == sb.base_url[4:]
    assert sb.ca_pem.startswith("-----BEGIN CERTIFICATE-----")
    with open(sb.ca_file) as f:
        assert f.read().strip() == sb.ca_pem.strip()
    assert sb.https_client_config["im_endpoint"].startswith("https://")
    with tccall.Client(sb.https_client_config) as c:
        call_id = c.start_call_by_robot("robot", ["alice"], timeout_ms=10000)["CallId"]
        assert c.get_call_info(call_id, timeout=5)["CallInfo"]["CallId"] == call_id
        c.end_call(call_id)
        with pytest.raises(tccall.NotFound):
            c.end_call(call_id)
        assert c.get_call_record(call_id)["CallRecord"]["CallId"] == call_id
        sb.control("POST", "/_sandbox/rooms", {"room_id": 4321, "users": ["a"]})
        assert "RequestId" in c.dismiss_room(4321)  # Cloud API (TC3) over HTTPS too
        # Six requests, one TLS connection kept alive between them.
        conns = sb.control("GET", "/_sandbox/connections")
        assert conns["accepted"] == 1 and conns["tls_handshakes"] == 1, conns
        sb.control("POST", "/_sandbox/faults",
                   {"match": "get_call_info", "kind": "delay_ms", "delay_ms": 5000, "count": 1})
        with pytest.raises(tccall.TimeoutError):
            c.get_call_info(call_id, timeout=0.2)
    # Trusting only the public roots, the certificate is refused.
    untrusting = dict(sb.https_client_config, tls={"roots": "bundled"}, retry={"max_attempts": 1})
    with tccall.Client(untrusting) as c, pytest.raises(tccall.TransportError) as e:
        c.get_call_info("c")
    assert e.value.code == 203 and e.value.name == "TCCALL_E_TLS"
    # Trusting the CA through the file works as well.
    by_file = dict(sb.https_client_config, tls={"ca_file": sb.ca_file, "roots": "none"})
    with tccall.Client(by_file) as c, pytest.raises(tccall.NotFound):
        c.get_call_info("no-such-call")


def test_https_refuses_a_bad_certificate():
    for leaf in ("expired", "wrong_name", "self_signed"):
        with Sandbox({"tls_leaf": leaf}) as sb:
            cfg = dict(sb.https_client_config, retry={"max_attempts": 1})
            with tccall.Client(cfg) as c, pytest.raises(tccall.TransportError) as e:
                c.get_call_info("c")
            assert e.value.code == 203, (leaf, e.value)


def test_ca_file_removed_on_close():
    import os

    sb = Sandbox()
    path = sb.ca_file
    assert os.path.exists(path)
    sb.close()
    assert not os.path.exists(path)
