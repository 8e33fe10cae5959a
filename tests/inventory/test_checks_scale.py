"""Overlap checks by sort and sweep (issue #13): same answers as comparing every pair, without
comparing every pair."""

from __future__ import annotations

import ipaddress
import re
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from greios.cli import main
from greios.inventory.checks import cross_overlaps as _cross_overlaps

PROJECT = """\
project: scale
tunnels:
  numbers: {{start: 100, end: 999}}
  pools: [192.168.0.0/20]
topology:
  - hub_and_spoke:
      hubs: [s000]
      spokes: [{spokes}]
"""
SITE = """\
site: {name}
routers:
  - name: {name}-rtr1
    management: {{host: 192.0.2.1, username_env: U, password_env: P}}
    underlay: {{interface: Gi0/0, address: 10.{a}.{b}.1/24}}
    lan:
      - prefix: {lan}
"""


def write_inventory(root: Path, lans: list[str]) -> None:
    root.mkdir()
    names = [f"s{i:03d}" for i in range(len(lans))]
    (root / "greios.yaml").write_text(PROJECT.format(spokes=", ".join(names[1:])))
    for i, (name, lan) in enumerate(zip(names, lans, strict=True)):
        (root / f"{name}.yaml").write_text(SITE.format(name=name, a=i // 256, b=i % 256,
                                                       lan=lan))


def test_lan_overlaps_found_without_comparing_every_pair(tmp_path: Path,
                                                          monkeypatch: pytest.MonkeyPatch,
                                                          capsys: pytest.CaptureFixture[str]
                                                          ) -> None:
    lans = [f"172.16.{i}.0/24" for i in range(400)]
    lans[7] = "172.16.0.0/16"  # holds every other LAN
    lans[9] = lans[8]  # a duplicate
    lans = [lan if "/16" in lan or int(lan.split(".")[2]) < 256 else
            f"172.17.{int(lan.split('.')[2]) - 256}.0/24" for lan in lans]
    write_inventory(tmp_path / "sites", lans)
    calls = 0
    real = ipaddress._BaseNetwork.overlaps

    def counted(self, other):  # type: ignore[no-untyped-def]
        nonlocal calls
        calls += 1
        if calls > 5_000:
            raise AssertionError("every pair of LANs is compared")
        return real(self, other)

    monkeypatch.setattr(ipaddress._BaseNetwork, "overlaps", counted)
    code = main(["validate", "--sites", str(tmp_path / "sites")])
    err = capsys.readouterr().err
    assert code == 1
    problems = [ln for ln in err.splitlines()[1:] if "overlaps LAN" in ln]
    in_16 = [i for i, lan in enumerate(lans) if lan.startswith("172.16.") and i != 7]
    assert len(problems) == len(in_16)  # each LAN inside the /16 once
    named = set()
    for ln in problems:
        m = re.search(r"s(\d{3})\.yaml:\d+: routers\[0\]\.lan\[0\]\.prefix: LAN (\S+) overlaps "
                      r"LAN (\S+) of router 's(\d{3})-rtr1'", ln)
        assert m, ln
        named |= {int(m.group(1)), int(m.group(4))}
        assert int(m.group(1)) > int(m.group(4))  # reported at the later-declared LAN
    assert named == {*in_16, 7}


nets = st.builds(
    lambda v6, addr, plen: (ipaddress.ip_network((addr % (1 << 128), plen % 129), strict=False)
                            if v6 else ipaddress.ip_network((addr % (1 << 32), plen % 33),
                                                            strict=False)),
    st.booleans(), st.integers(0, (1 << 128) - 1), st.integers(0, 128))
small_nets = st.builds(  # dense: many overlaps
    lambda third, plen: ipaddress.ip_network((0x0A000000 + third * 256, plen), strict=False),
    st.integers(0, 15), st.integers(16, 32))


@settings(max_examples=300, deadline=None)
@given(st.lists(st.one_of(nets, small_nets), max_size=25),
       st.lists(st.one_of(nets, small_nets), max_size=25))
def test_cross_overlaps_equals_comparing_every_pair(probes: list, targets: list) -> None:
    got = sorted((p, t) for p, _, t in _cross_overlaps(
        [(n, i) for i, n in enumerate(probes)], [(n, j) for j, n in enumerate(targets)]))
    expected = sorted((i, j) for i, p in enumerate(probes) for j, t in enumerate(targets)
                      if p.version == t.version and p.overlaps(t))
    assert got == expected
