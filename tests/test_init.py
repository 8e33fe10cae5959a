"""``greios init``: the starter project works right away and nothing is ever overwritten."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml

from greios.cli import main
from greios.files import state_dir_for
from greios.lab import manager

EXPECTED = {
    "README.md", ".gitignore", "sites/greios.yaml", "sites/tokyo.yaml", "sites/hongkong.yaml",
    "sites/snapshots/tokyo-rtr1.cfg", "sites/snapshots/hongkong-rtr1.cfg",
}


def _files(root: Path) -> set[str]:
    return {str(p.relative_to(root)) for p in root.rglob("*") if p.is_file()}


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("GREIOS_SITES", raising=False)
    monkeypatch.delenv("GREIOS_STATE_DIR", raising=False)
    monkeypatch.delenv("GREIOS_TEMPLATES", raising=False)
    yield tmp_path
    state = state_dir_for(tmp_path / "sites") / "lab"
    if (state / "lab.json").exists():
        manager.lab_down(state)


def test_init_writes_the_starter_project(project: Path, capsys) -> None:
    assert main(["init"]) == 0
    assert _files(project) == EXPECTED
    out = capsys.readouterr().out
    assert "created sites/greios.yaml" in out
    gitignore = (project / ".gitignore").read_text().splitlines()
    assert "sites/.greios-secrets.yaml" in gitignore and ".greios/" in gitignore
    tokyo = yaml.safe_load((project / "sites/tokyo.yaml").read_text())["routers"][0]
    assert tokyo["underlay"]["address"] == "10.132.75.79/24"
    assert tokyo["lan"][0]["prefix"] == "172.16.0.0/24"
    hongkong = yaml.safe_load((project / "sites/hongkong.yaml").read_text())["routers"][0]
    assert hongkong["underlay"]["address"].startswith("10.111.147.74/")
    assert hongkong["lan"][0]["prefix"] == "172.16.1.0/24"
    assert "# legacy-v1:" in (project / "sites/greios.yaml").read_text()  # commented policy


def test_init_then_validate_render_plan_offline(project: Path, capsys) -> None:
    assert main(["init"]) == 0
    assert main(["validate"]) == 0
    assert "ok: 2 sites, 2 routers, 1 tunnels" in capsys.readouterr().out
    assert main(["render", "--site", "tokyo"]) == 0
    rendered = capsys.readouterr().out
    assert "interface Tunnel100" in rendered
    assert "tunnel destination 10.111.147.74" in rendered
    assert "ip address 192.168.0.1 255.255.255.252" in rendered
    secrets = (project / "sites/.greios-secrets.yaml")
    assert secrets.is_file() and (secrets.stat().st_mode & 0o777) == 0o600
    assert main(["plan", "--offline"]) == 0
    plan = capsys.readouterr().out
    assert "tokyo-rtr1" in plan and "hongkong-rtr1" in plan
    assert "Plan: 16 to add, 0 to change, 0 to destroy." in plan


def test_init_into_a_new_directory(tmp_path: Path, capsys) -> None:
    target = tmp_path / "new" / "overlay"
    assert main(["init", str(target)]) == 0
    assert _files(target) == EXPECTED
    assert f"cd {target}" in capsys.readouterr().out


@pytest.mark.parametrize("existing", ["README.md", "sites/tokyo.yaml", ".gitignore"])
def test_init_refuses_to_overwrite_and_writes_nothing(project: Path, existing: str,
                                                       capsys) -> None:
    path = project / existing
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("mine\n")
    before = _files(project)
    assert main(["init"]) == 1
    err = capsys.readouterr().err
    assert err.startswith("error: ") and existing in err and "already exists" in err
    assert "Traceback" not in err
    assert _files(project) == before  # nothing written, nothing half-made
    assert path.read_text() == "mine\n"


def test_init_refuses_a_file_as_directory(tmp_path: Path, capsys) -> None:
    target = tmp_path / "afile"
    target.write_text("x")
    assert main(["init", str(target)]) == 1
    assert "not a directory" in capsys.readouterr().err


def test_init_failing_midway_leaves_nothing_behind(project: Path, capsys) -> None:
    (project / "sites").write_text("a file where init needs a directory\n")
    assert main(["init"]) == 1
    err = capsys.readouterr().err
    assert err.startswith("error: sites") and "Traceback" not in err
    # README.md and .gitignore come first and were written: they must be removed again
    assert _files(project) == {"sites"}


@pytest.mark.lab
@pytest.mark.slow
def test_init_then_lab_plan(project: Path, capsys) -> None:
    assert main(["init"]) == 0
    assert main(["lab", "up"]) == 0
    assert main(["plan", "--lab"]) == 0
    out = capsys.readouterr().out
    assert "Plan: 16 to add, 0 to change, 0 to destroy." in out
