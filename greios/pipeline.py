"""Moved to :mod:`greios.app.pipeline` (#9 phase 1).

This module stays as a re-export for the callers not moved yet (``greios/workflow.py``,
``greios/apply_flow.py``, ``greios/commands/{backup,recover,rollback}.py``, bench and
tests); #9 phase 2 points them at ``greios.app.pipeline`` and deletes it.
"""

from __future__ import annotations

from greios.app.pipeline import Build, build, select_routers

__all__ = ["Build", "build", "select_routers"]
