"""VyOS routers wired into deploy and the lab: the inventory's ``vyos_version`` reaches the
driver (a router running another version is refused before any change), the lab serves
VyOS routers next to IOS ones (up, status, reset, down, persistence), and tunnels between
lab routers of either platform come up only when both ends truly match."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from greios.app.sources import device_target, lab_targets
from greios.deploy.target import open_session
from greios.errors import ExitCode
from greios.inventory.load import Inventory
from greios.overlay import load_inventory
from greios.platforms.vyos.driver import VersionMismatchError, VyosSession
from greios.platforms.vyos.io import IO

pytestmark = pytest.mark.lab

#: the bundled inventory (read only): its VyOS pair, its mixed pair and the IOS sites
SITES = Path(__file__).resolve().parents[2] / "sites"

TOK_12 = """\
set interfaces ethernet eth1 address '10.132.75.79/24'
set system host-name 'vyostok1'
"""


@pytest.fixture
def example_inv() -> Inventory:
    return load_inventory(SITES)


def test_targets_carry_the_inventory_vyos_version(example_inv: Inventory) -> None:
    env = {"GREIOS_USERNAME": "u", "GREIOS_PASSWORD": "p"}
    tok = device_target(example_inv.router("vyostok1"), env)
    osa = device_target(example_inv.router("vyososa1"), env)
    sel = device_target(example_inv.router("seoul-rtr1"), env)
    assert (tok.platform, tok.optional_args.get("vyos_version")) == ("vyos", "1.2")
    assert osa.optional_args.get("vyos_version") == "1.4"
    assert "vyos_version" not in sel.optional_args  # napalm gets no VyOS key
    assert isinstance(open_session(tok), VyosSession)


@pytest.fixture
def lab12() -> Iterator[int]:
    dev = IO.lab_device(TOK_12, version="1.2")
    server = IO.lab_server(dev).start()
    try:
        yield server.port
    finally:
        server.stop()


def test_deploy_refuses_a_router_whose_show_version_disagrees(example_inv: Inventory,
                                                              lab12: int,
                                                              tmp_path: Path) -> None:
    import json

    lab_dir = tmp_path / "lab"
    lab_dir.mkdir()
    state = {"pid": None, "host": "127.0.0.1", "username": "vyos", "password": "vyos",
             "routers": {"vyostok1": {"port": lab12}, "vyososa1": {"port": lab12}}}
    (lab_dir / "lab.json").write_text(json.dumps(state))
    targets = lab_targets(lab_dir, [example_inv.router("vyostok1"),
                                    example_inv.router("vyososa1")])
    with open_session(targets["vyostok1"]) as s:  # inventory 1.2, router 1.2: fine
        assert "set system host-name 'vyostok1'" in s.get_running()
    with pytest.raises(VersionMismatchError) as err:  # inventory 1.4, router 1.2
        open_session(targets["vyososa1"]).open()
    assert err.value.exit_code == ExitCode.COMMIT_FAILED
    assert str(err.value).startswith("vyososa1: the router runs VyOS 1.2")


# ---------------------------------------------------------------------- tunnel state
TOK = """set interfaces ethernet eth1 address '10.132.75.79/24'
set protocols static route 0.0.0.0/0 next-hop '10.132.75.1'
set system host-name 'vyostok1'
set interfaces tunnel tun0 address '192.168.0.1/30'
set interfaces tunnel tun0 description 'GRE_TOK_TO_HKG'
set interfaces tunnel tun0 encapsulation 'gre'
set interfaces tunnel tun0 multicast enable
set interfaces tunnel tun0 local-ip '10.132.75.79'
set interfaces tunnel tun0 remote-ip '10.111.147.74'
"""
HKG = """set interfaces ethernet eth1 address '10.111.147.74/24'
set protocols static route 0.0.0.0/0 next-hop '10.111.147.1'
set system host-name 'vyoshkg1'
set interfaces tunnel tun0 address '192.168.0.2/30'
set interfaces tunnel tun0 encapsulation 'gre'
set interfaces tunnel tun0 multicast enable
set interfaces tunnel tun0 local-ip '10.111.147.74'
set interfaces tunnel tun0 remote-ip '10.132.75.79'
"""


def _pair(tok: str, hkg: str, *, cached: bool = True):  # type: ignore[no-untyped-def]
    from greios.lab.network import LabNetwork

    net = LabNetwork(cached=cached)
    a = IO.lab_device(tok, version="1.2", name="vyostok1")
    b = IO.lab_device(hkg, version="1.2", name="vyoshkg1")
    net.add(a)  # type: ignore[arg-type]  # the network takes any lab router
    net.add(b)  # type: ignore[arg-type]
    return a, b


def _df_ping(dev, size: int) -> str:  # type: ignore[no-untyped-def]
    from greios.platforms.vyos import labshows

    args = labshows.parse_ping(["ping", "192.168.0.2", "count", "1", "size", str(size),
                                "do-not-fragment"])
    assert not isinstance(args, str)
    return labshows.ping(dev, args)


@pytest.mark.parametrize("cached", [True, False])
def test_example_pair_is_up_and_the_df_ping_honours_the_gre_mtu(cached: bool) -> None:
    tok, hkg = _pair(TOK, HKG, cached=cached)
    assert tok.tunnel_up("tun0") and hkg.tunnel_up("tun0")
    assert "1 received, 0% packet loss" in _df_ping(tok, 1448)
    assert "ping: local error: message too long, mtu=1476" in _df_ping(tok, 1449)


@pytest.mark.parametrize("broken", [
    HKG.replace("remote-ip '10.132.75.79'", "remote-ip '10.132.75.80'"),  # not mirrored
    HKG.replace("192.168.0.2/30", "192.168.0.6/30"),  # another subnet
    HKG + "set interfaces tunnel tun0 parameters ip key '10'\n",  # GRE key on one end
    HKG + "set interfaces tunnel tun0 disable\n",  # the peer's tunnel is shut
])
def test_a_mismatched_end_keeps_both_tunnels_down(broken: str) -> None:
    tok, _ = _pair(TOK, broken)
    assert not tok.tunnel_up("tun0")
    assert "Network is unreachable" in _df_ping(tok, 100)


def test_a_change_through_a_commit_brings_the_tunnel_up() -> None:
    from greios.platforms.vyos.parse import parse_config

    broken = HKG.replace("remote-ip '10.132.75.79'", "remote-ip '10.132.75.80'")
    tok, hkg = _pair(TOK, broken)
    assert not tok.tunnel_up("tun0")
    fixed = parse_config(HKG, "1.2").tree
    assert hkg.commit(hkg.running, fixed, "vyos").ok
    assert tok.tunnel_up("tun0") and hkg.tunnel_up("tun0")


# ---------------------------------------------------------------------- lab manager
def test_lab_up_status_reset_down_with_vyos_routers(example_inv: Inventory,
                                                    tmp_path: Path) -> None:
    from greios.lab import manager

    specs = manager.inventory_specs(example_inv)
    by_name = {s.name: s for s in specs}
    assert (by_name["vyostok1"].platform, by_name["vyostok1"].version) == ("vyos", "1.2")
    assert "set interfaces ethernet eth1 address '10.132.75.79/24'" in \
        by_name["vyostok1"].seed_config_text
    assert by_name["seoul-rtr1"].platform == "ios-xe"
    state = tmp_path / "lab"
    conns = manager.lab_up(state, specs)
    try:
        assert all(r.listening for r in manager.lab_status(state).routers)
        target = lab_targets(state, [example_inv.router("vyostok1")])["vyostok1"]
        with open_session(target) as s:
            s.load_merge("set interfaces ethernet eth0 description 'LAN'")
            s.commit(None)
            assert "description 'LAN'" in s.get_running()
        running = (state / "routers" / "vyostok1" / "running.cfg").read_text()
        assert "set interfaces ethernet eth0 description 'LAN'" in running
        assert "description LAN" in (state / "routers" / "vyostok1" / "startup.cfg").read_text()
        assert manager.lab_reset(state, specs, routers=["vyostok1"]) == ["vyostok1"]
        with open_session(target) as s:
            assert "description 'LAN'" not in s.get_running()
        assert set(conns) == {"vyostok1", "vyoshkg1", "vyososa1", "seoul-rtr1", "tokyo-rtr1",
                              "hongkong-rtr1", "singapore-rtr1", "sydney-rtr1", "mumbai-rtr1"}
    finally:
        assert manager.lab_down(state)
    assert not manager.lab_status(state).alive


def test_a_new_router_never_gets_an_earlier_routers_tunnel_state() -> None:
    """The lab's per-generation models live on the device: a new router that gets a freed
    one's id (CPython reuses addresses at once) and the same generation must not be handed
    the freed one's model (this test was flaky before: a not-mirrored end was up)."""
    import gc

    broken = HKG.replace("remote-ip '10.132.75.79'", "remote-ip '10.132.75.80'")
    for _ in range(30):
        tok, hkg = _pair(TOK, HKG)
        assert tok.tunnel_up("tun0") and hkg.tunnel_up("tun0")
        del tok, hkg
        gc.collect()
        tok, hkg = _pair(TOK, broken)
        assert not tok.tunnel_up("tun0") and not hkg.tunnel_up("tun0")
        del tok, hkg
        gc.collect()
