"""Pair rules (reference §4.5, §4.7, GRE-012..015, REF-010, MTU-005).

Rules decided by the negotiation (PAIR-001..009, GRE-012..015) are declared here and turned
into findings by the engine from the session verdicts; the others have a check function that
receives a :class:`PairCtx` (two tunnel ends, or two crypto-map ends).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from greios.audit.catalog import Hit, declare, rule
from greios.audit.model import Severity
from greios.audit.negotiate import Endpoint, covers, proxies_of
from greios.devmodel.model import Acl, DeviceConfig, Interface, IsakmpPolicy

declare("GRE-012", "error", "pair", "Tunnel endpoints not mirrored",
        "Make A.source == B.destination and A.destination == B.source (with the inventory, "
        "a router behind a static NAT is B.destination at its `public_address`).")
declare("GRE-013", "error", "pair", "Tunnel mode differs", "Use the same `tunnel mode` on both "
        "ends.")
declare("GRE-014", "error", "pair", "GRE key differs", "Configure the same `tunnel key` (or none) "
        "on both ends.")
declare("GRE-015", "error", "pair", "Overlay addresses not in one subnet",
        "Address both tunnel ends from one /30 or /31 with the same mask.")
declare("PAIR-001", "error", "pair", "IKE version differs", "Bind an IKEv2 profile on both ends "
        "(or neither).")
declare("PAIR-002", "error", "pair", "No common IKEv1 policy",
        "Configure an identical isakmp policy (encryption, hash, auth, group) on both ends.")
declare("PAIR-003", "error", "pair", "No common IKEv2 proposal",
        "Share at least one encryption/PRF/integrity/group combination.")
declare("PAIR-004", "error", "pair", "Pre-shared key mismatch",
        "Configure the same PSK on both ends (IKEv2: local on one = remote on the other).")
declare("PAIR-005", "error", "pair", "No common transform set",
        "Use the same transform (cipher, key size, integrity) on both ends.")
declare("PAIR-006", "error", "pair", "ESP mode mismatch",
        "Use the same mode on both ends; VTI must face a VTI.")
declare("PAIR-007", "warning", "pair", "ESP mode falls back to tunnel",
        "Use `mode transport` on both ends.")
declare("PAIR-008", "error", "pair", "PFS mismatch", "Set the same `set pfs group` on both ends.")
declare("PAIR-009", "error", "pair", "IKE identity not matched by the peer's profile",
        "Make `match identity remote address` (IKEv2) cover the peer's identity / IKE address; "
        "facing a router behind NAT, make `match identity address` (IKEv1) cover the private "
        "address it sends as identity.")


@dataclass
class PairCtx:
    a: DeviceConfig
    ia: Interface
    b: DeviceConfig
    ib: Interface
    ea: Endpoint | None
    eb: Endpoint | None

    def hit(self, detail: str, severity: Severity | None = None) -> Hit:
        return Hit(f"interface {self.ia.name}", self.ia.line, detail, severity,
                   self.b.hostname, f"interface {self.ib.name}")


@rule("MTU-005", "warning", "pair", "ip mtu differs between the tunnel ends",
      "Configure the same `ip mtu` (and `ipv6 mtu`) on both ends.")
def mtu_005(p: PairCtx) -> Iterator[Hit]:
    if p.ia.tunnel is None or p.ib.tunnel is None:
        return
    if p.ia.ip_mtu != p.ib.ip_mtu:
        yield p.hit(f"ip mtu {p.ia.ip_mtu or 'default'} vs {p.ib.ip_mtu or 'default'}")
    if p.ia.ipv6_mtu != p.ib.ipv6_mtu:
        yield p.hit(f"ipv6 mtu {p.ia.ipv6_mtu or 'default'} vs {p.ib.ipv6_mtu or 'default'}")


@rule("RTG-001", "error", "pair", "OSPF network type differs",
      "Use the same `ip ospf network` type on both tunnel ends.")
def rtg_001(p: PairCtx) -> Iterator[Hit]:
    oa, ob = p.ia.ospf, p.ib.ospf
    if p.ia.tunnel is None or (oa.process is None and ob.process is None):
        return
    na, nb = oa.network_type or "point-to-point", ob.network_type or "point-to-point"
    if na != nb:
        yield p.hit(f"ospf network {na} vs {nb}")


@rule("RTG-005", "warning", "pair", "OSPF timers or area differ",
      "Match hello/dead intervals and area on both ends.")
def rtg_005(p: PairCtx) -> Iterator[Hit]:
    oa, ob = p.ia.ospf, p.ib.ospf
    if oa.process is None or ob.process is None:
        return
    for what, x, y in (("hello", oa.hello, ob.hello), ("dead", oa.dead, ob.dead),
                       ("area", oa.area, ob.area)):
        if x != y:
            yield p.hit(f"ospf {what} {x or 'default'} vs {y or 'default'}")


@rule("PAIR-010", "warning", "pair", "IKE/IPsec lifetimes differ",
      "Configure identical lifetimes on both ends.")
def pair_010(p: PairCtx) -> Iterator[Hit]:
    if p.ea is None or p.eb is None or not (p.ea.ipsec and p.eb.ipsec):
        return
    if p.ea.ike_version == 2 and p.eb.ike_version == 2:
        la = p.ea.ikev2_profile.lifetime if p.ea.ikev2_profile else 86400
        lb = p.eb.ikev2_profile.lifetime if p.eb.ikev2_profile else 86400
        if la != lb:
            yield p.hit(f"IKEv2 SA lifetime {la} vs {lb} (not negotiated)", Severity.INFO)
    elif p.ea.ike_version == 1 and p.eb.ike_version == 1:
        # only the policies main mode agrees on matter: the responder's first policy (by
        # priority) whose suite the initiator offers, and the initiator's policy of that suite
        chosen = _isakmp_pair(p.a, p.b)
        if chosen is not None and chosen[0].lifetime != chosen[1].lifetime:
            yield p.hit(f"ISAKMP lifetime {chosen[0].lifetime} s (policy {chosen[0].priority}) "
                        f"vs {chosen[1].lifetime} s (policy {chosen[1].priority})")
    pa = p.a.ipsec_profiles.get(p.ia.tunnel.protection or "") if p.ia.tunnel else None
    pb = p.b.ipsec_profiles.get(p.ib.tunnel.protection or "") if p.ib.tunnel else None
    if pa and pb and (pa.lifetime_s, pa.lifetime_kb) != (pb.lifetime_s, pb.lifetime_kb):
        sev = Severity.INFO if p.ea.ike_version == 2 else None
        yield p.hit(f"IPsec SA lifetime {pa.lifetime_s or 'default'} s vs "
                    f"{pb.lifetime_s or 'default'} s", sev)


def _isakmp_pair(a: DeviceConfig, b: DeviceConfig
                 ) -> tuple[IsakmpPolicy, IsakmpPolicy] | None:
    offered: dict[object, IsakmpPolicy] = {}
    for x in a.isakmp_policies:  # sorted by priority: the first of each suite is offered
        offered.setdefault(x.suite, x)
    for y in b.isakmp_policies:
        if y.suite in offered:
            return offered[y.suite], y
    return None


def _dpd(d: DeviceConfig, e: Endpoint) -> bool:
    if e.ikev2_profile is not None and e.ikev2_profile.dpd:
        return True
    if e.isakmp_profile is not None and e.isakmp_profile.keepalive:
        return True
    return e.ike_version == 1 and d.isakmp_keepalive is not None


@rule("PAIR-011", "warning", "pair", "DPD on one side only", "Configure DPD on both ends.")
def pair_011(p: PairCtx) -> Iterator[Hit]:
    if p.ea is None or p.eb is None or not (p.ea.ipsec and p.eb.ipsec):
        return
    da, db = _dpd(p.a, p.ea), _dpd(p.b, p.eb)
    if da != db:
        yield p.hit(f"DPD on {p.a.hostname if da else p.b.hostname} only")


def _mirror(x: Acl, y: Acl) -> bool:
    fx = {(e.action, e.protocol, e.src, e.dst) for e in x.entries if e.action != "remark"}
    fy = {(e.action, e.protocol, e.dst, e.src) for e in y.entries if e.action != "remark"}
    return fx == fy


@rule("REF-010", "error", "pair", "Crypto map ACLs are not mirrors",
      "Make each side's crypto ACL the exact mirror of the other.")
def ref_010(p: PairCtx) -> Iterator[Hit]:
    if p.ea is None or p.eb is None or p.ea.kind != "crypto-map" or p.eb.kind not in (
            "crypto-map", "dynamic-map"):
        return
    if p.ea.acl is not None and p.eb.acl is not None and not _mirror(p.ea.acl, p.eb.acl):
        # the proxies still negotiate both ways (an entry of each side covers one of the
        # other's, reversed): a warning; else a session is IPSEC_PHASE2_FAILED: an error
        pa, pb = proxies_of(p.ea, p.eb), proxies_of(p.eb, p.ea)
        overlap = bool(pa and pb and any(covers(x, y) for x in pb for y in pa)
                       and any(covers(y, x) for x in pb for y in pa))
        yield p.hit(f"ACL {p.ea.acl.name} on {p.a.hostname} is not the mirror of "
                    f"{p.eb.acl.name} on {p.b.hostname}" + (
                        " (the proxies still overlap)" if overlap else ""),
                    Severity.WARNING if overlap else None)
