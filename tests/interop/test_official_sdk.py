"""Tencent's official code against the sandbox: proof that the sandbox is strict in the right way.

Runs in a venv with the official PyPI packages `tencentcloud-sdk-python-trtc` and
`tls-sig-api-v2` (`make test-interop` installs them). Requests the official code builds
must be accepted, and the same requests with a wrong key or a tampered UserSig refused.
"""

import json
import sys
import urllib.request
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "bindings" / "python"))

import TLSSigAPIv2  # noqa: E402  (official, PyPI tls-sig-api-v2)
from tencentcloud.common import credential  # noqa: E402  (official, tencentcloud-sdk-python-common)
from tencentcloud.common.exception.tencent_cloud_sdk_exception import TencentCloudSDKException  # noqa: E402
from tencentcloud.common.profile.client_profile import ClientProfile  # noqa: E402
from tencentcloud.common.profile.http_profile import HttpProfile  # noqa: E402
from tencentcloud.trtc.v20190722 import models, trtc_client  # noqa: E402

from tccall.testing import Sandbox  # noqa: E402


@pytest.fixture
def sandbox():
    with Sandbox() as sb:
        yield sb


def official_trtc(sb, secret_key=None, method="POST", https=False):
    cfg = sb.client_config["cloud_api"]
    if https:
        # Over TLS, verifying the sandbox's certificate against its CA (HttpProfile's
        # `certification` is what the SDK hands to requests as `verify`).
        endpoint = sb.https_base_url.split("://", 1)[1]
        http = HttpProfile(protocol="https", endpoint=endpoint, reqMethod=method, certification=sb.ca_file)
    else:
        http = HttpProfile(protocol="http", endpoint=sb.base_url.split("://", 1)[1], reqMethod=method)
    cred = credential.Credential(cfg["secret_id"], secret_key or cfg["secret_key"])
    return trtc_client.TrtcClient(cred, cfg["region"], ClientProfile(httpProfile=http))


def request(model, **fields):
    req = model()
    req.from_json_string(json.dumps(fields))
    return req


@pytest.mark.parametrize("method,https", [("POST", False), ("GET", False), ("POST", True), ("GET", True)])
def test_official_trtc_client_is_accepted(sandbox, method, https):
    app = sandbox.client_config["sdk_app_id"]
    sandbox.control("POST", "/_sandbox/rooms", {"room_id": 1234, "users": ["alice", "bob"]})
    sandbox.control("POST", "/_sandbox/rooms", {"room_id": "room-s", "users": ["carol", "dave"]})
    client = official_trtc(sandbox, method=method, https=https)
    r = client.RemoveUser(request(models.RemoveUserRequest, SdkAppId=app, RoomId=1234, UserIds=["bob"]))
    assert r.RequestId
    r = client.RemoveUserByStrRoomId(request(models.RemoveUserByStrRoomIdRequest, SdkAppId=app, RoomId="room-s", UserIds=["dave"]))
    assert r.RequestId
    assert client.DismissRoom(request(models.DismissRoomRequest, SdkAppId=app, RoomId=1234)).RequestId
    assert client.DismissRoomByStrRoomId(request(models.DismissRoomByStrRoomIdRequest, SdkAppId=app, RoomId="room-s")).RequestId
    assert sandbox.control("GET", "/_sandbox/state")["rooms"] == []
    with pytest.raises(TencentCloudSDKException) as e:
        client.DismissRoom(request(models.DismissRoomRequest, SdkAppId=app, RoomId=1234))
    assert e.value.get_code() == "FailedOperation.RoomNotExist"


def test_official_sdk_refuses_the_sandbox_certificate_without_its_ca(sandbox):
    """The HTTPS is real: the official SDK (requests, certifi roots) does not trust the sandbox."""
    app = sandbox.client_config["sdk_app_id"]
    endpoint = sandbox.https_base_url.split("://", 1)[1]
    cfg = sandbox.client_config["cloud_api"]
    http = HttpProfile(protocol="https", endpoint=endpoint)
    client = trtc_client.TrtcClient(credential.Credential(cfg["secret_id"], cfg["secret_key"]), cfg["region"],
                                    ClientProfile(httpProfile=http))
    with pytest.raises(TencentCloudSDKException) as e:
        client.DismissRoom(request(models.DismissRoomRequest, SdkAppId=app, RoomId=1234))
    assert "certificate" in str(e.value).lower() or "ssl" in str(e.value).lower(), e.value


def test_official_trtc_client_with_a_wrong_key_is_refused(sandbox):
    app = sandbox.client_config["sdk_app_id"]
    sandbox.control("POST", "/_sandbox/rooms", {"room_id": 1234, "users": ["alice"]})
    client = official_trtc(sandbox, secret_key="not-the-key")
    with pytest.raises(TencentCloudSDKException) as e:
        client.DismissRoom(request(models.DismissRoomRequest, SdkAppId=app, RoomId=1234))
    assert e.value.get_code() == "AuthFailure.SignatureFailure"
    assert e.value.get_request_id()
    # The room is untouched.
    assert [r["RoomId"] for r in sandbox.control("GET", "/_sandbox/state")["rooms"]] == [1234]


def im_call(sb, usersig, path="v4/call_config/get_callback", identifier="administrator"):
    app = sb.client_config["sdk_app_id"]
    url = f"{sb.base_url}/{path}?sdkappid={app}&identifier={identifier}&usersig={usersig}&random=99999999&contenttype=json"
    req = urllib.request.Request(url, data=b"{}", method="POST")
    with urllib.request.urlopen(req, timeout=10) as resp:
        assert resp.status == 200
        return json.loads(resp.read())


def test_official_usersig_is_accepted_and_tampering_refused(sandbox):
    cfg = sandbox.client_config
    api = TLSSigAPIv2.TLSSigAPIv2(cfg["sdk_app_id"], cfg["secret_key"])
    sig = api.gen_sig("administrator")
    ok = im_call(sandbox, sig)
    # Authentication passed; the API itself answers "no callback configured".
    assert ok["ErrorCode"] == 100301, ok
    wrong_key = TLSSigAPIv2.TLSSigAPIv2(cfg["sdk_app_id"], "0" * 64).gen_sig("administrator")
    assert im_call(sandbox, wrong_key)["ErrorCode"] == 70009
    truncated = sig[: len(sig) // 2]
    assert im_call(sandbox, truncated)["ErrorCode"] == 70003
    flipped = sig[:20] + ("A" if sig[20] != "A" else "B") + sig[21:]
    assert im_call(sandbox, flipped)["ErrorCode"] in (70003, 70009)
    assert im_call(sandbox, api.gen_sig("someone_else"), identifier="administrator")["ErrorCode"] == 70013
    assert im_call(sandbox, api.gen_sig("not_admin"), identifier="not_admin")["ErrorCode"] == 60010
    # Expired: freeze the official module's clock two days back, as the vector generator does.
    real_time = TLSSigAPIv2.time

    class TwoDaysAgo:
        @staticmethod
        def time():
            return real_time.time() - 2 * 86400

    TLSSigAPIv2.time = TwoDaysAgo
    try:
        expired = api.gen_sig("administrator", expire=86400)
    finally:
        TLSSigAPIv2.time = real_time
    assert im_call(sandbox, expired)["ErrorCode"] == 70001
