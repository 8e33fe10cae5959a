"""What one router's apply needs: the change, its tunnel checks and the state shared by the
routers of one apply (commit events, states, Ctrl-C, read-only peer targets)."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from greios.deploy.interrupt import Cancel
from greios.deploy.results import Status
from greios.deploy.target import DeviceTarget
from greios.errors import GreiosError

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


class InterruptError(Exception):
    """Internal: a second Ctrl-C; roll the committed router back now."""


class StopError(Exception):
    """Internal: end the router's run with ``result``."""

    def __init__(self, status: Status, error: GreiosError) -> None:
        super().__init__(str(error))
        self.status = status
        self.error = error


@dataclass
class Shared:
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


def secret_values(commands: str, resolved: str) -> set[str]:
    """Tokens that ``resolve`` put in place of references (the secrets)."""
    from greios.redact import config_secrets

    found = set(config_secrets([resolved]))
    a, b = commands.splitlines(), resolved.splitlines()
    if len(a) == len(b):
        for x, y in zip(a, b, strict=True):
            if x != y:
                found |= set(y.split()) - set(x.split())
    return {s for s in found if len(s) >= 3}
