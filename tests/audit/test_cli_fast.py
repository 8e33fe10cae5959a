"""The typer-free path of ``greios audit`` (greios/commands/_audit_fast.py) reads its
options exactly as the typer command does, and leaves everything else to typer."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

import greios.commands.audit as audit_cmd
from greios import cli
from greios.commands._audit_fast import parse_args

FIX = Path(__file__).parent / "fixtures"


def _typer_values(args: list[str], monkeypatch: pytest.MonkeyPatch) -> dict[str, Any] | None:
    """What typer hands the command body for ``args`` (None: typer refused them)."""
    seen: list[dict[str, Any]] = []
    monkeypatch.setattr(audit_cmd, "run_audit_command", lambda **kw: seen.append(kw))
    try:
        cli._click_command()(args=args, standalone_mode=False, prog_name="greios")
    except Exception:
        return None
    assert len(seen) == 1
    values = dict(seen[0])
    values["paths"] = list(values["paths"] or [])
    return values


@pytest.fixture
def tree(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("GREIOS_SITES", raising=False)
    (tmp_path / "cfgs").mkdir()
    (tmp_path / "cfgs" / "a.cfg").write_text("hostname a\n")
    (tmp_path / "b.cfg").write_text("hostname b\n")
    (tmp_path / "inv").mkdir()
    return tmp_path


FAST = [
    ["audit"],
    ["audit", "cfgs"],
    ["audit", "cfgs", "b.cfg", "missing.cfg"],
    ["audit", "cfgs", "-f", "json", "-o", "out.json", "--fail-on", "never"],
    ["audit", "--format=JSON", "--output=out.json", "--fail-on=Warning", "cfgs"],
    ["audit", "-f", "sarif", "-f", "md", "b.cfg"],  # the last value wins
    ["audit", "--select", "SEC", "--select", "GRE-001", "--ignore=PAIR", "cfgs"],
    ["audit", "-s", "inv", "--intended"],
    ["audit", "--sites", "inv", "--plan", "x.plan", "--select", "MTU"],
    ["audit", "--live", "--lab", "--allow-empty", "--sites=nowhere"],
    ["audit", "b.cfg", "--format", "html", "cfgs", "--fail-on", "ERROR"],
    ["audit", "-o", "cfgs/a.cfg", "--format", "table", "--format", "junit", "b.cfg"],
]

TO_TYPER = [
    ["audit", "--help"],
    ["audit", "-h"],
    ["audit", "-f"],  # missing value
    ["audit", "-f", "xml", "cfgs"],  # bad choice
    ["audit", "--fail-on", "sometimes"],
    ["audit", "-o", "cfgs", "b.cfg"],  # a directory as the output file
    ["audit", "--plan", "cfgs"],
    ["audit", "--no-such-option"],
    ["audit", "-fjson", "cfgs"],
    ["audit", "-f=json", "cfgs"],
    ["audit", "--intended=yes"],
    ["audit", "--", "cfgs"],
    ["audit", "-"],
    ["audit", ""],
    ["audit", "--format", "--output"],
    ["--version"],
    ["validate"],
    [],
]


@pytest.mark.parametrize("args", FAST, ids=" ".join)
def test_fast_path_reads_what_typer_reads(args: list[str], tree: Path,
                                          monkeypatch: pytest.MonkeyPatch) -> None:
    fast = parse_args(args)
    assert fast is not None, "a plain invocation must not need typer"
    assert fast == _typer_values(args, monkeypatch)


@pytest.mark.parametrize("args", TO_TYPER, ids=" ".join)
def test_everything_else_goes_to_typer(args: list[str], tree: Path) -> None:
    assert parse_args(args) is None


def test_sites_from_the_environment_goes_to_typer(tree: Path,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GREIOS_SITES", "inv")
    assert parse_args(["audit", "cfgs"]) is None


def test_same_report_and_exit_code_both_ways(tmp_path: Path,
                                             capsys: pytest.CaptureFixture[str]) -> None:
    args = ["audit", str(FIX), "-f", "json", "--fail-on", "warning"]
    fast = cli.main(args)
    fast_out = capsys.readouterr()
    slow = cli.main(["audit", str(FIX), "-fjson", "--fail-on", "warning"])  # typer reads it
    slow_out = capsys.readouterr()
    assert fast == slow == 3
    strip = [ln for ln in fast_out.out.splitlines() if '"generated_at"' not in ln]
    assert strip == [ln for ln in slow_out.out.splitlines() if '"generated_at"' not in ln]
    assert fast_out.err == slow_out.err


# ``python -m greios`` and what pip's ``greios`` script runs ([project.scripts] in pyproject)
ENTRIES = {"python -m greios": "runpy.run_module('greios', run_name='__main__')",
           "greios console script": "from greios.entry import run; run()"}


def test_the_console_script_is_the_entry_module() -> None:
    import tomllib

    pyproject = tomllib.loads((Path(__file__).parents[2] / "pyproject.toml").read_text())
    assert pyproject["project"]["scripts"] == {"greios": "greios.entry:run"}


@pytest.mark.parametrize("entry", list(ENTRIES))
def test_plain_audit_does_not_import_typer(entry: str, tmp_path: Path) -> None:
    code = ("import os, runpy, sys\n"
            "sys.argv = ['greios', 'audit', sys.argv[1], '-f', 'json', '-o', sys.argv[2]]\n"
            # the console script ends an audit with os._exit (greios.lifetime): raise
            # SystemExit instead, to look at the modules it loaded
            "os._exit = sys.exit\n"
            f"try:\n    {ENTRIES[entry]}\n"
            "except SystemExit as e:\n    rc = e.code\n"
            "heavy = [m for m in ('typer', 'pydantic', 'yaml', 'jinja2', 'napalm',"
            " 'hier_config') if m in sys.modules]\n"
            "print(rc, heavy)\n")
    out = tmp_path / "r.json"
    proc = subprocess.run([sys.executable, "-c", code, str(FIX / "v2-site-a.cfg"), str(out)],
                          capture_output=True, text=True, check=True,
                          cwd=tmp_path)  # no sites/ here: no inventory to read
    rc, heavy = proc.stdout.split(" ", 1)
    assert out.is_file() and rc in ("0", "3")
    assert heavy.strip() == "[]"
