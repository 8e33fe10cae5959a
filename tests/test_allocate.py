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


# ----------------------------------------------------------------- indexed allocation (#13)


def reference_allocate(pairs: list[Pair], lock: Lock, pools: list[str], prefix: int,
                       numbers: tuple[int, int]) -> dict[str, tuple[int, str]]:
    """The original quadratic algorithm: every candidate subnet against every used one,
    every number from the bottom of the range. The indexed one must give the same result."""
    entries = {k: (e.a, e.b, e.tunnel, e.subnet) for k, e in lock.entries.items()}
    used_nets = {ipaddress.IPv4Network(e[3]) for e in entries.values()}
    used_numbers: dict[str, set[int]] = {}
    for a, b, n, _ in entries.values():
        used_numbers.setdefault(a, set()).add(n)
        used_numbers.setdefault(b, set()).add(n)

    def free_subnets():  # type: ignore[no-untyped-def]
        for pool in pools:
            net = ipaddress.IPv4Network(pool)
            if net.prefixlen > prefix:
                continue
            for sub in net.subnets(new_prefix=prefix):
                if not any(sub.overlaps(u) for u in used_nets):
                    yield sub

    gen = iter(free_subnets())
    out = {k: (e[2], e[3]) for k, e in entries.items()}
    for p in pairs:
        if p.key in out:
            continue
        taken = used_numbers.get(p.a, set()) | used_numbers.get(p.b, set())
        number = next((n for n in range(numbers[0], numbers[1] + 1) if n not in taken), None)
        if number is None:
            continue
        subnet = next(gen, None)
        if subnet is None:
            continue
        used_nets.add(subnet)
        used_numbers.setdefault(p.a, set()).add(number)
        used_numbers.setdefault(p.b, set()).add(number)
        out[p.key] = (number, str(subnet))
    return out


pool_sets = st.sampled_from([
    ["10.255.0.0/26", "10.255.1.0/27"],
    ["10.0.0.0/29", "10.0.0.0/28", "10.0.1.0/30"],  # overlapping pools, a tiny one
    ["192.168.0.0/31", "192.168.1.0/28"],  # a pool smaller than a /30 link
])


@settings(max_examples=200, deadline=None)
@given(inventories, st.sampled_from([30, 31]), pool_sets,
       st.sampled_from([(100, 199), (0, 3), (7, 7)]))
def test_indexed_allocation_equals_the_reference(history: list[list[tuple[int, int]]],
                                                 prefix: int, pools: list[str],
                                                 numbers: tuple[int, int]) -> None:
    lock = Lock()
    for step in history:
        pairs = pairs_of(step)
        expected = reference_allocate(pairs, lock, pools, prefix, numbers)
        res = allocate(pairs, lock, pools=pools, link_prefix=prefix, numbers=numbers)
        got = {k: (e.tunnel, e.subnet) for k, e in res.lock.entries.items()}
        assert got == expected
        lock = res.lock


def test_first_allocation_of_a_100_site_mesh_compares_no_subnet_pairs(monkeypatch) -> None:
    """4,950 pairs: the original compared every candidate with every used subnet (12 million
    overlap checks, 38 s). The indexed allocation never calls ``overlaps``."""
    calls = 0
    real = ipaddress.IPv4Network.overlaps

    def counted(self, other):  # type: ignore[no-untyped-def]
        nonlocal calls
        calls += 1
        if calls > 10_000:
            raise AssertionError("allocation compares subnets pairwise")
        return real(self, other)

    monkeypatch.setattr(ipaddress.IPv4Network, "overlaps", counted)
    routers = [f"s{i:03d}-rtr1" for i in range(100)]
    pairs = [Pair(routers[x], routers[y], "nge", ()) for x in range(100) for y in range(x + 1, 100)]
    res = allocate(pairs, Lock(), pools=["192.168.0.0/16"], link_prefix=30, numbers=(100, 9999))
    assert len(res.active) == 4950 and not res.problems
    assert len({e.subnet for e in res.active}) == 4950
    per_router: dict[str, set[int]] = {}
    for e in res.active:
        for end in (e.a, e.b):
            assert e.tunnel not in per_router.setdefault(end, set())
            per_router[end].add(e.tunnel)
    assert max(max(v) for v in per_router.values()) <= 100 + 2 * 99


def test_lock_entry_network_is_parsed_once(tmp_path: Path) -> None:
    res = allocate([Pair("tokyo", "hongkong", "nge", ())], Lock(), pools=["192.168.0.0/24"],
                   link_prefix=30, numbers=(100, 199))
    write_lock(tmp_path / "greios.lock", res.lock)
    e = read_lock(tmp_path / "greios.lock").entries["hongkong--tokyo"]
    assert e.network is e.network  # cached, not re-parsed on every use
