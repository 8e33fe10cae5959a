"""`greios audit` refuses input that holds no IOS configuration (issue #11, item 13): a CI
gate pointed at the wrong file must fail, not report "No findings"."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from greios.app.audit import holds_ios_config
from greios.cli import main

REPO = Path(__file__).resolve().parents[2]
CONFIG = REPO / "tests" / "audit" / "fixtures" / "v2-site-a.cfg"


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(["audit", *args])
    out, err = capsys.readouterr()
    return code, out, err


@pytest.mark.parametrize("name", ["README.md", "docs/audit.md", "sites/tokyo.yaml",
                                  "pyproject.toml", "greios/cli.py", "empty.cfg",
                                  "comments.cfg", "plan.txt"])
def test_non_config_input_is_refused(capsys: pytest.CaptureFixture[str], tmp_path: Path,
                                     monkeypatch: pytest.MonkeyPatch, name: str) -> None:
    monkeypatch.chdir(tmp_path)  # no ./sites inventory
    if name == "empty.cfg":
        path = tmp_path / name
        path.write_text("")
    elif name == "comments.cfg":
        path = tmp_path / name
        path.write_text("!\n! nothing here\n!\n")
    elif name == "plan.txt":
        path = tmp_path / name
        path.write_text("tokyo-rtr1: no changes.\nPlan: 0 to add, 0 to change, 0 to destroy.\n")
    else:
        path = tmp_path / Path(name).name
        shutil.copy(REPO / name, path)
    code, out, err = run(capsys, str(path))
    assert code == 1, (out, err)
    assert f"error: {path.name}: holds no IOS configuration" in err  # cwd-relative
    assert "--allow-empty" in err
    assert "No findings" not in out
    code, out, err = run(capsys, str(path), "--allow-empty", "--fail-on", "never")
    assert code == 0, err


def test_one_non_config_among_configs_is_refused(capsys: pytest.CaptureFixture[str],
                                                 tmp_path: Path,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    shutil.copy(CONFIG, tmp_path / "a.cfg")
    (tmp_path / "notes.txt").write_text("Remember to rotate the keys.\nAsk Bob.\n")
    code, _, err = run(capsys, str(tmp_path))
    assert code == 1
    assert "notes.txt: holds no IOS configuration" in err


def test_real_configs_are_accepted(capsys: pytest.CaptureFixture[str], tmp_path: Path,
                                   monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    code, _, err = run(capsys, str(CONFIG), "--fail-on", "never")
    assert code == 0, err
    for f in [*(REPO / "tests" / "audit" / "fixtures").glob("*.cfg"),
              *(REPO / "sites" / "snapshots").glob("*.cfg")]:
        assert holds_ios_config(f.read_text()), f
    show_run = "router#show running-config\nBuilding configuration...\n\nCurrent configuration " \
               ": 120 bytes\n!\nversion 17.9\nhostname r1\n!\ninterface GigabitEthernet 1/0\n" \
               " no shutdown\n!\nend\n"
    assert holds_ios_config(show_run)


@pytest.mark.parametrize("forked", [True, False])
def test_checks_made_beside_the_parse_give_the_same_refusal_and_secrets(
        capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        forked: bool) -> None:
    """Big inputs have the raw-text checks (is it a configuration, which secrets does it
    carry) made in a forked child while the parse runs: the same error, the same scrubbing,
    and a refusal still comes before any error of the audit itself."""
    import threading

    import greios.app.audit as app_audit
    import greios.audit.engine as engine
    from greios.background import Background
    from greios.errors import GreiosError

    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(app_audit, "BACKGROUND_MIN_CHARS", 0 if forked else 10**12)
    text = CONFIG.read_text() + "crypto isakmp key Fl33tSecret9 address 192.0.2.77\n"
    (tmp_path / "Fl33tSecret9.cfg").write_text(text)  # the secret would show in the report
    seen: list[bool] = []
    result = Background.result

    def spy(self: Background[object]) -> object:
        seen.append(self.forked)
        return result(self)

    monkeypatch.setattr(Background, "result", spy)
    code, _, err = run(capsys, ".", "-f", "json", "-o", "r.json", "--fail-on", "never")
    assert code == 0, err
    # forked wherever it can be (no other thread left running by an earlier test)
    assert seen == [forked and threading.active_count() == 1]
    report = (tmp_path / "r.json").read_text()
    assert "Fl33tSecret9" not in report and "<redacted>.cfg" in report
    (tmp_path / "notes.txt").write_text("Remember to rotate the keys.\nAsk Bob.\n")
    code, _, err = run(capsys, ".")
    assert code == 1 and "notes.txt: holds no IOS configuration" in err, err

    def broken(*_: object, **__: object) -> None:
        raise GreiosError("the audit failed")

    monkeypatch.setattr(engine, "audit_texts", broken)
    code, _, err = run(capsys, ".")
    assert code == 1 and "notes.txt: holds no IOS configuration" in err, err
    (tmp_path / "notes.txt").unlink()
    code, _, err = run(capsys, ".")
    assert code == 1 and "error: the audit failed" in err, err
