"""Expand the project's topology entries into router pairs.

Topology entries name sites (every router of the site takes part) or ``site/router``.
The first end of each pair is the "a" end: the first site of an explicit pair, the hub of
a hub-and-spoke, the earlier site of a full mesh. Pairs keep declaration order so that
allocation of new pairs is deterministic.
"""

from __future__ import annotations

from dataclasses import dataclass

from greios.inventory.load import Inventory
from greios.inventory.models import PLAIN_GRE, HubSpokeEntry, MeshEntry, PairEntry
from greios.inventory.yamlsrc import Path_

_KEY = __name__  # this module's entry in Inventory.derived


@dataclass(frozen=True)
class Pair:
    """One tunnel between two routers."""

    a: str  # router name
    b: str
    crypto: str  # crypto policy name, or ``none`` (PLAIN_GRE): plain GRE, no IPsec
    where: Path_  # YAML path of the topology entry that declared it
    #: pinned by the topology entry (brownfield adoption): the tunnel number on both
    #: routers and the link subnet; None: allocated (greios.allocate)
    tunnel: int | None = None
    subnet: str | None = None

    @property
    def pinned(self) -> bool:
        return self.tunnel is not None or self.subnet is not None

    @property
    def encrypted(self) -> bool:
        """False for a plain GRE pair (``crypto: none``): no IPsec, no crypto objects."""
        return self.crypto != PLAIN_GRE

    @property
    def key(self) -> str:
        """Orientation-independent identity: sorted router names joined by ``--``."""
        return pair_key(self.a, self.b)


def pair_key(a: str, b: str) -> str:
    """>>> pair_key("tokyo-rtr1", "hongkong-rtr1")
    'hongkong-rtr1--tokyo-rtr1'
    """
    x, y = sorted((a, b))
    return f"{x}--{y}"


def _resolve(inv: Inventory, ref: str, where: Path_, problems: list[str]) -> list[str]:
    site, _, router = ref.partition("/")
    if site in inv.broken_sites:
        return []  # its own schema errors are reported already
    if site not in inv.sites:
        known = ", ".join(sorted(inv.sites)) or "none"
        problems.append(
            f"{inv.project_doc.where(where)}: unknown site '{site}' (known sites: {known})"
        )
        return []
    names = [r.name for r in inv.site_routers(site)]
    if router:
        if router not in names:
            problems.append(
                f"{inv.project_doc.where(where)}: site '{site}' has no router '{router}' "
                f"(it has: {', '.join(names)})"
            )
            return []
        return [router]
    return names


def expand_topology(inv: Inventory) -> tuple[list[Pair], list[str]]:
    """Return the pairs and any problems (unknown sites/policies, self pairs, duplicates).

    The pairs of a valid topology are kept with the inventory (``inv.derived``): expanding
    it again costs nothing.
    """
    cached = inv.derived.get(_KEY)
    if isinstance(cached, list):
        return list(cached), []
    pairs, problems = _expand(inv)
    if not problems:
        inv.derived[_KEY] = list(pairs)
    return pairs, problems


def _expand(inv: Inventory) -> tuple[list[Pair], list[str]]:
    x = _Expansion(inv)
    project = inv.project
    if project.defaults.crypto not in (*project.crypto_policies, PLAIN_GRE):
        x.policy(project.defaults.crypto, ("defaults", "crypto"))
    for i, entry in enumerate(project.topology):
        base: Path_ = ("topology", i)
        if isinstance(entry, PairEntry):
            x.pair_entry(entry, base)
        elif isinstance(entry, HubSpokeEntry):
            x.hub_and_spoke(entry, base)
        elif isinstance(entry, MeshEntry):
            x.full_mesh(entry, base)
    return x.pairs, x.problems


class _Expansion:
    """The pairs of the topology entries so far, the problems found, the pairs seen."""

    def __init__(self, inv: Inventory) -> None:
        self.inv = inv
        self.doc = inv.project_doc
        self.problems: list[str] = []
        self.pairs: list[Pair] = []
        self.seen: dict[str, Path_] = {}

    def policy(self, name: str | None, where: Path_) -> str:
        project = self.inv.project
        chosen = name or project.defaults.crypto
        if chosen not in project.crypto_policies and chosen != PLAIN_GRE:
            known = ", ".join(sorted(project.crypto_policies))
            self.problems.append(
                f"{self.doc.where(where)}: unknown crypto policy '{chosen}' (defined: {known}; "
                f"or '{PLAIN_GRE}' for plain GRE)"
            )
        return chosen

    def crypto(self, name: str | None, where: Path_) -> str:
        """The entry's crypto policy (checked), or the project default."""
        return self.policy(name, where) if name else self.inv.project.defaults.crypto

    def resolve(self, ref: str, where: Path_) -> list[str]:
        return _resolve(self.inv, ref, where, self.problems)

    def add(self, a: str, b: str, crypto: str, where: Path_, *, tunnel: int | None = None,
            subnet: str | None = None) -> None:
        doc = self.doc
        if a == b:
            self.problems.append(f"{doc.where(where)}: router '{a}' cannot be paired with "
                                 "itself")
            return
        key = pair_key(a, b)
        if key in self.seen:
            self.problems.append(
                f"{doc.where(where)}: pair {a} <-> {b} is already declared at "
                f"line {doc.line_of(self.seen[key])}"
            )
            return
        self.seen[key] = where
        self.pairs.append(Pair(a=a, b=b, crypto=crypto, where=where, tunnel=tunnel,
                               subnet=subnet))

    def pair_entry(self, entry: PairEntry, base: Path_) -> None:
        crypto = self.crypto(entry.crypto, (*base, "crypto"))
        left = self.resolve(entry.pair[0], (*base, "pair", 0))
        right = self.resolve(entry.pair[1], (*base, "pair", 1))
        pins = [f for f in ("tunnel", "subnet") if getattr(entry, f) is not None]
        if pins and left and right and len(left) * len(right) != 1:
            self.problems.append(
                f"{self.doc.where((*base, pins[0]))}: a pinned {' and '.join(pins)} needs "
                f"one router on each end, but {entry.pair[0]} <-> {entry.pair[1]} makes "
                f"{len(left) * len(right)} pairs (name them as site/router)")
            return
        for a in left:
            for b in right:
                self.add(a, b, crypto, (*base, "pair"), tunnel=entry.tunnel,
                         subnet=entry.subnet)

    def hub_and_spoke(self, entry: HubSpokeEntry, base: Path_) -> None:
        body = entry.hub_and_spoke
        here: Path_ = (*base, "hub_and_spoke")
        crypto = self.crypto(body.crypto, (*here, "crypto"))
        hubs: list[str] = []
        for j, h in enumerate(body.hubs):
            if h in body.spokes:
                self.problems.append(
                    f"{self.doc.where((*here, 'hubs', j))}: site '{h}' is both a hub and a "
                    "spoke"
                )
            hubs += self.resolve(h, (*here, "hubs", j))
        for j, s in enumerate(body.spokes):
            for spoke in self.resolve(s, (*here, "spokes", j)):
                for hub in hubs:
                    self.add(hub, spoke, crypto, (*here, "spokes", j))

    def full_mesh(self, entry: MeshEntry, base: Path_) -> None:
        body = entry.full_mesh
        here: Path_ = (*base, "full_mesh")
        crypto = self.crypto(body.crypto, (*here, "crypto"))
        members: list[tuple[str, int]] = []
        for j, s in enumerate(body.sites):
            members += [(r, j) for r in self.resolve(s, (*here, "sites", j))]
        for x in range(len(members)):
            for y in range(x + 1, len(members)):
                a, ja = members[x]
                b, _ = members[y]
                self.add(a, b, crypto, (*here, "sites", ja))
