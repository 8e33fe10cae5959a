"""How to reach one router (no napalm import here)."""

from __future__ import annotations

import threading
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class DeviceTarget:
    """Connection parameters of one router.

    ``password`` and ``enable_secret`` never appear in ``repr()``. ``optional_args`` are
    merged into napalm's ``optional_args`` (they win over greios's defaults), e.g.
    ``{"inline_transfer": True}`` or netmiko timing knobs. A VyOS router's carry its
    inventory ``vyos_version`` (set by :func:`greios.app.sources.platform_args`): the VyOS
    driver checks it against ``show version`` when it connects.
    """

    name: str
    host: str
    port: int
    username: str
    password: str = field(repr=False)
    enable_secret: str | None = field(default=None, repr=False)
    optional_args: Mapping[str, object] = field(default_factory=dict)
    timeout: int = 60
    #: where the address comes from, for connection errors
    #: (e.g. "management.host / management.port in sites/tokyo.yaml")
    address_hint: str = ""
    #: where the credentials come from, for authentication errors
    credentials_hint: str = ""
    #: the router's platform (``greios.platforms`` registry name): picks the driver
    platform: str = "ios-xe"

    def secrets(self) -> list[str]:
        """The credential values (for log scrubbing)."""
        return [s for s in (self.password, self.enable_secret) if s]


_IMPORTS = threading.Lock()
_imported = False


def open_session(target: DeviceTarget) -> Any:
    """An unopened session to ``target`` through its platform's driver
    (:meth:`greios.platforms.base.PlatformIO.driver`; the IOS one is
    :class:`greios.platforms.ios.driver.DeviceSession`, whose surface every driver offers).

    Sessions are opened from worker threads; the first call imports netmiko (under which
    every driver runs: napalm's ``ios`` and VyOS's) once, under a lock, so two threads of
    a mixed inventory never import it at the same time (a half-initialised module).
    """
    global _imported
    from greios.platforms import io

    if not _imported:
        with _IMPORTS:
            import netmiko  # noqa: F401

            _imported = True
    return io(target.platform).driver(target)
