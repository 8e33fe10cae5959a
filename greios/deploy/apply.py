"""Apply orchestration: lock, back up, merge with commit-confirm, verify, confirm or roll back.

Per router (see docs/ios-prerequisites.md for what the router must offer)::

    lock -> connect -> running (+ stale check) -> backup -> preflight -> load_merge
         -> compare (empty: "unchanged") -> commit(revert_in) -> converged(running)
         -> wait for the pair peers to commit -> tunnel checks -> confirm

Any failure after the commit rolls that router back (``configure revert now`` while the
revert timer runs), checks its running config fingerprint equals the backup and, if it
does not, replaces the running config with the backup. Other routers carry on. This module
only talks to routers through :class:`~greios.platforms.ios.driver.DeviceSession`.

The lock file doubles as the apply's journal (phase, napalm's ``file prompt quiet``,
backup) so ``greios recover`` can finish what a killed apply left. A :class:`Cancel`
(Ctrl-C, see :mod:`greios.deploy.interrupt`) stops new routers and commits; a second one
rolls committed routers back at once. A tunnel whose peer is not part of the apply is
checked from this end (line protocol, DF ping) and on the peer read-only, or reported as
not verified with the reason.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path

from greios.deploy.batches import components
from greios.deploy.change import RouterChange, Shared, TunnelCheck
from greios.deploy.interrupt import Cancel
from greios.deploy.restore import restore_backup
from greios.deploy.results import RouterResult, worst_exit_code
from greios.deploy.run import RouterRun
from greios.deploy.staged import Coordinator, Slots
from greios.deploy.target import DeviceTarget
from greios.errors import ExitCode, GreiosError


def apply_changes(changes: Sequence[RouterChange], targets: Mapping[str, DeviceTarget], *,
                  state_dir: Path, resolve: Callable[[str], str], parallelism: int = 10,
                  revert_in: int | None = 300, pairs: Sequence[tuple[str, str]] = (),
                  verify_tunnels: bool = True,
                  progress: Callable[[str, str], None] | None = None,
                  allow_unconfirmed: bool = False,
                  tunnel_wait: float = 30.0,
                  cancel: Cancel | None = None,
                  peer_targets: Mapping[str, DeviceTarget] | None = None,
                  stats: dict[str, object] | None = None,
                  ) -> list[RouterResult]:
    """Apply every change; returns one :class:`RouterResult` per change, in input order.

    ``revert_in`` (seconds, 60..7200) arms IOS's revert timer; ``None`` commits without one.
    A router without ``archive`` is refused unless ``allow_unconfirmed``. Never more than
    ``parallelism`` routers have a session open for their change at once. Routers joined
    by ``pairs`` (or by their tunnel checks) form groups: a group that fits runs together
    (each router waits for its peers to commit before its tunnel checks); a larger one is
    staged (:mod:`greios.deploy.staged`: earlier ends first, later ones in waves, each
    tunnel verified from both ends as its later end lands). ``peer_targets`` reach peers
    outside the apply (read only). ``cancel`` (Ctrl-C) stops new routers and commits; at
    level 2 committed routers roll back at once. ``stats`` (if given) receives
    ``peak_in_flight`` and ``staged`` (the routers of staged groups, in their order).
    Never raises for a device problem: see each result's ``status``/``exit_code``.
    """
    names = [c.router for c in changes]
    if len(set(names)) != len(names):
        raise GreiosError("apply: a router appears twice in the change list")
    if parallelism < 1:
        raise GreiosError("apply: parallelism must be at least 1")
    shared = Shared({n: threading.Event() for n in names}, {}, progress,
                    cancel or Cancel(), peer_targets or {})
    batch = _Batch(changes, targets, shared, _peers_of(changes, pairs), parallelism,
                   verify_tunnels=verify_tunnels, tunnel_wait=tunnel_wait,
                   make=lambda c, target, peers, stage: RouterRun(
                       c, target, shared, state_dir=Path(state_dir), resolve=resolve,
                       revert_in=revert_in, allow_unconfirmed=allow_unconfirmed, peers=peers,
                       verify_tunnels=verify_tunnels, tunnel_wait=tunnel_wait, stage=stage))
    batch.run()
    if stats is not None:
        stats["peak_in_flight"] = batch.slots.peak
        stats["staged"] = list(batch.coord.order)
    return [batch.results[n] for n in names]


def _peers_of(changes: Sequence[RouterChange], pairs: Sequence[tuple[str, str]]
              ) -> dict[str, set[str]]:
    """Router -> the routers of this apply it shares a tunnel with (pairs and checks)."""
    peers: dict[str, set[str]] = {c.router: set() for c in changes}
    for a, b in pairs:
        if a in peers and b in peers and a != b:
            peers[a].add(b)
            peers[b].add(a)
    for c in changes:
        peers[c.router] |= {t.peer for t in c.tunnels if t.peer in peers and t.peer != c.router}
    return peers


class _Batch:
    """One apply: groups that fit run together, larger ones are staged (one thread each)."""

    def __init__(self, changes: Sequence[RouterChange], targets: Mapping[str, DeviceTarget],
                 shared: Shared, peers: dict[str, set[str]], parallelism: int, *,
                 verify_tunnels: bool, tunnel_wait: float,
                 make: Callable[[RouterChange, DeviceTarget | None, set[str],
                                 Coordinator | None], RouterRun]) -> None:
        self.names = [c.router for c in changes]
        self.by_name = {c.router: c for c in changes}
        self.targets, self.shared, self.peers, self.make = targets, shared, peers, make
        self.results: dict[str, RouterResult] = {}
        self.slots = Slots(parallelism, threading.Condition())
        self.threads: list[threading.Thread] = []
        edges = ([(a, b) for a in self.names for b in sorted(peers[a])]
                 if verify_tunnels else [])
        groups = components(self.names, edges)
        self.together = [tuple(g) for g in groups if len(g) <= parallelism]
        staged_groups = [g for g in groups if len(g) > parallelism]
        checks = {(c.router, t.peer): t for c in changes for t in c.tunnels}
        self.coord = Coordinator(staged_groups, peers, self.slots, tunnel_wait=tunnel_wait,
                                 parallelism=parallelism, checks=checks)
        for g in staged_groups:
            self._announce(g, parallelism)

    def _announce(self, g: Sequence[str], parallelism: int) -> None:
        coord = self.coord
        first = [r for r in coord.order if r in g and coord.routers[r].later]
        self.shared.say(coord.order[coord.order.index(first[0])] if first else g[0],
                        f"{len(g)} routers joined by tunnels exceed --parallelism "
                        f"{parallelism}: staged: {', '.join(first[:3])}"
                        f"{' ...' if len(first) > 3 else ''} first, the others in waves; "
                        "each tunnel verified from both ends as it lands")

    def run(self) -> None:
        for group in self.together:
            self._spawn(self._run_group, group)
        self._schedule_staged()
        for n in self.names:
            if n not in self.results:
                self.results[n] = RouterResult(n, "interrupted", f"{n}: not started: "
                                               "interrupted (Ctrl-C); nothing changed",
                                               ExitCode.INTERRUPTED)
                self.shared.say(n, "not started (interrupted)")

    def _run_one(self, r: str, stage: Coordinator | None, slotted: bool = False) -> None:
        run = self.make(self.by_name[r], self.targets.get(r), self.peers[r], stage)
        run.slot = slotted  # the scheduler took its slot already
        self.results[r] = run.run()

    def _run_group(self, group: tuple[str, ...]) -> None:
        slots = self.slots
        with slots.cv:
            if not slots.acquire(len(group), give_up=lambda: self.shared.cancel.stopping):
                return
        try:
            if len(group) == 1:
                self._run_one(group[0], None)
                return
            threads = [threading.Thread(target=self._run_one, args=(r, None),
                                        name=f"greios-apply-{r}") for r in group]
            for t in threads:
                t.start()
            for t in threads:
                t.join()
        finally:
            with slots.cv:
                slots.release(len(group))

    def _spawn(self, target: Callable[..., None], *args: object) -> None:
        t = threading.Thread(target=target, args=args, name="greios-apply", daemon=True)
        self.threads.append(t)
        t.start()

    def _schedule_staged(self) -> None:
        """Start each staged router when the coordinator says it may; wait for all."""
        coord, slots, shared = self.coord, self.slots, self.shared
        waiting = list(coord.order)
        while True:
            with slots.cv:
                if shared.cancel.stopping:
                    for r in waiting:  # never started: the earlier ends stop waiting for them
                        coord.ended(r, "interrupted", 0, landed=False)
                    waiting = []
                for r in [x for x in waiting if coord.ready(x)]:
                    if not self._start_staged(r):
                        break  # no slot free: the next round (a release wakes us)
                    waiting.remove(r)
                if not waiting and all(not t.is_alive() for t in self.threads):
                    return
                slots.cv.wait(0.2)  # short waits: the main thread takes Ctrl-C

    def _start_staged(self, r: str) -> bool:
        """Start ``r`` (caller holds ``cv``) once a slot is free; False: none free yet."""
        coord = self.coord
        blocked = coord.blocked_by(r)
        if blocked:
            self.results[r] = _not_started(r, blocked, coord)
            coord.ended(r, "skipped", int(self.results[r].exit_code), landed=False)
            self.shared.say(r, f"skipped: {self.results[r].message}")
            return True
        if not self.slots.try_acquire(1):
            return False
        coord.start(r)
        coord.routers[r].session = True
        self._spawn(self._run_one, r, coord, True)
        return True


def _not_started(name: str, blocked: Sequence[str], coord: Coordinator) -> RouterResult:
    """A staged router whose earlier peers all failed: nothing to verify against."""
    worst = max((coord.routers[b].exit_code for b in blocked), default=int(ExitCode.ERROR))
    return RouterResult(name, "skipped", f"{name}: not started: every router it has a tunnel "
                        f"to that goes first failed ({', '.join(blocked)}); nothing changed; "
                        "its tunnels to them are NOT verified",
                        ExitCode(worst or int(ExitCode.ERROR)))


__all__ = ["RouterChange", "RouterResult", "TunnelCheck", "apply_changes", "restore_backup",
           "worst_exit_code"]
