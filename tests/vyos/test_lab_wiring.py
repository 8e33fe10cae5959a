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

EXAMPLE = Path(__file__).resolve().parent.parent / "fixtures" / "vyos_example"

TOK_12 = """\
set interfaces ethernet eth1 address '10.132.75.79/24'
set system host-name 'vyostok1'
"""


@pytest.fixture
def example_inv() -> Inventory:
    return load_inventory(EXAMPLE)


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
