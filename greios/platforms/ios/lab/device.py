"""The simulated router's state: running/startup config, flash, archive, revert timer.

One :class:`Device` is shared by all SSH sessions of a router; every access goes through
``device.lock`` (an ``RLock``). ``on_change`` (set by the lab manager) is called after any
change to the running/startup config or to flash, with the lock held.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from greios.lab.faults import Faults
from greios.platforms.ios.configtree import Node, parse_config, render_config
from greios.platforms.ios.lab.flash import Flash

DEFAULT_USERNAME = "greios"
DEFAULT_PASSWORD = "greios-lab"  # noqa: S105 - documented lab-only default


@dataclass
class RevertTimer:
    """A pending ``configure terminal revert timer N`` (Cisco "rollback confirmed change")."""

    minutes: int
    user: str
    started: float
    snapshot: Node
    timer: threading.Timer | None = None


@dataclass
class Device:
    """A simulated IOS router. Build it with :meth:`from_config`."""

    running: Node
    username: str = DEFAULT_USERNAME
    password: str = DEFAULT_PASSWORD
    enable_secret: str | None = None
    startup: str = ""
    flash: Flash = field(default_factory=Flash)
    faults: Faults = field(default_factory=Faults)
    time_scale: float = 60.0  # seconds per IOS minute (revert timer); tests use less
    serial: str = "9SIMLAB0001"
    boot_time: float = field(default_factory=time.time)
    #: the :class:`greios.lab.network.LabNetwork` this router is part of (set by it; typed
    #: loosely so the platform's device does not depend on the generic lab network)
    network: Any = None
    name: str = ""
    on_change: Callable[[Device], None] | None = None
    lock: threading.RLock = field(default_factory=threading.RLock, repr=False)
    revert: RevertTimer | None = None
    last_change: float = field(default_factory=time.time)
    last_change_user: str = ""
    archive_count: int = 0
    history: list[tuple[str, str]] = field(default_factory=list)  # (user, command)
    #: bumped by every change of the running config (``changed()``, a new ``running``
    #: tree); the tunnel-state caches of a cached :class:`LabNetwork` are keyed by it
    generation: int = 0
    #: every SSH connection to this router: ``[opened, closed or None]`` (monotonic
    #: seconds); the lab's own record of how many sessions a client held at once
    connections: list[list[float | None]] = field(default_factory=list, repr=False)

    def __post_init__(self) -> None:
        self.flash.full_fn = lambda: self.faults.flash_full

    def __setattr__(self, name: str, value: object) -> None:
        object.__setattr__(self, name, value)
        if name == "running":  # a new tree (reset, replace, revert): caches are stale
            self.bump()

    def bump(self) -> None:
        """Mark the running config as changed for the caches (no persistence)."""
        object.__setattr__(self, "generation", self.__dict__.get("generation", 0) + 1)
        network = self.__dict__.get("network")
        if network is not None:
            network.touched(self)

    @classmethod
    def from_config(cls, text: str, *, username: str = DEFAULT_USERNAME,
                    password: str = DEFAULT_PASSWORD, startup: str | None = None,
                    **kwargs: object) -> Device:
        """A router whose running-config is ``text`` (startup = the same unless given)."""
        root = parse_config(text)
        dev = cls(root, username=username, password=password, **kwargs)  # type: ignore[arg-type]
        dev.startup = render_config(root) if startup is None else startup
        if not dev.name:
            dev.name = dev.hostname
        return dev

    # ------------------------------------------------------------------ queries
    @property
    def hostname(self) -> str:
        for child in self.running.children:
            if child.text.startswith("hostname "):
                return child.text.split(" ", 1)[1]
        return "Router"

    def running_text(self) -> str:
        with self.lock:
            return render_config(self.running)

    def visible_running(self) -> Node:
        """The running tree as ``show running-config`` prints it (faults hide lines)."""
        if not (self.faults.scp_disabled or self.faults.archive_missing):
            return self.running
        hidden = set()
        if self.faults.scp_disabled:
            hidden.add("ip scp server enable")
        if self.faults.archive_missing:
            hidden.add("archive")
        return Node("", [c for c in self.running.children if c.text not in hidden])

    def has_line(self, text: str) -> bool:
        return any(c.text == text for c in self.running.children)

    def scp_enabled(self) -> bool:
        return not self.faults.scp_disabled and self.has_line("ip scp server enable")

    def file_prompt_quiet(self) -> bool:
        return self.has_line("file prompt quiet")

    def archive_path(self) -> str | None:
        if self.faults.archive_missing:
            return None
        for child in self.running.children:
            if child.text == "archive":
                for sub in child.children:
                    if sub.text.startswith("path "):
                        return sub.text.split(" ", 1)[1]
                return ""
        return None

    def archive_enabled(self) -> bool:
        return self.archive_path() is not None

    def check_password(self, username: str, password: str) -> bool:
        if self.faults.wrong_password:
            return False
        return username == self.username and password == self.password

    # ------------------------------------------------------------------ changes
    def changed(self, user: str = "") -> None:
        """Record a change and persist it (caller holds the lock)."""
        self.last_change = time.time()
        self.last_change_user = user
        self.bump()
        if self.on_change is not None:
            self.on_change(self)

    def replace_running(self, root: Node, user: str = "") -> None:
        with self.lock:
            self.running = root
            self.changed(user)

    def save_startup(self, user: str = "") -> None:
        with self.lock:
            self.startup = render_config(self.running)
            if self.archive_enabled():
                self.archive_count += 1
            self.changed(user)

    # ------------------------------------------------------------------ revert timer
    def start_revert(self, minutes: int, user: str) -> None:
        with self.lock:
            self.cancel_revert()
            pending = RevertTimer(minutes, user, time.time(), self.running.copy())
            pending.timer = threading.Timer(minutes * self.time_scale, self._expire,
                                            args=(pending,))
            pending.timer.daemon = True
            self.revert = pending
            pending.timer.start()

    def _expire(self, pending: RevertTimer) -> None:
        with self.lock:
            if self.revert is pending:
                self.revert = None
                self.replace_running(pending.snapshot, "revert-timer")

    def cancel_revert(self) -> None:
        with self.lock:
            if self.revert is not None and self.revert.timer is not None:
                self.revert.timer.cancel()
            self.revert = None

    def revert_now(self) -> bool:
        with self.lock:
            pending = self.revert
            if pending is None:
                return False
            self.cancel_revert()
            self.replace_running(pending.snapshot, pending.user)
            return True

    def close(self) -> None:
        self.cancel_revert()
