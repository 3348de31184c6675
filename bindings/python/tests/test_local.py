"""Local operations, errors, lifecycle and ABI coverage (no network)."""

import json
import re
import threading
from pathlib import Path

import pytest

import tccall
from tccall import _ffi

from conftest import KEY

ROOT = Path(__file__).resolve().parents[3]
VECTORS = ROOT.parent / "shared" / "vectors" / "official.json"


def test_usersig_matches_official_vectors(local_client):
    cases = json.loads(VECTORS.read_text())["usersig"]
    for case in cases:
        i, e = case["inputs"], case["expected"]
        if not i["identifier"] or i["sdkappid"] != 1400000000:
            continue  # tccall refuses empty user ids; other apps need another client
        import base64

        ub = base64.b64decode(i["userbuf_b64"]) if i["userbuf_b64"] is not None else None
        with tccall.Client({"sdk_app_id": i["sdkappid"], "secret_key": i["key"], "usersig_compression": "python"}) as c:
            out = c.gen_usersig(i["identifier"], i["expire"], userbuf=ub, time=i["time"])
            assert out["usersig"] == e["usersig"], case["id"]
            assert out["expire_at"] == i["time"] + i["expire"]
            v = c.verify_usersig(i["identifier"], out["usersig"], now=i["time"])
            assert v["valid"] is True


def test_verify_errors(local_client):
    sig = local_client.gen_usersig("alice", 60, time=1000)["usersig"]
    assert local_client.verify_usersig("alice", sig, now=1060)["expire_at"] == 1060
    with pytest.raises(tccall.UsersigExpired) as e:
        local_client.verify_usersig("alice", sig, now=1061)
    assert e.value.code == 402 and isinstance(e.value, tccall.AuthError)
    with pytest.raises(tccall.UsersigInvalid):
        local_client.verify_usersig("bob", sig, now=1000)
    with pytest.raises(tccall.UsersigInvalid):
        local_client.verify_usersig("alice", "garbage", now=1000)


def test_private_map_key(local_client):
    out = local_client.gen_private_map_key("u1", room_id=1234, privilege_map=42, expire=300, time=1000)
    assert out["expire_at"] == 1300
    v = local_client.verify_usersig("u1", out["private_map_key"], now=1000)
    assert v["userbuf_b64"]
    with pytest.raises(tccall.InvalidArgument):
        local_client.gen_private_map_key("u1")


def test_invalid_requests_raise_invalid_argument(local_client):
    with pytest.raises(tccall.InvalidArgument) as e:
        local_client.start_call_by_robot("robot", ["a"], timeout_ms=5)
    assert e.value.code == 104
    assert "Timeout must be between 10000 and 600000" in e.value.message
    assert e.value.name == "TCCALL_E_INVALID_REQUEST"
    with pytest.raises(tccall.InvalidArgument):
        local_client.remove_users(1, [f"u{i}" for i in range(11)])
    with pytest.raises(tccall.InvalidArgument):
        local_client.call("end_call", {"CallId": "x", "Unknown": 1})
    with pytest.raises(ValueError):
        local_client.call("no_such_op", {})


def test_bad_config_raises():
    with pytest.raises(tccall.InvalidArgument) as e:
        tccall.Client({"sdk_app_id": "nope"})
    assert e.value.code == 105
    with pytest.raises(tccall.InvalidArgument) as e:
        tccall.Client("{not json")
    assert e.value.code == 103


def test_missing_credentials_are_config_errors(local_client):
    with pytest.raises(tccall.InvalidArgument) as e:
        local_client.dismiss_room(1234)
    assert e.value.code == 105 and "cloud_api.secret_id is required for dismiss_room" in e.value.message


def test_connection_refused_is_a_transport_error(local_client):
    with pytest.raises(tccall.TransportError) as e:
        local_client.end_call("c1")
    assert e.value.code == 202 and e.value.retryable


def test_webhook(local_client):
    body = b'{"CallbackCommand":"Call.CallbackAfterEndCall","CallRecord":{"CallId":"c1"}}'
    out = local_client.parse_webhook("SdkAppid=1400000000", body)
    assert out["command"] == "Call.CallbackAfterEndCall"
    assert out["reply"] == '{"ActionStatus":"OK","ErrorCode":0,"ErrorInfo":""}'
    with pytest.raises(tccall.WebhookError) as e:
        local_client.parse_webhook("SdkAppid=1", body)
    assert e.value.code == 503
    with pytest.raises(tccall.WebhookError) as e:
        local_client.parse_webhook("SdkAppid=1400000000", b"\xff")
    assert e.value.code == 504


def test_close_is_idempotent_and_final():
    c = tccall.Client({"sdk_app_id": 1, "secret_key": "k"})
    c.close()
    c.close()
    with pytest.raises(tccall.Error) as e:
        c.gen_usersig("u")
    assert "closed" in e.value.message


def test_threads_share_one_client(local_client):
    errors = []

    def work():
        try:
            for _ in range(200):
                sig = local_client.gen_usersig("t")["usersig"]
                local_client.verify_usersig("t", sig)
        except Exception as e:  # pragma: no cover
            errors.append(e)

    threads = [threading.Thread(target=work) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []


def test_every_header_symbol_is_wrapped():
    """Every export is declared; every entry of the library's operation table has a Client method
    (network families take timeout and cancel, local ones neither); every tccall_client_* export is
    either in the table or one of the four the wrapper calls directly."""
    header = (ROOT / "include" / "tccall.h").read_text()
    symbols = set(re.findall(r"\b(tccall_[a-z_]+)\(", header))
    assert symbols, "no symbols found in the header"
    missing = symbols - _ffi.DECLARED
    assert not missing, f"not declared in _ffi.py: {sorted(missing)}"
    void = set(re.findall(r"^void (tccall_[a-z_]+)\(", header, re.M))
    for name in symbols:
        fn = getattr(_ffi.lib, name)
        assert fn.argtypes is not None, f"{name} has no argtypes"
        assert (fn.restype is None) == (name in void), f"{name}: restype {fn.restype}"

    import inspect

    table = _ffi.OPERATION_TABLE
    assert [op["name"] for op in table] == list(_ffi.OPERATIONS) and len(table) >= 20
    for op in table:
        assert op["family"] in ("im", "cloud_api", "composite", "local"), op
        assert op["c_function"] == "tccall_client_" + op["name"] and op["c_function"] in symbols, op
        method = getattr(tccall.Client, op["name"], None)
        assert method is not None, f"Client has no method for the operation {op['name']}"
        params = inspect.signature(method).parameters
        network = op["family"] != "local"
        assert ("timeout" in params and "cancel" in params) == network, (op, list(params))
        assert (op["name"] in _ffi.LOCAL_OPERATIONS) == (not network)
    direct = {"tccall_client_new", "tccall_client_free", "tccall_client_parse_webhook",
              "tccall_client_parse_trtc_webhook", "tccall_client_call", "tccall_client_set_log_callback",
              "tccall_client_stats", "tccall_client_update_credentials"}
    exports = {s for s in symbols if s.startswith("tccall_client_")}
    assert exports == direct | {op["c_function"] for op in table}
    assert {op["name"] for op in table if op["family"] == "composite"} >= {"terminate_call"}
    assert {"block_user", "terminate_call"} <= set(_ffi.OPERATIONS)


def test_wrappers_send_no_defaults_of_their_own(monkeypatch):
    """Optional parameters left out are left out of the request: the core fills its defaults."""
    local_client = tccall.Client({"sdk_app_id": 1400000000, "secret_key": KEY, "im_endpoint": "http://127.0.0.1:9",
                                  "retry": {"max_attempts": 1}, "cloud_api": {"secret_id": "AKIDexample",
                                  "secret_key": "cloudkey", "endpoint": "http://127.0.0.1:9"}})
    sent = []
    real_run = tccall.Client._run

    def spy(self, operation, request, *args):  # every operation passes here, as its request JSON
        sent.append((operation, json.loads(request)))
        return real_run(self, operation, request, *args)

    monkeypatch.setattr(tccall.Client, "_run", spy)
    with pytest.raises(tccall.TransportError):  # nothing listens: the request is what matters
        local_client.start_call_by_robot("robot", ["alice"])
    assert sent[-1] == ("start_call_by_robot", {"Robot_Account": "robot", "CalleeList_Account": ["alice"],
                                                "CallInfo": {}})
    key = local_client.gen_private_map_key("u1", room_id=1234, time=1000)["private_map_key"]
    assert "privilege_map" not in sent[-1][1]
    assert key == local_client.gen_private_map_key("u1", room_id=1234, privilege_map=255, time=1000)["private_map_key"]
    signed = local_client.sign_cloud_api_request("DismissRoom", {"RoomId": 1}, timestamp=1700000000)
    assert "service" not in sent[-1][1] and "version" not in sent[-1][1]
    assert signed["headers"]["X-TC-Version"] == "2019-07-22" and "/trtc/tc3_request" in signed["headers"]["Authorization"]
    with pytest.raises(tccall.TransportError):
        local_client.cloud_api_request("DescribeRoom")
    assert sent[-1] == ("cloud_api_request", {"action": "DescribeRoom"})
    with pytest.raises(tccall.TransportError):
        local_client.terminate_call("c1")
    assert sent[-1] == ("terminate_call", {"call_id": "c1"})
    with pytest.raises(tccall.TransportError):
        local_client.terminate_call("c1", dismiss_room=False)
    assert sent[-1] == ("terminate_call", {"call_id": "c1", "dismiss_room": False})
    local_client.close()


def test_request_json_is_what_json_dumps_writes():
    """The typed methods' request JSON (client._encode, the hand-written fast paths) is byte for
    byte json.dumps of the same dict without its None values, and results parse as json.loads."""
    from tccall import client as cl

    values = ["", "alice", "caf\u00e9 \u4e2d\u6587 \U0001f600", "quote\" back\\ nl\n tab\t \x00\x1f\x7f", "</script>",
              0, -1, 2**63, -(2**70), True, False, 1.5, float("1e300"), None, [], ["a", 1, None], {},
              {"SdkAppId": 1400000000, "RoomId": 424242}, {"k\u00e9y": "v", "n": None, "x": -3},
              {"nested": {"a": [1, 2]}}, {1: "int key"}, {"f": 0.1, "b": True}, ("t", "u")]

    class Str(str):
        pass

    class Int(int):
        pass

    values += [Str("sub"), Int(7), {"s": Str("x")}, {"i": Int(8)}]
    for v in values:
        for w in values[::3]:
            fields = {"A": v, "b_c": w, "Gone": None}
            expected = json.dumps(cl._drop_none(fields)).encode("ascii")
            assert cl._encode(fields) == expected, fields
    assert cl._encode({}) == b"{}" and cl._encode({"x": None}) == b"{}"
    for text in [b'{"a":1,"b":[true,false,null],"c":{"d":"\\u00e9\\n"},"e":1.5e3,"f":"\xc3\xa9"}', b"[]", b'"s"', b"3"]:
        assert _ffi.loads(text) == json.loads(text)
    with pytest.raises(ValueError):
        _ffi.loads(b'{"a": 1} trailing')


def test_fast_paths_send_what_the_generic_path_sends(local_client, monkeypatch):
    """gen_usersig, dismiss_room and sign_cloud_api_request write simple requests themselves:
    the same JSON as the dict path (and the same answers)."""
    sent = []
    real_run = tccall.Client._run

    def spy(self, operation, request, *args):
        sent.append(request)
        return real_run(self, operation, request, *args)

    monkeypatch.setattr(tccall.Client, "_run", spy)
    for user in ["alice", "caf\u00e9\u4e2d", 'q"\\\n']:
        a = local_client.gen_usersig(user)
        b = local_client.call("gen_usersig", {"user_id": user})
        assert sent[-2] == sent[-1] == json.dumps({"user_id": user}).encode()
        assert local_client.verify_usersig(user, a["usersig"])["valid"] and local_client.verify_usersig(user, b["usersig"])["valid"]
    for room in [1234, 0, "room-x", "caf\u00e9"]:
        with pytest.raises(tccall.InvalidArgument):  # no cloud_api credentials: the request is what matters
            local_client.dismiss_room(room)
        assert sent[-1] == json.dumps({"RoomId": room}).encode()
    with pytest.raises(tccall.InvalidArgument):
        local_client.sign_cloud_api_request("DismissRoom", {"SdkAppId": 1400000000, "RoomId": 1}, timestamp=1700000000)
    assert sent[-1] == json.dumps({"action": "DismissRoom", "params": {"SdkAppId": 1400000000, "RoomId": 1},
                                   "timestamp": 1700000000}).encode()


def test_codes_match_the_header():
    """tccall.Code is exactly the header's TCCALL_OK / TCCALL_E_* defines, and each code maps to its class."""
    header = (ROOT / "include" / "tccall.h").read_text()
    defined = {m[0]: int(m[1]) for m in re.findall(r"^#define TCCALL_(OK|E_[A-Z0-9_]+) (\d+)$", header, re.M)}
    assert len(defined) > 20, defined
    ours = {("OK" if c.name == "OK" else "E_" + c.name): int(c) for c in tccall.Code}
    assert ours == defined
    for name, value in defined.items():
        assert _ffi.lib.tccall_strerror(value) != _ffi.lib.tccall_strerror(99999), name
    classes = {
        tccall.Code.TIMEOUT: tccall.TimeoutError, tccall.Code.CANCELLED: tccall.Cancelled,
        tccall.Code.CONNECT: tccall.ConnectError, tccall.Code.PROXY: tccall.ConnectError,
        tccall.Code.NOT_FOUND: tccall.NotFound, tccall.Code.RATE_LIMITED: tccall.RateLimited,
        tccall.Code.SERVICE_UNAVAILABLE: tccall.ServiceUnavailable,
        tccall.Code.REMOTE_INVALID_PARAMETER: tccall.RemoteInvalidParameter,
        tccall.Code.APP_CONFIG: tccall.AppConfigError, tccall.Code.USERSIG_EXPIRED: tccall.UsersigExpired,
        tccall.Code.USERSIG_INVALID: tccall.UsersigInvalid, tccall.Code.INTERNAL: tccall.InternalError,
    }
    blocks = {1: tccall.InvalidArgument, 2: tccall.TransportError, 3: tccall.ServiceError, 4: tccall.AuthError,
              5: tccall.WebhookError}
    from tccall.errors import from_json

    for code in tccall.Code:
        if code == tccall.Code.OK:
            continue
        err = from_json(None, int(code))
        assert type(err) is (classes[code] if code in classes else blocks[code // 100]), code
        assert err.code == code
    assert issubclass(tccall.AppConfigError, tccall.ServiceError)


def test_version():
    assert re.match(r"^\d+\.\d+\.\d+", tccall.__version__)
    assert tccall.ABI_VERSION == _ffi.lib.tccall_abi_version()


def test_closed_client_raises_client_closed():
    c = tccall.Client({"sdk_app_id": 1, "secret_key": "k"})
    c.close()
    with pytest.raises(tccall.ClientClosed) as e:
        c.end_call("c1")
    assert isinstance(e.value, tccall.InvalidArgument) and isinstance(e.value, ValueError)
    assert e.value.code == 101 and e.value.message == "client is closed"
