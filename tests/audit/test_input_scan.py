"""``holds_ios_config`` (greios/app/audit.py) tests most lines with one pattern; its verdict
is the one of the plain line-by-line check it replaced, on any text."""

from __future__ import annotations

from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from greios.app.audit import _IOS_ANCHOR, _IOS_COMMAND, _IOS_PREAMBLE, holds_ios_config

REPO = Path(__file__).resolve().parents[2]


def reference(text: str) -> tuple[bool, int, int]:
    """The check as first written: (verdict, top-level lines, command lines)."""
    top = commands = 0
    anchored = False
    for line in text.splitlines():
        if not line.strip() or line[0] in " \t!" or _IOS_PREAMBLE.match(line):
            continue
        top += 1
        if _IOS_COMMAND.match(line):
            commands += 1
            anchored = anchored or bool(_IOS_ANCHOR.match(line))
    return anchored and commands >= 0.6 * top, top, commands


PIECES = st.sampled_from([
    "hostname r1", "interface Tunnel1", " ip address 10.0.0.1 255.0.0.0", "!", "end", "",
    " ", "\t x", "version 17.3", "crypto map M 10", "Building configuration...",
    "Current configuration : 1 bytes", "r1#show running-config", "r1# show run",
    "no#show x", "no ip domain lookup", "no", "\xa0", "\x1f", "banner motd ^C", "# comment",
    "\u00e9t\u00e9 r1", "!x", "README", "- yaml: 1", "key: value", "Last configuration change"])
BREAKS = st.sampled_from(["\n", "\n", "\n", "\r\n", "\r", "\x0b", "\x85", "\u2028"])


@settings(max_examples=400, deadline=None)
@given(st.lists(st.tuples(PIECES, BREAKS), max_size=40))
def test_same_verdict_as_the_line_by_line_check(parts: list[tuple[str, str]]) -> None:
    text = "".join(p + b for p, b in parts)
    assert holds_ios_config(text) == reference(text)[0]


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.characters(codec="utf-8"), max_size=300))
def test_same_verdict_on_any_text(text: str) -> None:
    assert holds_ios_config(text) == reference(text)[0]


def test_real_files() -> None:
    files = [*sorted((REPO / "tests/audit/fixtures").glob("*.cfg")), REPO / "README.md",
             REPO / "pyproject.toml", REPO / "greios/cli.py"]
    verdicts = set()
    for f in files:
        text = f.read_text(errors="replace")
        verdict = reference(text)[0]
        assert holds_ios_config(text) == verdict, f
        verdicts.add(verdict)
    assert verdicts == {True, False}
