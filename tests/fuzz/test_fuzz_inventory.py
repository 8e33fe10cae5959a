"""Fuzz: hundreds of malformed inventories through validate, render and plan --offline
(issue #11). Each command runs in-process (``greios.cli.main``) under a time bound and a
memory bound; none may print a traceback, exit 70 ("a bug in greios"), hang or exhaust
memory, and every error must say where: ``file:line``, the file, or the variable.

The cases (tests/fuzz/fuzz_cases.py) are deterministic; they run in chunks so that
``pytest -n 2`` spreads them over both cores. Figures: docs/inventory.md ("Robustness").
"""

from __future__ import annotations

import importlib.util
import os
import re
import resource
import shutil
import signal
import sys
import time
from collections import Counter
from pathlib import Path
from types import FrameType, ModuleType

import pytest

from greios.cli import main

REPO = Path(__file__).resolve().parents[2]
COMMANDS = (("validate",), ("render",), ("plan", "--offline"))
TIME_BOUND = 10.0  # seconds per command (a valid 6-site plan takes about 0.15 s)
MEMORY_BOUND = 1536 * 1024 * 1024  # bytes of address space a command may add
CHUNKS = 8

# where an error points: file:line, a file of the inventory, or an environment variable
LOCATED = re.compile(
    r"([\w./-]+\.(?:yaml|yml|lock|cfg):\d+: )"
    r"|([\w./-]+\.(?:yaml|yml|lock|cfg)(?::| |$))"
    r"|(environment variable [A-Z_][A-Z0-9_]*)")
# `plan --offline` of a valid inventory whose router has no `snapshot:` (optional): not an
# inventory error, so validate rightly passes; the message names the router and the remedy
OFFLINE_NEEDS_SNAPSHOT = re.compile(r"^[\w.-]+: no snapshot in the inventory; pass --offline DIR")


def _load_cases() -> ModuleType:
    spec = importlib.util.spec_from_file_location(
        "greios_fuzz_cases", Path(__file__).with_name("fuzz_cases.py"))
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


fuzz_cases = _load_cases()
CASES = fuzz_cases.generate(REPO / "sites")


class HangError(BaseException):
    """A command ran past TIME_BOUND (BaseException: greios must not be able to catch it)."""


def _alarm(signum: int, frame: FrameType | None) -> None:
    raise HangError


def _vm_size() -> int:
    with open("/proc/self/statm") as fh:
        return int(fh.read().split()[0]) * os.sysconf("SC_PAGE_SIZE")


class Bounds:
    """Time (SIGALRM) and address-space (RLIMIT_AS) bounds around one command."""

    def __init__(self) -> None:
        self.old_handler = signal.signal(signal.SIGALRM, _alarm)
        self.old_limit = resource.getrlimit(resource.RLIMIT_AS)

    def run(self, args: list[str]) -> tuple[int | str, float]:
        limit = _vm_size() + MEMORY_BOUND
        hard = self.old_limit[1]
        resource.setrlimit(resource.RLIMIT_AS, (limit if hard < 0 else min(limit, hard), hard))
        signal.setitimer(signal.ITIMER_REAL, TIME_BOUND)
        t0 = time.perf_counter()
        try:
            code: int | str = main(args)
        except HangError:
            code = "hang"
        except MemoryError:
            code = "memory"
        finally:
            signal.setitimer(signal.ITIMER_REAL, 0)
            resource.setrlimit(resource.RLIMIT_AS, self.old_limit)
        return code, time.perf_counter() - t0

    def close(self) -> None:
        signal.signal(signal.SIGALRM, self.old_handler)


def error_lines(err: str) -> list[str]:
    """The error message of a failed command: the ``error:`` line, or its indented problem
    lines when there are several."""
    lines = err.splitlines()
    start = next((i for i, ln in enumerate(lines) if ln.startswith("error: ")), None)
    if start is None:
        return []
    head = lines[start][len("error: "):]
    rest = [ln.strip() for ln in lines[start + 1:] if ln.startswith("  ")]
    return rest if rest and re.match(r"\d+ problems", head) else [head]


def check(label: str, cmd: str, code: int | str, out: str, err: str) -> list[str]:
    """What is wrong with one command's result (empty: fine)."""
    bad: list[str] = []
    if code in ("hang", "memory"):
        return [f"{label} [{cmd}]: {code}"]
    if "Traceback" in err or "Traceback" in out:
        bad.append(f"{label} [{cmd}]: traceback")
    if code == 70 or "internal error" in err:
        bad.append(f"{label} [{cmd}]: exit {code}: {err.strip()[:300]}")
    elif code not in (0, 1):
        bad.append(f"{label} [{cmd}]: unexpected exit {code}: {err.strip()[:300]}")
    if code == 1:
        lines = error_lines(err)
        if not lines:
            bad.append(f"{label} [{cmd}]: exit 1 without an error line: {err[:200]!r}")
        for line in lines:
            if not LOCATED.search(line) and not (cmd == "plan"
                                                 and OFFLINE_NEEDS_SNAPSHOT.match(line)):
                bad.append(f"{label} [{cmd}]: unlocated: {line[:300]}")
    return bad


def needs_snapshot(err: str) -> bool:
    return any(OFFLINE_NEEDS_SNAPSHOT.match(line) for line in error_lines(err))


def chunk(i: int) -> list[tuple[str, object]]:
    return CASES[i::CHUNKS]


@pytest.fixture
def fresh(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    for var in [v for v in os.environ if v.startswith("GREIOS_PSK_")]:
        monkeypatch.delenv(var)
    monkeypatch.setenv("GREIOS_STATE_DIR", str(tmp_path / "state"))
    monkeypatch.chdir(tmp_path)
    return tmp_path


def test_there_are_at_least_500_cases() -> None:
    assert len(CASES) >= 500
    families = Counter(label.split(":")[0] for label, _ in CASES)
    assert set(families) >= {"value", "struct", "text", "yaml", "file", "secrets", "env"}


@pytest.mark.parametrize("index", range(CHUNKS))
def test_fuzz_inventories(index: int, fresh: Path, monkeypatch: pytest.MonkeyPatch,
                          capsys: pytest.CaptureFixture[str]) -> None:
    bounds = Bounds()
    problems: list[str] = []
    codes: Counter[str] = Counter()
    slowest = (0.0, "")
    try:
        for n, (label, mutate) in enumerate(chunk(index)):
            sites = fresh / f"case{n}" / "sites"
            shutil.copytree(REPO / "sites", sites,
                            ignore=shutil.ignore_patterns(".greios-secrets.yaml"))
            env = mutate(sites) or {}  # type: ignore[operator]
            results: dict[str, tuple[int | str, str]] = {}
            with monkeypatch.context() as mp:
                for var, value in env.items():
                    mp.setenv(var, value)
                for cmd in COMMANDS:
                    code, elapsed = bounds.run([*cmd, "--sites", str(sites)])
                    out, err = capsys.readouterr()
                    codes[f"{cmd[0]}={code}"] += 1
                    slowest = max(slowest, (elapsed, f"{label} [{cmd[0]}]"))
                    problems += check(label, cmd[0], code, out, err)
                    results[cmd[0]] = (code, err)
            if results["validate"][0] == 0:  # what render/plan refuse, validate must refuse
                problems += [f"{label} [{c}]: validate passed, {c} failed: "
                             f"{results[c][1].strip()[:300]}"
                             for c in ("render", "plan") if results[c][0] == 1
                             and not needs_snapshot(results[c][1])]
            shutil.rmtree(fresh / f"case{n}", ignore_errors=True)
    finally:
        bounds.close()
    with capsys.disabled():
        print(f"\nfuzz chunk {index}: {len(chunk(index))} cases, "
              f"{sum(codes.values())} commands, {dict(sorted(codes.items()))}, slowest "
              f"{slowest[0]:.2f} s ({slowest[1]})")
    assert not problems, f"{len(problems)} problems:\n" + "\n".join(problems[:60])
