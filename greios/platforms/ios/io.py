"""The I/O half of the IOS platform (:class:`greios.platforms.base.PlatformIO`)."""

from __future__ import annotations

from typing import Any


class IosIO:
    name = "ios"

    def driver(self, target: Any) -> Any:
        from greios.platforms.ios.driver import DeviceSession

        return DeviceSession(target)


IO = IosIO()
