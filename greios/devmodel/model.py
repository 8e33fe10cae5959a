"""Typed, frozen model of the parts of an IOS running-config the audit needs.

Cheap to build (plain ``slots`` dataclasses, addresses as :mod:`ipaddress` objects). Every
object keeps the 1-based ``line`` of its header in the source file. PSKs are only held as
:class:`~greios.devmodel.secrets.Psk` (salted digest + metadata).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from ipaddress import IPv4Address, IPv4Interface, IPv4Network, IPv6Address, IPv6Interface
from types import MappingProxyType
from typing import Any, TypeVar

from greios.devmodel.addr import Net, canonical_ip
from greios.devmodel.secrets import Psk

ANY_NET = IPv4Network("0.0.0.0/0")
M = TypeVar("M")


@dataclass(frozen=True, slots=True)
class OspfIf:
    """OSPF settings of one interface (``ip ospf ...``)."""

    network_type: str | None = None
    process: int | None = None
    area: str | None = None
    hello: int | None = None
    dead: int | None = None
    mtu_ignore: bool = False
    cost: int | None = None


# The settings of an interface without ``ip ospf`` lines: one shared (frozen) value, not a
# new one per interface
NO_OSPF = OspfIf()


@dataclass(frozen=True, slots=True)
class Tunnel:
    """The ``tunnel ...`` lines of a tunnel interface."""

    source: str | None = None  # interface name or IP literal
    destination: str | None = None
    mode: str = "gre ip"  # IOS default, not displayed
    key: int | None = None
    checksum: bool = False
    sequence: bool = False
    vrf: str | None = None
    protection: str | None = None  # ipsec profile name
    protection_shared: bool = False
    pmtud: bool = False

    @property
    def is_vti(self) -> bool:
        return self.mode.startswith("ipsec")

    @property
    def dest_address(self) -> str | None:
        """``destination`` in the spelling addresses are compared in (IPv6: canonical, so
        that IOS's upper-case display equals any other spelling)."""
        return canonical_ip(self.destination) if self.destination is not None else None

    @property
    def multipoint(self) -> bool:
        return "multipoint" in self.mode

    @property
    def is_gre(self) -> bool:
        return self.mode.startswith("gre")

    @property
    def ipv6_transport(self) -> bool:
        return self.mode in ("gre ipv6", "ipsec ipv6")


@dataclass(frozen=True, slots=True)
class Interface:
    """One ``interface`` block."""

    name: str
    line: int
    description: str | None = None
    address: IPv4Interface | None = None
    secondary: tuple[IPv4Interface, ...] = ()
    unnumbered: str | None = None
    ipv6: tuple[str, ...] = ()
    ipv6_enabled: bool = False
    vrf: str | None = None
    shutdown: bool = False
    mtu: int | None = None
    ip_mtu: int | None = None
    tcp_mss: int | None = None
    ipv6_mtu: int | None = None
    ipv6_mss: int | None = None
    crypto_map: str | None = None
    ospf: OspfIf = NO_OSPF
    isis: bool = False
    keepalive: tuple[int, int] | None = None  # (period, retries)
    tunnel: Tunnel | None = None

    @property
    def is_tunnel(self) -> bool:
        return self.tunnel is not None

    def addresses(self) -> tuple[IPv4Interface, ...]:
        return ((self.address,) if self.address else ()) + self.secondary

    def ipv6_addresses(self) -> tuple[IPv6Interface, ...]:
        """The global/link-local ``ipv6 address`` values that are literals (not
        ``autoconfig``, ``dhcp`` or general-prefix forms)."""
        out: list[IPv6Interface] = []
        for text in self.ipv6:
            try:
                out.append(IPv6Interface(text))
            except ValueError:
                continue
        return tuple(out)


@dataclass(frozen=True, slots=True)
class IsakmpPolicy:
    """``crypto isakmp policy N`` (IKEv1 phase 1 proposal)."""

    priority: int
    line: int
    encryption: str = "3des"  # des | 3des | aes
    keylen: int | None = None  # aes key length (128 when not shown)
    hash: str = "sha"
    auth: str = "pre-share"
    group: int = 2
    lifetime: int = 86400
    explicit: frozenset[str] = frozenset()  # which fields appeared in the config

    @property
    def suite(self) -> tuple[str, int | None, str, str, int]:
        return (self.encryption, self.keylen, self.hash, self.auth, self.group)


@dataclass(frozen=True, slots=True)
class IsakmpKey:
    """``crypto isakmp key ... address ...`` (global IKEv1 PSK)."""

    psk: Psk
    line: int
    network: Net | None = None  # None for hostname keys
    hostname: str | None = None


@dataclass(frozen=True, slots=True)
class KeyringKey:
    """A ``pre-shared-key`` of an IKEv1 keyring."""

    network: Net | None
    psk: Psk
    line: int
    hostname: str | None = None


@dataclass(frozen=True, slots=True)
class Keyring:
    """``crypto keyring NAME`` (IKEv1)."""

    name: str
    line: int
    vrf: str | None = None
    keys: tuple[KeyringKey, ...] = ()
    local_address: str | None = None


@dataclass(frozen=True, slots=True)
class IsakmpProfile:
    """``crypto isakmp profile NAME``."""

    name: str
    line: int
    keyrings: tuple[str, ...] = ()
    identities: tuple[tuple[Net, str | None], ...] = ()  # (network, fvrf)
    keepalive: tuple[int, int] | None = None
    local_address: str | None = None
    vrf: str | None = None  # IVRF


@dataclass(frozen=True, slots=True)
class Ikev2Proposal:
    """``crypto ikev2 proposal NAME``."""

    name: str
    line: int
    encryption: tuple[str, ...] = ()
    integrity: tuple[str, ...] = ()
    prf: tuple[str, ...] = ()
    group: tuple[int, ...] = ()


@dataclass(frozen=True, slots=True)
class Ikev2Policy:
    """``crypto ikev2 policy NAME``."""

    name: str
    line: int
    proposals: tuple[str, ...] = ()
    match_fvrf: str | None = None  # None = global only, "any"
    match_local: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Ikev2Peer:
    """A ``peer`` of an IKEv2 keyring."""

    name: str
    line: int
    network: Net | None = None
    hostname: str | None = None
    identity: str | None = None
    psk_local: Psk | None = None
    psk_remote: Psk | None = None


@dataclass(frozen=True, slots=True)
class Ikev2Keyring:
    """``crypto ikev2 keyring NAME``."""

    name: str
    line: int
    peers: tuple[Ikev2Peer, ...] = ()


@dataclass(frozen=True, slots=True)
class Ikev2Profile:
    """``crypto ikev2 profile NAME``."""

    name: str
    line: int
    match_remote: tuple[Net, ...] = ()
    match_remote_other: tuple[str, ...] = ()  # fqdn/key-id/email identities
    match_fvrf: str | None = None
    match_local: tuple[str, ...] = ()
    identity_local: str | None = None
    auth_local: tuple[str, ...] = ()
    auth_remote: tuple[str, ...] = ()
    keyring: str | None = None
    lifetime: int = 86400
    lifetime_explicit: bool = False
    dpd: tuple[int, int, str] | None = None
    ivrf: str | None = None


@dataclass(frozen=True, slots=True)
class TransformSet:
    """``crypto ipsec transform-set NAME ...``."""

    name: str
    line: int
    transforms: tuple[str, ...] = ()
    mode: str = "tunnel"
    require: bool = False

    @property
    def esp_cipher(self) -> tuple[str, int | None] | None:
        """(cipher keyword, key bits) of the ESP encryption transform."""
        for i, t in enumerate(self.transforms):
            if t.startswith("esp-") and not t.endswith("-hmac"):
                bits = None
                if i + 1 < len(self.transforms) and self.transforms[i + 1].isdigit():
                    bits = int(self.transforms[i + 1])
                return (t, bits)
        return None

    @property
    def esp_integrity(self) -> str | None:
        return next((t for t in self.transforms if t.startswith("esp-") and t.endswith("hmac")),
                    None)

    @property
    def ah(self) -> str | None:
        return next((t for t in self.transforms if t.startswith("ah-")), None)

    @property
    def signature(self) -> tuple[object, ...]:
        """What phase 2 compares: cipher+bits (aes default 128), integrity, AH."""
        c = self.esp_cipher
        if c is not None and c[1] is None and c[0] in ("esp-aes", "esp-gcm", "esp-gmac"):
            c = (c[0], 128)
        return (c, self.esp_integrity, self.ah)


@dataclass(frozen=True, slots=True)
class IpsecProfile:
    """``crypto ipsec profile NAME``."""

    name: str
    line: int
    transform_sets: tuple[str, ...] = ()
    pfs: str | None = None  # e.g. "group14"
    lifetime_s: int | None = None
    lifetime_kb: int | None = None
    isakmp_profile: str | None = None
    ikev2_profile: str | None = None


@dataclass(frozen=True, slots=True)
class CryptoMapEntry:
    """One ``crypto map NAME SEQ`` entry (static or dynamic)."""

    name: str
    seq: int
    line: int
    kind: str = "ipsec-isakmp"  # ipsec-isakmp | ipsec-manual | gdoi | dynamic-ref | dynamic
    dynamic_map: str | None = None  # for `ipsec-isakmp dynamic D`
    peers: tuple[str, ...] = ()
    transform_sets: tuple[str, ...] = ()
    pfs: str | None = None
    isakmp_profile: str | None = None
    ikev2_profile: str | None = None
    acl: str | None = None
    lifetime_s: int | None = None
    lifetime_kb: int | None = None


@dataclass(frozen=True, slots=True)
class AclEntry:
    """One entry of an access list."""

    action: str  # permit | deny | remark
    protocol: str
    src: IPv4Network | None  # None = could not decode (object-group, ...)
    dst: IPv4Network | None
    line: int


@dataclass(frozen=True, slots=True)
class Acl:
    """An access list (named or numbered)."""

    name: str
    line: int
    entries: Sequence[AclEntry] = ()  # a tuple or a lazy :class:`~greios.devmodel.acl.AclEntries`

    def permits(self, protocol: str, src: IPv4Address, dst: IPv4Address) -> bool:
        """First-match evaluation for one flow (``protocol`` e.g. "gre")."""
        for e in self.entries:
            if e.action == "remark" or e.src is None or e.dst is None:
                continue
            if e.protocol not in ("ip", protocol):
                continue
            if src in e.src and dst in e.dst:
                return e.action == "permit"
        return False


@dataclass(frozen=True, slots=True)
class StaticRoute:
    """``ip route`` / ``ipv6 route``."""

    prefix: Net  # `ip route` or `ipv6 route`
    line: int
    vrf: str | None = None
    next_hop: IPv4Address | IPv6Address | None = None
    interface: str | None = None
    distance: int = 1


@dataclass(frozen=True, slots=True)
class OspfProcess:
    """``router ospf N``."""

    process: int
    line: int
    vrf: str | None = None
    router_id: str | None = None
    networks: tuple[tuple[IPv4Network, str], ...] = ()  # (network from addr+wildcard, area)
    passive: tuple[str, ...] = ()
    passive_default: bool = False


@dataclass(frozen=True, slots=True)
class EigrpProcess:
    """``router eigrp N``."""

    asn: str
    line: int
    networks: tuple[IPv4Network, ...] = ()


@dataclass(frozen=True, slots=True)
class BgpProcess:
    """``router bgp N``."""

    asn: str
    line: int
    neighbors: tuple[tuple[str, str | None], ...] = ()  # (address, remote-as)
    networks: tuple[IPv4Network, ...] = ()


@dataclass(frozen=True, slots=True)
class DeviceConfig:
    """One router's configuration as the audit and the lab read it."""

    hostname: str
    source: str | None = None
    lines: int = 0
    version: str | None = None
    interfaces: Mapping[str, Interface] = field(default_factory=dict)
    isakmp_policies: tuple[IsakmpPolicy, ...] = ()  # sorted by priority
    isakmp_keys: tuple[IsakmpKey, ...] = ()
    isakmp_keepalive: tuple[int, int] | None = None
    aggressive_mode_disabled: bool = False
    keyrings: Mapping[str, Keyring] = field(default_factory=dict)
    isakmp_profiles: Mapping[str, IsakmpProfile] = field(default_factory=dict)
    ikev2_proposals: Mapping[str, Ikev2Proposal] = field(default_factory=dict)
    ikev2_policies: Mapping[str, Ikev2Policy] = field(default_factory=dict)
    ikev2_keyrings: Mapping[str, Ikev2Keyring] = field(default_factory=dict)
    ikev2_profiles: Mapping[str, Ikev2Profile] = field(default_factory=dict)
    transform_sets: Mapping[str, TransformSet] = field(default_factory=dict)
    ipsec_profiles: Mapping[str, IpsecProfile] = field(default_factory=dict)
    crypto_maps: Mapping[str, tuple[CryptoMapEntry, ...]] = field(default_factory=dict)
    dynamic_maps: Mapping[str, tuple[CryptoMapEntry, ...]] = field(default_factory=dict)
    acls: Mapping[str, Acl] = field(default_factory=dict)
    static_routes: tuple[StaticRoute, ...] = ()
    # False: the platform's parser does not read its routes (kept out of the model dumps)
    routes_known: bool = field(default=True, compare=False)
    ospf: tuple[OspfProcess, ...] = ()
    eigrp: tuple[EigrpProcess, ...] = ()
    bgp: tuple[BgpProcess, ...] = ()
    password_encryption_aes: bool = False
    scp_server: bool = False
    archive: bool = False
    file_prompt_quiet: bool = False
    compliance_shield_disabled: bool = False
    hostname_line: int | None = None
    warnings: tuple[str, ...] = ()
    # derived values, computed once (the audit asks for them per rule and per interface)
    _memo: dict[str, Any] = field(default_factory=dict, init=False, repr=False, compare=False)

    @property
    def tunnels(self) -> tuple[Interface, ...]:
        got: tuple[Interface, ...] | None = self._memo.get("tunnels")
        if got is None:
            got = self._memo["tunnels"] = tuple(i for i in self.interfaces.values()
                                                if i.tunnel is not None)
        return got

    def memo(self, key: str, make: Callable[[], M]) -> M:
        """A derived value (index) computed once per config by ``make``."""
        try:
            got: M = self._memo[key]
        except KeyError:
            got = self._memo[key] = make()
        return got

    def tunnel_source_address(self, itf: Interface) -> str | None:
        """The outer source address of a tunnel (interface form -> its primary address of
        the transport family: IPv6 for `tunnel mode gre ipv6` / `ipsec ipv6`)."""
        t = itf.tunnel
        if t is None or t.source is None:
            return None
        # a function of the source and family alone: once per source
        key = f"source:{t.source}:{6 if t.ipv6_transport else 4}"
        try:
            got: str | None = self._memo[key]
        except KeyError:
            got = self._memo[key] = self._source_address(t.source, t.ipv6_transport)
        return got

    def _source_address(self, source: str, v6: bool = False) -> str | None:
        src = self.interfaces.get(source)
        if src is not None:
            if v6:
                glob = [a for a in src.ipv6_addresses() if not a.ip.is_link_local]
                return str(glob[0].ip) if glob else None
            return str(src.address.ip) if src.address else None
        if _looks_like_ip(source):
            return source
        if ":" in source:
            return canonical_ip(source)
        return None

    def local_addresses(self, vrf: str | None = None) -> Mapping[str, str]:
        """address -> interface name for every IPv4 and IPv6 address (IPv6 in
        :func:`~greios.devmodel.addr.canonical_ip` spelling) in ``vrf`` (None = global);
        read-only, cached per VRF."""
        key = f"local:{vrf}" if vrf is not None else "local"
        out: dict[str, str] | None = self._memo.get(key)
        if out is None:
            out = self._memo[key] = {}
            for itf in self.interfaces.values():
                if itf.vrf == vrf:
                    for a in itf.addresses():
                        out[str(a.ip)] = itf.name
                    for a6 in itf.ipv6_addresses():
                        out[str(a6.ip)] = itf.name
        return MappingProxyType(out)  # the memo stays a plain (picklable) dict


def _looks_like_ip(text: str) -> bool:
    parts = text.split(".")
    return len(parts) == 4 and all(p.isdigit() for p in parts)
