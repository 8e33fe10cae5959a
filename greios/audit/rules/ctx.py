"""Per-device context shared by the dev/inv rules (derived facts computed once)."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from greios.audit.facts import DeviceFacts, NatMap
from greios.audit.negotiate import Endpoint, endpoint
from greios.devmodel.model import DeviceConfig, Interface, TransformSet


@dataclass
class DevCtx:
    cfg: DeviceConfig
    facts: DeviceFacts = field(default_factory=DeviceFacts)
    has_facts: bool = False
    #: values several rules derive per object (e.g. a tunnel's MTU), computed once
    memo: dict[str, Any] = field(default_factory=dict, repr=False)
    #: the inventory's static NATs of every router (None without inventory or NAT)
    nat: NatMap | None = None
    #: this device's tunnels whose peer is in the same audit (their IKE identities are then
    #: checked exactly, per pair: PAIR-009)
    paired: frozenset[str] = frozenset()

    @cached_property
    def endpoints(self) -> dict[str, Endpoint]:
        out: dict[str, Endpoint] = {}
        for t in self.cfg.tunnels:
            ep = endpoint(self.cfg, t.name)
            if ep is not None:
                out[t.name] = ep
        return out

    def protected(self, itf: Interface) -> bool:
        ep = self.endpoints.get(itf.name)
        return ep is not None and ep.ipsec

    def tunnel_ts(self, itf: Interface) -> tuple[TransformSet, ...]:
        ep = self.endpoints.get(itf.name)
        return ep.transform_sets if ep is not None else ()

    @cached_property
    def used_transform_sets(self) -> set[str]:
        used = {t for p in self.cfg.ipsec_profiles.values() for t in p.transform_sets}
        for maps in (self.cfg.crypto_maps, self.cfg.dynamic_maps):
            for entries in maps.values():
                for e in entries:
                    used.update(e.transform_sets)
        return used


def obj_if(itf: Interface) -> str:
    return f"interface {itf.name}"
