"""Issue #11 (apply side) against the in-process lab with real napalm: napalm's
`file prompt quiet`, the lock journal and `recover`, Ctrl-C (Cancel), a tunnel whose peer
is not in the apply, a recomputed (hand-edited) change, classified connection errors."""

from __future__ import annotations

import contextlib
import json
import os
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from greios.deploy.apply import RouterChange, TunnelCheck, apply_changes
from greios.deploy.fingerprint import fingerprint
from greios.deploy.interrupt import Cancel
from greios.deploy.locks import RouterLock, list_locks, read_lock
from greios.deploy.recover import recover_router, unfinished
from greios.errors import (
    DeviceAuthError,
    DeviceConnectError,
    DeviceTimeoutError,
    ExitCode,
    StalePlanError,
)
from greios.platforms.ios.configtree import parse_config, render_config
from greios.platforms.ios.driver import DeviceSession

from .conftest import Lab, has_tunnel, pair_change
from .labcfg import resolve, seed, tunnel_change

pytestmark = pytest.mark.lab

FPQ = "file prompt quiet"


def _without_file_prompt(lab: Lab, *names: str) -> None:
    """Routers as most are in the field: no `file prompt quiet` (napalm toggles it)."""
    for name in names:
        dev = lab.device(name)
        with dev.lock:
            dev.running = parse_config(seed(int(name[1:])).replace(f"{FPQ}\n", ""))
            dev.startup = render_config(dev.running)


def _lines(text: str) -> list[str]:
    return text.splitlines()


def _dead_pid() -> int:
    proc = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                          capture_output=True, text=True, check=True)
    return int(proc.stdout)


def test_napalm_file_prompt_quiet_is_never_left_behind(lab: Lab, state_dir: Path) -> None:
    _without_file_prompt(lab, "R1", "R2")
    results = apply_changes([pair_change(1, 2), pair_change(2, 1)], lab.targets("R1", "R2"),
                            state_dir=state_dir, resolve=resolve, pairs=[("R1", "R2")])
    assert [r.status for r in results] == ["applied", "applied"]
    for name in ("R1", "R2"):
        dev = lab.device(name)
        assert FPQ in lab.commands(name)  # napalm did need it for the commit ...
        assert FPQ not in _lines(dev.running_text())  # ... and it is gone again
        assert FPQ not in _lines(dev.startup)  # not saved by the confirm's write memory
        assert "interface Tunnel10" in dev.startup


def test_rollback_restores_exactly_without_napalms_file_prompt(lab: Lab,
                                                               state_dir: Path) -> None:
    _without_file_prompt(lab, "R3")
    before = fingerprint(lab.running("R3"))
    (res,) = apply_changes([pair_change(3, 4, converged=lambda _r: "forced failure")],
                           lab.targets("R3"), state_dir=state_dir, resolve=resolve,
                           verify_tunnels=False)
    assert (res.status, res.exit_code) == ("rolled-back", ExitCode.VERIFY_FAILED)
    assert fingerprint(lab.running("R3")) == before
    assert FPQ not in _lines(lab.device("R3").startup)


def _watch(lab: Lab, state_dir: Path, router: str, phase: str) -> dict[str, object]:
    """The lock journal of ``router`` as soon as it reaches ``phase``."""
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        info = read_lock(state_dir, router)
        if info is not None and info.phase == phase:
            return json.loads(info.path.read_text())
        time.sleep(0.02)
    raise AssertionError(f"{router} never reached {phase}")


def test_lock_journal_records_the_commit(lab: Lab, state_dir: Path) -> None:
    _without_file_prompt(lab, "R1")
    lab.device("R1").faults.delays["^ping "] = 1.0  # stay a while in verification
    seen: dict[str, object] = {}
    watcher = threading.Thread(target=lambda: seen.update(
        _watch(lab, state_dir, "R1", "committed")))
    watcher.start()
    change = RouterChange("R1", tunnel_change(1, 2), None, has_tunnel(),
                          (TunnelCheck("Tunnel10", "R2", "10.255.12.2", 1400,
                                       peer_in_apply=False, unverified="test"),))
    (res,) = apply_changes([change], lab.targets("R1"), state_dir=state_dir, resolve=resolve)
    watcher.join()
    assert res.status == "applied"
    assert seen["phase"] == "committed" and seen["file_prompt_added"] is True
    assert Path(str(seen["backup"])).is_file()
    assert list_locks(state_dir) == []  # released at the end


def _killed_apply(lab: Lab, state_dir: Path, name: str, peer: int) -> Path:
    """What `kill -9` during verification leaves: a commit waiting for confirmation,
    napalm's `file prompt quiet`, the backup and a stale journal lock."""
    from greios.deploy.backup import save_backup

    backup = save_backup(state_dir, name, lab.running(name), label="pre-apply")
    lock = RouterLock(state_dir, name, "apply")
    lock.acquire()
    lock.journal(phase="committing", file_prompt_added=True, backup=str(backup))
    session = DeviceSession(lab.target(name))
    session.open()
    session.get_running()
    session.load_merge(resolve(tunnel_change(int(name[1:]), peer)))
    session.commit(300)
    from greios.platforms.ios.driver import _hard_close

    _hard_close(session._driver)  # the process dies: napalm's close() never runs
    lock.journal(phase="committed")
    data = json.loads(lock.path.read_text())
    data["pid"] = _dead_pid()
    lock.path.write_text(json.dumps(data))
    return backup


def test_recover_rolls_back_a_killed_apply_exactly(lab: Lab, state_dir: Path) -> None:
    _without_file_prompt(lab, "R1")
    before = fingerprint(lab.running("R1"))
    _killed_apply(lab, state_dir, "R1", 2)
    dev = lab.device("R1")
    assert dev.revert is not None and FPQ in _lines(dev.running_text())
    with DeviceSession(lab.target("R1")) as s:
        left = unfinished(s, state_dir)
    assert left.blocking and left.pending is not None and left.lock is not None
    assert left.lock.stale and left.lock.phase == "committed"
    assert "commit-confirm pending" in left.describe() and "stale lock" in left.describe()
    res = recover_router(lab.target("R1"), state_dir, action="rollback")
    assert (res.status, res.exit_code) == ("rolled-back", ExitCode.OK), res.message
    assert dev.revert is None
    assert fingerprint(lab.running("R1")) == before  # napalm's file prompt quiet too
    assert FPQ not in _lines(dev.startup)
    assert list_locks(state_dir) == []
    again = recover_router(lab.target("R1"), state_dir, action="rollback")
    assert again.status == "clean"


def test_recover_confirms_only_a_converged_change(lab: Lab, state_dir: Path) -> None:
    _without_file_prompt(lab, "R2")
    _killed_apply(lab, state_dir, "R2", 1)
    dev = lab.device("R2")
    refused = recover_router(lab.target("R2"), state_dir, action="confirm",
                             converged=lambda _r: "Tunnel10 is missing ip mtu 9000")
    assert (refused.status, refused.exit_code) == ("failed", ExitCode.VERIFY_FAILED)
    assert dev.revert is not None  # left for the timer (or recover --rollback)
    ok = recover_router(lab.target("R2"), state_dir, action="confirm",
                        converged=has_tunnel())
    assert (ok.status, ok.exit_code) == ("confirmed", ExitCode.OK), ok.message
    assert dev.revert is None
    assert "interface Tunnel10" in dev.startup
    assert FPQ not in _lines(dev.running_text()) and FPQ not in _lines(dev.startup)
    assert "file prompt quiet" in ok.message


def test_recover_leaves_a_live_apply_and_foreign_commits_alone(lab: Lab,
                                                               state_dir: Path) -> None:
    with RouterLock(state_dir, "R3", "apply"):
        res = recover_router(lab.target("R3"), state_dir, action="rollback")
        assert (res.status, res.exit_code) == ("locked", ExitCode.LOCK_HELD)
        assert "in progress" in res.message
    lab.device("R4").start_revert(5, "alice")
    res = recover_router(lab.target("R4"), state_dir, action="rollback")
    assert (res.status, res.exit_code) == ("locked", ExitCode.LOCK_HELD)
    assert "'alice'" in res.message and lab.device("R4").revert is not None


@pytest.fixture
def verifying_slowly(lab: Lab) -> Lab:
    for name in ("R1", "R2"):
        lab.device(name).faults.delays["^ping "] = 1.5
    return lab


def _when(seen: list[tuple[str, str]], needle: str, count: int, action: object) -> None:
    def loop() -> None:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if sum(needle in m for _r, m in seen) >= count:
                action()  # type: ignore[operator]
                return
            time.sleep(0.02)

    threading.Thread(target=loop, daemon=True).start()


def test_first_cancel_finishes_committed_routers_and_starts_no_new_one(
        verifying_slowly: Lab, state_dir: Path) -> None:
    lab = verifying_slowly
    before_r3 = fingerprint(lab.running("R3"))
    cancel = Cancel()
    seen: list[tuple[str, str]] = []
    _when(seen, "verifying", 2, cancel.request)
    changes = [pair_change(1, 2), pair_change(2, 1), pair_change(3, 4)]
    results = apply_changes(changes, lab.targets("R1", "R2", "R3"), state_dir=state_dir,
                            resolve=resolve, pairs=[("R1", "R2")], parallelism=2,
                            cancel=cancel, progress=lambda r, m: seen.append((r, m)))
    assert [(r.status, r.exit_code) for r in results] == [
        ("applied", ExitCode.OK), ("applied", ExitCode.OK),
        ("interrupted", ExitCode.INTERRUPTED)]
    assert "not started" in results[2].message
    assert fingerprint(lab.running("R3")) == before_r3 and lab.commands("R3") == []
    assert all(lab.device(n).revert is None for n in ("R1", "R2", "R3"))
    assert list_locks(state_dir) == []


def test_second_cancel_rolls_committed_routers_back_now(verifying_slowly: Lab,
                                                        state_dir: Path) -> None:
    lab = verifying_slowly
    before = {n: fingerprint(lab.running(n)) for n in ("R1", "R2")}
    cancel = Cancel()
    seen: list[tuple[str, str]] = []
    _when(seen, "verifying", 2, lambda: (cancel.request(), cancel.request()))
    results = apply_changes([pair_change(1, 2), pair_change(2, 1)], lab.targets("R1", "R2"),
                            state_dir=state_dir, resolve=resolve, pairs=[("R1", "R2")],
                            cancel=cancel, progress=lambda r, m: seen.append((r, m)))
    assert [(r.status, r.exit_code) for r in results] == \
        [("rolled-back", ExitCode.INTERRUPTED)] * 2
    assert {n: fingerprint(lab.running(n)) for n in ("R1", "R2")} == before
    assert all("configure confirm" not in lab.commands(n) for n in ("R1", "R2"))
    assert list_locks(state_dir) == []


def test_cancel_before_the_commit_changes_nothing(lab: Lab, state_dir: Path) -> None:
    cancel = Cancel()
    cancel.request()
    before = fingerprint(lab.running("R1"))
    (res,) = apply_changes([pair_change(1, 2)], lab.targets("R1"), state_dir=state_dir,
                           resolve=resolve, cancel=cancel)
    assert (res.status, res.exit_code) == ("interrupted", ExitCode.INTERRUPTED)
    assert fingerprint(lab.running("R1")) == before


def _pair_up(lab: Lab, state_dir: Path) -> None:
    results = apply_changes([pair_change(1, 2), pair_change(2, 1)], lab.targets("R1", "R2"),
                            state_dir=state_dir, resolve=resolve, pairs=[("R1", "R2")])
    assert [r.status for r in results] == ["applied", "applied"]


def _one_end(change_text: str, **check: object) -> RouterChange:
    args: dict[str, object] = {"peer_interface": "Tunnel10", "peer_in_apply": False}
    args.update(check)
    return RouterChange("R1", change_text, None, lambda _r: None,
                        (TunnelCheck("Tunnel10", "R2", "10.255.12.2", 1400,
                                     **args),))  # type: ignore[arg-type]


def test_one_end_apply_checks_the_peer_read_only(lab: Lab, state_dir: Path) -> None:
    _pair_up(lab, state_dir)
    r2 = lab.running("R2")
    lab.device("R2").history.clear()
    good = tunnel_change(1, 2).replace(" description to R2", " description to R2 (moved)")
    (ok,) = apply_changes([_one_end(good)], lab.targets("R1"), state_dir=state_dir,
                          resolve=resolve, peer_targets=lab.targets("R2"))
    assert ok.status == "applied", ok.message
    assert "verified Tunnel10 up, DF ping 1400 B to R2 ok" in ok.message
    assert "R2 (not in this apply) Tunnel10 up" in ok.message
    assert lab.running("R2") == r2  # read only
    assert not any(c.startswith(("configure", "copy")) for c in lab.commands("R2"))
    # a change that breaks the pair while the peer is unchanged is rolled back
    before = fingerprint(lab.running("R1"))
    bad = tunnel_change(1, 2).replace("tunnel destination 198.51.100.2",
                                      "tunnel destination 198.51.100.3")
    (res,) = apply_changes([_one_end(bad)], lab.targets("R1"), state_dir=state_dir,
                           resolve=resolve, peer_targets=lab.targets("R2"), tunnel_wait=1.0)
    assert (res.status, res.exit_code) == ("rolled-back", ExitCode.VERIFY_FAILED)
    assert "tunnel check failed" in res.message
    assert fingerprint(lab.running("R1")) == before


def test_one_end_apply_says_why_the_pair_is_not_verified(lab: Lab, state_dir: Path) -> None:
    change = _one_end(tunnel_change(1, 2),
                      unverified="R2 is not in this apply and needs its own change")
    (res,) = apply_changes([change], lab.targets("R1"), state_dir=state_dir, resolve=resolve,
                           peer_targets=lab.targets("R2"))
    assert res.status == "applied"
    assert "Tunnel10 to R2 NOT verified: R2 is not in this apply and needs its own change" \
        in res.message


def test_recomputed_change_refuses_an_edited_one(lab: Lab, state_dir: Path) -> None:
    def recompute(running: str) -> str:
        raise StalePlanError("R1: refused: the plan's commands differ (test)")

    change = RouterChange("R1", tunnel_change(1, 2) + "interface GigabitEthernet1\n shutdown\n",
                          None, has_tunnel(), recompute=recompute)
    before = fingerprint(lab.running("R1"))
    (res,) = apply_changes([change], lab.targets("R1"), state_dir=state_dir, resolve=resolve,
                           verify_tunnels=False)
    assert (res.status, res.exit_code) == ("refused", ExitCode.STALE_PLAN)
    assert fingerprint(lab.running("R1")) == before
    assert not any(c.startswith("copy") for c in lab.commands("R1"))
    # what recompute returns is what is pushed (not the plan's text)
    pushed = RouterChange("R1", "interface GigabitEthernet1\n shutdown\n", None, has_tunnel(),
                          recompute=lambda _running: tunnel_change(1, 2))
    (ok,) = apply_changes([pushed], lab.targets("R1"), state_dir=state_dir, resolve=resolve,
                          verify_tunnels=False)
    assert ok.status == "applied"
    assert "shutdown" not in lab.running("R1").split("interface GigabitEthernet1")[1][:200]


def test_connection_errors_say_what_happened_and_where_to_look(lab: Lab) -> None:
    hints = {"address_hint": "management.host and management.port in sites/x.yaml",
             "credentials_hint": "GREIOS_USERNAME / GREIOS_PASSWORD"}
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        closed = s.getsockname()[1]
    with pytest.raises(DeviceConnectError) as refused:
        DeviceSession(lab.target("R1", port=closed, timeout=5, **hints)).open()
    assert "connection refused" in str(refused.value)
    assert "management.host and management.port in sites/x.yaml" in str(refused.value)

    silent = socket.socket()  # accepts TCP, never says SSH-2.0
    silent.bind(("127.0.0.1", 0))
    silent.listen(5)
    try:
        with pytest.raises(DeviceConnectError) as banner:
            DeviceSession(lab.target("R1", port=silent.getsockname()[1], timeout=5,
                                     optional_args={"banner_timeout": 1}, **hints)).open()
        assert "no SSH banner" in str(banner.value)
        assert "management.host" in str(banner.value)
    finally:
        silent.close()

    full = socket.socket()  # a backlog that is full: SYNs go unanswered -> TCP timeout
    full.bind(("127.0.0.1", 0))
    full.listen(0)
    fillers = []
    for _ in range(4):
        f = socket.socket()
        f.settimeout(0.3)
        with contextlib.suppress(OSError):
            f.connect(full.getsockname())
        fillers.append(f)
    try:
        with pytest.raises(DeviceTimeoutError) as timeout:
            DeviceSession(lab.target("R1", port=full.getsockname()[1], timeout=5,
                                     optional_args={"conn_timeout": 1}, **hints)).open()
        assert "TCP connect timed out" in str(timeout.value)
        assert "management.host" in str(timeout.value)
    finally:
        for f in fillers:
            f.close()
        full.close()

    with pytest.raises(DeviceAuthError) as auth:
        DeviceSession(lab.target("R2", password="not-the-Password-9", **hints)).open()
    assert "authentication failed" in str(auth.value)
    assert "GREIOS_USERNAME / GREIOS_PASSWORD" in str(auth.value)
    assert "not-the-Password-9" not in str(auth.value)
    assert os.environ.get("GREIOS_PASSWORD") != "not-the-Password-9"
