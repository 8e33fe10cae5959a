"""Expand the project's topology entries into router pairs.

Topology entries name sites (every router of the site takes part) or ``site/router``.
The first end of each pair is the "a" end: the first site of an explicit pair, the hub of
a hub-and-spoke, the earlier site of a full mesh. Pairs keep declaration order so that
allocation of new pairs is deterministic.
"""

from __future__ import annotations

from dataclasses import dataclass

from greios.inventory.load import Inventory
from greios.inventory.models import HubSpokeEntry, MeshEntry, PairEntry
from greios.inventory.yamlsrc import Path_


@dataclass(frozen=True)
class Pair:
    """One tunnel between two routers."""

    a: str  # router name
    b: str
    crypto: str  # crypto policy name
    where: Path_  # YAML path of the topology entry that declared it

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

    The pairs of a valid topology are kept on the inventory (``inv.pairs``): expanding it
    again costs nothing.
    """
    if inv.pairs is not None:
        return list(inv.pairs), []
    pairs, problems = _expand(inv)
    if not problems:
        inv.pairs = list(pairs)
    return pairs, problems


def _expand(inv: Inventory) -> tuple[list[Pair], list[str]]:
    problems: list[str] = []
    pairs: list[Pair] = []
    seen: dict[str, Path_] = {}
    project = inv.project
    doc = inv.project_doc

    def policy(name: str | None, where: Path_) -> str:
        chosen = name or project.defaults.crypto
        if chosen not in project.crypto_policies:
            known = ", ".join(sorted(project.crypto_policies))
            problems.append(
                f"{doc.where(where)}: unknown crypto policy '{chosen}' (defined: {known})"
            )
        return chosen

    def add(a: str, b: str, crypto: str, where: Path_) -> None:
        if a == b:
            problems.append(f"{doc.where(where)}: router '{a}' cannot be paired with itself")
            return
        key = pair_key(a, b)
        if key in seen:
            problems.append(
                f"{doc.where(where)}: pair {a} <-> {b} is already declared at "
                f"line {doc.line_of(seen[key])}"
            )
            return
        seen[key] = where
        pairs.append(Pair(a=a, b=b, crypto=crypto, where=where))

    if project.defaults.crypto not in project.crypto_policies:
        policy(project.defaults.crypto, ("defaults", "crypto"))

    for i, entry in enumerate(project.topology):
        base: Path_ = ("topology", i)
        if isinstance(entry, PairEntry):
            crypto = policy(entry.crypto, (*base, "crypto")) if entry.crypto else \
                project.defaults.crypto
            left = _resolve(inv, entry.pair[0], (*base, "pair", 0), problems)
            right = _resolve(inv, entry.pair[1], (*base, "pair", 1), problems)
            for a in left:
                for b in right:
                    add(a, b, crypto, (*base, "pair"))
        elif isinstance(entry, HubSpokeEntry):
            body = entry.hub_and_spoke
            crypto = policy(body.crypto, (*base, "hub_and_spoke", "crypto")) if body.crypto \
                else project.defaults.crypto
            hubs: list[str] = []
            for j, h in enumerate(body.hubs):
                if h in body.spokes:
                    problems.append(
                        f"{doc.where((*base, 'hub_and_spoke', 'hubs', j))}: site '{h}' is "
                        "both a hub and a spoke"
                    )
                hubs += _resolve(inv, h, (*base, "hub_and_spoke", "hubs", j), problems)
            for j, s in enumerate(body.spokes):
                for spoke in _resolve(inv, s, (*base, "hub_and_spoke", "spokes", j), problems):
                    for hub in hubs:
                        add(hub, spoke, crypto, (*base, "hub_and_spoke", "spokes", j))
        elif isinstance(entry, MeshEntry):
            body_m = entry.full_mesh
            crypto = policy(body_m.crypto, (*base, "full_mesh", "crypto")) if body_m.crypto \
                else project.defaults.crypto
            members: list[tuple[str, int]] = []
            for j, s in enumerate(body_m.sites):
                members += [(r, j) for r in _resolve(inv, s, (*base, "full_mesh", "sites", j),
                                                     problems)]
            for x in range(len(members)):
                for y in range(x + 1, len(members)):
                    a, ja = members[x]
                    b, _ = members[y]
                    add(a, b, crypto, (*base, "full_mesh", "sites", ja))
    return pairs, problems
