"""Fault injection for the simulated router.

Set in-process (``device.faults.reject_lines.append("tunnel destination")``) or, for the
background lab process, through ``<state>/faults.json`` (see :func:`faults_from_json`)
which ``greios.lab.serve`` re-reads when it changes::

    {"R1": {"reject_lines": ["^tunnel destination"], "delays": {"^show version": 2.0},
            "drop_scp": false, "drop_commit": false, "wrong_password": false,
            "scp_disabled": false, "archive_missing": false, "flash_full": false}}

* ``reject_lines``: config lines matching a regex fail with the IOS caret error.
* ``delays``: exec commands / config lines matching a regex wait that many seconds.
* ``drop_scp``: the SCP sink drops the connection half-way through the file.
* ``drop_commit``: ``copy flash:f running-config`` applies the file, then drops the
  connection before answering (so no ``write mem`` follows: startup is unchanged).
* ``wrong_password``: every password is refused (the SSH layer fails auth).
* ``scp_disabled``: behaves as if ``ip scp server enable`` were not configured.
* ``archive_missing``: behaves as if there were no ``archive`` block.
* ``flash_full``: flash reports 0 bytes free and refuses writes.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, fields
from typing import Any


@dataclass
class Faults:
    reject_lines: list[str] = field(default_factory=list)
    delays: dict[str, float] = field(default_factory=dict)
    drop_scp: bool = False
    drop_commit: bool = False
    wrong_password: bool = False
    scp_disabled: bool = False
    archive_missing: bool = False
    flash_full: bool = False

    def reject_patterns(self) -> list[re.Pattern[str]]:
        return [re.compile(p) for p in self.reject_lines]

    def delay_for(self, command: str) -> float:
        total = 0.0
        for pattern, seconds in self.delays.items():
            if re.search(pattern, command):
                total = max(total, float(seconds))
        return total

    def clear(self) -> None:
        fresh = Faults()
        for f in fields(self):
            setattr(self, f.name, getattr(fresh, f.name))

    def to_json(self) -> dict[str, Any]:
        return {f.name: getattr(self, f.name) for f in fields(self)}

    def update(self, data: dict[str, Any]) -> None:
        """Replace every field from ``data`` (unknown keys raise ``ValueError``)."""
        names = {f.name for f in fields(self)}
        unknown = set(data) - names
        if unknown:
            raise ValueError(f"unknown fault(s): {', '.join(sorted(unknown))}")
        self.clear()
        for name, value in data.items():
            setattr(self, name, value)


def faults_from_json(data: dict[str, Any]) -> dict[str, Faults]:
    """Per-router faults from the ``faults.json`` document."""
    out: dict[str, Faults] = {}
    for router, spec in data.items():
        f = Faults()
        f.update(dict(spec))
        out[router] = f
    return out
