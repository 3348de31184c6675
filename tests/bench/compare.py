"""tccall next to Tencent's official SDKs, side by side, in one run (issue 14's harness).

    make bench-compare                       # ROUNDS=7 SECS=1 by default
    ROUNDS=3 SECS=0.3 make bench-compare     # a quick look
    RSS=1 make bench-compare                 # plus RSS for 1/100/1000 tenants after 100k calls (long)

The Makefile installs Tencent's official Python packages (`tls-sig-api-v2`,
`tencentcloud-sdk-python-trtc`) into a venv and builds the release library, the sandbox, the
Rust bench binaries and, when Go is there, the Go harness (tests/bench/go, `tccallbench`), then
runs this file with the venv's Python.

One `tccall-sandbox` process serves every end-to-end case, over HTTP and (HTTPS=1, the default)
HTTPS on the same port. Then ROUNDS interleaved rounds: each round runs every case once, in a
rotating order (round r starts r cases further on), so drift and noise land on all cases alike.
Per case the median over rounds; per pair of cases the median of the per-round ratios.

Cases (µs per operation; the end-to-end ones also client CPU per operation, this process's or
the harness process's user+system time over the timed window):
- Python, in this process unless "fresh": official `TLSSigAPIv2.gen_sig` in a fresh process and
  warm (SDK imported, allocator warm), tccall `gen_usersig` fresh and warm; the official SDK
  building a signed DismissRoom (`_build_req_inter`) vs tccall `sign_cloud_api_request`;
  DismissRoom of a missing room against the sandbox, official `TrtcClient` vs tccall vs a bare
  keep-alive `http.client` POST of pre-signed bytes (the Python floor), at 1 thread (the main
  thread) and 4 threads sharing one client; the same at 1 thread over HTTPS.
- C ABI (tests/bench/e2e.rs, its prebuilt binary run directly): `dismiss_room` vs a bare ureq
  keep-alive POST, at 1 and 4 threads, and the raw-socket floor (`--raw-floor`) when e2e.rs has
  it; micro benchmarks (tests/bench/micro.rs) for the Rust core and C ABI signing and UserSig.
- Go (target/bench/tccallbench; skipped with the reason when Go or the binary is missing):
  usersig, tc3 and e2e cases of tccall's Go package and the official Go SDKs.
- RSS=1: RSS after RSS_CALLS (100000) DismissRoom calls across 1/100/1000 tenants (one client
  each): tccall C (e2e.rs `--rss-tenants N`, when it has it), official Go, tccall Go.

Prints the issue's table (measurement, ratio, target, met?), the raw medians and the other
ratios as markdown, and writes everything to target/bench/compare.json.

Environment: ROUNDS (7), SECS (1.0, per timed case), HTTPS (1), THREADS ("1,4"), RSS (0),
RSS_CALLS (100000), RSS_TENANTS ("1,100,1000"), GO_BENCH (target/bench/tccallbench).
"""

from __future__ import annotations

import http.client
import json
import os
import platform
import re
import ssl
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path
from urllib.parse import urlsplit

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
HTTPS = os.environ.get("HTTPS", "1") == "1"
THREADS = [int(t) for t in os.environ.get("THREADS", "1,4").split(",")]
RSS = os.environ.get("RSS", "0") == "1"
RSS_CALLS = int(os.environ.get("RSS_CALLS", "100000"))
RSS_TENANTS = [int(t) for t in os.environ.get("RSS_TENANTS", "1,100,1000").split(",")]
GO_BENCH = Path(os.environ.get("GO_BENCH", str(ROOT / "target" / "bench" / "tccallbench")))
OUT = ROOT / "target" / "bench" / "compare.json"

# The official tls-sig-api-v2 demo app and key, and example Cloud API keys: local signing only.
APP = 1400000000
KEY = "5bd2850fff3ecb11d7c805251c51ee463a25727bddc2385f3fa8bfee1bb93b5e"
SECRET_ID, SECRET_KEY = "AKIDz8krbsJ5yKBZQpn74WFkmLPx3EXAMPLE", "Gu5t9xGARNpq86cd98joQYCN3EXAMPLE"
ROOM = 424242  # no such room: every DismissRoom is a full signed round trip ending in RoomNotExist


class Skip(Exception):
    """A case that cannot run here; its message says why."""


def note(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


# -- timing ------------------------------------------------------------------------------------


def per_op_us(fn, secs: float = SECS) -> float:
    """Mean microseconds per call of fn over about `secs` seconds (after one warm-up call)."""
    fn()
    n, start = 0, time.perf_counter()
    deadline = start + secs
    while time.perf_counter() < deadline:
        for _ in range(20):
            fn()
        n += 20
    return (time.perf_counter() - start) / n * 1e6


def timed(make_op, threads: int, secs: float = SECS) -> dict:
    """Runs one op per thread (``make_op()`` makes each thread's) for `secs`: wall µs per op
    (the latency at 1 thread, the inverse throughput at more) and this process's CPU µs per op.
    One thread runs on the main thread, as a script would call."""
    ops = [make_op() for _ in range(threads)]
    for op in ops:
        for _ in range(20):  # warm-up: connections open, caches filled
            op()
    counts = [0] * threads
    stop = threading.Event()

    def work(i: int) -> None:
        op, n = ops[i], 0
        while not stop.is_set():
            for _ in range(10):
                op()
            n += 10
        counts[i] = n

    if threads == 1:
        c0, t0 = time.process_time(), time.perf_counter()
        timer = threading.Timer(secs, stop.set)
        timer.start()
        work(0)
    else:
        workers = [threading.Thread(target=work, args=(i,)) for i in range(threads)]
        c0, t0 = time.process_time(), time.perf_counter()
        for w in workers:
            w.start()
        time.sleep(secs)
        stop.set()
        for w in workers:
            w.join()
    wall, cpu = time.perf_counter() - t0, time.process_time() - c0
    total = sum(counts)
    return {"us": wall / total * 1e6, "cpu_us": cpu / total * 1e6, "ops": total}


def run_json(cmd: list, timeout: float = 600) -> dict:
    """Runs a harness binary and returns the last JSON line of its stdout."""
    p = subprocess.run([str(c) for c in cmd], cwd=ROOT, capture_output=True, text=True, timeout=timeout)
    lines = [ln for ln in p.stdout.splitlines() if ln.startswith("{")]
    if p.returncode != 0 or not lines:
        err = p.stderr.strip().splitlines() or p.stdout.strip().splitlines() or ["no output"]
        # A Rust panic: its message is the line after "panicked at"; else the last line.
        at = [i for i, ln in enumerate(err) if "panicked at" in ln]
        why = " ".join(err[at[0]:at[0] + 2]) if at else err[-1]
        raise Skip(f"{Path(str(cmd[0])).name.split('-')[0]} exited {p.returncode}: {why[:300]}")
    return json.loads(lines[-1])


# -- Python cases ------------------------------------------------------------------------------

FRESH_OFFICIAL = """
import sys, time, TLSSigAPIv2
api = TLSSigAPIv2.TLSSigAPIv2(%d, sys.argv[1])
n, start = 0, time.perf_counter()
while time.perf_counter() - start < float(sys.argv[2]):
    for _ in range(50):
        api.gen_sig("xiaojun")
    n += 50
print((time.perf_counter() - start) / n * 1e6)
""" % APP

FRESH_TCCALL = """
import sys, time, tccall
c = tccall.Client({"sdk_app_id": %d, "secret_key": sys.argv[1]})
n, start = 0, time.perf_counter()
while time.perf_counter() - start < float(sys.argv[2]):
    for _ in range(50):
        c.gen_usersig("xiaojun")
    n += 50
print((time.perf_counter() - start) / n * 1e6)
""" % APP


def fresh_process(script: str) -> dict:
    """UserSig in a process of its own, as a script runs it: nothing else loaded, so glibc serves
    zlib's deflate state from fresh mmap'd pages (a warm process serves it from the heap)."""
    env = dict(os.environ, PYTHONPATH=str(ROOT / "bindings" / "python"))
    out = subprocess.run([sys.executable, "-c", script, KEY, str(SECS)], check=True, capture_output=True,
                         text=True, env=env).stdout
    return {"us": float(out)}


class PythonSide:
    """The official Python SDKs and tccall's Python package, against the sandbox (`sb`)."""

    def __init__(self, sb: "SandboxProcess"):
        self.sb = sb
        self.local = tccall.Client({"sdk_app_id": APP, "secret_key": KEY,
                                    "cloud_api": {"secret_id": SECRET_ID, "secret_key": SECRET_KEY}})
        self.official_sig = TLSSigAPIv2.TLSSigAPIv2(APP, KEY)
        self.sign_client = trtc_client.TrtcClient(credential.Credential(SECRET_ID, SECRET_KEY), "ap-guangzhou")
        self.dismiss_req = models.DismissRoomRequest()
        self.dismiss_req.from_json_string(json.dumps({"SdkAppId": APP, "RoomId": ROOM}))
        self.sandbox_req = models.DismissRoomRequest()  # the sandbox's app
        self.sandbox_req.from_json_string(json.dumps({"SdkAppId": sb.app, "RoomId": ROOM}))
        self.tccall = {}  # scheme -> tccall.Client of the sandbox
        self.official = {}  # scheme -> TrtcClient of the sandbox
        self.signed = {}  # scheme -> (url, headers, body) signed once per round
        for scheme, cfg in sb.configs.items():
            cfg = dict(cfg, rate_limit={"enabled": False}, retry={"max_attempts": 1})
            self.tccall[scheme] = tccall.Client(cfg)
            cloud = cfg["cloud_api"]
            http = HttpProfile(protocol=scheme, endpoint=urlsplit(cloud["endpoint"]).netloc,
                               certification=sb.ca_file if scheme == "https" else None)
            self.official[scheme] = trtc_client.TrtcClient(
                credential.Credential(cloud["secret_id"], cloud["secret_key"]), cloud["region"],
                ClientProfile(httpProfile=http))

    # UserSig
    def sig_official_warm(self):
        return {"us": per_op_us(lambda: self.official_sig.gen_sig("xiaojun"))}

    def sig_tccall_warm(self):
        return {"us": per_op_us(lambda: self.local.gen_usersig("xiaojun"))}

    # TC3: what TrtcClient.DismissRoom does before sending (serialize, build the signed request)
    def tc3_official(self):
        c, req = self.sign_client, self.dismiss_req

        def once():
            r = RequestInternal(c._get_endpoint(), "POST", "/", header={"X-TC-TraceId": str(uuid.uuid4())})
            c._build_req_inter("DismissRoom", req._serialize(), r, None)

        return {"us": per_op_us(once)}

    def tc3_tccall(self):
        params = {"SdkAppId": APP, "RoomId": ROOM}
        return {"us": per_op_us(lambda: self.local.sign_cloud_api_request("DismissRoom", params))}

    # end to end
    def e2e_official(self, scheme: str, threads: int):
        client, req = self.official[scheme], self.sandbox_req

        def op():
            try:
                client.DismissRoom(req)
            except TencentCloudSDKException as e:
                if e.get_code() != "FailedOperation.RoomNotExist":
                    raise
            else:
                raise AssertionError("DismissRoom of a missing room succeeded")

        return timed(lambda: op, threads)

    def e2e_tccall(self, scheme: str, threads: int):
        client = self.tccall[scheme]

        def op():
            try:
                client.dismiss_room(ROOM)
            except tccall.NotFound:
                pass
            else:
                raise AssertionError("dismiss_room of a missing room succeeded")

        return timed(lambda: op, threads)

    def e2e_floor(self, scheme: str, threads: int):
        """A bare keep-alive POST of the same signed request bytes (signed once), one connection
        per thread: what any Python client pays at least for this round trip."""
        signed = self.local_sign(scheme)
        url = urlsplit(signed["url"])
        body = signed["body"].encode()
        headers = dict(signed["headers"])

        def make():
            if scheme == "https":
                ctx = ssl.create_default_context(cafile=self.sb.ca_file)
                conn = http.client.HTTPSConnection(url.hostname, url.port, context=ctx)
            else:
                conn = http.client.HTTPConnection(url.hostname, url.port)
            path = url.path or "/"

            def op():
                conn.request("POST", path, body, headers)
                data = conn.getresponse().read()
                if b"RoomNotExist" not in data:
                    raise AssertionError(data[:200])

            return op

        return timed(make, threads)

    def local_sign(self, scheme: str) -> dict:
        return self.tccall[scheme].sign_cloud_api_request("DismissRoom", {"SdkAppId": self.sb.app, "RoomId": ROOM})


# -- the sandbox -------------------------------------------------------------------------------


class SandboxProcess:
    """One `tccall-sandbox` (rate limits off): its HTTP and HTTPS client configs, each also in a
    file for the Rust and Go harnesses, and its CA certificate in a file."""

    def __init__(self, tmp: Path):
        (tmp / "sandbox.json").write_text('{"enforce_rate_limits": false}')
        self.proc = subprocess.Popen([str(ROOT / "target/release/tccall-sandbox"), "--config", str(tmp / "sandbox.json")],
                                     stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
        out = self.proc.stdout
        _, http_cfg, _, https_cfg = (out.readline().strip() for _ in range(4))
        self.configs = {"http": json.loads(http_cfg)}
        if HTTPS:
            self.configs["https"] = json.loads(https_cfg)
        self.app = self.configs["http"]["sdk_app_id"]
        self.files = {}
        for scheme, cfg in self.configs.items():
            self.files[scheme] = tmp / f"client-{scheme}.json"
            self.files[scheme].write_text(json.dumps(cfg))
        self.ca_file = str(tmp / "ca.pem")
        Path(self.ca_file).write_text(json.loads(https_cfg)["tls"]["ca_pem"])

    def close(self):
        self.proc.kill()
        self.proc.wait()


# -- the Rust and Go harnesses -----------------------------------------------------------------


def cargo_bench_binaries() -> dict:
    """The prebuilt bench binaries (name -> path), built if needed (`cargo bench --no-run`)."""
    p = subprocess.run(["cargo", "bench", "--no-run", "--bench", "e2e", "--bench", "micro", "--message-format=json"],
                       cwd=ROOT, check=True, capture_output=True, text=True)
    found = {}
    for line in p.stdout.splitlines():
        msg = json.loads(line) if line.startswith("{") else {}
        if msg.get("reason") == "compiler-artifact" and msg.get("executable") and "bench" in msg["target"]["kind"]:
            found[msg["target"]["name"]] = msg["executable"]
    return found


E2E_SOURCE = (ROOT / "tests" / "bench" / "e2e.rs").read_text()
# The raw-socket floor and the multi-tenant RSS of e2e.rs, used when its source names the flags
# (an older e2e.rs without them leaves those rows n/a).
HAS_RAW_FLOOR = "--raw-floor" in E2E_SOURCE
HAS_RSS_TENANTS = "--rss-tenants" in E2E_SOURCE


class RustSide:
    def __init__(self, sb: SandboxProcess):
        self.sb = sb
        bins = cargo_bench_binaries()
        self.e2e, self.micro = bins.get("e2e"), bins.get("micro")
        self.https_broken = None

    def e2e_cell(self, scheme: str, threads: int) -> dict:
        if not self.e2e:
            raise Skip("no e2e bench binary")
        if scheme == "https" and self.https_broken:
            raise Skip(self.https_broken)
        cmd = [self.e2e, "--json", "--quick", "--threads", threads, "--sandbox-config", self.sb.files[scheme]]
        if HAS_RAW_FLOOR:
            cmd.append("--raw-floor")
        try:
            cell = run_json(cmd)["dismiss_room"][0]
        except Skip as e:
            if scheme == "https":
                self.https_broken = f"e2e.rs over HTTPS: {e}"
            raise
        # e2e.rs --json: tccall_*, floor_* (ureq) and raw_* (one write on a kept-alive socket;
        # null over HTTPS), each ops_s, p50_us, p99_us and cpu_us (client CPU per call).
        out = {}
        for prefix, name in (("tccall", ""), ("floor", "floor_"), ("raw", "raw_floor_")):
            if cell.get(f"{prefix}_ops_s"):
                out[f"{name}us"] = 1e6 / cell[f"{prefix}_ops_s"]
            for key in ("cpu_us", "p50_us"):
                if cell.get(f"{prefix}_{key}") is not None:
                    out[f"{name}{key}"] = cell[f"{prefix}_{key}"]
        return out

    def micro_cells(self) -> dict:
        if not self.micro:
            raise Skip("no micro bench binary")
        names = ["usersig_generate", "abi_gen_usersig", "cloud_request_build", "abi_sign_cloud_api_request"]
        got = run_json([self.micro, "--json", *names])
        return {k: got[k] / 1000 for k in names if k in got}

    def rss(self, tenants: int) -> dict:
        if not HAS_RSS_TENANTS:
            raise Skip("tests/bench/e2e.rs has no --rss-tenants")
        cmd = [self.e2e, "--json", "--rss", RSS_CALLS, "--rss-tenants", tenants, "--sandbox-config", self.sb.files["http"]]
        p = subprocess.run([str(c) for c in cmd], cwd=ROOT, capture_output=True, text=True, timeout=1800)
        for line in reversed(p.stdout.splitlines()):
            if line.startswith("{"):
                v = json.loads(line)
                return {"rss_kib": v["rss_kib"]}
            m = re.search(r"end (\d+) KiB", line)
            if m:
                return {"rss_kib": int(m.group(1))}
        raise Skip(f"e2e --rss-tenants: no figure in its output (exit {p.returncode})")


class GoSide:
    def __init__(self, sb: SandboxProcess):
        self.sb = sb
        self.missing = None
        if not GO_BENCH.exists():
            self.missing = f"no Go harness at {GO_BENCH.relative_to(ROOT)} (Go missing, or `make bench-compare` could not build it)"

    def case(self, name: str, threads: int = 1, scheme: str = "http", **extra) -> dict:
        if self.missing:
            raise Skip(self.missing)
        cmd = [GO_BENCH, "-case", name, "-seconds", SECS, "-threads", threads, "-sandbox", self.sb.files[scheme]]
        for k, v in extra.items():
            cmd += [f"-{k}", v]
        got = run_json(cmd, timeout=3600)
        if "skipped" in got:
            raise Skip(got["skipped"])
        out = {}
        if "us_per_op" in got:
            out["us"] = got["us_per_op"]
        if "cpu_us_per_op" in got:
            out["cpu_us"] = got["cpu_us_per_op"]
        if "rss_kib" in got:
            out["rss_kib"] = got["rss_kib"]
        return out


# -- the run -----------------------------------------------------------------------------------


def cases(py: PythonSide, rust: RustSide, go: GoSide) -> list:
    """(name, function) for every case of a round; a function returns a dict of figures or
    raises Skip. Names: language, what, whose, threads (tN) and scheme (https)."""
    c = [
        ("py_usersig_official_fresh", lambda: fresh_process(FRESH_OFFICIAL)),
        ("py_usersig_official_warm", py.sig_official_warm),
        ("py_usersig_tccall_fresh", lambda: fresh_process(FRESH_TCCALL)),
        ("py_usersig_tccall_warm", py.sig_tccall_warm),
        ("py_tc3_official", py.tc3_official),
        ("py_tc3_tccall", py.tc3_tccall),
        ("rust_micro", rust.micro_cells),
        ("go_usersig_tccall", lambda: go.case("usersig_tccall")),
        ("go_usersig_official", lambda: go.case("usersig_official")),
        ("go_tc3_tccall", lambda: go.case("tc3_tccall")),
        ("go_tc3_official", lambda: go.case("tc3_official")),
    ]
    schemes = ["http"] + (["https"] if HTTPS else [])
    for scheme in schemes:
        sfx = "" if scheme == "http" else "_https"
        for t in THREADS if scheme == "http" else [1]:
            c += [
                (f"py_e2e_official_t{t}{sfx}", lambda s=scheme, t=t: py.e2e_official(s, t)),
                (f"py_e2e_tccall_t{t}{sfx}", lambda s=scheme, t=t: py.e2e_tccall(s, t)),
                (f"py_e2e_floor_t{t}{sfx}", lambda s=scheme, t=t: py.e2e_floor(s, t)),
                (f"c_e2e_t{t}{sfx}", lambda s=scheme, t=t: rust.e2e_cell(s, t)),
                (f"go_e2e_official_t{t}{sfx}", lambda s=scheme, t=t: go.case("e2e_official", t, s)),
                (f"go_e2e_tccall_t{t}{sfx}", lambda s=scheme, t=t: go.case("e2e_tccall", t, s)),
                (f"go_e2e_floor_t{t}{sfx}", lambda s=scheme, t=t: go.case("e2e_floor", t, s)),
            ]
    return c


def median_of(rounds: list, key: str):
    vals = [r[key] for r in rounds if r is not None and r.get(key) is not None]
    return statistics.median(vals) if vals else None


def main() -> None:
    tmp = Path(tempfile.mkdtemp(prefix="tccall-compare-"))
    sb = SandboxProcess(tmp)
    try:
        py, rust, go = PythonSide(sb), RustSide(sb), GoSide(sb)
        plan = cases(py, rust, go)
        figures = {name: [] for name, _ in plan}
        skipped = {}
        for r in range(ROUNDS):
            t0 = time.perf_counter()
            start = r % len(plan)
            for name, fn in plan[start:] + plan[:start]:
                if name in skipped:
                    figures[name].append(None)
                    continue
                try:
                    figures[name].append(fn())
                except Skip as e:
                    skipped[name] = str(e)
                    figures[name].append(None)
                    note(f"{name}: skipped: {e}")
            note(f"round {r + 1}/{ROUNDS} done ({time.perf_counter() - t0:.0f} s)")
        rss = run_rss(rust, go) if RSS else {}
    finally:
        sb.close()
    report(figures, skipped, rss)


def run_rss(rust: RustSide, go: GoSide) -> dict:
    """RSS after RSS_CALLS DismissRoom calls across N tenants (one client each), once per cell."""
    out = {}
    for n in RSS_TENANTS:
        for name, fn in [("c_tccall", lambda n=n: rust.rss(n)),
                         ("go_official", lambda n=n: go.case("rss_official", tenants=n, calls=RSS_CALLS)),
                         ("go_tccall", lambda n=n: go.case("rss_tccall", tenants=n, calls=RSS_CALLS))]:
            key = f"rss_{name}_{n}"
            try:
                out[key] = fn().get("rss_kib")
            except Skip as e:
                out[key] = None
                note(f"{key}: skipped: {e}")
            note(f"{key}: {out[key]} KiB")
    return out


# -- the report --------------------------------------------------------------------------------

# (measurement, numerator (case, key), denominator (case, key), target): the issue's table.
ISSUE_ROWS = [
    ("UserSig: official Go / tccall Go", ("go_usersig_official", "us"), ("go_usersig_tccall", "us"), (">=", 1.5)),
    ("UserSig: official Python (warm process, SDK imported) / tccall Python",
     ("py_usersig_official_warm", "us"), ("py_usersig_tccall_warm", "us"), (">=", 2)),
    ("TC3 sign DismissRoom: official Go / tccall Go typed SignCloudAPIRequest",
     ("go_tc3_official", "us"), ("go_tc3_tccall", "us"), (">=", 2)),
    ("C ABI sign_cloud_api_request / Rust core cloud_request_build",
     ("rust_micro", "abi_sign_cloud_api_request"), ("rust_micro", "cloud_request_build"), ("<=", 1.5)),
    ("e2e DismissRoom, 1 goroutine: official Go / tccall Go (time)",
     ("go_e2e_official_t1", "us"), ("go_e2e_tccall_t1", "us"), (">=", 1.5)),
    ("e2e, 4 goroutines: official Go / tccall Go client CPU per call",
     ("go_e2e_official_t4", "cpu_us"), ("go_e2e_tccall_t4", "cpu_us"), (">=", 1.3)),
    ("e2e: official Python / tccall Python, 1 thread", ("py_e2e_official_t1", "us"), ("py_e2e_tccall_t1", "us"),
     (">=", 15)),
    ("e2e: official Python / tccall Python, 4 threads", ("py_e2e_official_t4", "us"), ("py_e2e_tccall_t4", "us"),
     None),
    ("e2e, 1 thread: tccall C ABI / raw-socket floor (one send, one recv)",
     ("c_e2e_t1", "us"), ("c_e2e_t1", "raw_floor_us"), ("<=", 1.5)),
    (f"RSS, 100 tenants after {RSS_CALLS} calls: tccall C / official Go", ("rss", "rss_c_tccall_100"),
     ("rss", "rss_go_official_100"), ("<=", 1.0)),
    ("e2e over HTTPS, 1 thread: official Python / tccall Python",
     ("py_e2e_official_t1_https", "us"), ("py_e2e_tccall_t1_https", "us"), (">=", 15)),
    ("e2e over HTTPS, 1 goroutine: official Go / tccall Go (time)",
     ("go_e2e_official_t1_https", "us"), ("go_e2e_tccall_t1_https", "us"), (">=", 1.5)),
]

# Further pairs, for reading the figures (no target).
INFO_ROWS = [
    ("UserSig: official Python fresh process / tccall Python fresh process",
     ("py_usersig_official_fresh", "us"), ("py_usersig_tccall_fresh", "us")),
    ("UserSig: official Python warm / tccall Rust core", ("py_usersig_official_warm", "us"),
     ("rust_micro", "usersig_generate")),
    ("UserSig: tccall Python warm / tccall C ABI", ("py_usersig_tccall_warm", "us"), ("rust_micro", "abi_gen_usersig")),
    ("TC3: official Python / tccall Python", ("py_tc3_official", "us"), ("py_tc3_tccall", "us")),
    ("TC3: tccall Python / tccall C ABI", ("py_tc3_tccall", "us"), ("rust_micro", "abi_sign_cloud_api_request")),
    ("e2e 1 thread: tccall Python / tccall C ABI", ("py_e2e_tccall_t1", "us"), ("c_e2e_t1", "us")),
    ("e2e 1 thread: tccall Python / Python keep-alive floor", ("py_e2e_tccall_t1", "us"), ("py_e2e_floor_t1", "us")),
    ("e2e 1 thread: official Python / Python keep-alive floor", ("py_e2e_official_t1", "us"), ("py_e2e_floor_t1", "us")),
    ("e2e 1 thread: tccall Python CPU / tccall C ABI CPU", ("py_e2e_tccall_t1", "cpu_us"), ("c_e2e_t1", "cpu_us")),
    ("e2e 1 thread: official Python CPU / tccall Python CPU", ("py_e2e_official_t1", "cpu_us"),
     ("py_e2e_tccall_t1", "cpu_us")),
    ("e2e 4 threads: official Python CPU / tccall Python CPU", ("py_e2e_official_t4", "cpu_us"),
     ("py_e2e_tccall_t4", "cpu_us")),
    ("e2e 1 thread: tccall C ABI / ureq keep-alive floor", ("c_e2e_t1", "us"), ("c_e2e_t1", "floor_us")),
    ("e2e 1 thread: tccall C ABI CPU / raw-socket floor CPU", ("c_e2e_t1", "cpu_us"), ("c_e2e_t1", "raw_floor_cpu_us")),
    ("e2e 4 threads: tccall C ABI / raw-socket floor", ("c_e2e_t4", "us"), ("c_e2e_t4", "raw_floor_us")),
    ("e2e 4 threads: tccall C ABI / ureq keep-alive floor", ("c_e2e_t4", "us"), ("c_e2e_t4", "floor_us")),
    ("e2e 1 goroutine: tccall Go / Go keep-alive floor", ("go_e2e_tccall_t1", "us"), ("go_e2e_floor_t1", "us")),
    ("e2e 4 goroutines: official Go / tccall Go (time)", ("go_e2e_official_t4", "us"), ("go_e2e_tccall_t4", "us")),
    ("e2e 1 goroutine: official Go / tccall Go client CPU", ("go_e2e_official_t1", "cpu_us"),
     ("go_e2e_tccall_t1", "cpu_us")),
    ("e2e over HTTPS 1 thread: tccall Python / Python floor", ("py_e2e_tccall_t1_https", "us"),
     ("py_e2e_floor_t1_https", "us")),
    ("e2e over HTTPS 1 thread: tccall C ABI / ureq floor", ("c_e2e_t1_https", "us"), ("c_e2e_t1_https", "floor_us")),
    ("RSS, 1 tenant: tccall C / official Go", ("rss", "rss_c_tccall_1"), ("rss", "rss_go_official_1")),
    ("RSS, 1000 tenants: tccall C / official Go", ("rss", "rss_c_tccall_1000"), ("rss", "rss_go_official_1000")),
    ("RSS, 100 tenants: tccall Go / official Go", ("rss", "rss_go_tccall_100"), ("rss", "rss_go_official_100")),
]


def ratio(figures: dict, rss: dict, num: tuple, den: tuple):
    """The median of the per-round ratios (both figures from the same round), or the ratio of the
    single RSS figures."""
    if num[0] == "rss":
        a, b = rss.get(num[1]), rss.get(den[1])
        return a / b if a and b else None
    pairs = zip(figures.get(num[0], []), figures.get(den[0], []))
    vals = [a[num[1]] / b[den[1]] for a, b in pairs
            if a is not None and b is not None and a.get(num[1]) and b.get(den[1])]
    return statistics.median(vals) if vals else None


def met(value, target) -> str:
    if target is None:
        return "(info)"
    if value is None:
        return "n/a"
    op, bound = target
    return "yes" if (value >= bound if op == ">=" else value <= bound) else "no"


def fmt(v, digits: int = 2) -> str:
    return "n/a" if v is None else f"{v:.{digits}f}"


def report(figures: dict, skipped: dict, rss: dict) -> None:
    medians = {}
    for name, rounds in figures.items():
        keys = sorted({k for r in rounds if r for k, v in r.items() if isinstance(v, (int, float))})
        medians[name] = {k: median_of(rounds, k) for k in keys}
    issue = [{"measurement": m, "ratio": ratio(figures, rss, n, d),
              "target": None if t is None else f"{t[0]} {t[1]}"} for m, n, d, t in ISSUE_ROWS]
    for row, (_, _, _, t) in zip(issue, ISSUE_ROWS):
        row["met"] = met(row["ratio"], t)
    info = [{"measurement": m, "ratio": ratio(figures, rss, n, d)} for m, n, d in INFO_ROWS]

    print(f"\n{ROUNDS} interleaved rounds, {SECS} s per timed case; medians of the per-round ratios. "
          f"Python {platform.python_version()}, {versions()}\n")
    print("| measurement | ratio | target | met? |\n| --- | ---: | --- | --- |")
    for row in issue:
        print(f"| {row['measurement']} | {fmt(row['ratio'])} | {row['target'] or '(info)'} | {row['met']} |")
    print("\n| case | µs/op | client CPU µs/op | other (medians) |\n| --- | ---: | ---: | --- |")
    for name, m in medians.items():
        if name in skipped and not m:
            print(f"| {name} | skipped: {skipped[name]} | | |")
            continue
        other = ", ".join(f"{k} {fmt(v)}" for k, v in m.items() if k not in ("us", "cpu_us", "ops"))
        print(f"| {name} | {fmt(m.get('us'))} | {fmt(m.get('cpu_us'))} | {other} |")
    for key, v in rss.items():
        print(f"| {key} | | | {'skipped' if v is None else f'{v} KiB'} |")
    print("\n| other ratio | value |\n| --- | ---: |")
    for row in info:
        print(f"| {row['measurement']} | {fmt(row['ratio'])} |")
    if not HAS_RAW_FLOOR:
        print("\ntests/bench/e2e.rs has no --raw-floor: the raw-socket floor row is n/a.")
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(json.dumps({"rounds": ROUNDS, "secs": SECS, "https": HTTPS, "threads": THREADS,
                               "python": platform.python_version(), "versions": versions(),
                               "issue_table": issue, "other_ratios": info, "medians": medians,
                               "per_round": figures, "skipped": skipped, "rss_kib": rss}, indent=1))
    print(f"\nAll figures: {OUT.relative_to(ROOT)}")


def versions() -> str:
    from importlib.metadata import PackageNotFoundError, version

    out = []
    for pkg in ("tls-sig-api-v2", "tencentcloud-sdk-python-common", "tencentcloud-sdk-python-trtc"):
        try:
            out.append(f"{pkg} {version(pkg)}")
        except PackageNotFoundError:
            pass
    return ", ".join(out)


if __name__ == "__main__":
    main()
