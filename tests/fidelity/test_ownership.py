"""Ownership of numbered objects (issue #10 item 7, docs/ios-fidelity.md row 7): greios never
rewrites a ``crypto isakmp policy`` or an ``interface TunnelN`` it did not create. When its
number is taken on the router, greios picks a free one from the running config and keeps it
in the lock (an old lock without the ``routers:`` section still loads)."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from greios.allocate import Lock, avoid_taken, claim_isakmp, read_lock, write_lock
from greios.app.pipeline import build, with_running
from greios.errors import InventoryError
from greios.plan import plan_router
from greios.platforms import get
from greios.platforms.ios.ownership import numbered_objects

FOREIGN_POLICY = """\
crypto isakmp policy 110
 encr 3des
 hash md5
 authentication pre-share
 group 2
"""
FOREIGN_TUNNEL = """\
interface Tunnel100
 description DMVPN to the old DC
 ip address 10.200.0.1 255.255.255.0
"""


def test_numbered_objects_tell_greios_tunnels_from_others() -> None:
    text = (FOREIGN_POLICY + FOREIGN_TUNNEL
            + "interface Tunnel101\n description greios: a <-> b\n")
    found = numbered_objects(text)
    assert found.foreign_tunnels == {100}
    assert found.has_greios
    assert found.isakmp_policies[110] == {"encr 3des", "hash md5", "authentication pre-share",
                                          "group 2"}


def test_claim_keeps_free_and_own_numbers_and_moves_off_foreign_ones() -> None:
    lock = Lock()
    assert claim_isakmp(lock, "r", {"v1": 110}, {}) == ({"v1": 110}, [])
    assert claim_isakmp(lock, "r", {"v1": 110}, {110: True}) == ({"v1": 110}, [])
    assert claim_isakmp(lock, "r", {"v1": 110}, {110: False, 120: False}) == ({"v1": 121}, [])
    # the lock's number stays, whatever the running config holds now
    kept = lock.with_claims({"r": {"v1": 111}})
    assert claim_isakmp(kept, "r", {"v1": 110}, {110: False, 111: False}) == ({"v1": 111}, [])
    # no number left: a located refusal, never a takeover
    got, problems = claim_isakmp(lock, "r", {"v1": 110}, {110: False, 10000: False})
    assert got == {} and "crypto isakmp policy 110" in problems[0] and "r:" in problems[0]


def _running(sites: Path) -> dict[str, str]:
    out = {p.stem: p.read_text() for p in (sites / "snapshots").glob("*.cfg")}
    out["hongkong-rtr1"] = FOREIGN_POLICY + FOREIGN_TUNNEL + out["hongkong-rtr1"]
    return out


def _ikev1(sites: Path) -> None:
    path = sites / "greios.yaml"
    data = yaml.safe_load(path.read_text())
    data["topology"][1]["crypto"] = "legacy-v1"  # tokyo <-> hongkong
    path.write_text(yaml.safe_dump(data, sort_keys=False))


def test_plan_moves_off_unowned_objects_and_keeps_the_numbers(sites: Path) -> None:
    _ikev1(sites)
    running = _running(sites)
    b = with_running(build(sites), running)
    tokyo_hk = b.allocation.active_by_key["hongkong-rtr1--tokyo-rtr1"]
    assert tokyo_hk.tunnel not in (100,)  # Tunnel100 on hongkong is not greios's
    lock = read_lock(sites / "greios.lock")
    assert lock.entries["hongkong-rtr1--tokyo-rtr1"].tunnel == tokyo_hk.tunnel
    assert lock.claims["hongkong-rtr1"] == {"legacy-v1": 111}
    assert lock.claims["tokyo-rtr1"] == {"legacy-v1": 110}  # free there
    ios = get("ios")
    for router in ("hongkong-rtr1", "tokyo-rtr1"):
        intended = b.render(router, secrets="reveal")
        plan = plan_router(running[router], intended)
        assert not any(c.startswith(("crypto isakmp policy 110", "interface Tunnel100"))
                       for c in plan.commands if router == "hongkong-rtr1"), plan.commands
        after = ios.apply_lines(running[router], list(plan.commands))
        if router == "hongkong-rtr1":
            assert FOREIGN_POLICY in after and FOREIGN_TUNNEL in after
        assert plan_router(after, intended).is_empty
    # stable: the next plan (lock read back) chooses the same numbers and writes nothing
    again = with_running(build(sites), running)
    assert again.allocation.lock.claims == lock.claims
    assert again.allocation.active_by_key["hongkong-rtr1--tokyo-rtr1"].tunnel == \
        tokyo_hk.tunnel
    assert not again.lock_written


def test_identical_policy_of_an_earlier_greios_run_is_kept(sites: Path) -> None:
    """A lock written before ``routers:`` existed: the policy greios rendered then (same
    lines, on a router greios deployed) keeps its number instead of being duplicated."""
    _ikev1(sites)
    b = build(sites)
    running = {p.stem: p.read_text() for p in (sites / "snapshots").glob("*.cfg")}
    tokyo = running["tokyo-rtr1"]
    intended = b.render("tokyo-rtr1", secrets="reveal")
    deployed = get("ios").apply_lines(tokyo, list(plan_router(tokyo, intended).commands))
    assert "\ncrypto isakmp policy 110\n" in deployed
    again = with_running(build(sites), {**running, "tokyo-rtr1": deployed})
    assert again.allocation.lock.claims["tokyo-rtr1"] == {"legacy-v1": 110}
    assert plan_router(deployed, again.render("tokyo-rtr1", secrets="reveal")).is_empty


def test_lock_claims_round_trip_and_old_locks_load(sites: Path, tmp_path: Path) -> None:
    old = read_lock(sites / "greios.lock")  # written before the routers: section
    assert old.claims == {}
    path = tmp_path / "greios.lock"
    write_lock(path, old.with_claims({"tokyo-rtr1": {"legacy-v1": 111}}))
    text = path.read_text()
    assert text.endswith("routers:\n  tokyo-rtr1:\n    isakmp_policies:\n"
                         "      legacy-v1: 111\n")
    assert yaml.safe_load(text)["routers"] == {"tokyo-rtr1": {"isakmp_policies":
                                                              {"legacy-v1": 111}}}
    assert read_lock(path).claims == {"tokyo-rtr1": {"legacy-v1": 111}}
    path.write_text(text.replace("111", "20000"))
    with pytest.raises(InventoryError, match=r"greios.lock:\d+: .*not an ISAKMP policy"):
        read_lock(path)


def test_no_free_tunnel_number_is_a_refusal(sites: Path) -> None:
    b = build(sites)
    taken = {"tokyo-rtr1": set(range(100, 200))}
    result = avoid_taken(b.allocation, taken, (100, 199))
    assert any("Tunnel100 of pair tokyo-rtr1 <-> hongkong-rtr1 exists" in p
               for p in result.problems)
    with pytest.raises(InventoryError, match="not created by greios"):
        with_running(b, {"tokyo-rtr1": "".join(f"interface Tunnel{n}\n"
                                               for n in range(100, 200))})
