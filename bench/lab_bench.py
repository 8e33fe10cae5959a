"""Benchmark the simulated IOS lab with real napalm.

1. One napalm cycle (open + load_merge_candidate over SCP + compare + commit + close)
   against one router of a background lab process; n runs, median (target <= 2 s).
2. 20 routers served by ONE lab process; 10 parallel napalm sessions (threads), each doing
   the cycle on its own router: wall time vs one session.

3. ``--scale DIR``: CPU per command and memory per router of a cached lab network (as the
   background lab runs it) built in-process from a rendered hub-and-spoke overlay: DIR holds
   ``greios render -o DIR`` output of a generated inventory (bench/scalegen.py), each
   router's snapshot plus its rendered config; commands run through the CLI session code
   without SSH.

Run: .venv/bin/python bench/lab_bench.py [--runs 5] [--scale DIR --sites SITES]
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


def scale(rendered: Path, sites: Path) -> None:
    """CPU per command on a cached network of hub + spokes; memory per router."""
    import gc
    import resource

    from greios.lab.network import LabNetwork
    from greios.platforms.ios.lab.device import Device
    from greios.platforms.ios.lab.session import CliSession

    gc.collect()
    rss0 = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    net = LabNetwork(cached=True)
    devs: dict[str, Device] = {}
    for cfg in sorted(rendered.glob("*.cfg")):
        snap = (sites / "snapshots" / cfg.name).read_text()
        body = "\n".join(ln for ln in snap.splitlines() if ln.strip() != "end")
        intended = "\n".join(ln for ln in cfg.read_text().splitlines()
                             if not ln.startswith("!") and "<redacted>" not in ln)
        dev = Device.from_config(body + "\n" + intended + "\nend\n", name=cfg.stem)
        net.add(dev)
        devs[cfg.stem] = dev
    rss1 = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(f"{len(devs)} routers: peak RSS grew {(rss1 - rss0) / 1024:.0f} MiB "
          f"({(rss1 - rss0) / len(devs):.0f} KiB per router, configs included)")
    names = sorted(devs)
    hub, spoke = devs[names[0]], devs[names[-1]]

    def tunnel_ip(dev: Device) -> str:
        for node in dev.running.children:
            if node.text.startswith("interface Tunnel"):
                for c in node.children:
                    if c.text.startswith("ip address "):
                        return c.text.split()[2]
        raise SystemExit("no tunnel address")

    spoke_ip = tunnel_ip(spoke)
    hub_peer = next(c.text.split()[2] for n in hub.running.children
                    if n.text.startswith("interface Tunnel") for c in n.children
                    if c.text.startswith("ip address ") and
                    _same_net(c.text.split()[2], spoke_ip))
    for who, dev, target in (("hub", hub, spoke_ip), ("spoke", spoke, hub_peer)):
        session = CliSession(dev, "greios", lambda _t: None, lambda: None)
        for cmd in ("show ip interface brief", "show interfaces",
                    f"ping {target} size 1400 df-bit repeat 3", "show running-config"):
            session._exec(cmd)  # warm: the first evaluation of every tunnel is not measured
            for label, bump in (("after a change elsewhere", True), ("repeated", False)):
                runs = 20
                t0 = time.process_time()
                for _ in range(runs):
                    if bump:
                        devs[names[len(names) // 2]].bump()  # another router changed
                    session._exec(cmd)
                cpu = (time.process_time() - t0) / runs * 1000
                print(f"{who} ({len(dev.running.children)} top-level lines): {cmd!r} "
                      f"{label}: {cpu:.2f} ms CPU")


def _same_net(a: str, b: str) -> bool:
    import ipaddress

    return ipaddress.ip_interface(f"{a}/30").network == ipaddress.ip_interface(f"{b}/30").network


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--scale", type=Path, default=None)
    parser.add_argument("--sites", type=Path, default=None)
    args = parser.parse_args()
    if args.scale is not None:
        scale(args.scale, args.sites or args.scale)
        return
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
