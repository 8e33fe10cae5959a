"""``audit --intended`` makes the routers' configs in forked workers on larger inventories:
the configs are the same as made in one process, and an error is the same error."""

from __future__ import annotations

import multiprocessing
from pathlib import Path
from types import ModuleType

import pytest

from greios.app import planning
from greios.app.pipeline import build
from greios.app.planning import intended_configs
from greios.errors import ConfigParseError

pytestmark = pytest.mark.skipif("fork" not in multiprocessing.get_all_start_methods(),
                                reason="workers are forked")




@pytest.mark.parametrize("topology", ["hub2", "mesh"])
def test_forked_configs_equal_serial(scalegen: ModuleType, tmp_path: Path, topology: str) -> None:
    g = scalegen.generate(tmp_path / "sites", sites=7, topology=topology)
    build(g.root)  # lock and keys written once, as `greios render` does
    serial = intended_configs(g.root, workers=1)
    forked = intended_configs(g.root, workers=3)
    assert list(forked) == list(serial)  # router order kept
    assert forked == serial
    assert all("interface Tunnel" in text for text in forked.values())


def test_worker_error_is_raised_as_without_workers(scalegen: ModuleType, tmp_path: Path,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    g = scalegen.generate(tmp_path / "sites", sites=5, topology="hub1")
    build(g.root)
    real = planning.future_config

    def failing(running: str, commands: tuple[str, ...], store: object,
                platform: str | None = None) -> str:
        if "hostname s00003-rtr1" in running:
            raise ConfigParseError("s00003-rtr1: cannot apply")
        return real(running, commands, store, platform)  # type: ignore[arg-type]

    monkeypatch.setattr(planning, "future_config", failing)  # inherited by the workers
    with pytest.raises(ConfigParseError, match="s00003-rtr1: cannot apply"):
        intended_configs(g.root, workers=1)
    with pytest.raises(ConfigParseError, match="s00003-rtr1: cannot apply"):
        intended_configs(g.root, workers=2)
