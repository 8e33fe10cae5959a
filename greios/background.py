"""One pure function run in a forked child while the caller goes on (standard library only).

An audit spends its first second parsing on one core while the other waits; the checks on
the raw texts (does each file hold a configuration, which secrets do they carry) need no
parsed model and can run beside it. :class:`Background` forks a child for such a function
and hands its result back through a pipe (:mod:`marshal`: built-in values only, and nothing
to import). Nothing is shared afterwards: the child sees the arguments as they were at the
fork and ends with ``os._exit`` (no ``atexit`` handlers, no flushing of the parent's
buffers).

Wherever that cannot be done exactly, the caller's own process runs the function when the
result is asked for, so the result, and any exception, is the one the plain call gives: no
``fork`` on the platform, more than one thread running (a forked child could inherit a held
lock), a child that failed, was killed or sent something unreadable.
"""

from __future__ import annotations

import contextlib
import marshal
import os
import sys
from collections.abc import Callable
from typing import TYPE_CHECKING, Generic, TypeVar

if TYPE_CHECKING:
    from types import TracebackType

T = TypeVar("T")


class Background(Generic[T]):
    """``fn(*args)`` computed in a forked child; :meth:`result` waits for it. Use as a
    context manager: leaving the block without asking (an exception, Ctrl-C) kills and
    reaps the child."""

    def __init__(self, fn: Callable[..., T], *args: object, fork: bool = True) -> None:
        self._fn = fn
        self._args = args
        self._pid: int | None = None
        self._fd: int | None = None
        if fork and hasattr(os, "fork") and _one_thread():
            self._start()

    @property
    def forked(self) -> bool:
        """Whether a child is computing the result (else :meth:`result` computes it)."""
        return self._pid is not None

    def _start(self) -> None:
        try:
            r, w = os.pipe()
        except OSError:
            return
        try:
            pid = os.fork()
        except OSError:
            os.close(r)
            os.close(w)
            return
        if pid == 0:  # the child: never returns into the caller's code
            try:
                os.close(r)
                _child(w, self._fn, self._args)
            finally:
                os._exit(0)
        os.close(w)
        self._pid, self._fd = pid, r

    def result(self) -> T:
        """The function's result: the child's, or computed here if it has none to give."""
        pid, fd = self._pid, self._fd
        if pid is None or fd is None:
            return self._fn(*self._args)
        try:
            data = _read_all(fd)
        except BaseException:  # Ctrl-C while waiting: stop the child, then go on raising
            self.cancel()
            raise
        self._fd = None
        os.close(fd)
        self._pid = None
        if _reap(pid) and data:
            try:
                got: T = marshal.loads(data)  # noqa: S302 - our own child's bytes, this run
                return got
            except (EOFError, ValueError, TypeError):  # unreadable: do the work here
                pass
        return self._fn(*self._args)

    def cancel(self) -> None:
        """Stop the child (if any) without waiting for its result."""
        pid, fd = self._pid, self._fd
        self._pid = self._fd = None
        if fd is not None:
            os.close(fd)
        if pid is not None:
            with contextlib.suppress(OSError):
                os.kill(pid, 9)  # SIGKILL
            _reap(pid)

    def __enter__(self) -> Background[T]:
        return self

    def __exit__(self, et: type[BaseException] | None, ev: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.cancel()


def _child(w: int, fn: Callable[..., object], args: tuple[object, ...]) -> None:
    """In the child: the marshalled result on ``w``; nothing on any error, a result marshal
    cannot carry included (the parent then runs the function itself and meets the error
    there)."""
    try:
        data = marshal.dumps(fn(*args))  # type: ignore[arg-type]  # unmarshallable: raises
    except BaseException:  # the parent redoes the work (Ctrl-C included)
        data = b""
    view = memoryview(data)
    while view:
        view = view[os.write(w, view):]
    os.close(w)


def _one_thread() -> bool:
    """Only the main thread runs (``threading`` never imported: no thread was started
    through it)."""
    threading = sys.modules.get("threading")
    return threading is None or threading.active_count() == 1


def _read_all(fd: int) -> bytes:
    """Everything until the child closes its end; nothing if reading fails."""
    chunks: list[bytes] = []
    try:
        while chunk := os.read(fd, 1 << 20):
            chunks.append(chunk)
    except OSError:
        return b""
    return b"".join(chunks)


def _reap(pid: int) -> bool:
    """Wait for child ``pid``; whether it exited normally with status 0."""
    while True:
        try:
            _, status = os.waitpid(pid, 0)
        except InterruptedError:
            continue
        except ChildProcessError:
            return False
        return os.WIFEXITED(status) and os.WEXITSTATUS(status) == 0
