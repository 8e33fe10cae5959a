"""The simulated ``flash:`` file system (in memory, optionally capacity-limited)."""

from __future__ import annotations

import hashlib
import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field

FLASH_TOTAL = 7194652672
_BASE_USED = 900000000  # IOS image and friends
_PATH = re.compile(r"^(?:flash|bootflash|disk0|nvram):/?(.*)$", re.I)


class FlashError(Exception):
    """A flash operation failed (message is the IOS text)."""


def flash_name(path: str) -> str | None:
    """``flash:/a.txt`` / ``flash:a.txt`` / ``bootflash:a.txt`` -> ``a.txt``; else None."""
    m = _PATH.match(path.strip())
    if m is None:
        return None
    return m.group(1)


@dataclass
class FlashFile:
    data: bytes
    mtime: float = field(default_factory=time.time)


@dataclass
class Flash:
    files: dict[str, FlashFile] = field(default_factory=dict)
    total: int = FLASH_TOTAL
    full: bool = False  # fault: no free space at all
    full_fn: Callable[[], bool] | None = field(default=None, repr=False, compare=False)

    def used(self) -> int:
        return _BASE_USED + sum(len(f.data) for f in self.files.values())

    def free(self) -> int:
        full = self.full or (self.full_fn is not None and self.full_fn())
        return 0 if full else max(0, self.total - self.used())

    def read(self, name: str) -> bytes:
        try:
            return self.files[name].data
        except KeyError:
            raise FlashError(f"%Error opening flash:/{name} (No such file or directory)") \
                from None

    def write(self, name: str, data: bytes) -> None:
        old = len(self.files[name].data) if name in self.files else 0
        if not name or "/" in name:
            raise FlashError(f"%Error opening flash:/{name} (Invalid argument)")
        if len(data) - old > self.free():
            raise FlashError(f"%Error writing flash:/{name} (No space left on device)")
        self.files[name] = FlashFile(data)

    def delete(self, name: str) -> None:
        self.read(name)
        del self.files[name]

    def md5(self, name: str) -> str:
        return hashlib.md5(self.read(name)).hexdigest()  # noqa: S324 - IOS verify /md5

    def _listing(self, index: int, name: str) -> str:
        f = self.files[name]
        stamp = time.strftime("%b %d %Y %H:%M:%S +00:00", time.gmtime(f.mtime))
        return f"{index:>5}  -rw-  {len(f.data):>10}  {stamp}  {name}"

    def _total_line(self) -> str:
        return f"{self.total} bytes total ({self.free()} bytes free)"

    def dir(self, name: str | None = None) -> str:
        """Output of ``dir flash:`` (``name`` None) or ``dir flash:/name``."""
        if name:
            if name not in self.files:
                raise FlashError(f"%Error opening flash:/{name} (No such file or directory)")
            index = sorted(self.files).index(name) + 12
            return (f"Directory of flash:/{name}\n\n{self._listing(index, name)}\n\n"
                    f"{self._total_line()}\n")
        lines = ["Directory of flash:/", ""]
        for i, n in enumerate(sorted(self.files)):
            lines.append(self._listing(i + 12, n))
        lines += ["", self._total_line()]
        return "\n".join(lines) + "\n"

    def snapshot(self) -> dict[str, bytes]:
        return {n: f.data for n, f in self.files.items()}
