"""``greios rollback``: put a saved backup back on a router (configure replace + verify)."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from pathlib import Path

from greios.deploy.backup import save_backup
from greios.deploy.fingerprint import fingerprint
from greios.deploy.locks import RouterLock
from greios.deploy.results import PhaseTimer, RouterResult
from greios.deploy.target import DeviceTarget, open_session
from greios.errors import DeviceError, ExitCode, GreiosError, LockHeldError, RollbackError

log = logging.getLogger("greios.deploy")


def restore_backup(target: DeviceTarget, backup_text: str, state_dir: Path, *,
                   progress: Callable[[str, str], None] | None = None) -> RouterResult:
    """Replace ``target``'s running config with ``backup_text`` and prove it took.

    Holds the router lock, saves the current config as a ``pre-restore`` backup, then runs
    napalm ``load_replace_candidate`` + ``commit_config``. Returns status ``applied`` (or
    ``unchanged`` when the router already matches); failures come back as results with
    exit codes ``LOCK_HELD``, ``DEVICE_UNREACHABLE`` or ``ROLLBACK_FAILED``.
    """
    name = target.name
    start = time.perf_counter()
    phases: dict[str, float] = {}
    result = RouterResult(name, "failed", "", ExitCode.INTERNAL)
    want = fingerprint(backup_text)

    def say(text: str) -> None:
        log.info("%s: %s", name, text)
        if progress is not None:
            progress(name, text)

    try:
        with RouterLock(Path(state_dir), name, "restore"), open_session(target) as session:
            with PhaseTimer(phases, "fetch"):
                current = session.get_running()
            result.backup = save_backup(Path(state_dir), name, current, label="pre-restore")
            if fingerprint(current) == want:
                result.status, result.exit_code = "unchanged", ExitCode.OK
                result.message = f"{name}: already equal to the backup"
            else:
                say("restoring the backup (configure replace)")
                with PhaseTimer(phases, "preflight"):
                    session.preflight()
                try:
                    with PhaseTimer(phases, "replace"):
                        session.replace(backup_text)
                    with PhaseTimer(phases, "verify"):
                        now = session.get_running()
                except DeviceError as exc:
                    raise RollbackError(f"{name}: restore failed: {exc}") from None
                if fingerprint(now) != want:
                    raise RollbackError(f"{name}: after configure replace the running config "
                                        f"still differs from the backup")
                result.status, result.exit_code = "applied", ExitCode.OK
                result.message = f"{name}: restored from the backup"
    except DeviceError as exc:
        result.status = "failed" if isinstance(exc, RollbackError) else "unreachable"
        result.message, result.exit_code = str(exc), exc.exit_code
    except LockHeldError as exc:
        result.status, result.message, result.exit_code = "locked", str(exc), exc.exit_code
    except GreiosError as exc:
        result.message, result.exit_code = str(exc), exc.exit_code
    say(f"{result.status}: {result.message}")
    result.seconds = time.perf_counter() - start
    result.phases = phases
    return result
