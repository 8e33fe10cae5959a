"""What a plan is, whatever the platform: :class:`RouterPlan` and its object changes.

A platform's remediation engine (``PLATFORM.plan``, e.g.
:mod:`greios.platforms.ios.remediation`) builds these; the presentation
(:mod:`greios.plan.present`), saved plans and apply read them.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Literal

Action = Literal["create", "update", "destroy", "replace"]


@dataclass(frozen=True)
class LineChange:
    """One line of an object change (key material already redacted).

    ``sign`` is ``+`` (added), ``-`` (removed) or ``~`` (changed in place from ``old``).
    A ``~`` with ``old=None`` is a sub-section (e.g. a keyring ``peer``) whose lines
    follow, indented one space deeper.
    """

    sign: Literal["+", "-", "~"]
    text: str
    old: str | None = None


@dataclass(frozen=True)
class ObjectChange:
    action: Action
    header: str
    kind: str
    lines: tuple[LineChange, ...]


@dataclass(frozen=True, init=False)
class RouterPlan:
    """Everything a plan knows about one router.

    ``future`` (the whole config after the commands) may be given as a function: a plan
    builds it only when asked (nothing in a plan or an apply needs it; tests do).
    """

    commands: tuple[str, ...]
    rollback: tuple[str, ...]
    objects: tuple[ObjectChange, ...]
    _future: str | Callable[[], str] = field(repr=False, compare=False)

    def __init__(self, commands: tuple[str, ...], rollback: tuple[str, ...],
                 future: str | Callable[[], str], objects: tuple[ObjectChange, ...]) -> None:
        object.__setattr__(self, "commands", commands)
        object.__setattr__(self, "rollback", rollback)
        object.__setattr__(self, "objects", objects)
        object.__setattr__(self, "_future", future)

    @property
    def future(self) -> str:
        text = self._future
        if not isinstance(text, str):
            text = text()
            object.__setattr__(self, "_future", text)
        return text

    def counts(self) -> tuple[int, int, int]:
        """(add, change, destroy) objects, Terraform-style (a replace counts as 1 + 1)."""
        add = sum(o.action in ("create", "replace") for o in self.objects)
        change = sum(o.action == "update" for o in self.objects)
        destroy = sum(o.action in ("destroy", "replace") for o in self.objects)
        return add, change, destroy

    @property
    def is_empty(self) -> bool:
        return not self.commands


#: False inside :func:`commands_only`: a platform's remediation may then leave each
#: :class:`ObjectChange` without its lines (nothing there reads them)
_OBJECT_LINES: ContextVar[bool] = ContextVar("greios_plan_object_lines", default=True)


@contextmanager
def commands_only() -> Iterator[None]:
    """Plans made inside need only their commands (and rollback, future): their object
    changes may come without lines (``audit --intended`` applies the commands and shows no
    plan). The commands are the same."""
    token = _OBJECT_LINES.set(False)
    try:
        yield
    finally:
        _OBJECT_LINES.reset(token)


def object_lines_wanted() -> bool:
    """Are the lines of a plan's object changes wanted (see :func:`commands_only`)?"""
    return _OBJECT_LINES.get()
