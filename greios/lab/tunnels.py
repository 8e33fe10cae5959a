"""The lab's one adapter to the audit's IOS knowledge (negotiation and MTU arithmetic).

The simulated routers decide whether a protected tunnel between two of them negotiates by
calling :func:`greios.audit.negotiate.negotiate` on :func:`greios.platforms.ios.config.parse_config`
of both running-configs, and how large a ping fits through a tunnel with
:func:`greios.mtu.compute`. If those modules cannot be imported the lab falls back to a
coarse rule (IPsec on both ends or on neither) and to ``ip mtu`` alone; ``BACKEND`` says
which one is in use.

Behind a static NAT (:meth:`greios.lab.network.LabNetwork.set_nat`) the negotiation is
asked of the audit's endpoints as the peer sees them: the NATed router's ``local`` address
(what the peer's keyring, ISAKMP/IKEv2 profile identity and proxy lookups use) becomes its
public address, the post-NAT source of its IKE packets; its IKEv2 identity stays what
it sends (``identity local``, by default its private address); its own keyring and profile
are read unchanged. Limits: IKEv1 profile selection on the peer uses the public address
too (the audit keys profile and PSK by one address; greios renders ``match identity
address`` for both), and a ``local-address``/``match address local`` on the NATed side is
compared with the public address. The GRE layer's mirrored-address
check (GRE-012) is left to the network, which already paired the tunnels through the NAT;
the other GRE-layer checks still apply. The DF ping through such a tunnel counts NAT-T's
UDP header (:class:`greios.mtu.MtuInput` ``nat_t``).
"""

from __future__ import annotations

import dataclasses
import functools
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from greios.lab.views import IfView
    from greios.platforms.ios.lab.device import Device

try:  # pragma: no branch - depends on the checkout
    from greios.audit.model import SessionStatus
    from greios.audit.negotiate import Endpoint as _Endpoint
    from greios.audit.negotiate import Verdict as _Verdict
    from greios.audit.negotiate import endpoint as _endpoint
    from greios.audit.negotiate import gre_problems as _gre_problems
    from greios.audit.negotiate import negotiate as _negotiate
    from greios.audit.negotiate import negotiate_endpoints as _negotiate_endpoints
    from greios.platforms.ios.config import parse_config as _parse_config

    BACKEND = "audit"
except ImportError:  # pragma: no cover - the audit package is part of greios
    BACKEND = "fallback"

from greios.lab.views import per_generation
from greios.lab.vyosviews import is_vyos
from greios.lab.vyosviews import model as vyos_model

_OK = {"IPSEC_SESSION_ESTABLISHED", "GRE_ONLY"}


@functools.lru_cache(maxsize=256)
def _parsed(text: str) -> Any:
    return _parse_config(text)


def _parsed_config(dev: Device) -> Any:
    """The audit's model of ``dev``'s running config (per generation in a cached network)."""
    if is_vyos(dev):
        return vyos_model(dev)  # type: ignore[arg-type]
    network = dev.network
    if network is None or not network.cached:
        return _parsed(dev.running_text())
    return per_generation(dev, "_audit_model", lambda: _parse_config(dev.running_text()))


def pair_reason(dev: Device, view: IfView, peer: Device, peer_view: IfView) -> str:
    """Why the tunnel ``view`` of ``dev`` facing ``peer_view`` of ``peer`` is down ("" = up)."""
    a, b = view.tunnel, peer_view.tunnel
    assert a is not None and b is not None
    if a.mode != b.mode:
        return f"tunnel mode differs from {peer.hostname} {peer_view.name}"
    if a.key != b.key:
        return f"tunnel key differs from {peer.hostname} {peer_view.name}"
    if a.keepalive and (a.protection or b.protection):
        return "keepalives do not return on a protected tunnel"
    if a.protection is None and b.protection is None:
        return ""
    network = dev.network
    if network is not None and network.cached:
        key = (id(dev), dev.generation, view.name, id(peer), peer.generation, peer_view.name)
        status = network.pair_cache.get(key)
        if status is None:
            if len(network.pair_cache) > 100_000:  # stale generations: start afresh
                network.pair_cache.clear()
            status = network.pair_cache[key] = negotiation_status(dev, view.name, peer,
                                                                  peer_view.name)
    else:
        status = negotiation_status(dev, view.name, peer, peer_view.name)
    if status in _OK:
        return ""
    return f"IPsec with {peer.hostname} {peer_view.name} fails: {status}"


def negotiation_status(dev: Device, ifname: str, peer: Device, peer_if: str) -> str:
    """Status of the IPsec session (either side may initiate)."""
    if BACKEND != "audit":
        a = _protected(dev, ifname)
        b = _protected(peer, peer_if)
        return "IPSEC_SESSION_ESTABLISHED" if a == b else "MISSING_END_POINT"
    mine, theirs = _parsed_config(dev), _parsed_config(peer)
    first = directed_verdict(dev, mine, ifname, theirs, peer_if).status
    if first in (SessionStatus.IPSEC_SESSION_ESTABLISHED, SessionStatus.GRE_ONLY):
        return str(first.value)
    second = directed_verdict(peer, theirs, peer_if, mine, ifname).status
    if second in (SessionStatus.IPSEC_SESSION_ESTABLISHED, SessionStatus.GRE_ONLY):
        return str(second.value)
    return str(first.value)


def directed_verdict(dev: Device, mine: Any, ifname: str, theirs: Any, peer_if: str) -> Any:
    """The audit's verdict for ``mine`` initiating to ``theirs``, through the network's NAT."""
    network = dev.network
    if network is None or not network.nat:
        return _negotiate(mine, ifname, theirs, peer_if)
    a = _endpoint(mine, ifname)
    b = _endpoint(theirs, peer_if, a.local) if a is not None else None
    if a is None or b is None or not (_natted(network, a) or _natted(network, b)):
        return _negotiate(mine, ifname, theirs, peer_if)
    verdict: _Verdict = _negotiate_endpoints(_natted(network, a) or a, _natted(network, b) or b)
    ia, ib = mine.interfaces.get(ifname), theirs.interfaces.get(peer_if)
    if ia is None or ia.tunnel is None or ib is None or ib.tunnel is None:
        return verdict
    problems = [p for p in _gre_problems(mine, ia, theirs, ib) if p[0] != "GRE-012"]
    if problems and verdict.status in (SessionStatus.IPSEC_SESSION_ESTABLISHED,
                                       SessionStatus.GRE_ONLY):
        verdict.status = SessionStatus.GRE_FAILED
    for rule, reason in problems:
        verdict.add(rule, reason)
    return verdict


def _natted(network: Any, ep: _Endpoint) -> _Endpoint | None:
    """``ep`` as its peer sees it when its local address is behind NAT (else None)."""
    public = network.public_of(ep.local) if ep.local is not None else None
    if public is None:
        return None
    prof = ep.ikev2_profile
    if prof is not None and prof.identity_local is None:  # IOS sends its own address
        prof = dataclasses.replace(prof, identity_local=f"address {ep.local}")
    return dataclasses.replace(ep, local=public, ikev2_profile=prof)


def _nat_t(dev: Device, view: IfView) -> bool:
    """Whether the tunnel's path crosses the network's static NAT (either end)."""
    network, tun = dev.network, view.tunnel
    if network is None or tun is None or not network.nat:
        return False
    return (tun.source_ip is not None and network.public_of(tun.source_ip) is not None) or (
        tun.destination is not None and network.translated(tun.destination)
        != str(tun.destination).upper())


def _protected(dev: Device, ifname: str) -> bool:
    return any(node.text == f"interface {ifname}"
               and any(c.text.startswith("tunnel protection ") for c in node.children)
               for node in dev.running.children)


def transform_words(dev: Device, profile: str) -> list[str] | None:
    """The first transform set of IPsec profile ``profile`` as words, or None."""
    ts_name = None
    for node in dev.running.children:
        if node.text == f"crypto ipsec profile {profile}":
            for c in node.children:
                if c.text.startswith("set transform-set "):
                    ts_name = c.text.split()[2]
    if ts_name is None:
        return None
    for node in dev.running.children:
        w = node.text.split()
        if w[:3] == ["crypto", "ipsec", "transform-set"] and len(w) > 4 and w[3] == ts_name:
            words = w[4:]
            mode = next((c.text.split()[1] for c in node.children
                         if c.text.startswith("mode ")), "tunnel")
            return [*words, f"mode={mode}"]
    return None


def max_inner_packet(dev: Device, view: IfView, underlay_mtu: int) -> int:
    """Largest inner IPv4 packet that leaves the tunnel unfragmented (greios.mtu)."""
    tun = view.tunnel
    assert tun is not None
    try:
        from greios.mtu import MtuInput, compute, suite_from_transform
    except ImportError:  # pragma: no cover
        return view.effective_ip_mtu
    vti = tun.mode.startswith("ipsec")
    v6 = tun.mode == "gre ipv6"
    if tun.protection is None:
        return compute(MtuInput(underlay_mtu=underlay_mtu, encryption="none",
                                gre_key=tun.key is not None, ipv6_underlay=v6)).max_ip_mtu
    words = transform_words(dev, tun.protection)
    if not words:
        return view.effective_ip_mtu
    mode = "transport" if any(w.startswith("mode=transport") for w in words) else "tunnel"
    try:
        enc, integ = suite_from_transform([w for w in words if not w.startswith("mode=")])
        inp = MtuInput(underlay_mtu=underlay_mtu, encryption=enc, integrity=integ,
                       mode="tunnel" if vti or mode == "tunnel" else "transport",
                       vti=vti, gre_key=tun.key is not None, ipv6_underlay=v6,
                       nat_t=_nat_t(dev, view))
        return compute(inp).max_ip_mtu
    except Exception:  # unsupported transform (AH ...): trust ip mtu
        return view.effective_ip_mtu
