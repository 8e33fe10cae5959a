"""IKEv1 / IKEv2 / IPsec phase-2 negotiation between two parsed configs.

Pure and fast (imports only the model; no ciscoconfparse): the simulated router reuses it.

Statuses (Batfish vocabulary, directed initiator -> responder):

* ``MISSING_END_POINT`` - the responder has no IPsec configuration for this peer.
* ``IKE_PHASE1_FAILED`` - IKE versions differ (PAIR-001), no common IKEv1 policy (PAIR-002) or
  IKEv2 proposal (PAIR-003), or no IKEv2 profile on the responder matches (PAIR-009).
* ``IKE_PHASE1_KEY_MISMATCH`` - a PSK is missing on one side (REF-006/REF-007) or differs
  (PAIR-004; compared by salted digest).
* ``IPSEC_PHASE2_FAILED`` - no common transform set (PAIR-005), mode mismatch with ``require``
  or a VTI facing a non-VTI (PAIR-006), IKEv1 PFS refused by the responder (PAIR-008).
* ``IPSEC_SESSION_ESTABLISHED`` - negotiates; ``reasons`` may still carry warnings (IKEv2 PFS
  mismatch that breaks the first rekey, mode fallback, lifetimes).
* greios extensions: ``GRE_ONLY`` - neither end has IPsec and the GRE layer works;
  ``GRE_FAILED`` - IPsec negotiates (or is absent on both ends) but the GRE layer cannot work
  (endpoints not mirrored GRE-012, mode GRE-013, key GRE-014, shut down).

Unlike Batfish: IKEv2 is modelled, a crypto-map peer may face a tunnel-protection peer (the
verdict comes from the negotiation and the kind mismatch is reported), and phase 2 succeeds
when neither side sets PFS. Crypto-map proxies (ACLs, or host-to-host GRE for tunnel
protection) decide phase 2: none of the initiator's proxies inside a responder entry,
reversed, is IPSEC_PHASE2_FAILED (REF-010); Batfish's corpus test calls such a pair
established, IOS refuses the proxies.

Static one-to-one NAT (``nat``, from the inventory; :class:`greios.audit.facts.NatMap`): a
NATed endpoint keeps its own private ``local`` for its own lookups (keyring
``local-address``, ``match address local``, IKEv2 policies) and is seen by its peer at its
public address (``Endpoint.seen``): the peer's PSK lookup (IKEv1 main mode, IKEv2 keyring
``address``), ``set peer`` and the GRE proxies use that one. The identity it sends is its
own: IKEv1 the private address of the sending interface (``crypto isakmp identity
address``, the default; other identity forms are not read), IKEv2 ``identity local`` or
else that private address. A responder's ISAKMP profile is selected by that identity, its
PSK by the address; a bound ISAKMP profile that does not match the identity of a NATed peer
fails phase 1 (PAIR-009). NAT-T (UDP 4500) is noted in the reasons. Without ``nat`` the
identity is the address, as before.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from functools import lru_cache
from ipaddress import IPv4Address, IPv4Network
from typing import TypeVar

from greios.audit.facts import NatMap
from greios.audit.ikedefaults import IKEV2_DEFAULT_PROPOSAL
from greios.audit.model import SessionStatus
from greios.devmodel.addr import Net, NetIndex, canonical_ip, in_net, ip_key, is_ip, is_ipv4
from greios.devmodel.model import (
    Acl,
    DeviceConfig,
    Ikev2Peer,
    Ikev2Profile,
    Ikev2Proposal,
    Interface,
    IsakmpKey,
    IsakmpProfile,
    KeyringKey,
    TransformSet,
)
from greios.devmodel.secrets import Psk

S = SessionStatus
P = TypeVar("P")


@dataclass(frozen=True)
class Endpoint:
    """One side's resolved IPsec intent towards one peer."""

    device: DeviceConfig
    interface: str
    kind: str  # "tunnel-protection" | "crypto-map" | "dynamic-map" | "gre" (no IPsec)
    local: str | None
    peer: str | None
    fvrf: str | None = None
    vti: bool = False
    ike_version: int | None = None
    transform_sets: tuple[TransformSet, ...] = ()
    pfs: str | None = None
    isakmp_profile: IsakmpProfile | None = None
    ikev2_profile: Ikev2Profile | None = None
    acl: Acl | None = None
    broken: tuple[tuple[str, str], ...] = ()  # (rule, reason) for dangling references
    gre_src_ok: bool = True
    #: behind a static NAT: the public address the peer sees for ``local`` (else None)
    seen: str | None = None

    @property
    def ipsec(self) -> bool:
        return self.kind != "gre"

    @property
    def outside(self) -> str | None:
        """The address the peer sees: the public one behind NAT, else ``local``."""
        return self.seen if self.seen is not None else self.local


def seen_through(ep: Endpoint, nat: NatMap | None) -> Endpoint:
    """``ep`` with the public address its peer sees when its local address is NATed."""
    public = nat.public(ep.local) if nat is not None else None
    return ep if public is None else replace(ep, seen=public)


@dataclass
class Verdict:
    status: SessionStatus
    reasons: list[str] = field(default_factory=list)
    rules: list[str] = field(default_factory=list)
    ike_version: int | None = None
    kind: str = "tunnel-protection"
    hits: list[tuple[str, str]] = field(default_factory=list)  # (rule, reason)

    def add(self, rule: str, reason: str) -> None:
        self.reasons.append(reason)
        self.hits.append((rule, reason))
        if rule not in self.rules:
            self.rules.append(rule)


def _resolve_addr(cfg: DeviceConfig, text: str | None) -> str | None:
    if text is None:
        return None
    if is_ip(text):
        return canonical_ip(text)
    itf = cfg.interfaces.get(text)
    if itf is None:
        return None
    if itf.address:
        return str(itf.address.ip)
    v6 = itf.ipv6_addresses()
    return str(v6[0].ip) if v6 else None


def _map_entry_for(cfg: DeviceConfig, itf: Interface, peer: str | None) -> Endpoint | None:
    entries = cfg.crypto_maps.get(itf.crypto_map or "", ())
    local = str(itf.address.ip) if itf.address else None
    for e in entries:
        if e.kind == "ipsec-isakmp" and peer is not None and peer in e.peers:
            return _from_map(cfg, itf.name, "crypto-map", local, peer, itf.vrf, e.transform_sets,
                             e.pfs, e.isakmp_profile, e.ikev2_profile, e.acl)
    for e in entries:
        if e.kind == "dynamic-ref" and e.dynamic_map:
            for d in cfg.dynamic_maps.get(e.dynamic_map, ()):
                return _from_map(cfg, itf.name, "dynamic-map", local, peer, itf.vrf,
                                 d.transform_sets, d.pfs, d.isakmp_profile, d.ikev2_profile, d.acl)
    return None


def _from_map(cfg: DeviceConfig, ifname: str, kind: str, local: str | None, peer: str | None,
              fvrf: str | None, ts: tuple[str, ...], pfs: str | None, isa: str | None,
              v2: str | None, acl: str | None) -> Endpoint:
    broken = [("REF-002", f"transform-set {t} is not defined on {cfg.hostname}")
              for t in ts if t not in cfg.transform_sets]
    return Endpoint(cfg, ifname, kind, local, peer, fvrf, False, 2 if v2 else 1,
                    tuple(cfg.transform_sets[t] for t in ts if t in cfg.transform_sets), pfs,
                    cfg.isakmp_profiles.get(isa or ""), cfg.ikev2_profiles.get(v2 or ""),
                    cfg.acls.get(acl or ""), tuple(broken))


def endpoint(cfg: DeviceConfig, ifname: str, peer: str | None = None) -> Endpoint | None:
    """Resolve the IPsec intent of ``ifname`` (a tunnel, or an interface with a crypto map);
    computed once per (interface, peer): rules, pairing and negotiation all ask."""
    got: Endpoint | None = cfg.memo(f"endpoint:{ifname}\0{peer!r}",
                                    lambda: _endpoint(cfg, ifname, peer))
    return got


def _endpoint(cfg: DeviceConfig, ifname: str, peer: str | None) -> Endpoint | None:
    itf = cfg.interfaces.get(ifname)
    if itf is None:
        return None
    t = itf.tunnel
    if t is None:
        return _map_entry_for(cfg, itf, peer) if itf.crypto_map else None
    local = cfg.tunnel_source_address(itf)
    src_itf = cfg.interfaces.get(t.source or "")
    if t.protection is None:
        if src_itf is not None and src_itf.crypto_map:
            ep = _map_entry_for(cfg, src_itf, t.dest_address)
            if ep is not None:
                return Endpoint(**{**ep.__dict__, "interface": ifname})
        return Endpoint(cfg, ifname, "gre", local, t.dest_address, t.vrf, t.is_vti)
    prof = cfg.ipsec_profiles.get(t.protection)
    if prof is None:
        return Endpoint(cfg, ifname, "tunnel-protection", local, t.dest_address, t.vrf, t.is_vti,
                        None, broken=(("REF-001", f"ipsec profile {t.protection} is not defined "
                                       f"on {cfg.hostname}"),))
    ep = _from_map(cfg, ifname, "tunnel-protection", local, t.dest_address, t.vrf,
                   prof.transform_sets, prof.pfs, prof.isakmp_profile, prof.ikev2_profile, None)
    broken = list(ep.broken)
    if prof.ikev2_profile and ep.ikev2_profile is None:
        broken.append(("REF-003", f"ikev2 profile {prof.ikev2_profile} is not defined"))
    if prof.isakmp_profile and ep.isakmp_profile is None:
        broken.append(("REF-003", f"isakmp profile {prof.isakmp_profile} is not defined"))
    return Endpoint(**{**ep.__dict__, "vti": t.is_vti, "broken": tuple(broken)})


# -- IKEv1 -----------------------------------------------------------------------------------

def v1_profile(ep: Endpoint, peer: str) -> IsakmpProfile | None:
    """The ISAKMP profile main mode selects towards ``peer``."""
    if ep.isakmp_profile is not None:
        return ep.isakmp_profile
    cfg = ep.device
    ip = ip_key(peer)
    if ip is None:  # not an address: the plain scan decides (and fails) as before
        names: list[str] = sorted(cfg.isakmp_profiles)
    else:  # only profiles with an identity network containing the peer can match
        names, index = cfg.memo("v1-profiles", lambda: _profile_index(
            cfg.isakmp_profiles, lambda p: [n for n, _ in p.identities]))
        names = [names[i] for i in _positions(index, ip)]
    for name in names:
        p = cfg.isakmp_profiles[name]
        if p.local_address and _resolve_addr(cfg, p.local_address) != ep.local:
            continue
        if any(in_net(peer, n) and (v or None) == ep.fvrf for n, v in p.identities):
            return p
    return None


def _positions(index: NetIndex[int], ip: tuple[int, int]) -> list[int]:
    """Sorted positions of the profiles with a network containing ``ip`` (version, value)."""
    return sorted({i for hit in index.containing(ip[1], ip[0]) for i in hit})


def _profile_index(profiles: Mapping[str, P], nets: Callable[[P], Iterable[Net]]
                   ) -> tuple[list[str], NetIndex[int]]:
    """Profile names sorted, and network -> positions of the profiles that name it."""
    names = sorted(profiles)
    return names, NetIndex((n, i) for i, name in enumerate(names) for n in nets(profiles[name]))


def _best_key(keys: Sequence[KeyringKey] | Sequence[IsakmpKey], peer: str, memo_key: str,
              cfg: DeviceConfig) -> tuple[int, Psk] | None:
    """(prefix length, PSK) of the first key of the longest network containing ``peer``."""
    ip = ip_key(peer)
    if ip is None:
        best: tuple[int, Psk] | None = None
        for k in keys:
            if k.network is not None and in_net(peer, k.network) and (
                    best is None or k.network.prefixlen > best[0]):
                best = (k.network.prefixlen, k.psk)
        return best
    index = cfg.memo(memo_key, lambda: NetIndex(
        (k.network, (k.network.prefixlen, k.psk)) for k in keys if k.network is not None))
    return next((hit[0] for hit in index.containing(ip[1], ip[0])), None)


def ikev1_key(ep: Endpoint, peer: str, identity: str | None = None) -> Psk | None:
    """PSK main mode would use towards ``peer`` (most specific match wins); the ISAKMP
    profile is selected by the peer's ``identity`` (its address unless it is NATed)."""
    cfg = ep.device
    prof = v1_profile(ep, identity or peer)
    if prof is not None:
        rings = [cfg.keyrings[k] for k in prof.keyrings if k in cfg.keyrings]
    else:
        rings = [r for r in cfg.keyrings.values() if r.vrf == ep.fvrf]
    best: tuple[int, Psk] | None = None
    for r in rings:
        if r.local_address and _resolve_addr(cfg, r.local_address) != ep.local:
            continue
        found = _best_key(r.keys, peer, f"keyring:{r.name}", cfg)
        if found is not None and (best is None or found[0] > best[0]):
            best = found
    if best is None and prof is None and ep.fvrf is None:
        best = _best_key(cfg.isakmp_keys, peer, "isakmp-keys", cfg)
    return best[1] if best else None


def _ikev1(a: Endpoint, b: Endpoint, v: Verdict) -> bool:
    offered = {p.suite for p in a.device.isakmp_policies}
    chosen = next((p for p in b.device.isakmp_policies if p.suite in offered), None)
    if chosen is None:
        v.status = S.IKE_PHASE1_FAILED
        v.add("PAIR-002", f"no common IKEv1 policy between {a.device.hostname} and "
                          f"{b.device.hostname}")
        return False
    if chosen.auth != "pre-share":
        return True
    # main mode: the key by the address the peer is seen at, the profile by its identity
    ka = ikev1_key(a, b.outside or "", b.local)
    kb = ikev1_key(b, a.outside or "", a.local)
    for ep, k, other in ((a, ka, b), (b, kb, a)):
        if k is None:
            v.status = S.IKE_PHASE1_KEY_MISMATCH
            v.add("REF-007", f"{ep.device.hostname} has no IKEv1 pre-shared key for "
                             f"{other.outside}")
    if v.status == S.IKE_PHASE1_KEY_MISMATCH:
        return False
    assert ka is not None and kb is not None
    if ka.comparable and kb.comparable and not ka.same_key(kb):
        v.status = S.IKE_PHASE1_KEY_MISMATCH
        v.add("PAIR-004", "pre-shared keys differ (compared by salted hash)")
        return False
    if not (ka.comparable and kb.comparable):
        v.reasons.append("type 6 pre-shared key: equality not verifiable offline")
    return _v1_identities(a, b, v)


def _v1_identities(a: Endpoint, b: Endpoint, v: Verdict) -> bool:
    """Behind NAT the identity a router sends (its private address) is not the address its
    peer sees: a bound ISAKMP profile must match that identity (issue #10 defect 3)."""
    for ep, other in ((b, a), (a, b)):
        ident, prof = other.local, ep.isakmp_profile
        if other.seen is None or ident is None or prof is None:
            continue  # identity = address (no NAT), or the profile is selected by identity
        if not any(in_net(ident, n) and (vrf or None) == ep.fvrf for n, vrf in prof.identities):
            v.status = S.IKE_PHASE1_FAILED
            v.add("PAIR-009", f"isakmp profile {prof.name} on {ep.device.hostname} does not "
                              f"match identity {ident}, which {other.device.hostname} sends "
                              f"from behind NAT (seen as {other.seen}; match identity address)")
    return v.status != S.IKE_PHASE1_FAILED


# -- IKEv2 -----------------------------------------------------------------------------------

def v2_proposals(ep: Endpoint) -> list[Ikev2Proposal]:
    cfg = ep.device
    if not cfg.ikev2_policies:
        return [IKEV2_DEFAULT_PROPOSAL]
    out: list[Ikev2Proposal] = []
    for pol in cfg.ikev2_policies.values():
        if pol.match_fvrf not in ("any", ep.fvrf):
            continue
        if pol.match_local and ep.local not in pol.match_local:
            continue
        out.extend(cfg.ikev2_proposals[p] for p in pol.proposals if p in cfg.ikev2_proposals)
    return out


def _prop_match(x: Ikev2Proposal, y: Ikev2Proposal) -> bool:
    enc = set(x.encryption) & set(y.encryption)
    prf = set(x.prf or x.integrity) & set(y.prf or y.integrity)
    grp = set(x.group) & set(y.group)
    aead = {e for e in enc if "gcm" in e}
    integ_ok = bool(set(x.integrity) & set(y.integrity)) or (bool(aead) and not (
        x.integrity and y.integrity))
    return bool(enc and prf and grp and integ_ok)


def _fvrf_ok(match: str | None, fvrf: str | None) -> bool:
    return match == "any" or match == fvrf


def select_v2_profile(ep: Endpoint, remote_identity: str | None) -> Ikev2Profile | None:
    """Responder-side profile selection by match identity remote / fvrf / local address."""
    cfg = ep.device
    ip = ip_key(remote_identity) if remote_identity is not None else None
    if ip is None:  # not an address: the plain scan decides as before
        names: list[str] = sorted(cfg.ikev2_profiles)
    else:  # only profiles whose `match identity remote` contains the identity can match
        names, index = cfg.memo("v2-profiles", lambda: _profile_index(
            cfg.ikev2_profiles, lambda p: p.match_remote))
        names = [names[i] for i in _positions(index, ip)]
    for name in names:
        p = cfg.ikev2_profiles[name]
        if not _fvrf_ok(p.match_fvrf, ep.fvrf):
            continue
        if p.match_local and ep.local not in p.match_local:
            continue
        if any(in_net(remote_identity, n) for n in p.match_remote):
            return p
    return None


def _v2_identity(ep: Endpoint) -> str | None:
    p = ep.ikev2_profile
    if p is not None and p.identity_local and p.identity_local.startswith("address "):
        return canonical_ip(p.identity_local.split()[1])
    return ep.local


def v2_peer(cfg: DeviceConfig, prof: Ikev2Profile | None, addr: str | None) -> Ikev2Peer | None:
    """The keyring peer for ``addr``: the first peer of the longest network containing it."""
    if prof is None or prof.keyring is None or addr is None:
        return None
    ring = cfg.ikev2_keyrings.get(prof.keyring)
    if ring is None:
        return None
    ip = ip_key(addr)
    if ip is None:  # not an address: the plain scan decides as before
        best: Ikev2Peer | None = None
        for peer in ring.peers:
            if peer.network is not None and in_net(addr, peer.network) and (
                    best is None or best.network is None
                    or peer.network.prefixlen > best.network.prefixlen):
                best = peer
        return best
    index = cfg.memo(f"v2-peers:{ring.name}", lambda: NetIndex(
        (p.network, p) for p in ring.peers if p.network is not None))
    return next((hit[0] for hit in index.containing(ip[1], ip[0])), None)


def _ikev2(a: Endpoint, b: Endpoint, v: Verdict) -> bool:
    pa, pb = v2_proposals(a), v2_proposals(b)
    if not any(_prop_match(x, y) for x in pa for y in pb):
        v.status = S.IKE_PHASE1_FAILED
        v.add("PAIR-003", f"no common IKEv2 proposal between {a.device.hostname} and "
                          f"{b.device.hostname}")
        return False
    ident = _v2_identity(a)
    prof_b = select_v2_profile(b, ident)
    if prof_b is None:
        v.status = S.IKE_PHASE1_FAILED
        v.add("PAIR-009", f"no IKEv2 profile on {b.device.hostname} matches identity {ident} "
                          f"(match identity remote / match fvrf)")
        return False
    peer_a = v2_peer(a.device, a.ikev2_profile, b.outside)
    peer_b = v2_peer(b.device, prof_b, a.outside)
    for dev, peer, addr in ((a, peer_a, b.outside), (b, peer_b, a.outside)):
        if peer is None:
            v.status = S.IKE_PHASE1_KEY_MISMATCH
            v.add("REF-006", f"{dev.device.hostname} has no IKEv2 keyring peer for {addr}")
    if peer_a is None or peer_b is None:
        return False
    for x, y, what in ((peer_a.psk_local, peer_b.psk_remote, "initiator"),
                       (peer_b.psk_local, peer_a.psk_remote, "responder")):
        if x is None or y is None:
            v.status = S.IKE_PHASE1_KEY_MISMATCH
            v.add("PAIR-004", f"IKEv2 {what} pre-shared key missing on one side")
        elif x.comparable and y.comparable and not x.same_key(y):
            v.status = S.IKE_PHASE1_KEY_MISMATCH
            v.add("PAIR-004", f"IKEv2 {what} pre-shared keys differ (local/remote not crossed "
                              "or different keys; compared by salted hash)")
    return v.status != S.IKE_PHASE1_KEY_MISMATCH


# -- phase 2 ---------------------------------------------------------------------------------

def _phase2(a: Endpoint, b: Endpoint, v: Verdict, ike: int) -> None:
    if a.vti != b.vti and a.ipsec and b.ipsec:
        v.status = S.IPSEC_PHASE2_FAILED
        v.add("PAIR-006", "one side is a VTI (tunnel mode ipsec) and the other is not: proxy "
                          "identities and ESP mode differ")
        return
    common = None
    fallback = False
    for ta in a.transform_sets:
        for tb in b.transform_sets:
            if ta.signature != tb.signature:
                continue
            if a.vti or ta.mode == tb.mode:
                common = (ta, tb)
                break
            if ta.require or tb.require:
                continue
            common, fallback = (ta, tb), True
            break
        if common:
            break
    if common is None:
        v.status = S.IPSEC_PHASE2_FAILED
        if any(ta.signature == tb.signature for ta in a.transform_sets
               for tb in b.transform_sets):
            v.add("PAIR-006", "transform modes differ and one side has 'mode transport require'")
        else:
            v.add("PAIR-005", "no transform set in common (cipher, key size, integrity)")
        return
    if fallback:
        v.add("PAIR-007", "ESP mode falls back to tunnel mode (transport requested on one side)")
    pa, pb = a.pfs, b.pfs
    if pa == pb:
        return
    if ike == 2:
        v.add("PAIR-008", f"PFS differs ({pa or 'none'} vs {pb or 'none'}): the first CHILD_SA "
                          "works, the first rekey fails")
    elif pb is not None:
        v.status = S.IPSEC_PHASE2_FAILED
        v.add("PAIR-008", f"responder requires PFS {pb}, initiator offers {pa or 'none'}")
    else:
        v.add("PAIR-008", f"only the initiator sets PFS ({pa}); the reverse direction fails")


def negotiate_endpoints(a: Endpoint, b: Endpoint | None) -> Verdict:
    """Directed verdict: ``a`` initiates towards ``b``."""
    v = Verdict(S.IPSEC_SESSION_ESTABLISHED, kind=a.kind)
    if b is None:
        v.status = S.MISSING_END_POINT
        v.reasons.append(f"no device answers {a.peer}")
        return v
    if not a.ipsec and not b.ipsec:
        v.status = S.GRE_ONLY
        v.add("GRE-001", "plain GRE on both ends: traffic is not encrypted")
        return v
    if not b.ipsec:
        v.status = S.MISSING_END_POINT
        v.add("GRE-001", f"{b.device.hostname} {b.interface} has no IPsec for this peer")
        return v
    if not a.ipsec:
        v.status = S.MISSING_END_POINT
        v.add("GRE-001", f"{a.device.hostname} {a.interface} has no IPsec; the peer expects it")
        return v
    for ep in (a, b):
        if ep.seen is not None:
            v.reasons.append(f"NAT-T (UDP 4500): {ep.device.hostname} is behind a static NAT "
                             f"({ep.local} seen as {ep.seen})")
    if a.kind != b.kind and "dynamic-map" not in (a.kind, b.kind):
        v.reasons.append(f"protection kind differs: {a.kind} on {a.device.hostname}, "
                         f"{b.kind} on {b.device.hostname}")
    for ep in (a, b):
        for rule, reason in ep.broken:
            v.add(rule, reason)
    if any(r in ("REF-001",) for r, _ in a.broken + b.broken):
        v.status = S.IKE_PHASE1_FAILED
        return v
    v.ike_version = a.ike_version
    if a.ike_version != b.ike_version:
        v.status = S.IKE_PHASE1_FAILED
        v.add("PAIR-001", f"IKE versions differ (IKEv{a.ike_version} vs IKEv{b.ike_version})")
        return v
    ok = _ikev2(a, b, v) if a.ike_version == 2 else _ikev1(a, b, v)
    if ok:
        _phase2(a, b, v, a.ike_version or 1)
    if v.status == S.IPSEC_SESSION_ESTABLISHED:
        _proxies(a, b, v)
    return v


Proxy = tuple[str, IPv4Network, IPv4Network]  # (protocol, local side, remote side)


def proxies_of(ep: Endpoint, peer: Endpoint) -> list[Proxy] | None:
    """The proxy identities ``ep`` proposes: its crypto ACL's permits, or host-to-host GRE
    between the endpoints for a GRE tunnel with `tunnel protection`; None = anything (a
    dynamic map, a VTI, no ACL, an address that is not IPv4)."""
    if ep.kind == "crypto-map" and ep.acl is not None:
        return [(e.protocol, e.src, e.dst) for e in ep.acl.entries
                if e.action == "permit" and e.src is not None and e.dst is not None]
    if ep.kind == "tunnel-protection" and not ep.vti and is_ipv4(ep.outside or "") \
            and is_ipv4(peer.outside or ""):  # NAT-T: as the two ends see each other
        return [("gre", _host_net(ep.outside or ""), _host_net(peer.outside or ""))]
    return None


@lru_cache(maxsize=1 << 14)
def _host_net(address: str) -> IPv4Network:
    """``address/32``, made once per address (each router's outside address is in all of
    its sessions: a 100-site mesh parsed the same 100 networks 19,800 times); a network is
    immutable, and the ``subnet_of`` checks then reuse its cached broadcast address."""
    return IPv4Network(f"{address}/32")


def covers(mine: Proxy, theirs: Proxy) -> bool:
    """``mine`` (a responder's entry) accepts the initiator's ``theirs``, reversed."""
    proto, local, remote = mine
    return (proto in ("ip", theirs[0]) and theirs[2].subnet_of(local)
            and theirs[1].subnet_of(remote))


def _proxies(a: Endpoint, b: Endpoint, v: Verdict) -> None:
    """IKEv1/IKEv2 phase 2: the responder accepts the initiator's proxies only inside one of
    its own entries, reversed (docs/ios-fidelity.md row 17e). Safe choice, the exact IOS
    rule being unsettled: fail only when none of the initiator's proxies is covered; partial
    overlap stays established with the REF-010 warning."""
    pa, pb = proxies_of(a, b), proxies_of(b, a)
    if pa is None or pb is None or not pa or not pb:
        return
    if any(covers(mine, theirs) for theirs in pa for mine in pb):
        return
    v.status = S.IPSEC_PHASE2_FAILED
    v.reasons.append(f"proxy identities refused: no entry of {b.device.hostname}'s "
                     f"{_proxy_name(b)} covers, reversed, what {a.device.hostname} proposes "
                     f"({_proxy_name(a)})")
    if "REF-010" not in v.rules:
        v.rules.append("REF-010")


def _proxy_name(ep: Endpoint) -> str:
    return f"ACL {ep.acl.name}" if ep.acl is not None else "GRE host-to-host proxies"


def negotiate(initiator: DeviceConfig, init_if: str, responder: DeviceConfig,
              resp_if: str, *, peer: str | None = None, nat: NatMap | None = None) -> Verdict:
    """Verdict for ``initiator``'s ``init_if`` initiating to ``responder``'s ``resp_if``.

    Interfaces are tunnel interfaces or interfaces carrying a crypto map (``peer`` then picks
    the map entry by its ``set peer`` address). ``nat``: the inventory's static NATs.
    """
    a = endpoint(initiator, init_if, peer)
    if a is None:
        return Verdict(S.MISSING_END_POINT, [f"{initiator.hostname} {init_if}: no tunnel or "
                                             "crypto map"])
    a = seen_through(a, nat)
    b = endpoint(responder, resp_if, a.outside)
    if b is not None:
        b = seen_through(b, nat)
    if a.peer is None and b is not None:
        a = seen_through(endpoint(initiator, init_if, b.outside) or a, nat)
    v = negotiate_endpoints(a, b)
    if b is not None:
        _gre_layer(a, b, v, nat)
    return v


def _gre_layer(a: Endpoint, b: Endpoint, v: Verdict, nat: NatMap | None = None) -> None:
    ia = a.device.interfaces.get(a.interface)
    ib = b.device.interfaces.get(b.interface)
    if ia is None or ib is None or ia.tunnel is None or ib.tunnel is None:
        return
    problems = gre_problems(a.device, ia, b.device, ib, nat)
    if problems and v.status in (S.IPSEC_SESSION_ESTABLISHED, S.GRE_ONLY):
        v.status = S.GRE_FAILED
    for rule, reason in problems:
        v.add(rule, reason)


def gre_problems(da: DeviceConfig, ia: Interface, db: DeviceConfig, ib: Interface,
                 nat: NatMap | None = None) -> list[tuple[str, str]]:
    """GRE-layer reasons why two tunnel interfaces cannot pass traffic (``nat``: each end's
    destination must be the other's source as seen from outside, post-NAT)."""
    out: list[tuple[str, str]] = []
    ta, tb = ia.tunnel, ib.tunnel
    assert ta is not None and tb is not None
    for d, i in ((da, ia), (db, ib)):
        if i.shutdown:
            out.append(("GRE-003", f"{d.hostname} {i.name} is shut down"))
    sa, sb = da.tunnel_source_address(ia), db.tunnel_source_address(ib)
    oa, ob = (nat.outside(sa), nat.outside(sb)) if nat is not None else (sa, sb)
    if not (oa == tb.dest_address and ob == ta.dest_address):
        seen = "".join(f" ({d.hostname} is seen at {o} through NAT)"
                       for d, s, o in ((da, sa, oa), (db, sb, ob)) if o != s)
        out.append(("GRE-012", f"endpoints not mirrored: {da.hostname} {sa}->{ta.destination}, "
                               f"{db.hostname} {sb}->{tb.destination}{seen}"))
    if ta.mode != tb.mode:
        out.append(("GRE-013", f"tunnel mode differs ({ta.mode} vs {tb.mode})"))
    if ta.key != tb.key:
        out.append(("GRE-014", "tunnel key differs"))
    if ia.address and ib.address and (ia.address.network != ib.address.network
                                       or ia.address.ip == ib.address.ip):
            out.append(("GRE-015", f"overlay addresses {ia.address} and {ib.address} are not "
                                   "distinct addresses of one subnet"))
    return out


def address_of(text: str) -> IPv4Address | None:
    return IPv4Address(text) if is_ipv4(text) else None
