"""The audit runs its per-device rules and its sessions in forked workers on large
inventories (issue #13): the report is the one a single process makes, finding for finding
and session for session, in the same order, and a worker's error is raised as without
workers."""

from __future__ import annotations

import multiprocessing
import re
from pathlib import Path
from types import ModuleType

import pytest

from greios.app.pipeline import build
from greios.app.planning import intended_configs
from greios.audit import engine
from greios.audit.engine import audit_configs, parse_texts
from greios.audit.facts import DeviceFacts

pytestmark = pytest.mark.skipif("fork" not in multiprocessing.get_all_start_methods(),
                                reason="workers are forked")




def _items(scalegen: ModuleType, tmp_path: Path, topology: str, sites: int
           ) -> list[tuple[str, str]]:
    g = scalegen.generate(tmp_path / "sites", sites=sites, topology=topology)
    build(g.root)
    configs = intended_configs(g.root, workers=1)
    items = [(f"{name} (intended)", text) for name, text in sorted(configs.items())]
    # findings of every kind: a tunnel without its peer, a pair whose keys differ, an MTU
    # left out
    name, text = items[0]
    items[0] = (name, re.sub(r"tunnel destination \S+", "tunnel destination 10.9.9.9", text,
                             count=1))
    name, text = items[2]
    items[2] = (name, text.replace(" ip mtu 1400\n", "\n", 2))
    name, text = items[3]
    at = text.index("pre-shared-key ") + len("pre-shared-key ")
    items[3] = (name, text[:at] + "Changed-Key-1" + text[at + 20:])
    return items


def _dump(report: object) -> str:
    report.generated_at = ""  # type: ignore[attr-defined]
    return report.model_dump_json()  # type: ignore[attr-defined,no-any-return]


@pytest.mark.parametrize("topology", ["mesh", "hub2"])
def test_forked_report_equals_serial(scalegen: ModuleType, tmp_path: Path, topology: str) -> None:
    items = _items(scalegen, tmp_path, topology, 8)
    facts = {"s00001-rtr1": DeviceFacts(behind_nat=True)}
    serial = audit_configs(parse_texts(items), facts=facts, workers=1)
    assert serial.sessions and serial.findings
    assert {s.status for s in serial.sessions} >= {"MISSING_END_POINT",
                                                  "IKE_PHASE1_KEY_MISMATCH"}
    assert any(f.scope == "pair" for f in serial.findings)
    for workers in (2, 3):
        forked = audit_configs(parse_texts(items), facts=facts, workers=workers)
        assert _dump(forked) == _dump(serial)


def test_the_workers_do_the_work(scalegen: ModuleType, tmp_path: Path) -> None:
    """The forked path itself returns every device's findings and every link's result
    (not the parent's own fallback), equal to one process's, in order."""
    items = _items(scalegen, tmp_path, "mesh", 6)
    configs = parse_texts(items)
    job = engine._Job(configs, engine._enabled(engine.load(), None, ()), {}, None,
                      {c.hostname: c for c in configs}, engine.find_links(configs, (), None))
    chunks = engine._chunks(job, 2)
    results = engine._pool_results(job, chunks, 2)
    assert len(results) == len(chunks) > 2
    assert all(r is not None for r in results)  # no worker failed: the parent redoes none
    dev, per_link = engine._forked(job, 2)
    assert dev == [job.dev(i) for i in range(len(configs))]
    assert per_link is not None and len(per_link) == len(job.links)
    serial = job.links_part(range(len(job.links)))
    assert [(s.model_dump(), [f.model_dump() for f in fs]) for s, fs in per_link] == \
        [(s.model_dump(), [f.model_dump() for f in fs]) for s, fs in serial]


def test_pair_groups_keep_both_ends_together(scalegen: ModuleType, tmp_path: Path) -> None:
    configs = parse_texts(_items(scalegen, tmp_path, "mesh", 5))
    links = engine.find_links(configs, (), None)
    groups = engine._pair_groups(links)
    assert sorted(i for g in groups for i in g) == list(range(len(links)))
    for g in groups:
        assert g == sorted(g)
        ids = {engine._pair_id(links[i]) if links[i].peer_device else i for i in g}
        assert len(ids) == 1
    assert any(len(g) == 2 for g in groups) and any(len(g) == 1 for g in groups)


def test_worker_error_is_raised_as_without_workers(scalegen: ModuleType, tmp_path: Path,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    configs = parse_texts(_items(scalegen, tmp_path, "mesh", 5))
    real = engine._session

    def failing(link: engine.Link, *args: object, **kw: object) -> object:
        if link.device == "s00003-rtr1":
            raise RuntimeError("s00003-rtr1: cannot negotiate")
        return real(link, *args, **kw)  # type: ignore[arg-type]

    monkeypatch.setattr(engine, "_session", failing)  # inherited by the workers
    for workers in (1, 2):
        with pytest.raises(RuntimeError, match="s00003-rtr1: cannot negotiate"):
            audit_configs(configs, workers=workers)


def test_small_audits_stay_in_one_process() -> None:
    assert engine._audit_workers(engine.FORK_MIN_LINKS - 1) == 1
    assert engine._audit_workers(engine.FORK_MIN_LINKS) >= 1
