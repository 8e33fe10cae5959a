"""``audit --intended`` parses each intended config while the workers make the others
(``intended_configs(each=...)``), and its report writers take fast paths: every config is
handed on exactly once, and the reports are the same as parsing them afterwards."""

from __future__ import annotations

import json
import multiprocessing
from pathlib import Path
from types import ModuleType

import pytest

from greios.app import audit as app_audit
from greios.app.pipeline import build
from greios.app.planning import intended_configs
from greios.audit.engine import audit_texts
from greios.audit.report.json_report import dumps_indented, render_json
from greios.redact import config_secrets


@pytest.mark.parametrize("workers", [
    1, pytest.param(3, marks=pytest.mark.skipif(
        "fork" not in multiprocessing.get_all_start_methods(), reason="workers are forked"))])
def test_each_config_handed_on_once(scalegen: ModuleType, tmp_path: Path, workers: int) -> None:
    g = scalegen.generate(tmp_path / "sites", sites=7, topology="mesh")
    build(g.root)
    seen: list[tuple[str, str]] = []
    got = intended_configs(g.root, workers=workers, each=lambda n, t: seen.append((n, t)))
    assert sorted(seen) == sorted(got.items())
    assert len(seen) == len(got) == len(set(got)) > 1


def test_intended_audit_equals_parsing_afterwards(scalegen: ModuleType, tmp_path: Path) -> None:
    g = scalegen.generate(tmp_path / "sites", sites=6, topology="mesh")
    build(g.root)
    inv = app_audit._load_inventory(g.root, required=True)
    report, texts, found = app_audit._run_intended(g.root, select=None, ignore=[],
                                                   note=lambda m: None)
    # the secrets of the intended configs were found while they were made
    intended = intended_configs(g.root, inventory=inv)
    assert found and found == config_secrets(intended.values())
    assert config_secrets(texts) | found == config_secrets([*texts, *intended.values()])
    # the old way: configs made first, then every one parsed by the engine
    kw = app_audit._engine_kwargs(inv, None, [])
    after = audit_texts([(f"{n} (intended)", t) for n, t in
                         sorted(intended_configs(g.root, inventory=inv).items())], **kw)
    for r in (report, after):
        r.generated_at = "T"
    assert report.sessions and report.findings
    assert [s.model_dump() for s in report.sessions] == [s.model_dump() for s in after.sessions]
    assert [f.model_dump() for f in report.findings] == [f.model_dump() for f in after.findings]
    assert [d.model_dump() for d in report.devices] == [d.model_dump() for d in after.devices]


@pytest.mark.parametrize("obj", [
    {"a": 1, "b": [1, 2, {"c": None, "d": "é\u2028\"x"}], "e": {}, "f": [],
     "g": {"h": 1.5, "i": True, "j": []}},
    [], {}, [{"x": 1}], {"k": {"v": "w", "n": None}, "l": [[], {}]},
])
def test_flat_dicts_dumped_as_json_dumps(obj: object) -> None:
    assert dumps_indented(obj) == json.dumps(obj, indent=2, ensure_ascii=False)


def test_report_json_as_json_dumps(scalegen: ModuleType, tmp_path: Path) -> None:
    g = scalegen.generate(tmp_path / "sites", sites=4, topology="mesh")
    build(g.root)
    report, _, _ = app_audit._run_intended(g.root, select=None, ignore=[],
                                           note=lambda m: None)
    text = render_json(report)
    assert text == json.dumps(json.loads(text), indent=2, ensure_ascii=False) + "\n"
    assert '"findings": [' in text or '"sessions": [' in text


def test_shared_flat_dict_written_at_each_level() -> None:
    flat = {"a": "x\ny", "b": None, "c": [], "d": 1}
    for obj in ({"deep": {"deeper": [flat]}, "top": [flat]},
                {"top": [flat], "deep": {"deeper": [flat]}, "again": flat},
                [flat, [flat, [flat]], flat]):
        assert dumps_indented(obj) == json.dumps(obj, indent=2, ensure_ascii=False)
