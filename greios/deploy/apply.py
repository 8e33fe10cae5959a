"""Apply orchestration: lock, back up, merge with commit-confirm, verify, confirm or roll back.

Per router (see docs/ios-prerequisites.md for what the router must offer)::

    lock -> connect -> running (+ stale check) -> backup -> preflight -> load_merge
         -> compare (empty: "unchanged") -> commit(revert_in) -> converged(running)
         -> wait for the pair peers to commit -> tunnel checks -> confirm

Any failure after the commit rolls that router back (``configure revert now`` while the
revert timer runs), checks its running config fingerprint equals the backup and, if it
does not, replaces the running config with the backup. Other routers carry on. This module
only talks to routers through :class:`~greios.deploy.session.DeviceSession`.

The lock file doubles as the apply's journal (phase, napalm's ``file prompt quiet``,
backup) so ``greios recover`` can finish what a killed apply left. A :class:`Cancel`
(Ctrl-C, see :mod:`greios.deploy.interrupt`) stops new routers and commits; a second one
rolls committed routers back at once. A tunnel whose peer is not part of the apply is
checked from this end (line protocol, DF ping) and on the peer read-only, or reported as
not verified with the reason.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from pathlib import Path

from greios.deploy.backup import save_backup
from greios.deploy.batches import make_batches
from greios.deploy.fingerprint import fingerprint
from greios.deploy.interrupt import Cancel, UserInterruptError
from greios.deploy.locks import RouterLock
from greios.deploy.logscrub import scrub_text
from greios.deploy.restore import restore_backup
from greios.deploy.results import PhaseTimer, RouterResult, Status, worst_exit_code
from greios.deploy.session import DeviceSession, PreflightError, TransferError
from greios.deploy.target import DeviceTarget
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

log = logging.getLogger("greios.deploy")


@dataclass(frozen=True)
class TunnelCheck:
    """After commit: ``interface`` line protocol up, DF ping of ``ping_size`` to the peer.

    ``peer_in_apply`` False: the peer is not changed by this apply; its ``peer_interface``
    is read (read-only session) unless ``unverified`` says why the pair cannot be verified
    now (e.g. the peer needs its own change first).
    """

    interface: str
    peer: str
    peer_address: str
    ping_size: int
    peer_interface: str = ""
    peer_in_apply: bool = True
    unverified: str = ""


@dataclass(frozen=True)
class RouterChange:
    """One router's change.

    ``recompute(running)`` (optional) returns the exact text to merge, derived from the
    running config read under the router lock; it raises a :class:`GreiosError` (exit 4)
    when that differs from ``commands`` (a hand-edited plan). Without it ``commands`` is
    pushed as given.
    """

    router: str
    commands: str  # config text to merge (may hold <secret:...> references)
    expected_fingerprint: str | None
    converged: Callable[[str], str | None]
    tunnels: tuple[TunnelCheck, ...] = ()
    recompute: Callable[[str], str] | None = None


class _InterruptError(Exception):
    """Internal: a second Ctrl-C; roll the committed router back now."""


class _StopError(Exception):
    """Internal: end the router's run with ``result``."""

    def __init__(self, status: Status, error: GreiosError) -> None:
        super().__init__(str(error))
        self.status = status
        self.error = error


@dataclass
class _Shared:
    committed: dict[str, threading.Event]
    state: dict[str, str]
    progress: Callable[[str, str], None] | None
    cancel: Cancel = field(default_factory=Cancel)
    peer_targets: Mapping[str, DeviceTarget] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def say(self, router: str, text: str) -> None:
        log.info("%s: %s", router, text)
        if self.progress is not None:
            self.progress(router, text)

    def mark(self, router: str, state: str) -> None:
        with self.lock:
            self.state[router] = state
        ev = self.committed.get(router)
        if ev is not None:
            ev.set()


def _secret_values(commands: str, resolved: str) -> set[str]:
    """Tokens that ``resolve`` put in place of references (the secrets)."""
    from greios.audit.report.redact import config_secrets

    found = set(config_secrets([resolved]))
    a, b = commands.splitlines(), resolved.splitlines()
    if len(a) == len(b):
        for x, y in zip(a, b, strict=True):
            if x != y:
                found |= set(y.split()) - set(x.split())
    return {s for s in found if len(s) >= 3}


class _Run:
    """The apply of one router (runs in a worker thread)."""

    def __init__(self, change: RouterChange, target: DeviceTarget | None, shared: _Shared, *,
                 state_dir: Path, resolve: Callable[[str], str], revert_in: int | None,
                 allow_unconfirmed: bool, peers: set[str], verify_tunnels: bool,
                 tunnel_wait: float) -> None:
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
            raise _StopError("interrupted", UserInterruptError(
                f"{self.change.router}: interrupted (Ctrl-C) before {what}; nothing changed"))

    def run(self) -> RouterResult:
        name = self.change.router
        start = time.perf_counter()
        lock: RouterLock | None = None
        try:
            try:
                if self.target is None:
                    raise _StopError("skipped", GreiosError(
                        f"{name}: no connection details for this router in the inventory"))
                self.stop_point("connecting")
                with self.timed("lock"):
                    lock = RouterLock(self.state_dir, name, "apply")
                    lock.acquire()
                    self.lock = lock
                self._locked()
            except LockHeldError as exc:
                lock = None  # not ours
                self._finish("locked", exc)
            except _StopError as stop:
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
        self.result.seconds = time.perf_counter() - start
        self.result.phases = dict(self.phases)
        return self.result

    def _finish(self, status: Status, error: GreiosError,
                code: ExitCode | None = None) -> None:
        self.result.status = status
        self.result.message = self.clean(str(error))
        self.result.exit_code = code if code is not None else error.exit_code
        self.shared.say(self.change.router, f"{status}: {self.result.message}")

    # ---------------------------------------------------------------- the steps
    def _locked(self) -> None:
        assert self.target is not None
        name = self.change.router
        self.shared.say(name, "connecting")
        session = DeviceSession(self.target)
        with self.timed("connect"):
            try:
                session.open()
            except DeviceError as exc:
                raise _StopError("unreachable", exc) from None
        self.session = session
        try:
            with self.timed("fetch"):
                running = session.get_running()
        except DeviceError as exc:
            raise _StopError("unreachable", exc) from None
        self.backup_text = running
        expected = self.change.expected_fingerprint
        if expected is not None and fingerprint(running) != expected:
            raise _StopError("stale", StalePlanError(
                f"{name}: the running config changed since the plan was made "
                f"(fingerprint {fingerprint(running)[:12]} != {expected[:12]}); re-run plan"))
        if self.change.recompute is not None:
            try:
                self.commands = self.change.recompute(running)
            except GreiosError as exc:
                raise _StopError("refused", exc) from None
        with self.timed("backup"):
            self.result.backup = save_backup(self.state_dir, name, running, label="pre-apply")
        self.journal(phase="connected", backup=str(self.result.backup))
        revert_in = self._preflight(session)
        resolved = self.resolve(self.commands)
        self.secrets = _secret_values(self.commands, resolved)
        session.add_secrets(sorted(self.secrets))
        self.stop_point("loading the change")
        self.shared.say(name, "loading the change")
        try:
            with self.timed("load"):
                session.load_merge(resolved)
            with self.timed("compare"):
                diff = session.compare()
        except DeviceError as exc:
            raise _StopError("failed", exc) from None
        self.result.diff = self.clean(diff)
        if self.napalm_file_prompt:
            self.journal(file_prompt_added=True)  # discard and commit toggle it
        if not diff.strip():
            with self.timed("discard"):
                try:
                    session.discard()
                except DeviceError as exc:
                    self.result.notes.append(self.clean(str(exc)))
            self.result.status, self.result.exit_code = "unchanged", ExitCode.OK
            self.result.message = f"{name}: already up to date; nothing committed"
            self.shared.say(name, "unchanged")
            return
        self.stop_point("the commit")
        self.shared.say(name, "committing" + (f" (revert in {revert_in} s)" if revert_in
                                              else " (no revert timer)"))
        self.journal(phase="committing")
        try:
            with self.timed("commit"):
                session.commit(revert_in)
        except CommitError as exc:  # napalm already rolled back; verify that it did
            self._rolled_back(self._rejected_message(exc, resolved), ExitCode.COMMIT_FAILED)
            return
        except (TransferError, PreflightError) as exc:  # napalm refused before any change
            raise _StopError("failed", exc) from None
        except DeviceError as exc:  # timeout / connection lost: state unknown
            self._rolled_back(exc, ExitCode.COMMIT_FAILED, reconnect=True)
            return
        self.journal(phase="committed")
        deadline = time.monotonic() + (0.6 * revert_in if revert_in else 600.0)
        try:
            self._verify(session, deadline)
            if self.shared.cancel.now:
                raise _InterruptError(f"{name}: interrupted (Ctrl-C twice) before the "
                                      "confirmation")
            if revert_in is not None:
                self.shared.say(name, "verified; confirming the commit")
                self.journal(phase="confirming")
                with self.timed("confirm"):
                    session.confirm()
                self.journal(phase="confirmed", file_prompt_added=False)
        except _InterruptError as exc:
            self._rolled_back(UserInterruptError(str(exc)), ExitCode.INTERRUPTED)
            return
        except VerifyError as exc:
            self._rolled_back(exc, ExitCode.VERIFY_FAILED)
            return
        except DeviceError as exc:
            self._rolled_back(exc, ExitCode.VERIFY_FAILED, reconnect=True)
            return
        self.result.status, self.result.exit_code = "applied", ExitCode.OK
        verified = [n for n in self.result.notes if n.startswith("verified")
                    or " NOT verified: " in n or " not read" in n]
        self.result.message = "; ".join(
            ["config converged", *verified] if verified else ["config converged"]
        ) + ("" if revert_in else " (committed without revert timer)")
        self.shared.say(name, "applied")

    def _preflight(self, session: DeviceSession) -> int | None:
        name = self.change.router
        try:
            with self.timed("preflight"):
                pf = session.preflight()
        except DeviceError as exc:
            raise _StopError("failed", exc) from None
        self.result.notes.extend(pf.notes)
        self.napalm_file_prompt = not pf.file_prompt_quiet
        revert_in = self.revert_in
        if revert_in is not None and not pf.commit_confirm and self.allow_unconfirmed:
            self.result.notes.append("archive missing: committing without a revert timer")
            revert_in = None
        need = 2 * len(self.backup_text or "") + 2 * len(self.commands) + 4096
        refusal = pf.refusal(need_confirm=revert_in is not None, min_free=need)
        if refusal is not None:
            raise _StopError("failed", PreflightError(refusal))
        if pf.inline_transfer:
            self.shared.say(name, "using inline (TCL) transfer")
        return revert_in

    def _verify(self, session: DeviceSession, deadline: float) -> None:
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
                        raise _InterruptError(f"{name}: interrupted (Ctrl-C twice) while "
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
                    raise _InterruptError(
                        f"{name}: interrupted (Ctrl-C): peer {check.peer} stopped before its "
                        "commit: rolled back so both ends of the pair stay as they were")
                if peer_state not in ("committed", "applied", "unchanged"):
                    self.result.notes.append(f"tunnel check {check.interface} to "
                                             f"{check.peer} skipped: peer {peer_state}")
                    continue
                self._tunnel(session, check, deadline)

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
            with DeviceSession(target) as peer:
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
            state = session.interfaces().get(check.interface)
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
                raise _InterruptError(f"{name}: interrupted (Ctrl-C twice) during the tunnel "
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
                    session = self.session = DeviceSession(self.target)
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


def apply_changes(changes: Sequence[RouterChange], targets: Mapping[str, DeviceTarget], *,
                  state_dir: Path, resolve: Callable[[str], str], parallelism: int = 10,
                  revert_in: int | None = 300, pairs: Sequence[tuple[str, str]] = (),
                  verify_tunnels: bool = True,
                  progress: Callable[[str, str], None] | None = None,
                  allow_unconfirmed: bool = False,
                  tunnel_wait: float = 30.0,
                  cancel: Cancel | None = None,
                  peer_targets: Mapping[str, DeviceTarget] | None = None
                  ) -> list[RouterResult]:
    """Apply every change; returns one :class:`RouterResult` per change, in input order.

    ``revert_in`` (seconds, 60..7200) arms IOS's revert timer; ``None`` commits without one.
    A router without ``archive`` is refused unless ``allow_unconfirmed``. Routers joined by
    ``pairs`` run in the same batch; each waits for its peers to commit before its tunnel
    checks. ``peer_targets`` reach peers outside the apply (read only). ``cancel`` (Ctrl-C)
    stops new routers and commits; at level 2 committed routers roll back at once. Never
    raises for a device problem: see each result's ``status``/``exit_code``.
    """
    names = [c.router for c in changes]
    if len(set(names)) != len(names):
        raise GreiosError("apply: a router appears twice in the change list")
    shared = _Shared({n: threading.Event() for n in names}, {}, progress,
                     cancel or Cancel(), peer_targets or {})
    peers: dict[str, set[str]] = {n: set() for n in names}
    for a, b in pairs:
        if a in peers and b in peers:
            peers[a].add(b)
            peers[b].add(a)
    for c in changes:
        peers[c.router] |= {t.peer for t in c.tunnels if t.peer in peers and t.peer != c.router}
    by_name = {c.router: c for c in changes}
    edges = [(a, b) for a in names for b in sorted(peers[a])]
    results: dict[str, RouterResult] = {}

    def make_run(r: str) -> _Run:
        return _Run(by_name[r], targets.get(r), shared, state_dir=Path(state_dir),
                    resolve=resolve, revert_in=revert_in, allow_unconfirmed=allow_unconfirmed,
                    peers=peers[r], verify_tunnels=verify_tunnels, tunnel_wait=tunnel_wait)

    def run_group(group: tuple[str, ...]) -> None:
        runs = [make_run(r) for r in group]
        if len(runs) == 1:
            res = runs[0].run()
            results[res.router] = res
            return
        def one(run: _Run) -> None:
            results[run.change.router] = run.run()

        threads = [threading.Thread(target=one, args=(run,),
                                    name=f"greios-apply-{run.change.router}") for run in runs]
        for t in threads:
            t.start()
        for t in threads:
            t.join()

    # Streamed batches: a group (routers joined by pairs) starts as soon as it has enough
    # free session slots, so one slow router never holds back a whole batch.
    slots = threading.Condition()
    free = [parallelism]
    groups = [b.routers for b in make_batches(names, edges, 1)]  # one group per component

    def run_and_release(group: tuple[str, ...], need: int) -> None:
        try:
            run_group(group)
        finally:
            with slots:
                free[0] += need
                slots.notify_all()

    with ThreadPoolExecutor(max_workers=parallelism, thread_name_prefix="greios-apply") as pool:
        futures = []
        for group in groups:
            need = min(len(group), parallelism)
            if len(group) > parallelism:
                shared.say(group[0], f"{len(group)} routers joined by tunnel pairs exceed "
                           f"--parallelism {parallelism}; they run together as one batch")
            with slots:
                while free[0] < need and not shared.cancel.stopping:
                    slots.wait(0.2)
                if shared.cancel.stopping:
                    break
                free[0] -= need
            futures.append(pool.submit(run_and_release, group, need))
        while any(not f.done() for f in futures):  # short waits: the main thread takes Ctrl-C
            wait(futures, timeout=0.2)
        for f in futures:
            f.result()
    for n in names:
        if n not in results:
            results[n] = RouterResult(n, "interrupted", f"{n}: not started: interrupted "
                                      "(Ctrl-C); nothing changed", ExitCode.INTERRUPTED)
            shared.say(n, "not started (interrupted)")
    return [results[n] for n in names]


__all__ = ["RouterChange", "RouterResult", "TunnelCheck", "apply_changes", "restore_backup",
           "worst_exit_code"]
