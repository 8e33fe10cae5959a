"""End-to-end audit throughput vs a bare ``CiscoConfParse(lines)`` of the same files.

Usage: .venv/bin/python bench/audit_bench.py [--repeat N] [--pool] [corpus_dir]
       .venv/bin/python bench/audit_bench.py --process [--repeat N] DIR...

``--process``: whole processes, what a user waits for (issue #13's ratio): ``python -m greios
audit DIR -f json -o FILE --fail-on never`` against ``bench/scale.py --ccp DIR`` (the
baseline: import ciscoconfparse, ``CiscoConfParse(lines)`` per file), run from an empty
directory (no ``sites/``: no inventory), interleaved, median and best of ``--repeat`` (default
5) wall and CPU seconds (CPU: the process and the workers it waited for). greios runs twice:
as installed here, and from a copy of ``greios/`` whose bytecode was compiled first
(``compileall``, what ``pip install`` of a wheel does); the difference is what compiling
greios's modules at every start costs when no ``.pyc`` is written
(``PYTHONDONTWRITEBYTECODE``, an editable install on a read-only tree). Also the start-up
alone: the same audit of one 452-line file and ``python -c pass``.

In-process (default): for each input set: greios end to end
(``audit_texts``: split + parse + rules + pairing +
negotiation) and a bare ``CiscoConfParse(text.splitlines())`` of the same texts, same process,
same run, each the best of ``--repeat`` runs (default 5) after one warm-up run (imports
loaded). Prints lines/s for both and the ratio. Fleets of 50/100/200/400 generated routers
show linearity; ``--pool`` also times ``workers=2`` (forked process pool).
Results and method: docs/performance.md.
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from scale import installed_copy  # bench/ is the script's directory (sys.path[0])

from greios.audit.engine import audit_texts

FIX = Path(__file__).resolve().parents[1] / "tests/audit/fixtures"
Items = list[tuple[str, str]]


def fleet(n: int) -> Items:
    """``n`` IKEv2 GRE/IPsec routers (tests/audit/fixtures/v2-site-a.cfg, renamed and
    re-addressed) with 40 extra access interfaces each: 210 lines per router."""
    base = (FIX / "v2-site-a.cfg").read_text()
    filler = "".join(f"interface GigabitEthernet0/1/{i}\n description access {i}\n"
                     f" ip address 10.{i}.0.1 255.255.255.0\n!\n" for i in range(40))
    out = []
    for i in range(n):
        a, b = f"100.{i // 250}.{i % 250}.1", f"101.{i // 250}.{i % 250}.2"
        text = base.replace("site-a", f"r{i:03d}").replace("198.51.100.1", a) \
            .replace("203.0.113.2", b) + filler
        out.append((f"r{i:03d}.cfg", text))
    return out


def best_of(fns: list[Callable[[], object]], repeat: int) -> list[float]:
    """Best wall time of each function; one warm-up call each (imports, caches), then the
    functions are interleaved in every round so machine load hits them alike."""
    for fn in fns:
        fn()
    best = [float("inf")] * len(fns)
    for _ in range(repeat):
        for i, fn in enumerate(fns):
            t0 = time.perf_counter()
            fn()
            best[i] = min(best[i], time.perf_counter() - t0)
    return best


def bare_ccp(items: Items) -> Callable[[], object]:
    from loguru import logger

    logger.disable("ciscoconfparse")
    from ciscoconfparse import CiscoConfParse

    def run() -> object:
        return [CiscoConfParse(t.splitlines(), syntax="ios", ignore_blank_lines=False)
                for _, t in items]
    return run


def row(name: str, items: Items, repeat: int, pool: bool) -> None:
    lines = sum(len(t.splitlines()) for _, t in items)
    fns = [lambda: audit_texts(items), bare_ccp(items)]
    if pool:
        fns.append(lambda: audit_texts(items, workers=2))
    ours, ccp, *rest = best_of(fns, repeat)
    extra = f" workers=2: {rest[0]:.3f} s, {ccp / rest[0]:.1f}x |" if rest else ""
    print(f"| {name} | {len(items)} | {lines} | {ours:.3f} | {lines / ours:,.0f} | {ccp:.3f} | "
          f"{lines / ccp:,.0f} | {ccp / ours:.1f}x |{extra}", flush=True)


REPO = Path(__file__).resolve().parents[1]


def timed(argv: list[str], cwd: Path, env: dict[str, str]) -> tuple[float, float]:
    """(wall s, CPU s) of ``argv`` as a new process (CPU includes its reaped workers)."""
    r0 = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    proc = subprocess.run(argv, cwd=cwd, env=env, stdout=subprocess.DEVNULL,
                          stderr=subprocess.PIPE, check=False)
    wall = time.perf_counter() - t0
    r1 = resource.getrusage(resource.RUSAGE_CHILDREN)
    if proc.returncode not in (0, 3):
        raise SystemExit(f"{' '.join(argv)} exited {proc.returncode}: "
                         f"{proc.stderr.decode(errors='replace')[-2000:]}")
    return wall, r1.ru_utime - r0.ru_utime + r1.ru_stime - r0.ru_stime


def process_bench(targets: list[Path], repeat: int) -> None:
    """Whole processes: greios (as installed, and with compiled bytecode) vs ciscoconfparse."""
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        compiled = installed_copy(work)
        base = dict(os.environ)
        base.pop("PYTHONPATH", None)
        envs = {"greios": base, "greios (.pyc)": {**base, "PYTHONPATH": str(compiled)},
                "ciscoconfparse": base}
        small = sorted((REPO.parent / "shared/corpus/large").glob("sample_01*"))
        print(f"nproc={os.cpu_count()} python={sys.version.split()[0]} median (best) of "
              f"{repeat}, load average at start {os.getloadavg()[0]:.1f}")
        print("| input | lines | command | wall s | CPU s | ratio (wall) | ratio (CPU) |")
        print("|---|---:|---|---:|---:|---:|---:|")
        for target in [*small, *targets]:
            files = sorted(p for p in target.rglob("*") if p.is_file()) \
                if target.is_dir() else [target]
            lines = sum(len(p.read_text(errors="replace").splitlines()) for p in files)
            cmds = {
                "greios": [sys.executable, "-m", "greios", "audit", str(target), "-f", "json",
                           "-o", str(work / "out.json"), "--fail-on", "never"],
                "ciscoconfparse": [sys.executable, str(REPO / "bench/scale.py"), "--ccp",
                                   str(target)],
            }
            cmds["greios (.pyc)"] = cmds["greios"]
            if target in small:
                cmds["python -c pass"] = [sys.executable, "-c", "pass"]
                envs["python -c pass"] = base
            got: dict[str, list[tuple[float, float]]] = {name: [] for name in cmds}
            for name in cmds:  # warm the page cache
                timed(cmds[name], work, envs[name])
            for _ in range(repeat):
                for name, argv in cmds.items():
                    got[name].append(timed(argv, work, envs[name]))
            med = {n: (statistics.median(w for w, _ in v), statistics.median(c for _, c in v))
                   for n, v in got.items()}
            ccp = med["ciscoconfparse"]
            for name, v in got.items():
                ratio = (f"{ccp[0] / med[name][0]:.1f}x | {ccp[1] / med[name][1]:.1f}x"
                         if name.startswith("greios") else "|")
                print(f"| {target.name} | {lines} | {name} | {med[name][0]:.3f} "
                      f"({min(w for w, _ in v):.3f}) | {med[name][1]:.3f} "
                      f"({min(c for _, c in v):.3f}) | {ratio} |", flush=True)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("corpus", nargs="*", type=Path,
                    default=[Path(__file__).resolve().parents[2] / "shared/corpus"])
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--pool", action="store_true")
    ap.add_argument("--process", action="store_true",
                    help="whole processes: greios audit vs bench/scale.py --ccp per DIR")
    a = ap.parse_args()
    if a.process:
        process_bench(a.corpus, a.repeat)
        return
    a.corpus = a.corpus[0]
    t0 = time.perf_counter()
    audit_texts(fleet(1))
    cold = time.perf_counter() - t0
    print(f"nproc={os.cpu_count()} python={sys.version.split()[0]} best of {a.repeat}; "
          f"first audit_texts call (cold imports) {cold:.3f}s")
    print("| input | files | lines | greios s | greios lines/s | bare CCP s | CCP lines/s "
          "| ratio |" + (" pool |" if a.pool else ""))
    print("|---|---|---|---|---|---|---|---|" + ("---|" if a.pool else ""))
    large = [(str(p), p.read_text(errors="replace"))
             for p in sorted((a.corpus / "large").iterdir())]
    row("corpus/large", large, a.repeat, a.pool)
    for p in sorted((a.corpus / "large").iterdir()):
        row(f"large/{p.name}", [(str(p), p.read_text(errors="replace"))], a.repeat, False)
    for n in (50, 100, 200, 400):
        row(f"fleet-{n}", fleet(n), a.repeat, a.pool)


if __name__ == "__main__":
    main()
