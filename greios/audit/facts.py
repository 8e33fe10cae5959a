"""Inventory facts the device config cannot tell (underlay MTU, NAT, software version)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from greios.devmodel.addr import canonical_ip


@dataclass(frozen=True)
class DeviceFacts:
    underlay_mtu: int = 1500
    behind_nat: bool = False
    ios_version: str | None = None  # e.g. "17.12.1"
    vyos_version: str | None = None  # e.g. "1.4" (VyOS routers)
    ipv6_underlay: bool = False
    #: static one-to-one NAT of the underlay (inventory ``behind_nat`` + ``public_address``):
    #: (public address, private underlay address); peers reach the router at the public one
    nat: tuple[str, str] | None = None


@dataclass(frozen=True)
class NatMap:
    """The static one-to-one NATs of an inventory (addresses in ``canonical_ip`` form).

    A packet sent to a public address arrives at the router's private one; a packet a NATed
    router sends from its private address leaves with the public one; the private address
    itself is not reachable from the other routers (as in the lab, ``LabNetwork.set_nat``).
    """

    to_private: Mapping[str, str] = field(default_factory=dict)  # public -> private
    to_public: Mapping[str, str] = field(default_factory=dict)  # private -> public

    def outside(self, addr: str | None) -> str | None:
        """The address the other routers see for a router's own ``addr`` (post-NAT source)."""
        if addr is None:
            return None
        return self.to_public.get(canonical_ip(addr), addr)

    def arrives(self, dest: str | None) -> str | None:
        """Where a packet sent to ``dest`` arrives: the private address behind a public one,
        ``dest`` itself when not NATed, None for a NATed router's private address."""
        if dest is None:
            return None
        key = canonical_ip(dest)
        if key in self.to_private:
            return self.to_private[key]
        return None if key in self.to_public else dest

    def public(self, addr: str | None) -> str | None:
        """The public address of a NATed router's private ``addr`` (None: not NATed)."""
        return self.to_public.get(canonical_ip(addr)) if addr is not None else None


def nat_map(facts: Mapping[str, DeviceFacts] | None) -> NatMap | None:
    """The NAT mappings of every router's facts; None when no router is behind NAT (then
    pairing and negotiation behave exactly as without inventory)."""
    pairs = [f.nat for f in (facts or {}).values() if f.nat is not None]
    if not pairs:
        return None
    return NatMap({canonical_ip(pub): canonical_ip(priv) for pub, priv in pairs},
                  {canonical_ip(priv): canonical_ip(pub) for pub, priv in pairs})


def nat_of(router: Any) -> tuple[str, str] | None:
    """(public, private) underlay address of an inventory router (``RouterInfo``) behind a
    static NAT, else None (the lab's ``LabRouterSpec.nat`` is the same mapping)."""
    underlay = router.model.underlay
    if not underlay.behind_nat or not underlay.public_address:
        return None
    private = str(underlay.ip)
    return None if canonical_ip(underlay.public_address) == canonical_ip(private) else (
        str(underlay.public_address), private)


def version_tuple(text: str | None) -> tuple[int, ...] | None:
    """'17.11.1a' -> (17, 11, 1); None when unparsable."""
    if not text:
        return None
    out: list[int] = []
    for part in text.replace("(", ".").split("."):
        digits = "".join(ch for ch in part if ch.isdigit()) if part[:1].isdigit() else ""
        if not digits:
            break
        out.append(int(digits))
    return tuple(out) or None
