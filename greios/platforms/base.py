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

if TYPE_CHECKING:
    import re

    from greios.devmodel.model import DeviceConfig


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

    def parse(self, text: str) -> DeviceConfig:
        """Running-config text (as the device shows it) -> the shared device model."""
        ...

    def apply_lines(self, running: str, lines: list[str]) -> str:
        """Config semantics: the running config after the device applied ``lines``.

        The one engine for "how the device applies a line": used by the simulated device,
        by ``audit --plan/--intended`` and by the plan round-trip tests.
        """
        ...

    def normalise(self, text: str) -> str:
        """The text as the device would display it back (display normalisation)."""
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
