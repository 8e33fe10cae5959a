"""apply_changes / restore_backup / DeviceSession against the lab: real napalm + netmiko."""

from __future__ import annotations

import logging
import socket
import stat
import time
from pathlib import Path

import pytest

from greios.deploy.apply import RouterChange, apply_changes, restore_backup, worst_exit_code
from greios.deploy.backup import list_backups
from greios.deploy.fingerprint import fingerprint
from greios.deploy.locks import RouterLock, list_locks
from greios.errors import DeviceAuthError, DeviceConnectError, DeviceTimeoutError, ExitCode
from greios.platforms.ios.driver import DeviceSession

from .conftest import Lab, has_tunnel, pair_change
from .labcfg import PSK_VALUE, peer_address, resolve, tunnel_change

pytestmark = pytest.mark.lab

PSK12 = PSK_VALUE.format(a="R1", b="R2")
PSK34 = PSK_VALUE.format(a="R3", b="R4")
MERGE = "copy flash:/merge_config.txt running-config"


def _apply(lab: Lab, state_dir: Path, changes: list[RouterChange], **kw: object) -> list:
    names = [c.router for c in changes]
    pairs = kw.pop("pairs", [(names[0], names[1])] if len(names) == 2 else [])
    return apply_changes(changes, lab.targets(*names), state_dir=state_dir, resolve=resolve,
                         pairs=pairs, **kw)  # type: ignore[arg-type]


def _no_secret(*texts: str) -> None:
    for text in texts:
        assert PSK12 not in text and PSK34 not in text


def test_happy_path_pair_then_unchanged(lab: Lab, state_dir: Path,
                                        caplog: pytest.LogCaptureFixture) -> None:
    before = {n: lab.running(n) for n in ("R1", "R2")}
    seen: list[tuple[str, str]] = []
    with caplog.at_level(logging.DEBUG):
        results = _apply(lab, state_dir, [pair_change(1, 2), pair_change(2, 1)],
                         progress=lambda r, m: seen.append((r, m)))
    assert [(r.router, r.status, r.exit_code) for r in results] == \
        [("R1", "applied", ExitCode.OK), ("R2", "applied", ExitCode.OK)]
    for name, res in zip(("R1", "R2"), results, strict=True):
        dev = lab.device(name)
        assert dev.revert is None  # commit confirmed
        assert "interface Tunnel10" in dev.running_text()
        assert "interface Tunnel10" in dev.startup  # confirm wrote memory
        assert any(c.startswith("configure terminal revert timer 5") for c in lab.commands(name))
        assert "configure confirm" in lab.commands(name)
        assert any(c.startswith("ping 10.255.12.") and "df-bit" in c and "size 1400" in c
                   for c in lab.commands(name))
        assert res.backup is not None and stat.S_IMODE(res.backup.stat().st_mode) == 0o600
        assert fingerprint(res.backup.read_text()) == fingerprint(before[name])
        assert {"connect", "load", "commit", "verify", "tunnels", "confirm"} <= set(res.phases)
        assert res.diff.startswith("+crypto ikev2 proposal PROP-1")
        _no_secret(res.message, res.diff, str(res.backup), *res.notes)
    assert PSK12 in lab.running("R1")  # the key did reach the router
    # 'file prompt quiet' was configured: napalm must not toggle (and so remove) it
    assert "file prompt quiet" in lab.running("R1").splitlines()
    assert "no file prompt quiet" not in lab.commands("R1")
    assert list_locks(state_dir) == []
    assert ("R1", "applied") in seen
    _no_secret(caplog.text, *(m for _r, m in seen))
    # the same plan again: nothing to commit
    lab.device("R1").history.clear()
    again = _apply(lab, state_dir, [pair_change(1, 2), pair_change(2, 1)])
    assert [r.status for r in again] == ["unchanged", "unchanged"]
    assert MERGE not in lab.commands("R1")
    assert worst_exit_code(again) == ExitCode.OK


def test_rejected_line_rolls_back_and_names_the_reference(
        lab: Lab, state_dir: Path, caplog: pytest.LogCaptureFixture) -> None:
    lab.device("R1").faults.reject_lines.append(r"^pre-shared-key")
    before = fingerprint(lab.running("R1"))
    with caplog.at_level(logging.DEBUG):
        r1, r2 = _apply(lab, state_dir, [pair_change(1, 2), pair_change(2, 1)])
    assert (r1.status, r1.exit_code) == ("rolled-back", ExitCode.COMMIT_FAILED)
    assert "pre-shared-key <secret:psk/R1--R2>" in r1.message
    assert fingerprint(lab.running("R1")) == before
    assert lab.device("R1").revert is None
    # the other end finishes; its tunnel check is skipped because R1 failed
    assert r2.status == "applied"
    assert any("skipped" in n for n in r2.notes)
    _no_secret(r1.message, r2.message, caplog.text, *r1.notes)
    assert worst_exit_code([r1, r2]) == ExitCode.COMMIT_FAILED


def test_converged_failure_rolls_back_to_exact_config(lab: Lab, state_dir: Path) -> None:
    before = fingerprint(lab.running("R3"))
    change = pair_change(3, 4, converged=lambda _run: "Tunnel10 has no ip mtu 1400")
    (res,) = _apply(lab, state_dir, [change], verify_tunnels=False)
    assert (res.status, res.exit_code) == ("rolled-back", ExitCode.VERIFY_FAILED)
    assert "not converged after commit: Tunnel10 has no ip mtu 1400" in res.message
    assert "configure revert now" in lab.commands("R3")
    assert fingerprint(lab.running("R3")) == before
    assert "Tunnel10" not in lab.device("R3").startup


def test_tunnel_df_ping_failure_rolls_back_both_ends(lab: Lab, state_dir: Path) -> None:
    before = {n: fingerprint(lab.running(n)) for n in ("R3", "R4")}
    # the plan believes 1476 bytes fit, but the protected tunnel carries far less
    changes = [pair_change(3, 4, ping_size=1476, ip_mtu=1476),
               pair_change(4, 3, ping_size=1476, ip_mtu=1476)]
    results = _apply(lab, state_dir, changes, tunnel_wait=1.0)
    assert [(r.status, r.exit_code) for r in results] == \
        [("rolled-back", ExitCode.VERIFY_FAILED)] * 2
    assert "DF ping of 1476 bytes" in results[0].message
    assert {n: fingerprint(lab.running(n)) for n in ("R3", "R4")} == before


def test_unresolvable_secret_fails_that_router_only(lab: Lab, state_dir: Path) -> None:
    from greios.errors import SecretError

    def resolve_or_fail(text: str) -> str:
        if "R1--R2" in text:
            raise SecretError("pre-shared key of pair R1--R2 is missing (GREIOS_PSK_R1__R2)")
        return resolve(text)

    r1, r3 = apply_changes([pair_change(1, 2), pair_change(3, 4)], lab.targets("R1", "R3"),
                           state_dir=state_dir, resolve=resolve_or_fail, verify_tunnels=False)
    assert (r1.status, r1.exit_code) == ("failed", ExitCode.ERROR)
    assert "R1--R2 is missing" in r1.message
    assert MERGE not in lab.commands("R1")
    assert r3.status == "applied"


def test_stale_plan_pushes_nothing(lab: Lab, state_dir: Path) -> None:
    (res,) = _apply(lab, state_dir, [pair_change(1, 2, expected="0" * 64)])
    assert (res.status, res.exit_code) == ("stale", ExitCode.STALE_PLAN)
    assert "re-run plan" in res.message
    assert "merge_config.txt" not in lab.device("R1").flash.files
    assert not any(c.startswith("copy") for c in lab.commands("R1"))
    # the right fingerprint goes through
    good = fingerprint(lab.running("R1"))
    (ok,) = _apply(lab, state_dir, [pair_change(1, 2, expected=good)], verify_tunnels=False)
    assert ok.status == "applied"


def test_lock_held_refuses(lab: Lab, state_dir: Path) -> None:
    with RouterLock(state_dir, "R2", "apply"):
        (res,) = _apply(lab, state_dir, [pair_change(2, 1)])
    assert (res.status, res.exit_code) == ("locked", ExitCode.LOCK_HELD)
    assert "greios locks --remove R2" in res.message
    assert lab.commands("R2") == []  # never even connected


def test_unreachable_bad_credentials_and_timeout(lab: Lab, state_dir: Path) -> None:
    with socket.socket() as s:  # a closed 127.0.0.1 port
        s.bind(("127.0.0.1", 0))
        closed = s.getsockname()[1]
    dead = lab.target("R1", port=closed)
    with pytest.raises(DeviceConnectError, match=r"R1: cannot connect to 127\.0\.0\.1 port"):
        DeviceSession(dead).open()
    res = apply_changes([pair_change(1, 2)], {"R1": dead}, state_dir=state_dir,
                        resolve=resolve)[0]
    assert (res.status, res.exit_code) == ("unreachable", ExitCode.DEVICE_UNREACHABLE)

    wrong = lab.target("R2", password="not-the-Password-9")
    with pytest.raises(DeviceAuthError) as err:
        DeviceSession(wrong).open()
    assert err.value.exit_code == ExitCode.DEVICE_UNREACHABLE
    assert "R2" in str(err.value) and "not-the-Password-9" not in str(err.value)
    res = apply_changes([pair_change(2, 1)], {"R2": wrong}, state_dir=state_dir,
                        resolve=resolve)[0]
    assert (res.status, res.exit_code) == ("unreachable", ExitCode.DEVICE_UNREACHABLE)
    assert "not-the-Password-9" not in res.message

    lab.device("R3").faults.delays[r"^show running-config$"] = 3.0
    start = time.perf_counter()
    with pytest.raises(DeviceTimeoutError, match=r"R3: no answer within 1 s"), \
            DeviceSession(lab.target("R3", timeout=1)) as session:
        session.get_running()
    assert time.perf_counter() - start < 3.0
    res = apply_changes([pair_change(3, 4)], {"R3": lab.target("R3", timeout=1)},
                        state_dir=state_dir, resolve=resolve)[0]
    assert (res.status, res.exit_code) == ("unreachable", ExitCode.DEVICE_UNREACHABLE)
    assert "no answer" in res.message


def test_parallel_apply_of_four_routers(lab: Lab, state_dir: Path) -> None:
    changes = [pair_change(1, 2), pair_change(2, 1), pair_change(3, 4), pair_change(4, 3)]
    start = time.perf_counter()
    results = _apply(lab, state_dir, changes, pairs=[("R1", "R2"), ("R3", "R4")],
                     parallelism=4)
    wall = time.perf_counter() - start
    assert [r.status for r in results] == ["applied"] * 4
    assert wall < 0.75 * sum(r.seconds for r in results)
    for n in ("R1", "R2", "R3", "R4"):
        assert "interface Tunnel10" in lab.device(n).startup


def test_restore_backup_round_trip(lab: Lab, state_dir: Path) -> None:
    original = lab.running("R4")
    (res,) = _apply(lab, state_dir, [pair_change(4, 3)], verify_tunnels=False)
    assert res.status == "applied" and res.backup is not None
    assert "interface Tunnel10" in lab.running("R4")
    back = restore_backup(lab.target("R4"), res.backup.read_text(), state_dir)
    assert (back.status, back.exit_code) == ("applied", ExitCode.OK)
    assert fingerprint(lab.running("R4")) == fingerprint(original)
    assert "interface Tunnel10" not in lab.running("R4")
    assert any(p.name.endswith("-pre-restore.cfg") for p in list_backups(state_dir, "R4"))
    again = restore_backup(lab.target("R4"), res.backup.read_text(), state_dir)
    assert again.status == "unchanged"
    with RouterLock(state_dir, "R4"):
        locked = restore_backup(lab.target("R4"), res.backup.read_text(), state_dir)
    assert (locked.status, locked.exit_code) == ("locked", ExitCode.LOCK_HELD)


def test_missing_archive_refused_unless_allowed(lab: Lab, state_dir: Path) -> None:
    lab.device("R1").faults.archive_missing = True
    (res,) = _apply(lab, state_dir, [pair_change(1, 2)], verify_tunnels=False)
    assert (res.status, res.exit_code) == ("failed", ExitCode.COMMIT_FAILED)
    assert "commit-confirm needs the IOS archive" in res.message
    assert MERGE not in lab.commands("R1")
    (ok,) = _apply(lab, state_dir, [pair_change(1, 2)], verify_tunnels=False,
                   allow_unconfirmed=True)
    assert ok.status == "applied" and "without revert timer" in ok.message
    assert not any("revert timer" in c for c in lab.commands("R1"))


def test_foreign_pending_commit_and_full_flash_are_refused(lab: Lab, state_dir: Path) -> None:
    dev = lab.device("R1")
    dev.start_revert(5, "alice")  # someone else's change is waiting for 'configure confirm'
    (res,) = _apply(lab, state_dir, [pair_change(1, 2)], verify_tunnels=False)
    assert (res.status, res.exit_code) == ("failed", ExitCode.COMMIT_FAILED)
    assert "by 'alice' is still waiting for 'configure confirm'" in res.message
    assert dev.revert is not None and dev.revert.user == "alice"  # left alone
    assert MERGE not in lab.commands("R1")
    dev.cancel_revert()
    dev.flash.full = True
    (full,) = _apply(lab, state_dir, [pair_change(1, 2)], verify_tunnels=False)
    assert (full.status, full.exit_code) == ("failed", ExitCode.COMMIT_FAILED)
    assert "flash has only 0 bytes free" in full.message
    assert MERGE not in lab.commands("R1")


def test_connection_dropped_during_commit_is_reverted(lab: Lab, state_dir: Path) -> None:
    before = fingerprint(lab.running("R2"))
    lab.device("R2").faults.drop_commit = True
    (res,) = apply_changes([pair_change(2, 1)], {"R2": lab.target("R2", timeout=2)},
                           state_dir=state_dir, resolve=resolve)
    assert (res.status, res.exit_code) == ("rolled-back", ExitCode.COMMIT_FAILED)
    assert "connection lost during commit" in res.message
    assert fingerprint(lab.running("R2")) == before
    assert lab.device("R2").revert is None


def test_session_ping_and_interfaces(lab: Lab) -> None:
    with DeviceSession(lab.target("R1")) as session:
        ifs = session.interfaces()
        assert ifs["GigabitEthernet1"].is_up and ifs["GigabitEthernet1"].is_enabled
        ok = session.ping("198.51.100.1", size=1500, df=True, count=2)
        assert ok.ok and ok.sent == 2 and ok.success_rate == 100
        big = session.ping("198.51.100.254", size=1600, df=True, count=2)
        assert not big.ok


@pytest.mark.slow
def test_inline_transfer_when_scp_is_disabled(lab: Lab, state_dir: Path,
                                              caplog: pytest.LogCaptureFixture) -> None:
    lab.device("R3").faults.scp_disabled = True
    change = RouterChange("R3", tunnel_change(3, 4), None, has_tunnel())
    with caplog.at_level(logging.DEBUG):
        (res,) = _apply(lab, state_dir, [change], verify_tunnels=False)
    assert res.status == "applied", res.message
    assert any("inline (TCL)" in n for n in res.notes)
    assert "tclsh" in lab.commands("R3")
    assert PSK_VALUE.format(a="R3", b="R4") in lab.running("R3")
    _no_secret(caplog.text, res.message)


def test_pair_larger_than_parallelism_is_staged_one_router_at_a_time(
        lab: Lab, state_dir: Path) -> None:
    """--parallelism 1 is honoured for a pair too (issue #13): R1 commits and parks, R2
    lands and checks its end, R1 reconnects and checks its end, both confirm."""
    seen: list[str] = []
    since = time.monotonic()
    stats: dict[str, object] = {}
    results = _apply(lab, state_dir, [pair_change(1, 2), pair_change(2, 1)], parallelism=1,
                     progress=lambda _r, m: seen.append(m), stats=stats)
    assert [r.status for r in results] == ["applied", "applied"]
    assert any("exceed --parallelism 1: staged" in m for m in seen)
    assert lab.peak_in_flight(since, ("R1", "R2")) == 1
    assert stats["peak_in_flight"] == 1
    for name, peer in (("R1", "R2"), ("R2", "R1")):  # verified from both ends
        assert any(c.startswith(f"ping {peer_address(int(name[1]), int(peer[1]))} size 1400 "
                                "df-bit") for c in lab.commands(name)), name
        assert lab.device(name).revert is None and "Tunnel10" in lab.device(name).startup
