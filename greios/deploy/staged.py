"""Staged apply: a group of routers joined by tunnels that is larger than ``--parallelism``.

Both ends of every tunnel must be verified, but a hub with 200 spokes cannot have all 201
routers in flight. The group is ordered so that every tunnel has an *earlier* and a
*later* end: routers that cover the most tunnels first (a greedy vertex cover: the hubs,
one end of a pair), then the others. Per router::

    wait until every earlier peer has landed -> slot -> lock ... commit -> converged
    ("landed") -> check our end of each tunnel to an earlier peer -> ask that peer to
    check its end -> hold (or park) until every tunnel is resolved -> confirm | roll back

* **In flight** = routers greios holds an SSH session to; never more than the slots.
  A router that waits (for later peers, or for an answer of a parked peer) keeps its
  session only while it actively serves: an earlier end holds it while fewer than
  ``slots - 1`` routers do (a hub keeps one slot and answers its spokes' checks in
  batches); otherwise it **parks**: closes the session (its commit stays pending under
  the revert timer, its lock stays taken) and reconnects when there is work.
* **Verified** = line protocol up and a DF ping at the tunnel MTU from *both* ends.
* **Failure**: a failed tunnel check rolls back the later end; an earlier end rolls back
  when none of its tunnels verified and at least one failed or was interrupted, or when its
  first :data:`CANARY` tunnel checks all failed (then routers that only wait for it are
  not started). A later router whose earlier peer rolls back before their tunnel is
  verified rolls back too; a router whose earlier peers all failed is not started.
* **Timeouts** follow the work in flight: an earlier end's revert timer covers its waves
  and is re-armed while it serves; waits end when the peer they wait for stops making
  progress for ``tunnel_wait`` seconds, not after a time that grows with the group.
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from greios.deploy.change import TunnelCheck

CANARY = 3  # an earlier end whose first CANARY tunnel checks all fail stops there
WAVE_BUDGET = 60.0  # seconds a wave of later routers may take (revert timer sizing)


def staged_order(group: Sequence[str], peers: Mapping[str, Iterable[str]]) -> list[str]:
    """Earlier ends first: repeatedly the router with the most uncovered tunnels (ties:
    input order) until every tunnel has one, then the rest in input order.

    >>> staged_order(["s1", "s2", "hub", "s3"], {"hub": ["s1", "s2", "s3"], "s1": ["hub"],
    ...              "s2": ["hub"], "s3": ["hub"]})
    ['hub', 's1', 's2', 's3']
    >>> staged_order(["a", "b"], {"a": ["b"], "b": ["a"]})
    ['a', 'b']
    """
    members = set(group)
    edges = {frozenset((a, b)) for a in group for b in peers.get(a, ()) if b in members and
             b != a}
    index = {r: i for i, r in enumerate(group)}
    first: list[str] = []
    while edges:
        degree = dict.fromkeys(group, 0)
        for e in edges:
            for r in e:
                degree[r] += 1
        pick = max(group, key=lambda r: (degree[r], -index[r]))
        first.append(pick)
        edges = {e for e in edges if pick not in e}
    return first + [r for r in group if r not in first]


@dataclass
class Request:
    """A later router asks an earlier one to check its end of their tunnel."""

    earlier: str
    later: str
    check: TunnelCheck  # the earlier router's check toward ``later``
    first: float = 0.0  # when the earlier router first tried it
    next_try: float = 0.0
    answer: str | None = None  # "" = its end is up and the DF ping passed
    own: str | None = None  # the later router's own end: "" passed, else why not


@dataclass
class _Router:
    name: str
    pos: int
    earlier: list[str]
    later: list[str]
    phase: str = "waiting"  # waiting | started | landed | ended
    changed: bool = False  # landed with a pending commit (it can answer requests)
    serving: bool = False  # holds its session while it waits for later routers
    session: bool = False  # holds a session (and a slot) now
    status: str = ""  # RouterResult status once ended
    exit_code: int = 0
    ended_after_landing: bool = False
    aborted: str = ""  # stopped answering (rolling back): why
    inbox: list[Request] = field(default_factory=list)
    asked: dict[str, Request] = field(default_factory=dict)  # earlier peer -> my request
    progress: float = 0.0  # last time it answered something (stall detection)


@dataclass(frozen=True)
class Outcome:
    kind: str  # verified | failed | unverified | interrupted
    text: str


class Slots:
    """At most ``capacity`` routers with an open session. Waiters are served by
    (priority, arrival): a parked router that resumes (priority 0) before a new one."""

    def __init__(self, capacity: int, cv: threading.Condition) -> None:
        self.capacity = capacity
        self.free = capacity
        self.cv = cv
        self.peak = 0
        self._queue: list[tuple[int, int, int]] = []
        self._tickets = 0

    def acquire(self, need: int = 1, priority: int = 1,
                give_up: Callable[[], bool] = lambda: False) -> bool:
        """Wait for ``need`` slots (caller holds ``cv``); False when ``give_up()``."""
        self._tickets += 1
        me = (priority, self._tickets, need)
        self._queue.append(me)
        try:
            while True:
                if give_up():
                    return False
                if min(self._queue) == me and self.free >= need:
                    self.free -= need
                    self.peak = max(self.peak, self.capacity - self.free)
                    return True
                self.cv.wait(0.2)
        finally:
            self._queue.remove(me)
            self.cv.notify_all()

    def try_acquire(self, need: int = 1) -> bool:
        """Take ``need`` slots now if they are free and nobody waits (caller holds ``cv``):
        the scheduler starts a router's thread only once it has its slot, so routers that
        wait for one cost no thread polling the condition."""
        if self._queue or self.free < need:
            return False
        self.free -= need
        self.peak = max(self.peak, self.capacity - self.free)
        return True

    def release(self, need: int = 1) -> None:
        self.free += need
        self.cv.notify_all()


class Coordinator:
    """Shared state of the staged groups of one apply (all methods take ``cv``)."""

    def __init__(self, groups: Sequence[Sequence[str]], peers: Mapping[str, set[str]],
                 slots: Slots, *, tunnel_wait: float, parallelism: int,
                 checks: Mapping[tuple[str, str], TunnelCheck] | None = None) -> None:
        self.cv = slots.cv
        #: (router, peer) -> the router's check of its end of the tunnel to ``peer``
        self.checks: Mapping[tuple[str, str], TunnelCheck] = checks or {}
        self.slots = slots
        self.tunnel_wait = tunnel_wait
        self.parallelism = parallelism
        self.routers: dict[str, _Router] = {}
        self.outcome: dict[tuple[str, str], Outcome] = {}
        self.order: list[str] = []
        for group in groups:
            order = staged_order(group, peers)
            pos = {r: i for i, r in enumerate(order)}
            for r in order:
                mine = sorted((p for p in peers.get(r, set()) if p in pos), key=pos.__getitem__)
                self.routers[r] = _Router(r, len(self.order), [p for p in mine if pos[p] < pos[r]],
                                          [p for p in mine if pos[p] > pos[r]])
                self.order.append(r)

    def __contains__(self, name: str) -> bool:
        return name in self.routers

    # ------------------------------------------------------------------ scheduling
    def ready(self, name: str) -> bool:
        """Every earlier peer has landed or ended (caller holds ``cv``)."""
        r = self.routers[name]
        return r.phase == "waiting" and all(
            self.routers[e].phase in ("landed", "ended") for e in r.earlier)

    def blocked_by(self, name: str) -> list[str]:
        """Earlier peers that ended without a change to verify against: when that is all
        of them, the router is not started."""
        r = self.routers[name]
        bad = [e for e in r.earlier if self._gone(e)]
        return bad if r.earlier and len(bad) == len(r.earlier) else []

    def _gone(self, name: str) -> bool:
        r = self.routers[name]
        return bool(r.aborted) or (r.phase == "ended" and r.status not in ("applied",
                                                                          "unchanged"))

    def start(self, name: str) -> None:
        self.routers[name].phase = "started"

    def revert_budget(self, name: str) -> float:
        """Extra revert-timer seconds an earlier end needs to see all its later routers."""
        later = len(self.routers[name].later)
        if not later:
            return 0.0
        waves = math.ceil(later / max(1, self.parallelism - 1))
        return waves * WAVE_BUDGET

    # ------------------------------------------------------------------ landing, requests
    def landed(self, name: str, changed: bool) -> None:
        r = self.routers[name]
        r.phase, r.changed = "landed", changed
        self.cv.notify_all()

    def peer_view(self, name: str, peer: str) -> str:
        """How ``name`` sees its earlier ``peer``: 'ask' (landed with a pending commit),
        'own' (landed unchanged: only our end can be checked), 'failed: ...' (rolled back
        or rolling back after landing), 'unverified: ...' (never landed)."""
        p = self.routers[peer]
        if p.aborted:
            return f"failed: {peer} is rolling back ({p.aborted})"
        if p.phase == "ended" and p.ended_after_landing and p.status != "unchanged" \
                and p.status != "applied":
            return f"failed: {peer} rolled back"
        if p.phase == "ended" and not p.ended_after_landing:
            return f"unverified: {peer} {p.status}"
        return "ask" if p.changed else "own"

    def ask(self, req: Request) -> None:
        self.routers[req.later].asked[req.earlier] = req
        e = self.routers[req.earlier]
        if e.aborted or e.phase == "ended":
            req.answer = f"{req.earlier} is rolling back ({e.aborted or e.status})"
            self._resolve(req)
        else:
            e.inbox.append(req)
        self.cv.notify_all()

    def take(self, name: str) -> list[Request]:
        r = self.routers[name]
        out, r.inbox = r.inbox, []
        return out

    def answered(self, req: Request) -> None:
        self.routers[req.earlier].progress = time.monotonic()
        self._resolve(req)
        self.cv.notify_all()

    def own_result(self, req: Request, problem: str) -> None:
        """The later router checked its own end ("" = passed)."""
        req.own = problem
        self._resolve(req)

    def _resolve(self, req: Request) -> None:
        """A tunnel is decided once both ends are known; a failed end decides at once."""
        key = (req.earlier, req.later)
        if req.own:
            self.set_outcome(key, Outcome("failed", f"{req.later}'s end: {req.own}"))
        elif req.answer:
            self.set_outcome(key, Outcome("failed", f"{req.earlier}'s end: {req.answer}"))
        elif req.answer is not None and req.own is not None:
            self.set_outcome(key, Outcome("verified", ""))

    def set_outcome(self, key: tuple[str, str], outcome: Outcome) -> None:
        if key in self.outcome:
            return
        self.outcome[key] = outcome
        self._canary(key[0])
        self.cv.notify_all()

    def _canary(self, name: str) -> None:
        r = self.routers[name]
        if r.aborted or not r.changed:
            return
        mine = [self.outcome[(name, later)] for later in r.later if (name, later) in self.outcome]
        if len(mine) >= CANARY and all(o.kind == "failed" for o in mine) and not any(
                o.kind == "verified" for o in self.tunnels_of(name).values()):
            self.abort(name, f"its first {len(mine)} tunnel checks failed")

    def abort(self, name: str, why: str) -> None:
        r = self.routers[name]
        if r.aborted:
            return
        r.aborted = why
        for req in self.take(name):
            req.answer = f"{name} is rolling back ({why})"
            self._resolve(req)
        self.cv.notify_all()

    def ended(self, name: str, status: str, exit_code: int, landed: bool) -> None:
        """The router's run is over (any status)."""
        r = self.routers[name]
        r.phase, r.status, r.exit_code = "ended", status, exit_code
        r.ended_after_landing = landed
        r.session = r.serving = False
        ok = status in ("applied", "unchanged")
        for req in self.take(name):  # questions it never answered
            req.answer = f"{name} {status} before checking its end"
            self._resolve(req)
        for later in r.later:  # tunnels to routers after it
            if not landed:
                self.set_outcome((name, later), Outcome("unverified", f"{name} {status}"))
        for earlier in r.earlier:
            key = (earlier, name)
            if status == "interrupted":
                self.set_outcome(key, Outcome("interrupted", f"{name} interrupted"))
            elif not ok:
                self.set_outcome(key, Outcome("failed" if landed else "unverified",
                                              f"{name} {status}"))
        self.cv.notify_all()

    # ------------------------------------------------------------------ waiting
    def tunnels_of(self, name: str) -> dict[str, Outcome]:
        """Outcomes of ``name``'s tunnels known so far, by peer."""
        r = self.routers[name]
        out: dict[str, Outcome] = {}
        for e in r.earlier:
            if (e, name) in self.outcome:
                out[e] = self.outcome[(e, name)]
        for later in r.later:
            if (name, later) in self.outcome:
                out[later] = self.outcome[(name, later)]
        return out

    def resolved(self, name: str) -> bool:
        r = self.routers[name]
        return all((e, name) in self.outcome for e in r.earlier) and \
            all((name, later) in self.outcome for later in r.later)

    def may_serve(self, name: str) -> bool:
        """Keep the session while waiting for later routers? Only while at least one slot
        stays for them."""
        r = self.routers[name]
        if r.serving:
            return True
        serving = sum(1 for x in self.routers.values() if x.serving)
        return serving + 1 < self.slots.capacity

    def answers_come_soon(self, name: str) -> bool:
        """Every earlier peer we still wait for holds its session (answers in batches)."""
        r = self.routers[name]
        return all(self.routers[e].session for e, req in r.asked.items() if req.answer is None
                   and (e, name) not in self.outcome)

    def wants_resume(self, name: str) -> bool:
        """A parked router has work: answers to give (all later routers have landed, so
        one session does them all), or everything is resolved (confirm / roll back)."""
        r = self.routers[name]
        if r.aborted or self.resolved(name):
            return True
        return bool(r.inbox) and all(self.routers[x].phase in ("landed", "ended")
                                     for x in r.later)

    def stalled(self, name: str, since: float) -> str:
        """An earlier peer we wait for has made no progress for ``tunnel_wait`` s."""
        r = self.routers[name]
        now = time.monotonic()
        for e, req in r.asked.items():
            if req.answer is not None or (e, name) in self.outcome:
                continue
            peer = self.routers[e]
            if peer.session and now - max(peer.progress, since) > self.tunnel_wait + 30:
                return e
        return ""
