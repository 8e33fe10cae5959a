"""The Tokyo - Hong Kong VyOS example and a mixed IOS <-> VyOS GRE-over-IPsec pair end to
end against the background lab, through the CLI: plan -> apply (commit-confirm, verify:
tunnel up and a DF ping at the computed MTU, confirm) -> plan again shows no changes.

Real netmiko (``vyos`` device type) drives the simulated VyOS routers and real napalm
(``ios``) the IOS one, all on 127.0.0.1.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from greios.app.sources import lab_targets
from greios.cli import main
from greios.deploy.target import open_session
from greios.files import state_dir_for
from greios.lab import manager
from greios.overlay import load_inventory

pytestmark = [pytest.mark.lab, pytest.mark.slow]

#: the bundled inventory: the VyOS example pair, the mixed pair and the IOS sites
SITES = Path(__file__).resolve().parents[2] / "sites"
VYOS_AND_MIXED = ("vyostok1", "vyoshkg1", "vyososa1", "seoul-rtr1")
PSK = "LabSeoulOsakaKey0123456789abcdefghijkl"


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    sites = tmp_path / "sites"
    shutil.copytree(SITES, sites, ignore=shutil.ignore_patterns(".greios-secrets.yaml",
                                                                  ".greios"))
    monkeypatch.setenv("GREIOS_PSK_SEOUL_RTR1__VYOSOSA1", PSK)
    monkeypatch.delenv("GREIOS_STATE_DIR", raising=False)
    yield sites
    state = state_dir_for(sites) / "lab"
    if (state / "lab.json").exists():
        manager.lab_down(state)


def cli(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    text = out + err
    assert PSK not in text, "a PSK leaked into CLI output"
    return code, text


def session(sites: Path, router: str):  # type: ignore[no-untyped-def]
    inv = load_inventory(sites)
    return open_session(lab_targets(state_dir_for(sites) / "lab", [inv.router(router)])[router])


def test_vyos_and_mixed_pairs_plan_apply_verify_converge(
        project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out = cli(capsys, "plan", "--lab", "--sites", str(project))
    assert code == 0, out
    assert "local-ip '10.132.75.79'" in out
    assert "+ tunnel protection ipsec profile GREIOS-vyososa1" in out
    code, out = cli(capsys, "apply", "--lab", "--auto-approve", "--sites", str(project))
    assert code == 0, out
    assert "9 succeeded, 0 failed" in out, out
    # every router verified (tunnel up, DF ping at its computed MTU) before confirming
    for router in VYOS_AND_MIXED:
        assert f"{router}: verified; confirming the commit" in out, out
        assert f"{router}: rolling back" not in out, out
    code, out = cli(capsys, "plan", "--lab", "--sites", str(project))
    assert code == 0, out
    for router in VYOS_AND_MIXED:
        assert f"{router}: no changes" in out, out
    assert "Plan: 0 to add, 0 to change, 0 to destroy." in out, out

    # the example's numbers on the VyOS pair: tun0 u/u, MTU 1476 (1500 - 24), a DF ping
    # of 1448 bytes (ICMP payload) passes and 1449 fails
    with session(project, "vyostok1") as s:
        assert s.line_states()["tun0"].is_up
        assert s.ping("192.168.0.2", size=1476, df=True, count=2).ok
        too_big = s.ping("192.168.0.2", size=1477, df=True, count=2)
        assert not too_big.ok
        raw = s._op("ping 192.168.0.2 count 1 size 1449 do-not-fragment", "ping")
        assert "message too long, mtu=1476" in raw
    # the mixed pair: the IOS end sees its tunnel up too
    with session(project, "seoul-rtr1") as s:
        assert s.interfaces()["Tunnel100"].is_up
