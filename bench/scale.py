"""Scale bench (issue #13): generated overlays of 100 to 3,000 sites, every offline command.

For each generated inventory (``bench/scalegen.py``: hub-and-spoke with 1 or 2 hubs, or a
full mesh; one router per site; snapshots without tunnels) the lock and keys are created
once (``greios render``; that first run is shown as "first run"), then each command is
timed:

* **in-process**: ``greios.cli.main([...])`` in a fresh Python process that first ran the
  same command on a 4-site inventory (all modules loaded), stdout to /dev/null: the
  command's own work, median of ``--repeat`` runs of wall time and of CPU time;
* **CLI**: ``greios ...`` (the console script; ``python -m greios`` without one) as a
  subprocess, median wall time, and the peak RSS of
  the child (``os.wait4`` rusage ``ru_maxrss``).

Commands: ``validate``, ``render -o DIR`` (all routers), ``plan --offline``,
``audit --intended -f json -o FILE``. Growth ratios compare two sizes of one topology
(default 3,000 / 1,000 sites); the goals of the issue are checked and printed.

Baselines in the same process/run:

* ``plan vs hier_config``: greios ``plan_router`` against bare hier_config remediation
  (``get_hconfig`` of running and intended + ``WorkflowRemediation.remediation_config`` +
  its lines) for every router of the 1,000-site dual hub, CPU time, interleaved;
* ``audit vs ciscoconfparse``: ``greios audit DIR`` against a script that imports
  ciscoconfparse and parses the same files with ``CiscoConfParse(lines)`` per file
  (``bench/scale.py --ccp DIR``), whole processes,
  interleaved, median wall time: ``../shared/corpus/large`` and the 1,000 intended configs
  of the 1,000-site dual hub (what the routers run after the change).

Usage::

    .venv/bin/python bench/scale.py                     # everything (about 30 min)
    .venv/bin/python bench/scale.py --sizes hub2:1000 --repeat 1 --no-baselines
    .venv/bin/python bench/scale.py --profile plan --sizes hub2:1000   # cProfile, top 40
    .venv/bin/python bench/scale.py --write-docs        # also update docs/performance.md

Results and method: docs/performance.md ("Scale").
"""

from __future__ import annotations

import argparse
import compileall
import contextlib
import io
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(Path(__file__).resolve().parent))

import scalegen  # noqa: E402

COMMANDS = ("validate", "render", "plan", "audit")
DOC = REPO / "docs" / "performance.md"
BEGIN, END = "<!-- scale-bench:begin -->", "<!-- scale-bench:end -->"
CORPUS_LARGE = REPO.parent / "shared" / "corpus" / "large"

# the goals of issue #13 that this bench measures (seconds / MB / ratios)
GOALS = {
    ("hub2", 1000, "render"): 2.0,
    ("hub2", 1000, "plan"): 5.0,
    ("hub2", 1000, "audit"): 10.0,
    ("mesh", 100, "plan"): 10.0,
    ("mesh", 100, "audit"): 10.0,
}
GOAL_VALIDATE = ("hub2", 1000, "validate", 1.0)  # owned by the inventory work, reported
GROWTH_MAX = 3.3
PEAK_MB_MAX = 500
PLAN_VS_BARE_MAX = 1.5
AUDIT_VS_CCP_MIN = {"corpus/large": 10.0, "fleet-1000": 5.0}


def args_for(command: str, sites: Path, work: Path) -> list[str]:
    return {
        "validate": ["validate", "--sites", str(sites)],
        "render": ["render", "--sites", str(sites), "-o", str(work / "render")],
        "plan": ["plan", "--offline", "--sites", str(sites)],
        "audit": ["audit", "--intended", "--sites", str(sites), "-f", "json", "-o",
                  str(work / "audit.json"), "--fail-on", "never"],
    }[command]


@dataclass
class Timing:
    wall: list[float] = field(default_factory=list)
    cpu: list[float] = field(default_factory=list)
    rss_mb: list[float] = field(default_factory=list)

    @property
    def median(self) -> float:
        return statistics.median(self.wall) if self.wall else float("nan")

    @property
    def median_cpu(self) -> float:
        return statistics.median(self.cpu) if self.cpu else float("nan")

    @property
    def peak_mb(self) -> float:
        return max(self.rss_mb) if self.rss_mb else float("nan")


@dataclass
class Result:
    topology: str
    sites: int
    tunnels: int
    first_run: float = float("nan")
    inproc: dict[str, Timing] = field(default_factory=dict)
    cli: dict[str, Timing] = field(default_factory=dict)


# --- running -----------------------------------------------------------------------------------


def run_inprocess(argv: list[str], warm: list[str]) -> tuple[float, float]:
    """(wall, CPU) seconds of ``greios.cli.main(argv)`` in a fresh Python process, after
    ``main(warm)`` (the same command on a 4-site inventory) loaded every module: the
    command's own work without interpreter start and imports, and no state left over from
    earlier measurements (a long-lived bench process grows caches and a heap that every
    garbage-collector pass walks)."""
    out = subprocess.run([sys.executable, str(Path(__file__).resolve()), "--inproc",
                          json.dumps([warm, argv])], capture_output=True, text=True,
                         cwd=REPO, check=False)
    if out.returncode:
        raise SystemExit(f"in-process greios {' '.join(argv)} failed: {out.stderr[-2000:]}")
    wall, cpu = json.loads(out.stdout.strip().splitlines()[-1])
    return float(wall), float(cpu)


def cpu_with_children() -> float:
    """CPU seconds of this process and of the worker processes it waited for (audit
    --intended makes the routers' configs in forked workers)."""
    import resource

    kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    return time.process_time() + kids.ru_utime + kids.ru_stime


def inproc_child(spec: str) -> None:
    """The child of :func:`run_inprocess`: prints ``[wall, cpu]`` of the second call."""
    from greios.cli import main

    warm, argv = json.loads(spec)
    sink = io.StringIO()
    wall = cpu = 0.0
    for args in (warm, argv):  # the second call is the one measured
        with open(os.devnull, "w") as null, contextlib.redirect_stdout(null), \
                contextlib.redirect_stderr(sink):
            w0, c0 = time.perf_counter(), cpu_with_children()
            rc = main(args)
            wall, cpu = time.perf_counter() - w0, cpu_with_children() - c0
        if rc not in (0, 2):
            sys.stderr.write(sink.getvalue()[-2000:])
            raise SystemExit(rc)
    print(json.dumps([wall, cpu]))


# Runs the command as its grandchild: a child's ru_maxrss starts at the peak RSS of the
# process it was forked from (Linux keeps the old mm's high-water mark across exec), so the
# bench's own size would leak into the figure. The small launcher reports the command's
# wall time and peak RSS (KB) into the file named by its first argument.
LAUNCHER = """
import os, sys, time
out, argv = sys.argv[1], sys.argv[2:]
t0 = time.perf_counter()
pid = os.fork()
if pid == 0:
    os.execv(argv[0], argv)
_, status, ru = os.wait4(pid, 0)
wall = time.perf_counter() - t0
with open(out, "w") as f:
    f.write(f"{os.waitstatus_to_exitcode(status)} {wall} {ru.ru_utime + ru.ru_stime} "
            f"{ru.ru_maxrss}")
"""


def run_cli(argv: list[str], cwd: Path = REPO,
            env: dict[str, str] | None = None) -> tuple[float, float, float]:
    """(wall s, CPU s, peak RSS MB) of ``argv`` as a new process."""
    with tempfile.TemporaryFile() as err, tempfile.NamedTemporaryFile("r") as stats:
        proc = subprocess.run([sys.executable, "-S", "-c", LAUNCHER, stats.name, *argv],
                              stdout=subprocess.DEVNULL, stderr=err, cwd=cwd, check=False,
                              env=env)
        rc, wall, cpu, rss_kb = stats.read().split()
        if proc.returncode or int(rc) not in (0, 2):
            err.seek(0)
            raise SystemExit(f"{' '.join(argv)} exited {rc}: "
                             f"{err.read().decode(errors='replace')[-2000:]}")
    return float(wall), float(cpu), int(rss_kb) / 1024


def greios_cmd(argv: list[str]) -> list[str]:
    """``greios ARGV`` as a user types it: the console script pip made beside this Python
    (``[project.scripts]``), or ``python -m greios`` (the same entry) where there is none."""
    script = Path(sys.executable).parent / "greios"
    return [str(script), *argv] if script.is_file() else [sys.executable, "-m", "greios", *argv]


def prepare(work: Path, topology: str, sites: int) -> tuple[Path, float, int]:
    """Generate the inventory, then one ``greios render`` (allocation + keys): its time."""
    root = work / f"{topology}-{sites}"
    if root.exists():
        shutil.rmtree(root)
    g = scalegen.generate(root / "sites", sites=sites, topology=topology)  # type: ignore[arg-type]
    wall, _, _ = run_cli(greios_cmd(["render", "--sites", str(g.root), "-o",
                                     str(root / "render")]))
    return g.root, wall, g.tunnels


def warm_inventory(work: Path, topology: str) -> Path:
    """A 4-site inventory of ``topology`` (lock and keys written) to warm a process up."""
    root = work / f"warm-{topology}"
    if not (root / "sites" / "greios.lock").is_file():
        g = scalegen.generate(root / "sites", sites=4, topology=topology)  # type: ignore[arg-type]
        run_cli(greios_cmd(["render", "--sites", str(g.root), "-o", str(root / "render")]))
    return root / "sites"


def measure(work: Path, topology: str, sites: int, repeat: int, cli: bool,
            commands: tuple[str, ...]) -> Result:
    sites_dir, first, tunnels = prepare(work, topology, sites)
    warm_dir = warm_inventory(work, topology)
    res = Result(topology, sites, tunnels, first_run=first)
    for command in commands:
        argv = args_for(command, sites_dir, sites_dir.parent)
        warm = args_for(command, warm_dir, warm_dir.parent)
        t = res.inproc.setdefault(command, Timing())
        c = res.cli.setdefault(command, Timing())
        for _ in range(repeat):  # interleaved: load on the machine hits both alike
            wall, cpu = run_inprocess(argv, warm)
            t.wall.append(wall)
            t.cpu.append(cpu)
            if cli:
                wall, cpu, rss = run_cli(greios_cmd(argv))
                c.wall.append(wall)
                c.cpu.append(cpu)
                c.rss_mb.append(rss)
        print(f"  {topology}-{sites} {command}: in-process {t.median:.2f} s "
              f"(CPU {t.median_cpu:.2f}); CLI {fmt(c.median)} s, peak {fmt(c.peak_mb, 0)} MB",
              flush=True)
    return res


GROWTH_BUDGET_S = 90.0  # wall time per command for growth pairs beyond the first ones
GROWTH_MAX_PAIRS = 31


def growth_interleaved(work: Path, topology: str, small: int, large: int,
                       commands: tuple[str, ...], repeat: int
                       ) -> dict[str, list[tuple[float, float]]]:
    """In-process CPU seconds of each command at ``small`` and at ``large`` sites, measured
    in pairs run back to back (small, large, small, large, ...): the two sizes see the same
    minutes of this shared machine, whose speed drifts by 10-40 % between the minutes
    :func:`measure` spends on one size and on the next. At least ``repeat`` pairs, then
    more while the command's pairs have taken less than ``GROWTH_BUDGET_S`` (at most
    ``GROWTH_MAX_PAIRS``): a quick command, whose single pairs the noise moves most, gets
    the most pairs. Returns each pair."""
    warm_dir = warm_inventory(work, topology)
    out: dict[str, list[tuple[float, float]]] = {}
    for command in commands:
        warm = args_for(command, warm_dir, warm_dir.parent)
        pairs = out.setdefault(command, [])
        began = time.perf_counter()
        while len(pairs) < GROWTH_MAX_PAIRS and (
                len(pairs) < repeat or time.perf_counter() - began < GROWTH_BUDGET_S):
            cpu = []
            for sites in (small, large):
                sites_dir = work / f"{topology}-{sites}" / "sites"
                cpu.append(run_inprocess(args_for(command, sites_dir, sites_dir.parent),
                                         warm)[1])
            pairs.append((cpu[0], cpu[1]))
        print(f"  growth {topology} {large}÷{small} {command}, interleaved: "
              f"{' '.join(f'{b / a:.2f}' for a, b in pairs)}", flush=True)
    return out


def growth_of(pairs: list[tuple[float, float]]) -> tuple[float, float]:
    """(median of the pairs' ratios, best ÷ best). Each pair's two runs share the same
    minutes of this machine; the median of their ratios is the growth. Best ÷ best (the
    least disturbed run of each size) is printed beside it but not judged: this machine's
    noise comes in bursts, a 0.3 s run escapes a burst more often than a 1 s run does, so
    the best of the small size is luckier and best ÷ best leans high (docs/performance.md,
    "Third round")."""
    best = min(b for _, b in pairs) / min(a for a, _ in pairs)
    return statistics.median(b / a for a, b in pairs), best


# --- baselines -----------------------------------------------------------------------------


def plan_vs_bare(sites_dir: Path, repeat: int) -> tuple[float, float, int]:
    """(greios s, bare hier_config s, routers): CPU medians over every router."""
    from hier_config import Platform, WorkflowRemediation, get_hconfig

    from greios.app.pipeline import build
    from greios.platforms.ios.remediation import plan_router

    b = build(sites_dir, persist=False)
    pairs = [(r.snapshot.read_text(), b.render(r.name, secrets="ref"))
             for r in b.inventory.routers if r.snapshot is not None]

    def ours() -> None:
        for running, intended in pairs:
            plan_router(running, intended)

    def bare() -> None:
        for running, intended in pairs:
            rem = WorkflowRemediation(get_hconfig(Platform.CISCO_IOS, running),
                                      get_hconfig(Platform.CISCO_IOS, intended))
            [c.cisco_style_text() for c in rem.remediation_config.all_children_sorted()]

    times: dict[str, list[float]] = {"ours": [], "bare": []}
    for _ in range(repeat):
        for name, fn in (("ours", ours), ("bare", bare)):
            c0 = time.process_time()
            fn()
            times[name].append(time.process_time() - c0)
    return statistics.median(times["ours"]), statistics.median(times["bare"]), len(pairs)


def write_fleet(sites_dir: Path, dest: Path) -> int:
    """The intended configs (snapshot + planned change) of every router, one file each."""
    from greios.app.planning import intended_configs

    dest.mkdir(parents=True, exist_ok=True)
    configs = intended_configs(sites_dir)
    for name, text in configs.items():
        (dest / f"{name}.cfg").write_text(text)
    return len(configs)


def installed_copy(work: Path) -> Path:
    """greios as ``pip install`` leaves it: a copy of the package whose bytecode is compiled
    (``compileall``). This checkout is an editable install and the environment may set
    ``PYTHONDONTWRITEBYTECODE``, so ``python -m greios`` from it compiles every module it
    imports from source at each start, while ciscoconfparse loads its ``.pyc``."""
    root = work / "installed"
    if root.exists():
        shutil.rmtree(root)
    root.mkdir(parents=True)
    shutil.copytree(REPO / "greios", root / "greios", ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copytree(REPO / "templates", root / "templates")
    compileall.compile_dir(str(root / "greios"), quiet=1)
    return root


def audit_vs_ccp(target: Path, work: Path, repeat: int) -> tuple[float, float, int, int, float]:
    """(greios s, ciscoconfparse s, files, lines, greios from this checkout s): whole
    processes, median wall time, interleaved. The first figure is greios as installed
    (:func:`installed_copy`), what a user runs; the last is this editable checkout."""
    files = sorted(p for p in target.rglob("*") if p.is_file()) if target.is_dir() else [target]
    lines = sum(len(p.read_text(errors="replace").splitlines()) for p in files)
    ours = greios_cmd(["audit", str(target), "-f", "json", "-o", str(work / "vs.json"),
                       "--fail-on", "never"])
    theirs = [sys.executable, str(Path(__file__).resolve()), "--ccp", str(target)]
    base = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    installed = {**base, "PYTHONPATH": str(installed_copy(work))}
    runs = {"installed": (ours, installed), "checkout": (ours, base), "ccp": (theirs, base)}
    got: dict[str, list[float]] = {name: [] for name in runs}
    # from the work directory: no sites/ there, so the audit reads no inventory
    for argv, env in runs.values():  # warm the page cache
        run_cli(argv, work, env)
    for _ in range(repeat):
        for name, (argv, env) in runs.items():
            got[name].append(run_cli(argv, work, env)[0])
    med = {name: statistics.median(v) for name, v in got.items()}
    return med["installed"], med["ccp"], len(files), lines, med["checkout"]


def ccp_parse(paths: list[str]) -> None:
    """The baseline process: import ciscoconfparse and parse every file the way its users
    do, ``CiscoConfParse(lines)`` (nothing else). Its logger is switched off: with the
    default arguments it logs one INFO line per file, which would only slow it down."""
    from ciscoconfparse import CiscoConfParse
    from loguru import logger

    logger.disable("ciscoconfparse")  # after the import: importing it enables its logger

    for root in map(Path, paths):
        files = sorted(p for p in root.rglob("*") if p.is_file()) if root.is_dir() else [root]
        for f in files:
            CiscoConfParse(f.read_text(errors="replace").splitlines())


# --- report --------------------------------------------------------------------------------


def fmt(x: float, digits: int = 2) -> str:
    return "-" if x != x else f"{x:.{digits}f}"  # NaN -> "-"


def report(results: list[Result], baselines: dict[str, tuple[float, ...]],
           growth_pairs: list[tuple[str, int, int]],
           interleaved: dict[tuple[str, int, int], dict[str, list[tuple[float, float]]]]
           | None = None,
           ) -> tuple[str, list[tuple[str, bool]]]:
    out: list[str] = []
    goals: list[tuple[str, bool]] = []
    out.append(f"Measured {time.strftime('%Y-%m-%d')} by `bench/scale.py` on "
               f"{platform.machine()} with nproc={os.cpu_count()}, CPython "
               f"{platform.python_version()}; median of the runs, seconds; in-process = "
               "`greios.cli.main()` in a warmed-up process (imports done; wall, CPU in "
               "brackets), CLI = the `greios` console script as a new process (wall; peak RSS).")
    out.append("")
    out.append("| inventory | tunnels | first run (CLI) | command | in-process | CLI | "
               "CLI peak MB |")
    out.append("|---|---:|---:|---|---:|---:|---:|")
    for r in results:
        for i, command in enumerate(r.inproc):
            t, c = r.inproc[command], r.cli.get(command, Timing())
            head = (f"{r.topology} {r.sites} | {r.tunnels} | {fmt(r.first_run)}" if i == 0
                    else " | | ")
            out.append(f"| {head} | {command} | {fmt(t.median)} ({fmt(t.median_cpu)}) | "
                       f"{fmt(c.median)} | {fmt(c.peak_mb, 0)} |")
    by = {(r.topology, r.sites): r for r in results}
    if growth_pairs:
        out.append("")
        out.append("Growth (time at the larger size ÷ time at the smaller; linear = the size "
                   f"ratio; goal <= {GROWTH_MAX} for 3,000 ÷ 1,000):")
        out.append("")
        out.append("| topology | sizes | command | in-process wall | in-process CPU | CLI | "
                   "interleaved pairs, CPU: median of the ratios (each pair) | best ÷ best |")
        out.append("|---|---|---|---:|---:|---:|---:|---|")
        for topo, small, large in growth_pairs:
            a, b = by.get((topo, small)), by.get((topo, large))
            if a is None or b is None:
                continue
            for command in b.inproc:
                if command not in a.inproc:
                    continue
                gw = b.inproc[command].median / a.inproc[command].median
                gc = b.inproc[command].median_cpu / a.inproc[command].median_cpu
                cl = (b.cli[command].median / a.cli[command].median
                      if b.cli.get(command) and b.cli[command].wall else float("nan"))
                pairs = (interleaved or {}).get((topo, small, large), {}).get(command, [])
                gm, gb = growth_of(pairs) if pairs else (float("nan"), float("nan"))
                ratios = sorted(y / x for x, y in pairs)
                each = (", ".join(f"{y / x:.2f}" for x, y in pairs) if len(pairs) <= 9 else
                        f"{len(pairs)} pairs, {ratios[0]:.2f}-{ratios[-1]:.2f}, middle half "
                        f"{ratios[len(ratios) // 4]:.2f}-{ratios[(3 * len(ratios)) // 4]:.2f}")
                out.append(f"| {topo} | {large} ÷ {small} | {command} | {fmt(gw)} | {fmt(gc)} "
                           f"| {fmt(cl)} | {fmt(gm)}{f' ({each})' if pairs else ''} "
                           f"| {fmt(gb)} |")
                if (small, large) == (1000, 3000):
                    # judged on the interleaved pairs where measured (same minutes for both
                    # sizes): the median of their ratios; else on the medians of the table
                    g = gm if pairs else gc
                    how = "interleaved pairs, median ratio" if pairs else "medians"
                    goals.append((f"growth {topo} 3000÷1000 {command} (CPU, {how}) <= "
                                  f"{GROWTH_MAX}: {g:.2f}", g <= GROWTH_MAX))
    out.extend(curve(results))
    for (topo, sites, command), limit in GOALS.items():
        r = by.get((topo, sites))
        if r is not None and command in r.inproc:
            t = r.inproc[command].median
            goals.append((f"{topo} {sites} {command} <= {limit:g} s: {t:.2f} s in-process, "
                          f"{fmt(r.cli[command].median)} s CLI", t <= limit))
    topo, sites, command, limit = GOAL_VALIDATE
    r = by.get((topo, sites))
    if r is not None and command in r.inproc:
        t = r.inproc[command].median
        goals.append((f"{topo} {sites} {command} <= {limit:g} s (inventory work): {t:.2f} s",
                      t <= limit))
    peaks = [(r, c, r.cli[c].peak_mb) for r in results if r.sites >= 3000 for c in r.cli
             if r.cli[c].rss_mb]
    for r, c, mb in peaks:
        goals.append((f"peak memory {r.topology} {r.sites} {c} <= {PEAK_MB_MAX} MB: {mb:.0f} MB",
                      mb <= PEAK_MB_MAX))
    if "plan" in baselines:
        ours, bare, n = baselines["plan"]
        goals.append((f"plan_router vs bare hier_config, {int(n)} routers <= "
                      f"{PLAN_VS_BARE_MAX}x: {ours:.2f} s vs {bare:.2f} s = {ours / bare:.2f}x",
                      ours / bare <= PLAN_VS_BARE_MAX))
    for name, limit in AUDIT_VS_CCP_MIN.items():
        if name in baselines:
            g, c, files, lines, checkout = baselines[name]
            goals.append((f"audit vs ciscoconfparse, {name} ({int(files)} files, {int(lines)} "
                          f"lines) >= {limit:g}x: greios as installed {g:.2f} s vs {c:.2f} s = "
                          f"{c / g:.1f}x (from this editable checkout, no .pyc: {checkout:.2f} s"
                          f" = {c / checkout:.1f}x)", c / g >= limit))
    out.append("")
    out.append("| goal | met |")
    out.append("|---|---|")
    out.extend(f"| {text} | {'yes' if ok else '**no**'} |" for text, ok in goals)
    return "\n".join(out) + "\n", goals


def curve(results: list[Result], topology: str = "hub2") -> list[str]:
    """The growth curve of ``topology``: in-process CPU seconds at every measured size and
    the same per 1,000 sites (flat = linear)."""
    runs = sorted((r for r in results if r.topology == topology), key=lambda r: r.sites)
    if len(runs) < 3:
        return []
    sizes = " | ".join(f"{r.sites:,}" for r in runs)
    out = ["", f"Growth curve, {topology} (in-process CPU seconds; then seconds per 1,000 "
           "sites - the same figure at every size means linear growth):", "",
           f"| command | {sizes} | per 1,000 sites | largest ÷ smallest per site |",
           "|---|" + "---:|" * len(runs) + "---|---:|"]
    for command in runs[-1].inproc:
        cpu = [r.inproc[command].median_cpu if command in r.inproc else float("nan")
               for r in runs]
        per = [c * 1000 / r.sites for c, r in zip(cpu, runs, strict=True)]
        out.append(f"| {command} | " + " | ".join(fmt(c) for c in cpu) + " | "
                   + " / ".join(fmt(x) for x in per) + f" | {fmt(per[-1] / per[0])} |")
    return out


def write_docs(section: str) -> None:
    text = DOC.read_text()
    block = f"{BEGIN}\n{section}{END}"
    if BEGIN in text and END in text:
        start, end = text.index(BEGIN), text.index(END) + len(END)
        text = text[:start] + block + text[end:]
    else:
        text = text.rstrip("\n") + "\n\n## Scale: measured (bench/scale.py)\n\n" + block + "\n"
    DOC.write_text(text)


def profile(command: str, work: Path, topology: str, sites: int) -> None:
    import cProfile
    import pstats

    from greios.cli import main

    sites_dir, _, _ = prepare(work, topology, sites)
    argv = args_for(command, sites_dir, sites_dir.parent)
    prof = cProfile.Profile()
    with open(os.devnull, "w") as null, contextlib.redirect_stdout(null):
        prof.runcall(main, argv)
    stats = pstats.Stats(prof)
    stats.sort_stats("cumulative").print_stats(40)
    stats.sort_stats("tottime").print_stats(25)


def parse_sizes(text: str) -> list[tuple[str, int]]:
    out = []
    for item in text.split(","):
        topo, _, n = item.partition(":")
        out.append((topo, int(n)))
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--sizes", default="hub2:100,hub2:300,hub2:1000,hub2:3000,hub1:1000,"
                                        "mesh:50,mesh:100",
                    help="topology:sites,... (hub1, hub2, mesh)")
    ap.add_argument("--commands", default=",".join(COMMANDS))
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--no-cli", action="store_true", help="in-process timings only")
    ap.add_argument("--no-baselines", action="store_true")
    ap.add_argument("--work", type=Path, default=None, help="keep generated files here")
    ap.add_argument("--write-docs", action="store_true")
    ap.add_argument("--profile", choices=COMMANDS)
    ap.add_argument("--ccp", nargs="+", help=argparse.SUPPRESS)  # the baseline process
    ap.add_argument("--inproc", help=argparse.SUPPRESS)  # an in-process measurement
    a = ap.parse_args()
    if a.ccp:
        ccp_parse(a.ccp)
        return
    if a.inproc:
        inproc_child(a.inproc)
        return
    work = a.work or Path(tempfile.mkdtemp(prefix="greios-scale-"))
    sizes = parse_sizes(a.sizes)
    if a.profile:
        topo, n = sizes[0]
        profile(a.profile, work, topo, n)
        return
    commands = tuple(c for c in a.commands.split(",") if c)
    print(f"nproc={os.cpu_count()} python={platform.python_version()} repeat={a.repeat} "
          f"work={work}", flush=True)
    results: list[Result] = []
    for topo, n in sizes:
        print(f"{topo} {n} sites ({scalegen.tunnel_count(topo, n)} tunnels)", flush=True)  # type: ignore[arg-type]
        results.append(measure(work, topo, n, a.repeat, not a.no_cli, commands))
    baselines: dict[str, tuple[float, ...]] = {}
    by = {(r.topology, r.sites): r for r in results}
    if not a.no_baselines:
        hub = work / "hub2-1000" / "sites"
        if ("hub2", 1000) in by and hub.is_dir():
            print("plan_router vs bare hier_config (1,000-site dual hub) ...", flush=True)
            baselines["plan"] = plan_vs_bare(hub, a.repeat)
            fleet = work / "fleet-1000"
            write_fleet(hub, fleet)
            print("audit vs ciscoconfparse, fleet-1000 ...", flush=True)
            baselines["fleet-1000"] = audit_vs_ccp(fleet, work, max(a.repeat, 5))
        if CORPUS_LARGE.is_dir():
            print("audit vs ciscoconfparse, corpus/large ...", flush=True)
            baselines["corpus/large"] = audit_vs_ccp(CORPUS_LARGE, work, max(a.repeat, 15))
    growth = sorted({(t, s1, s2) for (t, s1) in by for (t2, s2) in by
                     if t == t2 and (s2 == 3 * s1 or (s1, s2) == (50, 100))})
    interleaved: dict[tuple[str, int, int], dict[str, list[tuple[float, float]]]] = {}
    for topo, small, large in growth:
        if (small, large) == (1000, 3000):
            # single runs of one command vary by 10-40 %: at least 7 pairs per command, more
            # for the quick ones (GROWTH_BUDGET_S)
            interleaved[(topo, small, large)] = growth_interleaved(
                work, topo, small, large, commands, max(a.repeat, 7))
    text, goals = report(results, baselines, growth, interleaved)
    print()
    print(text)
    met = sum(ok for _, ok in goals)
    print(f"{met} of {len(goals)} goals met")
    if a.write_docs:
        write_docs(text)
        print(f"wrote the results into {DOC.relative_to(REPO)}")


if __name__ == "__main__":
    main()
