"""Referential-integrity rules (reference §4.2, dev scope)."""

from __future__ import annotations

from collections.abc import Iterator

from greios.audit.catalog import Hit, rule
from greios.audit.model import Severity
from greios.audit.negotiate import Endpoint, endpoint, ikev1_key, v1_profile, v2_peer
from greios.audit.rules.ctx import DevCtx, obj_if
from greios.audit.rules.gre import map_protects
from greios.devmodel.addr import in_net
from greios.devmodel.model import Keyring, KeyringKey


@rule("REF-001", "error", "dev", "Tunnel protection names a missing IPsec profile",
      "Define `crypto ipsec profile <P>` or fix the name.")
def ref_001(c: DevCtx) -> Iterator[Hit]:
    for t in c.cfg.tunnels:
        p = t.tunnel.protection if t.tunnel else None
        if p and p not in c.cfg.ipsec_profiles:
            yield Hit(obj_if(t), t.line, f"{t.name}: ipsec profile {p} is not defined")


@rule("REF-002", "error", "dev", "Undefined transform set",
      "Define the transform set or remove it from `set transform-set`.")
def ref_002(c: DevCtx) -> Iterator[Hit]:
    for p in c.cfg.ipsec_profiles.values():
        for ts in p.transform_sets:
            if ts not in c.cfg.transform_sets:
                yield Hit(f"crypto ipsec profile {p.name}", p.line, f"transform-set {ts} is not "
                                                                    "defined")
    for maps, word in ((c.cfg.crypto_maps, "map"), (c.cfg.dynamic_maps, "dynamic-map")):
        for entries in maps.values():
            for e in entries:
                for ts in e.transform_sets:
                    if ts not in c.cfg.transform_sets:
                        yield Hit(f"crypto {word} {e.name} {e.seq}", e.line,
                                  f"transform-set {ts} is not defined")


@rule("REF-003", "error", "dev", "Reference to a missing crypto object",
      "Define the referenced profile/keyring/proposal/ACL or fix the name.")
def ref_003(c: DevCtx) -> Iterator[Hit]:
    cfg = c.cfg
    for p in cfg.ipsec_profiles.values():
        o = f"crypto ipsec profile {p.name}"
        if p.ikev2_profile and p.ikev2_profile not in cfg.ikev2_profiles:
            yield Hit(o, p.line, f"ikev2-profile {p.ikev2_profile} is not defined")
        if p.isakmp_profile and p.isakmp_profile not in cfg.isakmp_profiles:
            yield Hit(o, p.line, f"isakmp-profile {p.isakmp_profile} is not defined")
    for v2 in cfg.ikev2_profiles.values():
        if v2.keyring and v2.keyring not in cfg.ikev2_keyrings:
            yield Hit(f"crypto ikev2 profile {v2.name}", v2.line,
                      f"keyring local {v2.keyring} is not defined")
    for ip in cfg.isakmp_profiles.values():
        for k in ip.keyrings:
            if k not in cfg.keyrings:
                yield Hit(f"crypto isakmp profile {ip.name}", ip.line, f"keyring {k} is not "
                                                                      "defined")
    for pol in cfg.ikev2_policies.values():
        for pr in pol.proposals:
            if pr not in cfg.ikev2_proposals and pr != "default":
                yield Hit(f"crypto ikev2 policy {pol.name}", pol.line,
                          f"proposal {pr} is not defined")
    for maps, word in ((cfg.crypto_maps, "map"), (cfg.dynamic_maps, "dynamic-map")):
        for entries in maps.values():
            for e in entries:
                o = f"crypto {word} {e.name} {e.seq}"
                if e.acl and e.acl not in cfg.acls:
                    yield Hit(o, e.line, f"match address {e.acl} is not defined")
                if e.isakmp_profile and e.isakmp_profile not in cfg.isakmp_profiles:
                    yield Hit(o, e.line, f"isakmp-profile {e.isakmp_profile} is not defined")
                if e.ikev2_profile and e.ikev2_profile not in cfg.ikev2_profiles:
                    yield Hit(o, e.line, f"ikev2-profile {e.ikev2_profile} is not defined")
                if e.dynamic_map and e.dynamic_map not in cfg.dynamic_maps:
                    yield Hit(o, e.line, f"dynamic map {e.dynamic_map} is not defined")


@rule("REF-004", "warning", "dev", "IPsec profile without transform set",
      "Add `set transform-set` with an explicit strong transform.")
def ref_004(c: DevCtx) -> Iterator[Hit]:
    for p in c.cfg.ipsec_profiles.values():
        if not p.transform_sets:
            yield Hit(f"crypto ipsec profile {p.name}", p.line,
                      f"ipsec profile {p.name} falls back to the platform default transform")


@rule("REF-005", "warning", "dev", "Unreferenced crypto object",
      "Remove dead crypto objects or bind them where intended.")
def ref_005(c: DevCtx) -> Iterator[Hit]:
    cfg = c.cfg
    for name, ts in cfg.transform_sets.items():
        if name not in c.used_transform_sets:
            yield Hit(f"crypto ipsec transform-set {name}", ts.line,
                      f"transform-set {name} is not used")
    used_prof = {t.tunnel.protection for t in cfg.tunnels if t.tunnel}
    for name, p in cfg.ipsec_profiles.items():
        if name not in used_prof:
            yield Hit(f"crypto ipsec profile {name}", p.line, f"ipsec profile {name} is not used")
    entries = [e for m in (cfg.crypto_maps, cfg.dynamic_maps) for es in m.values() for e in es]
    used_v2 = {p.ikev2_profile for p in cfg.ipsec_profiles.values()} | {
        e.ikev2_profile for e in entries}
    for name, v2 in cfg.ikev2_profiles.items():
        if name not in used_v2:
            yield Hit(f"crypto ikev2 profile {name}", v2.line, f"ikev2 profile {name} is not "
                                                                "used")
    used_rings = {v2.keyring for v2 in cfg.ikev2_profiles.values()}
    for name, r in cfg.ikev2_keyrings.items():
        if name not in used_rings:
            yield Hit(f"crypto ikev2 keyring {name}", r.line, f"ikev2 keyring {name} is not used")
    in_policy = {p for pol in cfg.ikev2_policies.values() for p in pol.proposals}
    for name, pr in cfg.ikev2_proposals.items():
        if name not in in_policy:
            yield Hit(f"crypto ikev2 proposal {name}", pr.line, f"ikev2 proposal {name} is in no "
                      "ikev2 policy: the default proposal is negotiated instead")
    applied = {i.crypto_map for i in cfg.interfaces.values()}
    for name, es in cfg.crypto_maps.items():
        if name not in applied:
            yield Hit(f"crypto map {name} {es[0].seq}", es[0].line,
                      f"crypto map {name} is not applied to any interface")
    used_acls = {e.acl for e in entries}
    for name, acl in cfg.acls.items():
        if name not in used_acls and _looks_crypto(name):
            yield Hit(f"ip access-list extended {name}", acl.line, f"crypto ACL {name} is not "
                                                                   "used")


def _looks_crypto(name: str) -> bool:
    n = name.upper()
    return "CRYPTO" in n or "VPN" in n or "IPSEC" in n


@rule("REF-006", "error", "dev", "IKEv2 tunnel without a keyring peer for its destination",
      "Add a `peer` with `address <destination>` to the profile's keyring.")
def ref_006(c: DevCtx) -> Iterator[Hit]:
    for name, ep in c.endpoints.items():
        if ep.ike_version == 2 and ep.ikev2_profile is not None and ep.peer:
            t = c.cfg.interfaces[name]
            if t.shutdown:
                continue
            peer = v2_peer(c.cfg, ep.ikev2_profile, ep.peer)
            if peer is None or peer.psk_local is None:
                yield Hit(obj_if(t), t.line, f"{name}: keyring of ikev2 profile "
                          f"{ep.ikev2_profile.name} has no pre-shared key for {ep.peer}")


@rule("REF-007", "error", "dev", "IKEv1 tunnel without a PSK for its destination",
      "Add `crypto isakmp key` (global) or a keyring entry in the tunnel's FVRF.")
def ref_007(c: DevCtx) -> Iterator[Hit]:
    for name, ep in c.endpoints.items():
        if ep.ike_version == 1 and ep.kind == "tunnel-protection" and ep.peer:
            t = c.cfg.interfaces[name]
            if t.shutdown or any(r == "REF-001" for r, _ in ep.broken):
                continue
            uses_psk = any(p.auth == "pre-share" for p in c.cfg.isakmp_policies) or not \
                c.cfg.isakmp_policies
            if uses_psk and ikev1_key(ep, ep.peer) is None:
                yield Hit(obj_if(t), t.line, f"{name}: no IKEv1 pre-shared key covers {ep.peer}"
                          + (f" in vrf {ep.fvrf}" if ep.fvrf else ""))


@rule("REF-008", "warning", "dev", "IKEv2 objects exist but the tunnel uses IKEv1",
      "Add `set ikev2-profile <P>` to the tunnel's IPsec profile.")
def ref_008(c: DevCtx) -> Iterator[Hit]:
    if not c.cfg.ikev2_profiles:
        return
    for name, ep in c.endpoints.items():
        if ep.kind == "tunnel-protection" and ep.ike_version == 1:
            t = c.cfg.interfaces[name]
            yield Hit(obj_if(t), t.line, f"{name} negotiates IKEv1 although IKEv2 profiles exist")


@rule("REF-009", "error", "dev", "Crypto map does not cover the GRE tunnel",
      "Permit `gre host <src> host <dst>` in the map ACL and apply the map to the source "
      "interface.")
def ref_009(c: DevCtx) -> Iterator[Hit]:
    for t in c.cfg.tunnels:
        tt = t.tunnel
        if tt is None or t.shutdown or tt.protection or not tt.destination:
            continue
        src_if = c.cfg.interfaces.get(tt.source or "")
        if src_if is None or not src_if.crypto_map:
            continue
        entries = c.cfg.crypto_maps.get(src_if.crypto_map, ())
        if any(tt.destination in e.peers for e in entries) and not map_protects(c.cfg, t):
            yield Hit(obj_if(t), t.line, f"crypto map {src_if.crypto_map} peers with "
                      f"{tt.destination} but its ACL does not permit GRE for {t.name}")


def _v1_endpoints(c: DevCtx) -> Iterator[Endpoint]:
    """IKEv1 endpoints with a peer address: active tunnels and static crypto-map entries."""
    for name, ep in c.endpoints.items():
        if ep.ike_version == 1 and ep.ipsec and ep.peer and not c.cfg.interfaces[name].shutdown:
            yield ep
    for itf in c.cfg.interfaces.values():
        if not itf.crypto_map or itf.shutdown or itf.tunnel is not None:
            continue
        for e in c.cfg.crypto_maps.get(itf.crypto_map, ()):
            if e.kind != "ipsec-isakmp" or e.ikev2_profile:
                continue
            for peer in e.peers:
                got = endpoint(c.cfg, itf.name, peer)
                if got is not None and got.peer:
                    yield got


def _covering_key(ring: Keyring, peer: str) -> KeyringKey | None:
    best: KeyringKey | None = None
    for k in ring.keys:
        if k.network is not None and in_net(peer, k.network) and (
                best is None or best.network is None
                or k.network.prefixlen > best.network.prefixlen):
            best = k
    return best


@rule("REF-011", "warning", "dev", "Keyring not in use holds another key for a peer",
      "Remove the stale keyring (or its entry): the key in use is elsewhere.")
def ref_011(c: DevCtx) -> Iterator[Hit]:
    cfg = c.cfg
    seen: set[tuple[str, str]] = set()
    for ep in _v1_endpoints(c):
        peer = ep.peer
        assert peer is not None
        used = ikev1_key(ep, peer)
        prof = v1_profile(ep, peer)
        if used is None or prof is None:  # without a profile every keyring is consulted
            continue
        for name, ring in cfg.keyrings.items():
            if name in prof.keyrings or ring.vrf != ep.fvrf or (name, peer) in seen:
                continue
            k = _covering_key(ring, peer)
            if k is not None and k.psk.comparable and used.comparable \
                    and not k.psk.same_key(used):
                seen.add((name, peer))
                yield Hit(f"crypto keyring {name}", ring.line,
                          f"keyring {name} holds a different key for {peer} than the keyring "
                          f"in use (isakmp profile {prof.name}: "
                          f"{', '.join(prof.keyrings)})")


@rule("REF-012", "error", "dev", "ISAKMP profile's keyring has no key for its peer",
      "Point the profile at the keyring that holds the peer's key (or add the key); a peer "
      "behind NAT (inventory) is keyed on its public address.")
def ref_012(c: DevCtx) -> Iterator[Hit]:
    cfg = c.cfg
    selected = {p.name for ep in _v1_endpoints(c) if ep.peer
                and (p := v1_profile(ep, ep.peer)) is not None}
    for name, prof in cfg.isakmp_profiles.items():
        rings = [cfg.keyrings[k] for k in prof.keyrings if k in cfg.keyrings]
        if not rings:
            continue  # no keyring (or an undefined one: REF-003)
        for net, _vrf in prof.identities:
            if net.prefixlen != net.max_prefixlen:
                continue  # a range of peers: which one is meant is unknown
            peer = str(net.network_address)
            # behind a static NAT (inventory) the identity is the peer's private address and
            # main mode finds its key by the public one
            public = c.nat.public(peer) if c.nat is not None else None
            if any(_covering_key(r, peer) is not None
                   or (public is not None and _covering_key(r, public) is not None)
                   for r in rings):
                continue
            sev = None if name in selected else Severity.WARNING
            yield Hit(f"crypto isakmp profile {name}", prof.line,
                      f"isakmp profile {name} matches {peer} but its keyring "
                      f"{', '.join(prof.keyrings)} has no key for it" + (
                          f" (nor for {public}, where it is seen through NAT)"
                          if public is not None else "") + (
                          "" if sev is None else " (shadowed: another profile is selected)"),
                      sev)
