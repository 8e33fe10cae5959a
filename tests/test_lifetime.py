"""greios.lifetime: a console-script process that ran an offline command ends at once
(``os._exit``, nothing freed one by one) with its output complete and its exit code; other
commands, and greios used as a library, end and free as before."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
FIX = REPO / "tests" / "audit" / "fixtures"
MARK = "ATEXIT-RAN"

# the console script's entry, with an atexit handler that only an ordinary exit runs
SCRIPT = (f"import atexit, sys; atexit.register(lambda: sys.stderr.write({MARK!r}));"
          "import greios.entry; sys.argv[0] = 'greios'; greios.entry.run()")


def greios(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    # block-buffered stdout (as for any pipe): only a flush before os._exit gets it out
    env = {k: v for k, v in os.environ.items() if k != "PYTHONUNBUFFERED"}
    return subprocess.run([sys.executable, "-c", SCRIPT, *args], cwd=cwd, text=True,
                          capture_output=True, timeout=120, env=env)


def test_audit_ends_at_once_with_its_whole_report(tmp_path: Path) -> None:
    p = greios("audit", str(FIX), "-f", "json", "--fail-on", "never", cwd=tmp_path)
    assert p.returncode == 0, p.stderr
    report = json.loads(p.stdout)  # the whole document reached the pipe
    assert len(report["devices"]) == len(list(FIX.glob("*.cfg")))
    assert MARK not in p.stderr
    p = greios("audit", str(FIX), "--fail-on", "warning", cwd=tmp_path)  # findings: exit 3
    assert p.returncode == 3 and MARK not in p.stderr, p.stderr
    assert "at or above --fail-on warning" in p.stderr
    assert p.stdout.splitlines()[-1].startswith("Summary: 4 device(s)")  # the table's end
    assert p.stdout.endswith("\n")


@pytest.mark.parametrize(("args", "code"), [
    (["audit", "missing.cfg"], 1),  # an error is an end too: message and code, at once
    (["validate", "--sites", "nowhere"], 1),
])
def test_offline_errors_end_at_once_with_their_message(tmp_path: Path, args: list[str],
                                                       code: int) -> None:
    p = greios(*args, cwd=tmp_path)
    assert p.returncode == code and p.stderr.startswith("error: "), p.stderr
    assert MARK not in p.stderr


def test_typer_offline_command_ends_at_once(tmp_path: Path) -> None:
    import shutil

    shutil.copytree(REPO / "sites", tmp_path / "sites")
    p = greios("validate", cwd=tmp_path)
    assert p.returncode == 0, p.stderr
    assert MARK not in p.stderr


@pytest.mark.parametrize("args", [["--help"], ["mtu", "--underlay-mtu", "1500"], ["--version"]])
def test_other_commands_exit_as_before(tmp_path: Path, args: list[str]) -> None:
    p = greios(*args, cwd=tmp_path)
    assert p.returncode == 0, p.stderr
    assert p.stderr.endswith(MARK)
    assert p.stdout.strip()


def test_a_library_caller_keeps_nothing(capsys: pytest.CaptureFixture[str]) -> None:
    from greios import lifetime
    from greios.audit.engine import audit_parsed, parse_texts
    from greios.cli import main

    assert main(["audit", str(FIX), "--fail-on", "never"]) == 0
    assert lifetime._KEPT == []
    configs = parse_texts([(str(f), f.read_text()) for f in sorted(FIX.glob("*.cfg"))])
    audit_parsed(configs)
    assert lifetime._KEPT == [] and all(not c._memo for c in configs)


def test_a_big_audit_checks_its_input_beside_the_parse(tmp_path: Path) -> None:
    """Over 128 KB of configs: the raw-text checks run in a forked child (a fresh process
    has no other thread); the secret it finds is scrubbed, a non-config file refused."""
    from greios.app.audit import BACKGROUND_MIN_CHARS

    base = (FIX / "v2-site-a.cfg").read_text()
    copies = BACKGROUND_MIN_CHARS // len(base) + 1
    for i in range(copies):
        (tmp_path / f"r{i}.cfg").write_text(base.replace("hostname ", f"hostname r{i}-", 1))
    (tmp_path / "K3ySecret77.cfg").write_text(
        base + "crypto isakmp key K3ySecret77 address 192.0.2.77\n")
    p = greios("audit", ".", "-f", "json", "-o", "r.json", "--fail-on", "never", cwd=tmp_path)
    assert p.returncode == 0, p.stderr
    report = (tmp_path / "r.json").read_text()
    assert "K3ySecret77" not in report and "<redacted>.cfg" in report
    assert len(json.loads(report)["devices"]) == copies + 1
    (tmp_path / "notes.txt").write_text("Remember to rotate the keys.\n")
    p = greios("audit", ".", cwd=tmp_path)
    assert p.returncode == 1 and "notes.txt: holds no IOS configuration" in p.stderr
