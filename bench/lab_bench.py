"""Benchmark the simulated IOS lab with real napalm.

1. One napalm cycle (open + load_merge_candidate over SCP + compare + commit + close)
   against one router of a background lab process; n runs, median (target <= 2 s).
2. 20 routers served by ONE lab process; 10 parallel napalm sessions (threads), each doing
   the cycle on its own router: wall time vs one session.

Run: .venv/bin/python bench/lab_bench.py [--runs 5]
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import napalm

from greios.lab.manager import LabConnection, LabRouterSpec, lab_down, lab_up

SEED = (Path(__file__).resolve().parent.parent / "tests" / "lab" / "seed_r1.cfg").read_text()


def cycle(conn: LabConnection, n: int) -> float:
    start = time.perf_counter()
    drv = napalm.get_network_driver("ios")(conn.host, conn.username, conn.password,
                                          optional_args={"port": conn.port})
    drv.open()
    drv.load_merge_candidate(config=f"interface Loopback{n}\n ip address 10.{n % 250}.0.1 "
                                    "255.255.255.255\nend\n")
    assert drv.compare_config()
    drv.commit_config()
    drv.close()
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        state = Path(tmp) / "lab"
        specs = [LabRouterSpec(f"r{i:02d}", SEED.replace("hostname R1", f"hostname R{i:02d}"))
                 for i in range(20)]
        t0 = time.perf_counter()
        conns = lab_up(state, specs)
        print(f"lab up (20 routers, one process): {time.perf_counter() - t0:.2f} s")
        try:
            r0 = conns["r00"]
            times = [cycle(r0, 100 + i) for i in range(args.runs)]
            print(f"single cycle: median {statistics.median(times):.2f} s, "
                  f"min {min(times):.2f} s, max {max(times):.2f} s (n={len(times)})")
            names = sorted(conns)[:10]
            t1 = time.perf_counter()
            with ThreadPoolExecutor(max_workers=10) as pool:
                each = list(pool.map(lambda nm: cycle(conns[nm], 200), names))
            wall = time.perf_counter() - t1
            print(f"10 parallel sessions on 10 of 20 routers: wall {wall:.2f} s "
                  f"(per session median {statistics.median(each):.2f} s, "
                  f"max {max(each):.2f} s); one session {statistics.median(times):.2f} s")
        finally:
            lab_down(state)


if __name__ == "__main__":
    main()
