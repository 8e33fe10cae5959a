"""Deploy helpers that need no router: fingerprint, batching, locks, backups, targets."""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from greios.deploy.backup import latest_backup, list_backups, save_backup
from greios.deploy.batches import components, make_batches
from greios.deploy.fingerprint import fingerprint, normalize_running
from greios.deploy.locks import LockError, RouterLock, list_locks, read_lock, remove_lock
from greios.deploy.logscrub import SCRUBBER, scrub_text
from greios.deploy.target import DeviceTarget
from greios.errors import ExitCode, LockHeldError
from greios.platforms.ios.driver import Preflight, _archive_block, _with_end, rejected_lines

RUNNING = """Building configuration...

Current configuration : 1234 bytes
!
! Last configuration change at 10:00:00 UTC Mon Jan 1 2024 by admin
! NVRAM config last updated at 10:00:01 UTC Mon Jan 1 2024 by admin
!
version 17.3
hostname R1{pad}
ntp clock-period 17179869
interface Tunnel10
 ip mtu 1400
end
""".format(pad="   ")


def test_fingerprint_ignores_volatile_lines_only() -> None:
    later = RUNNING.replace("10:00:00", "11:11:11").replace("1234 bytes", "1300 bytes") \
        .replace("17179869", "17179001").replace("hostname R1   ", "hostname R1")
    assert fingerprint(later) == fingerprint(RUNNING)
    assert "Building" not in normalize_running(RUNNING)
    assert "ntp clock-period" not in normalize_running(RUNNING)
    assert normalize_running(RUNNING).startswith("version 17.3\nhostname R1\n")
    changed = RUNNING.replace(" ip mtu 1400", " ip mtu 1380")
    assert fingerprint(changed) != fingerprint(RUNNING)
    assert len(fingerprint(RUNNING)) == 64


def test_batches_keep_pairs_together_and_respect_parallelism() -> None:
    routers = [f"R{i}" for i in range(1, 10)]
    pairs = [("R1", "R2"), ("R3", "R4"), ("R4", "R5"), ("R6", "R7")]
    batches = make_batches(routers, pairs, 3)
    for a, b in pairs:
        assert any(a in bt.routers and b in bt.routers for bt in batches)
    assert all(len(bt.routers) <= 3 for bt in batches)
    assert sorted(r for bt in batches for r in bt.routers) == sorted(routers)
    assert not any(bt.oversized for bt in batches)
    # a hub with 4 spokes is larger than parallelism 3: it runs as one (oversized) batch
    hub = make_batches(routers[:5], [("R1", f"R{i}") for i in range(2, 6)], 3)
    assert [(bt.routers, bt.oversized) for bt in hub] == [(tuple(routers[:5]), True)]
    assert components(["a", "b"], []) == [["a"], ["b"]]
    with pytest.raises(ValueError, match="parallelism"):
        make_batches(routers, pairs, 0)


def test_lock_is_exclusive_and_released(tmp_path: Path) -> None:
    with RouterLock(tmp_path, "R1", "apply") as info:
        data = json.loads((tmp_path / "locks" / "R1.lock").read_text())
        assert set(data) == {"id", "router", "pid", "host", "user", "operation", "created"}
        assert data["pid"] == os.getpid() and data["id"] == info.id
        with pytest.raises(LockHeldError) as err:
            RouterLock(tmp_path, "R1").acquire()
        msg = str(err.value)
        assert f"pid {os.getpid()}" in msg and info.id in msg
        assert "greios locks --remove R1" in msg
        assert err.value.exit_code == ExitCode.LOCK_HELD
        assert [lk.stale for lk in list_locks(tmp_path)] == [False]
        RouterLock(tmp_path, "R2").acquire()  # other routers are independent
    assert read_lock(tmp_path, "R1") is None
    assert [lk.router for lk in list_locks(tmp_path)] == ["R2"]


def test_stale_lock_detected_and_removed(tmp_path: Path) -> None:
    proc = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                          capture_output=True, text=True, check=True)
    dead = int(proc.stdout)
    lock = RouterLock(tmp_path, "R3", "apply")
    info = lock.acquire()
    path = tmp_path / "locks" / "R3.lock"
    data = json.loads(path.read_text())
    data["pid"] = dead
    path.write_text(json.dumps(data))
    (found,) = list_locks(tmp_path)
    assert found.stale and found.pid == dead
    with pytest.raises(LockHeldError, match="that process is gone"):
        RouterLock(tmp_path, "R3").acquire()
    removed = remove_lock(tmp_path, info.id)  # by lock id (or router name)
    assert removed.router == "R3" and not path.exists()
    with RouterLock(tmp_path, "R3"):
        assert read_lock(tmp_path, "R3") is not None
    with pytest.raises(LockError, match="no lock"):
        remove_lock(tmp_path, "R3")
    with pytest.raises(LockError, match="cannot be used"):
        RouterLock(tmp_path, "../evil")


def test_backup_files_are_private_and_ordered(tmp_path: Path) -> None:
    first = save_backup(tmp_path, "R1", "hostname R1\n", label="pre-apply")
    second = save_backup(tmp_path, "R1", "hostname R1\n!\n",
                         label="key S3cr3t/with spaces & stuff" * 3)
    assert first.parent == tmp_path / "backups" / "R1"
    assert stat.S_IMODE(first.stat().st_mode) == 0o600
    assert stat.S_IMODE(first.parent.stat().st_mode) == 0o700
    assert first.name.endswith("-pre-apply.cfg")
    assert " " not in second.name and "/" not in second.name and "&" not in second.name
    assert len(second.name) < 80
    assert list_backups(tmp_path, "R1") == [first, second]
    assert latest_backup(tmp_path, "R1") == second
    assert latest_backup(tmp_path, "R9") is None
    assert second.read_text() == "hostname R1\n!\n"


def test_target_repr_hides_credentials() -> None:
    t = DeviceTarget("R1", "127.0.0.1", 2222, "admin", "pw-Secret-1", enable_secret="en-S3cret")
    assert "pw-Secret-1" not in repr(t) and "en-S3cret" not in repr(t)
    assert t.secrets() == ["pw-Secret-1", "en-S3cret"]


def test_session_text_helpers() -> None:
    out = ("Configuration merge failed; automatic rollback attempted:\n"
           "tunnel mode bogus\n        ^\n% Invalid input detected at '^' marker.\n\n"
           " ip mtu 99999\n   ^\n% Invalid input detected at '^' marker.\n")
    assert rejected_lines(out) == ["tunnel mode bogus", "ip mtu 99999"]
    assert _with_end("a\n b") == "a\n b\nend\n"
    assert _with_end("a\nend\n") == "a\nend\n"
    assert _archive_block("archive\n path flash:arc\n write-memory\nhostname x\n") == \
        ("flash:arc", True)
    assert _archive_block("hostname x\n") == (None, False)
    pf = Preflight("R1", archive=False, archive_path=None, archive_write_memory=False,
                   scp_server=True, file_prompt_quiet=True, privilege=15, flash_free=100,
                   inline_transfer=False)
    assert "archive" in (pf.refusal(need_confirm=True) or "")
    assert pf.refusal(need_confirm=False) is None
    assert "100 bytes free" in (pf.refusal(need_confirm=False, min_free=1000) or "")


def test_log_scrubber_redacts_third_party_records(caplog: pytest.LogCaptureFixture) -> None:
    import logging

    assert scrub_text("a KEY-123 b KEY-1234", ["KEY-123", "KEY-1234"]) == \
        "a <redacted> b <redacted>"
    SCRUBBER.install()
    SCRUBBER.remember(["Very-Secret-77"])
    try:
        with caplog.at_level(logging.DEBUG):
            logging.getLogger("netmiko").debug("write_channel: %s", "pre-shared-key Very-Secret-77")
        assert "Very-Secret-77" not in caplog.text and "<redacted>" in caplog.text
    finally:
        SCRUBBER.forget(["Very-Secret-77"])


def test_apply_progress_bar_counts_routers_and_prints_the_ones_that_did_not_apply() -> None:
    import io

    from rich.console import Console

    from greios.app.apply import _Bar

    out = io.StringIO()
    bar = _Bar(Console(file=out, force_terminal=True, width=120), 3)
    bar.start()
    bar.update("R1", "connecting")
    bar.update("R1", "applied")
    bar.update("R2", "rolled-back: R2: tunnel check failed: DF ping of 1476 bytes")
    bar.update("R3", "not started (interrupted)")
    bar.stop()
    text = out.getvalue()
    assert "3/3" in text and "R2: rolled-back: R2: tunnel check failed" in text
    assert "R3: not started (interrupted)" in text
    assert (len(bar.done), bar.bad) == (3, 2)
