"""The apply of one router (runs in a worker thread of :func:`greios.deploy.apply.apply_changes`).

lock -> connect -> running (+ stale check, recompute) -> backup -> preflight -> load_merge
-> compare -> commit(revert_in) -> converged(running) -> peers -> tunnel checks -> confirm,
with the lock file as journal and a rollback that proves the backup is back.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from pathlib import Path

from greios.deploy.backup import save_backup
from greios.deploy.change import (
    InterruptError,
    RouterChange,
    Shared,
    StopError,
    TunnelCheck,
    log,
    secret_values,
)
from greios.deploy.fingerprint import fingerprint
from greios.deploy.interrupt import UserInterruptError
from greios.deploy.locks import RouterLock
from greios.deploy.logscrub import scrub_text
from greios.deploy.results import PhaseTimer, RouterResult, Status
from greios.deploy.staged import Coordinator
from greios.deploy.staged_run import StagedVerify, revert_minutes
from greios.deploy.target import DeviceTarget, open_session
from greios.errors import (
    CommitError,
    DeviceError,
    ExitCode,
    GreiosError,
    LockHeldError,
    RollbackError,
    StalePlanError,
    VerifyError,
)
from greios.platforms.ios.driver import DeviceSession, PreflightError, TransferError


class RouterRun:
    """The apply of one router (runs in a worker thread)."""

    def __init__(self, change: RouterChange, target: DeviceTarget | None, shared: Shared, *,
                 state_dir: Path, resolve: Callable[[str], str], revert_in: int | None,
                 allow_unconfirmed: bool, peers: set[str], verify_tunnels: bool,
                 tunnel_wait: float, stage: Coordinator | None = None) -> None:
        self.change, self.target, self.shared = change, target, shared
        self.state_dir, self.resolve, self.revert_in = state_dir, resolve, revert_in
        self.allow_unconfirmed, self.peers = allow_unconfirmed, peers
        self.verify_tunnels, self.tunnel_wait = verify_tunnels, tunnel_wait
        self.phases: dict[str, float] = {}
        self.secrets: set[str] = set()
        self.result = RouterResult(change.router, "failed", "", ExitCode.INTERNAL)
        self.backup_text: str | None = None
        self.session: DeviceSession | None = None
        self.lock: RouterLock | None = None
        self.commands = change.commands  # what is pushed (recomputed when possible)
        self.napalm_file_prompt = False  # napalm may add 'file prompt quiet' for the commit
        self.stage = stage  # staged group (larger than --parallelism): see deploy/staged.py
        self.slot = False  # holds a slot of the staged schedule
        self.landed = False  # committed (or found unchanged) and converged

    # ---------------------------------------------------------------- helpers
    def timed(self, phase: str) -> PhaseTimer:
        return PhaseTimer(self.phases, phase)

    def clean(self, text: str) -> str:
        return scrub_text(text, self.secrets)

    def journal(self, **fields: str | bool) -> None:
        if self.lock is not None:
            try:
                self.lock.journal(**fields)
            except OSError as exc:  # the apply goes on; recover then knows less
                log.warning("%s: cannot write the lock journal (%s)", self.change.router,
                            type(exc).__name__)

    def stop_point(self, what: str) -> None:
        """Before ``what`` changes the router: stop here if Ctrl-C was pressed."""
        if self.shared.cancel.stopping:
            raise StopError("interrupted", UserInterruptError(
                f"{self.change.router}: interrupted (Ctrl-C) before {what}; nothing changed"))

    def run(self) -> RouterResult:
        name = self.change.router
        start = time.perf_counter()
        lock: RouterLock | None = None
        try:
            try:
                if self.target is None:
                    raise StopError("skipped", GreiosError(
                        f"{name}: no connection details for this router in the inventory"))
                self.stop_point("connecting")
                if self.stage is not None:
                    self._take_slot()
                with self.timed("lock"):
                    lock = RouterLock(self.state_dir, name, "apply")
                    lock.acquire()
                    self.lock = lock
                self._locked()
            except LockHeldError as exc:
                lock = None  # not ours
                self._finish("locked", exc)
            except StopError as stop:
                self._finish(stop.status, stop.error)
            except GreiosError as exc:  # e.g. a missing secret while resolving references
                self._finish("failed", exc)
            except Exception as exc:  # a bug: report it, never leak the traceback text
                log.error("%s: internal error (%s)", name, type(exc).__name__,
                          exc_info=os.environ.get("GREIOS_DEBUG") == "1")
                self._finish("failed", GreiosError(f"{name}: internal error "
                                                   f"({type(exc).__name__}); see "
                                                   "GREIOS_DEBUG=1"), ExitCode.INTERNAL)
        finally:
            self.shared.mark(name, self.result.status)
            if self.session is not None:  # before the lock goes: napalm cleans up on close
                with self.timed("close"):
                    self.session.close()
                self.session = None
            if lock is not None:
                lock.release()
            if self.stage is not None:
                with self.stage.cv:
                    if self.slot:
                        self.stage.slots.release(1)
                        self.slot = False
                    self.stage.ended(name, self.result.status, int(self.result.exit_code),
                                     self.landed)
        self.result.seconds = time.perf_counter() - start
        self.result.phases = dict(self.phases)
        return self.result

    def _take_slot(self) -> None:
        stage, cancel = self.stage, self.shared.cancel
        assert stage is not None
        if self.slot:  # taken by the scheduler before it started this thread
            return
        with stage.cv:
            if not stage.slots.acquire(1, priority=1, give_up=lambda: cancel.stopping):
                raise StopError("interrupted", UserInterruptError(
                    f"{self.change.router}: not started: interrupted (Ctrl-C); nothing "
                    "changed"))
            self.slot = True
            stage.routers[self.change.router].session = True

    def _finish(self, status: Status, error: GreiosError,
                code: ExitCode | None = None) -> None:
        self.result.status = status
        self.result.message = self.clean(str(error))
        self.result.exit_code = code if code is not None else error.exit_code
        self.shared.say(self.change.router, f"{status}: {self.result.message}")

    # ---------------------------------------------------------------- the steps
    def _locked(self) -> None:
        """Under the router lock: connect, read, back up, load, commit, verify, confirm."""
        session, running = self._connect()
        self._take_running(running)
        revert_in = self._revert_in(session)
        resolved, diff = self._load(session)
        if not diff.strip():
            self._unchanged(session)
            return
        if not self._commit(session, revert_in, resolved):
            return
        if self._verify_and_confirm(session, revert_in):
            self._applied(revert_in)

    def _connect(self) -> tuple[DeviceSession, str]:
        assert self.target is not None
        self.shared.say(self.change.router, "connecting")
        session = open_session(self.target)
        with self.timed("connect"):
            try:
                session.open()
            except DeviceError as exc:
                raise StopError("unreachable", exc) from None
        self.session = session
        try:
            with self.timed("fetch"):
                return session, session.get_running()
        except DeviceError as exc:
            raise StopError("unreachable", exc) from None

    def _take_running(self, running: str) -> None:
        """Refuse a stale router, recompute the change from ``running``, back it up."""
        name = self.change.router
        self.backup_text = running
        expected = self.change.expected_fingerprint
        if expected is not None and fingerprint(running) != expected:
            raise StopError("stale", StalePlanError(
                f"{name}: the running config changed since the plan was made "
                f"(fingerprint {fingerprint(running)[:12]} != {expected[:12]}); re-run plan"))
        if self.change.recompute is not None:
            try:
                self.commands = self.change.recompute(running)
            except GreiosError as exc:
                raise StopError("refused", exc) from None
        with self.timed("backup"):
            self.result.backup = save_backup(self.state_dir, name, running, label="pre-apply")
        self.journal(phase="connected", backup=str(self.result.backup))

    def _revert_in(self, session: DeviceSession) -> int | None:
        """Preflight; the revert timer, lengthened by what a staged group needs."""
        revert_in = self._preflight(session)
        if self.stage is not None and revert_in is not None and self.verify_tunnels:
            with self.stage.cv:
                extra = self.stage.revert_budget(self.change.router)
            revert_in = min(7200, revert_in + int(extra))
        return revert_in

    def _load(self, session: DeviceSession) -> tuple[str, str]:
        """Load the change (keys resolved); (the resolved text, the device's diff)."""
        resolved = self.resolve(self.commands)
        self.secrets = secret_values(self.commands, resolved)
        session.add_secrets(sorted(self.secrets))
        self.stop_point("loading the change")
        self.shared.say(self.change.router, "loading the change")
        try:
            with self.timed("load"):
                session.load_merge(resolved)
            with self.timed("compare"):
                diff = session.compare()
        except DeviceError as exc:
            raise StopError("failed", exc) from None
        self.result.diff = self.clean(diff)
        if self.napalm_file_prompt:
            self.journal(file_prompt_added=True)  # discard and commit toggle it
        return resolved, diff

    def _unchanged(self, session: DeviceSession) -> None:
        name = self.change.router
        with self.timed("discard"):
            try:
                session.discard()
            except DeviceError as exc:
                self.result.notes.append(self.clean(str(exc)))
        self.result.status, self.result.exit_code = "unchanged", ExitCode.OK
        self.result.message = f"{name}: already up to date; nothing committed"
        if self.stage is not None and self.verify_tunnels:
            self.landed = True
            with self.stage.cv:
                self.stage.landed(name, changed=False)
            StagedVerify(self, self.stage, None).own_checks()  # answers arrive later
        self.shared.say(name, "unchanged")

    def _commit(self, session: DeviceSession, revert_in: int | None, resolved: str) -> bool:
        """Commit (under the revert timer); False when it failed and was rolled back."""
        self.stop_point("the commit")
        self.shared.say(self.change.router, "committing" + (
            f" (revert in {revert_in} s)" if revert_in else " (no revert timer)"))
        self.journal(phase="committing")
        try:
            with self.timed("commit"):
                session.commit(revert_in)
        except CommitError as exc:  # napalm already rolled back; verify that it did
            self._rolled_back(self._rejected_message(exc, resolved), ExitCode.COMMIT_FAILED)
            return False
        except (TransferError, PreflightError) as exc:  # napalm refused before any change
            raise StopError("failed", exc) from None
        except DeviceError as exc:  # timeout / connection lost: state unknown
            self._rolled_back(exc, ExitCode.COMMIT_FAILED, reconnect=True)
            return False
        self.journal(phase="committed")
        return True

    def _verify_and_confirm(self, session: DeviceSession, revert_in: int | None) -> bool:
        """Verify, then confirm the commit; False when it was rolled back instead."""
        name = self.change.router
        deadline = time.monotonic() + (0.6 * revert_in if revert_in else 600.0)
        try:
            if self.stage is not None and self.verify_tunnels:
                self._verify_staged(session, revert_in)
                assert self.session is not None
                session = self.session  # a parked router reconnected
            else:
                self._verify(session, deadline)
            if self.shared.cancel.now:
                raise InterruptError(f"{name}: interrupted (Ctrl-C twice) before the "
                                      "confirmation")
            if revert_in is not None:
                self.shared.say(name, "verified; confirming the commit")
                self.journal(phase="confirming")
                with self.timed("confirm"):
                    session.confirm()
                self.journal(phase="confirmed", file_prompt_added=False)
        except InterruptError as exc:
            self._rolled_back(UserInterruptError(str(exc)), ExitCode.INTERRUPTED)
            return False
        except VerifyError as exc:
            self._rolled_back(exc, ExitCode.VERIFY_FAILED)
            return False
        except DeviceError as exc:
            self._rolled_back(exc, ExitCode.VERIFY_FAILED, reconnect=True)
            return False
        return True

    def _applied(self, revert_in: int | None) -> None:
        self.result.status, self.result.exit_code = "applied", ExitCode.OK
        verified = [n for n in self.result.notes if n.startswith("verified")
                    or " NOT verified: " in n or " not read" in n]
        self.result.message = "; ".join(
            ["config converged", *verified] if verified else ["config converged"]
        ) + ("" if revert_in else " (committed without revert timer)")
        self.shared.say(self.change.router, "applied")

    def _preflight(self, session: DeviceSession) -> int | None:
        name = self.change.router
        try:
            with self.timed("preflight"):
                pf = session.preflight()
        except DeviceError as exc:
            raise StopError("failed", exc) from None
        self.result.notes.extend(pf.notes)
        self.napalm_file_prompt = not pf.file_prompt_quiet
        revert_in = self.revert_in
        if revert_in is not None and not pf.commit_confirm and self.allow_unconfirmed:
            self.result.notes.append("archive missing: committing without a revert timer")
            revert_in = None
        need = 2 * len(self.backup_text or "") + 2 * len(self.commands) + 4096
        refusal = pf.refusal(need_confirm=revert_in is not None, min_free=need)
        if refusal is not None:
            raise StopError("failed", PreflightError(refusal))
        if pf.inline_transfer:
            self.shared.say(name, "using inline (TCL) transfer")
        return revert_in

    def _verify(self, session: DeviceSession, deadline: float) -> None:
        name = self.change.router
        self._converged(session)
        self.shared.mark(name, "committed")
        if not self.verify_tunnels or not self.change.tunnels:
            return
        cancel = self.shared.cancel
        with self.timed("wait-peers"):
            for peer in sorted(self.peers):
                ev = self.shared.committed.get(peer)
                if ev is None:
                    continue
                if not cancel.wait_event(ev, max(0.0, deadline - time.monotonic())):
                    if cancel.now:
                        raise InterruptError(f"{name}: interrupted (Ctrl-C twice) while "
                                              f"waiting for {peer}")
                    raise VerifyError(f"{name}: peer {peer} did not commit in time for the "
                                      "tunnel checks")
        with self.timed("tunnels"):
            for check in self.change.tunnels:
                if not check.peer_in_apply:
                    self._single_end(session, check, deadline)
                    continue
                peer_state = self.shared.state.get(check.peer, "committed")
                if peer_state == "interrupted":
                    raise InterruptError(
                        f"{name}: interrupted (Ctrl-C): peer {check.peer} stopped before its "
                        "commit: rolled back so both ends of the pair stay as they were")
                if peer_state not in ("committed", "applied", "unchanged"):
                    self.result.notes.append(f"tunnel check {check.interface} to "
                                             f"{check.peer} skipped: peer {peer_state}")
                    continue
                self._tunnel(session, check, deadline)

    def _converged(self, session: DeviceSession) -> None:
        name = self.change.router
        self.shared.say(name, "verifying")
        with self.timed("verify"):
            fresh = session.get_running()
            try:
                reason = self.change.converged(fresh)
            except Exception as exc:
                reason = f"the convergence check raised {type(exc).__name__}"
        if reason:
            raise VerifyError(f"{name}: not converged after commit: {self.clean(reason)}")

    def _verify_staged(self, session: DeviceSession, revert_in: int | None) -> None:
        assert self.stage is not None
        self._converged(session)
        self.landed = True
        with self.stage.cv:
            self.stage.landed(self.change.router, changed=True)
        self.shared.mark(self.change.router, "committed")
        staged = StagedVerify(self, self.stage, revert_minutes(revert_in))
        with self.timed("tunnels"):
            staged.own_checks()
        with self.timed("wait-peers"):
            staged.wait()
        staged.verdict()

    def _single_end(self, session: DeviceSession, check: TunnelCheck, deadline: float) -> None:
        """The peer is not part of this apply: verify from this end and read the peer."""
        if check.unverified:
            self.result.notes.append(f"{check.interface} to {check.peer} NOT verified: "
                                     f"{check.unverified}")
            return
        self._tunnel(session, check, deadline)
        target = self.shared.peer_targets.get(check.peer)
        peer_if = check.peer_interface or check.interface
        if target is None:
            self.result.notes.append(f"{check.peer}'s {peer_if} not read (no connection "
                                     "details)")
            return
        try:
            with open_session(target) as peer:
                state = peer.interfaces().get(peer_if)
        except DeviceError as exc:
            self.result.notes.append(f"{check.peer}'s {peer_if} not read: "
                                     f"{self.clean(str(exc))}")
            return
        if state is None or not state.is_up:
            raise VerifyError(f"{self.change.router}: tunnel check failed: {check.peer} "
                              f"(not in this apply, read only) reports {peer_if} "
                              f"{'missing' if state is None else 'line protocol down'}")
        self.result.notes[-1] += f"; {check.peer} (not in this apply) {peer_if} up"

    def _tunnel(self, session: DeviceSession, check: TunnelCheck, deadline: float) -> None:
        name = self.change.router
        stop = min(deadline, time.monotonic() + self.tunnel_wait)
        problem = ""
        while True:
            state = session.line_states().get(check.interface)
            if state is None:
                problem = f"{check.interface} does not exist"
            elif not state.is_up:
                problem = f"{check.interface} line protocol is down"
            else:
                res = session.ping(check.peer_address, size=check.ping_size, df=True, count=3)
                if res.ok:
                    self.result.notes.append(
                        f"verified {check.interface} up, DF ping {check.ping_size} B to "
                        f"{check.peer} ok")
                    return
                problem = (f"DF ping of {check.ping_size} bytes to {check.peer} "
                           f"{check.peer_address} over {check.interface}: "
                           + (res.error or f"{res.success_rate} percent"))
            if time.monotonic() + 2.0 > stop:
                raise VerifyError(f"{name}: tunnel check failed: {problem}")
            if self.shared.cancel.sleep(2.0):
                raise InterruptError(f"{name}: interrupted (Ctrl-C twice) during the tunnel "
                                      "check")

    def _rejected_message(self, exc: CommitError, resolved: str) -> GreiosError:
        """Name the rejected line as the plan wrote it (secret references, not values)."""
        session = self.session
        if session is None or not session.rejected:
            return exc
        bad = session.rejected[0]
        for raw, res in zip(self.commands.splitlines(), resolved.splitlines(),
                            strict=False):
            if self.clean(res.strip()) == bad or res.strip() == bad:
                return CommitError(f"{self.change.router}: the device rejected the line "
                                   f"'{raw.strip()}'; rolled back")
        return exc

    def _rolled_back(self, cause: GreiosError, code: ExitCode, *,
                     reconnect: bool = False) -> None:
        """Undo the commit, prove the config equals the backup, record the outcome."""
        name = self.change.router
        assert self.backup_text is not None and self.target is not None
        self.shared.say(name, f"rolling back: {self.clean(str(cause))}")
        self.journal(phase="rolling-back")
        want = fingerprint(self.backup_text)
        added = self.napalm_file_prompt
        try:
            with self.timed("rollback"):
                session = self.session
                if reconnect or session is None:
                    if session is not None:
                        session.close()
                    session = self.session = open_session(self.target)
                    session.add_secrets(sorted(self.secrets))
                    session.open()
                    if session.pending_commit() or not isinstance(cause, CommitError):
                        session.rollback(drop_file_prompt=added)
                elif not isinstance(cause, CommitError):
                    session.rollback(drop_file_prompt=added)
                now = session.get_running()
                if fingerprint(now) != want and added:
                    session.drop_file_prompt_quiet()  # napalm's, restored by the revert
                    now = session.get_running()
                if fingerprint(now) != want:
                    self.result.notes.append("rollback left a different config; restoring "
                                             "the backup with configure replace")
                    session.replace(self.backup_text)
                    now = session.get_running()
                if fingerprint(now) != want:
                    raise RollbackError(f"{name}: after rollback the running config differs "
                                        f"from the backup {self.result.backup}")
        except GreiosError as exc:
            err = exc if isinstance(exc, RollbackError) else RollbackError(
                f"{name}: rollback failed ({self.clean(str(exc))}); restore "
                f"{self.result.backup} by hand")
            self._finish("failed", GreiosError(f"{self.clean(str(cause))}; {err}"),
                         ExitCode.ROLLBACK_FAILED)
            return
        self.journal(phase="rolled-back", file_prompt_added=False)
        self._finish("rolled-back", cause, code)
