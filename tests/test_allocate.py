"""Stable allocation: properties over random inventories changing over time."""

from __future__ import annotations

import ipaddress
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from greios.allocate import Lock, allocate, forget, read_lock, write_lock
from greios.topology import Pair

ROUTERS = [f"r{i}" for i in range(12)]
POOLS = ["10.255.0.0/26", "10.255.1.0/27"]


def pairs_of(edges: list[tuple[int, int]]) -> list[Pair]:
    out: list[Pair] = []
    seen = set()
    for x, y in edges:
        if x == y:
            continue
        p = Pair(a=ROUTERS[x], b=ROUTERS[y], crypto="nge", where=())
        if p.key in seen:
            continue
        seen.add(p.key)
        out.append(p)
    return out


edge = st.tuples(st.integers(0, 11), st.integers(0, 11))
inventories = st.lists(st.lists(edge, max_size=14), min_size=1, max_size=6)


@settings(max_examples=200, deadline=None)
@given(inventories, st.sampled_from([30, 31]))
def test_existing_pairs_never_move(history: list[list[tuple[int, int]]], prefix: int) -> None:
    lock = Lock()
    for step in history:
        pairs = pairs_of(step)
        res = allocate(pairs, lock, pools=POOLS, link_prefix=prefix, numbers=(100, 199))
        for key, old in lock.entries.items():
            new = res.lock.entries[key]
            assert (new.tunnel, new.subnet, new.a, new.b) == (old.tunnel, old.subnet, old.a,
                                                              old.b)
        active = {a.key for a in res.active}
        wanted = {p.key for p in pairs}
        assert active <= wanted
        assert len(wanted - active) == len(res.problems)  # only exhaustion leaves one out
        # subnets unique overlay-wide, numbers unique per router, both ends mirror
        nets = [ipaddress.IPv4Network(e.subnet) for e in res.lock.entries.values()]
        assert len(nets) == len(set(nets))
        for i, n in enumerate(nets):
            assert not any(n.overlaps(m) for m in nets[i + 1:])
        per_router: dict[str, list[int]] = {}
        for e in res.lock.entries.values():
            per_router.setdefault(e.a, []).append(e.tunnel)
            per_router.setdefault(e.b, []).append(e.tunnel)
            assert e.address_of(e.a) != e.address_of(e.b)
            assert e.address_of(e.a) in e.network and e.address_of(e.b) in e.network
            assert e.peer_of(e.a) == e.b and e.peer_of(e.b) == e.a
        for nums in per_router.values():
            assert len(nums) == len(set(nums))
        lock = res.lock


@settings(max_examples=100, deadline=None)
@given(st.lists(edge, min_size=1, max_size=14), st.randoms())
def test_allocation_is_deterministic(edges: list[tuple[int, int]], rnd) -> None:
    pairs = pairs_of(edges)
    a = allocate(pairs, Lock(), pools=POOLS, link_prefix=30, numbers=(100, 199))
    b = allocate(pairs, Lock(), pools=POOLS, link_prefix=30, numbers=(100, 199))
    assert a.lock.to_yaml() == b.lock.to_yaml()


def test_removed_pair_is_retired_and_keeps_its_numbers() -> None:
    p1 = Pair("tokyo", "hongkong", "nge", ())
    p2 = Pair("singapore", "sydney", "nge", ())
    first = allocate([p1, p2], Lock(), pools=["192.168.0.0/24"], link_prefix=30,
                     numbers=(100, 199))
    assert [(a.tunnel, a.subnet) for a in first.active] == [(100, "192.168.0.0/30"),
                                                            (100, "192.168.0.4/30")]
    second = allocate([p2], first.lock, pools=["192.168.0.0/24"], link_prefix=30,
                      numbers=(100, 199))
    assert [r.key for r in second.retired] == [p1.key]
    p3 = Pair("tokyo", "seoul", "nge", ())
    third = allocate([p2, p3], second.lock, pools=["192.168.0.0/24"], link_prefix=30,
                     numbers=(100, 199))
    new = third.lock.entries[p3.key]
    assert new.subnet == "192.168.0.8/30"  # .0/30 stays reserved while retired
    assert new.tunnel == 101  # tokyo's Tunnel100 is still reserved
    cleaned = forget(third.lock, [p1.key])
    assert p1.key not in cleaned.entries


def test_swapped_pair_order_keeps_orientation() -> None:
    res = allocate([Pair("tokyo", "hongkong", "nge", ())], Lock(), pools=["192.168.0.0/24"],
                   link_prefix=30, numbers=(100, 199))
    again = allocate([Pair("hongkong", "tokyo", "nge", ())], res.lock, pools=["192.168.0.0/24"],
                     link_prefix=30, numbers=(100, 199))
    e = again.active[0]
    assert (e.a, str(e.address_of("tokyo"))) == ("tokyo", "192.168.0.1")


def test_slash31_addresses() -> None:
    res = allocate([Pair("a1", "b1", "nge", ())], Lock(), pools=["10.0.0.0/30"],
                   link_prefix=31, numbers=(1, 2))
    e = res.active[0]
    assert (str(e.address_of("a1")), str(e.address_of("b1"))) == ("10.0.0.0", "10.0.0.1")


def test_lock_round_trip(tmp_path: Path) -> None:
    pairs = [Pair("tokyo", "hongkong", "nge", ()), Pair("a", "b", "nge", ())]
    res = allocate(pairs, Lock(), pools=["192.168.0.0/24"], link_prefix=30, numbers=(100, 199))
    path = tmp_path / "greios.lock"
    assert write_lock(path, res.lock) is True
    assert write_lock(path, res.lock) is False  # unchanged -> untouched
    assert read_lock(path).entries == res.lock.entries
