"""greios.closed_output: output whose reader went away (``greios plan | head``) is dropped;
the command runs to its end and exits with its own code, without an error or traceback.
(The apply case, against the lab: tests/workflow/test_hardening_lab.py.)"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
FIX = REPO / "tests" / "audit" / "fixtures"


def greios(args: list[str], cwd: Path, *, close: tuple[str, ...] = ("stdout",)
           ) -> tuple[int, str]:
    """``python -m greios ARGS`` (the console script's entry) writing to pipes whose read
    ends are closed before it starts (``close``); the other stream is captured."""
    pipes = {name: os.pipe() for name in ("stdout", "stderr")}
    for name in close:
        os.close(pipes[name][0])
    env = {k: v for k, v in os.environ.items() if k != "PYTHONUNBUFFERED"}
    proc = subprocess.Popen([sys.executable, "-m", "greios", *args], cwd=cwd, env=env,
                            stdout=pipes["stdout"][1], stderr=pipes["stderr"][1])
    for _r, w in pipes.values():
        os.close(w)
    captured = b""
    for name in ("stdout", "stderr"):
        if name not in close:
            with os.fdopen(pipes[name][0], "rb") as f:
                captured += f.read()
    return proc.wait(timeout=120), captured.decode()


def _quiet(err: str) -> None:
    for needle in ("internal error", "Traceback", "Exception ignored", "Broken pipe"):
        assert needle not in err, err


@pytest.fixture
def sites(tmp_path: Path) -> Path:
    shutil.copytree(REPO / "sites", tmp_path / "sites",
                    ignore=shutil.ignore_patterns("greios.lock", ".greios-secrets.yaml"))
    return tmp_path / "sites"


def test_audit_to_a_closed_pipe_keeps_its_exit_code(tmp_path: Path) -> None:
    # the typer-free audit path: was "internal error: BrokenPipeError", exit 70
    code, err = greios(["audit", str(FIX), "--fail-on", "warning"], tmp_path)
    assert code == 3, err  # findings at or above --fail-on, as with a reader
    assert "at or above --fail-on warning" in err
    _quiet(err)
    code, err = greios(["audit", str(FIX), "-f", "json", "--fail-on", "never"], tmp_path)
    assert (code, err) == (0, "")


@pytest.mark.parametrize("args", [["render"], ["plan", "--offline"],
                                  ["plan", "--offline", "--detailed-exitcode"]])
def test_rich_and_typer_output_to_a_closed_pipe(sites: Path, args: list[str]) -> None:
    # rich ended these with a silent exit 1 from inside the print
    code, err = greios([*args, "--sites", str(sites)], sites.parent)
    assert code == (2 if "--detailed-exitcode" in args else 0), err
    _quiet(err)
    # the command ran to its end: the lock file it writes is there
    assert (sites / "greios.lock").is_file()


def test_both_streams_closed(sites: Path) -> None:
    code, err = greios(["validate", "--sites", str(sites)], sites.parent,
                       close=("stdout", "stderr"))
    assert (code, err) == (0, "")  # its warning (plain GRE) went nowhere, quietly
    code, err = greios(["validate", "--sites", str(sites / "nowhere")], sites.parent,
                       close=("stdout", "stderr"))
    assert code == 1  # an error still ends with its code


def test_library_use_leaves_the_callers_streams(capsys: pytest.CaptureFixture[str]) -> None:
    from greios.cli import main

    before = sys.stdout, sys.stderr
    assert main(["audit", str(FIX), "-f", "json", "--fail-on", "never"]) == 0
    assert (sys.stdout, sys.stderr) == before
    assert '"devices"' in capsys.readouterr().out


def test_guarded_stream_drops_writes_after_the_reader_goes(tmp_path: Path) -> None:
    # in a child: guard, write to a pipe whose reader is gone, then write to the file
    # stderr points at; the descriptor now points at /dev/null
    script = ("import os, sys; from greios import closed_output as c; c.guard();"
              "print('x' * 100000); sys.stdout.flush();"
              "sys.stderr.write(f'closed={sorted(c.closed)} enc={sys.stdout.encoding}\\n')")
    r, w = os.pipe()
    os.close(r)
    with open(tmp_path / "err", "wb") as err:
        code = subprocess.run([sys.executable, "-c", script], stdout=w, stderr=err,
                              timeout=60).returncode
    os.close(w)
    assert code == 0
    text = (tmp_path / "err").read_text()
    assert text.startswith("closed=[1] enc="), text
