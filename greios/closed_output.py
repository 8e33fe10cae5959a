"""Output whose reader went away (``greios plan | head``) changes nothing the command does.

When the reader of a pipe exits, the next write to it fails with ``EPIPE``
(``BrokenPipeError``; Python ignores ``SIGPIPE``). Left alone, that error surfaces wherever
the write happened: rich ends the process with exit 1 from inside whatever printed, the
typer-free audit path reported an internal error (exit 70), and an ``apply`` printing
its progress from a router's worker thread stopped like a Ctrl-C with one end of a pair
applied and the other not started.

:func:`guard` (called first by the console script, :func:`greios.entry.run`) puts
``sys.stdout`` and ``sys.stderr`` on file descriptors whose writes cannot fail that way:
the first ``EPIPE`` points the descriptor at ``/dev/null``, and that write and every later
one are dropped. The command runs to its end and exits with the code it would have had;
an apply confirms or rolls back each router exactly as with a terminal. Used as a library
(``greios.cli.main``), the caller's streams are left as they are.
"""

from __future__ import annotations

import io
import os
import sys
from typing import Any

#: the descriptors (1, 2) whose reader went away in this process
closed: set[int] = set()


class _Guarded(io.FileIO):
    """A standard descriptor (not closed with this object) whose failed writes to a pipe
    nobody reads are dropped."""

    def write(self, data: Any) -> int:
        try:
            return super().write(data)
        except BrokenPipeError:
            _to_devnull(self.fileno())
            return memoryview(data).nbytes  # as if written


def _to_devnull(fd: int) -> None:
    closed.add(fd)
    null = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(null, fd)
    finally:
        os.close(null)


def _guarded(stream: Any) -> Any:
    """A text stream like ``stream`` (encoding, errors, buffering) over a guarded copy of
    its descriptor; ``stream`` itself when it is no such stream (None, a test's capture)."""
    if not isinstance(stream, io.TextIOWrapper):
        return stream
    try:
        fd = stream.fileno()
        stream.flush()
    except (OSError, ValueError):  # io.UnsupportedOperation is both
        return stream
    raw = _Guarded(fd, "wb", closefd=False)
    return io.TextIOWrapper(io.BufferedWriter(raw), encoding=stream.encoding,
                            errors=stream.errors, line_buffering=stream.line_buffering,
                            write_through=stream.write_through)


def guard() -> None:
    """Replace ``sys.stdout`` and ``sys.stderr`` with guarded streams (POSIX only: Windows
    reports a closed pipe differently)."""
    if os.name != "posix":
        return
    sys.stdout = _guarded(sys.stdout)
    sys.stderr = _guarded(sys.stderr)
