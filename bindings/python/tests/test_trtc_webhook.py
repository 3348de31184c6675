"""TRTC room and media callbacks: signatures made here (base64(HMAC-SHA256(key, body))), duplicates, the HTTP helper."""

import base64
import email.message
import hashlib
import hmac
import json
import threading
import urllib.request
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest

import tccall

APP = 1400000000
KEY = "trtc-callback-key"
# The 103 (enter room) sample of trtc.io/document/54912, with its newlines and tabs.
SAMPLE = (b'{\n\t"EventGroupId":\t1,\n\t"EventType":\t103,\n\t"CallbackTs":\t1615554923704,\n\t"EventInfo":\t{\n'
          b'\t\t"RoomId":\t12345,\n\t\t"EventTs":\t1608441737,\n\t\t"UserId":\t"test",\n\t\t"UniqueId":\t1615554922656,\n'
          b'\t\t"Role":\t20,\n\t\t"Reason":\t1\n\t}\n}')


def sign(key, body):
    return base64.b64encode(hmac.new(key.encode(), body, hashlib.sha256).digest()).decode()


def event(kind, room, user="u1", unique=1):
    return json.dumps({"EventGroupId": kind // 100, "EventType": kind, "CallbackTs": 1700000000000 + unique,
                       "EventInfo": {"RoomId": room, "EventTs": 1700000000, "UserId": user, "UniqueId": unique}}).encode()


@pytest.fixture
def trtc_client():
    with tccall.Client({"sdk_app_id": APP, "secret_key": "k", "webhook": {"trtc_key": KEY}}) as c:
        yield c


def test_the_docs_sample_verifies(trtc_client):
    ev = trtc_client.parse_trtc_webhook(sign(KEY, SAMPLE), str(APP), SAMPLE)
    assert (ev["group"], ev["type"], ev["name"]) == ("room", 103, "enter_room")
    assert (ev["room_id"], ev["room_id_type"], ev["user_id"]) == ("12345", 1, "test")
    assert ev["sdk_app_id"] == APP and ev["signature_verified"] is True and ev["duplicate"] is False
    assert ev["reply"] == '{"code":0}'
    assert ev["event"]["CallbackTs"] == 1615554923704 and ev["event"]["EventInfo"]["Role"] == 20
    assert tccall.Room.from_trtc_webhook(ev) == tccall.Room("12345", tccall.RoomIdType.NUMERIC)
    # TRTC redelivers: the same event again is flagged.
    again = trtc_client.parse_trtc_webhook(sign(KEY, SAMPLE), APP, SAMPLE)
    assert again["duplicate"] is True and again["signature_verified"] is True


def test_refusals(trtc_client):
    with pytest.raises(tccall.WebhookError) as e:  # signed with another key
        trtc_client.parse_trtc_webhook(sign("other-key", SAMPLE), str(APP), SAMPLE)
    assert e.value.code == tccall.Code.WEBHOOK_SIGNATURE
    with pytest.raises(tccall.WebhookError) as e:  # no Sign header while trtc_key is set
        trtc_client.parse_trtc_webhook(None, str(APP), SAMPLE)
    assert e.value.code == 501
    with pytest.raises(tccall.WebhookError) as e:  # the body changed after signing
        trtc_client.parse_trtc_webhook(sign(KEY, SAMPLE), str(APP), SAMPLE.replace(b"\t", b" "))
    assert e.value.code == 501
    with pytest.raises(tccall.WebhookError) as e:  # another app's
        trtc_client.parse_trtc_webhook(sign(KEY, SAMPLE), "1400000001", SAMPLE)
    assert e.value.code == tccall.Code.WEBHOOK_APP_MISMATCH
    with pytest.raises(tccall.WebhookError) as e:  # no SdkAppId header
        trtc_client.parse_trtc_webhook(sign(KEY, SAMPLE), None, SAMPLE)
    assert e.value.code == 503
    body = b'{"EventGroupId": 1}'
    with pytest.raises(tccall.WebhookError) as e:
        trtc_client.parse_trtc_webhook(sign(KEY, body), str(APP), body)
    assert e.value.code == tccall.Code.WEBHOOK_MALFORMED


def test_unsigned_when_allowed_and_string_rooms():
    cfg = {"sdk_app_id": APP, "webhook": {"trtc_key": KEY, "require_sign": {"trtc": False}, "dedupe_window_s": 0}}
    with tccall.Client(cfg) as c:
        body = event(104, "room-a")
        ev = c.parse_trtc_webhook(None, APP, body)
        assert ev["signature_verified"] is False and ev["name"] == "exit_room"
        assert (ev["room_id"], ev["room_id_type"]) == ("room-a", 2)
        assert c.parse_trtc_webhook(None, APP, body)["duplicate"] is False  # dedupe_window_s 0: off
        with pytest.raises(tccall.WebhookError):  # a Sign that is present is always checked
            c.parse_trtc_webhook("bad", APP, body)
        future = event(999, 1)
        assert c.parse_trtc_webhook(sign(KEY, future), APP, future)["name"] == "unknown"


def test_request_helper_reads_headers_of_any_mapping(trtc_client):
    body = event(102, 777, unique=42)
    lower = {"content-type": "application/json", "sign": sign(KEY, body), "sdkappid": str(APP)}
    ev = trtc_client.parse_trtc_webhook_request(lower, body)
    assert ev["name"] == "dismiss_room" and ev["room_id"] == "777" and not ev["duplicate"]
    msg = email.message.Message()  # what http.server hands a handler as self.headers
    msg["Sign"], msg["SdkAppId"] = sign(KEY, body), str(APP)
    assert trtc_client.parse_trtc_webhook_request(msg, body)["duplicate"] is True
    with pytest.raises(tccall.WebhookError) as e:
        trtc_client.parse_trtc_webhook_request({"SdkAppId": str(APP)}, body)
    assert e.value.code == 501


def test_a_receiver_in_http_server(trtc_client):
    seen = []

    class Receiver(BaseHTTPRequestHandler):
        def do_POST(self):  # noqa: N802
            raw = self.rfile.read(int(self.headers["Content-Length"]))
            try:
                ev = trtc_client.parse_trtc_webhook_request(self.headers, raw)
                status, reply = 200, ev["reply"].encode()
                seen.append(ev)
            except tccall.WebhookError as e:
                status, reply = 401 if e.code == 501 else 400, b'{"code":1}'
            self.send_response(status)
            self.send_header("Content-Length", str(len(reply)))
            self.end_headers()
            self.wfile.write(reply)

        def log_message(self, *args):
            pass

    server = HTTPServer(("127.0.0.1", 0), Receiver)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        def post(body, key):
            req = urllib.request.Request(f"http://127.0.0.1:{server.server_port}/trtc", data=body, method="POST",
                                         headers={"Sign": sign(key, body), "SdkAppId": str(APP)})
            try:
                with urllib.request.urlopen(req, timeout=5) as r:
                    return r.status, r.read()
            except urllib.error.HTTPError as e:
                return e.code, e.read()

        assert post(SAMPLE, KEY) == (200, b'{"code":0}')
        assert post(SAMPLE, "wrong") == (401, b'{"code":1}')
        assert [ev["name"] for ev in seen] == ["enter_room"]
    finally:
        server.shutdown()
        server.server_close()


def test_im_webhooks_flag_duplicates(local_client):
    body = b'{"CallbackCommand":"Call.CallbackAfterEndCall","CallRecord":{"CallId":"c1"},"EventTime":1703589922780}'
    first = local_client.parse_webhook("SdkAppid=1400000000", body)
    assert first["duplicate"] is False
    assert local_client.parse_webhook("SdkAppid=1400000000", body)["duplicate"] is True
