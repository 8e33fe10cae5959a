"""A ``greios`` process that ends after one command: keep what it built, skip the teardown.

Freeing a large audit takes a noticeable share of it: the parsed configurations, the values
the rules derived from them and the report are millions of small objects, and reference
counting frees them one by one as the functions holding them return, then the interpreter
tears down the modules at exit (~0.2 of a 1,000-router fleet's ~1.8 s). When the process
ends right after the command, none of that is needed: the console script
(:func:`greios.entry.run`) says so with :func:`ends_after_command`, the code that builds
big structures hands them to :func:`keep` instead of tidying them, and
:func:`end_process` leaves with ``os._exit`` once the output is flushed (mypy's
``hard_exit`` does the same).

The fast exit is taken only where nothing can be lost: the command was one that only reads
and writes files (:func:`command_done` is called by the offline commands' wrappers), no
other thread runs, no ``multiprocessing`` child is left, and stdout and stderr flush
cleanly (a failed flush takes the ordinary exit, which reports it; a reader that went
away is not a failure: :mod:`greios.closed_output`). Called as a
library (``greios.cli.main`` in a test or a warm process), nothing is kept and nothing
changes.
"""

from __future__ import annotations

import os
import sys
from typing import NoReturn

_KEPT: list[object] = []
_ending = False  # the console script: the process ends after this command
_done = False  # an offline command ran to its end (or to its error)


def ends_after_command() -> None:
    """This process ends after the command it runs (the console script calls this)."""
    global _ending
    _ending = True


def keep(obj: object) -> bool:
    """Keep ``obj`` alive until the process exits, if it ends after this command; then True
    (the caller need not tidy ``obj`` up for the collector), else False."""
    if _ending:
        _KEPT.append(obj)
    return _ending


def command_done() -> None:
    """The command that ran only reads and writes files: :func:`end_process` may skip the
    teardown."""
    global _done
    _done = True


def end_process(code: int) -> NoReturn:
    """End the process with ``code``: at once (``os._exit``) after an offline command, when
    nothing can be lost by it; else :func:`sys.exit`."""
    if _ending and _done and _alone():
        try:
            sys.stdout.flush()
            sys.stderr.flush()
        except (OSError, ValueError):
            sys.exit(code)  # the interpreter reports the failed write
        os._exit(code)
    sys.exit(code)


def _alone() -> bool:
    """No other thread, no multiprocessing child (their ``atexit`` handlers must run)."""
    threading = sys.modules.get("threading")
    if threading is not None and threading.active_count() > 1:
        return False
    mp = sys.modules.get("multiprocessing")
    return mp is None or not mp.active_children()
