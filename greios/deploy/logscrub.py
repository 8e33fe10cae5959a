"""Keep secrets out of log records and messages while device sessions are open.

netmiko only filters its own password/secret from one logger; inline (TCL) transfers write
the whole candidate config, PSKs included, to the channel and netmiko logs that at DEBUG.
:data:`SCRUBBER` is a :class:`logging.Filter` attached to the napalm / netmiko / paramiko /
scp / greios loggers that replaces every secret value known to an open session with
``<redacted>`` (:func:`greios.redact.scrub_text`).
"""

from __future__ import annotations

import logging
import threading
from collections import Counter
from collections.abc import Iterable

from greios.redact import scrub_text

_PREFIXES = ("napalm", "netmiko", "paramiko", "scp", "greios")

__all__ = ("SCRUBBER", "scrub_text")


class _Scrubber(logging.Filter):
    def __init__(self) -> None:
        super().__init__()
        self._lock = threading.Lock()
        self._values: Counter[str] = Counter()
        self._attached: set[str] = set()

    def remember(self, values: Iterable[str]) -> None:
        with self._lock:
            for v in values:
                if v and len(v) >= 3:
                    self._values[v] += 1

    def forget(self, values: Iterable[str]) -> None:
        with self._lock:
            for v in values:
                if self._values.get(v, 0) > 1:
                    self._values[v] -= 1
                else:
                    self._values.pop(v, None)

    def install(self) -> None:
        """Attach to every existing napalm/netmiko/paramiko/scp/greios logger."""
        names = [n for n in list(logging.root.manager.loggerDict)
                 if n.split(".")[0] in _PREFIXES]
        names += [p for p in _PREFIXES if p not in names]
        with self._lock:
            todo = [n for n in names if n not in self._attached]
            self._attached.update(todo)
        for name in todo:
            logging.getLogger(name).addFilter(self)

    def filter(self, record: logging.LogRecord) -> bool:
        with self._lock:
            values = list(self._values)
        if not values:
            return True
        try:
            message = record.getMessage()
        except Exception:  # a broken record: leave it to logging's own error handling
            return True
        clean = scrub_text(message, values)
        if clean != message:
            record.msg, record.args = clean, None
        return True


SCRUBBER = _Scrubber()
