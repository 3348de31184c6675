"""tccall next to Tencent's official Python packages, in one run, interleaved.

    make bench-compare

Installs `tls-sig-api-v2` and `tencentcloud-sdk-python-trtc` (the Makefile does, in a venv),
starts one release `tccall-sandbox` process, then for each round measures, in turn:
UserSig generation (official, tccall Rust, tccall via Python), TC3 request signing (official
SDK, tccall Rust, tccall via Python), and DismissRoom against the same sandbox (official
TrtcClient, tccall via Python, tccall through the C ABI from Rust, and a bare ureq floor).
Prints each figure (median over rounds) and each pair's ratio.
"""

import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "bindings" / "python"))
os.environ.setdefault("TCCALL_LIBRARY", str(ROOT / "target" / "release" / "libtccall.so"))

import TLSSigAPIv2  # noqa: E402
from tencentcloud.common import credential  # noqa: E402
from tencentcloud.common.exception.tencent_cloud_sdk_exception import TencentCloudSDKException  # noqa: E402
from tencentcloud.common.http.request import RequestInternal  # noqa: E402
from tencentcloud.common.profile.client_profile import ClientProfile  # noqa: E402
from tencentcloud.common.profile.http_profile import HttpProfile  # noqa: E402
from tencentcloud.trtc.v20190722 import models, trtc_client  # noqa: E402

import tccall  # noqa: E402

ROUNDS = int(os.environ.get("ROUNDS", "7"))
SECS = float(os.environ.get("SECS", "1.0"))
KEY = "5bd2850fff3ecb11d7c805251c51ee463a25727bddc2385f3fa8bfee1bb93b5e"


def per_op_us(fn, secs=SECS):
    """Mean microseconds per call of fn over about `secs` seconds."""
    fn()
    n, start = 0, time.perf_counter()
    deadline = start + secs
    while time.perf_counter() < deadline:
        for _ in range(50):
            fn()
        n += 50
    return (time.perf_counter() - start) / n * 1e6


FRESH_OFFICIAL = """
import sys, time, TLSSigAPIv2
api = TLSSigAPIv2.TLSSigAPIv2(1400000000, sys.argv[1])
n, start = 0, time.perf_counter()
while time.perf_counter() - start < float(sys.argv[2]):
    for _ in range(50):
        api.gen_sig("xiaojun")
    n += 50
print((time.perf_counter() - start) / n * 1e6)
"""


def official_sig_fresh_process():
    """The official library in its own process, as a script using it runs (nothing else loaded).

    In a process that has already freed a large block (as this one has, by loading tccall),
    glibc serves zlib's ~256 KiB deflate state from the heap instead of fresh mmap'd pages,
    which makes zlib.compress several times faster; both figures are reported."""
    out = subprocess.run([sys.executable, "-c", FRESH_OFFICIAL, KEY, str(SECS)], check=True, capture_output=True,
                         text=True).stdout
    return float(out)


def cargo_bench(name, *args):
    out = subprocess.run(["cargo", "bench", "-q", "--bench", name, "--", *args], cwd=ROOT, check=True,
                         capture_output=True, text=True).stdout
    return json.loads(out.strip().splitlines()[-1])


def main():
    subprocess.run(["cargo", "build", "-q", "--release", "--lib", "--bin", "tccall-sandbox"], cwd=ROOT, check=True)
    subprocess.run(["cargo", "bench", "-q", "--no-run", "--bench", "micro", "--bench", "e2e"], cwd=ROOT, check=True,
                   capture_output=True)
    tmp = Path(tempfile.mkdtemp())
    (tmp / "sandbox.json").write_text('{"enforce_rate_limits": false}')
    sandbox = subprocess.Popen([str(ROOT / "target/release/tccall-sandbox"), "--config", str(tmp / "sandbox.json")],
                               stdout=subprocess.PIPE, text=True)
    try:
        base_url = sandbox.stdout.readline().strip()
        config = json.loads(sandbox.stdout.readline())
        config["rate_limit"] = {"enabled": False}
        config["retry"] = {"max_attempts": 1}
        (tmp / "client.json").write_text(json.dumps(config))
        run(base_url, config, tmp / "client.json")
    finally:
        sandbox.kill()


def run(base_url, config, config_file):
    app = config["sdk_app_id"]
    local = tccall.Client({"sdk_app_id": 1400000000, "secret_key": KEY,
                           "cloud_api": {"secret_id": "AKIDz8krbsJ5yKBZQpn74WFkmLPx3EXAMPLE",
                                         "secret_key": "Gu5t9xGARNpq86cd98joQYCN3EXAMPLE"}})
    remote = tccall.Client(config)
    official_sig = TLSSigAPIv2.TLSSigAPIv2(1400000000, KEY)
    cloud = config["cloud_api"]
    http = HttpProfile(protocol="http", endpoint=base_url.split("://", 1)[1])
    official = trtc_client.TrtcClient(credential.Credential(cloud["secret_id"], cloud["secret_key"]), cloud["region"],
                                      ClientProfile(httpProfile=http))
    sign_client = trtc_client.TrtcClient(credential.Credential("AKIDz8krbsJ5yKBZQpn74WFkmLPx3EXAMPLE",
                                                                "Gu5t9xGARNpq86cd98joQYCN3EXAMPLE"), "ap-guangzhou")
    dismiss_req = models.DismissRoomRequest()
    dismiss_req.from_json_string(json.dumps({"SdkAppId": app, "RoomId": 424242}))

    def official_tc3():
        # What TrtcClient.DismissRoom does before sending: serialize and build the signed request.
        req = RequestInternal(sign_client._get_endpoint(), "POST", "/", header={"X-TC-TraceId": str(uuid.uuid4())})
        sign_client._build_req_inter("DismissRoom", dismiss_req._serialize(), req, None)

    def official_dismiss():
        try:
            official.DismissRoom(dismiss_req)
        except TencentCloudSDKException as e:
            assert e.get_code() == "FailedOperation.RoomNotExist", e

    def tccall_dismiss():
        try:
            remote.dismiss_room(424242)
        except tccall.NotFound:
            pass

    rows = {k: [] for k in ["sig_official_fresh_process", "sig_official", "sig_rust", "sig_py", "tc3_official", "tc3_rust", "tc3_py",
                            "dismiss_official", "dismiss_py", "dismiss_cabi", "dismiss_floor"]}
    for r in range(ROUNDS):
        rows["sig_official_fresh_process"].append(official_sig_fresh_process())
        rows["sig_official"].append(per_op_us(lambda: official_sig.gen_sig("xiaojun")))
        rows["sig_py"].append(per_op_us(lambda: local.gen_usersig("xiaojun")))
        micro = cargo_bench("micro", "--json")
        rows["sig_rust"].append(micro["usersig_generate"] / 1000)
        rows["tc3_rust"].append(micro["cloud_request_build"] / 1000)
        rows["tc3_official"].append(per_op_us(official_tc3))
        rows["tc3_py"].append(per_op_us(lambda: local.sign_cloud_api_request(
            "DismissRoom", {"SdkAppId": 1400000000, "RoomId": 424242})))
        rows["dismiss_official"].append(per_op_us(official_dismiss))
        rows["dismiss_py"].append(per_op_us(tccall_dismiss))
        e2e = cargo_bench("e2e", "--json", "--quick", "--threads", "1", "--sandbox-config", str(config_file))
        cell = e2e["dismiss_room"][0]
        rows["dismiss_cabi"].append(1e6 / cell["tccall_ops_s"])
        rows["dismiss_floor"].append(1e6 / cell["floor_ops_s"])
        print(f"round {r + 1}/{ROUNDS} done", file=sys.stderr)

    med = {k: statistics.median(v) for k, v in rows.items()}
    print(f"\n{ROUNDS} interleaved rounds, median us/op (official Python packages: tls-sig-api-v2, "
          f"tencentcloud-sdk-python-trtc; Python {sys.version.split()[0]})\n")
    print("| measurement | us/op |\n| --- | ---: |")
    for k, v in med.items():
        print(f"| {k} | {v:.2f} |")
    ratios = [
        ("UserSig: official Python (fresh process) / tccall Rust", med["sig_official_fresh_process"] / med["sig_rust"],
         ">= 10"),
        ("UserSig: official Python (fresh process) / tccall via Python",
         med["sig_official_fresh_process"] / med["sig_py"], ">= 10"),
        ("UserSig: official Python (warm allocator) / tccall Rust", med["sig_official"] / med["sig_rust"], ">= 10"),
        ("UserSig: official Python (warm allocator) / tccall via Python", med["sig_official"] / med["sig_py"], ">= 10"),
        ("TC3 signing: official SDK / tccall Rust", med["tc3_official"] / med["tc3_rust"], ">= 20"),
        ("TC3 signing: official SDK / tccall via Python", med["tc3_official"] / med["tc3_py"], "(info)"),
        ("DismissRoom: official SDK / tccall via Python", med["dismiss_official"] / med["dismiss_py"], ">= 20"),
        ("DismissRoom: official SDK / tccall C ABI", med["dismiss_official"] / med["dismiss_cabi"], ">= 20"),
        ("DismissRoom: tccall C ABI / bare ureq floor", med["dismiss_cabi"] / med["dismiss_floor"], "<= 1.1"),
        ("DismissRoom: tccall via Python / tccall C ABI", med["dismiss_py"] / med["dismiss_cabi"], "<= 1.2"),
    ]
    print("\n| ratio | value | target |\n| --- | ---: | --- |")
    for name, value, target in ratios:
        print(f"| {name} | {value:.2f} | {target} |")


if __name__ == "__main__":
    main()
