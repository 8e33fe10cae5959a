"""The config loader remembers each raw line's substitution result (``ownership._seen_lines``;
lines repeat within a config and across routers): trees are the ones hier_config's own
loader builds, cold or warm, and a line that may hold a secret is never remembered."""

from __future__ import annotations

from pathlib import Path

import pytest
from hier_config import get_hconfig

from greios.platforms.ios import ownership
from greios.platforms.ios.rules import greios_driver

CASES = Path(__file__).parent / "cases"
TEXTS = sorted(CASES.glob("*/*.cfg"))


def _shape(tree: object) -> list[tuple[int, str]]:
    return [(c.depth(), c.text) for c in tree.all_children()]  # type: ignore[attr-defined]


def _seen() -> dict[str, tuple[int, str]]:
    rules = greios_driver().rules.per_line_sub
    return ownership._seen_lines(tuple((r.search, r.replace) for r in rules))


@pytest.mark.parametrize("path", TEXTS, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_cold_and_warm_trees_are_hier_configs(path: Path) -> None:
    text = path.read_text()
    want = _shape(get_hconfig(greios_driver(), text))
    _seen().clear()
    assert _shape(ownership.load_hconfig(text)) == want
    assert _shape(ownership.load_hconfig(text)) == want  # every line remembered now


def test_secret_lines_are_not_remembered() -> None:
    text = "".join(p.read_text() for p in TEXTS)
    _seen().clear()
    ownership.load_hconfig((CASES / "psk_rotation" / "intended.cfg").read_text())
    seen = _seen()
    assert seen and not any("key" in line.lower() for line in seen)
    assert "pre-shared-key" in text


def test_remembered_lines_are_bounded(monkeypatch: pytest.MonkeyPatch) -> None:
    text = (CASES / "fresh_router" / "intended.cfg").read_text()
    want = _shape(get_hconfig(greios_driver(), text))
    monkeypatch.setattr(ownership, "_SEEN_MAX", 5)
    _seen().clear()
    assert _shape(ownership.load_hconfig(text)) == want
    assert 0 < len(_seen()) <= 5
