"""Topology ``pair`` entries that pin ``tunnel:`` and ``subnet:`` (brownfield adoption of an
existing tunnel, #12): kept in the lock, never moved, every clash refused with its place."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import pytest
import yaml

from greios.allocate import Allocation, Lock, allocate, avoid_taken, read_lock
from greios.cli import main
from greios.topology import Pair

Edit = Callable[[str, Callable[[dict], None]], None]
VYOS_PAIR = "vyoshkg1--vyostok1"


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def _entry(sites: Path, key: str) -> dict:
    data = yaml.safe_load((sites / "greios.lock").read_text())
    entry: dict = data["pairs"][key]
    return entry


def _topology(data: dict, ends: list[str]) -> dict:
    entry: dict = next(e for e in data["topology"] if e.get("pair") == ends)
    return entry


def _pin(edit: Edit, ends: list[str], **pins: object) -> None:
    def fn(d: dict) -> None:
        entry = _topology(d, ends)
        for k, v in pins.items():
            if v is None:
                entry.pop(k, None)
            else:
                entry[k] = v
    edit("greios.yaml", fn)


def test_the_bundled_pin_lands_in_the_lock(sites: Path, capsys: pytest.CaptureFixture[str]
                                           ) -> None:
    code, _, err = run(capsys, "render", "--sites", str(sites), "--site", "vyostok")
    assert code == 0, err
    assert _entry(sites, VYOS_PAIR) == {"a": "vyostok1", "b": "vyoshkg1", "tunnel": 0,
                                        "subnet": "192.168.0.0/30", "state": "active"}
    # the pinned number lies outside tunnels.numbers (100-199); the others are allocated in
    # it and around the pinned subnet
    lock = read_lock(sites / "greios.lock")
    others = [e for e in lock.entries.values() if e.key != VYOS_PAIR]
    assert others and all(100 <= e.tunnel <= 199 for e in others)
    assert all(not e.network.overlaps(lock.entries[VYOS_PAIR].network) for e in others)
    assert "outside the current tunnel pools" not in err


def test_pin_inside_the_range_is_reserved_before_new_pairs(sites: Path, edit: Edit,
                                                           capsys: pytest.CaptureFixture[str]
                                                           ) -> None:
    # tokyo <-> hongkong pinned to what the hub-and-spoke would otherwise take first
    _pin(edit, ["tokyo", "hongkong"], tunnel=100, subnet="192.168.0.4/30")
    code, _, err = run(capsys, "render", "--sites", str(sites), "--site", "tokyo")
    assert code == 0, err
    assert _entry(sites, "hongkong-rtr1--tokyo-rtr1")["subnet"] == "192.168.0.4/30"
    # singapore <-> sydney, declared first, did not take the pinned subnet
    assert _entry(sites, "singapore-rtr1--sydney-rtr1")["subnet"] == "192.168.0.8/30"


def test_pin_outside_the_pools_is_not_warned_about(sites: Path, edit: Edit,
                                                   capsys: pytest.CaptureFixture[str]) -> None:
    _pin(edit, ["vyostok", "vyoshkg"], subnet="10.255.0.0/31", tunnel=5000)
    code, out, err = run(capsys, "render", "--sites", str(sites), "--site", "vyostok")
    assert code == 0, err
    assert "set interfaces tunnel tun5000 address '10.255.0.0/31'" in out  # /31: a end .0
    assert _entry(sites, VYOS_PAIR)["tunnel"] == 5000
    assert _entry(sites, VYOS_PAIR)["subnet"] == "10.255.0.0/31"
    assert "outside the current tunnel pools" not in err


def test_changed_pin_renumbers_the_locked_pair(sites: Path, edit: Edit,
                                               capsys: pytest.CaptureFixture[str]) -> None:
    assert run(capsys, "render", "--sites", str(sites))[0] == 0
    _pin(edit, ["vyostok", "vyoshkg"], tunnel=7, subnet="192.168.0.252/30")
    code, out, err = run(capsys, "render", "--sites", str(sites), "--site", "vyostok")
    assert code == 0, err
    assert "set interfaces tunnel tun7 address '192.168.0.253/30'" in out
    assert _entry(sites, VYOS_PAIR)["tunnel"] == 7
    assert _entry(sites, VYOS_PAIR)["subnet"] == "192.168.0.252/30"
    # removing the pins later keeps what the lock holds (stable)
    _pin(edit, ["vyostok", "vyoshkg"], tunnel=None, subnet=None)
    code, out, err = run(capsys, "render", "--sites", str(sites), "--site", "vyostok")
    assert code == 0, err
    assert "tun7 address '192.168.0.253/30'" in out


BAD = [
    # (pins on the pair entry, field named in the message, message fragment)
    ({"tunnel": -1}, "tunnel", "greater than or equal to 0"),
    ({"tunnel": 2147483648}, "tunnel", "less than or equal to 2147483647"),
    ({"tunnel": "0"}, "tunnel", "valid integer"),
    ({"subnet": "192.168.0.0/29"}, "subnet", "a tunnel link is a /30 or a /31"),
    ({"subnet": "192.168.0.1/30"}, "subnet", "not an IPv4 link subnet"),
    ({"subnet": "fd00::/127"}, "subnet", "not an IPv4 link subnet"),
    ({"subnet": "172.16.0.0/30"}, "subnet",
     "pinned link subnet 172.16.0.0/30 of vyostok1 <-> vyoshkg1 overlaps LAN 172.16.0.0/24 "
     "of router 'vyostok1'"),
    ({"subnet": "10.111.147.0/30"}, "subnet", "overlaps the underlay subnet 10.111.147.0/24"),
]


@pytest.mark.parametrize(("pins", "field", "fragment"), BAD)
def test_bad_pins_are_refused_with_their_place(sites: Path, edit: Edit,
                                               capsys: pytest.CaptureFixture[str],
                                               pins: dict, field: str, fragment: str) -> None:
    _pin(edit, ["vyostok", "vyoshkg"], **pins)
    code, _, err = run(capsys, "validate", "--sites", str(sites))
    assert code != 0
    assert re.search(rf"greios\.yaml:\d+: topology\[\d\]\.{field}: .*{re.escape(fragment)}",
                     err), err


def test_pin_clashing_with_the_lock_names_the_pair(sites: Path, edit: Edit,
                                                   capsys: pytest.CaptureFixture[str]) -> None:
    assert run(capsys, "render", "--sites", str(sites))[0] == 0  # writes the lock
    _pin(edit, ["vyostok", "vyoshkg"], subnet="192.168.0.16/30")
    code, _, err = run(capsys, "validate", "--sites", str(sites))
    assert code != 0
    assert re.search(r"greios\.yaml:\d+: topology\[2\]\.subnet: 192\.168\.0\.16/30 overlaps "
                     r"192\.168\.0\.16/30 of pair hongkong-rtr1--tokyo-rtr1 of the lock file "
                     r"\(to readdress that pair, drop its entry", err), err
    _pin(edit, ["vyostok", "vyoshkg"], subnet=None)
    _pin(edit, ["osaka", "seoul"], tunnel=102)  # seoul-rtr1's Tunnel102 is singapore's
    code, _, err = run(capsys, "validate", "--sites", str(sites))
    assert code != 0
    assert re.search(r"greios\.yaml:\d+: topology\[3\]\.tunnel: tunnel 102 of router "
                     r"'seoul-rtr1' is already held by pair seoul-rtr1--singapore-rtr1 of the "
                     r"lock file", err), err


def test_two_pins_on_one_router_clash(sites: Path, edit: Edit,
                                      capsys: pytest.CaptureFixture[str]) -> None:
    def fn(d: dict) -> None:
        d["topology"].append({"pair": ["vyostok", "osaka"], "tunnel": 0,
                              "subnet": "192.168.0.0/31"})
    edit("greios.yaml", fn)
    code, _, err = run(capsys, "validate", "--sites", str(sites))
    assert code != 0
    assert re.search(r"topology\[4\]\.tunnel: tunnel 0 of router 'vyostok1' is already held "
                     r"by the pin of vyostok1 <-> vyoshkg1", err), err
    assert re.search(r"topology\[4\]\.subnet: 192\.168\.0\.0/31 overlaps 192\.168\.0\.0/30 of "
                     r"the pin of vyostok1 <-> vyoshkg1", err), err


def test_pin_needs_one_router_per_end(sites: Path, edit: Edit,
                                      capsys: pytest.CaptureFixture[str]) -> None:
    def fn(d: dict) -> None:
        d["routers"].append({**d["routers"][0], "name": "vyostok2",
                             "underlay": {"interface": "eth1", "address": "10.132.75.80/24"},
                             "lan": [{"prefix": "172.16.7.0/24", "interface": "eth0",
                                      "address": "172.16.7.1"}]})
        d["routers"][1]["management"] = {**d["routers"][0]["management"],
                                         "host": "192.0.2.99"}
    edit("vyostok.yaml", fn)
    code, _, err = run(capsys, "validate", "--sites", str(sites))
    assert code != 0
    assert re.search(r"greios\.yaml:\d+: topology\[2\]\.tunnel: a pinned tunnel and subnet "
                     r"needs one router on each end, but vyostok <-> vyoshkg makes 2 pairs",
                     err), err
    _pin(edit, ["vyostok", "vyoshkg"], pair=["vyostok/vyostok1", "vyoshkg"])
    code, _, err = run(capsys, "validate", "--sites", str(sites))
    assert code == 0, err


def test_pinned_pair_is_not_moved_off_a_tunnel_found_on_the_router() -> None:
    """Adoption: the pinned number is the existing tunnel itself; an unpinned pair whose
    number the router holds (not greios's) moves."""
    pinned = Pair(a="r1", b="r2", crypto="none", where=("topology", 0, "pair"), tunnel=0,
                  subnet="192.168.0.0/30")
    free = Pair(a="r1", b="r3", crypto="nge", where=("topology", 1, "pair"))
    result = allocate([pinned, free], Lock(), pools=["192.168.0.0/24"], link_prefix=30,
                      numbers=(0, 9))
    assert not result.problems and result.pinned == {pinned.key}
    got = {a.key: a for a in result.active}
    assert (got[pinned.key].tunnel, got[pinned.key].subnet) == (0, "192.168.0.0/30")
    assert (got[free.key].tunnel, got[free.key].subnet) == (1, "192.168.0.4/30")
    moved = avoid_taken(result, {"r1": {0, 1}}, (0, 9))
    after = {a.key: a for a in moved.active}
    assert after[pinned.key].tunnel == 0
    assert after[free.key].tunnel == 2


def test_pin_overrides_the_locked_values_of_its_own_pair() -> None:
    pinned = Pair(a="r1", b="r2", crypto="none", where=("topology", 0, "pair"), tunnel=3)
    old = Allocation(key=pinned.key, a="r1", b="r2", tunnel=100, subnet="192.168.0.8/30")
    result = allocate([pinned], Lock(entries={pinned.key: old}), pools=["192.168.0.0/24"],
                      link_prefix=30, numbers=(100, 199))
    (a,) = result.active
    assert (a.tunnel, a.subnet) == (3, "192.168.0.8/30")  # the subnet is not pinned: kept
    assert result.lock.entries[pinned.key].tunnel == 3
