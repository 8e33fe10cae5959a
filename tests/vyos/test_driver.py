"""greios's VyOS driver (real, unmodified netmiko ``vyos`` underneath) against the
simulated VyOS router: the apply cycle, every failure with its greios error and exit code,
and the router exactly as before after each failure."""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest

from greios.deploy.target import DeviceTarget
from greios.errors import (
    CommitError,
    DeviceAuthError,
    DeviceConnectError,
    ExitCode,
)
from greios.platforms.vyos.driver import (
    PreflightError,
    VersionMismatchError,
    VyosSession,
    connection_class,
)
from greios.platforms.vyos.labdevice import VyosDevice, default_config
from greios.platforms.vyos.labserver import VyosLabServer
from greios.platforms.vyos.parse import parse_set_commands
from greios.platforms.vyos.render import render_commands

pytestmark = pytest.mark.lab

EXAMPLE_14 = """\
set interfaces ethernet eth1 address '10.132.75.79/24'
set interfaces tunnel tun0 address '192.168.0.1/30'
set interfaces tunnel tun0 description 'GRE_TOK_TO_HKG'
set interfaces tunnel tun0 encapsulation 'gre'
set interfaces tunnel tun0 enable-multicast
set interfaces tunnel tun0 source-address '10.132.75.79'
set interfaces tunnel tun0 remote '10.111.147.74'
"""
EXAMPLE_12 = """\
set interfaces ethernet eth1 address '10.132.75.79/24'
set interfaces tunnel tun0 address '192.168.0.1/30'
set interfaces tunnel tun0 description 'GRE_TOK_TO_HKG'
set interfaces tunnel tun0 encapsulation 'gre'
set interfaces tunnel tun0 multicast enable
set interfaces tunnel tun0 local-ip '10.132.75.79'
set interfaces tunnel tun0 remote-ip '10.111.147.74'
"""


class Lab:
    def __init__(self, device: VyosDevice, server: VyosLabServer) -> None:
        self.device = device
        self.server = server

    def target(self, password: str = "vyos", **optional: object) -> DeviceTarget:
        return DeviceTarget("vyostok1", "127.0.0.1", self.server.port, "vyos", password,
                            optional_args=optional, timeout=10)

    def session(self, version: str | None = None) -> VyosSession:
        return VyosSession(self.target(), version=version)

    def running(self) -> str:
        return render_commands(self.device.running)

    def saved(self) -> str:
        return render_commands(self.device.saved)


def _lab(version: str, minute: float = 60.0) -> Iterator[Lab]:
    device = VyosDevice(version=version, minute=minute)
    with VyosLabServer(device) as server:
        yield Lab(device, server)


@pytest.fixture
def lab14() -> Iterator[Lab]:
    yield from _lab("1.4")


@pytest.fixture
def lab12() -> Iterator[Lab]:
    yield from _lab("1.2")


def _wait(cond: object, seconds: float = 5.0) -> None:
    deadline = time.monotonic() + seconds
    while not cond() and time.monotonic() < deadline:  # type: ignore[operator]
        time.sleep(0.02)


def test_netmiko_class_is_netmikos_vyos_driver() -> None:
    from netmiko.vyos.vyos_ssh import VyOSSSH

    assert issubclass(connection_class(), VyOSSSH)


def test_happy_cycle_commit_confirm_then_confirm_and_save(lab14: Lab) -> None:
    before_saved = lab14.saved()
    with lab14.session("1.4") as s:
        assert s.version == "1.4" and s.release.startswith("1.4")
        running = s.get_running()
        assert parse_set_commands(running, "1.4") == lab14.device.running
        assert s.preflight().refusal(need_confirm=True) is None
        s.load_merge(EXAMPLE_14)
        diff = s.compare()
        assert "+tunnel tun0 {" in diff and "remote 10.111.147.74" in diff
        assert lab14.device.running.get(("interfaces", "tunnel")) is None  # not yet
        s.commit(120)
        assert lab14.device.confirm_pending()
        pending = s.pending()
        assert pending is not None and pending.user == "vyos"
        assert lab14.saved() == before_saved  # nothing saved before the confirmation
        states = s.line_states()
        assert states["tun0"].is_up and states["tun0"].is_enabled
        ok = s.ping("192.168.0.2", size=1476, df=True, count=2)
        too_big = s.ping("192.168.0.2", size=1477, df=True, count=2)
        assert ok.ok and (ok.sent, ok.received) == (2, 2)
        assert not too_big.ok and (too_big.sent, too_big.received) == (2, 0)
        s.confirm()
        assert not lab14.device.confirm_pending() and s.pending() is None
        assert lab14.saved() == lab14.running()  # saved after the confirmation
        assert s.get_running() == lab14.running().strip()
    sent = [line for _, line in lab14.device.log]
    assert "ping 192.168.0.2 count 2 size 1448 do-not-fragment" in " ".join(sent)
    assert sent.index("confirm") < sent.index("save")
    # a second apply of the same lines changes nothing
    with lab14.session() as s:
        s.load_merge(EXAMPLE_14)
        assert s.compare() == ""
        s.discard()


def test_commit_without_revert_timer_commits_and_saves(lab14: Lab) -> None:
    with lab14.session() as s:
        s.load_merge(EXAMPLE_14)
        s.commit(None)
        assert not lab14.device.confirm_pending()
    assert lab14.saved() == lab14.running()
    assert lab14.device.running.value(("interfaces", "tunnel", "tun0", "remote")) == \
        "10.111.147.74"


def test_rejected_line_names_router_and_line_and_leaves_router_unchanged(lab14: Lab) -> None:
    before = lab14.running()
    bad = "set interfaces tunnel tun0 local-ip '10.132.75.79'"
    with lab14.session() as s:
        with pytest.raises(CommitError) as err:
            s.load_merge(EXAMPLE_14 + bad + "\nset interfaces tunnel tun0 mtu '1400'\n")
        assert err.value.exit_code == ExitCode.COMMIT_FAILED
        msg = str(err.value)
        assert msg.startswith("vyostok1: the device rejected the line "
                              f"'{bad}'") and "[local-ip] is not valid" in msg
        assert s.rejected == [bad]
        assert s.compare() == ""  # the session's earlier lines were discarded too
    sent = [line for _, line in lab14.device.log]
    assert "set interfaces tunnel tun0 mtu '1400'" not in sent  # nothing after the bad line
    assert "exit discard" in sent
    assert lab14.running() == before and not lab14.device.history


def test_rejected_secret_line_never_shows_the_secret(lab12: Lab) -> None:
    psk = "Tok-HKG-Pre-Shared-9x"
    line = f"set vpn ipsec authentication psk HKG secret '{psk}'"  # 1.4 syntax on 1.2
    with lab12.session() as s, pytest.raises(CommitError) as err:
        s.load_merge(line)
    assert psk not in str(err.value) and "vyostok1" in str(err.value)
    assert all(psk not in r for r in s.rejected)


def test_failed_commit_is_discarded_and_router_unchanged(lab14: Lab) -> None:
    before = lab14.running()
    broken = "set interfaces tunnel tun9 address '192.168.9.1/30'\n"  # no encapsulation
    with lab14.session() as s:
        s.load_merge(broken)
        with pytest.raises(CommitError) as err:
            s.commit(60)
        assert err.value.exit_code == ExitCode.COMMIT_FAILED
        assert "vyostok1: commit failed: interfaces tunnel tun9: Must configure the tunnel " \
               "encapsulation for tun9!" in str(err.value)
        assert not lab14.device.confirm_pending() and s.pending() is None
        assert s.get_running() == before.strip()
    assert lab14.running() == before


def test_unconfirmed_commit_reverts_and_confirm_reports_the_lost_session() -> None:
    for lab in _lab("1.4", minute=0.3):
        saved = lab.saved()
        s = lab.session()
        s.open()
        s.load_merge(EXAMPLE_14)
        s.commit(60)  # one "minute" = 0.3 s
        assert lab.device.running.exists(("interfaces", "tunnel", "tun0"))
        _wait(lambda lab=lab: lab.device.reverts == 1)  # type: ignore[misc]
        assert lab.running() == saved
        with pytest.raises(DeviceConnectError) as err:
            s.confirm()
        assert "connection lost during confirming the commit" in str(err.value)
        assert err.value.exit_code == ExitCode.DEVICE_UNREACHABLE
        s.close()
        assert lab.running() == saved


def test_rollback_of_a_pending_commit_restores_backup_and_stops_the_timer(lab14: Lab) -> None:
    before, saved = lab14.running(), lab14.saved()
    with lab14.session() as s:
        s.get_running()
        s.load_merge(EXAMPLE_14)
        s.commit(300)
        assert lab14.running() != before
        s.rollback()
        assert lab14.running() == before and lab14.saved() == saved
        assert not lab14.device.confirm_pending() and s.pending() is None


def test_rollback_from_a_new_session_goes_back_to_the_saved_config(lab14: Lab) -> None:
    saved = lab14.saved()
    with lab14.session() as s:
        s.load_merge(EXAMPLE_14)
        s.commit(300)
    with lab14.session() as fresh:  # reconnect: no backup, a confirm pending
        assert fresh.pending_commit()
        fresh.rollback()
        assert not fresh.pending_commit()
    assert lab14.running() == saved and not lab14.device.confirm_pending()


def test_rollback_of_an_uncommitted_load_discards(lab14: Lab) -> None:
    before = lab14.running()
    with lab14.session() as s:
        s.load_merge(EXAMPLE_14)
        s.rollback()
        assert s.compare() == ""
    assert lab14.running() == before and not lab14.device.history


def test_replace_restores_a_backup_exactly(lab14: Lab) -> None:
    with lab14.session() as s:
        backup = s.get_running()
        s.load_merge(EXAMPLE_14 + "set interfaces ethernet eth0 description 'uplink'\n"
                     "delete service ssh port\n")
        s.commit(None)
        assert s.get_running() != backup
        s.replace(backup)
        assert s.get_running() == backup
    assert lab14.saved() == lab14.running() == backup + "\n"


def test_legacy_dialect_cycle_and_the_examples_df_ping(lab12: Lab) -> None:
    with lab12.session("1.2") as s:
        s.load_merge(EXAMPLE_12)
        s.commit(60)
        assert s.pending() is not None
        assert s.ping("192.168.0.2", size=1448 + 28, df=True, count=1).ok
        assert not s.ping("192.168.0.2", size=1449 + 28, df=True, count=1).ok
        s.confirm()
    assert lab12.saved() == lab12.running()
    assert "commit-confirm 1" in [line for _, line in lab12.device.log]


def test_legacy_preflight_without_commit_revisions_refuses_commit_confirm() -> None:
    cfg = default_config()
    cfg.delete(("system", "config-management"))
    device = VyosDevice(cfg, version="1.3")
    with VyosLabServer(device) as server:
        target = DeviceTarget("vyoshkg1", "127.0.0.1", server.port, "vyos", "vyos",
                              timeout=10)
        with VyosSession(target) as s:
            pf = s.preflight()
            reason = pf.refusal(need_confirm=True)
            assert reason is not None and "commit-revisions" in reason
            assert pf.refusal(need_confirm=False) is None
            s.load_merge("set interfaces ethernet eth0 description 'x'")
            with pytest.raises(PreflightError) as err:
                s.commit(60)
            assert err.value.exit_code == ExitCode.COMMIT_FAILED
    assert not device.running.exists(("interfaces", "ethernet", "eth0", "description"))


def test_version_mismatch_is_refused_before_any_change(lab12: Lab) -> None:
    with pytest.raises(VersionMismatchError) as err:
        lab12.session("1.4").open()
    msg = str(err.value)
    assert msg.startswith("vyostok1: the router runs VyOS 1.2.9") and \
        "vyos_version 1.4" in msg
    assert err.value.exit_code == ExitCode.COMMIT_FAILED
    # the same through the target's optional_args (how the inventory hands it over)
    with pytest.raises(VersionMismatchError):
        VyosSession(lab12.target(vyos_version="sagitta")).open()
    with pytest.raises(PreflightError, match=r"unsupported VyOS version '1\.0'"):
        VyosSession(lab12.target(vyos_version="1.0")).open()
    assert not any(line.startswith(("set interfaces", "configure"))
                   for _, line in lab12.device.log)


def test_bad_credentials_and_unreachable_port(lab14: Lab) -> None:
    with pytest.raises(DeviceAuthError) as err:
        VyosSession(lab14.target(password="wrong-pass")).open()
    assert err.value.exit_code == ExitCode.DEVICE_UNREACHABLE
    assert "user 'vyos'" in str(err.value) and "wrong-pass" not in str(err.value)
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    target = DeviceTarget("vyostok1", "127.0.0.1", port, "vyos", "vyos", timeout=5)
    with pytest.raises(DeviceConnectError, match="connection refused"):
        VyosSession(target).open()


def test_io_object_builds_driver_and_lab_router() -> None:
    from greios.platforms.vyos.io import IO

    changes: list[str] = []
    dev = IO.lab_device(EXAMPLE_12, version="1.2", time_scale=0.5,
                        on_change=lambda d: changes.append(d.hostname))
    server = IO.lab_server(dev).start()
    try:
        target = DeviceTarget("vyostok1", "127.0.0.1", server.port, "vyos", "vyos",
                              timeout=10)
        session = IO.driver(target, version="1.2")
        assert isinstance(session, VyosSession)
        with session as s:
            s.load_merge("set interfaces tunnel tun0 mtu '1400'")
            s.commit(None)
        assert len(changes) == 2  # the commit and the save
        assert "set interfaces tunnel tun0 mtu '1400'" in IO.lab_config(dev)
        assert "mtu 1400" in IO.lab_startup(dev)
    finally:
        server.stop()
