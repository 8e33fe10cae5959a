"""Real, unmodified netmiko (``device_type="vyos"``) drives the simulated VyOS router.

One router and one SSH login for the module (netmiko's ``check_config_mode`` waits 2 s
of idle on every call, so each extra login or mode check costs seconds): the tests run
in file order and share the router's state, as one operator session would.
"""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest
from netmiko import ConnectHandler
from netmiko.exceptions import ConfigInvalidException

from greios.platforms.vyos.labdevice import VyosDevice
from greios.platforms.vyos.labserver import VyosLabServer
from greios.platforms.vyos.parse import parse_set_commands
from greios.platforms.vyos.render import render_commands

pytestmark = pytest.mark.lab

PROMPT = r"vyos@vyos# $"
ERRORS = r"Set failed|Delete failed|is not valid"
TUNNEL = [
    "set interfaces ethernet eth1 address '10.132.75.79/24'",
    "set interfaces tunnel tun0 address '192.168.0.1/30'",
    "set interfaces tunnel tun0 description 'GRE_TOK_TO_HKG'",
    "set interfaces tunnel tun0 encapsulation 'gre'",
    "set interfaces tunnel tun0 enable-multicast",
    "set interfaces tunnel tun0 source-address '10.132.75.79'",
    "set interfaces tunnel tun0 remote '10.111.147.74'",
]


@pytest.fixture(scope="module")
def router() -> Iterator[VyosDevice]:
    device = VyosDevice(version="1.4", minute=60.0)
    with VyosLabServer(device) as server:
        device.port = server.port  # type: ignore[attr-defined]
        yield device


@pytest.fixture(scope="module")
def conn(router: VyosDevice) -> Iterator[object]:
    handler = ConnectHandler(device_type="vyos", host="127.0.0.1",
                             port=router.port,  # type: ignore[attr-defined]
                             username="vyos", password="vyos", fast_cli=True)
    yield handler
    handler.disconnect()


def test_login_prompt(conn: object) -> None:
    assert conn.base_prompt == "vyos@vyos"  # type: ignore[attr-defined]
    assert "Version:          VyOS 1.4.0" in conn.send_command("show version")  # type: ignore[attr-defined]


def test_send_config_set_commit_and_show_round_trip(router: VyosDevice, conn: object) -> None:
    out = conn.send_config_set(TUNNEL, error_pattern=ERRORS)  # type: ignore[attr-defined]
    assert "[edit]" in out and "Set failed" not in out
    diff = conn.send_command("compare", expect_string=PROMPT)  # type: ignore[attr-defined]
    assert "+tunnel tun0 {" in diff
    out = conn.commit()  # type: ignore[attr-defined]
    assert "Commit failed" not in out
    assert router.running.value(("interfaces", "tunnel", "tun0", "remote")) == "10.111.147.74"
    shown = conn.send_command("run show configuration commands",  # type: ignore[attr-defined]
                              expect_string=PROMPT)
    shown = shown.removesuffix("[edit]").strip()  # config mode ends every output so
    assert parse_set_commands(shown, "1.4") == router.running
    assert shown == render_commands(router.running).strip()
    table = conn.send_command("run show interfaces tunnel",  # type: ignore[attr-defined]
                              expect_string=PROMPT)
    assert "u/u  GRE_TOK_TO_HKG" in table
    ping = conn.send_command(  # type: ignore[attr-defined]
        "run ping 192.168.0.2 count 2 size 1449 do-not-fragment", expect_string=PROMPT)
    assert "ping: local error: message too long, mtu=1476" in ping


def test_invalid_path_returns_error_and_commits_nothing(router: VyosDevice,
                                                        conn: object) -> None:
    before = render_commands(router.running)
    out = conn.send_command("set interfaces tunnel tun0 local-ip '10.132.75.79'",  # type: ignore[attr-defined]
                            expect_string=PROMPT)
    assert out.splitlines()[:3] == [
        "", "  Configuration path: interfaces tunnel tun0 [local-ip] is not valid",
        "  Set failed"]
    with pytest.raises(ConfigInvalidException) as err:
        conn.send_config_set(  # type: ignore[attr-defined]
            ["set interfaces tunnel tun0 mtu '1400'",
             "set interfaces tunnel tun0 local-ip '10.132.75.79'",
             "set interfaces tunnel tun0 description 'never sent'"],
            error_pattern=ERRORS, enter_config_mode=False)
    assert "local-ip" in str(err.value)
    assert "never sent" not in " ".join(line for _, line in router.log)
    out = conn.send_command("exit discard", expect_string=r":~\$ $")  # type: ignore[attr-defined]
    assert "exit" in out
    assert render_commands(router.running) == before


def test_commit_confirm_then_confirm(router: VyosDevice, conn: object) -> None:
    conn.send_command("configure", expect_string=r"\[edit\]")  # type: ignore[attr-defined]
    conn.send_config_set(["set interfaces tunnel tun0 mtu '1400'"],  # type: ignore[attr-defined]
                         error_pattern=ERRORS, enter_config_mode=False)
    question = conn.send_command("commit-confirm 5",  # type: ignore[attr-defined]
                                 expect_string=r"\[Y/n\]")
    assert "commit-confirm will automatically reboot in 5 minutes" in question
    out = conn.send_command("y", expect_string=PROMPT)  # type: ignore[attr-defined]
    assert "Initialized commit-confirm; 5 minutes to confirm before reboot" in out
    assert router.confirm_pending()
    assert router.running.value(("interfaces", "tunnel", "tun0", "mtu")) == "1400"
    out = conn.send_command("confirm", expect_string=PROMPT)  # type: ignore[attr-defined]
    assert "Reboot timer stopped" in out
    assert not router.confirm_pending()
    out = conn.send_command("save", expect_string=PROMPT)  # type: ignore[attr-defined]
    assert "Done" in out
    assert router.saved.value(("interfaces", "tunnel", "tun0", "mtu")) == "1400"


def test_commit_confirm_without_confirm_reverts(router: VyosDevice, conn: object) -> None:
    saved = render_commands(router.saved)
    router.minute = 0.2  # a "minute" of 0.2 s
    conn.send_config_set(["set interfaces tunnel tun0 mtu '1300'"],  # type: ignore[attr-defined]
                         error_pattern=ERRORS, enter_config_mode=False)
    conn.send_command("commit-confirm 1", expect_string=r"\[Y/n\]")  # type: ignore[attr-defined]
    conn.send_command("y", expect_string=PROMPT)  # type: ignore[attr-defined]
    assert router.running.value(("interfaces", "tunnel", "tun0", "mtu")) == "1300"
    deadline = time.monotonic() + 5
    while router.reverts == 0 and time.monotonic() < deadline:
        time.sleep(0.05)
    assert router.reverts == 1
    assert render_commands(router.running) == saved  # back to the saved config
    time.sleep(0.2)
    assert not conn.is_alive()  # type: ignore[attr-defined]  # the "reboot" dropped the login
