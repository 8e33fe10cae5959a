"""Shared fixtures."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

import pytest
import yaml

REPO = Path(__file__).resolve().parent.parent


def _find_corpus() -> Path | None:
    for base in (REPO.parent / "shared" / "corpus", REPO / ".." / ".." / "shared" / "corpus"):
        if base.is_dir():
            return base.resolve()
    return None


@pytest.fixture(scope="session")
def repo_dir() -> Path:
    return REPO


@pytest.fixture(scope="session")
def corpus_dir() -> Path:
    """../shared/corpus: real IOS configs with expected verdicts (see its README)."""
    found = _find_corpus()
    if found is None:
        pytest.fail("../shared/corpus not found next to the checkout")
    return found


Edit = Callable[[str, Callable[[dict], None]], None]


@pytest.fixture
def sites(tmp_path: Path, repo_dir: Path) -> Path:
    """A private copy of the bundled example inventory (with snapshots)."""
    dest = tmp_path / "sites"
    shutil.copytree(repo_dir / "sites", dest,
                    ignore=shutil.ignore_patterns("greios.lock", ".greios-secrets.yaml"))
    return dest


@pytest.fixture
def edit(sites: Path) -> Edit:
    """edit("tokyo.yaml", fn) loads the YAML, lets fn mutate it, writes it back."""

    def _edit(name: str, fn: Callable[[dict], None]) -> None:
        path = sites / name
        data = yaml.safe_load(path.read_text())
        fn(data)
        path.write_text(yaml.safe_dump(data, sort_keys=False))

    return _edit
