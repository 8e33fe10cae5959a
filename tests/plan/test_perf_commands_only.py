"""``commands_only()`` (``audit --intended``'s plans): the object changes come without their
lines, and everything else a plan holds is what a full plan holds."""

from __future__ import annotations

from pathlib import Path

import pytest

from greios.plan import plan_router
from greios.plan.model import commands_only, object_lines_wanted

CASES = Path(__file__).parent / "cases"


def _read(path: Path) -> str:
    return path.read_text() if path.exists() else ""


@pytest.mark.parametrize("case", sorted(p.parent for p in CASES.glob("*/intended.cfg")),
                         ids=lambda p: p.name)
def test_same_plan_without_lines(case: Path) -> None:
    args = (_read(case / "running.cfg"), _read(case / "intended.cfg"))
    retired = _read(case / "retired.cfg")
    full = plan_router(*args, retired=retired)
    assert object_lines_wanted()
    with commands_only():
        assert not object_lines_wanted()
        bare = plan_router(*args, retired=retired)
    assert object_lines_wanted()
    assert bare.commands == full.commands
    assert bare.rollback == full.rollback
    assert bare.future == full.future
    assert [(o.action, o.header, o.kind) for o in bare.objects] == \
        [(o.action, o.header, o.kind) for o in full.objects]
    assert bare.counts() == full.counts()
    if full.commands and case.name != "proposal_replacement":
        assert any(o.lines for o in full.objects)
        assert not any(o.lines for o in bare.objects if o.action != "update")


def test_lines_wanted_again_after_an_error() -> None:
    with pytest.raises(RuntimeError), commands_only():
        raise RuntimeError
    assert object_lines_wanted()
