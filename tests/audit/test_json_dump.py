"""``json_report.dumps_indented`` writes exactly what ``json.dumps(indent=2,
ensure_ascii=False)`` writes."""

from __future__ import annotations

import json
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from greios.audit.report.json_report import dumps_indented

SCALARS = (st.none() | st.booleans() | st.integers() | st.floats(allow_nan=True)
           | st.text(max_size=8) | st.sampled_from(["é", "\u2028", "a\"b\\c\n", "\x00"]))
KEYS = st.text(max_size=5) | st.integers(-3, 3) | st.booleans() | st.none() | st.floats(
    allow_nan=False, width=16)
JSON = st.recursive(SCALARS, lambda inner: st.lists(inner, max_size=4)
                    | st.dictionaries(KEYS, inner, max_size=4), max_leaves=30)


@settings(max_examples=400, deadline=None)
@given(JSON)
def test_same_text_as_the_json_module(obj: Any) -> None:
    assert dumps_indented(obj) == json.dumps(obj, indent=2, ensure_ascii=False)


def test_report_shaped_document() -> None:
    doc = {"a": [], "b": {}, "findings": [{"rule": "GRE-001", "lines": [1, 2], "x": None,
                                           "nested": {"k": [{"deep": "é"}]}}] * 3,
           "sessions": [{"device": "R1", "ok": True, "mtu": 1400.5}], "n": 3}
    assert dumps_indented(doc) == json.dumps(doc, indent=2, ensure_ascii=False)
