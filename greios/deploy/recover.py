"""Unfinished changes: detect them (plan, apply) and finish them (``greios recover``).

An apply that was killed (SIGKILL, power loss, a closed laptop) can leave, per router:

* a **commit-confirm revert timer** running: the router looks converged now and reverts
  by itself when the timer expires;
* a **stale lock** whose journal (:mod:`greios.deploy.locks`) tells how far it got and
  whether napalm had added ``file prompt quiet``;
* napalm's ``file prompt quiet`` in the running (and maybe startup) config.

:func:`unfinished` reports them from an open session; :func:`recover_router` resolves
them: it checks the lock's process is gone, rolls the pending commit back (default) or
confirms it when the running config holds the intended config, removes napalm's
``file prompt quiet`` and the stale lock.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from greios.deploy.fingerprint import fingerprint
from greios.deploy.locks import LockInfo, RouterLock, read_lock
from greios.deploy.results import RouterResult
from greios.deploy.target import DeviceTarget, open_session
from greios.errors import (
    DeviceError,
    ExitCode,
    GreiosError,
    LockHeldError,
    RollbackError,
    VerifyError,
)
from greios.platforms.ios.driver import DeviceSession, PendingCommit

Action = Literal["rollback", "confirm"]


@dataclass(frozen=True)
class Unfinished:
    """What an earlier greios run left on one router (``None`` fields: nothing)."""

    router: str
    lock: LockInfo | None = None
    pending: PendingCommit | None = None

    @property
    def blocking(self) -> bool:
        """Plan and apply must not go on: a revert timer runs or a killed apply's lock."""
        return self.pending is not None or (self.lock is not None and self.lock.stale)

    def describe(self) -> str:
        parts: list[str] = []
        lk = self.lock
        if self.pending is not None:
            parts.append(self.pending.describe() + ": the router reverts by itself when it "
                         "expires")
        if lk is not None and lk.stale:
            phase = f", stopped while {lk.phase}" if lk.phase else ""
            parts.append(f"stale lock of a greios {lk.operation or 'run'} that is gone "
                         f"(pid {lk.pid}{phase})")
        elif lk is not None:
            parts.append(f"greios {lk.operation} in progress (pid {lk.pid}"
                         f"{', ' + lk.phase if lk.phase else ''})")
        return f"{self.router}: " + "; ".join(parts)


def unfinished(session: DeviceSession, state_dir: Path) -> Unfinished:
    """Pending commit-confirm (read from the router) and lock (local) of one router."""
    from greios.deploy.locks import LockError

    try:
        lock = read_lock(state_dir, session.name)
    except LockError:
        lock = None
    return Unfinished(session.name, lock, session.pending())


def recover_router(target: DeviceTarget, state_dir: Path, *, action: Action,
                   converged: Callable[[str], str | None] | None = None,
                   progress: Callable[[str, str], None] | None = None) -> RouterResult:
    """Resolve what an interrupted greios run left on ``target`` (see the module doc).

    Status ``clean`` (nothing to do), ``rolled-back`` or ``confirmed`` with exit 0;
    ``locked`` (5) when a live greios process holds the router or another user's change
    is pending, ``failed`` with 8 (``confirm`` refused: not converged) or 9 (the rollback
    did not restore the backup), ``unreachable`` (6).
    """
    name = target.name
    start = time.perf_counter()
    result = RouterResult(name, "failed", "", ExitCode.INTERNAL)

    def say(text: str) -> None:
        if progress is not None:
            progress(name, text)

    def done(status: str, message: str, code: ExitCode) -> RouterResult:
        result.status, result.message, result.exit_code = status, message, code  # type: ignore[assignment]
        result.seconds = time.perf_counter() - start
        return result

    try:
        stale = read_lock(state_dir, name)
    except GreiosError as exc:
        return done("failed", str(exc), exc.exit_code)
    if stale is not None and not stale.stale:
        return done("locked", f"{name}: greios {stale.operation} in progress "
                    f"({stale.describe()}); wait for it to finish", ExitCode.LOCK_HELD)
    journal = _take_over(stale, say)
    lock = RouterLock(state_dir, name, "recover")
    try:
        lock.acquire()
    except LockHeldError as exc:
        return done("locked", str(exc), exc.exit_code)
    if stale is not None:
        lock.journal(phase="recovering", file_prompt_added=stale.file_prompt_added,
                     backup=stale.backup)
    try:
        status, message, code = _on_device(target, stale, action, converged, say)
    finally:
        lock.release()
    if status not in _RESOLVED and journal:  # keep the killed run's journal for next time
        _restore_journal(lock.path, journal)
    return done(status, message, code)


_RESOLVED = ("clean", "rolled-back", "confirmed")


def _on_device(target: DeviceTarget, stale: LockInfo | None, action: Action,
               converged: Callable[[str], str | None] | None,
               say: Callable[[str], None]) -> tuple[str, str, ExitCode]:
    """(status, message, exit code) of resolving the router itself."""
    session = open_session(target)
    try:
        session.open()
        status, message = _resolve(session, stale, action, converged, say)
        if stale is not None:
            message += f"; stale lock of pid {stale.pid} removed"
        return status, f"{target.name}: {message}", ExitCode.OK
    except _ForeignError as exc:
        return "locked", str(exc), exc.exit_code
    except (VerifyError, RollbackError) as exc:
        return "failed", str(exc), exc.exit_code
    except DeviceError as exc:
        return "unreachable", str(exc), exc.exit_code
    except GreiosError as exc:
        return "failed", str(exc), exc.exit_code
    finally:
        session.close()


def _take_over(stale: LockInfo | None, say: Callable[[str], None]) -> bytes:
    """Remove the stale lock of a run whose process is gone; its journal (to restore if
    this recover does not finish)."""
    if stale is None:
        return b""
    say(f"taking over the stale lock of pid {stale.pid}")
    try:
        journal = stale.path.read_bytes()
    except OSError:
        journal = b""
    stale.path.unlink(missing_ok=True)
    return journal


def _restore_journal(path: Path, data: bytes) -> None:
    import os

    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
    except OSError:  # someone took the router meanwhile: their lock wins
        return
    with os.fdopen(fd, "wb") as fh:
        fh.write(data)


def _resolve(session: DeviceSession, stale: LockInfo | None, action: Action,
             converged: Callable[[str], str | None] | None,
             say: Callable[[str], None]) -> tuple[str, str]:
    name = session.name
    added = stale is not None and stale.file_prompt_added

    def drop_napalm_prompt(message: str) -> str:
        if added and session.drop_file_prompt_quiet():
            say("removed napalm's leftover 'file prompt quiet'")
            return message + "; removed napalm's leftover 'file prompt quiet'"
        return message

    running = session.get_running()
    pending = session.pending()
    if pending is None:
        return "clean", drop_napalm_prompt("no commit is waiting for confirmation")
    if pending.user != session.target.username:
        raise _ForeignError(f"{name}: a change by user {pending.user!r} waits for 'configure "
                            "confirm'; it is not greios's: confirm or revert it on the router")
    if action == "confirm":
        reason = converged(running) if converged is not None else None
        if reason:
            raise VerifyError(f"{name}: not confirmed: {reason}; the revert timer will undo "
                              "the change (or run: greios recover --rollback)")
        say("confirming the pending commit")
        session.confirm()
        return "confirmed", drop_napalm_prompt(
            "pending commit confirmed (the running config holds the intended config)")
    say("rolling back the pending commit (configure revert now)")
    session.rollback(drop_file_prompt=False)
    if session.pending() is not None:
        raise RollbackError(f"{name}: the commit is still pending after 'configure revert "
                            "now'; revert it on the router")
    message = drop_napalm_prompt("pending commit rolled back")
    backup = Path(stale.backup) if stale is not None and stale.backup else None
    if backup is not None and backup.is_file():
        want = backup.read_text(encoding="utf-8")
        if fingerprint(session.get_running()) != fingerprint(want):
            say("the revert left a different config; restoring the pre-apply backup")
            session.replace(want)
        if fingerprint(session.get_running()) != fingerprint(want):
            raise RollbackError(f"{name}: after the rollback the running config differs "
                                f"from the pre-apply backup {backup}")
        message += f"; running config equals the pre-apply backup {backup.name}"
    return "rolled-back", message


class _ForeignError(GreiosError):
    exit_code = ExitCode.LOCK_HELD
