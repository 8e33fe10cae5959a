"""docs/lab.md's napalm script runs against a real background lab."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from greios.lab.manager import LabRouterSpec, lab_down, lab_up

from .conftest import SEED

pytestmark = [pytest.mark.lab, pytest.mark.slow]
REPO = Path(__file__).resolve().parents[2]


def test_docs_script(tmp_path: Path) -> None:
    doc = (REPO / "docs" / "lab.md").read_text()
    script = next(b for b in re.findall(r"```python\n(.*?)```", doc, re.S) if "napalm" in b)
    (tmp_path / "script.py").write_text(script)
    state = tmp_path / "lab"
    lab_up(state, [LabRouterSpec("r1", SEED)])
    try:
        out = subprocess.run([sys.executable, str(tmp_path / "script.py")], cwd=tmp_path,
                             env={**os.environ, "GREIOS_LAB_STATE": str(state)},
                             capture_output=True, text=True, timeout=60, check=False)
    finally:
        lab_down(state)
    assert out.returncode == 0, out.stderr
    assert "+interface Tunnel100" in out.stdout
    assert "r1: Tunnel100 is in the running-config" in out.stdout
    assert "interface Tunnel100" in (state / "routers/r1/running.cfg").read_text()
