"""What the lab network computes per interface: views of interfaces, tunnels and routes."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from ipaddress import IPv4Address, IPv4Interface, IPv4Network, IPv6Address
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from collections.abc import Callable

    from greios.platforms.ios.configtree import Node


def per_generation(device: Any, slot: str, make: Callable[[], Any]) -> Any:
    """``make()``, remembered on ``device`` itself until its ``generation`` changes.

    Kept on the device, not in a table keyed by ``id(device)``: a new device can get a
    freed one's id, and with the same generation it would be handed the other's result
    (a tunnel up because a device of an earlier lab or test had a mirrored peer)."""
    memo = device.__dict__.get(slot)
    if memo is not None and memo[0] == device.generation:
        return memo[1]
    value = make()
    device.__dict__[slot] = (device.generation, value)
    return value


@dataclass
class TunnelView:
    source: str | None = None  # interface name or IP as configured
    destination: str | None = None
    mode: str = "gre ip"
    vrf: str | None = None
    protection: str | None = None  # IPsec profile name
    key: int | None = None
    keepalive: bool = False
    source_ip: IPv4Address | IPv6Address | None = None
    source_if: str | None = None
    reason: str = ""  # why the line protocol is down ("" when up)


@dataclass
class IfView:
    name: str
    node: Node
    shutdown: bool = False
    addresses: list[IPv4Interface] = field(default_factory=list)
    ipv6: list[str] = field(default_factory=list)
    vrf: str | None = None
    description: str | None = None
    ip_mtu: int | None = None
    mtu: int = 1500
    bw_kbit: int = 1000000
    status: str = "up"
    protocol: str = "up"
    tunnel: TunnelView | None = None

    @property
    def up(self) -> bool:
        return self.status == "up" and self.protocol == "up"

    @property
    def mac(self) -> str:
        h = hashlib.sha256(self.name.encode()).hexdigest()
        return f"5254.{h[:4]}.{h[4:8]}"

    @property
    def effective_ip_mtu(self) -> int:
        if self.ip_mtu is not None:
            return self.ip_mtu
        if self.tunnel is not None:
            return 1476 if self.tunnel.protection is None else 1400
        return self.mtu


@dataclass
class Route:
    prefix: IPv4Network
    vrf: str | None
    interface: str | None
    next_hop: IPv4Address | None
    kind: str  # "connected" | "static"
