"""Where templates come from: the built-in set, found without any environment variable, and
user directories in ``GREIOS_TEMPLATES`` that override single templates."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from greios.cli import main
from greios.render import builtin_templates_dir, template_search_path

REPO = Path(__file__).resolve().parents[2]


def test_builtin_templates_are_the_top_level_directory(monkeypatch) -> None:
    monkeypatch.delenv("GREIOS_TEMPLATES", raising=False)
    # a checkout / editable install reads templates/ itself (the wheel gets a copy)
    assert builtin_templates_dir() == REPO / "templates"
    assert template_search_path() == (REPO / "templates",)


def test_user_directory_overrides_one_template(sites: Path, tmp_path: Path, monkeypatch,
                                               capsys) -> None:
    user = tmp_path / "my-templates"
    (user / "ios").mkdir(parents=True)
    (user / "ios" / "routing.j2").write_text(
        "{% for r in intent.static_routes %}ip route {{ r.prefix }} {{ r.mask }} "
        "{{ r.next_hop }} name GREIOS\n{% endfor %}router ospf 99\n!\n")
    monkeypatch.setenv("GREIOS_TEMPLATES", str(user))
    assert main(["render", "--sites", str(sites), "--site", "tokyo"]) == 0
    out = capsys.readouterr().out
    assert "router ospf 99" in out  # the user's routing.j2
    assert "router ospf 1\n" not in out
    assert "interface Tunnel100" in out  # every other template still built in


def test_several_user_directories_first_wins(tmp_path: Path, monkeypatch) -> None:
    a, b = tmp_path / "a", tmp_path / "b"
    a.mkdir()
    b.mkdir()
    monkeypatch.setenv("GREIOS_TEMPLATES", os.pathsep.join([str(a), str(b)]))
    assert template_search_path() == (a, b, builtin_templates_dir())


def test_missing_user_directory_is_a_clear_error(sites: Path, tmp_path: Path, monkeypatch,
                                                 capsys) -> None:
    monkeypatch.setenv("GREIOS_TEMPLATES", str(tmp_path / "nope"))
    assert main(["render", "--sites", str(sites), "--site", "tokyo"]) == 1
    err = _error_line(capsys.readouterr().err)
    assert err.startswith("error: GREIOS_TEMPLATES: ") and "not a directory" in err


@pytest.mark.parametrize("bad", ["{% if %}", "{{ intent.nope }}"])
def test_broken_user_template_names_the_file(sites: Path, tmp_path: Path, monkeypatch,
                                             capsys, bad: str) -> None:
    user = tmp_path / "t"
    (user / "ios").mkdir(parents=True)
    (user / "ios" / "routing.j2").write_text(bad + "\n")
    monkeypatch.setenv("GREIOS_TEMPLATES", str(user))
    assert main(["render", "--sites", str(sites), "--site", "tokyo"]) == 1
    err = capsys.readouterr().err
    assert "Traceback" not in err
    assert _error_line(err).startswith(f"error: {user / 'ios' / 'routing.j2'}:1: ")


def _error_line(stderr: str) -> str:
    (line,) = [ln for ln in stderr.splitlines() if ln.startswith("error: ")]
    return line
