"""The simulated VyOS router's CLI, driven line by line (no SSH): prompts, set/delete
errors per version, compare, commit, commit-confirm with a real revert, save, discard,
exit, shows and ping."""

from __future__ import annotations

import time

import pytest

from greios.platforms.vyos.labcli import VyosSession
from greios.platforms.vyos.labdevice import VyosDevice, verify
from greios.platforms.vyos.parse import parse_set_commands
from greios.platforms.vyos.render import render_commands

EXAMPLE_12 = [
    "set interfaces ethernet eth1 address '10.132.75.79/24'",
    "set interfaces tunnel tun0 address '192.168.0.1/30'",
    "set interfaces tunnel tun0 description 'GRE_TOK_TO_HKG'",
    "set interfaces tunnel tun0 encapsulation 'gre'",
    "set interfaces tunnel tun0 multicast enable",
    "set interfaces tunnel tun0 local-ip '10.132.75.79'",
    "set interfaces tunnel tun0 remote-ip '10.111.147.74'",
]
EXAMPLE_14 = [
    "set interfaces ethernet eth1 address '10.132.75.79/24'",
    "set interfaces tunnel tun0 address '192.168.0.1/30'",
    "set interfaces tunnel tun0 encapsulation 'gre'",
    "set interfaces tunnel tun0 enable-multicast",
    "set interfaces tunnel tun0 source-address '10.132.75.79'",
    "set interfaces tunnel tun0 remote '10.111.147.74'",
]


class Cli:
    def __init__(self, device: VyosDevice) -> None:
        self.out: list[str] = []
        self.dropped = False
        self.session = VyosSession(device, "vyos", self.out.append, self._drop)
        self.session.start()

    def _drop(self) -> None:
        self.dropped = True

    def __call__(self, line: str) -> str:
        self.out.clear()
        self.session.feed(line + "\r")
        text = "".join(self.out).replace("\r\n", "\n")
        echo = line + "\n"
        assert text.startswith(echo)  # every typed character is echoed
        return text[len(echo):]


def conf(device: VyosDevice) -> Cli:
    cli = Cli(device)
    assert cli("configure") == "[edit]\nvyos@vyos# "
    return cli


def test_prompts_and_banner() -> None:
    out: list[str] = []
    session = VyosSession(VyosDevice(), "vyos", out.append, lambda: None)
    session.start()
    assert "".join(out).startswith("Welcome to VyOS!")
    assert "".join(out).endswith("vyos@vyos:~$ ")
    cli = Cli(VyosDevice())
    assert cli("set terminal length 0") == "vyos@vyos:~$ "
    assert cli("") == "vyos@vyos:~$ "
    assert cli("show bogus") == "\n  Invalid command: [show bogus]\n\nvyos@vyos:~$ "
    assert cli("configure") == "[edit]\nvyos@vyos# "
    assert cli("set interfaces dummy dum0") == "[edit]\nvyos@vyos# "


@pytest.mark.parametrize(("version", "lines"), [("1.2", EXAMPLE_12), ("1.4", EXAMPLE_14)])
def test_set_commit_per_version(version: str, lines: list[str]) -> None:
    dev = VyosDevice(version=version)
    cli = conf(dev)
    for line in lines:
        assert cli(line) == "[edit]\nvyos@vyos# ", line
    assert "+    address 192.168.0.1/30" in cli("compare")
    assert cli("commit") == "[edit]\nvyos@vyos# "
    assert dev.running.exists(("interfaces", "tunnel", "tun0"))
    assert cli("commit") == "No configuration changes to commit\n[edit]\nvyos@vyos# "
    expected = "No changes between working and active configurations" + (
        ".\n" if version == "1.4" else "\n")
    assert cli("compare") == expected + "[edit]\nvyos@vyos# "


@pytest.mark.parametrize(("version", "line", "bad"), [
    ("1.4", EXAMPLE_12[5], "interfaces tunnel tun0 [local-ip]"),
    ("1.4", EXAMPLE_12[4], "interfaces tunnel tun0 [multicast]"),
    ("1.2", EXAMPLE_14[4], "interfaces tunnel tun0 [source-address]"),
    ("1.3", EXAMPLE_14[3], "interfaces tunnel tun0 [enable-multicast]"),
])
def test_invalid_path_per_version(version: str, line: str, bad: str) -> None:
    dev = VyosDevice(version=version)
    cli = conf(dev)
    assert cli(line) == (f"\n  Configuration path: {bad} is not valid\n  Set failed\n\n"
                         "[edit]\nvyos@vyos# ")
    assert cli("commit").startswith("No configuration changes to commit")


def test_already_exists_and_nothing_to_delete() -> None:
    cli = conf(VyosDevice())
    cli(EXAMPLE_14[1])
    assert cli(EXAMPLE_14[1]).startswith(
        "\n  Configuration path: [interfaces tunnel tun0 address 192.168.0.1/30] "
        "already exists\n\n")
    assert cli("delete interfaces tunnel tun7").startswith(
        "\n  Nothing to delete (the specified node does not exist)\n\n")
    assert cli("delete interfaces tunnel tun0 address '10.1.1.1/30'").startswith(
        "\n  Nothing to delete (the specified value does not exist)\n\n")
    assert cli("delete interfaces tunnel tun0 local-ip").startswith(
        "\n  Configuration path: interfaces tunnel tun0 [local-ip] is not valid\n"
        "  Delete failed\n\n")


def test_commit_failure_is_atomic() -> None:
    dev = VyosDevice(version="1.4")
    before = render_commands(dev.running)
    cli = conf(dev)
    cli("set interfaces tunnel tun0 address '192.168.0.1/30'")
    cli("set interfaces ethernet eth1 description 'WAN'")
    out = cli("commit")
    assert "Must configure the tunnel encapsulation for tun0!" in out
    assert "[[interfaces tunnel tun0]] failed\nCommit failed\n" in out
    assert render_commands(dev.running) == before


def test_ipsec_commit_checks_1_4() -> None:
    cfg = parse_set_commands(
        "set vpn ipsec esp-group E mode 'transport'\n"
        "set vpn ipsec site-to-site peer HKG authentication mode 'pre-shared-secret'\n"
        "set vpn ipsec site-to-site peer HKG default-esp-group 'E'\n"
        "set vpn ipsec site-to-site peer HKG tunnel 1 protocol 'gre'\n", "1.4")
    messages = [m for _, m in verify(cfg, "1.4")]
    assert "Missing ike-group on site-to-site peer HKG" in messages
    assert "Missing local-address or dhcp-interface on site-to-site peer HKG" in messages
    assert any(m.startswith("Fixed local-address or peer required") for m in messages)


def test_exit_discard_save_and_warnings() -> None:
    dev = VyosDevice()
    cli = conf(dev)
    cli(EXAMPLE_14[0])
    assert cli("exit") == ("Cannot exit: configuration modified.\n"
                           "Use 'exit discard' to discard the changes and exit.\n"
                           "[edit]\nvyos@vyos# ")
    assert cli("discard").startswith("  Changes have been discarded\n")
    assert cli("discard").startswith("  No changes have been discarded\n")
    cli(EXAMPLE_14[0])
    assert cli("save").startswith("Warning: you have uncommitted changes that will not be "
                                  "saved.\n\nSaving configuration to '/config/config.boot'"
                                  "...\nDone\n")
    cli("commit")
    assert cli("exit") == ("Warning: configuration changes have not been saved.\nexit\n"
                           "vyos@vyos:~$ ")
    assert not dev.saved.exists(("interfaces", "ethernet", "eth1", "address"))
    cli("configure")
    cli("save")
    assert dev.saved == dev.running
    assert "address \"10.132.75.79/24\"" in cli("run cat /config/config.boot")
    assert cli("exit") == "exit\nvyos@vyos:~$ "
    assert cli("exit") == ""  # in operational mode: ends the login
    assert cli.session.closed and cli.dropped


def test_commit_confirm_then_confirm_1_4() -> None:
    dev = VyosDevice(version="1.4", minute=0.2)
    cli = conf(dev)
    cli(EXAMPLE_14[0])
    question = cli("commit-confirm 1")
    assert question.endswith("are confirmed.\n\nProceed ? [Y/n] ")
    assert "reboot in 1 minutes unless changes" in question
    assert cli("y") == ("Initialized commit-confirm; 1 minutes to confirm before reboot\n"
                        "[edit]\nvyos@vyos# ")
    assert dev.confirm_pending()
    assert cli("confirm").startswith("Reboot timer stopped\n")
    time.sleep(0.3)
    assert dev.running.exists(("interfaces", "ethernet", "eth1", "address"))
    assert dev.reverts == 0
    assert cli("confirm").startswith("No confirm pending\n")


@pytest.mark.parametrize("version", ["1.2", "1.4"])
def test_commit_confirm_without_confirm_reverts(version: str) -> None:
    dev = VyosDevice(version=version, minute=0.05)
    saved = render_commands(dev.saved)
    cli = conf(dev)
    cli(EXAMPLE_14[0])
    question = cli("commit-confirm 2")
    assert question.endswith("[confirm]" if version == "1.2" else "[Y/n] ")
    cli("")  # the default answer is yes
    assert dev.running.exists(("interfaces", "ethernet", "eth1", "address"))
    deadline = time.monotonic() + 3
    while dev.reverts == 0 and time.monotonic() < deadline:
        time.sleep(0.02)
    assert dev.reverts == 1
    assert render_commands(dev.running) == saved
    assert cli.dropped  # the "reboot" dropped the session
    assert dev.history[0].via == "rollback/reboot"


def test_commit_confirm_cancel_and_no_changes() -> None:
    dev = VyosDevice(version="1.4", minute=0.05)
    cli = conf(dev)
    assert cli("commit-confirm 5").startswith("No configuration changes to commit")
    cli(EXAMPLE_14[0])
    cli("commit-confirm 5")
    assert cli("n").startswith("commit-confirm canceled\n")
    assert not dev.confirm_pending()
    assert not dev.running.exists(("interfaces", "ethernet", "eth1", "address"))


def test_sessions_commit_into_the_same_running_config() -> None:
    dev = VyosDevice()
    one, two = conf(dev), conf(dev)
    one(EXAMPLE_14[0])
    two("set system host-name 'vyostok1'")
    one("commit")
    two("commit")
    assert dev.running.exists(("interfaces", "ethernet", "eth1", "address"))
    assert dev.hostname == "vyostok1"


def test_show_interfaces_tunnel_and_df_ping() -> None:
    dev = VyosDevice(version="1.2")
    cli = conf(dev)
    for line in EXAMPLE_12:
        cli(line)
    cli("commit")
    table = cli("run show interfaces tunnel")
    assert "tun0             192.168.0.1/30                    u/u  GRE_TOK_TO_HKG" in table
    ok = cli("run ping 192.168.0.2 count 3 size 1448 do-not-fragment")
    assert "PING 192.168.0.2 (192.168.0.2) 1448(1476) bytes of data." in ok
    assert "3 packets transmitted, 3 received, 0% packet loss" in ok
    bad = cli("run ping 192.168.0.2 count 2 size 1449 do-not-fragment")
    assert bad.count("ping: local error: message too long, mtu=1476") == 2
    assert "2 packets transmitted, 0 received, +2 errors, 100% packet loss" in bad
    raw = cli("run ping 192.168.0.2 -c 1 -s 1449 -M do")
    assert "message too long, mtu=1476" in raw
    cli("set interfaces tunnel tun0 mtu 1400")
    cli("set interfaces tunnel tun0 disable")
    cli("commit")
    assert "A/D  GRE_TOK_TO_HKG" in cli("run show interfaces tunnel")
    assert "Network is unreachable" in cli("run ping 192.168.0.2 count 1")


def test_show_version_and_configuration() -> None:
    dev = VyosDevice(version="1.3", release="1.3.8")
    cli = Cli(dev)
    version = cli("show version")
    assert "Version:          VyOS 1.3.8\n" in version
    assert "Hardware S/N:" in version and "Hardware model:" in version
    assert "set system host-name 'vyos'" in cli("show configuration commands")
    assert "encrypted-password ****************" in cli("show configuration")


@pytest.mark.parametrize(("version", "path", "other"), [
    ("1.4", "/run/systemd/shutdown/scheduled", "/var/run/confirm.job"),
    ("1.2", "/var/run/confirm.job", "/run/systemd/shutdown/scheduled"),
])
def test_commit_confirm_pending_file_and_change_hook(version: str, path: str,
                                                     other: str) -> None:
    dev = VyosDevice(version=version, minute=60.0)
    changes: list[bool] = []
    dev.on_change = lambda d: changes.append(d.unsaved)
    cli = conf(dev)
    missing = f"cat: {path}: No such file or directory\n"
    assert cli(f"run cat {path}").startswith(missing)
    cli("set interfaces ethernet eth0 description 'x'")
    assert cli("commit-confirm 2").rstrip().endswith(("[Y/n]", "[confirm]"))
    cli("y")
    pending = cli(f"run cat {path}")
    assert pending.startswith("USEC=" if version == "1.4" else ("Mon", "Tue", "Wed", "Thu",
                                                                 "Fri", "Sat", "Sun"))
    assert cli(f"run cat {other}").startswith(f"cat: {other}: No such file")
    cli("confirm")
    assert cli(f"run cat {path}").startswith(missing)
    cli("save")
    assert changes == [True, False]  # the commit, then the save
    dev.close()
