"""Platforms: one package per router operating system behind :class:`~.base.Platform`.

Adding a platform = adding ``greios/platforms/<name>/`` (defining ``PLATFORM``) and one
entry in :data:`REGISTRY`. Packages are imported on first use, so ``greios --help`` and the
offline commands only load the platforms an inventory uses.
"""

from __future__ import annotations

import importlib
from functools import cache
from typing import TYPE_CHECKING

from greios.errors import InventoryError

if TYPE_CHECKING:
    from greios.platforms.base import Platform, PlatformIO

#: platform name (as written in the inventory) -> package defining ``PLATFORM``
REGISTRY: dict[str, str] = {
    "ios": "greios.platforms.ios",
    "ios-xe": "greios.platforms.ios",  # the inventory's default spelling; same platform
    "vyos": "greios.platforms.vyos",
}

DEFAULT = "ios-xe"


def names() -> tuple[str, ...]:
    """Registered platform names, sorted."""
    return tuple(sorted(REGISTRY))


@cache
def get(name: str = DEFAULT) -> Platform:
    """The platform registered as ``name`` (``InventoryError`` naming the choices if none)."""
    try:
        package = REGISTRY[name]
    except KeyError:
        raise InventoryError(
            f"unknown platform {name!r} (known: {', '.join(names())})") from None
    platform: Platform = importlib.import_module(package).PLATFORM
    return platform


@cache
def io(name: str = DEFAULT) -> PlatformIO:
    """The I/O half of platform ``name`` (``<package>.io.IO``): deploy and lab only."""
    get(name)  # the same error for an unknown name
    platform_io: PlatformIO = importlib.import_module(REGISTRY[name] + ".io").IO
    return platform_io


def detect(text: str) -> Platform:
    """The platform whose configuration ``text`` is (the default one when none says so)."""
    for name in names():
        platform = get(name)
        if platform.recognises(text):
            return platform
    return get(DEFAULT)
