"""The tccall story in Python against the in-process sandbox, over HTTPS.

The sandbox serves HTTPS with a throwaway CA minted at start; its https_client_config
points the client at it and trusts that CA only. Real credentials point the same client
at Tencent (over HTTPS, trusting the usual roots).

The story: a robot calls two users in numeric TRTC room 9001; terminate_call ends the
call and dismisses its room; the room's TRTC callbacks (a user exits: 104, the room is
dismissed: 102) arrive at a local receiver, signed, and parse_trtc_webhook verifies them.
Then records, rooms, Desk, a Call webhook and an error.

    make example-python      (or: TCCALL_LIBRARY=target/debug/libtccall.so python3 examples/python/quickstart.py)
"""

import json
import queue
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path

_repo = Path(__file__).resolve().parents[2] if len(Path(__file__).resolve().parents) > 2 else None
if _repo is not None and (_repo / "bindings" / "python" / "tccall").is_dir():
    sys.path.insert(0, str(_repo / "bindings" / "python"))  # run from a checkout; else the installed tccall

import tccall  # noqa: E402
from tccall.testing import Sandbox  # noqa: E402

TRTC_KEY = "QuickstartTrtcKey2024"  # the callback key set in the TRTC console (here: the sandbox)


def step(title, value):
    print(f"\n== {title}\n{json.dumps(value, indent=2, ensure_ascii=False)}")


def trtc_receiver(client, events):
    """A local HTTP server for TRTC room callbacks: each one is verified, queued, and answered."""

    class Receiver(BaseHTTPRequestHandler):
        def do_POST(self):  # noqa: N802
            raw = self.rfile.read(int(self.headers["Content-Length"]))  # the exact bytes: Sign covers them
            try:
                event = client.parse_trtc_webhook_request(self.headers, raw)  # Sign, SdkAppId, body
                status, reply = 200, event["reply"]
                events.put(event)
            except tccall.WebhookError as e:
                status, reply = 401, json.dumps({"code": e.code})
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(reply)))
            self.end_headers()
            self.wfile.write(reply.encode())

        def log_message(self, *args):
            pass

    server = HTTPServer(("127.0.0.1", 0), Receiver)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


with Sandbox() as sandbox:
    config = dict(sandbox.https_client_config, webhook={"trtc_key": TRTC_KEY})
    with tccall.Client(config) as client:
        print(f"sandbox at {sandbox.https_base_url} (CA in {sandbox.ca_file}) - tccall {tccall.__version__}")

        # TRTC room callbacks go to our receiver, signed with the key the client verifies.
        events: "queue.Queue[dict]" = queue.Queue()
        receiver = trtc_receiver(client, events)
        sandbox.control("POST", "/_sandbox/trtc/callback",
                        {"url": f"http://127.0.0.1:{receiver.server_port}/trtc", "key": TRTC_KEY})

        started = client.start_call_by_robot("robot_01", ["alice", "bob"], media_type="Audio",
                                             room_id="9001", room_id_type=tccall.RoomIdType.NUMERIC)
        step("start_call_by_robot (numeric TRTC room 9001)", started)
        call_id = started["CallId"]
        sandbox.control("POST", f"/_sandbox/calls/{call_id}/members", {"user": "alice", "action": "Answer"})
        info = client.get_call_info(call_id, timeout=5)  # one deadline for the whole call
        step("get_call_info", info)
        print("the call's room:", tccall.Room.from_call_info(info))  # "9001" with RoomIdType 1: numeric room 9001

        ended = client.terminate_call(call_id)  # get_call_info, end_call, dismiss its room
        step("terminate_call", ended)

        # The room's callbacks: everyone exits (104), then the room is dismissed (102).
        seen = []
        deadline = time.monotonic() + 5
        while not any(e["type"] == 102 for e in seen) and time.monotonic() < deadline:
            try:
                seen.append(events.get(timeout=0.1))
            except queue.Empty:
                pass
        room_events = [e for e in seen if tccall.Room.from_trtc_webhook(e) == ("9001", tccall.RoomIdType.NUMERIC)]
        print("\n== TRTC callbacks for room 9001, each verified by parse_trtc_webhook")
        for e in room_events:
            print(f"  {e['type']} {e['name']:<13} user {e['user_id'] or '-':<9} "
                  f"signature_verified={e['signature_verified']} duplicate={e['duplicate']}")
        names = [e["name"] for e in room_events]
        if "exit_room" not in names or "dismiss_room" not in names or not all(e["signature_verified"] for e in room_events):
            sys.exit("the room's exit (104) and dismiss (102) callbacks did not arrive verified")
        receiver.shutdown()

        try:
            client.end_call(call_id)
        except tccall.NotFound as e:
            step("end_call again raises tccall.NotFound", e.info)
        step("get_call_record", client.get_call_record(call_id))

        sandbox.control("POST", "/_sandbox/rooms", {"room_id": 5150, "users": ["u1", "u2", "u3"]})
        step("remove_users", client.remove_users(tccall.Room.numeric(5150), ["u2"]))
        step("block_user (audio)", client.block_user(tccall.Room.numeric(5150), "u3", tccall.Mute.AUDIO))
        step("dismiss_room", client.dismiss_room(tccall.Room.numeric(5150)))

        session = sandbox.control("POST", "/_sandbox/desk/sessions", {"client_user_id": "customer", "state": "Agent"})
        step("end_desk_session", client.end_desk_session(session["SessionId"]))

        body = json.dumps({"CallbackCommand": "Call.CallbackAfterEndCall", "CallRecord": {"CallId": call_id}}).encode()
        query = f"SdkAppid={sandbox.client_config['sdk_app_id']}&CallbackCommand=Call.CallbackAfterEndCall"
        step("parse_webhook", client.parse_webhook(query, body))

    wrong = dict(sandbox.https_client_config, secret_key="0" * 64)
    with tccall.Client(wrong) as bad:
        try:
            bad.get_callback_config()
        except tccall.AuthError as e:
            step(f"wrong secret_key raises {type(e).__name__}", e.info)

print("\nPython quickstart finished")
