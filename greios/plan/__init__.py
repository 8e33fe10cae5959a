"""Plans, whatever the platform: the :class:`RouterPlan` model and its Terraform-style text.

Pure modules (text in, data out). The remediation engine is the platform's
(``greios.platforms.get(name).plan``, IOS: :mod:`greios.platforms.ios.remediation`);
:func:`plan_router` asks the router's platform. The CLI and saved plans build on it.
"""

from __future__ import annotations

from collections.abc import Callable

from greios.plan.model import LineChange, ObjectChange, RouterPlan
from greios.plan.present import format_commands, format_plan
from greios.redact import redact_line


def plan_router(
    running: str,
    intended: str,
    *,
    retired: str = "",
    secret_equal: Callable[[str, str], bool] | None = None,
    platform: str | None = None,
) -> RouterPlan:
    """The change that takes ``running`` to ``intended`` on the objects greios owns, by the
    remediation engine of ``platform`` (default: the default platform, IOS)."""
    from greios.platforms import get

    chosen = get() if platform is None else get(platform)
    return chosen.plan(running, intended, retired=retired, secret_equal=secret_equal)


__all__ = (
    "LineChange",
    "ObjectChange",
    "RouterPlan",
    "format_commands",
    "format_plan",
    "plan_router",
    "redact_line",
)
