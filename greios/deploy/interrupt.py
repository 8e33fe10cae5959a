"""Ctrl-C during a change: stop cleanly instead of dying half way.

Python's default SIGINT handler raises ``KeyboardInterrupt`` in the main thread only, while
the routers are changed by worker threads; typer then swallows it into a silent exit 130
and the workers carry on (or die mid-commit at interpreter exit, with a threading
traceback). :class:`Interrupts` replaces the handler while a command changes routers:

* before anything is pushed (``phase == "prepare"``) the first Ctrl-C raises
  :class:`UserInterruptError` (exit 130, nothing changed);
* while routers are changed (``with interrupts.pushing():``) the handler only records it
  in :class:`Cancel`: first Ctrl-C -> no new router starts, routers that have not committed
  stop before their commit, committed ones finish verification and confirm or roll back;
  second Ctrl-C -> committed routers roll back now; later ones only say to wait.

Messages go straight to file descriptor 2 (no locks taken inside the signal handler).
"""

from __future__ import annotations

import contextlib
import os
import signal
import threading
from collections.abc import Iterator
from types import FrameType, TracebackType
from typing import Any

from greios.errors import ExitCode, GreiosError


class UserInterruptError(GreiosError):
    """Ctrl-C before anything was changed."""

    exit_code = ExitCode.INTERRUPTED
    default_message = "interrupted (Ctrl-C); nothing was changed"


class Cancel:
    """Thread-safe cancellation level shared by the workers of one apply.

    ``level`` 0: run; 1: stop (no new router, no new commit); 2: roll back now.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._level = 0
        self._stop = threading.Event()
        self._now = threading.Event()

    @property
    def level(self) -> int:
        return self._level

    @property
    def stopping(self) -> bool:
        return self._stop.is_set()

    @property
    def now(self) -> bool:
        return self._now.is_set()

    def request(self) -> int:
        """One more Ctrl-C; returns the new level."""
        with self._lock:
            self._level += 1
            level = self._level
        self._stop.set()
        if level >= 2:
            self._now.set()
        return level

    def sleep(self, seconds: float) -> bool:
        """Sleep up to ``seconds``; True (early) when an immediate stop was requested."""
        return self._now.wait(max(0.0, seconds))

    def wait_event(self, event: threading.Event, seconds: float) -> bool:
        """Wait for ``event`` up to ``seconds`` (woken by a second Ctrl-C); True if set."""
        end = seconds
        step = 0.1
        while end > 0:
            if event.wait(min(step, end)):
                return True
            if self.now:
                return False
            end -= step
        return event.is_set()


def _say(text: str) -> None:
    with contextlib.suppress(OSError):
        os.write(2, text.encode("utf-8", "replace"))


class Interrupts:
    """``with Interrupts() as intr:`` installs the SIGINT handler (main thread only)."""

    def __init__(self, *, what: str = "apply", message: str | None = None) -> None:
        self.cancel = Cancel()
        self.what = what
        self.message = message or (f"interrupted (Ctrl-C) before the {what} changed any "
                                   "router; nothing was changed")
        self.phase = "prepare"
        self._previous: Any = None
        self._installed = False

    @property
    def interrupted(self) -> bool:
        return self.cancel.level > 0

    def __enter__(self) -> Interrupts:
        if threading.current_thread() is threading.main_thread():
            current = signal.getsignal(signal.SIGINT)
            if current is not signal.SIG_IGN:  # a background job: leave it ignored
                self._previous = current
                signal.signal(signal.SIGINT, self._handler)
                self._installed = True
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        if self._installed:
            signal.signal(signal.SIGINT, self._previous)
            self._installed = False

    @contextlib.contextmanager
    def pushing(self) -> Iterator[Cancel]:
        """While routers are changed, Ctrl-C cancels cooperatively instead of raising."""
        self.phase = "push"
        try:
            yield self.cancel
        finally:
            self.phase = "done"

    def _handler(self, signum: int, frame: FrameType | None) -> None:
        level = self.cancel.request()
        if self.phase == "prepare":
            if level == 1:
                raise UserInterruptError(self.message)
            _say("\ngreios: stopping; nothing has been changed\n")
            return
        if self.phase == "done":
            _say("\ngreios: finishing (printing the result)\n")
            return
        if level == 1:
            _say("\ngreios: interrupted: no new router starts; routers that committed finish "
                 "their verification and confirm or roll back. Press Ctrl-C again to roll "
                 "them back now.\n")
        elif level == 2:
            _say("\ngreios: interrupted again: rolling back every committed router now ...\n")
        else:
            _say("\ngreios: still rolling back - please wait. Killing greios now would leave "
                 "revert timers running (run `greios recover` afterwards).\n")
