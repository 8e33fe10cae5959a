"""The lab's one adapter to the audit's IOS knowledge (negotiation and MTU arithmetic).

The simulated routers decide whether a protected tunnel between two of them negotiates by
calling :func:`greios.audit.negotiate.negotiate` on :func:`greios.platforms.ios.config.parse_config`
of both running-configs, and how large a ping fits through a tunnel with
:func:`greios.mtu.compute`. If those modules cannot be imported the lab falls back to a
coarse rule (IPsec on both ends or on neither) and to ``ip mtu`` alone; ``BACKEND`` says
which one is in use.
"""

from __future__ import annotations

import functools
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from greios.lab.views import IfView
    from greios.platforms.ios.lab.device import Device

try:  # pragma: no branch - depends on the checkout
    from greios.audit.model import SessionStatus
    from greios.audit.negotiate import negotiate as _negotiate
    from greios.platforms.ios.config import parse_config as _parse_config

    BACKEND = "audit"
except ImportError:  # pragma: no cover - the audit package is part of greios
    BACKEND = "fallback"

from greios.lab.vyosviews import is_vyos
from greios.lab.vyosviews import model as vyos_model

_OK = {"IPSEC_SESSION_ESTABLISHED", "GRE_ONLY"}


@functools.lru_cache(maxsize=256)
def _parsed(text: str) -> Any:
    return _parse_config(text)


_PARSED: dict[int, tuple[int, Any]] = {}


def _parsed_config(dev: Device) -> Any:
    """The audit's model of ``dev``'s running config (per generation in a cached network)."""
    if is_vyos(dev):
        return vyos_model(dev)  # type: ignore[arg-type]
    network = dev.network
    if network is None or not network.cached:
        return _parsed(dev.running_text())
    hit = _PARSED.get(id(dev))
    if hit is not None and hit[0] == dev.generation:
        return hit[1]
    parsed = _parse_config(dev.running_text())
    _PARSED[id(dev)] = (dev.generation, parsed)
    return parsed


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
    first = _negotiate(mine, ifname, theirs, peer_if).status
    if first in (SessionStatus.IPSEC_SESSION_ESTABLISHED, SessionStatus.GRE_ONLY):
        return str(first.value)
    second = _negotiate(theirs, peer_if, mine, ifname).status
    if second in (SessionStatus.IPSEC_SESSION_ESTABLISHED, SessionStatus.GRE_ONLY):
        return str(second.value)
    return str(first.value)


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
                       vti=vti, gre_key=tun.key is not None, ipv6_underlay=v6)
        return compute(inp).max_ip_mtu
    except Exception:  # unsupported transform (AH ...): trust ip mtu
        return view.effective_ip_mtu
