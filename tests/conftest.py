"""Shared fixtures."""

from __future__ import annotations

from pathlib import Path

import pytest

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
