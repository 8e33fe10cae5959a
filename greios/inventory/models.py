"""Pydantic schema of the inventory: the project file and one file per site.

Models hold user intent: they are frozen and reject unknown keys. Field-level syntax
(addresses, names, ranges) is checked here; cross-object rules (duplicates, overlaps) live in
:mod:`greios.inventory.checks`, those that need topology or allocation (unknown sites,
exhaustion) in :mod:`greios.overlay`.
"""

from __future__ import annotations

import ipaddress
import re
from functools import cached_property
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Discriminator,
    Field,
    Tag,
    ValidationInfo,
    field_validator,
    model_validator,
)

from greios.crypto_vocab import DhGroup, EspCipher, EspIntegrity, Hash, IkeCipher, IpsecMode

NAME_RE = r"^[A-Za-z][A-Za-z0-9_.-]{0,39}$"
ENV_RE = r"^[A-Za-z_][A-Za-z0-9_]*$"
IOS_NAME_RE = r"^[A-Za-z][A-Za-z0-9_-]{0,31}$"
IFACE_RE = r"^[A-Za-z][A-Za-z-]*[0-9]+(?:[/.:][0-9]+)*$"
#: VyOS interface names greios accepts for underlays and LANs (ethN, ethN.VLAN, bondN, brN...)
VYOS_IFACE_RE = re.compile(r"^(?:eth|bond|br|dum|pppoe|wlan|lo)[0-9]*(?:\.[0-9]+)?$")
#: a router's short code, for tunnel descriptions (``GRE_{code}_TO_{peer_code}``)
CODE_RE = r"^[A-Za-z0-9][A-Za-z0-9_-]{0,15}$"

#: the reserved crypto policy name of a plain GRE pair: GRE without IPsec (any platform)
PLAIN_GRE = "none"

#: platform names as written in the inventory; the same names as
#: ``greios.platforms.REGISTRY`` (a test keeps them equal: the inventory cannot import the
#: platforms layer)
PlatformName = Literal["ios", "ios-xe", "vyos"]
#: VyOS releases greios renders for (the dialect: 1.2 crux, 1.3 equuleus, 1.4 sagitta,
#: 1.5 circinus; ``rolling`` is read as 1.5)
VyosVersion = Literal["1.2", "1.3", "1.4", "1.5"]
VYOS_VERSIONS: tuple[str, ...] = ("1.2", "1.3", "1.4", "1.5")

Name = Annotated[str, Field(pattern=NAME_RE, description="letters, digits, _ . -")]
EnvName = Annotated[str, Field(pattern=ENV_RE)]
IosName = Annotated[str, Field(pattern=IOS_NAME_RE)]
IfaceName = Annotated[str, Field(pattern=IFACE_RE)]

# the crypto vocabulary is shared with intent and mtu (greios.crypto_vocab)
IkeEncryption = IkeCipher
IkeHash = Hash
EspEncryption = EspCipher


_DEF_IKE_ENC: tuple[IkeEncryption, ...] = ("aes-gcm-256", "aes-gcm-128")
_DEF_PRF: tuple[IkeHash, ...] = ("sha384", "sha256")
_DEF_HASH: tuple[IkeHash, ...] = ("sha256",)
_DEF_GROUP: tuple[DhGroup, ...] = (20, 19)


class Model(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", str_strip_whitespace=True)


# --------------------------------------------------------------------------- crypto


class IkeSettings(Model):
    """Phase 1 (IKE SA) proposal."""

    encryption: list[IkeEncryption] = Field(default_factory=lambda: list(_DEF_IKE_ENC))
    prf: list[IkeHash] = Field(default_factory=lambda: list(_DEF_PRF))
    integrity: list[IkeHash] = Field(default_factory=list)
    hash: list[IkeHash] = Field(default_factory=lambda: list(_DEF_HASH))  # IKEv1 only
    group: list[DhGroup] = Field(default_factory=lambda: list(_DEF_GROUP))
    lifetime: int = Field(86400, ge=120, le=86400)

    @field_validator("encryption", "group")
    @classmethod
    def _non_empty(cls, v: list[Any]) -> list[Any]:
        if not v:
            raise ValueError("must list at least one value")
        return v

    @model_validator(mode="after")
    def _aead(self) -> IkeSettings:
        gcm = [e for e in self.encryption if e.startswith("aes-gcm")]
        if gcm and len(gcm) != len(self.encryption):
            raise ValueError("an IKEv2 proposal cannot mix AES-GCM with non-AEAD ciphers")
        if gcm and self.integrity:
            raise ValueError("integrity must be empty with AES-GCM (the PRF is used instead)")
        if not gcm and not self.integrity:
            object.__setattr__(self, "integrity", list(self.prf) or ["sha256"])
        return self


class IpsecSettings(Model):
    """Phase 2 (IPsec SA) transform and profile settings."""

    encryption: EspEncryption = "aes-gcm-256"
    integrity: EspIntegrity | None = None  # None: none for GCM, sha256 otherwise
    mode: IpsecMode = "transport"
    pfs: DhGroup | None = 20
    lifetime: int = Field(3600, ge=120, le=86400)

    @model_validator(mode="after")
    def _integrity(self) -> IpsecSettings:
        gcm = self.encryption.startswith("aes-gcm")
        if self.integrity is None:
            object.__setattr__(self, "integrity", "none" if gcm else "sha256")
        elif gcm and self.integrity != "none":
            raise ValueError("esp-gcm cannot be combined with an HMAC (set integrity: none)")
        if self.encryption == "null" and self.integrity == "none":
            raise ValueError("esp-null needs an integrity algorithm")
        return self

    @property
    def esp_integrity(self) -> EspIntegrity:
        return self.integrity or "none"


class Dpd(Model):
    interval: int = Field(10, ge=10, le=3600)
    retries: int = Field(3, ge=2, le=60)
    mode: Literal["on-demand", "periodic"] = "on-demand"


class CryptoPolicy(Model):
    """A named crypto suite; the default is IKEv2 with the reference §1.12 choices."""

    ike_version: Literal[1, 2] = 2
    ike: IkeSettings = Field(default_factory=IkeSettings)
    ipsec: IpsecSettings = Field(default_factory=IpsecSettings)
    dpd: Dpd | None = Field(default_factory=Dpd)
    isakmp_priority: int = Field(110, ge=1, le=10000, description="IKEv1 policy priority")

    @model_validator(mode="after")
    def _v1(self) -> CryptoPolicy:
        if self.ike_version == 1 and any(e.startswith("aes-gcm") for e in self.ike.encryption):
            raise ValueError("IKEv1 ISAKMP policies cannot use AES-GCM; use aes-cbc-256")
        return self


# --------------------------------------------------------------------------- routing


class OspfSettings(Model):
    process_id: int = Field(1, ge=1, le=65535)
    area: int = Field(0, ge=0, le=4294967295)
    network_type: Literal["point-to-point"] = "point-to-point"
    hello_interval: int | None = Field(None, ge=1, le=65535)
    dead_interval: int | None = Field(None, ge=1, le=65535)


class StaticSettings(Model):
    distance: int | None = Field(None, ge=1, le=255)


class Routing(Model):
    """Routing over the tunnels. ``protocol`` selects a renderer; BGP/EIGRP slot in here."""

    protocol: Literal["ospf", "static", "none"] = "ospf"
    ospf: OspfSettings = Field(default_factory=OspfSettings)
    static: StaticSettings = Field(default_factory=StaticSettings)


# --------------------------------------------------------------------------- project


class TunnelNumbers(Model):
    start: int = Field(100, ge=0, le=2147483647)
    end: int = Field(199, ge=0, le=2147483647)

    @model_validator(mode="after")
    def _order(self) -> TunnelNumbers:
        if self.end < self.start:
            raise ValueError(f"end ({self.end}) is below start ({self.start})")
        return self


DEFAULT_DESCRIPTION = "greios: {router} <-> {peer}"
DESCRIPTION_FIELDS = ("router", "peer", "code", "peer_code", "site", "peer_site", "number")


class _DescriptionProbe(dict[str, str]):
    """Checks a description template: known fields only, no attribute or index access."""

    def __missing__(self, key: str) -> str:
        if key not in DESCRIPTION_FIELDS:
            raise KeyError(f"unknown field {{{key}}}")
        return "x"


class TunnelSettings(Model):
    numbers: TunnelNumbers = Field(default_factory=TunnelNumbers)
    pools: list[str] = Field(min_length=1)
    link_prefix: Literal[30, 31] = 30
    gre_key: bool = False
    #: tunnel description, a template: {router} {peer} (names), {code} {peer_code} (the
    #: routers' ``code``, else their names), {site} {peer_site}, {number}. On IOS it must
    #: start with ``greios:`` (how greios recognises its tunnels there).
    description: str = Field(DEFAULT_DESCRIPTION, min_length=1, max_length=240)

    @field_validator("description")
    @classmethod
    def _description(cls, v: str) -> str:
        try:
            v.format_map(_DescriptionProbe())
        except (KeyError, ValueError, IndexError, AttributeError) as exc:
            raise ValueError(f"'{v}': not a valid description template ({exc}); "
                             f"fields: {', '.join(DESCRIPTION_FIELDS)}") from None
        if "'" in v or '"' in v or "\n" in v:
            raise ValueError("a tunnel description cannot hold quotes or line breaks")
        return v

    def describe(self, **fields: str | int) -> str:
        """The description of one tunnel (``fields``: :data:`DESCRIPTION_FIELDS`)."""
        return self.description.format_map(fields)

    def tunnel_description(self, me: Router, peer: Router, sites: tuple[str, str],
                           number: int) -> str:
        """The description of ``me``'s tunnel towards ``peer``: the template on VyOS; on IOS
        always ``greios: <router> <-> <peer>`` (how greios recognises its IOS tunnels)."""
        if not me.is_vyos:
            return f"greios: {me.name} <-> {peer.name}"
        return self.describe(router=me.name, peer=peer.name, code=me.short,
                             peer_code=peer.short, site=sites[0], peer_site=sites[1],
                             number=number)

    @field_validator("pools")
    @classmethod
    def _pools(cls, v: list[str]) -> list[str]:
        for p in v:
            try:
                net = ipaddress.ip_network(p, strict=True)
            except ValueError as exc:
                raise ValueError(f"'{p}' is not a valid IPv4 prefix: {exc}") from None
            if net.version != 4:
                raise ValueError(f"'{p}': tunnel pools must be IPv4")
        return v


#: the highest tunnel number greios renders (IOS ``interface Tunnel0-2147483647``; VyOS
#: ``tunN`` with the same bound, 13 characters, within Linux's 15-character interface names)
MAX_TUNNEL_NUMBER = 2147483647


class PairEntry(Model):
    pair: list[str] = Field(min_length=2, max_length=2)
    crypto: str | None = None
    description: str | None = None
    #: brownfield adoption: the tunnel number this pair keeps on both routers (may lie
    #: outside ``tunnels.numbers``), checked and recorded in the lock (greios.overlay)
    tunnel: int | None = Field(None, ge=0, le=MAX_TUNNEL_NUMBER, strict=True)
    #: brownfield adoption: the pair's link subnet (a /30 or /31, inside or outside the
    #: pools); the a end takes the first address
    subnet: str | None = None

    @field_validator("subnet")
    @classmethod
    def _subnet(cls, v: str | None) -> str | None:
        if v is None:
            return v
        try:
            net = ipaddress.IPv4Network(v, strict=True)
        except ValueError as exc:
            raise ValueError(f"'{v}' is not an IPv4 link subnet like 192.168.0.0/30 "
                             f"({exc})") from None
        if net.prefixlen not in (30, 31):
            raise ValueError(f"'{v}' is a /{net.prefixlen}: a tunnel link is a /30 or a /31")
        return str(net)


class HubSpokeBody(Model):
    hubs: list[str] = Field(min_length=1, max_length=2)
    spokes: list[str] = Field(min_length=1)
    crypto: str | None = None


class HubSpokeEntry(Model):
    hub_and_spoke: HubSpokeBody


class MeshBody(Model):
    sites: list[str] = Field(min_length=2)
    crypto: str | None = None


class MeshEntry(Model):
    full_mesh: MeshBody


def _topology_kind(value: Any) -> str | None:
    if isinstance(value, dict):
        for key in ("pair", "hub_and_spoke", "full_mesh"):
            if key in value:
                return key
        return None
    if isinstance(value, PairEntry):
        return "pair"
    if isinstance(value, HubSpokeEntry):
        return "hub_and_spoke"
    if isinstance(value, MeshEntry):
        return "full_mesh"
    return None


TopologyEntry = Annotated[
    Annotated[PairEntry, Tag("pair")]
    | Annotated[HubSpokeEntry, Tag("hub_and_spoke")]
    | Annotated[MeshEntry, Tag("full_mesh")],
    Discriminator(
        _topology_kind,
        custom_error_type="topology_kind",
        custom_error_message="each topology entry needs one of: pair, hub_and_spoke, full_mesh",
    ),
]


class ProjectDefaults(Model):
    crypto: str = "nge"  # a crypto policy, or ``none`` (plain GRE, unencrypted)
    underlay_mtu: int = Field(1500, ge=576, le=9216)


class Project(Model):
    """``sites/greios.yaml``."""

    project: Name
    description: str = ""
    defaults: ProjectDefaults = Field(default_factory=ProjectDefaults)
    tunnels: TunnelSettings
    crypto_policies: dict[str, CryptoPolicy] = Field(
        default_factory=lambda: {"nge": CryptoPolicy()}
    )
    routing: Routing = Field(default_factory=Routing)
    topology: list[TopologyEntry] = Field(min_length=1)
    waivers: dict[str, list[str]] = Field(default_factory=dict)

    @field_validator("crypto_policies")
    @classmethod
    def _policy_names(cls, v: dict[str, CryptoPolicy]) -> dict[str, CryptoPolicy]:
        for name in v:
            if name.lower() == PLAIN_GRE:
                raise ValueError(f"'{name}' is reserved: crypto '{PLAIN_GRE}' means plain GRE "
                                 "without IPsec; name the policy differently")
            if not re.match(r"^[A-Za-z][A-Za-z0-9-]{0,23}$", name):
                raise ValueError(f"crypto policy name '{name}' must be letters, digits and -")
        return v


# --------------------------------------------------------------------------- sites


class Management(Model):
    host: str = Field(min_length=1)
    port: int = Field(22, ge=1, le=65535)
    username_env: EnvName
    password_env: EnvName
    enable_secret_env: EnvName | None = None
    driver: Literal["ios", "vyos"] = "ios"  # vyos: the default for a VyOS router
    timeout: int = Field(60, ge=5, le=3600)
    optional_args: dict[str, str | int | float | bool] = Field(default_factory=dict)

    @field_validator("optional_args")
    @classmethod
    def _no_secrets(cls, v: dict[str, Any]) -> dict[str, Any]:
        for key in v:
            if key.lower() in {"password", "secret", "enable_secret", "key_file_password"}:
                raise ValueError(
                    f"'{key}' is a secret: name an environment variable in "
                    "password_env / enable_secret_env instead"
                )
        return v


_TUNNEL_IFACE_RE = re.compile(r"^tu(n(n(e(l)?)?)?)?[0-9]", re.IGNORECASE)


def _not_tunnel(v: str | None) -> str | None:
    if v is not None and _TUNNEL_IFACE_RE.match(v):
        raise ValueError(f"'{v}' is a tunnel interface: greios creates the Tunnel interfaces "
                         "itself; name the physical interface")
    return v


def _unicast_problem(ip: ipaddress.IPv4Address | ipaddress.IPv6Address) -> str | None:
    """Why ``ip`` cannot be a tunnel endpoint (None when it can)."""
    if ip.is_multicast:
        return "a multicast address"
    if ip.is_loopback:
        return "a loopback address"
    if ip.is_unspecified:
        return "the unspecified address"
    if ip.version == 4 and ip == ipaddress.IPv4Address("255.255.255.255"):
        return "the broadcast address"
    if ip.version == 4 and ip in _CLASS_E:
        return "a reserved (class E) address"
    return None


_CLASS_E = ipaddress.IPv4Network("240.0.0.0/4")


class Underlay(Model):
    interface: IfaceName
    address: str  # CIDR, IPv4 or IPv6
    mtu: int | None = Field(None, ge=576, le=9216)
    vrf: IosName | None = None  # front-door VRF
    behind_nat: bool = False
    public_address: str | None = None  # what peers see when behind NAT

    _iface = field_validator("interface")(_not_tunnel)

    @field_validator("address")
    @classmethod
    def _addr(cls, v: str) -> str:
        if "/" not in v:
            raise ValueError(f"'{v}' needs a prefix length, e.g. {v}/24")
        try:
            iface = ipaddress.ip_interface(v)
        except ValueError:
            raise ValueError(f"'{v}' is not a valid IPv4/IPv6 address with prefix") from None
        net = iface.network
        if iface.version == 4 and net.prefixlen < 31 and iface.ip == net.network_address:
            raise ValueError(f"'{v}' is the network address of its subnet")
        if iface.version == 4 and net.prefixlen < 31 and iface.ip == net.broadcast_address:
            raise ValueError(f"'{v}' is the broadcast address of its subnet")
        bad = _unicast_problem(iface.ip)
        if bad:
            raise ValueError(f"'{v}' is {bad}, not a unicast address a tunnel can use")
        return v

    @field_validator("public_address")
    @classmethod
    def _pub(cls, v: str | None, info: ValidationInfo) -> str | None:
        if v is not None:
            try:
                ip = ipaddress.ip_address(v)
            except ValueError:
                raise ValueError(f"'{v}' is not a valid IP address") from None
            bad = _unicast_problem(ip)
            if bad:
                raise ValueError(f"'{v}' is {bad}, not a unicast address a tunnel can use")
            address = info.data.get("address")  # absent when it failed its own checks
            if address is not None and ipaddress.ip_interface(address).version != ip.version:
                raise ValueError(
                    f"'{v}' is IPv{ip.version} but the underlay address {address} is not: "
                    "peers reach a router over its underlay's IP version")
        return v

    @model_validator(mode="after")
    def _nat(self) -> Underlay:
        if self.public_address and not self.behind_nat:
            raise ValueError("public_address is only meaningful with behind_nat: true")
        return self

    # parsed once per model (the inventory checks and the renderer ask often)
    @cached_property
    def iface(self) -> ipaddress.IPv4Interface | ipaddress.IPv6Interface:
        return ipaddress.ip_interface(self.address)

    @cached_property
    def ip(self) -> ipaddress.IPv4Address | ipaddress.IPv6Address:
        return self.iface.ip

    @cached_property
    def ipv6(self) -> bool:
        return self.iface.version == 6

    @cached_property
    def reachable_address(self) -> str:
        """The address peers send to (post-NAT)."""
        return self.public_address or str(self.ip)


class Lan(Model):
    prefix: str
    interface: IfaceName | None = None
    address: str | None = None

    _iface = field_validator("interface")(_not_tunnel)

    @field_validator("prefix")
    @classmethod
    def _prefix(cls, v: str) -> str:
        try:
            ipaddress.ip_network(v, strict=True)
        except ValueError as exc:
            raise ValueError(f"'{v}' is not a valid prefix: {exc}") from None
        return v

    @model_validator(mode="after")
    def _inside(self) -> Lan:
        if self.address is not None:
            try:
                ip = ipaddress.ip_address(self.address)
            except ValueError:
                raise ValueError(f"'{self.address}' is not a valid IP address") from None
            if ip not in ipaddress.ip_network(self.prefix):
                raise ValueError(f"address {self.address} is outside {self.prefix}")
        return self


class Router(Model):
    name: Name
    platform: PlatformName = "ios-xe"
    ios_version: str | None = None
    #: VyOS release (required for ``platform: vyos``): picks the set-command dialect
    vyos_version: VyosVersion | None = None
    code: str | None = Field(None, pattern=CODE_RE)  # short name for tunnel descriptions
    management: Management
    underlay: Underlay
    lan: list[Lan] = Field(default_factory=list)
    routing: Routing | None = None
    snapshot: str | None = Field(None, min_length=1)  # running-config snapshot, relative
    #                                                   to the site file

    @field_validator("vyos_version", mode="before")
    @classmethod
    def _vyos_version(cls, v: Any) -> Any:
        """YAML reads ``1.2`` as a number; ``rolling`` (and ``1.5-rolling…``) is 1.5."""
        if isinstance(v, float | int) and not isinstance(v, bool):
            v = f"{v:.1f}"
        if isinstance(v, str) and (v.strip().lower() == "rolling"
                                   or v.strip().lower().startswith("1.5")):
            return "1.5"
        return v

    @model_validator(mode="after")
    def _platform(self) -> Router:
        if self.platform == "vyos":
            self._vyos_checks()
        elif self.vyos_version is not None:
            raise ValueError(f"vyos_version is for platform: vyos (this router is "
                             f"{self.platform})")
        elif self.management.driver == "vyos":
            raise ValueError(f"management.driver vyos needs platform: vyos (this router is "
                             f"{self.platform})")
        return self

    def _vyos_checks(self) -> None:
        if self.vyos_version is None:
            raise ValueError("platform vyos needs vyos_version (one of 1.2, 1.3, 1.4, 1.5 or "
                             "rolling): it picks the configuration dialect")
        if self.ios_version is not None:
            raise ValueError("ios_version is for IOS routers; a VyOS router has vyos_version")
        if "driver" in self.management.model_fields_set and self.management.driver != "vyos":
            raise ValueError(f"management.driver {self.management.driver} cannot drive a "
                             "VyOS router (leave it out or write vyos)")
        names = [("underlay.interface", self.underlay.interface)] + [
            (f"lan[{i}].interface", lan.interface) for i, lan in enumerate(self.lan)
            if lan.interface is not None]
        for where, iface in names:
            if not VYOS_IFACE_RE.match(iface):
                raise ValueError(f"{where} '{iface}' is not a VyOS interface name (ethN, "
                                 "ethN.VLAN, bondN, brN ...)")
        if self.underlay.vrf is not None:
            raise ValueError("underlay.vrf (a front-door VRF) is not supported by greios on "
                             "VyOS")

    @property
    def is_vyos(self) -> bool:
        return self.platform == "vyos"

    @property
    def short(self) -> str:
        """The router's code for tunnel descriptions (its name without one)."""
        return self.code or self.name


class Site(Model):
    """``sites/<site>.yaml``."""

    site: Name
    description: str = ""
    routers: list[Router] = Field(min_length=1)
