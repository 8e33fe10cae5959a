"""`greios validate` and first allocation at scale (issue #13).

Usage: .venv/bin/python bench/validate_bench.py [--sizes 1000,3000] [--repeat 3] [--cli]

Generates valid dual-hub hub-and-spoke inventories (one router per site, no snapshots) with a
committed lock file, times ``greios validate`` in-process (``greios.cli.main``; imports
already loaded) and, with ``--cli``, as a new process; times the first allocation of a
100-site full mesh (4,950 pairs, empty lock). Prints the median of ``--repeat`` runs and the
growth ratio between the two largest sizes. Results: docs/inventory.md ("Performance").

The generator (:func:`generate`) is importable for tests and other benches.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

PROJECT = """\
project: bench
tunnels:
  numbers: {{start: 100, end: 9999}}
  pools: [192.168.0.0/16]
  link_prefix: 30
topology:
{topology}
"""

SITE = """\
site: {site}
description: generated site {i}
routers:
  - name: {site}-rtr1
    platform: ios-xe
    management:
      host: 192.0.2.{host}
      username_env: GREIOS_USERNAME
      password_env: GREIOS_PASSWORD
    underlay:
      interface: GigabitEthernet0/0/0
      address: 10.{o2}.{o3}.1/24
    lan:
      - prefix: 172.{l2}.{o3}.0/24
        interface: GigabitEthernet0/0/1
        address: 172.{l2}.{o3}.1
"""


def site_name(i: int) -> str:
    return f"s{i:05d}"


def generate(root: Path, n_sites: int, kind: str = "hub2", *, lock: bool = True) -> Path:
    """Write a valid inventory of ``n_sites`` sites into ``root`` (created) and return it.

    ``kind``: ``hub1``/``hub2`` (hub-and-spoke with one or two hubs; sites 0 and 1 are the
    hubs) or ``mesh`` (full mesh). Router ``i`` has underlay ``10.<i/256>.<i%256>.1/24`` and
    LAN ``172.<16+i/256>.<i%256>.0/24`` (up to 4,096 sites). With ``lock`` the allocation
    is computed by greios and written to greios.lock, as a committed lock would be.
    """
    if not 2 <= n_sites <= 4096:
        raise ValueError("2 to 4096 sites")
    root.mkdir(parents=True, exist_ok=True)
    names = [site_name(i) for i in range(n_sites)]
    if kind == "mesh":
        topo = "  - full_mesh:\n      sites: [" + ", ".join(names) + "]\n"
    else:
        hubs = 2 if kind == "hub2" else 1
        topo = ("  - hub_and_spoke:\n      hubs: [" + ", ".join(names[:hubs]) + "]\n"
                "      spokes: [" + ", ".join(names[hubs:]) + "]\n")
    (root / "greios.yaml").write_text(PROJECT.format(topology=topo))
    for i, name in enumerate(names):
        (root / f"{name}.yaml").write_text(SITE.format(
            site=name, i=i, host=1 + i % 250, o2=i // 256, o3=i % 256, l2=16 + i // 256))
    if lock:
        from greios.allocate import allocate, write_lock
        from greios.inventory import load_checked
        from greios.topology import expand_topology

        inv = load_checked(root, check=False)
        pairs, _ = expand_topology(inv)
        t = inv.project.tunnels
        res = allocate(pairs, _empty_lock(), pools=t.pools, link_prefix=t.link_prefix,
                       numbers=(t.numbers.start, t.numbers.end))
        write_lock(root / "greios.lock", res.lock)
    return root


def _empty_lock() -> object:
    from greios.allocate import Lock

    return Lock()


def median_time(fn: Callable[[], object], repeat: int) -> float:
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def validate_in_process(root: Path) -> None:
    from greios.cli import main

    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(["validate", "--sites", str(root)])
    if code != 0:
        raise SystemExit(f"validate failed ({code}): {err.getvalue()[:500]}")


def validate_cli(root: Path) -> None:
    exe = Path(sys.executable).with_name("greios")
    cmd = [str(exe)] if exe.exists() else [sys.executable, "-m", "greios"]
    subprocess.run([*cmd, "validate", "--sites", str(root)], check=True,
                   capture_output=True)


def mesh_first_allocation(n_sites: int = 100) -> float:
    from greios.allocate import Lock, allocate
    from greios.topology import Pair

    routers = [f"{site_name(i)}-rtr1" for i in range(n_sites)]
    pairs = [Pair(routers[x], routers[y], "nge", ()) for x in range(n_sites)
             for y in range(x + 1, n_sites)]
    t0 = time.perf_counter()
    res = allocate(pairs, Lock(), pools=["192.168.0.0/16"], link_prefix=30,
                   numbers=(100, 9999))
    elapsed = time.perf_counter() - t0
    assert len(res.active) == len(pairs) and not res.problems
    return elapsed


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", default="1000,3000")
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--cli", action="store_true", help="also time validate as a new process")
    ap.add_argument("--no-mesh", action="store_true")
    args = ap.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    tmp = Path(tempfile.mkdtemp(prefix="greios-validate-bench-"))
    rows: list[tuple[int, float, float | None]] = []
    try:
        for n in sizes:
            root = generate(tmp / f"hub2-{n}", n, "hub2")
            validate_in_process(root)  # warm-up: imports
            t_in = median_time(lambda r=root: validate_in_process(r), args.repeat)
            t_cli = median_time(lambda r=root: validate_cli(r), args.repeat) if args.cli \
                else None
            rows.append((n, t_in, t_cli))
            cli = f", CLI {t_cli:.3f} s" if t_cli is not None else ""
            print(f"validate, dual-hub {n} sites ({2 * (n - 2)} tunnels): in-process "
                  f"{t_in:.3f} s{cli}", flush=True)
        if len(rows) >= 2:
            (n1, a, c1), (n2, b, c2) = rows[-2], rows[-1]
            cli = f", CLI {c2 / c1:.2f}x" if c1 and c2 else ""
            print(f"growth {n1} -> {n2} sites: in-process {b / a:.2f}x{cli}")
        if not args.no_mesh:
            t = statistics.median(mesh_first_allocation() for _ in range(args.repeat))
            print(f"first allocation, full mesh of 100 sites (4,950 pairs): {t:.3f} s")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
