"""The napalm session's merge path in few round trips (issue #13): what reaches the router,
in which order, and a hostname longer than netmiko's 16-character base prompt."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from greios.deploy.apply import apply_changes
from greios.platforms.ios.configtree import Node

from .conftest import Lab, pair_change
from .labcfg import resolve

pytestmark = pytest.mark.lab

MERGE = "copy flash:/merge_config.txt running-config"
LONG = "branch-office-router-0001"  # 25 characters: netmiko keeps 'branch-office-ro'


def _rename(lab: Lab, name: str, hostname: str) -> None:
    dev = lab.device(name)
    with dev.lock:
        for child in dev.running.children:
            if child.text.startswith("hostname "):
                child.text = f"hostname {hostname}"
        dev.running = Node("", list(dev.running.children))


def _without_file_prompt(lab: Lab, name: str) -> None:
    dev = lab.device(name)
    with dev.lock:
        dev.running = Node("", [c for c in dev.running.children
                                if c.text != "file prompt quiet"])


def test_commit_sequence_and_long_hostname(lab: Lab, state_dir: Path) -> None:
    _rename(lab, "R1", LONG)
    _without_file_prompt(lab, "R1")  # napalm adds it for the commit, greios removes it
    lab.device("R1").history.clear()
    start = time.monotonic()
    (res,) = apply_changes([pair_change(1, 2)], {"R1": lab.target("R1")},
                           state_dir=state_dir, resolve=resolve, verify_tunnels=False)
    assert res.status == "applied", res.message
    assert time.monotonic() - start < 15  # no read waited for a prompt it never saw
    typed = lab.commands("R1")
    upload = typed.index("show archive config incremental-diffs flash:/merge_config.txt "
                         "ignorecase")
    commit = typed[upload + 1:typed.index(MERGE) + 1]
    # napalm's order (file prompt quiet before the revert timer), without its re-reads of
    # the archive and the pending commit and without 'dir' of the file it just verified
    assert commit == ["configure terminal", "file prompt quiet", "end",
                      "copy running-config flash:/rollback_config.txt",
                      "configure terminal revert timer 5", "end", MERGE]
    assert typed[:upload].count("show archive config rollback timer") == 1  # the preflight's
    assert not any(c.startswith(("dir flash:/", "show running-config | inc")) for c in typed)
    confirm = typed.index("configure confirm")
    assert typed[confirm + 1:confirm + 5] == ["configure terminal", "no file prompt quiet",
                                              "end", "write memory"]
    dev = lab.device("R1")
    assert dev.revert is None and "interface Tunnel10" in dev.running_text()
    assert not dev.file_prompt_quiet() and "file prompt quiet" not in dev.startup
