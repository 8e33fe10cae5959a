"""VyOS plans (#12): set/delete remediation of greios-owned nodes only, converging in one
step, with an exact rollback, through the platform seam (``plan_router(platform=...)``)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from greios.app.pipeline import build
from greios.plan import format_plan, plan_router
from greios.platforms import get

#: the bundled inventory (its VyOS pair and its mixed pair osaka <-> seoul)
SITES = Path(__file__).resolve().parents[2] / "sites"
FIXTURES = Path(__file__).resolve().parent / "fixtures"
VYOS = get("vyos")
FOREIGN = """\
set system host-name 'vyososa1'
set interfaces ethernet eth1 address '10.140.10.2/24'
set interfaces tunnel tun7 address '10.9.9.1/30'
set interfaces tunnel tun7 encapsulation 'gre'
set interfaces tunnel tun7 source-address '10.140.10.2'
set interfaces tunnel tun7 remote '192.0.2.77'
set vpn ipsec ike-group CUSTOMER key-exchange 'ikev1'
set vpn ipsec ike-group GREIOS-OLD key-exchange 'ikev2'
set protocols ospf area 0 network '10.9.9.0/30'
"""


@pytest.fixture
def b(tmp_path: Path):  # type: ignore[no-untyped-def]
    dest = tmp_path / "sites"
    shutil.copytree(SITES, dest, ignore=shutil.ignore_patterns(".greios-secrets.yaml"))
    return build(dest)


def _roundtrip(running: str, intended: str) -> None:
    p = plan_router(running, intended, platform="vyos")
    after = VYOS.apply_lines(running, p.commands)
    assert after == p.future
    assert plan_router(after, intended, platform="vyos").is_empty
    assert VYOS.apply_lines(after, p.rollback) == VYOS.normalise(running)


def test_fresh_router_gets_everything_and_keeps_foreign_nodes(b) -> None:  # type: ignore[no-untyped-def]
    intended = b.render("vyososa1", secrets="reveal")
    p = plan_router(FOREIGN, intended, platform="vyos")
    assert p.commands[0] == "delete vpn ipsec ike-group GREIOS-OLD"  # stale greios object
    assert not any("tun7" in c or "CUSTOMER" in c or "10.9.9.0" in c for c in p.commands)
    assert "set protocols ospf interface tun100 network 'point-to-point'" in p.commands
    assert "set vpn ipsec site-to-site peer seoul-rtr1 tunnel 1 protocol 'gre'" in p.commands
    assert p.counts() == (6, 0, 1)  # tun100, OSPF interface, psk, esp, ike, peer; - GREIOS-OLD
    _roundtrip(FOREIGN, intended)
    text = format_plan("vyososa1", p)
    key = next(ln for ln in intended.splitlines() if " secret " in ln).split("'")[1]
    assert "secret" in text and key not in text and "<redacted>" in text


def test_example_against_a_12_router(b) -> None:  # type: ignore[no-untyped-def]
    running = (FIXTURES / "vyostok1-1.2.commands").read_text()
    intended = b.render("vyostok1", secrets="reveal")
    p = plan_router(running, intended, platform="vyos")
    # plain GRE at VyOS's default MTU: the explicit mtu and its MSS clamp go
    assert set(p.commands) == {"delete firewall options interface",  # tun0 was the only one
                               "delete interfaces tunnel tun0 mtu"}
    _roundtrip(running, intended)


def test_retired_tunnel_is_removed(b) -> None:  # type: ignore[no-untyped-def]
    intended = b.render("vyososa1", secrets="reveal")
    converged = VYOS.apply_lines(FOREIGN, plan_router(FOREIGN, intended,
                                                      platform="vyos").commands)
    p = plan_router(converged, "", retired=intended, platform="vyos")
    after = VYOS.apply_lines(converged, p.commands)
    assert "tun100" not in after and "seoul-rtr1" not in after and "GREIOS" not in after
    assert "tun7" in after and "CUSTOMER" in after
    assert "set vpn ipsec interface 'eth1'" not in after


def test_equal_secret_is_kept(b) -> None:  # type: ignore[no-untyped-def]
    intended = b.render("vyososa1", secrets="reveal")
    converged = VYOS.apply_lines(FOREIGN, plan_router(FOREIGN, intended,
                                                      platform="vyos").commands)
    ref = b.render("vyososa1", secrets="ref")
    assert "<secret:" in ref
    p = plan_router(converged, ref, platform="vyos", secret_equal=lambda run, want: True)
    assert p.is_empty
    p = plan_router(converged, ref, platform="vyos", secret_equal=lambda run, want: False)
    assert [c for c in p.commands if "secret" in c]


def test_refused_intent_names_the_line() -> None:
    from greios.platforms.base import RejectedLinesError

    with pytest.raises(RejectedLinesError, match="local-ip"):
        plan_router("set system host-name 'x'\nset interfaces tunnel tun0 enable-multicast\n",
                    "set interfaces tunnel tun1 local-ip '10.0.0.1'\n", platform="vyos")
