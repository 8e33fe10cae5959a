"""The parser's model is pinned by golden files (``golden/``).

Each input's :class:`~greios.devmodel.model.DeviceConfig`, in the canonical JSON form of
:mod:`modeldump`, is stored under ``golden/<key>.json``; a model whose JSON exceeds
``DIGEST_OVER`` characters is stored as ``golden/<key>.digest.json`` (SHA-256 of the JSON plus a
readable summary). The goldens were written by the parser after it was checked equal, input by
input, to the frozen pre-optimisation parser they replace (``tests/iosconfig/legacy``, removed).

Inputs: in-repo tier - tests/fixtures/ios (``fixtures/...``), the bundled sites/snapshots
(``snapshots/...``), tests/audit/fixtures (``audit-fixtures/...``) and the generated large
config (``generated/...``); extra tier - every file of ../shared/corpus (``corpus/...``),
checked only when the corpus is present.

When a parser change is intended, rewrite the goldens and review the diff::

    GREIOS_UPDATE_GOLDEN=1 .venv/bin/pytest -q -p no:xdist tests/iosconfig/test_parser_golden.py
    git diff tests/iosconfig/golden
"""

from __future__ import annotations

import difflib
import hashlib
import json
import os
import pickle
from collections.abc import Callable
from ipaddress import IPv4Network
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from greios.devmodel.acl import AclEntries
from greios.platforms.ios.config import parse_config

from .modeldump import dump_model, to_json, without_lines

HERE = Path(__file__).parent
REPO = HERE.parents[1]
GOLDEN = HERE / "golden"
UPDATE = bool(os.environ.get("GREIOS_UPDATE_GOLDEN"))
DIGEST_OVER = 200_000
REGEN = "GREIOS_UPDATE_GOLDEN=1 pytest tests/iosconfig/test_parser_golden.py"

# generated inputs: golden key -> large_ios_config() arguments
GENERATED: dict[str, dict[str, int]] = {
    "generated/large-small": {"vlans": 12, "access_ports": 16, "acls": 3, "aces": 25},
    "generated/large": {},
}


def _in_repo_files() -> dict[str, Path]:
    """golden key -> file, for the in-repo inputs."""
    fixtures = REPO / "tests" / "fixtures" / "ios"
    out = {f"fixtures/{f.relative_to(fixtures).with_suffix('').as_posix()}": f
           for f in sorted(fixtures.rglob("*.cfg"))}
    out |= {f"snapshots/{f.stem}": f for f in sorted((REPO / "sites/snapshots").glob("*.cfg"))}
    out |= {f"audit-fixtures/{f.stem}": f
            for f in sorted((REPO / "tests/audit/fixtures").glob("*.cfg"))}
    return out


IN_REPO = _in_repo_files()


def _corpus_files(corpus: Path) -> dict[str, Path]:
    return {f"corpus/{p.relative_to(corpus).as_posix()}": p for p in sorted(corpus.rglob("*"))
            if p.is_file() and p.name != "README.md"}


def _summary(model: dict[str, Any], text: str) -> dict[str, Any]:
    return {"sha256": hashlib.sha256(text.encode()).hexdigest(),
            "hostname": model["hostname"], "lines": model["lines"],
            "interfaces": len(model["interfaces"]), "acls": len(model["acls"]),
            "acl_entries": sum(len(a["entries"]) for a in model["acls"].values()),
            "warnings": len(model["warnings"])}


def _golden_files(key: str) -> tuple[Path, Path]:
    return GOLDEN / f"{key}.json", GOLDEN / f"{key}.digest.json"


def _check(key: str, text: str, source: str) -> str | None:
    """Compare (or, with GREIOS_UPDATE_GOLDEN, rewrite) one golden; returns a failure text."""
    model = dump_model(parse_config(text, source=source))
    got = to_json(model)
    full, digest = _golden_files(key)
    big = len(got) > DIGEST_OVER
    if UPDATE:
        keep, drop = (digest, full) if big else (full, digest)
        keep.parent.mkdir(parents=True, exist_ok=True)
        keep.write_text(to_json(_summary(model, got)) if big else got)
        drop.unlink(missing_ok=True)
        return None
    path = digest if big else full
    if not path.exists():
        return f"{key}: no golden {path.relative_to(REPO)} (write it with {REGEN})"
    want = json.loads(path.read_text())
    if big:
        summary = _summary(model, got)
        if summary == want:
            return None
        return f"{key}: model differs from {path.relative_to(REPO)}: {summary} != {want}"
    if model == want:
        return None
    diff = list(difflib.unified_diff(to_json(want).splitlines(), got.splitlines(),
                                     "golden", "parsed", lineterm="", n=2))
    more = f"\n... {len(diff) - 80} more diff lines" if len(diff) > 80 else ""
    return (f"{key}: model differs from {path.relative_to(REPO)} (if intended: {REGEN})\n"
            + "\n".join(diff[:80]) + more)


# -- in-repo tier ---------------------------------------------------------------------------

@pytest.mark.parametrize("key", sorted(IN_REPO))
def test_in_repo_models_match_golden(key: str) -> None:
    path = IN_REPO[key]
    problem = _check(key, path.read_text(), path.relative_to(REPO).as_posix())
    if problem is not None:
        pytest.fail(problem, pytrace=False)


@pytest.mark.parametrize("key", sorted(GENERATED))
def test_generated_models_match_golden(key: str, make_large_config: Callable[..., str]
                                       ) -> None:
    problem = _check(key, make_large_config(**GENERATED[key]), f"{key}.cfg")
    if problem is not None:
        pytest.fail(problem, pytrace=False)


def _key_of(golden: Path) -> str:
    return golden.relative_to(GOLDEN).as_posix().removesuffix(".json").removesuffix(".digest")


def _stale(goldens: list[Path], keys: set[str]) -> list[str]:
    """Goldens without an input; deleted instead when updating."""
    stale = [g for g in goldens if _key_of(g) not in keys]
    if UPDATE:
        for g in stale:
            g.unlink()
        return []
    return [g.relative_to(GOLDEN).as_posix() for g in stale]


def test_every_golden_has_an_input() -> None:
    assert len(IN_REPO) >= 33
    goldens = [g for g in sorted(GOLDEN.rglob("*.json")) if not _key_of(g).startswith("corpus/")]
    assert len(goldens) >= len(IN_REPO) + len(GENERATED) or UPDATE
    stale = _stale(goldens, set(IN_REPO) | set(GENERATED))
    assert stale == [], f"goldens without an input (delete them or {REGEN}): {stale}"


def test_golden_psks_are_labels_not_digests() -> None:
    text = (GOLDEN / "fixtures/ikev1-triangle/wan-b.json").read_text()
    model = json.loads(text)
    keys = [k["psk"] for r in model["keyrings"].values() for k in r["keys"]]
    assert keys == [{"psk": f"k{i}", "kind": 0, "length": n, "comparable": True}
                    for i, n in enumerate((30, 14, 30, 31), 1)]  # 4 distinct keys, in order
    assert "Tq7#wan-a-b" not in text and "digest" not in text
    grab = json.loads((GOLDEN / "fixtures/single-device/crypto-grab-bag.json").read_text())
    b7, spoke = grab["ikev2_keyrings"]["KR-V2"]["peers"]
    assert spoke["psk_local"] == spoke["psk_remote"]  # one key for both directions
    assert b7["psk_local"]["psk"] != b7["psk_remote"]["psk"]


@pytest.mark.parametrize("key", sorted(IN_REPO))
def test_line_endings_and_blank_lines_do_not_change_the_model(key: str) -> None:
    text = IN_REPO[key].read_text()
    lf = dump_model(parse_config(text))
    assert dump_model(parse_config(text.replace("\n", "\r\n"))) == lf
    padded = text.replace("\n!\n", "\n!\n\n   \n")
    assert padded != text
    assert without_lines(dump_model(parse_config(padded))) == without_lines(lf)


def test_lazy_acl_entries_decode_on_access_and_pickle(large_config_text: str) -> None:
    cfg = parse_config(large_config_text)
    acl = cfg.acls["ACL-007"]
    assert isinstance(acl.entries, AclEntries)
    assert len(acl.entries) == 121
    clone: Any = pickle.loads(pickle.dumps(cfg))
    assert clone.acls[acl.name].entries == tuple(acl.entries)
    assert acl.entries[0] == next(iter(acl.entries))
    assert hash(acl) == hash(clone.acls[acl.name])
    first, second = acl.entries[0], acl.entries[1]
    assert (first.action, first.src) == ("remark", None)  # "10 remark block 0 of ACL-007"
    assert (second.action, second.protocol, second.src, second.dst) == (
        "permit", "udp", IPv4Network("0.0.0.0/0"), IPv4Network("10.251.7.2/32"))
    assert acl.entries[-1].action == "permit" and acl.entries[-1].src == IPv4Network("0.0.0.0/0")


def test_leading_zero_acl_line_keeps_the_eager_warning() -> None:
    text = ("ip access-list extended A\n permit ip host 10.0.0.1 any\n"
            " permit ip 010.0.0.1 any\n permit ip any any\n")
    cfg = parse_config(text)
    (first,) = cfg.acls["A"].entries  # block truncated at the bad line, as before
    assert first.src == IPv4Network("10.0.0.1/32")
    assert any("could not read 'ip ...'" in w for w in cfg.warnings)


_WORDS = st.sampled_from([
    "interface Tunnel1", "interface Vlan10", "vlan 10", " name users", "ip route 0.0.0.0 "
    "0.0.0.0 10.0.0.1", " ip address 10.0.0.1 255.255.255.0", " tunnel source 10.0.0.1",
    " tunnel destination 192.0.2.2", "  ip address 10.9.9.9 255.255.255.0", " shutdown",
    "ip access-list extended CRYPTO-ACL", " permit gre host 10.0.0.1 host 192.0.2.2",
    " 10 permit ip 10.0.0.0 0.0.0.255 any", " deny ip 010.0.0.0 0.0.0.255 any",
    " permit tcp any host 1.2.3.4 eq 22", " remark hello", "access-list 10 permit 10.0.0.01",
    "access-list 10 permit 10.1.1.0 0.0.0.255", "access-list 110 permit ip any any",
    "ip access-list standard 5", " permit 10.0.0.0 0.0.0.255", "!", " !", "", "   ",
    "end", "banner motd ^C", "^C", "crypto isakmp policy 10", " encr aes 256",
    "crypto ikev2 keyring KR", " peer P", "  address 192.0.2.2", "  pre-shared-key k1",
    "   !", "router ospf 1", " network 10.0.0.0 0.0.0.255 area 0", "router bgp 65000",
    " address-family ipv4", "  neighbor 192.0.2.2 remote-as 65001", "hostname r1",
    "policy-map P", " class C", "  police 8000", "line vty 0 4", " transport input ssh",
    "\tinterface Tunnel2", "crypto pki certificate chain TP", " certificate 01", "  3082 00",
    "  quit", "snmp-server community x RO", " ip address 10.7.7.7 255.255.255.0",
])


@settings(max_examples=300, deadline=None)
@given(st.lists(_WORDS, max_size=40))
def test_generated_configs_parse_robustly(lines: list[str]) -> None:
    """Any mix of relevant and irrelevant blocks, odd indentation, comments, banners and ACL
    lines with leading-zero octets parses without raising; CRLF gives the same model; the
    model (lazy ACL entries included) survives pickling."""
    text = "\n".join(lines) + "\n"
    cfg = parse_config(text)
    model = dump_model(cfg)
    assert dump_model(parse_config(text.replace("\n", "\r\n"))) == model
    assert dump_model(pickle.loads(pickle.dumps(cfg))) == model
    assert cfg.lines == len(text.splitlines())


# -- extra tier: ../shared/corpus -----------------------------------------------------------

def test_corpus_models_match_golden(corpus_dir: Path) -> None:
    files = _corpus_files(corpus_dir)
    assert len(files) >= 29
    problems = [p for key, f in files.items()
                if (p := _check(key, f.read_text(errors="replace"), key)) is not None]
    stale = _stale(sorted((GOLDEN / "corpus").rglob("*.json")), set(files))
    if problems:
        pytest.fail("\n\n".join(problems), pytrace=False)
    assert stale == [], f"corpus goldens without a corpus file: {stale}"


def test_corpus_lazy_acl_entries_decode_on_access_and_pickle(corpus_dir: Path) -> None:
    text = (corpus_dir / "large/sample_05.ios").read_text(errors="replace")
    cfg = parse_config(text)
    acl = next(a for a in cfg.acls.values() if len(a.entries) > 100)
    assert isinstance(acl.entries, AclEntries)
    clone: Any = pickle.loads(pickle.dumps(cfg))
    assert clone.acls[acl.name].entries == tuple(acl.entries)
    assert acl.entries[0] == next(iter(acl.entries))
    assert hash(acl) == hash(clone.acls[acl.name])
