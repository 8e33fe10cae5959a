"""Per-router intent: the pure data the templates render.

Names follow one scheme so the plan knows what greios owns: every crypto object is
``GREIOS-...``, every tunnel carries ``description greios: <a> <-> <b>``. Values are the
ones IOS displays in ``show running-config`` (defaults omitted, ``encr`` spelling), so a
converged router plans to nothing.
"""

from __future__ import annotations

import ipaddress
from collections import deque
from collections.abc import Mapping
from dataclasses import dataclass, field

from greios.allocate import Allocation
from greios.inventory.load import Inventory, RouterInfo
from greios.inventory.models import PLAIN_GRE, CryptoPolicy
from greios.mtu import MtuInput, compute
from greios.platforms.ios.display import interface_display, ip_display
from greios.secrets import Secret, SecretStore

IKEV1_ENCR = {
    "aes-cbc-256": "aes 256", "aes-cbc-192": "aes 192", "aes-cbc-128": "aes",
    "3des": "3des", "des": "des",
}
IKEV1_HASH = {"sha1": "sha", "sha256": "sha256", "sha384": "sha384", "sha512": "sha512",
              "md5": "md5"}
ESP_ENCR = {
    "aes-gcm-256": "esp-gcm 256", "aes-gcm-128": "esp-gcm", "aes-cbc-256": "esp-aes 256",
    "aes-cbc-192": "esp-aes 192", "aes-cbc-128": "esp-aes", "3des": "esp-3des",
    "des": "esp-des", "null": "esp-null",
}
ESP_HMAC = {"sha1": "esp-sha-hmac", "sha256": "esp-sha256-hmac", "sha384": "esp-sha384-hmac",
            "sha512": "esp-sha512-hmac", "md5": "esp-md5-hmac", "none": ""}
DEFAULT_IKE_LIFETIME = 86400
DEFAULT_IPSEC_LIFETIME = 3600


def obj_name(*parts: str) -> str:
    """IOS object name owned by greios.

    >>> obj_name("NGE")
    'GREIOS-NGE'
    """
    return "GREIOS-" + "-".join(parts)


def transform_set_name(policy: CryptoPolicy) -> str:
    """>>> from greios.inventory.models import PLAIN_GRE, CryptoPolicy
    >>> transform_set_name(CryptoPolicy())
    'GREIOS-GCM256'
    """
    enc = policy.ipsec.encryption
    label = {"aes-gcm-256": "GCM256", "aes-gcm-128": "GCM128", "aes-cbc-256": "AES256",
             "aes-cbc-192": "AES192", "aes-cbc-128": "AES128", "3des": "3DES", "des": "DES",
             "null": "NULL"}[enc]
    integ = policy.ipsec.esp_integrity
    if integ != "none":
        label += "-" + integ.upper()
    if policy.ipsec.mode == "tunnel":
        label += "-TUN"
    return obj_name(label)


@dataclass(frozen=True)
class Ikev2Suite:
    """One IKEv2 proposal (a crypto policy's IKE algorithms)."""

    name: str
    encryption: tuple[str, ...]
    prf: tuple[str, ...]
    integrity: tuple[str, ...]
    group: tuple[int, ...]


@dataclass(frozen=True)
class Ikev2Policy:
    """The router's one greios IKEv2 policy, listing every greios proposal.

    IOS selects one policy per IKE SA (by FVRF / local address) and offers only its
    proposals, so one policy per crypto policy would leave all but one pair unnegotiable
    (docs/ios-fidelity.md row 4). Named after the first proposal (sorted): a router with one
    crypto policy keeps ``GREIOS-<POLICY>``.
    """

    name: str
    proposals: tuple[str, ...]
    match_fvrf_any: bool


@dataclass(frozen=True)
class Ikev1Policy:
    priority: int
    encr: str | None  # None = platform default (des) -- never rendered by greios
    hash: str | None  # None = default (sha)
    group: int
    lifetime: int | None


@dataclass(frozen=True)
class TransformSet:
    name: str
    transforms: str
    mode: str  # "transport" or "tunnel"


@dataclass(frozen=True)
class PeerCrypto:
    """Crypto towards one peer router."""

    peer: str
    ike_version: int
    suite: str  # IKEv2 proposal/policy name, or "" for IKEv1
    profile: str  # IKEv2 or ISAKMP profile name
    ipsec_profile: str
    transform_set: str
    keyring: str
    fvrf: str | None
    remote_address: str
    remote_ipv6: bool
    #: IKEv1 ``match identity address`` values: the peer's public address, plus its private
    #: underlay address when it is behind NAT (IKEv1 main mode sends the interface address
    #: as identity while the key is found by the public one, docs/ios-fidelity.md row 3)
    remote_identities: tuple[str, ...]
    local_identity: str
    psk: Secret
    pfs: int | None
    ike_lifetime: int | None
    ipsec_lifetime: int | None
    dpd: str | None  # "10 3 on-demand"


@dataclass(frozen=True)
class TunnelIntent:
    number: int
    description: str
    address: str
    mask: str
    ip_mtu: int
    tcp_mss: int
    source: str
    destination: str
    ipv6_underlay: bool
    fvrf: str | None
    ipsec_profile: str  # "" for a plain GRE tunnel (no ``tunnel protection``)
    peer: str
    pair: str
    ospf: bool
    gre_key: int | None
    #: ``ip ospf hello-interval`` / ``dead-interval`` (None: IOS default, not rendered); the
    #: dead interval is rendered whenever the hello is (4 x hello unless given), so the
    #: display does not depend on whether IOS shows a derived value
    ospf_hello: int | None = None
    ospf_dead: int | None = None


@dataclass(frozen=True)
class OspfIntent:
    process_id: int
    area: int
    networks: tuple[tuple[str, str], ...]  # (address, wildcard)


@dataclass(frozen=True)
class StaticRoute:
    prefix: str
    mask: str
    next_hop: str
    distance: int | None
    comment: str


@dataclass
class RouterIntent:
    router: RouterInfo
    ikev2_suites: list[Ikev2Suite] = field(default_factory=list)
    ikev2_policy: Ikev2Policy | None = None
    ikev1_policies: list[Ikev1Policy] = field(default_factory=list)
    transform_sets: list[TransformSet] = field(default_factory=list)
    peers: list[PeerCrypto] = field(default_factory=list)
    tunnels: list[TunnelIntent] = field(default_factory=list)
    ospf: OspfIntent | None = None
    static_routes: list[StaticRoute] = field(default_factory=list)

    @property
    def name(self) -> str:
        return self.router.name

    def ikev2_keyrings(self) -> dict[str, list[PeerCrypto]]:
        out: dict[str, list[PeerCrypto]] = {}
        for p in self.peers:
            if p.ike_version == 2:
                out.setdefault(p.keyring, []).append(p)
        return out

    def ikev1_keyrings(self) -> dict[tuple[str, str | None], list[PeerCrypto]]:
        out: dict[tuple[str, str | None], list[PeerCrypto]] = {}
        for p in self.peers:
            if p.ike_version == 1:
                out.setdefault((p.keyring, p.fvrf), []).append(p)
        return out


def _wildcard(net: ipaddress.IPv4Network) -> str:
    return str(net.hostmask)


def tunnel_mtu(inv: Inventory, a: RouterInfo, b: RouterInfo, policy: CryptoPolicy) -> tuple[int,
                                                                                           int]:
    """``ip mtu`` and ``ip tcp adjust-mss`` for the tunnel between ``a`` and ``b``."""
    ipsec = policy.ipsec
    res = compute(
        MtuInput(
            underlay_mtu=min(a.underlay_mtu, b.underlay_mtu),
            encryption=ipsec.encryption,
            integrity=ipsec.esp_integrity,
            mode=ipsec.mode,
            nat_t=a.behind_nat or b.behind_nat,
            ipv6_underlay=a.ipv6_underlay,
            gre_key=inv.project.tunnels.gre_key,
        )
    )
    return res.recommended_ip_mtu, res.recommended_tcp_mss


def build_intents(
    inv: Inventory,
    allocations: list[Allocation],
    crypto_of: dict[str, str],
    store: SecretStore,
    *,
    isakmp: Mapping[str, Mapping[str, int]] | None = None,
) -> dict[str, RouterIntent]:
    """Intent of every router. ``crypto_of`` maps pair key -> crypto policy name;
    ``isakmp``: router -> IKEv1 crypto policy -> the ``crypto isakmp policy`` number the
    lock gives it there (else the policy's ``isakmp_priority``; docs/ios-fidelity.md row 7).
    """
    intents = {r.name: RouterIntent(router=r) for r in inv.routers}
    ends = _Ends(inv, isakmp or {})
    for alloc in allocations:
        policy_name = crypto_of[alloc.key]
        ra, rb = ends.routers[alloc.a], ends.routers[alloc.b]
        if policy_name == PLAIN_GRE:
            mtu = ends.plain_mtu(ra, rb)
            for me, peer in ((ra, rb), (rb, ra)):
                intents[me.name].tunnels.append(
                    _tunnel(inv, alloc, me, peer, (me.model.underlay.vrf, ""), mtu, ends))
            continue
        policy = inv.project.crypto_policies[policy_name]
        ip_mtu, mss = ends.mtu(policy_name, policy, ra, rb)
        psk = store.psk(alloc.key)
        for me, peer in ((ra, rb), (rb, ra)):
            it = intents[me.name]
            crypto = _add_crypto(it, policy_name, policy, me, peer, psk, ends)
            it.tunnels.append(_tunnel(inv, alloc, me, peer, (crypto.fvrf, crypto.ipsec_profile),
                                      (ip_mtu, mss), ends))
    for it in intents.values():
        _finish(it)
    _routing(inv, allocations, intents)
    return intents


class _Ends:
    """Per-router (not per-pair: a hub is in thousands of pairs) lookups, computed once."""

    def __init__(self, inv: Inventory, isakmp: Mapping[str, Mapping[str, int]]) -> None:
        self.inv = inv
        self.isakmp = isakmp
        self.routers = {r.name: r for r in inv.routers}
        self._reachable: dict[str, str] = {}
        self._ipv6: dict[str, bool] = {}
        self._mtus: dict[tuple[object, ...], tuple[int, int]] = {}

    def address(self, r: RouterInfo) -> str:
        """The address peers send to, as IOS displays it (IPv6 upper-case)."""
        got = self._reachable.get(r.name)
        if got is None:
            got = self._reachable[r.name] = ip_display(r.model.underlay.reachable_address)
        return got

    def identities(self, r: RouterInfo) -> tuple[str, ...]:
        """IKEv1 identities ``r`` may send: its public address, and behind NAT also the
        private underlay address (the default ``crypto isakmp identity address``)."""
        public = self.address(r)
        private = ip_display(str(r.model.underlay.ip))
        return (public, private) if r.behind_nat and private != public else (public,)

    def is_v6(self, r: RouterInfo) -> bool:
        got = self._ipv6.get(r.name)
        if got is None:
            got = self._ipv6[r.name] = r.model.underlay.ipv6
        return got

    def plain_mtu(self, ra: RouterInfo, rb: RouterInfo) -> tuple[int, int]:
        """``ip mtu`` / MSS of a plain GRE tunnel: the exact GRE overhead (1476 / 1436 on a
        1500-byte IPv4 underlay; no cipher block to round for)."""
        key = (PLAIN_GRE, min(ra.underlay_mtu, rb.underlay_mtu), False, self.is_v6(ra))
        if key not in self._mtus:
            res = compute(MtuInput(underlay_mtu=min(ra.underlay_mtu, rb.underlay_mtu),
                                   encryption="none", ipv6_underlay=self.is_v6(ra),
                                   gre_key=self.inv.project.tunnels.gre_key))
            self._mtus[key] = (res.max_ip_mtu, res.max_tcp_mss)
        return self._mtus[key]

    def mtu(self, policy_name: str, policy: CryptoPolicy, ra: RouterInfo, rb: RouterInfo
            ) -> tuple[int, int]:
        key = (policy_name, min(ra.underlay_mtu, rb.underlay_mtu),
               ra.behind_nat or rb.behind_nat, self.is_v6(ra))
        if key not in self._mtus:
            self._mtus[key] = tunnel_mtu(self.inv, ra, rb, policy)
        return self._mtus[key]


def _ike_objects(it: RouterIntent, policy_name: str, policy: CryptoPolicy, peer: RouterInfo,
                 fvrf: str | None, priority: int) -> tuple[str, str, str]:
    """(suite, profile, keyring) towards ``peer``; adds the IKEv2 suite or IKEv1 policy."""
    profile = obj_name(peer.name)
    if policy.ike_version == 2:
        suite = obj_name(policy_name.upper())
        if all(s.name != suite for s in it.ikev2_suites):
            it.ikev2_suites.append(Ikev2Suite(
                name=suite,
                encryption=tuple(policy.ike.encryption),
                prf=tuple(policy.ike.prf),
                integrity=tuple(policy.ike.integrity),
                group=tuple(policy.ike.group),
            ))
        return suite, profile, obj_name("KR")
    pol = Ikev1Policy(
        priority=priority,
        encr=IKEV1_ENCR[policy.ike.encryption[0]],
        hash=None if policy.ike.hash[0] == "sha1" else IKEV1_HASH[policy.ike.hash[0]],
        group=policy.ike.group[0],
        lifetime=None if policy.ike.lifetime == DEFAULT_IKE_LIFETIME else policy.ike.lifetime,
    )
    if pol not in it.ikev1_policies:
        it.ikev1_policies.append(pol)
    return "", profile, obj_name("KR", fvrf) if fvrf else obj_name("KR")


def _add_transform_set(it: RouterIntent, policy: CryptoPolicy) -> str:
    ts_name = transform_set_name(policy)
    transforms = " ".join(
        x for x in (ESP_ENCR[policy.ipsec.encryption], ESP_HMAC[policy.ipsec.esp_integrity])
        if x
    )
    ts = TransformSet(ts_name, transforms, policy.ipsec.mode)
    if ts not in it.transform_sets:
        it.transform_sets.append(ts)
    return ts_name


def _add_crypto(it: RouterIntent, policy_name: str, policy: CryptoPolicy, me: RouterInfo,
                peer: RouterInfo, psk: Secret, ends: _Ends) -> PeerCrypto:
    """The crypto objects of ``me`` towards ``peer`` (shared ones added once)."""
    fvrf = me.model.underlay.vrf
    priority = ends.isakmp.get(me.name, {}).get(policy_name, policy.isakmp_priority)
    suite, profile, keyring = _ike_objects(it, policy_name, policy, peer, fvrf, priority)
    ts_name = _add_transform_set(it, policy)
    dpd = f"{policy.dpd.interval} {policy.dpd.retries} {policy.dpd.mode}" \
        if policy.dpd else None
    crypto = PeerCrypto(
        peer=peer.name,
        ike_version=policy.ike_version,
        suite=suite,
        profile=profile,
        ipsec_profile=obj_name(peer.name),
        transform_set=ts_name,
        keyring=keyring,
        fvrf=fvrf,
        remote_address=ends.address(peer),
        remote_ipv6=ends.is_v6(peer),
        remote_identities=ends.identities(peer),
        local_identity=ends.address(me),
        psk=psk,
        pfs=policy.ipsec.pfs,
        ike_lifetime=None if policy.ike.lifetime == DEFAULT_IKE_LIFETIME
        else policy.ike.lifetime,
        ipsec_lifetime=None if policy.ipsec.lifetime == DEFAULT_IPSEC_LIFETIME
        else policy.ipsec.lifetime,
        dpd=dpd,
    )
    it.peers.append(crypto)
    return crypto


def _tunnel(inv: Inventory, alloc: Allocation, me: RouterInfo, peer: RouterInfo,
            protection: tuple[str | None, str], mtu: tuple[int, int], ends: _Ends
            ) -> TunnelIntent:
    """The tunnel of ``me`` towards ``peer``; ``protection`` = (FVRF, IPsec profile or "")."""
    ip_mtu, mss = mtu
    fvrf, ipsec_profile = protection
    hello, dead = _ospf_timers(me)
    return TunnelIntent(
        number=alloc.tunnel,
        description=inv.project.tunnels.tunnel_description(
            me.model, peer.model, (me.site, peer.site), alloc.tunnel),
        address=str(alloc.address_of(me.name)),
        mask=str(alloc.network.netmask),
        ip_mtu=ip_mtu,
        tcp_mss=mss,
        source=interface_display(me.model.underlay.interface),
        destination=ends.address(peer),
        ipv6_underlay=ends.is_v6(me),
        fvrf=fvrf,
        ipsec_profile=ipsec_profile,
        peer=peer.name,
        pair=alloc.key,
        ospf=me.routing.protocol == "ospf",
        gre_key=alloc.tunnel if inv.project.tunnels.gre_key else None,
        ospf_hello=hello,
        ospf_dead=dead,
    )


def _ospf_timers(me: RouterInfo) -> tuple[int | None, int | None]:
    """(hello, dead) of a tunnel of ``me`` (both None without OSPF timers)."""
    ospf = me.routing.ospf
    if me.routing.protocol != "ospf" or (ospf.hello_interval is None
                                         and ospf.dead_interval is None):
        return None, None
    return ospf.hello_interval, ospf.dead_interval or 4 * (ospf.hello_interval or 10)


def _finish(it: RouterIntent) -> None:
    """One IKEv2 policy listing every proposal, matching any FVRF when some tunnel of the
    router uses one; proposals, tunnels and peers in a stable order."""
    it.ikev2_suites.sort(key=lambda s: s.name)
    if it.ikev2_suites:
        it.ikev2_policy = Ikev2Policy(
            name=it.ikev2_suites[0].name,
            proposals=tuple(s.name for s in it.ikev2_suites),
            match_fvrf_any=any(t.fvrf for t in it.tunnels),
        )
    it.tunnels.sort(key=lambda t: t.number)
    it.peers.sort(key=lambda p: p.peer)


def _routing(inv: Inventory, allocations: list[Allocation],
             intents: dict[str, RouterIntent]) -> None:
    # OSPF: tunnel subnets and LAN prefixes as network statements
    of_router: dict[str, list[Allocation]] = {}  # each router's pairs, in allocation order
    for alloc in allocations:
        of_router.setdefault(alloc.a, []).append(alloc)
        if alloc.b != alloc.a:
            of_router.setdefault(alloc.b, []).append(alloc)
    for it in intents.values():
        r = it.router
        if r.routing.protocol != "ospf" or not it.tunnels:
            continue
        nets: list[tuple[str, str]] = []
        for alloc in of_router.get(r.name, ()):
            nets.append((str(alloc.network.network_address), _wildcard(alloc.network)))
        for lan in r.model.lan:
            net = ipaddress.ip_network(lan.prefix)
            if isinstance(net, ipaddress.IPv4Network):
                nets.append((str(net.network_address), _wildcard(net)))
        it.ospf = OspfIntent(r.routing.ospf.process_id, r.routing.ospf.area, tuple(nets))

    # static: every remote LAN via the first hop of the shortest tunnel path (BFS)
    routers = {r.name: r for r in inv.routers}
    adj: dict[str, list[tuple[str, Allocation]]] = {}
    for alloc in allocations:
        adj.setdefault(alloc.a, []).append((alloc.b, alloc))
        adj.setdefault(alloc.b, []).append((alloc.a, alloc))
    for it in intents.values():
        r = it.router
        if r.routing.protocol != "static" or r.name not in adj:
            continue
        first_hop: dict[str, Allocation] = {}
        queue: deque[str] = deque()
        for peer, alloc in adj[r.name]:
            first_hop[peer] = alloc
            queue.append(peer)
        while queue:
            node = queue.popleft()
            for nxt, _ in adj.get(node, []):
                if nxt != r.name and nxt not in first_hop:
                    first_hop[nxt] = first_hop[node]
                    queue.append(nxt)
        for dest in sorted(first_hop):
            alloc = first_hop[dest]
            nh = alloc.address_of(alloc.peer_of(r.name))
            for lan in routers[dest].model.lan:
                net = ipaddress.ip_network(lan.prefix)
                if isinstance(net, ipaddress.IPv4Network):
                    it.static_routes.append(StaticRoute(
                        prefix=str(net.network_address), mask=str(net.netmask),
                        next_hop=str(nh), distance=r.routing.static.distance,
                        comment=f"greios: {dest} LAN",
                    ))
