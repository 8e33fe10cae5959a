"""The house rules of the imports (#9 item 8), read from the source with ``ast``.

Every import counts: module level, inside functions (lazy) and under ``TYPE_CHECKING``. The
scanner and the layer map are ``bench/archstats.py`` (which also prints the figures). Each
allow-list below names violations that exist today outside #9 phase 1 and the phase that
removes them; an entry that no longer occurs fails too, so the lists only shrink.
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

REPO = Path(__file__).resolve().parents[1]


def _archstats() -> ModuleType:
    name = "greios_bench_archstats"
    if name not in sys.modules:
        spec = importlib.util.spec_from_file_location(name, REPO / "bench" / "archstats.py")
        assert spec is not None and spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        spec.loader.exec_module(module)
    return sys.modules[name]


archstats = _archstats()

# Pure-core modules (layers 0-2 of archstats.LAYERS: inventory, topology, allocate, overlay,
# intent, render, mtu, secrets, iosconfig, plan, audit, vyos models) importing an I/O module
# (archstats.IO_MODULES: deploy, lab, app, commands, cli, the orchestration modules, napalm,
# netmiko, paramiko). (source, target) pairs.
ALLOWED_CORE_IO: set[tuple[str, str]] = set()  # none left (phase 1 removed files -> sources)

# Imports from a lower layer into a higher one (archstats.LAYERS).
ALLOWED_UPWARD: set[tuple[str, str]] = set()  # none left (#9 phase 2)

# Import cycles (strongly connected groups of modules).
ALLOWED_CYCLES: set[frozenset[str]] = {
    # the audit rule registry (docs/architecture.md, "Layers"): catalog imports the rule
    # modules so they register, each rule module imports catalog's @rule decorator. The one
    # cycle kept, by design.
    frozenset({"greios.audit.catalog", "greios.audit.rules.crypto", "greios.audit.rules.gre",
               "greios.audit.rules.mtu", "greios.audit.rules.pair", "greios.audit.rules.ref",
               "greios.audit.rules.routing", "greios.audit.rules.platform"}),
}

# Definitions made in more than one module (archstats.duplicated_definitions), by what.
ALLOWED_DUPLICATES: dict[str, set[str]] = {}  # none left (#9 item 3: greios.redact)


@pytest.fixture(scope="module")
def tree() -> Any:
    return archstats.scan(REPO)


def _show(imports: list[Any]) -> str:
    return "\n".join(f"  {i.source} -> {i.target} (line {i.line}"
                     f"{', lazy' if i.lazy else ''})" for i in imports)


def test_pure_core_imports_no_io_module(tree: Any) -> None:
    found = archstats.core_io_imports(tree)
    bad = [i for i in found if (i.source, i.target) not in ALLOWED_CORE_IO]
    assert not bad, "pure-core modules import I/O modules:\n" + _show(bad)
    stale = ALLOWED_CORE_IO - {(i.source, i.target) for i in found}
    assert not stale, f"no longer imported: remove from ALLOWED_CORE_IO: {sorted(stale)}"


def test_no_upward_imports(tree: Any) -> None:
    found = archstats.upward_imports(tree)
    bad = [i for i in found if (i.source, i.target) not in ALLOWED_UPWARD]
    assert not bad, "imports into a higher layer:\n" + _show(bad)
    stale = ALLOWED_UPWARD - {(i.source, i.target) for i in found}
    assert not stale, f"no longer imported: remove from ALLOWED_UPWARD: {sorted(stale)}"


def test_no_import_cycles(tree: Any) -> None:
    found = {frozenset(c) for c in archstats.cycles(tree.graph())}
    bad = found - ALLOWED_CYCLES
    assert not bad, "import cycles:\n" + "\n".join(f"  {' '.join(sorted(c))}" for c in bad)
    stale = ALLOWED_CYCLES - found
    assert not stale, "cycles gone: remove from ALLOWED_CYCLES:\n" + "\n".join(
        f"  {' '.join(sorted(c))}" for c in stale)


def test_no_new_duplicated_definitions(tree: Any) -> None:
    found = {what: set(where) for what, where in archstats.duplicated_definitions(tree)}
    bad = {what: where for what, where in found.items()
           if not where <= ALLOWED_DUPLICATES.get(what, set())}
    assert not bad, f"defined in more than one module: {bad}"
    stale = {what for what in ALLOWED_DUPLICATES if what not in found}
    assert not stale, f"no longer duplicated: remove from ALLOWED_DUPLICATES: {stale}"


def test_state_dir_for_follows_the_environment(tmp_path: Path,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    from greios import files

    monkeypatch.delenv("GREIOS_STATE_DIR", raising=False)
    assert files.state_dir_for(tmp_path / "sites") == tmp_path.resolve() / ".greios"
    monkeypatch.setenv("GREIOS_STATE_DIR", str(tmp_path / "elsewhere"))
    assert files.state_dir_for(tmp_path / "sites") == tmp_path / "elsewhere"


def test_every_module_has_a_layer(tree: Any) -> None:
    unplaced = [m for m in tree.files if archstats.layer(m) is None]
    assert not unplaced, f"add to bench/archstats.py LAYERS: {unplaced}"


def test_inventory_package_imports_only_itself_and_the_base(tree: Any) -> None:
    """#9 item 6: the inventory loads and checks objects; topology and allocation live above."""
    for i in tree.imports:
        if i.source.startswith("greios.inventory") and i.target.startswith("greios"):
            if (i.source, i.target) in ALLOWED_UPWARD:
                continue
            assert archstats.layer(i.target) <= 1, (i.source, i.target, i.line)


# ------------------------------------------------------------------ the checker itself


def _fake_tree(root: Path, files: dict[str, str]) -> Any:
    for rel, text in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return archstats.scan(root)


def test_checker_sees_lazy_type_only_and_relative_imports(tmp_path: Path) -> None:
    tree = _fake_tree(tmp_path, {
        "greios/__init__.py": "",
        "greios/topology.py": (
            "from typing import TYPE_CHECKING\n"
            "if TYPE_CHECKING:\n    from greios.deploy import x\n"
            "def f():\n    import napalm\n    from .lab.device import Device\n"),
        "greios/deploy/__init__.py": "",
        "greios/lab/__init__.py": "",
        "greios/lab/device.py": "from greios.lab import other\n",
        "greios/lab/other.py": "def g():\n    from greios.lab.device import Device\n",
        "greios/inventory/__init__.py": "def h():\n    from greios import topology\n",
    })
    io = {(i.source, i.target, i.lazy, i.type_only)
          for i in archstats.core_io_imports(tree)}
    assert io == {("greios.topology", "greios.deploy", False, True),
                  ("greios.topology", "napalm", True, False),
                  ("greios.topology", "greios.lab.device", True, False)}
    up = {(i.source, i.target) for i in archstats.upward_imports(tree)}
    assert ("greios.inventory", "greios.topology") in up
    assert archstats.cycles(tree.graph()) == [
        ["greios.lab.device", "greios.lab.other"]]


def test_checker_reports_duplicated_definitions(tmp_path: Path) -> None:
    tree = _fake_tree(tmp_path, {
        "greios/__init__.py": "",
        "greios/a.py": 'MARK = "<redacted>"\nE = Literal["x", "y", "z"]\n'
                       "def f(p):\n    'one'\n    return p / 'x'\n",
        "greios/b.py": 'REDACTED = "<redacted>"\nEnc = Literal["z", "y", "x", "w"]\n'
                       "def f(p):\n    'two'\n    return p / 'x'\n",
    })
    kinds = sorted(what for what, _ in archstats.duplicated_definitions(tree))
    assert kinds == ["Literal vocabulary", "definition f", "string '<redacted>'"]


def test_report_runs() -> None:
    text = archstats.report(REPO)
    assert text.startswith("modules ") and "import cycles" in text
