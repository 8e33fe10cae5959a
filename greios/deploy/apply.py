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

import threading
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor, wait
from pathlib import Path

from greios.deploy.batches import make_batches
from greios.deploy.change import RouterChange, Shared, TunnelCheck
from greios.deploy.interrupt import Cancel
from greios.deploy.restore import restore_backup
from greios.deploy.results import RouterResult, worst_exit_code
from greios.deploy.run import RouterRun
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
    shared = Shared({n: threading.Event() for n in names}, {}, progress,
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

    def make_run(r: str) -> RouterRun:
        return RouterRun(by_name[r], targets.get(r), shared, state_dir=Path(state_dir),
                    resolve=resolve, revert_in=revert_in, allow_unconfirmed=allow_unconfirmed,
                    peers=peers[r], verify_tunnels=verify_tunnels, tunnel_wait=tunnel_wait)

    def run_group(group: tuple[str, ...]) -> None:
        runs = [make_run(r) for r in group]
        if len(runs) == 1:
            res = runs[0].run()
            results[res.router] = res
            return
        def one(run: RouterRun) -> None:
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
