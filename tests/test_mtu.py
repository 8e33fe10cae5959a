"""greios.mtu against every figure of gre-ipsec-reference.md §2.4-§2.7, plus `greios mtu`.

The tables below are copied from /work/shared/docs/gre-ipsec-reference.md (§2.5, §2.6, §2.7);
those figures were packet-verified with scapy there, and tests/test_mtu_packets.py re-checks
the formula against real encrypted packets here.
"""

from __future__ import annotations

import doctest
import json
import re
from collections.abc import Mapping
from dataclasses import asdict
from pathlib import Path

import pytest

import greios.mtu
from greios.cli import main
from greios.errors import ExitCode, GreiosError
from greios.mtu import (
    MtuInput,
    MtuInputError,
    compute,
    outer_packet_size,
    suite_from_transform,
)

# (label, encryption, integrity) for each row of the reference tables
CBC = ("aes-cbc-128", "aes-cbc-192", "aes-cbc-256")
SUITES: dict[str, list[tuple[str, str]]] = {
    "cbc-sha1": [(c, "sha1") for c in CBC],
    "cbc-sha256": [(c, "sha256") for c in CBC],
    "cbc-sha384": [(c, "sha384") for c in CBC],
    "cbc-sha512": [(c, "sha512") for c in CBC],
    "gcm": [("aes-gcm-128", "none"), ("aes-gcm-256", "none")],
    "gmac": [("aes-gmac", "none")],
    "3des-sha1": [("3des", "sha1")],
    "des-md5": [("des", "md5")],
    "null-sha1": [("null", "sha1")],
}

# §2.6 IPv4: transport, tunnel, transport+NAT-T, tunnel+NAT-T, transport+GRE key, MSS(transport)
IPV4_TABLE: dict[int, dict[str, tuple[int, int, int, int, int, int]]] = {
    1500: {
        "cbc-sha1": (1434, 1414, 1418, 1398, 1430, 1394),
        "cbc-sha256": (1434, 1414, 1418, 1398, 1430, 1394),
        "cbc-sha384": (1418, 1398, 1418, 1398, 1414, 1378),
        "cbc-sha512": (1418, 1398, 1402, 1382, 1414, 1378),
        "gcm": (1442, 1422, 1434, 1414, 1438, 1402),
        "gmac": (1442, 1422, 1434, 1414, 1438, 1402),
        "3des-sha1": (1442, 1422, 1434, 1414, 1438, 1402),
        "des-md5": (1442, 1422, 1434, 1414, 1438, 1402),
        "null-sha1": (1454, 1434, 1446, 1426, 1450, 1414),
    },
    9000: {
        "cbc-sha1": (8938, 8918, 8922, 8902, 8934, 8898),
        "cbc-sha256": (8922, 8902, 8922, 8902, 8918, 8882),
        "cbc-sha384": (8922, 8902, 8906, 8886, 8918, 8882),
        "cbc-sha512": (8906, 8886, 8906, 8886, 8902, 8866),
        "gcm": (8942, 8922, 8934, 8914, 8938, 8902),
        "gmac": (8942, 8922, 8934, 8914, 8938, 8902),
        "3des-sha1": (8946, 8926, 8938, 8918, 8942, 8906),
        "des-md5": (8946, 8926, 8938, 8918, 8942, 8906),
        "null-sha1": (8954, 8934, 8946, 8926, 8950, 8914),
    },
}
# §2.6 IPv6 underlay: 1500 transport, 1500 tunnel, 9000 transport, 9000 tunnel
IPV6_TABLE = {
    "cbc-sha1": (1418, 1378, 8906, 8866),
    "cbc-sha256": (1402, 1362, 8906, 8866),
    "cbc-sha384": (1402, 1362, 8906, 8866),
    "cbc-sha512": (1386, 1346, 8890, 8850),
    "gcm": (1422, 1382, 8922, 8882),
    "3des-sha1": (1426, 1386, 8922, 8882),
    "null-sha1": (1434, 1394, 8934, 8894),
}
# §2.6 VTI: 1500, 1500+NAT-T, 9000, 9000+NAT-T
VTI_TABLE = {
    "gcm": (1446, 1438, 8946, 8938),
    "cbc-sha256": (1438, 1422, 8926, 8926),
    "cbc-sha1": (1438, 1422, 8942, 8926),
}
# §2.5: outer size of a 1400-byte inner packet (IPv4, no key, no NAT-T): transport, tunnel
OUTER_1400 = {
    "cbc-sha1": (1464, 1496),
    "cbc-sha256": (1468, 1500),
    "cbc-sha384": (1476, 1508),
    "cbc-sha512": (1484, 1516),
    "gcm": (1460, 1480),
    "gmac": (1460, 1480),
    "3des-sha1": (1456, 1480),
    "null-sha1": (1448, 1468),
}


def _cases(table: Mapping[str, tuple[int, ...]]) -> list[tuple[str, str, str, tuple[int, ...]]]:
    return [(label, enc, integ, row) for label, row in table.items()
            for enc, integ in SUITES[label]]


def _inp(enc: str, integ: str, **kw: object) -> MtuInput:
    return MtuInput(encryption=enc, integrity=integ, **kw)  # type: ignore[arg-type]


@pytest.mark.parametrize("mtu", [1500, 9000])
@pytest.mark.parametrize(("label", "enc", "integ", "row"), _cases(IPV4_TABLE[1500]))
def test_ipv4_tables(mtu: int, label: str, enc: str, integ: str, row: tuple[int, ...]) -> None:
    transport, tunnel, transport_natt, tunnel_natt, transport_key, mss = IPV4_TABLE[mtu][label]
    got = {
        "transport": compute(_inp(enc, integ, underlay_mtu=mtu)).max_ip_mtu,
        "tunnel": compute(_inp(enc, integ, underlay_mtu=mtu, mode="tunnel")).max_ip_mtu,
        "transport+natt": compute(_inp(enc, integ, underlay_mtu=mtu, nat_t=True)).max_ip_mtu,
        "tunnel+natt": compute(
            _inp(enc, integ, underlay_mtu=mtu, mode="tunnel", nat_t=True)).max_ip_mtu,
        "transport+key": compute(_inp(enc, integ, underlay_mtu=mtu, gre_key=True)).max_ip_mtu,
        "mss": compute(_inp(enc, integ, underlay_mtu=mtu)).max_tcp_mss,
    }
    assert got == {"transport": transport, "tunnel": tunnel, "transport+natt": transport_natt,
                   "tunnel+natt": tunnel_natt, "transport+key": transport_key, "mss": mss}


@pytest.mark.parametrize(("label", "enc", "integ", "row"), _cases(IPV6_TABLE))
def test_ipv6_table(label: str, enc: str, integ: str, row: tuple[int, ...]) -> None:
    got = tuple(
        compute(_inp(enc, integ, underlay_mtu=mtu, mode=mode, ipv6_underlay=True)).max_ip_mtu
        for mtu in (1500, 9000) for mode in ("transport", "tunnel")
    )
    assert got == row


@pytest.mark.parametrize(("label", "enc", "integ", "row"), _cases(VTI_TABLE))
def test_vti_table(label: str, enc: str, integ: str, row: tuple[int, ...]) -> None:
    got = tuple(
        compute(_inp(enc, integ, underlay_mtu=mtu, vti=True, mode="tunnel",
                     nat_t=natt)).max_ip_mtu
        for mtu in (1500, 9000) for natt in (False, True)
    )
    assert got == row


@pytest.mark.parametrize(("label", "enc", "integ", "row"), _cases(OUTER_1400))
def test_outer_size_of_1400_byte_packet(label: str, enc: str, integ: str,
                                        row: tuple[int, ...]) -> None:
    got = tuple(outer_packet_size(1400, _inp(enc, integ, mode=m)) for m in ("transport", "tunnel"))
    assert got == row


def test_byte_by_byte_examples_of_section_2_5() -> None:
    cbc = _inp("aes-cbc-256", "sha256")
    assert outer_packet_size(1400, cbc) == 20 + 8 + 16 + (4 + 1400 + 2 + 2) + 16 == 1468
    cbc_tun = _inp("aes-cbc-256", "sha256", mode="tunnel")
    assert outer_packet_size(1400, cbc_tun) == 20 + 8 + 16 + (20 + 4 + 1400 + 14 + 2) + 16
    assert outer_packet_size(1400, MtuInput()) == 20 + 8 + 8 + (4 + 1400 + 2 + 2) + 16 == 1460


# §2.7: a 1400-byte inner packet exceeds 1500 in exactly these IPv4 combinations
UNSAFE_1400 = {
    ("cbc-sha1", "tunnel", True, False): 1504,
    ("cbc-sha1", "tunnel", True, True): 1504,
    ("cbc-sha256", "tunnel", True, False): 1508,
    ("cbc-sha256", "tunnel", True, True): 1508,
    ("cbc-sha384", "tunnel", False, False): 1508,
    ("cbc-sha384", "tunnel", False, True): 1508,
    ("cbc-sha384", "tunnel", True, False): 1516,
    ("cbc-sha384", "tunnel", True, True): 1516,
    ("cbc-sha512", "tunnel", False, False): 1516,
    ("cbc-sha512", "tunnel", False, True): 1516,
    ("cbc-sha512", "tunnel", True, False): 1524,
    ("cbc-sha512", "tunnel", True, True): 1524,
    ("cbc-sha512", "transport", True, True): 1508,
}


def test_where_ip_mtu_1400_is_unsafe() -> None:
    unsafe = {}
    for label, suites in SUITES.items():
        enc, integ = suites[-1]
        for mode in ("transport", "tunnel"):
            for natt in (False, True):
                for key in (False, True):
                    inp = _inp(enc, integ, mode=mode, nat_t=natt, gre_key=key)
                    size = outer_packet_size(1400, inp)
                    assert (size > 1500) == (compute(inp).max_ip_mtu < 1400)
                    if size > 1500:
                        unsafe[(label, mode, natt, key)] = size
    assert unsafe == UNSAFE_1400


def test_ipv6_underlay_1400_unsafe_for_every_tunnel_mode_suite() -> None:
    for label, suites in SUITES.items():
        enc, integ = suites[0]
        assert compute(_inp(enc, integ, ipv6_underlay=True, mode="tunnel")).max_ip_mtu < 1400
        transport = compute(_inp(enc, integ, ipv6_underlay=True)).max_ip_mtu
        assert (transport < 1400) == (label == "cbc-sha512"), label


def test_plain_gre_seed_figures() -> None:
    r = compute(MtuInput(encryption="none"))
    assert (r.max_ip_mtu, r.max_df_ping_payload, r.max_tcp_mss) == (1476, 1448, 1436)
    assert r.overhead == 24
    assert outer_packet_size(r.max_ip_mtu, r.input) == 1500
    assert outer_packet_size(1449 + 28, r.input) == 1501
    key = compute(MtuInput(encryption="none", gre_key=True))
    assert (key.max_ip_mtu, key.max_tcp_mss) == (1472, 1432)
    v6 = compute(MtuInput(encryption="none", ipv6_underlay=True))
    assert (v6.max_ip_mtu, v6.max_tcp_mss) == (1456, 1416)
    all_opts = compute(MtuInput(encryption="none", gre_key=True, gre_sequence=True,
                                gre_checksum=True))
    assert all_opts.max_ip_mtu == 1500 - 20 - 16


def test_recommended_values_round_down_to_multiple_of_8() -> None:
    gcm = compute(MtuInput())
    assert (gcm.max_ip_mtu, gcm.recommended_ip_mtu, gcm.recommended_tcp_mss) == (1442, 1440, 1400)
    plain = compute(MtuInput(encryption="none"))
    assert (plain.recommended_ip_mtu, plain.recommended_tcp_mss) == (1472, 1432)
    for mtu in range(1280, 1600, 7):
        r = compute(MtuInput(underlay_mtu=mtu, encryption="aes-cbc-192", mode="tunnel"))
        assert r.recommended_ip_mtu % 8 == 0
        assert r.max_ip_mtu - 8 < r.recommended_ip_mtu <= r.max_ip_mtu


def test_integrity_auto() -> None:
    assert MtuInput().effective_integrity == "none"
    assert MtuInput(encryption="aes-cbc-256").effective_integrity == "sha256"
    assert MtuInput(encryption="none").effective_integrity == "none"
    auto = compute(MtuInput(encryption="aes-cbc-256"))
    assert auto.max_ip_mtu == compute(_inp("aes-cbc-256", "sha256")).max_ip_mtu


def test_overhead_is_not_a_constant() -> None:
    sha1 = [compute(_inp("aes-cbc-256", "sha1", underlay_mtu=m)).overhead for m in (1500, 9000)]
    sha256 = [compute(_inp("aes-cbc-256", "sha256", underlay_mtu=m)).overhead for m in (1500, 9000)]
    assert sha1 == [66, 62]
    assert sha256 == [66, 78]


@pytest.mark.parametrize("inp", [
    MtuInput(),
    MtuInput(encryption="none", gre_key=True, gre_checksum=True),
    MtuInput(encryption="aes-cbc-256", integrity="sha512", mode="tunnel", nat_t=True,
             gre_key=True, gre_sequence=True, ipv6_underlay=True, underlay_mtu=1492),
    MtuInput(encryption="null", integrity="md5", vti=True, mode="tunnel", underlay_mtu=9000),
    MtuInput(encryption="3des", integrity="sha384", underlay_mtu=577),
])
def test_breakdown_adds_up_to_overhead(inp: MtuInput) -> None:
    r = compute(inp)
    assert sum(c.bytes for c in r.breakdown) == r.overhead == inp.underlay_mtu - r.max_ip_mtu
    assert all(c.bytes >= 0 and c.name and c.note for c in r.breakdown)
    # the packet of max size fills the underlay up to the alignment slack
    slack = sum(c.bytes for c in r.breakdown if c.name.startswith("unusable"))
    assert outer_packet_size(r.max_ip_mtu, inp) == inp.underlay_mtu - slack


def test_breakdown_names_each_header() -> None:
    r = compute(_inp("aes-cbc-256", "sha256", mode="tunnel", nat_t=True, gre_key=True))
    rows = {c.name: c.bytes for c in r.breakdown}
    assert rows == {
        "outer IPv4 header": 20, "NAT-T UDP header": 8, "ESP header": 8, "ESP IV": 16,
        "tunnel-mode IPv4 header": 20, "GRE header": 4, "GRE key": 4,
        "ESP padding (at max size)": 0, "ESP trailer": 2, "ESP ICV": 16,
        "unusable (alignment)": 8,
    }
    plain = [c.name for c in compute(MtuInput(encryption="none", gre_sequence=True)).breakdown]
    assert plain == ["outer IPv4 header", "GRE header", "GRE sequence number"]


@pytest.mark.parametrize(("inp", "fragment"), [
    (_inp("aes-gcm-256", "sha256"), "integrity must be 'none'"),
    (_inp("aes-gmac", "sha1"), "integrity must be 'none'"),
    (_inp("null", "none"), "protects nothing"),
    (MtuInput(underlay_mtu=575), "outside 576..9216"),
    (MtuInput(underlay_mtu=9217), "outside 576..9216"),
    (MtuInput(underlay_mtu=1279, ipv6_underlay=True), "outside 1280..9216 for an IPv6"),
    (MtuInput(encryption="none", vti=True), "VTI"),
    (MtuInput(encryption="none", nat_t=True), "NAT-T"),
    (MtuInput(encryption="none", mode="tunnel"), "tunnel mode"),
    (_inp("none", "sha1"), "needs IPsec"),
    (_inp("rot13", "none"), "unknown encryption"),
])
def test_impossible_combinations(inp: MtuInput, fragment: str) -> None:
    with pytest.raises(MtuInputError, match=fragment) as info:
        compute(inp)
    assert isinstance(info.value, GreiosError)
    assert "\n" not in str(info.value)
    with pytest.raises(MtuInputError):
        outer_packet_size(1000, inp)


def test_boundaries_accepted() -> None:
    assert compute(MtuInput(underlay_mtu=576, encryption="aes-cbc-256", integrity="sha512",
                            mode="tunnel", nat_t=True)).max_ip_mtu > 0
    assert compute(MtuInput(underlay_mtu=9216)).max_ip_mtu == 9216 - 58
    assert compute(MtuInput(underlay_mtu=1280, ipv6_underlay=True)).max_ip_mtu > 0
    with pytest.raises(ValueError, match=">= 0"):
        outer_packet_size(-1, MtuInput())


def test_warnings() -> None:
    def warns(inp: MtuInput) -> str:
        return " | ".join(compute(inp).warnings)

    assert warns(MtuInput()) == ""
    assert "without integrity" in warns(_inp("aes-cbc-128", "none"))
    assert "obsolete" in warns(_inp("3des", "sha1"))
    assert "MD5" in warns(_inp("aes-cbc-256", "md5"))
    assert "no confidentiality" in warns(_inp("null", "sha256"))
    assert "transport' mode was ignored" in warns(MtuInput(vti=True))
    assert warns(MtuInput(vti=True, mode="tunnel")) == ""
    assert "GRE key, checksum ignored" in warns(
        MtuInput(vti=True, mode="tunnel", gre_key=True, gre_checksum=True))
    assert "cannot carry IPv6" in warns(MtuInput(underlay_mtu=1300))
    # VTI ignores the GRE options and the transport mode in the arithmetic too
    assert compute(MtuInput(vti=True, gre_key=True)).max_ip_mtu == compute(
        MtuInput(vti=True, mode="tunnel")).max_ip_mtu == 1446


@pytest.mark.parametrize(("words", "expected"), [
    (["esp-gcm", "256"], ("aes-gcm-256", "none")),
    (["esp-gcm"], ("aes-gcm-128", "none")),
    (["esp-gcm", "128"], ("aes-gcm-128", "none")),
    (["esp-aes", "256", "esp-sha256-hmac"], ("aes-cbc-256", "sha256")),
    (["esp-aes", "192", "esp-sha384-hmac"], ("aes-cbc-192", "sha384")),
    (["esp-aes", "esp-sha-hmac"], ("aes-cbc-128", "sha1")),
    (["esp-sha512-hmac", "esp-aes", "256"], ("aes-cbc-256", "sha512")),
    (["esp-3des", "esp-md5-hmac"], ("3des", "md5")),
    (["esp-des", "esp-sha-hmac"], ("des", "sha1")),
    (["esp-null", "esp-sha-hmac"], ("null", "sha1")),
    (["ESP-AES", "256"], ("aes-cbc-256", "none")),
    (["esp-gmac", "256"], ("aes-gmac", "none")),
])
def test_suite_from_transform(words: list[str], expected: tuple[str, str]) -> None:
    assert suite_from_transform(words) == expected


def test_suite_from_transform_feeds_compute() -> None:
    enc, integ = suite_from_transform(["esp-3des", "esp-sha-hmac"])
    assert compute(MtuInput(encryption=enc, integrity=integ)).max_ip_mtu == 1442
    enc, integ = suite_from_transform(["esp-gmac"])
    assert compute(MtuInput(encryption=enc, integrity=integ, mode="tunnel")).max_ip_mtu == 1422


@pytest.mark.parametrize("words", [
    [], ["esp-sha-hmac"], ["esp-aes", "512"], ["esp-seal"], ["ah-sha-hmac", "esp-aes"],
    ["esp-aes", "esp-3des"], ["esp-aes", "esp-sha-hmac", "esp-md5-hmac"],
    ["esp-gcm", "256", "esp-sha-hmac"], ["comp-lzs"],
])
def test_suite_from_transform_rejects(words: list[str]) -> None:
    with pytest.raises(ValueError):
        suite_from_transform(words)


def test_docstring_examples() -> None:
    result = doctest.testmod(greios.mtu, optionflags=doctest.ELLIPSIS)
    assert result.attempted >= 15
    assert result.failed == 0


# ---- the `greios mtu` command -----------------------------------------------------------


def _run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(["mtu", *args])
    out, err = capsys.readouterr()
    return code, out, err


def test_cli_json(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = _run(capsys, "--json")
    assert (code, err) == (0, "")
    data = json.loads(out)
    expected = compute(MtuInput())
    for field in ("max_ip_mtu", "max_tcp_mss", "recommended_ip_mtu", "recommended_tcp_mss",
                  "max_df_ping_payload", "overhead"):
        assert data[field] == getattr(expected, field)
    assert data["max_ip_mtu"] == 1442
    assert data["breakdown"] == [asdict(c) for c in expected.breakdown]
    assert data["input"]["encryption"] == "aes-gcm-256"
    assert data["input"]["integrity"] == "none"
    assert data["warnings"] == []


def test_cli_json_all_options(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = _run(capsys, "--json", "--underlay-mtu", "9000", "--ipv6-underlay",
                        "--encryption", "aes-cbc-256", "--integrity", "sha384", "--mode",
                        "tunnel", "--nat-t", "--gre-key", "--gre-sequence", "--gre-checksum")
    assert code == 0
    data = json.loads(out)
    inp = MtuInput(underlay_mtu=9000, ipv6_underlay=True, encryption="aes-cbc-256",
                   integrity="sha384", mode="tunnel", nat_t=True, gre_key=True,
                   gre_sequence=True, gre_checksum=True)
    assert data["max_ip_mtu"] == compute(inp).max_ip_mtu
    assert data["input"] == {**asdict(inp), "integrity": "sha384"}


def test_cli_vti_defaults_to_tunnel_mode(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = _run(capsys, "--json", "--vti")
    data = json.loads(out)
    assert (code, data["max_ip_mtu"], data["input"]["mode"], data["warnings"]) == (
        0, 1446, "tunnel", [])
    code, out, _ = _run(capsys, "--json", "--vti", "--mode", "transport")
    assert code == 0
    assert any("transport' mode was ignored" in w for w in json.loads(out)["warnings"])


def test_cli_human_output(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = _run(capsys, "--encryption", "none")
    assert (code, err) == (0, "")
    for needle in ("outer IPv4 header", "GRE header", "1476", "ip mtu 1472",
                   "ip tcp adjust-mss 1432", "ping -M do -s 1448", "size 1476 df-bit"):
        assert needle in out, needle
    code, out, _ = _run(capsys, "--encryption", "3des", "--integrity", "md5")
    assert code == 0
    assert "ESP IV" in out
    assert "obsolete" in out
    assert "ip mtu 1440" in out


@pytest.mark.parametrize(("args", "fragment"), [
    (["--encryption", "aes-gcm-128", "--integrity", "sha1"], "integrity must be 'none'"),
    (["--underlay-mtu", "100"], "outside 576..9216"),
    (["--encryption", "none", "--vti"], "VTI"),
    (["--encryption", "null", "--integrity", "none"], "protects nothing"),
])
def test_cli_invalid_combination(capsys: pytest.CaptureFixture[str], args: list[str],
                                 fragment: str) -> None:
    code, out, err = _run(capsys, *args)
    assert code == ExitCode.ERROR
    assert err.startswith("error: ")
    assert fragment in err
    assert len(err.strip().splitlines()) == 1
    assert out == ""


@pytest.mark.parametrize("args", [
    ["--encryption", "aes-ctr"], ["--integrity", "sha3"], ["--mode", "beet"],
    ["--underlay-mtu", "big"], ["--frobnicate"],
])
def test_cli_usage_errors(capsys: pytest.CaptureFixture[str], args: list[str]) -> None:
    code, _, err = _run(capsys, *args)
    assert code == ExitCode.USAGE
    assert err


def test_singapore_snapshot_legacy_tunnel(repo_dir: Path) -> None:
    """sites/snapshots/singapore-rtr1.cfg: the legacy 3DES/MD5 tunnel-mode tunnel (README)."""
    text = (repo_dir / "sites" / "snapshots" / "singapore-rtr1.cfg").read_text()
    found = re.search(r"^crypto ipsec transform-set LEGACY-TS (.+)\n mode (\w+)$", text, re.M)
    assert found is not None
    enc, integ = suite_from_transform(found.group(1).split())
    result = compute(MtuInput(encryption=enc, integrity=integ, mode=found.group(2)))  # type: ignore[arg-type]
    assert (enc, integ, result.max_ip_mtu) == ("3des", "md5", 1422)
    assert "obsolete" in " ".join(result.warnings)


def test_docs_examples_are_real_output(repo_dir: Path, capsys: pytest.CaptureFixture[str],
                                       monkeypatch: pytest.MonkeyPatch) -> None:
    """Every `$ greios mtu ...` block pasted in docs/mtu.md is what the command prints."""
    monkeypatch.setenv("COLUMNS", "80")
    doc = (repo_dir / "docs" / "mtu.md").read_text()
    blocks = re.findall(r"^```\n\$ greios (mtu[^\n;]*)\n(.*?)\n```$", doc, re.M | re.S)
    assert len(blocks) >= 6
    for command, expected in blocks:
        code = main(command.split())
        out, _ = capsys.readouterr()
        assert code == 0, command
        assert out.rstrip("\n") == expected, command


def test_one_crypto_vocabulary_for_inventory_intent_mtu_and_cli() -> None:
    """#9 item 5: inventory, intent and mtu share greios.crypto_vocab; the CLI's choices (an
    Enum, kept standard-library only for start-up) offer exactly its words minus aes-gmac."""
    from typing import get_args

    from greios import crypto_vocab as vocab
    from greios.commands.mtu import EncryptionChoice, IntegrityChoice, ModeChoice
    from greios.intent import ESP_ENCR, ESP_HMAC, IKEV1_ENCR
    from greios.inventory.models import IkeSettings, IpsecSettings

    assert greios.mtu.ENCRYPTIONS == vocab.TUNNEL_ENCRYPTIONS
    assert set(greios.mtu.ENCRYPTIONS) == {*vocab.ESP_CIPHERS, "none", "aes-gmac"}
    assert {c.value for c in EncryptionChoice} == set(vocab.TUNNEL_ENCRYPTIONS) - {"aes-gmac"}
    assert {c.value for c in IntegrityChoice} == set(vocab.ESP_INTEGRITIES)
    assert {c.value for c in ModeChoice} == set(vocab.IPSEC_MODES)
    esp = IpsecSettings.model_fields["encryption"].annotation
    assert set(get_args(esp)) == set(vocab.ESP_CIPHERS)
    ike = get_args(IkeSettings.model_fields["encryption"].annotation)[0]
    assert set(get_args(ike)) == set(vocab.IKE_CIPHERS)
    assert set(ESP_ENCR) == set(vocab.ESP_CIPHERS)
    assert set(ESP_HMAC) == set(vocab.ESP_INTEGRITIES)
    assert set(IKEV1_ENCR) == set(vocab.IKE_CIPHERS) - {"aes-gcm-256", "aes-gcm-128"}
