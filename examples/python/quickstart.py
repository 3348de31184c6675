"""The tccall story in Python against the in-process sandbox, over HTTPS.

The sandbox serves HTTPS with a throwaway CA minted at start; its https_client_config
points the client at it and trusts that CA only. Real credentials point the same client
at Tencent (over HTTPS, trusting the usual roots).

    make example-python      (or: TCCALL_LIBRARY=target/debug/libtccall.so python3 examples/python/quickstart.py)
"""

import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "bindings" / "python"))

import tccall  # noqa: E402
from tccall.testing import Sandbox  # noqa: E402


def step(title, value):
    print(f"\n== {title}\n{json.dumps(value, indent=2, ensure_ascii=False)}")


with Sandbox() as sandbox, tccall.Client(sandbox.https_client_config) as client:
    print(f"sandbox at {sandbox.https_base_url} (CA in {sandbox.ca_file}) - tccall {tccall.__version__}")
    started = client.start_call_by_robot("robot_01", ["alice", "bob"], media_type="Audio", timeout_ms=30000,
                                         room_id="room-py", room_id_type=2)
    step("start_call_by_robot", started)
    call_id = started["CallId"]
    step("get_call_info", client.get_call_info(call_id, timeout=5))  # one deadline for the whole call
    step("end_call", client.end_call(call_id))
    try:
        client.end_call(call_id)
    except tccall.NotFound as e:
        step("end_call again raises tccall.NotFound", e.info)
    step("get_call_record", client.get_call_record(call_id))

    sandbox.control("POST", "/_sandbox/rooms", {"room_id": 5150, "users": ["u1", "u2"]})
    step("remove_users", client.remove_users(5150, ["u2"]))
    step("dismiss_room", client.dismiss_room(5150))

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
