"""The staged part of one router's apply (see :mod:`greios.deploy.staged`): check our end of
each tunnel to an earlier router, ask it to check its end, answer the later routers'
questions, park or hold the session meanwhile, then decide: confirm or roll back."""

from __future__ import annotations

import math
import time
from typing import TYPE_CHECKING, Protocol

from greios.deploy.change import InterruptError
from greios.deploy.staged import Outcome, Request
from greios.deploy.target import open_session
from greios.errors import VerifyError
from greios.platforms.ios.driver import DeviceSession

if TYPE_CHECKING:
    from greios.deploy.change import RouterChange, Shared, TunnelCheck
    from greios.deploy.results import PhaseTimer, RouterResult
    from greios.deploy.staged import Coordinator
    from greios.deploy.target import DeviceTarget


class RouterRun(Protocol):
    """What the staged part needs of one router's apply (:class:`.run.RouterRun`)."""

    change: RouterChange
    target: DeviceTarget | None
    shared: Shared
    session: DeviceSession | None
    tunnel_wait: float
    secrets: set[str]
    result: RouterResult

    def timed(self, phase: str) -> PhaseTimer: ...

    def journal(self, **fields: str | bool) -> None: ...

    def _tunnel(self, session: DeviceSession, check: TunnelCheck, deadline: float) -> None: ...

RETRY = 2.0  # seconds between two tries of a tunnel that is not up yet


class StagedVerify:
    """Runs in the router's own thread, after its commit converged."""

    def __init__(self, run: RouterRun, coord: Coordinator, revert_minutes: int | None) -> None:
        self.run, self.c = run, coord
        self.name = run.change.router
        self.revert_minutes = revert_minutes
        self.rearmed = time.monotonic()
        self.answered = 0
        self.answer_failures: list[str] = []

    # ------------------------------------------------------------------ our end
    def own_checks(self) -> None:
        """Ask each changed earlier router to check its end of our tunnel (it answers while
        we check ours), then check our end of the tunnel to every earlier router."""
        run, c, name = self.run, self.c, self.name
        mine = {t.peer: t for t in run.change.tunnels}
        with c.cv:
            earlier = list(c.routers[name].earlier)
            views = {e: c.peer_view(name, e) for e in earlier}
            for e in earlier:
                theirs = c.checks.get((e, name))
                if views[e] == "ask" and e in mine and theirs is not None:
                    c.ask(Request(e, name, theirs))
        for e in earlier:
            view = views[e]
            if view not in ("ask", "own"):
                kind, _, text = view.partition(": ")
                with c.cv:
                    c.set_outcome((e, name), Outcome(kind, text))
                continue
            check = mine.get(e)
            if check is None:
                with c.cv:
                    c.set_outcome((e, name), Outcome("unverified", "no tunnel check planned"))
                continue
            assert run.session is not None
            problem = ""
            try:
                run._tunnel(run.session, check, time.monotonic() + run.tunnel_wait + 5.0)
            except VerifyError as exc:
                problem = str(exc).split(": tunnel check failed: ", 1)[-1]
            with c.cv:
                req = c.routers[name].asked.get(e)
                if req is not None:  # decided with the earlier router's answer
                    c.own_result(req, problem)
                elif problem:
                    c.set_outcome((e, name), Outcome("failed", f"{name}'s end: {problem}"))
                else:
                    c.set_outcome((e, name), Outcome("verified", ""))

    # ------------------------------------------------------------------ waiting
    def wait(self) -> None:
        """Until every tunnel of this router is resolved: answer, hold or park."""
        run, c, name = self.run, self.c, self.name
        cancel = run.shared.cancel
        pending: list[Request] = []
        since = time.monotonic()
        while True:
            if cancel.now:
                raise InterruptError(f"{name}: interrupted (Ctrl-C twice) while waiting for "
                                     "the other ends of its tunnels")
            with c.cv:
                r = c.routers[name]
                if r.aborted:
                    for q in pending:
                        q.answer = f"{name} is rolling back ({r.aborted})"
                        c.answered(q)
                    raise VerifyError(f"{name}: {r.aborted}; rolled back (routers that only "
                                      "wait for it are not started)")
                if run.session is not None:
                    pending.extend(c.take(name))
                if not pending and c.resolved(name):
                    r.serving = False
                    return
                later_open = any((name, x) not in c.outcome for x in r.later)
                hold = bool(pending) or (later_open and c.may_serve(name)) or \
                    (not later_open and c.answers_come_soon(name))
                if hold and later_open and not r.serving:
                    r.serving = True
                    run.shared.say(name, f"serving: checks its end of each new tunnel as the "
                                   f"{len(r.later)} routers after it land")
                stalled = c.stalled(name, since)
            if stalled:
                raise VerifyError(f"{name}: {stalled} did not check its end of the tunnel "
                                  f"within {run.tunnel_wait + 30:.0f} s of no progress")
            if not hold:
                self.park()
                since = time.monotonic()
                continue
            if pending:
                pending = self.answer(pending)
            else:
                with c.cv:
                    c.cv.wait(0.2)
            self.rearm()

    def answer(self, pending: list[Request]) -> list[Request]:
        """Check our end of the tunnels of the later routers that asked (one interface read
        for the batch, one DF ping per tunnel); returns the ones to try again later."""
        run, c = self.run, self.c
        session = run.session
        assert session is not None
        now = time.monotonic()
        due = [q for q in pending if q.next_try <= now]
        if not due:
            with c.cv:
                c.cv.wait(min(0.2, max(0.01, min(q.next_try for q in pending) - now)))
            return pending
        with run.timed("answers"):
            ifs = session.line_states()
            for q in due:
                q.first = q.first or now
                st = ifs.get(q.check.interface)
                problem = ""
                if st is None:
                    problem = f"{q.check.interface} does not exist"
                elif not st.is_up:
                    problem = f"{q.check.interface} line protocol is down"
                else:
                    res = session.ping(q.check.peer_address, size=q.check.ping_size, df=True,
                                       count=3)
                    if not res.ok:
                        problem = (f"DF ping of {q.check.ping_size} bytes to {q.later} "
                                   f"{q.check.peer_address} over {q.check.interface}: "
                                   + (res.error or f"{res.success_rate} percent"))
                if not problem:
                    q.answer = ""
                elif time.monotonic() - q.first + RETRY > run.tunnel_wait:
                    q.answer = f"tunnel check failed: {problem}"
                    self.answer_failures.append(f"{q.check.interface} to {q.later}: {problem}")
                else:
                    q.next_try = time.monotonic() + RETRY
                    continue
                self.answered += 1
                with c.cv:
                    c.answered(q)
        return [q for q in pending if q.answer is None]

    def rearm(self) -> None:
        """Keep the revert timer of a serving router ahead of its waves."""
        run = self.run
        if self.revert_minutes is None or run.session is None:
            return
        every = max(30.0, self.revert_minutes * 60 / 3)
        if time.monotonic() - self.rearmed < every:
            return
        run.session.rearm_revert(self.revert_minutes)
        self.rearmed = time.monotonic()

    def park(self) -> None:
        """Close the session (the commit stays pending under the revert timer, the lock
        stays ours), free the slot, and reconnect when there is work."""
        run, c, name = self.run, self.c, self.name
        run.shared.say(name, "parked: commit pending under its revert timer until the other "
                       "ends are ready")
        run.journal(phase="committed")
        session = run.session
        if session is not None:
            with run.timed("close"):
                session.close()
            run.session = None
        cancel = run.shared.cancel
        with c.cv:
            r = c.routers[name]
            r.session = r.serving = False
            c.slots.release(1)
            while not (c.wants_resume(name) or cancel.now):
                c.cv.wait(0.2)
            c.slots.acquire(1, priority=0)
            r.session = True
        assert run.target is not None
        run.shared.say(name, "resuming")
        fresh = open_session(run.target)
        fresh.add_secrets(sorted(run.secrets))
        with run.timed("connect"):
            fresh.open()
        run.session = fresh  # (a rollback reads the running config itself)

    # ------------------------------------------------------------------ verdict
    def verdict(self) -> None:
        """Raise :class:`VerifyError` when this router must roll back; else add the notes."""
        run, c, name = self.run, self.c, self.name
        with c.cv:
            r = c.routers[name]
            outcomes = c.tunnels_of(name)
            earlier, later = list(r.earlier), list(r.later)
        iface = {t.peer: t.interface for t in run.change.tunnels}
        for e in earlier:
            o = outcomes.get(e)
            if o is not None and o.kind == "failed":
                raise VerifyError(f"{name}: tunnel check failed: {iface.get(e, 'tunnel')} to "
                                  f"{e}: {o.text}")
        verified = [p for p, o in outcomes.items() if o.kind == "verified"]
        bad = {p: o for p, o in outcomes.items() if o.kind in ("failed", "interrupted")}
        if bad and not verified:
            first = next(iter(bad))
            if all(o.kind == "interrupted" for o in bad.values()):
                raise InterruptError(f"{name}: interrupted (Ctrl-C): the other ends of its "
                                     "tunnels stopped before their commit: rolled back so both "
                                     "ends stay as they were")
            raise VerifyError(f"{name}: none of its {len(outcomes)} tunnel checks passed "
                              f"({iface.get(first, 'tunnel')} to {first}: {bad[first].text})")
        if later:
            n_later = sum(1 for x in later if outcomes.get(x, Outcome("", "")).kind == "verified")
            run.result.notes.append(f"verified {n_later} of {len(later)} tunnels to the "
                                    "routers after it from both ends")
        for p in earlier + later:
            o = outcomes.get(p)
            if o is not None and o.kind != "verified":
                run.result.notes.append(f"{iface.get(p, 'tunnel')} to {p} NOT verified: "
                                        f"{o.text}")


def revert_minutes(seconds: int | None) -> int | None:
    return None if seconds is None else max(1, math.ceil(seconds / 60))
