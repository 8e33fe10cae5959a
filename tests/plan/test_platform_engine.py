"""The platform seam of the plan: one config engine (``apply_lines``), ``plan`` through the
registry, typed refusals."""

from __future__ import annotations

import pytest

from greios import platforms
from greios.errors import ConfigParseError
from greios.plan import RouterPlan, plan_router
from greios.platforms.base import RejectedLinesError

IOS = platforms.get("ios")

RUNNING = """\
hostname r1
interface GigabitEthernet0/0/0
 ip address 10.0.0.1 255.255.255.0
router ospf 1
 network 10.0.0.0 0.0.0.255 area 0
"""
INTENDED = """\
crypto ikev2 keyring GREIOS-KR
 peer b
  address 10.0.0.2
  pre-shared-key Sekret-42
interface Tunnel100
 description greios: a <-> b
 ip address 192.168.0.1 255.255.255.252
 tunnel source GigabitEthernet0/0/0
 tunnel destination 10.0.0.2
router ospf 1
 network 192.168.0.0 0.0.0.3 area 0
"""


def test_plan_goes_through_the_platform() -> None:
    plan = plan_router(RUNNING, INTENDED, platform="ios")
    assert isinstance(plan, RouterPlan)
    assert IOS.plan(RUNNING, INTENDED) == plan  # (commands, rollback, objects)
    assert plan.future == IOS.apply_lines(RUNNING, plan.commands)
    back = IOS.apply_lines(plan.future, plan.rollback)
    assert IOS.normalise(back) == IOS.normalise(RUNNING)
    assert plan_router(plan.future, INTENDED).is_empty


def test_the_lab_and_the_plan_share_the_engine() -> None:
    """What the simulated router holds after a merge is the plan's predicted config."""
    from greios.platforms.ios.configtree import apply_lines, parse_config, render_config

    plan = IOS.plan(RUNNING, INTENDED)
    device = parse_config(RUNNING)
    assert apply_lines(device, plan.commands) == []
    assert render_config(device) == plan.future


def test_rejected_lines_are_a_typed_error_without_secrets() -> None:
    with pytest.raises(RejectedLinesError) as info:
        IOS.apply_lines(RUNNING, ["interface Tunnel1", " frobnicate now",
                                  "crypto ikev2 keyring K", " peer p",
                                  "  pre-shared-key Sekret-42 extra words"])
    err = info.value
    assert isinstance(err, ConfigParseError)  # exit code and message like a parse error
    assert err.rejected[0][0] == "frobnicate now"
    assert "Sekret-42" not in str(err)
    assert "interface Tunnel1" in err.config  # the accepted lines are applied


def test_normalise_is_the_display_form() -> None:
    text = "interface Tunnel5\n ip address 10.9.9.1 255.255.255.252\n"
    shown = IOS.normalise(text)
    assert shown.endswith("end\n") and IOS.normalise(shown) == shown


def test_unknown_platform_names_the_choices() -> None:
    from greios.errors import InventoryError

    with pytest.raises(InventoryError, match="known: "):
        plan_router("", "", platform="junos")
