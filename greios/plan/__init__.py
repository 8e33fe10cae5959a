"""Plan engine: remediation of owned GRE/IPsec objects and its Terraform-style text.

Pure modules (text in, data out); the CLI and saved plans build on :func:`plan_router`.
"""

from __future__ import annotations

from greios.plan.ownership import default_secret_equal
from greios.plan.present import format_commands, format_plan
from greios.plan.remediation import (
    LineChange,
    ObjectChange,
    RouterPlan,
    plan_router,
)
from greios.redact import redact_line

__all__ = (
    "LineChange",
    "ObjectChange",
    "RouterPlan",
    "default_secret_equal",
    "format_commands",
    "format_plan",
    "plan_router",
    "redact_line",
)
