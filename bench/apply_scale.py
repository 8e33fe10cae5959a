"""Apply at scale (issue #13): ``greios apply --lab`` of 100 independent pairs and of one hub
with 200 spokes, on generated inventories with snapshots, against ONE lab process.

1. pairs: ``apply --lab --parallelism 20`` then, after ``lab reset``, ``--parallelism 1``;
   speed-up of the apply (and of the whole command); per-router time vs a bare napalm
   cycle (open, load_merge_candidate, compare, commit, close) measured in this process
   against the same lab, alone and 20 at a time;
2. hub: ``apply --lab --parallelism 20`` of 1 hub + 200 spokes, ``--runs`` times; wall vs
   1.5 x (200 / 20) x one bare cycle; peak routers in flight (greios's slots);
3. the lab process: CPU seconds and resident memory per router.

Usage: ``.venv/bin/python bench/apply_scale.py [--pairs 100] [--spokes 200] [--runs 1]
[--skip-serial] [--out FILE]``. Heavy (the serial pair run alone takes minutes): run it
sparingly. Results go into the "Apply at scale" section of docs/performance.md.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "bench"))

import scalegen  # noqa: E402

GOAL_SPEEDUP = 15.0
GOAL_PER_ROUTER = 1.3
GOAL_HUB = 1.5


# ---------------------------------------------------------------------- inventories
def generate_pairs(root: Path, pairs: int) -> list[str]:
    """``pairs`` independent pairs (2 x pairs sites): site 2i pairs with site 2i+1."""
    sites = 2 * pairs
    names = [scalegen.site_name(i) for i in range(sites)]
    topo = "".join(f"  - pair: [{names[2 * i]}, {names[2 * i + 1]}]\n" for i in range(pairs))
    root.mkdir(parents=True, exist_ok=True)
    (root / "snapshots").mkdir(exist_ok=True)
    (root / "greios.yaml").write_text(scalegen._PROJECT.format(
        sites=sites, topology="pairs", tunnels=pairs, end=1000 + 99, topology_yaml=topo))
    for i, site in enumerate(names):
        router = scalegen.router_name(i)
        (root / f"{site}.yaml").write_text(scalegen._SITE.format(
            site=site, index=i, router=router, **scalegen._addresses(i)))
        (root / "snapshots" / f"{router}.cfg").write_text(scalegen.snapshot_text(i))
    return [scalegen.router_name(i) for i in range(sites)]


# ---------------------------------------------------------------------- running greios
class Capture:
    """Wraps ``apply_changes`` to time the apply phase and keep its stats."""

    def __init__(self, sites: Path) -> None:
        import greios.deploy.apply as dep

        self.dep = dep
        self.real = dep.apply_changes
        self.sites = sites
        self.wall = 0.0
        self.cpu = 0.0  # CPU seconds of this (greios) process during the apply
        self.lab_cpu = 0.0  # CPU seconds of the lab process during the apply
        self.results: list[Any] = []
        self.stats: dict[str, object] = {}

    def __enter__(self) -> Capture:
        def wrapped(*args: Any, **kw: Any) -> Any:
            kw["stats"] = self.stats
            pid = lab_pid(self.sites)  # the plan phase started the lab
            lab0 = proc_cpu(pid)
            start, cpu = time.perf_counter(), time.process_time()
            try:
                self.results = self.real(*args, **kw)
                return self.results
            finally:
                self.wall = time.perf_counter() - start
                self.cpu = time.process_time() - cpu
                self.lab_cpu = proc_cpu(pid) - lab0

        self.dep.apply_changes = wrapped
        return self

    def __exit__(self, *exc: object) -> None:
        self.dep.apply_changes = self.real


def greios(*args: str) -> tuple[int, str]:
    from greios.cli import main

    out = io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(io.StringIO()):
        code = main(list(args))
    return code, out.getvalue()


def apply(sites: Path, parallelism: int) -> dict[str, Any]:
    with Capture(sites) as cap:
        start = time.perf_counter()
        code, out = greios("apply", "--sites", str(sites), "--lab", "--auto-approve",
                           "--parallelism", str(parallelism), "--json")
        wall = time.perf_counter() - start
    data = json.loads(out[out.index("{"):])
    results = data["results"]
    bad = [r for r in results if r["status"] != "applied"]
    phases = sorted({ph for r in cap.results for ph in r.phases})
    median = {ph: statistics.median(r.phases.get(ph, 0.0) for r in cap.results)
              for ph in phases}
    print("  median phase seconds: " + ", ".join(f"{k} {v:.3f}" for k, v in median.items()),
          flush=True)
    return {"code": code, "wall": wall, "apply": cap.wall, "cpu": cap.cpu,
            "lab_cpu": cap.lab_cpu, "results": results,
            "failed": len(bad), "first_failure": bad[0]["message"] if bad else "",
            "peak": cap.stats.get("peak_in_flight"), "routers": len(results)}


def cpu_text(run: dict[str, Any]) -> str:
    return f"CPU during the apply: greios {run['cpu']:.1f} s, lab {run['lab_cpu']:.1f} s"


def lab_pid(sites: Path) -> int:
    return int(json.loads((sites.parent / ".greios" / "lab" / "lab.json").read_text())["pid"])


def proc_cpu(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def proc_rss_mib(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


# ---------------------------------------------------------------------- bare napalm
def bare_cycle(sites: Path, router: str, n: int) -> float:
    import napalm

    from greios.lab.manager import lab_connections

    c = lab_connections(sites.parent / ".greios" / "lab")[router]
    start = time.perf_counter()
    drv = napalm.get_network_driver("ios")(c.host, c.username, c.password,
                                          optional_args={"port": c.port})
    drv.open()
    drv.load_merge_candidate(config=f"interface Loopback{n}\n ip address 10.250.{n % 250}."
                                    f"{n // 250 + 1} 255.255.255.255\nend\n")
    if not drv.compare_config():
        raise SystemExit(f"bare napalm: empty diff on {router}")
    drv.commit_config()
    drv.close()
    return time.perf_counter() - start


def bare(sites: Path, routers: list[str], *, serial: int, parallel: int) -> tuple[float, float]:
    """Median bare cycle alone (``serial`` routers one at a time) and 20 at a time."""
    one = [bare_cycle(sites, r, 100 + i) for i, r in enumerate(routers[:serial])]
    with ThreadPoolExecutor(max_workers=parallel) as pool:
        many = list(pool.map(lambda ir: bare_cycle(sites, ir[1], 200 + ir[0]),
                             enumerate(routers[:parallel])))
    return statistics.median(one), statistics.median(many)


@contextlib.contextmanager
def workdir() -> Iterator[Path]:
    with tempfile.TemporaryDirectory(prefix="greios-apply-scale-") as tmp:
        yield Path(tmp)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--pairs", type=int, default=100)
    ap.add_argument("--spokes", type=int, default=200)
    ap.add_argument("--parallelism", type=int, default=20)
    ap.add_argument("--runs", type=int, default=1, help="hub runs (each from a reset lab)")
    ap.add_argument("--skip-serial", action="store_true", help="no parallelism-1 pair run")
    ap.add_argument("--only", choices=("pairs", "hub"), default=None)
    ap.add_argument("--out", type=Path, default=None, help="write the markdown table here")
    args = ap.parse_args()
    os.environ.pop("GREIOS_STATE_DIR", None)
    os.environ.setdefault("GREIOS_USERNAME", "unused-in-lab-mode")
    os.environ.setdefault("GREIOS_PASSWORD", "unused-in-lab-mode")
    p = args.parallelism
    rows: list[tuple[str, str, str, str]] = []
    with workdir() as tmp:
        b1 = b20 = 0.0
        if args.only != "hub":
            # ------------------------------------------------------------ pairs
            sites = tmp / "pairs" / "sites"  # each inventory its own .greios (lab) next to it
            routers = generate_pairs(sites, args.pairs)
            try:
                par = apply(sites, p)
                pid = lab_pid(sites)
                print(f"pairs p={p}: apply {par['apply']:.1f} s, command {par['wall']:.1f} s, "
                      f"failed {par['failed']}, peak {par['peak']}, {cpu_text(par)}", flush=True)
                rss = proc_rss_mib(pid)
                b1, b20 = bare(sites, routers, serial=10, parallel=p)
                print(f"bare napalm cycle: alone {b1:.2f} s, {p} at a time {b20:.2f} s", flush=True)
                ser: dict[str, Any] | None = None
                if not args.skip_serial:
                    greios("lab", "reset", "--sites", str(sites))
                    ser = apply(sites, 1)
                    print(f"pairs p=1: apply {ser['apply']:.1f} s, command {ser['wall']:.1f} s, "
                          f"failed {ser['failed']}, peak {ser['peak']}, {cpu_text(ser)}",
                          flush=True)
            finally:
                greios("lab", "down", "--sites", str(sites))
            per_par = statistics.median(r["seconds"] for r in par["results"])
            n = par["routers"]
            rows.append((f"{args.pairs} pairs, parallelism {p}: apply wall (whole command)",
                         f"{par['apply']:.1f} s ({par['wall']:.1f} s)",
                         f"{par['failed']} failed, peak {par['peak']} in flight; "
                         f"{cpu_text(par)}", ""))
            if ser is not None:
                speed = ser["apply"] / par["apply"]
                rows.append((f"{args.pairs} pairs, parallelism 1: apply wall (whole command)",
                             f"{ser['apply']:.1f} s ({ser['wall']:.1f} s)",
                             f"{ser['failed']} failed, peak {ser['peak']} in flight; "
                             f"{cpu_text(ser)}", ""))
                rows.append((f"speed-up parallelism {p} vs 1 (apply; whole command)",
                             f"**{speed:.1f}x** ({ser['wall'] / par['wall']:.1f}x)",
                             "", f">= {GOAL_SPEEDUP:.0f}x"))
                per_ser = ser["apply"] / n
                rows.append(("greios per router, serial (parallelism-1 apply wall / routers) vs "
                             "bare cycle alone", f"{per_ser:.2f} s vs {b1:.2f} s",
                             f"**{per_ser / b1:.2f}x**", f"<= {GOAL_PER_ROUTER}x"))
            rows.append((f"greios per router inside the parallelism-{p} run (median) vs bare "
                         f"cycle {p} at a time", f"{per_par:.2f} s vs {b20:.2f} s",
                         f"**{per_par / b20:.2f}x**", f"<= {GOAL_PER_ROUTER}x"))
            rows.append(("bare napalm cycle, alone / 20 at a time (median)",
                         f"{b1:.2f} s / {b20:.2f} s", "", ""))
            rows.append((f"lab process after the pair runs: resident memory ({n} routers)",
                         f"{rss:.0f} MiB", f"{rss / n * 1024:.0f} KiB per router", ""))
        if args.only != "pairs":
            # ------------------------------------------------------------ hub
            hub_sites = tmp / "hub" / "sites"
            scalegen.generate(hub_sites, sites=args.spokes + 1, topology="hub1")
            walls: list[float] = []
            try:
                for run in range(args.runs):
                    if run:
                        greios("lab", "reset", "--sites", str(hub_sites))
                    hub = apply(hub_sites, p)
                    walls.append(hub["apply"])
                    failure = f" ({hub['first_failure']})" if hub["failed"] else ""
                    print(f"hub+{args.spokes} p={p} run {run + 1}: apply {hub['apply']:.1f} s, "
                          f"command {hub['wall']:.1f} s, failed {hub['failed']}, peak "
                          f"{hub['peak']}, {cpu_text(hub)}{failure}",
                          flush=True)
                    rows.append((f"1 hub + {args.spokes} spokes, parallelism {p}, run {run + 1}: "
                                 "apply wall (whole command)",
                                 f"{hub['apply']:.1f} s ({hub['wall']:.1f} s)",
                                 f"{hub['failed']} failed, peak {hub['peak']} in flight; "
                                 f"{cpu_text(hub)}",
                                 f"0 failed, peak <= {p}"))
                if not b1:
                    spokes = [scalegen.router_name(i) for i in range(1, args.spokes + 1)]
                    b1, b20 = bare(hub_sites, spokes, serial=10, parallel=p)
                    print(f"bare napalm cycle: alone {b1:.2f} s, {p} at a time {b20:.2f} s",
                          flush=True)
            finally:
                greios("lab", "down", "--sites", str(hub_sites))
            limit = GOAL_HUB * (args.spokes / p) * b1
            worst = max(walls)
            rows.append((f"hub apply wall vs {GOAL_HUB} x ({args.spokes} / {p}) x bare cycle",
                         f"{worst:.1f} s vs {limit:.1f} s",
                         f"**{worst / limit:.2f}x** of the limit",
                         "<= 1.00x"))
    lines = ["| measurement | result | ratio / check | goal |", "|---|---:|---:|---:|",
             *[f"| {a} | {b} | {c} | {d} |" for a, b, c, d in rows]]
    table = "\n".join(lines)
    print(table)
    if args.out is not None:
        args.out.write_text(table + "\n")


if __name__ == "__main__":
    main()
