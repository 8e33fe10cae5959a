"""Terraform-style text for a :class:`~greios.plan.model.RouterPlan`.

Nothing here ever prints key material: object lines are redacted by the engine and
:func:`format_commands` runs every command through
:func:`greios.redact.redact_line` again.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from greios.redact import redact_line

if TYPE_CHECKING:
    from greios.plan.model import LineChange, ObjectChange, RouterPlan

_SYMBOL = {"create": "+", "update": "~", "destroy": "-", "replace": "-/+"}
_COLOR = {"+": "\x1b[32m", "-": "\x1b[31m", "~": "\x1b[33m", "-/+": "\x1b[35m"}
_RESET = "\x1b[0m"


def _sign(sign: str, color: bool) -> str:
    return f"{_COLOR[sign]}{sign}{_RESET}" if color else sign


def _line(change: LineChange, color: bool) -> str:
    depth = len(change.text) - len(change.text.lstrip(" "))
    text = redact_line(change.text.lstrip(" "))
    pad = "      " + "  " * depth
    if change.sign == "~" and change.old is not None:
        old = redact_line(change.old.lstrip(" "))
        body = f"{text} (sensitive value changed)" if old == text else f"{old} -> {text}"
    else:
        body = text
    return f"{pad}{_sign(change.sign, color)} {body}"


def format_object(obj: ObjectChange, *, color: bool = False) -> list[str]:
    """One object block: ``  + header {`` / lines / ``    }`` (no braces when no lines)."""
    head = f"  {_sign(_SYMBOL[obj.action], color)} {redact_line(obj.header)}"
    if not obj.lines:
        return [head]
    return [f"{head} {{", *(_line(lc, color) for lc in obj.lines), "    }"]


def summary(plan: RouterPlan) -> str:
    add, change, destroy = plan.counts()
    return f"Plan: {add} to add, {change} to change, {destroy} to destroy."


def format_plan(router: str, plan: RouterPlan, *, color: bool = False,
                with_summary: bool = True) -> str:
    """Human plan for one router, ending with the Terraform summary line (unless
    ``with_summary`` is false: a multi-router plan prints one total line instead).

    >>> from greios.plan.model import RouterPlan
    >>> print(format_plan("r1", RouterPlan((), (), "", ())))
    r1: no changes, the owned config matches the intended config.
    Plan: 0 to add, 0 to change, 0 to destroy.
    """
    tail = [summary(plan)] if with_summary else []
    if plan.is_empty:
        return "\n".join(
            [f"{router}: no changes, the owned config matches the intended config.", *tail])
    out = [f"{router}:"]
    for obj in plan.objects:
        out.extend(format_object(obj, color=color))
    if tail:
        out.extend(["", *tail])
    return "\n".join(out)


def format_commands(plan: RouterPlan) -> str:
    """The exact IOS lines that will be pushed (keys redacted), ending with ``end``."""
    return "\n".join([*(redact_line(c) for c in plan.commands), "end"]) + "\n"
