"""MTU / MSS rules (reference §4.4) and VTI-001. Arithmetic comes from :mod:`greios.mtu`."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from greios.audit.catalog import Hit, rule
from greios.audit.model import Severity
from greios.audit.rules.ctx import DevCtx, obj_if
from greios.devmodel.model import Interface, TransformSet

if TYPE_CHECKING:
    from greios.mtu import MtuInput, MtuResult


@dataclass(frozen=True)
class TunnelMtu:
    max_ip_mtu: int
    effective_ip_mtu: int  # configured `ip mtu` or the IOS default
    explicit: bool
    suite: str
    mode: str


@lru_cache(maxsize=1 << 12)
def _compute(inp: MtuInput) -> MtuResult:
    """MTU arithmetic is a pure function of its inputs, and a hub's thousands of tunnels
    share a handful of them (MtuResult is frozen; errors are not remembered). greios.mtu is
    imported on the first tunnel: an audit of configs without one never loads it."""
    from greios.mtu import compute

    return compute(inp)


def tunnel_mtu(c: DevCtx, t: Interface) -> TunnelMtu | None:
    """Worst case over the tunnel's transform sets (None when not computable); computed
    once per tunnel (three rules ask)."""
    key = f"tunnel_mtu:{t.name}"
    if key not in c.memo:
        c.memo[key] = _tunnel_mtu(c, t)
    got: TunnelMtu | None = c.memo[key]
    return got


def nat_t(c: DevCtx, t: Interface) -> bool:
    """ESP of this tunnel travels in UDP 4500: this router is behind NAT, or the tunnel's
    destination is the public address of a router behind a static NAT (the inventory's NAT
    map). Once IKE detects NAT both ends encapsulate, so both pay the 8 bytes."""
    if c.facts.behind_nat:
        return True
    dest = t.tunnel.destination if t.tunnel is not None else None
    return c.nat is not None and dest is not None and c.nat.arrives(dest) not in (dest, None)


def _tunnel_mtu(c: DevCtx, t: Interface) -> TunnelMtu | None:
    tt = t.tunnel
    if tt is None:
        return None
    ep = c.endpoints.get(t.name)
    underlay = c.facts.underlay_mtu
    v6 = tt.ipv6_transport or c.facts.ipv6_underlay
    gre: dict[str, Any] = {"gre_key": tt.key is not None, "gre_sequence": tt.sequence,
           "gre_checksum": tt.checksum}
    default_mtu = underlay - (40 if v6 else 20) - (0 if tt.is_vti else 4 + 4 * sum(gre.values()))
    results: list[tuple[int, str, str]] = []
    from greios.mtu import MtuInput

    try:
        if ep is None or not ep.ipsec:
            r = _compute(MtuInput(underlay_mtu=underlay, encryption="none", ipv6_underlay=v6,
                                 **gre))
            results.append((r.max_ip_mtu, "plain GRE", "-"))
        else:
            for ts in ep.transform_sets:
                enc, integ = _suite(ts)
                if enc is None:
                    continue
                mode = "tunnel" if tt.is_vti or ts.mode != "transport" else "transport"
                r = _compute(MtuInput(underlay_mtu=underlay, encryption=enc,  # type: ignore[arg-type]
                                     integrity=integ,  # type: ignore[arg-type]
                                     mode=mode,  # type: ignore[arg-type]
                                     nat_t=nat_t(c, t), ipv6_underlay=v6,
                                     vti=tt.is_vti, **gre))
                results.append((r.max_ip_mtu, " ".join(ts.transforms), mode))
    except ValueError:
        return None
    if not results:
        return None
    worst = min(results)
    if t.ip_mtu is not None:
        eff = t.ip_mtu
    elif ep is not None and ep.ipsec:
        # IOS derives a protected tunnel's IP MTU from the transport MTU minus the IPsec
        # overhead of its transform (`Tunnel transport MTU` 1476 -> 1434 / 1418 / 1422 once
        # `tunnel protection` is set, docs/ios-fidelity.md row 18b). The exact formula is
        # unsettled (M7/M8): greios's computed maximum is the safe lower bound of it.
        eff = worst[0]
    else:
        eff = default_mtu
    return TunnelMtu(worst[0], eff, t.ip_mtu is not None, worst[1], worst[2])


def _suite(ts: TransformSet) -> tuple[str | None, str | None]:
    from greios.mtu import suite_from_transform

    try:
        enc, integ = suite_from_transform(list(ts.transforms))
    except ValueError:
        return None, None
    return enc, integ


def _tunnels(c: DevCtx) -> Iterator[Interface]:
    for t in c.cfg.tunnels:
        if not t.shutdown and t.tunnel is not None and t.tunnel.destination:
            yield t


@rule("MTU-001", "error", "dev", "Tunnel ip mtu larger than the computed maximum",
      "Set `ip mtu` to at most the computed maximum (multiple of 8) and adjust-mss = ip mtu - 40.")
def mtu_001(c: DevCtx) -> Iterator[Hit]:
    for t in _tunnels(c):
        m = tunnel_mtu(c, t)
        if m is not None and m.effective_ip_mtu > m.max_ip_mtu:
            how = "ip mtu" if m.explicit else "default ip mtu"
            nat = ", NAT-T" if nat_t(c, t) else ""
            yield Hit(obj_if(t), t.line, f"{t.name}: {how} {m.effective_ip_mtu} > max "
                      f"{m.max_ip_mtu} for {m.suite} ({m.mode} mode, underlay "
                      f"{c.facts.underlay_mtu}{nat})")


@rule("MTU-002", "warning", "dev", "Protected tunnel without ip mtu",
      "Set `ip mtu` explicitly (computed maximum, e.g. 1400).")
def mtu_002(c: DevCtx) -> Iterator[Hit]:
    # IOS lowers a protected tunnel's IP MTU by the IPsec overhead itself (row 18b): with a
    # computable transform this is information (the derived value), not a defect
    for t in _tunnels(c):
        if t.ip_mtu is None and c.protected(t):
            m = tunnel_mtu(c, t)
            if m is None:
                yield Hit(obj_if(t), t.line, f"{t.name} has no `ip mtu`")
            else:
                yield Hit(obj_if(t), t.line, f"{t.name} has no `ip mtu`: IP MTU derived by "
                          f"IOS from {m.suite} ({m.mode} mode): about {m.effective_ip_mtu}",
                          Severity.INFO)


@rule("MTU-003", "warning", "dev", "No ip tcp adjust-mss on a tunnel",
      "Add `ip tcp adjust-mss <ip mtu - 40>`.")
def mtu_003(c: DevCtx) -> Iterator[Hit]:
    for t in _tunnels(c):
        if t.tcp_mss is None and t.address is not None:
            yield Hit(obj_if(t), t.line, f"{t.name} has no `ip tcp adjust-mss`")


@rule("MTU-004", "error", "dev", "adjust-mss larger than ip mtu - 40",
      "Set `ip tcp adjust-mss` to ip mtu - 40 (ipv6: ipv6 mtu - 60).")
def mtu_004(c: DevCtx) -> Iterator[Hit]:
    for t in _tunnels(c):
        m = tunnel_mtu(c, t)
        mtu = t.ip_mtu if t.ip_mtu is not None else (m.effective_ip_mtu if m else None)
        if t.tcp_mss is not None and mtu is not None and t.tcp_mss > mtu - 40:
            yield Hit(obj_if(t), t.line, f"{t.name}: adjust-mss {t.tcp_mss} > ip mtu {mtu} - 40")
        if t.ipv6_mss is not None and t.ipv6_mtu is not None and t.ipv6_mss > t.ipv6_mtu - 60:
            yield Hit(obj_if(t), t.line, f"{t.name}: ipv6 adjust-mss {t.ipv6_mss} > ipv6 mtu "
                                         f"{t.ipv6_mtu} - 60")




@rule("MTU-006", "info", "dev", "ip mtu 1400 with a combination where it is too large",
      "Compute the maximum instead of using the 1400 folk default.")
def mtu_006(c: DevCtx) -> Iterator[Hit]:
    for t in _tunnels(c):
        m = tunnel_mtu(c, t)
        if t.ip_mtu == 1400 and m is not None and m.max_ip_mtu < 1400:
            yield Hit(obj_if(t), t.line, f"{t.name}: ip mtu 1400 exceeds {m.max_ip_mtu} for "
                                         f"{m.suite} ({m.mode})")


@rule("MTU-007", "error", "dev", "IPv6 MTU below 1280",
      "Keep `ipv6 mtu` >= 1280 and the tunnel maximum >= 1280 when carrying IPv6.")
def mtu_007(c: DevCtx) -> Iterator[Hit]:
    for t in _tunnels(c):
        if not (t.ipv6_enabled or t.ipv6):
            continue
        m = tunnel_mtu(c, t)
        if t.ipv6_mtu is not None and t.ipv6_mtu < 1280:
            yield Hit(obj_if(t), t.line, f"{t.name}: ipv6 mtu {t.ipv6_mtu} < 1280")
        elif m is not None and m.max_ip_mtu < 1280:
            yield Hit(obj_if(t), t.line, f"{t.name}: tunnel maximum {m.max_ip_mtu} < 1280 with "
                                         "IPv6 enabled")


@rule("MTU-008", "info", "dev", "No PMTUD and no static ip mtu",
      "Set `ip mtu` (preferred) or `tunnel path-mtu-discovery`.")
def mtu_008(c: DevCtx) -> Iterator[Hit]:
    for t in _tunnels(c):
        if t.ip_mtu is None and t.tunnel is not None and not t.tunnel.pmtud:
            yield Hit(obj_if(t), t.line, f"{t.name}: neither `ip mtu` nor path-mtu-discovery")


@rule("VTI-001", "warning", "dev", "VTI with a transport-mode transform set",
      "Use `mode tunnel` in transform sets used by `tunnel mode ipsec` interfaces.")
def vti_001(c: DevCtx) -> Iterator[Hit]:
    for t in c.cfg.tunnels:
        if t.tunnel is None or not t.tunnel.is_vti:
            continue
        for ts in c.tunnel_ts(t):
            if ts.mode == "transport":
                yield Hit(obj_if(t), t.line, f"{t.name} is a VTI but transform-set {ts.name} "
                                             "requests transport mode")
