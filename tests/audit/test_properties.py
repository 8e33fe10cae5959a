"""Property tests: pairing of mirrored tunnels and MTU-001 against greios.mtu."""

from __future__ import annotations

import re
from ipaddress import IPv4Address
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from greios.audit.engine import audit_texts
from greios.audit.model import SessionStatus
from greios.mtu import MtuInput, compute

FIX = Path(__file__).parent / "fixtures"
V2A = (FIX / "v2-site-a.cfg").read_text()
V2B = (FIX / "v2-site-b.cfg").read_text()

public = st.integers(min_value=int(IPv4Address("1.0.0.1")),
                     max_value=int(IPv4Address("99.255.255.254"))).map(
    lambda i: str(IPv4Address(i)))


def _readdress(text: str, a: str, b: str) -> str:
    # whole addresses only: the default routes' gateways (.254) stay valid addresses
    text = re.sub(r"\b198\.51\.100\.1\b", "@A@", text)
    text = re.sub(r"\b203\.0\.113\.2\b", "@B@", text)
    return text.replace("255.255.255.0", "255.255.255.255").replace("@A@", a) \
        .replace("@B@", b)


@settings(max_examples=25, deadline=None)
@given(a=public, b=public)
def test_mirrored_pair_from_random_addresses_pairs(a: str, b: str) -> None:
    if a == b:
        return
    rep = audit_texts([("a", _readdress(V2A, a, b)), ("b", _readdress(V2B, a, b))])
    assert [(s.device, s.peer_device, s.status) for s in rep.sessions] == [
        ("site-a", "site-b", SessionStatus.IPSEC_SESSION_ESTABLISHED),
        ("site-b", "site-a", SessionStatus.IPSEC_SESSION_ESTABLISHED)]


TRANSFORMS = ["esp-gcm 256", "esp-aes 256 esp-sha256-hmac", "esp-aes esp-sha-hmac",
              "esp-aes 256 esp-sha512-hmac"]


@settings(max_examples=40, deadline=None)
@given(mtu=st.integers(min_value=1300, max_value=1480), ts=st.sampled_from(TRANSFORMS),
       mode=st.sampled_from(["transport", "tunnel"]), key=st.booleans())
def test_mtu_001_fires_iff_ip_mtu_exceeds_computed_max(mtu: int, ts: str, mode: str,
                                                       key: bool) -> None:
    a = V2A.replace("ip mtu 1400", f"ip mtu {mtu}").replace("esp-gcm 256", ts) \
        .replace("mode transport", f"mode {mode}")
    if key:
        a = a.replace(" tunnel source", " tunnel key 7\n tunnel source")
    rep = audit_texts([("a", a)], select=["MTU-001"])
    from greios.mtu import suite_from_transform

    enc, integ = suite_from_transform(ts.split())
    limit = compute(MtuInput(encryption=enc, integrity=integ, mode=mode,  # type: ignore[arg-type]
                             gre_key=key)).max_ip_mtu
    fired = any(f.rule == "MTU-001" for f in rep.findings)
    assert fired == (mtu > limit)
