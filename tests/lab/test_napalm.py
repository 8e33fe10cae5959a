"""Real napalm (ios driver) against the simulated router (napalm-ios-contract §1)."""

from __future__ import annotations

import time
from typing import Any

import pytest
from napalm.base.exceptions import MergeConfigException

from greios.platforms.ios.lab.server import LabServer

from .conftest import TUNNEL_MERGE, body, open_driver

pytestmark = pytest.mark.lab


def test_getters(napalm_ios: Any) -> None:
    facts = napalm_ios.get_facts()
    assert facts["hostname"] == "R1"
    assert facts["fqdn"] == "R1.lab.example"
    assert facts["model"] == "CSR1000V"
    assert facts["serial_number"] == "9SIMLAB0001"
    assert "17.3.4a" in facts["os_version"]
    assert facts["interface_list"] == ["Loopback0", "GigabitEthernet1", "GigabitEthernet2",
                                       "GigabitEthernet3"]
    ifs = napalm_ios.get_interfaces()
    assert ifs["GigabitEthernet1"]["is_up"] and ifs["GigabitEthernet1"]["is_enabled"]
    assert ifs["GigabitEthernet1"]["description"] == "WAN"
    assert ifs["GigabitEthernet1"]["speed"] == 1000.0
    assert not ifs["GigabitEthernet3"]["is_enabled"] and not ifs["GigabitEthernet3"]["is_up"]
    ips = napalm_ios.get_interfaces_ip()
    assert ips["GigabitEthernet1"]["ipv4"] == {"198.51.100.1": {"prefix_length": 24}}
    assert "GigabitEthernet3" not in ips


def test_merge_scp_compare_commit(lab: LabServer, napalm_ios: Any) -> None:
    napalm_ios.load_merge_candidate(config=TUNNEL_MERGE)
    assert lab.device.flash.read("merge_config.txt") == TUNNEL_MERGE.encode()
    diff = napalm_ios.compare_config()
    assert diff.splitlines()[0] == "+interface Tunnel100"
    assert "+ tunnel destination 203.0.113.2" in diff
    assert "Tunnel100" not in lab.device.running_text()  # nothing applied before commit
    napalm_ios.commit_config()
    running = napalm_ios.get_config(retrieve="running")["running"]
    assert "interface Tunnel100\n description to R2\n ip address 10.255.0.1" in running
    assert "interface Tunnel100" in lab.device.startup  # napalm's write mem
    assert "rollback_config.txt" in lab.device.flash.files
    # the same candidate again: nothing left to change
    napalm_ios.load_merge_candidate(config=TUNNEL_MERGE)
    assert napalm_ios.compare_config() == ""


def test_failed_merge_leaves_config_unchanged(lab: LabServer, napalm_ios: Any) -> None:
    before = body(lab)
    bad = TUNNEL_MERGE.replace(" tunnel destination", " tunnel destinaton")
    napalm_ios.load_merge_candidate(config=bad)
    with pytest.raises(MergeConfigException, match="Invalid input detected"):
        napalm_ios.commit_config()
    assert body(lab) == before


def test_discard_config(lab: LabServer, napalm_ios: Any) -> None:
    napalm_ios.load_merge_candidate(config=TUNNEL_MERGE)
    napalm_ios.discard_config()
    assert lab.device.flash.read("merge_config.txt") == b""
    assert napalm_ios.compare_config() == ""
    assert "Tunnel100" not in lab.device.running_text()


def test_rollback_restores_previous_config(lab: LabServer, napalm_ios: Any) -> None:
    before = body(lab)
    napalm_ios.load_merge_candidate(config=TUNNEL_MERGE)
    napalm_ios.commit_config()
    assert lab.device.running_text() != before
    napalm_ios.rollback()
    assert body(lab) == before
    assert lab.device.startup.replace("file prompt quiet\n", "") == before


def test_commit_revert_in_and_confirm(lab: LabServer, napalm_ios: Any) -> None:
    lab.device.time_scale = 5.0  # one IOS minute = 5 s
    napalm_ios.load_merge_candidate(config=TUNNEL_MERGE)
    napalm_ios.commit_config(revert_in=60)
    assert napalm_ios.has_pending_commit()
    assert "interface Tunnel100" not in lab.device.startup  # no write mem before confirm
    napalm_ios.confirm_commit()
    assert not napalm_ios.has_pending_commit()
    assert lab.device.revert is None  # the timer is cancelled
    assert "interface Tunnel100" in lab.device.running_text()
    assert "interface Tunnel100" in lab.device.startup


def test_commit_revert_in_without_confirm_reverts(lab: LabServer, napalm_ios: Any) -> None:
    lab.device.time_scale = 0.5
    before = body(lab)
    napalm_ios.load_merge_candidate(config=TUNNEL_MERGE)
    napalm_ios.commit_config(revert_in=60)
    assert "interface Tunnel100" in lab.device.running_text()
    deadline = time.monotonic() + 5
    while "interface Tunnel100" in lab.device.running_text() and time.monotonic() < deadline:
        time.sleep(0.05)
    assert body(lab) == before
    assert not napalm_ios.has_pending_commit()


def test_rollback_of_pending_commit_reverts_now(lab: LabServer, napalm_ios: Any) -> None:
    before = body(lab)
    napalm_ios.load_merge_candidate(config=TUNNEL_MERGE)
    napalm_ios.commit_config(revert_in=120)
    napalm_ios.rollback()
    assert body(lab) == before
    assert lab.device.revert is None


def test_hostname_change_in_merge(lab: LabServer, napalm_ios: Any) -> None:
    napalm_ios.load_merge_candidate(config="hostname R1-NEW\nend\n")
    napalm_ios.commit_config()
    assert napalm_ios.get_facts()["hostname"] == "R1-NEW"


def test_ping(napalm_ios: Any) -> None:
    ok = napalm_ios.ping("192.168.1.1")
    assert ok["success"]["packet_loss"] == 0
    assert ok["success"]["probes_sent"] == 5
    # routable via the default route: succeeds; an address in a shut subnet does not
    lost = napalm_ios.ping("10.99.0.1", vrf="INET")
    assert lost["success"]["packet_loss"] == 5


@pytest.mark.slow
def test_merge_inline_tcl_transfer(lab: LabServer) -> None:
    driver = open_driver(lab, inline_transfer=True)
    try:
        driver.load_merge_candidate(config=TUNNEL_MERGE)
        assert lab.device.flash.read("merge_config.txt") == (TUNNEL_MERGE + "\n").encode()
        assert "+interface Tunnel100" in driver.compare_config()
        driver.commit_config()
        assert "interface Tunnel100" in lab.device.running_text()
    finally:
        driver.close()
