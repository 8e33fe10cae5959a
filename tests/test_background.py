"""greios.background: a forked child computes exactly what the plain call gives, and
wherever it cannot, the caller's own process does (same result, same exception).

The forking cases run in a fresh interpreter: a test process may have threads left by
earlier tests (lab servers), and with other threads running Background does not fork."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
import threading

import pytest

from greios.background import Background

pytestmark = pytest.mark.skipif(not hasattr(os, "fork"), reason="needs os.fork")

PRELUDE = '''
import os, time
from greios.background import Background

def gone(pid):
    try:
        os.waitpid(pid, os.WNOHANG)
    except ChildProcessError:
        return True
    return False

parent = os.getpid()
'''


def in_fresh_process(body: str) -> None:
    code = PRELUDE + textwrap.dedent(body) + "\nprint('OK')\n"
    p = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                       timeout=60)
    assert p.returncode == 0 and p.stdout.strip().endswith("OK"), p.stderr


def test_the_child_computes_the_result() -> None:
    in_fresh_process("""
        with Background(lambda x: (os.getpid() != parent, [x, {"k"}]), 3) as job:
            assert job.forked
            pid = job._pid
            assert job.result() == (True, [3, {"k"}])  # computed in another process
        assert gone(pid)
    """)


def test_an_error_in_the_child_is_raised_here() -> None:
    in_fresh_process("""
        def fails():
            raise ValueError("bad input in file x.cfg")

        with Background(fails) as job:
            assert job.forked
            try:
                job.result()
            except ValueError as exc:
                assert str(exc) == "bad input in file x.cfg"
            else:
                raise AssertionError("no error")
    """)


def test_a_child_that_dies_or_cannot_send_is_replaced_by_the_plain_call() -> None:
    in_fresh_process("""
        def dies():
            if os.getpid() != parent:
                os._exit(3)
            return 42

        with Background(dies) as job:
            assert job.forked and job.result() == 42
        marker = object()  # marshal cannot carry it: computed here
        with Background(lambda: marker) as job:
            assert job.forked and job.result() is marker
    """)


def test_leaving_the_block_early_stops_and_reaps_the_child() -> None:
    in_fresh_process("""
        pids = []
        try:
            with Background(time.sleep, 60) as job:
                pids.append(job._pid)
                raise KeyboardInterrupt
        except KeyboardInterrupt:
            pass
        assert pids[0] is not None and gone(pids[0])
    """)


def test_no_fork_while_other_threads_run() -> None:
    stop = threading.Event()
    t = threading.Thread(target=stop.wait)
    t.start()
    try:
        with Background(lambda: os.getpid()) as job:
            assert not job.forked
            assert job.result() == os.getpid()
    finally:
        stop.set()
        t.join()
    with Background(lambda: 1, fork=False) as job:
        assert not job.forked and job.result() == 1
