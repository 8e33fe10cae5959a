"""The optimised parser (pre-filter, lazy ACLs, fast addresses, own tree for ikev2 keyrings)
returns exactly the ``DeviceConfig`` of the frozen pre-optimisation parser in ``legacy/``.

Inputs: every file of ../shared/corpus (sources in its README.md), the audit fixtures, a
generated fleet and hypothesis-built configs mixing relevant and irrelevant blocks, odd
indentation, comments, banners and ACL lines with leading-zero octets.
"""

from __future__ import annotations

import importlib
import importlib.util
import pickle
import sys
from ipaddress import IPv4Network
from pathlib import Path
from types import ModuleType
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from greios.iosconfig import parse_config
from greios.iosconfig.acl import AclEntries

HERE = Path(__file__).parent
FIXTURES = HERE.parent / "audit/fixtures"


def _legacy() -> ModuleType:
    name = "greios_legacy_parser"
    if name not in sys.modules:
        spec = importlib.util.spec_from_file_location(
            name, HERE / "legacy/__init__.py", submodule_search_locations=[str(HERE / "legacy")])
        assert spec is not None and spec.loader is not None
        mod = importlib.util.module_from_spec(spec)
        sys.modules[name] = mod
        spec.loader.exec_module(mod)
    return importlib.import_module(f"{name}.parser")


def _same(text: str, source: str | None = None) -> None:
    old = _legacy().parse_config(text, source=source)
    new = parse_config(text, source=source)
    diff = [f for f in old.__dataclass_fields__ if getattr(old, f) != getattr(new, f)]
    assert diff == [], f"{source}: fields differ: {diff}"
    assert old == new


def _in_repo_inputs() -> list[Path]:
    return (sorted((HERE.parent / "fixtures/ios").rglob("*.cfg")) + sorted(FIXTURES.glob("*.cfg"))
            + sorted((HERE.parents[1] / "sites/snapshots").glob("*.cfg")))


def test_in_repo_configs_parse_identically(make_large_config: Any) -> None:
    files = _in_repo_inputs()
    assert len(files) >= 33
    for f in files:
        text = f.read_text()
        _same(text, str(f))
        _same(text.replace("\n", "\r\n"), str(f))
        _same(text.replace("\n!\n", "\n!\n\n   \n"), str(f))
    _same(make_large_config(), "large")
    _same(make_large_config(vlans=12, access_ports=16, acls=3, aces=25), "large-small")


def test_corpus_and_fixtures_parse_identically(corpus_dir: Path) -> None:
    files = sorted(p for p in corpus_dir.rglob("*") if p.is_file() and p.name != "README.md")
    files += sorted(FIXTURES.glob("*.cfg"))
    assert len(files) >= 33
    for f in files:
        _same(f.read_text(errors="replace"), str(f))


def test_crlf_and_blank_padding_parse_identically(corpus_dir: Path) -> None:
    text = (corpus_dir / "batfish-ios-crypto-ipsec/configs/r1").read_text()
    _same(text.replace("\n", "\r\n"))
    _same(text.replace("\n!\n", "\n!\n\n   \n"))


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
def test_generated_configs_parse_identically(lines: list[str]) -> None:
    _same("\n".join(lines) + "\n")


def test_lazy_acl_entries_decode_on_access_and_pickle(corpus_dir: Path) -> None:
    text = (corpus_dir / "large/sample_05.ios").read_text(errors="replace")
    cfg = parse_config(text)
    acl = next(a for a in cfg.acls.values() if len(a.entries) > 100)
    assert isinstance(acl.entries, AclEntries)
    clone: Any = pickle.loads(pickle.dumps(cfg))
    assert clone.acls[acl.name].entries == tuple(acl.entries)
    assert acl.entries[0] == next(iter(acl.entries))
    assert hash(acl) == hash(clone.acls[acl.name])


def test_leading_zero_acl_line_keeps_the_eager_warning() -> None:
    text = ("ip access-list extended A\n permit ip host 10.0.0.1 any\n"
            " permit ip 010.0.0.1 any\n permit ip any any\n")
    cfg = parse_config(text)
    (first,) = cfg.acls["A"].entries  # block truncated at the bad line, as before
    assert first.src == IPv4Network("10.0.0.1/32")
    assert any("could not read 'ip ...'" in w for w in cfg.warnings)
