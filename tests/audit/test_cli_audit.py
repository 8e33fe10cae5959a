"""`greios audit`: path handling, formats, exit codes, secrets (runs the real engine)."""

from __future__ import annotations

import importlib.util
import json
import re
import shutil
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from greios.app.audit import collect_files
from greios.cli import main

REPO = Path(__file__).resolve().parents[2]
HAS_ENGINE = importlib.util.find_spec("greios.audit.engine") is not None
needs_engine = pytest.mark.skipif(not HAS_ENGINE, reason="greios.audit.engine not built yet")

PSK_A = "Tokyo-Osaka-PSK-8f2k1"
PSK_B = "Osaka-Tokyo-PSK-zz9q7"  # differs: the pair cannot authenticate
ENABLE = "EnableSecret-77xq"


def _router(name: str, wan: str, peer: str, tun: str, psk: str) -> str:
    return f"""!
hostname {name}
!
enable secret 0 {ENABLE}
username admin privilege 15 password 0 Adm1n-Pass-{name}
!
crypto isakmp policy 10
 encr aes 256
 hash sha256
 authentication pre-share
 group 14
crypto isakmp key {psk} address {peer}
!
crypto ipsec transform-set TS esp-aes 256 esp-sha256-hmac
 mode transport
!
crypto ipsec profile PROT
 set transform-set TS
 set pfs group14
!
interface Tunnel100
 description to peer
 ip address {tun} 255.255.255.252
 ip mtu 1400
 ip tcp adjust-mss 1360
 tunnel source GigabitEthernet0/0
 tunnel destination {peer}
 tunnel protection ipsec profile PROT
!
interface GigabitEthernet0/0
 ip address {wan} 255.255.255.0
!
ip route 0.0.0.0 0.0.0.0 {wan.rsplit('.', 1)[0]}.254
!
end
"""


@pytest.fixture
def configs(tmp_path: Path) -> Path:
    d = tmp_path / "configs"
    (d / "sub").mkdir(parents=True)
    (d / "tokyo.cfg").write_text(_router("tokyo", "198.51.100.1", "203.0.113.1",
                                         "10.0.0.1", PSK_A))
    (d / "sub" / "osaka").write_text(_router("osaka", "203.0.113.1", "198.51.100.1",
                                             "10.0.0.2", PSK_B))
    return d


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(["audit", *args])
    out, err = capsys.readouterr()
    return code, out, err


# --- paths (no engine needed) -------------------------------------------------------------


def test_unknown_path_is_exit_1(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    missing = tmp_path / "nope.cfg"
    code, out, err = run(capsys, str(missing))
    assert code == 1
    assert err.strip() == f"error: no such file or directory: {missing}"
    assert out == ""


def test_empty_directory_is_an_error(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    empty = tmp_path / "empty"
    empty.mkdir()
    (empty / "notes.md").write_text("# not a config\n")
    code, _, err = run(capsys, str(empty))
    assert code == 1
    assert err.startswith("error: no config files") and str(empty) in err


def test_bad_format_is_usage_error(capsys: pytest.CaptureFixture[str], configs: Path) -> None:
    code, _, _ = run(capsys, str(configs), "--format", "csv")
    assert code == 64


def test_collect_files_filters_and_sorts(tmp_path: Path) -> None:
    for rel in ("b.cfg", "a.conf", "c.ios", "d.txt", "e", "sub/f.cfg", "skip.md", "x.json",
                ".hidden", ".git/config", "sub/.cache/g.cfg"):
        p = tmp_path / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text("hostname x\n")
    single = tmp_path / "skip.md"
    got = [p.relative_to(tmp_path).as_posix() for p in collect_files([tmp_path, single])]
    assert got == ["a.conf", "b.cfg", "c.ios", "d.txt", "e", "sub/f.cfg", "skip.md"]


def test_binary_file_is_rejected(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    f = tmp_path / "image.cfg"
    f.write_bytes(b"\x89PNG\x00\x00\x00")
    code, _, err = run(capsys, str(f))
    assert code == 1
    assert "binary" in err and str(f) in err


# --- with the engine ----------------------------------------------------------------------


@needs_engine
def test_json_report_exit_3_on_errors(capsys: pytest.CaptureFixture[str],
                                      configs: Path) -> None:
    code, out, err = run(capsys, str(configs), "--format", "json")
    doc = json.loads(out)
    assert sorted(d["device"] for d in doc["devices"]) == ["osaka", "tokyo"]
    errors = [f for f in doc["findings"] if f["severity"] == "error"]
    assert errors, doc["findings"]
    assert code == 3
    assert err.startswith("error: audit:") and "--fail-on error" in err
    statuses = {s["status"] for s in doc["sessions"]}
    assert "IKE_PHASE1_KEY_MISMATCH" in statuses


@needs_engine
def test_fail_on_never_exits_0(capsys: pytest.CaptureFixture[str], configs: Path) -> None:
    code, out, _ = run(capsys, str(configs), "--fail-on", "never")
    assert code == 0
    assert "Summary:" in out


@needs_engine
def test_output_file_and_stderr_summary(capsys: pytest.CaptureFixture[str], configs: Path,
                                        tmp_path: Path) -> None:
    target = tmp_path / "report.xml"
    code, out, err = run(capsys, str(configs), "-f", "junit", "-o", str(target),
                         "--fail-on", "never")
    assert code == 0
    assert out == ""
    assert f"junit report written to {target}" in err and "2 devices" in err
    ET.fromstring(target.read_text())


@needs_engine
def test_select_and_ignore(capsys: pytest.CaptureFixture[str], configs: Path) -> None:
    _, out, _ = run(capsys, str(configs), "-f", "json", "--select", "SEC", "--fail-on", "never")
    rules = {f["rule"] for f in json.loads(out)["findings"]}
    assert rules and all(r.startswith("SEC-") for r in rules)
    _, out, _ = run(capsys, str(configs), "-f", "json", "--ignore", "SEC", "--ignore", "OPS",
                    "--fail-on", "never")
    rules = {f["rule"] for f in json.loads(out)["findings"]}
    assert not any(r.startswith(("SEC-", "OPS-")) for r in rules)


@needs_engine
@pytest.mark.parametrize("fmt", ["table", "md", "html", "json", "junit", "sarif"])
def test_no_secret_in_any_format(capsys: pytest.CaptureFixture[str], configs: Path,
                                 fmt: str) -> None:
    code, out, err = run(capsys, str(configs), "-f", fmt)
    assert code in (0, 3)
    for secret in (PSK_A, PSK_B, ENABLE, "Adm1n-Pass-tokyo", "Adm1n-Pass-osaka"):
        assert secret not in out and secret not in err, (fmt, secret)
    assert "tokyo" in out


@needs_engine
def test_fixture_crypto_ipsec_sessions(capsys: pytest.CaptureFixture[str],
                                       ios_fixtures: Path) -> None:
    """tests/fixtures/ios/ikev1-triangle (see its README.md): SARIF points at the files and
    lines, the JSON carries the verdicts, no PSK of the three configs leaks."""
    src = ios_fixtures / "ikev1-triangle"
    psks = {m.group(1) for f in src.glob("*.cfg")
            for m in re.finditer(r"pre-shared-key address \S+ key (\S+)", f.read_text())}
    assert len(psks) == 5
    code, sarif, _ = run(capsys, str(src), "-f", "sarif", "--fail-on", "never")
    assert code == 0
    run_ = json.loads(sarif)["runs"][0]
    locs = [loc["physicalLocation"] for r in run_["results"] for loc in r["locations"]
            if "physicalLocation" in loc]
    uris = {loc["artifactLocation"]["uri"] for loc in locs}
    assert {u.rsplit("/", 1)[-1] for u in uris} == {"wan-a.cfg", "wan-b.cfg", "wan-c.cfg"}
    pair006 = [r for r in run_["results"] if r["ruleId"] == "PAIR-006"]
    assert len(pair006) == 1
    (loc,) = [x["physicalLocation"] for x in pair006[0]["locations"] if "physicalLocation" in x]
    assert loc["artifactLocation"]["uri"].endswith("wan-b.cfg")
    assert loc["region"]["startLine"] == 106  # interface Tunnel21
    code, js, _ = run(capsys, str(src), "-f", "json", "--fail-on", "error")
    assert code != 0  # PAIR-006 is an error
    status = {(s["device"], s["interface"]): s["status"] for s in json.loads(js)["sessions"]}
    assert list(status.values()).count("IPSEC_SESSION_ESTABLISHED") == 6
    assert status[("wan-b", "Tunnel21")] == "IPSEC_PHASE2_FAILED"
    for secret in psks:
        assert secret not in sarif and secret not in js


@needs_engine
def test_corpus_crypto_ipsec_sessions(capsys: pytest.CaptureFixture[str],
                                      corpus_dir: Path, tmp_path: Path) -> None:
    """batfish/batfish ios-crypto-ipsec testrig (see ../shared/corpus/README.md)."""
    src = corpus_dir / "batfish-ios-crypto-ipsec" / "configs"
    code, out, _ = run(capsys, str(src), "-f", "sarif", "--fail-on", "never")
    assert code == 0
    run_ = json.loads(out)["runs"][0]
    uris = {loc["physicalLocation"]["artifactLocation"]["uri"]
            for r in run_["results"] for loc in r["locations"] if "physicalLocation" in loc}
    assert uris and all(u.startswith(("file:///", str(src).lstrip("/"))) or "configs/r" in u
                        for u in uris)
    for secret in ("psk1", "psk2", "psk3", "psk4", "psk5"):
        assert f" {secret}" not in out and f'"{secret}"' not in out


@needs_engine
def test_inventory_snapshots(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    sites = tmp_path / "sites"
    shutil.copytree(REPO / "sites", sites)
    code, out, err = run(capsys, "--sites", str(sites), "-f", "json", "--fail-on", "never")
    assert code == 0, err
    devices = {d["device"] for d in json.loads(out)["devices"]}
    assert "tokyo-rtr1" in devices and "vyostok1" in devices and len(devices) == 9


@needs_engine
@pytest.mark.slow
def test_intended_reports_change_without_secrets(capsys: pytest.CaptureFixture[str],
                                                 tmp_path: Path,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    from greios.overlay import load_inventory
    from greios.secrets import env_name
    from greios.topology import expand_topology

    sites = tmp_path / "sites"
    shutil.copytree(REPO / "sites", sites)
    pairs, _ = expand_topology(load_inventory(sites))
    keys = {}
    for i, pair in enumerate(pairs):
        keys[pair.key] = f"IntendedPsk{i}x7Qm2Lw9Zr4Tb-0123456789abcdefXYZ"
        monkeypatch.setenv(env_name(pair.key), keys[pair.key])
    files_before = sorted(p.name for p in sites.rglob("*"))
    code, out, err = run(capsys, "--sites", str(sites), "--intended", "-f", "json",
                         "--fail-on", "never")
    assert code == 0, err
    doc = json.loads(out)
    assert doc["title"] == "greios pre-change audit"
    change = doc["change"]
    assert change is not None
    # greios adds the overlay's tunnels: both ends of every encrypted pair (5 of the 6; the
    # VyOS example pair is plain GRE)
    after = [x for x in change["sessions_after"] if x["status"] == "IPSEC_SESSION_ESTABLISHED"]
    before = [x for x in change["sessions_before"]
              if x["status"] == "IPSEC_SESSION_ESTABLISHED"]
    encrypted = [p for p in pairs if p.encrypted]
    assert len(encrypted) == 5
    assert len(after) - len(before) == 2 * len(encrypted), change["sessions_after"]
    assert sorted(p.name for p in sites.rglob("*")) == files_before  # nothing written
    for key in keys.values():
        assert key not in out and key not in err


@needs_engine
def test_waivers_from_project_file(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    sites = tmp_path / "sites"
    shutil.copytree(REPO / "sites", sites)
    project = sites / "greios.yaml"
    project.write_text(project.read_text().replace(
        "waivers: {}", "waivers:\n  singapore-rtr1: [SEC, OPS-003]"))
    code, out, err = run(capsys, "--sites", str(sites), "-f", "json", "--fail-on", "never")
    assert code == 0, err
    doc = json.loads(out)
    waived = doc["waived"]
    assert waived and {w["device"] for w in waived} == {"singapore-rtr1"}
    assert all(w["rule"].startswith("SEC-") or w["rule"] == "OPS-003" for w in waived)
    assert not [f for f in doc["findings"] if f["device"] == "singapore-rtr1"
                and (f["rule"].startswith("SEC-") or f["rule"] == "OPS-003")]
