"""Fast paths of the parser agree with the slow, obvious code they replace."""

from __future__ import annotations

import subprocess
import sys
from ipaddress import IPv4Address, IPv4Interface
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from greios.devmodel.acl import risky
from greios.devmodel.addr import iface, is_ipv4
from greios.platforms.ios.config import parse_config
from greios.platforms.ios.config.blocks import Node, _banner_end, split_blocks
from greios.platforms.ios.config.parser import HEADS

FIXTURES = Path(__file__).parent.parent / "audit/fixtures"


def _slow_iface(addr: str, mask: str) -> IPv4Interface | str:
    try:
        return IPv4Interface(f"{addr}/{mask}")
    except ValueError as e:
        return type(e).__name__


def _fast_iface(addr: str, mask: str) -> IPv4Interface | str:
    try:
        return iface(addr, mask)
    except ValueError as e:
        return type(e).__name__


def test_every_mask_spelling_matches_ipaddress() -> None:
    for plen in range(33):
        bits = (0xFFFFFFFF << (32 - plen)) & 0xFFFFFFFF
        for mask in (str(IPv4Address(bits)), str(IPv4Address(bits ^ 0xFFFFFFFF))):
            assert _fast_iface("10.1.2.3", mask) == _slow_iface("10.1.2.3", mask)
    # 0.0.0.0 and 255.255.255.255 are read as netmasks first, as ipaddress does
    assert iface("1.2.3.4", "0.0.0.0").network.prefixlen == 0
    assert iface("1.2.3.4", "255.255.255.255").network.prefixlen == 32


_OCT = st.one_of(st.integers(0, 300).map(str), st.sampled_from(["01", "00", "007", "", "x"]))
_QUAD = st.lists(_OCT, min_size=3, max_size=5).map(".".join)


@given(_QUAD, st.one_of(_QUAD, st.sampled_from(["255.255.255.0", "0.0.0.255", "225.255.0.0"])))
def test_iface_fast_path_is_exact(addr: str, mask: str) -> None:
    assert _fast_iface(addr, mask) == _slow_iface(addr, mask)


@given(_QUAD)
def test_is_ipv4_fast_path_is_exact(text: str) -> None:
    parts = text.split(".")
    slow = len(parts) == 4 and all(p.isdigit() and int(p) < 256 for p in parts)
    assert is_ipv4(text) == slow


def test_risky_flags_leading_zeros_and_non_ascii() -> None:
    assert risky(" permit ip 010.0.0.1 any")
    assert risky(" permit ip 10.0.0.01 any")
    assert risky(" permit ip 10.0.0.1 any \u0663")
    assert not risky(" permit tcp 10.0.0.0 0.0.0.255 any eq 443")
    assert not risky(" permit ip 100.0.0.0 0.255.255.255 host 10.20.30.40")


SKIP = """hostname s1
vlan 10
 name interface-lookalike
interface Vlan10
 ip address 10.0.0.1 255.255.255.0
line vty 0 4
 transport input ssh
!
 interface Tunnel7
  tunnel destination 192.0.2.7
banner motd ^C
interface Tunnel9
^C
end
"""


def test_prefilter_skips_unwanted_blocks_but_keeps_structure() -> None:
    heads = {"interface", "hostname"}
    roots, n = split_blocks(SKIP, heads)
    assert n == 14
    assert [(r.text, r.line) for r in roots] == [
        ("hostname s1", 1), ("interface Vlan10", 4), ("interface Tunnel7", 9)]
    assert [c.text for c in roots[1].children] == ["ip address 10.0.0.1 255.255.255.0"]
    assert [c.text for c in roots[2].children] == ["tunnel destination 192.0.2.7"]
    full, _ = split_blocks(SKIP)
    kept = {r.line: r for r in full}
    for r in roots:  # same nodes as without the filter
        assert r == kept[r.line]
    assert [r.text for r in full if r.text.startswith("banner")] == ["banner motd ^C"]


def _reference_split(text: str, heads: set[str] | frozenset[str] | None
                     ) -> tuple[list[Node], int]:
    """The splitter in its plainest form: every line through the same steps."""
    roots: list[Node] = []
    stack: list[tuple[int, Node]] = []
    banner: str | None = None
    in_cert = skipping = False
    lines = text.splitlines()
    for idx, raw in enumerate(lines, 1):
        body = raw.lstrip()
        indent = len(raw) - len(body)
        stripped = body.rstrip()
        if skipping and (not stripped or indent > 0):
            continue
        skipping = False
        if banner is not None:
            banner = None if banner in raw else banner
            continue
        if not stripped or (in_cert and (indent > 0 or stripped == "quit")):
            continue
        in_cert = False
        if indent == 0:
            stack.clear()
        if stripped.startswith("!") or (stripped == "end" and indent == 0):
            continue
        wanted = heads is None or stripped.split()[0] in heads
        if indent == 0 and stripped.startswith("banner "):
            parts = stripped.split(None, 2)
            if len(parts) == 3 and not _banner_end(parts[2])[1]:
                banner = _banner_end(parts[2])[0]
            roots.extend([Node(stripped, idx)] if wanted else [])
            continue
        if indent == 0 and stripped.startswith(("crypto pki certificate chain",
                                                "crypto ca certificate chain")):
            roots.extend([Node(stripped, idx)] if wanted else [])
            in_cert = True
            continue
        if indent == 0 and not wanted:
            skipping = True
            continue
        while stack and stack[-1][0] >= indent:
            stack.pop()
        node = Node(stripped, idx)
        if stack:
            stack[-1][1].children.append(node)
        elif wanted:
            roots.append(node)
        stack.append((indent, node))
    return roots, len(lines)


_LINE = st.sampled_from([
    "interface Tunnel1", " ip address 10.0.0.1 255.255.255.0", "!", " !", "!x", "end", "end ",
    "quit", " quit", "banner motd ^C", "banner motd ^C hi ^C", "banner ", "banner", "^C",
    "text # x", "banner exec #", "crypto pki certificate chain TP", "  3082 00",
    " certificate 01", "vlan 10", " name interface x", "hostname r1", "", "  ", "\tinterface x",
    "ip route 0.0.0.0 0.0.0.0 10.0.0.2", "router ospf 1", "  network 10.0.0.0 0.0.0.255 area 0",
    "crypto isakmp key k address 0.0.0.0", "\x0cinterface y", "interface \u00e9",
])


@given(st.lists(_LINE, max_size=30), st.sampled_from(["\n", "\r\n"]),
       st.sampled_from([HEADS, None, frozenset({"interface"}), frozenset({"banner", "end"})]))
def test_splitter_matches_its_plainest_form(lines: list[str], eol: str,
                                            heads: frozenset[str] | None) -> None:
    """The splitter's shortcuts (top-level lines handled inline, skipped blocks not built)
    give the nodes, line numbers and line count of the plain per-line reading."""
    text = eol.join(lines)
    assert split_blocks(text, heads) == _reference_split(text, heads)


def test_ikev2_keyring_is_read_from_the_own_tree() -> None:
    cfg = parse_config((FIXTURES / "v2-site-a.cfg").read_text())
    (peer,) = cfg.ikev2_keyrings["KR-SITES"].peers
    assert (peer.name, peer.line, str(peer.network)) == ("SITE-B", 13, "203.0.113.2/32")


_PROBE = """
import sys
from greios.platforms.ios.config import parse_config
cfg = parse_config(sys.stdin.read())
print("ciscoconfparse" in sys.modules, [b.neighbors for b in cfg.bgp])
"""


@pytest.mark.parametrize(("text", "expected"), [
    ((FIXTURES / "v2-site-a.cfg").read_text(), "False []"),
    ("router bgp 65000\n neighbor 192.0.2.2 remote-as 65001\n",
     "False [(('192.0.2.2', '65001'),)]"),
    ("router bgp 65000\n address-family ipv4\n  neighbor 192.0.2.2 remote-as 65001\n",
     "True [(('192.0.2.2', '65001'),)]"),
])
def test_ciscoconfparse_only_for_nested_router_blocks(text: str, expected: str) -> None:
    out = subprocess.run([sys.executable, "-c", _PROBE], input=text, capture_output=True,
                         text=True, check=True, timeout=60).stdout.strip()
    assert out == expected


def test_derived_values_are_cached_read_only_and_picklable() -> None:
    import pickle

    cfg = parse_config((FIXTURES / "v2-site-a.cfg").read_text())
    assert cfg.tunnels is cfg.tunnels
    assert [t.name for t in cfg.tunnels] == ["Tunnel100"]
    local = cfg.local_addresses()
    assert dict(local) == {"198.51.100.1": "GigabitEthernet0/0/0", "10.255.0.1": "Tunnel100"}
    with pytest.raises(TypeError):
        local["192.0.2.1"] = "x"  # type: ignore[index]
    assert cfg.local_addresses("NOPE") == {}
    clone = pickle.loads(pickle.dumps(cfg))
    assert clone == cfg
    assert dict(clone.local_addresses()) == dict(local)
