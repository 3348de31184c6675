"""Per-call cost of tccall's logging bridge, through the wrapper (not a test).

    TCCALL_LIBRARY=target/release/libtccall.so python3 bindings/python/benchmarks/logging_overhead.py

For a local operation (gen_usersig, no I/O) and a network one (get_call_info against the
in-process sandbox over loopback), each with the ``tccall`` logger:

- ``off``: enabled for no level (``setLevel(CRITICAL)``): no callback registered;
- ``warn``: Python's default (the root at WARNING): registered at warn, so a successful call
  builds no event;
- ``info``: one ``call`` record per call, formatted by a StreamHandler into /dev/null;
- ``debug``: every event (connection, response, ...) the same way.

Prints the median of several runs in microseconds per call, and the difference from ``off``.
"""

from __future__ import annotations

import logging
import os
import statistics
import sys
import time

import tccall
from tccall.testing import Sandbox

RUNS = 7


def per_call(fn, n: int) -> float:
    times = []
    for _ in range(RUNS):
        t0 = time.perf_counter()
        for _ in range(n):
            fn()
        times.append((time.perf_counter() - t0) / n * 1e6)
    return statistics.median(times)


def main() -> None:
    n_local = int(os.environ.get("N_LOCAL", "20000"))
    n_net = int(os.environ.get("N_NET", "3000"))
    lg = logging.getLogger("tccall")
    lg.propagate = False
    sink = logging.StreamHandler(open(os.devnull, "w"))
    sink.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s %(message)s op=%(tccall_op)s"))
    lg.addHandler(sink)
    levels = {"off": logging.CRITICAL, "warn": logging.WARNING, "info": logging.INFO, "debug": logging.DEBUG}
    with Sandbox({"enforce_rate_limits": False}) as sb:
        cfg = dict(sb.client_config, rate_limit={"enabled": False})
        call_id = sb.control("POST", "/_sandbox/calls", {"caller": "a", "callees": ["b"]})["CallId"]
        with tccall.Client(cfg) as client:
            results = {}
            for name, level in levels.items():
                lg.setLevel(level)
                client.gen_usersig("warmup")
                results[name] = (
                    per_call(lambda: client.gen_usersig("u"), n_local),
                    per_call(lambda: client.get_call_info(call_id), n_net),
                    client.log_level,
                )
    print(f"python {sys.version.split()[0]}, tccall {tccall.__version__}, library {os.environ.get('TCCALL_LIBRARY', '(bundled)')}")
    print(f"{'logger':<8} {'C level':>7} {'gen_usersig us':>15} {'delta':>8} {'get_call_info us':>17} {'delta':>8}")
    base_l, base_n, _ = results["off"]
    for name, (loc, net, c_level) in results.items():
        print(f"{name:<8} {c_level:>7} {loc:>15.2f} {loc - base_l:>+8.2f} {net:>17.2f} {net - base_n:>+8.2f}")


if __name__ == "__main__":
    main()
