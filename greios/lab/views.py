"""What the lab network computes per interface: views of interfaces, tunnels and routes."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from ipaddress import IPv4Address, IPv4Interface, IPv4Network, IPv6Address
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from greios.platforms.ios.configtree import Node


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
