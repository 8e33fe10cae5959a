"""Group routers into apply batches so both ends of every tunnel pair run together."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class Batch:
    routers: tuple[str, ...]
    oversized: bool = False  # one connected component larger than the parallelism

    @property
    def workers(self) -> int:
        return max(1, len(self.routers))


def components(routers: Sequence[str], pairs: Iterable[tuple[str, str]]) -> list[list[str]]:
    """Connected components of ``routers`` under ``pairs`` (routers outside are ignored).

    >>> components(["a", "b", "c", "d"], [("a", "b"), ("b", "c"), ("x", "d")])
    [['a', 'b', 'c'], ['d']]
    """
    index = {r: i for i, r in enumerate(routers)}
    parent = list(range(len(routers)))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    for a, b in pairs:
        if a in index and b in index:
            ra, rb = find(index[a]), find(index[b])
            if ra != rb:
                parent[max(ra, rb)] = min(ra, rb)
    groups: dict[int, list[str]] = {}
    for r in routers:
        groups.setdefault(find(index[r]), []).append(r)
    return list(groups.values())


def make_batches(routers: Sequence[str], pairs: Iterable[tuple[str, str]],
                 parallelism: int) -> list[Batch]:
    """Pack components into batches of at most ``parallelism`` routers (first-fit decreasing).

    A component larger than ``parallelism`` becomes a batch of its own (``oversized``): its
    routers must run together because each waits for its peers before the tunnel checks.

    >>> [b.routers for b in make_batches(list("abcde"), [("a", "b"), ("c", "d")], 3)]
    [('a', 'b', 'e'), ('c', 'd')]
    """
    if parallelism < 1:
        raise ValueError("parallelism must be >= 1")
    order = {r: i for i, r in enumerate(routers)}
    comps = sorted(components(routers, pairs), key=lambda c: (-len(c), order[c[0]]))
    bins: list[list[str]] = []
    out: list[Batch] = []
    for comp in comps:
        if len(comp) > parallelism:
            out.append(Batch(tuple(comp), oversized=True))
            continue
        for b in bins:
            if len(b) + len(comp) <= parallelism:
                b.extend(comp)
                break
        else:
            bins.append(list(comp))
    out.extend(Batch(tuple(sorted(b, key=order.__getitem__))) for b in bins)
    return sorted(out, key=lambda b: order[b.routers[0]])
