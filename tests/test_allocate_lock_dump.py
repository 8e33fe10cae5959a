"""The lock's own YAML writer (``Lock.to_yaml``) writes exactly what ``yaml.safe_dump``
writes, and hands anything it cannot promise that for to PyYAML."""

from __future__ import annotations

import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from greios.allocate import Allocation, Lock, _plain_dump

HEADER_LINES = 2


def pyyaml_text(lock: Lock) -> str:
    body = {"version": 1, "pairs": {
        k: {"a": e.a, "b": e.b, "tunnel": e.tunnel, "subnet": e.subnet, "state": e.state,
            **({"cleaned": list(e.cleaned)} if e.cleaned else {})}
        for k, e in sorted(lock.entries.items())}}
    return yaml.safe_dump(body, sort_keys=False, default_flow_style=False)


def body_of(text: str) -> str:
    return text.split("\n", HEADER_LINES)[HEADER_LINES]


WORDS = st.sampled_from(["R1", "tokyo-rtr1", "a.b_c", "true", "yes", "null", "on", "1e3",
                         "0x1F", "12", "1.5", "-R", ".inf", "~", "a b", "a:b", "#x", "é",
                         "x" * 130, "2026-12-01", "R1/2", "---", "y", "n", "NO"])
ALLOCS = st.builds(
    lambda a, b, t, net, state, cleaned: Allocation(
        key=f"{a}--{b}", a=a, b=b, tunnel=t, subnet=net, state=state, cleaned=cleaned),
    WORDS, WORDS, st.integers(0, 2147483647),
    st.sampled_from(["10.0.0.0/30", "100.64.0.8/31", "192.168.1.4/30"]),
    st.sampled_from(["active", "retired"]),
    st.lists(WORDS, max_size=2).map(tuple))


@settings(max_examples=300, deadline=None)
@given(st.lists(ALLOCS, max_size=6))
def test_lock_text_equals_pyyaml(allocs: list[Allocation]) -> None:
    lock = Lock(entries={a.key: a for a in allocs})
    assert body_of(lock.to_yaml()) == pyyaml_text(lock)


def test_generated_names_take_the_fast_path() -> None:
    entries = {f"s{i:05d}-rtr1--s{i + 1:05d}-rtr1": Allocation(
        key="", a=f"s{i:05d}-rtr1", b=f"s{i + 1:05d}-rtr1", tunnel=1000 + i,
        subnet=f"100.64.{i}.0/30", state="retired" if i % 3 else "active",
        cleaned=(f"s{i:05d}-rtr1",) if i % 3 == 1 else ()) for i in range(50)}
    lock = Lock(entries=entries)
    assert _plain_dump({k: {"a": e.a} for k, e in entries.items()}) is not None
    assert body_of(lock.to_yaml()) == pyyaml_text(lock)


def test_unusual_strings_fall_back_to_pyyaml() -> None:
    assert _plain_dump({"true": {"a": "R1"}}) is None
    assert _plain_dump({"R1--R2": {"a": "a b"}}) is None
    assert _plain_dump({}) is None
