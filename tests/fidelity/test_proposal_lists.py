"""IKEv2 proposal algorithm lists (issue #10 item 10, docs/ios-fidelity.md row 10).

No source says whether a second ``encryption`` line replaces the proposal's list or adds to
it. The simulated router models both (``configtree.PROPOSAL_LISTS``); the plan's commands
must reach the intended lists, and then plan to nothing, under either."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from greios.plan import plan_router
from greios.platforms import get
from greios.platforms.ios import configtree

POLICY = "crypto ikev2 policy GREIOS-P\n proposal GREIOS-P\n"


def _config(**lists: str) -> str:
    lines = "".join(f" {kw} {values}\n" for kw, values in lists.items() if values)
    return f"crypto ikev2 proposal GREIOS-P\n{lines}!\n{POLICY}"


def _lists(text: str) -> dict[str, set[str]]:
    out: dict[str, set[str]] = {}
    inside = False
    for line in text.splitlines():
        if not line.startswith(" "):
            inside = line == "crypto ikev2 proposal GREIOS-P"
        elif inside:
            kw, *values = line.split()
            out.setdefault(kw, set()).update(values)
    return out


CASES = [  # (running lists, intended lists)
    ({"encryption": "aes-gcm-256 aes-gcm-128", "prf": "sha384", "group": "20 19"},
     {"encryption": "aes-gcm-256", "prf": "sha384", "group": "20 19"}),  # narrowing
    ({"encryption": "aes-gcm-256", "prf": "sha384", "group": "20"},
     {"encryption": "aes-gcm-256 aes-gcm-128", "prf": "sha384 sha256", "group": "20 19"}),
    ({"encryption": "aes-cbc-256", "integrity": "sha256", "prf": "sha256", "group": "14"},
     {"encryption": "aes-gcm-256", "prf": "sha384", "group": "19"}),  # all replaced
    ({"encryption": "aes-gcm-256 aes-gcm-128", "prf": "sha384", "group": "20 19"},
     {"encryption": "aes-gcm-128 aes-gcm-256", "prf": "sha384", "group": "19 20"}),  # order
    ({"encryption": "aes-gcm-256", "prf": "sha384", "group": "20"},
     {"encryption": "aes-cbc-128", "integrity": "sha1", "prf": "sha1", "group": "14"}),
]


@pytest.fixture(params=["union", "replace"])
def semantics(request: pytest.FixtureRequest) -> Iterator[str]:
    previous = configtree.set_proposal_lists(request.param)
    try:
        yield request.param
    finally:
        configtree.set_proposal_lists(previous)


@pytest.mark.parametrize(("have", "want"), CASES)
def test_plan_converges_whether_ios_replaces_or_adds(semantics: str, have: dict[str, str],
                                                     want: dict[str, str]) -> None:
    running, intended = _config(**have), _config(**want)
    plan = plan_router(running, intended)
    after = get("ios").apply_lines(running, list(plan.commands))
    assert _lists(after) == {kw: set(v.split()) for kw, v in want.items()}, (semantics, plan)
    assert plan_router(after, intended).is_empty
    # and back: the rollback restores the running lists
    back = get("ios").apply_lines(after, list(plan.rollback))
    assert _lists(back) == {kw: set(v.split()) for kw, v in have.items()}


def test_same_algorithms_in_another_order_plan_nothing() -> None:
    assert plan_router(_config(encryption="aes-gcm-256 aes-gcm-128", group="20 19"),
                       _config(encryption="aes-gcm-128 aes-gcm-256", group="19 20")).is_empty


def test_narrowing_removes_then_states_the_whole_list() -> None:
    plan = plan_router(_config(encryption="aes-gcm-256 aes-gcm-128", group="20"),
                       _config(encryption="aes-gcm-256", group="20"))
    assert plan.commands == ("crypto ikev2 proposal GREIOS-P", " no encryption aes-gcm-128",
                             " encryption aes-gcm-256")


def test_lab_semantics_switch() -> None:
    lines = ["crypto ikev2 proposal P", " encryption aes-gcm-256", " encryption aes-gcm-128",
             " group 19", " no encryption aes-gcm-256"]
    previous = configtree.set_proposal_lists("union")
    try:
        assert " encryption aes-gcm-128\n" in get("ios").apply_lines("", lines)
        configtree.set_proposal_lists("replace")
        assert " encryption" not in get("ios").apply_lines("", lines)
    finally:
        configtree.set_proposal_lists(previous)
    assert previous == configtree.PROPOSAL_LISTS
