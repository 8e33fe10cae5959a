"""CLI frame: fast start without heavy imports, exit codes, error formatting."""

from __future__ import annotations

import subprocess
import sys

import pytest

from greios.cli import main


def test_help_imports_nothing_heavy() -> None:
    code = (
        "import sys, greios.cli\n"
        "heavy = [m for m in ('napalm', 'netmiko', 'paramiko', 'ciscoconfparse', 'hier_config',"
        " 'jinja2', 'greios.inventory.models', 'scapy') if m in sys.modules]\n"
        "assert not heavy, heavy\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


def test_version(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--version"]) == 0
    assert capsys.readouterr().out.startswith("greios ")


def test_usage_error_exit_code(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["render", "--no-such-option"]) == 64
    assert "No such option" in capsys.readouterr().err


def test_unknown_command(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["frobnicate"]) == 64


def test_no_args_prints_help(capsys: pytest.CaptureFixture[str]) -> None:
    assert main([]) == 0
    captured = capsys.readouterr()
    assert "Usage" in captured.err + captured.out


def test_console_script_exit_code_and_no_traceback(tmp_path) -> None:
    proc = subprocess.run([sys.executable, "-m", "greios", "validate", "--sites",
                           str(tmp_path / "missing")], capture_output=True, text=True)
    assert proc.returncode == 1
    assert proc.stderr.startswith("error: ")
    assert "Traceback" not in proc.stderr


def test_ctrl_c_in_any_command_says_so(monkeypatch, capsys, tmp_path) -> None:
    import greios.overlay

    def interrupted(*_a: object, **_k: object) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(greios.overlay, "load_inventory", interrupted)
    assert main(["validate", "--sites", str(tmp_path)]) == 130
    err = capsys.readouterr().err
    assert err == "error: interrupted (Ctrl-C)\n"
