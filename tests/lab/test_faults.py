"""Fault injection (greios.lab.faults): each fault ends in the exception napalm really raises."""

from __future__ import annotations

import time
from typing import Any

import pytest
from napalm.base.exceptions import (
    CommandErrorException,
    CommitConfirmException,
    MergeConfigException,
)
from netmiko.exceptions import NetmikoAuthenticationException, ReadTimeout
from scp import SCPException

from greios.platforms.ios.lab.server import LabServer

from .conftest import TUNNEL_MERGE, body, open_driver

pytestmark = pytest.mark.lab


def test_rejected_line_fails_merge_and_keeps_config(lab: LabServer, napalm_ios: Any) -> None:
    before = body(lab)
    lab.device.faults.reject_lines.append(r"^tunnel destination ")
    napalm_ios.load_merge_candidate(config=TUNNEL_MERGE)
    with pytest.raises(MergeConfigException, match=r"tunnel destination 203\.0\.113\.2"):
        napalm_ios.commit_config()
    assert body(lab) == before


def test_wrong_password(lab: LabServer) -> None:
    lab.device.faults.wrong_password = True
    with pytest.raises(NetmikoAuthenticationException):
        open_driver(lab)


def test_flash_full(lab: LabServer, napalm_ios: Any) -> None:
    lab.device.faults.flash_full = True
    with pytest.raises(MergeConfigException, match="Insufficient space"):
        napalm_ios.load_merge_candidate(config=TUNNEL_MERGE)
    assert "merge_config.txt" not in lab.device.flash.files


def test_archive_missing_with_revert_in(lab: LabServer, napalm_ios: Any) -> None:
    lab.device.faults.archive_missing = True
    napalm_ios.load_merge_candidate(config=TUNNEL_MERGE)
    with pytest.raises(CommitConfirmException, match="archive"):
        napalm_ios.commit_config(revert_in=60)
    assert "Tunnel100" not in lab.device.running_text()


def test_scp_disabled(lab: LabServer, napalm_ios: Any) -> None:
    lab.device.faults.scp_disabled = True
    with pytest.raises(CommandErrorException, match="ip scp server enable"):
        napalm_ios.load_merge_candidate(config=TUNNEL_MERGE)


def test_drop_mid_scp_transfer(lab: LabServer, napalm_ios: Any) -> None:
    lab.device.faults.drop_scp = True
    # scp reports the drop as SCPException when it reads the router's refusal, or as
    # OSError when the channel is already closed as it sends its next byte: timing decides
    with pytest.raises((SCPException, OSError)):
        napalm_ios.load_merge_candidate(config=TUNNEL_MERGE)
    assert "merge_config.txt" not in lab.device.flash.files


def test_drop_mid_commit_leaves_a_consistent_recoverable_device(lab: LabServer) -> None:
    """The copy completes on the router, the session drops before its answer: napalm times
    out (netmiko does not notice a closed channel, hence read_timeout_override), no
    `write mem` happens, and a fresh session can roll back with napalm's rollback file."""
    before = body(lab)
    driver = open_driver(lab, read_timeout_override=2)
    driver.load_merge_candidate(config=TUNNEL_MERGE)
    lab.device.faults.drop_commit = True
    with pytest.raises(ReadTimeout):
        driver.commit_config()
    assert "interface Tunnel100" in lab.device.running_text()  # whole file applied
    assert "interface Tunnel100" not in lab.device.startup  # never saved
    lab.device.faults.clear()
    fresh = open_driver(lab)
    try:
        fresh.rollback()
    finally:
        fresh.close()
    assert body(lab) == before


def test_delay(lab: LabServer, napalm_ios: Any) -> None:
    lab.device.faults.delays[r"^show version"] = 0.6
    start = time.perf_counter()
    napalm_ios.get_facts()
    assert time.perf_counter() - start >= 0.6
