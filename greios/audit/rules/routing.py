"""Routing (reference §4.5 dev rules), NAT (§4.6, inventory facts) and operations (§4.8)."""

from __future__ import annotations

from collections.abc import Iterator

from greios.audit.catalog import Hit, rule
from greios.audit.rules.ctx import DevCtx, obj_if
from greios.devmodel.addr import NetIndex
from greios.devmodel.model import Interface


def igp_on(c: DevCtx, itf: Interface) -> bool:
    if itf.ospf.process is not None:
        return True
    if itf.address is None:
        return False
    cfg = c.cfg
    nets = cfg.memo("igp-on", lambda: NetIndex(
        (n, True) for n in [*(n for o in cfg.ospf for n, _ in o.networks),
                            *(n for e in cfg.eigrp for n in e.networks)]))
    return next(nets.containing(int(itf.address.ip)), None) is not None


@rule("RTG-002", "error", "dev", "Multicast IGP expected over crypto-map-only IPsec",
      "Carry the IGP in a GRE tunnel (or VTI) protected by IPsec.")
def rtg_002(c: DevCtx) -> Iterator[Hit]:
    if not (c.cfg.ospf or c.cfg.eigrp):
        return
    dests = {t.tunnel.destination for t in c.cfg.tunnels if t.tunnel}
    for itf in c.cfg.interfaces.values():
        if not itf.crypto_map or not igp_on(c, itf):
            continue
        for e in c.cfg.crypto_maps.get(itf.crypto_map, ()):
            for p in e.peers:
                if p not in dests:
                    yield Hit(obj_if(itf), itf.line, f"IGP runs on {itf.name} whose crypto map "
                              f"{e.name} {e.seq} peers with {p} without a GRE tunnel")


@rule("RTG-003", "error", "dev", "IS-IS on a VTI", "Use GRE (tunnel mode gre ip) for IS-IS.")
def rtg_003(c: DevCtx) -> Iterator[Hit]:
    for t in c.cfg.tunnels:
        if t.isis and t.tunnel is not None and t.tunnel.is_vti:
            yield Hit(obj_if(t), t.line, f"{t.name} is a VTI running IS-IS")


@rule("RTG-004", "warning", "dev", "IGP enabled on the tunnel underlay interface",
      "Keep the IGP off the WAN interface; narrow the `network` statements.")
def rtg_004(c: DevCtx) -> Iterator[Hit]:
    seen: set[str] = set()
    for t in c.cfg.tunnels:
        src = c.cfg.interfaces.get(t.tunnel.source or "") if t.tunnel else None
        if src is not None and src.name not in seen and igp_on(c, src):
            seen.add(src.name)
            yield Hit(obj_if(src), src.line, f"IGP enabled on {src.name}, the source of {t.name}")


def _nat_tunnels(c: DevCtx) -> Iterator[Interface]:
    if not c.facts.behind_nat:
        return
    for t in c.cfg.tunnels:
        if t.tunnel is not None and t.tunnel.destination and not t.shutdown:
            yield t


@rule("NAT-001", "error", "inv", "Unprotected GRE across NAT",
      "Protect the tunnel with IPsec (NAT-T carries ESP in UDP 4500).", needs_facts=True)
def nat_001(c: DevCtx) -> Iterator[Hit]:
    for t in _nat_tunnels(c):
        if not c.protected(t):
            yield Hit(obj_if(t), t.line, f"{t.name}: plain GRE behind NAT")


@rule("NAT-002", "warning", "inv", "IPsec tunnel mode on GRE/IPsec behind NAT",
      "Use `mode transport` behind NAT.", needs_facts=True)
def nat_002(c: DevCtx) -> Iterator[Hit]:
    for t in _nat_tunnels(c):
        if t.tunnel is not None and t.tunnel.is_gre and any(
                ts.mode != "transport" for ts in c.tunnel_ts(t)):
            yield Hit(obj_if(t), t.line, f"{t.name}: ESP tunnel mode keeps the private GRE source "
                                         "behind NAT")


@rule("NAT-003", "error", "inv", "AH across NAT", "Use ESP.", needs_facts=True)
def nat_003(c: DevCtx) -> Iterator[Hit]:
    for t in _nat_tunnels(c):
        if any(ts.ah for ts in c.tunnel_ts(t)):
            yield Hit(obj_if(t), t.line, f"{t.name}: AH cannot cross NAT")


@rule("NAT-004", "warning", "inv", "Behind NAT without an explicit IKE identity",
      "Set `identity local address <public>` (IKEv2) or key the PSK on the private address.",
      needs_facts=True)
def nat_004(c: DevCtx) -> Iterator[Hit]:
    for t in _nat_tunnels(c):
        if t.name in c.paired:  # its peer is audited too: PAIR-009 checks the identity exactly
            continue
        ep = c.endpoints.get(t.name)
        if ep is not None and ep.ipsec and (ep.ikev2_profile is None
                                            or not ep.ikev2_profile.identity_local):
            yield Hit(obj_if(t), t.line, f"{t.name}: presents its private address as IKE "
                                         "identity behind NAT")


@rule("NAT-005", "info", "inv", "NAT present: MTU must include NAT-T",
      "Size `ip mtu` with the NAT-T column (greios mtu --nat-t).", needs_facts=True)
def nat_005(c: DevCtx) -> Iterator[Hit]:
    for t in _nat_tunnels(c):
        if c.protected(t):
            yield Hit(obj_if(t), t.line, f"{t.name}: NAT-T adds 8 bytes (included in MTU-001)")


@rule("OPS-001", "info", "dev", "Protected tunnel without liveness detection",
      "Add `dpd 10 3 on-demand` (IKEv2) or `crypto isakmp keepalive 10 3`.")
def ops_001(c: DevCtx) -> Iterator[Hit]:
    for name, ep in c.endpoints.items():
        t = c.cfg.interfaces[name]
        if not ep.ipsec or t.shutdown:
            continue
        dpd = c.cfg.isakmp_keepalive is not None if ep.ike_version == 1 else False
        if ep.ikev2_profile is not None and ep.ikev2_profile.dpd:
            dpd = True
        if ep.isakmp_profile is not None and ep.isakmp_profile.keepalive:
            dpd = True
        if not dpd and not igp_on(c, t):
            yield Hit(obj_if(t), t.line, f"{name}: no DPD and no IGP on the tunnel")


@rule("OPS-002", "info", "dev", "Tunnel without description",
      "Add `description` naming the peer site.")
def ops_002(c: DevCtx) -> Iterator[Hit]:
    for t in c.cfg.tunnels:
        if not t.description:
            yield Hit(obj_if(t), t.line, f"{t.name} has no description")


@rule("OPS-003", "info", "dev", "Aggressive mode not disabled while IKEv1 PSKs exist",
      "Add `crypto isakmp aggressive-mode disable`.")
def ops_003(c: DevCtx) -> Iterator[Hit]:
    has_psk = bool(c.cfg.isakmp_keys) or any(r.keys for r in c.cfg.keyrings.values())
    if has_psk and not c.cfg.aggressive_mode_disabled:
        lines = [k.line for k in c.cfg.isakmp_keys] + [
            kk.line for r in c.cfg.keyrings.values() for kk in r.keys]
        yield Hit("crypto isakmp", min(lines),
                  "IKEv1 PSKs exist and aggressive mode is not disabled")
