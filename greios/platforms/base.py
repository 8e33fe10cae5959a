"""The platform contract: what greios needs from one router operating system.

A platform is one package under ``greios/platforms/<name>/`` whose ``__init__`` defines a
:class:`Platform` object named ``PLATFORM``, plus one line in
:data:`greios.platforms.REGISTRY`. The core (inventory, intent, plan, audit, deploy, lab)
asks :func:`greios.platforms.get` for the router's platform and never branches on its name.

Pure parts (text and models in, models out): rendering, parsing into the shared device model
(:mod:`greios.devmodel`), config semantics (how the device applies, negates and displays
lines), remediation. I/O parts are imported lazily by the methods that need them: the device
driver (deploy) and the simulated device (lab), so importing a platform stays cheap.

See docs/architecture.md ("How a platform plugs in") for the contract in prose.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

from greios.errors import ConfigParseError

if TYPE_CHECKING:
    import re
    from collections.abc import Callable, Iterable

    from greios.devmodel.model import DeviceConfig
    from greios.inventory.load import Inventory
    from greios.plan.model import RouterPlan


class RejectedLinesError(ConfigParseError):
    """Config lines the device would refuse (:meth:`Platform.apply_lines`).

    ``rejected`` holds (line, the device's error) in order, ``config`` the config after
    every other line was applied (what the device holds then). The message shows the lines
    redacted by ``redact`` (:func:`greios.redact.redact_line`); ``rejected`` keeps them
    as given.
    """

    def __init__(self, rejected: list[tuple[str, str]], config: str, *,
                 redact: Callable[[str], str], what: str = "config") -> None:
        self.rejected = rejected
        self.config = config
        shown = "; ".join(redact(line) for line, _ in rejected[:3])
        more = f" (and {len(rejected) - 3} more)" if len(rejected) > 3 else ""
        super().__init__(f"{what}: the device rejects {shown}{more}")


@runtime_checkable
class Platform(Protocol):
    """One router operating system (IOS/IOS-XE, VyOS, ...)."""

    #: registry key, as written in the inventory (``platform: ios``)
    name: str
    #: human name for messages and reports
    display_name: str
    #: sub-directory of ``templates/`` holding this platform's templates (may be unused)
    templates: str
    #: config lines that hold a secret: regexes whose group ``key`` (``search``) is the
    #: secret, each needing one of :data:`greios.redact.HINT_WORDS` (the redaction
    #: machinery is :mod:`greios.redact`; a platform only says where its secrets are)
    secret_patterns: tuple[re.Pattern[str], ...]

    def parse(self, text: str, *, source: str | None = None) -> DeviceConfig:
        """Running-config text (as the device shows it) -> the shared device model
        (``source``: the file or router it came from, for messages)."""
        ...

    def tunnel_interface(self, number: int) -> str:
        """The name the device shows for greios's tunnel ``number`` (IOS ``TunnelN``)."""
        ...

    def recognises(self, text: str) -> bool:
        """Whether ``text`` looks like this platform's configuration (read cheaply: the
        audit of files without an inventory picks the parser with it; IOS is the default
        and may answer False)."""
        ...

    def apply_lines(self, running: str, lines: Iterable[str]) -> str:
        """Config semantics: the running config (as the device displays it) after the
        device applied ``lines`` as typed in config mode.

        The one engine for "how the device applies a line": used by the simulated device,
        by the plan (its predicted config and rollback), by ``audit --plan/--intended`` and
        by the plan round-trip tests. Raises :class:`RejectedLinesError` when the device would
        refuse some line.
        """
        ...

    def normalise(self, text: str) -> str:
        """The text as the device would display it back (display normalisation)."""
        ...

    def inventory_problems(self, inv: Inventory) -> list[str]:
        """Located problems (``file:line: path: message``) of what this platform cannot do
        as the inventory asks, for its routers; called by validation with the overlay's
        checks. Empty when all is well."""
        ...

    def plan(self, running: str, intended: str, *, retired: str = "",
             secret_equal: Callable[[str, str], bool] | None = None) -> RouterPlan:
        """Remediation: the ordered commands (and rollback) that take ``running`` to
        ``intended`` on the objects greios owns, removing ``retired`` lines (what greios
        rendered before for pairs that left the inventory). ``secret_equal(running_line,
        intended_line)`` says whether two key lines hold the same key (default: the
        platform's write-only comparison). Must agree with :meth:`apply_lines`: the
        commands applied to ``running`` give :attr:`RouterPlan.future`, the rollback
        applied to that gives ``running`` back, and a second plan is empty.
        """
        ...



@runtime_checkable
class PlatformIO(Protocol):
    """The I/O half of a platform: ``greios/platforms/<name>/io.py`` defines ``IO``.

    Only the deploy and lab layers ask for it (:func:`greios.platforms.io`); the pure core
    never does, so a platform's device library is imported only when a device is talked to.
    """

    name: str

    def driver(self, target: Any) -> Any:
        """An unopened device session for ``target`` (imports the device library lazily)."""
        ...
