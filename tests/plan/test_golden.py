"""Golden plans: tests/plan/cases/<case>/{running,intended[,retired]}.cfg -> plan.txt,
commands.txt, rollback.txt. Regenerate with ``GREIOS_UPDATE_GOLDEN=1 pytest tests/plan``."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from greios.plan import format_commands, format_plan, plan_router
from greios.redact import redact_line

CASES = Path(__file__).parent / "cases"
UPDATE = os.environ.get("GREIOS_UPDATE_GOLDEN") == "1"


def _case_dirs() -> list[Path]:
    return sorted(p.parent for p in CASES.glob("*/intended.cfg"))


def _read(path: Path) -> str:
    return path.read_text() if path.exists() else ""


@pytest.mark.parametrize("case", _case_dirs(), ids=lambda p: p.name)
def test_golden(case: Path) -> None:
    plan = plan_router(
        _read(case / "running.cfg"),
        _read(case / "intended.cfg"),
        retired=_read(case / "retired.cfg"),
    )
    outputs = {
        "plan.txt": format_plan("tokyo-rtr1", plan) + "\n",
        "commands.txt": format_commands(plan),
        "rollback.txt": "\n".join([*(redact_line(c) for c in plan.rollback), "end"]) + "\n",
    }
    for name, text in outputs.items():
        golden = case / name
        if UPDATE:
            golden.write_text(text)
        assert golden.exists(), f"{golden} missing: run with GREIOS_UPDATE_GOLDEN=1"
        assert text == golden.read_text(), f"{case.name}/{name} differs from golden"


def test_cases_present() -> None:
    names = {p.name for p in _case_dirs()}
    assert {
        "fresh_router",
        "converged",
        "psk_rotation",
        "destination_change",
        "proposal_replacement",
        "removed_pair",
        "mtu_change",
        "ikev1_to_ikev2",
        "ospf_operator_lines",
    } <= names
