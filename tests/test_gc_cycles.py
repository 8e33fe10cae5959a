"""The commands greios runs with the cyclic garbage collector paused (``greios.cli.PAUSE_GC``)
make no reference cycles: reference counting frees everything they allocate, so pausing
the collector for the whole command costs no memory (docs/performance.md, "Third round").

A cycle found here (an object that refers back to its owner, a nested recursive function,
a hier_config tree left with its parent links) would stay in memory until the collector
runs again, and every collector pass walks the whole live heap.
"""

from __future__ import annotations

import gc
import shutil
import sys
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from types import FunctionType, ModuleType

import pytest

from greios.cli import PAUSE_GC, main
from greios.commands._audit_fast import fast_main

REPO = Path(__file__).resolve().parent.parent


def _ours(obj: object) -> bool:
    """An object greios made: an instance of a greios or hier_config class, or a function
    defined in greios (a nested recursive function is a cycle with its closure cell)."""
    if isinstance(obj, FunctionType):
        return (obj.__module__ or "").startswith("greios")
    return type(obj).__module__.startswith(("greios", "hier_config"))


def _cyclic_garbage(argv: list[str]) -> list[object]:
    """What only the cyclic collector could free after ``greios ARGV`` (run once before, so
    first-use caches and imports are not counted)."""
    gc.collect()
    gc.set_debug(gc.DEBUG_SAVEALL)  # unreachable objects are kept in gc.garbage, not freed
    try:
        main(argv)
        gc.collect()
        return list(gc.garbage)
    finally:
        gc.set_debug(0)
        gc.garbage.clear()


def _inventory(kind: str, tmp_path: Path, scalegen: ModuleType) -> Path:
    if kind == "bundled":  # IOS and VyOS routers, IPsec and plain GRE, some snapshots
        shutil.copytree(REPO / "sites", tmp_path / "sites")
        return tmp_path / "sites"
    return Path(scalegen.generate(tmp_path / "sites", sites=8, topology="hub2").root)


def _in_command() -> bool:
    """Whether the running Python code is a command's own work (greios.app and the pure
    core it calls), not reading the arguments or ending the pause."""
    frame = sys._getframe(2)
    while frame is not None:
        if frame.f_globals.get("__name__", "").startswith("greios.app"):
            return True
        frame = frame.f_back  # type: ignore[assignment]
    return False


@contextmanager
def _passes_in_commands() -> Iterator[list[int]]:
    """The collector passes that start inside a command's own code while the block runs,
    with the threshold at 1 (any allocation with the collector on starts a pass)."""
    seen: list[int] = []

    def note(phase: str, info: dict[str, int]) -> None:
        if phase == "start" and _in_command():
            seen.append(info["generation"])

    old = gc.get_threshold()
    gc.callbacks.append(note)
    gc.set_threshold(1)
    try:
        yield seen
    finally:
        gc.set_threshold(*old)
        gc.callbacks.remove(note)


@pytest.mark.parametrize("command", sorted(PAUSE_GC))
def test_paused_commands_run_without_a_collector_pass(
        command: str, tmp_path: Path, capsys: pytest.CaptureFixture[str],
        scalegen: ModuleType, scale_bench: ModuleType) -> None:
    # the command line bench/scale.py measures
    argv = scale_bench.args_for(command, _inventory("generated hub2", tmp_path, scalegen),
                                tmp_path)
    assert main(argv) == 0
    with _passes_in_commands() as passes:
        assert main(argv) == 0
    capsys.readouterr()
    assert passes == [] and gc.isenabled()  # paused throughout, given back at the end


def test_other_commands_are_not_paused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                       capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("GREIOS_STATE_DIR", str(tmp_path / "state"))
    with _passes_in_commands() as passes:
        main(["lab", "status"])  # holds no inventory: runs as usual
    capsys.readouterr()
    assert passes


def test_the_fast_audit_path_pauses_too(tmp_path: Path) -> None:
    (tmp_path / "r1.cfg").write_text((REPO / "sites" / "snapshots" / "seoul-rtr1.cfg")
                                     .read_text())
    args = ["audit", str(tmp_path / "r1.cfg"), "-f", "json", "-o", str(tmp_path / "a.json"),
            "--fail-on", "never"]
    with _passes_in_commands() as passes:
        assert fast_main(args) == 0
    assert passes == [] and gc.isenabled()


@pytest.mark.parametrize("kind", ["generated hub2", "bundled"])
@pytest.mark.parametrize("command", sorted(PAUSE_GC))
def test_paused_command_makes_no_reference_cycles(
        command: str, kind: str, tmp_path: Path, capsys: pytest.CaptureFixture[str],
        scalegen: ModuleType, scale_bench: ModuleType) -> None:
    argv = scale_bench.args_for(command, _inventory(kind, tmp_path, scalegen), tmp_path)
    assert main(argv) == 0  # lock, keys, lazy imports, caches
    garbage = _cyclic_garbage(argv)
    capsys.readouterr()
    ours = Counter(type(o).__qualname__ if not isinstance(o, FunctionType) else o.__qualname__
                   for o in garbage if _ours(o))
    assert not ours, f"{command} left reference cycles: {ours.most_common(8)}"
    # what is left is the standard library's own (inspect's and ast's nested functions,
    # ~200 objects); the inventory's cycle alone was ~90 objects per site
    assert len(garbage) < 1000
