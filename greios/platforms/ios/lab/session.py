"""One interactive CLI session (an SSH shell channel) of the simulated router.

Byte loop: typed characters are echoed, ``\\r``, ``\\n`` and ``\\r\\n`` each end a line,
``\\x00`` is ignored, backspace edits; in TCL mode an open ``{`` keeps collecting raw
lines (``\\r`` included) until the matching ``}``. Every received line is answered with
its output and exactly one prompt.
"""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Callable
from typing import Any

from greios.platforms.ios.configtree import ConfigApplier, ConfigLineError
from greios.platforms.ios.lab import exec_cmds as ex
from greios.platforms.ios.lab.device import Device
from greios.platforms.ios.lab.flash import FlashError
from greios.platforms.ios.lab.shows import ping

_PUTS = re.compile(r'^puts \[open "?(\S+?)"? w\+?\] \{(.*)\}$', re.S)
_REVERT = re.compile(r"^configure terminal revert timer (\d+|idle \d+)$", re.I)

_SESSIONS: dict[int, set[CliSession]] = {}
_SESSIONS_LOCK = threading.Lock()


class CliSession:
    """State machine of one CLI session: user ``>``, exec ``#``, config, tcl."""

    def __init__(self, device: Device, username: str,
                 send: Callable[[str], None], close: Callable[[], None]) -> None:
        self.device = device
        self.username = username
        self._send = send
        self._close = close
        self.mode = "user" if device.enable_secret else "exec"
        self.applier: ConfigApplier | None = None
        self.question: ex.Question | None = None
        self.closed = False
        self.drop: Callable[[], None] = close
        self._buf = ""
        self._last_cr = False
        with _SESSIONS_LOCK:
            _SESSIONS.setdefault(id(device), set()).add(self)

    # ------------------------------------------------------------------ output
    @property
    def prompt(self) -> str:
        host = self.device.hostname
        if self.mode == "user":
            return host + ">"
        if self.mode == "tcl":
            return host + "(tcl)#"
        if self.mode == "config" and self.applier is not None:
            return f"{host}({self.applier.prompt_suffix})#"
        return host + "#"

    def write(self, text: str) -> None:
        if text:
            self._send(text.replace("\r\n", "\n").replace("\n", "\r\n"))

    def caret(self, words: list[str], index: int) -> str:
        pos = len(" ".join(words[:index])) + (1 if index else 0)
        return " " * (len(self.prompt) + pos) + "^\n" + ex.INVALID

    def start(self) -> None:
        self.write(self.prompt)

    def finish(self) -> None:
        self.closed = True
        with _SESSIONS_LOCK:
            _SESSIONS.get(id(self.device), set()).discard(self)

    def reset_config_sessions(self) -> None:
        """After a replace/merge, other sessions' config-mode stacks point at old nodes."""
        with _SESSIONS_LOCK:
            sessions = list(_SESSIONS.get(id(self.device), set()))
        for other in sessions:
            if other.applier is not None and other.applier.root is not self.device.running:
                other.applier = ConfigApplier(self.device.running,
                                              self.device.faults.reject_patterns())

    # ------------------------------------------------------------------ input
    def feed(self, data: str) -> None:
        """Process received characters (echo, line assembly, dispatch)."""
        echo: list[str] = []
        for ch in data:
            if ch == "\x00":
                continue
            if ch == "\n" and self._last_cr:
                self._last_cr = False
                continue
            self._last_cr = ch == "\r"
            if ch in "\r\n":
                if self.mode == "tcl" and self._buf.count("{") > self._buf.count("}"):
                    self._buf += "\r"
                    echo.append("\r\n")
                    continue
                if echo and (self.question is None or self.question.echo):
                    self.write("".join(echo))
                echo = []
                line, self._buf = self._buf, ""
                self._line(line)
                if self.closed:
                    return
                continue
            if ch in "\x08\x7f":
                if self._buf:
                    self._buf = self._buf[:-1]
                    echo.append("\b \b")
                continue
            if ch == "\x1b" or (ord(ch) < 32 and ch != "\t"):
                continue
            self._buf += ch
            echo.append(ch)
        if echo and (self.question is None or self.question.echo):
            self.write("".join(echo))

    def _line(self, line: str) -> None:
        if self.question is not None:
            q, self.question = self.question, None
            result: Any = q.then(line)
        else:
            self.device.history.append((self.username, line))
            delay = self.device.faults.delay_for(line.strip()) if line.strip() else 0.0
            if delay:
                time.sleep(delay)
            try:
                result = self._dispatch(line)
            except ex.DropConnectionError:
                self.finish()
                self.drop()
                return
        if self.closed:
            return
        if isinstance(result, ex.Question):
            self.question = result
            self.write("\n" + result.prompt)
            return
        out = str(result or "")
        if out and not out.endswith("\n"):
            out += "\n"
        self.write("\n" + out + self.prompt)

    def _dispatch(self, line: str) -> object:
        if self.mode == "config":
            return self._config_line(line)
        if self.mode == "tcl":
            return self._tcl_line(line)
        return self._exec(line.strip())

    # ------------------------------------------------------------------ config mode
    def _config_line(self, line: str) -> object:
        stripped = line.strip()
        if stripped.lower().startswith("do "):
            return self._exec(stripped[3:].strip())
        dev = self.device
        with dev.lock:
            if self.applier is None or self.applier.root is not dev.running:
                self.applier = ConfigApplier(dev.running, dev.faults.reject_patterns())
            self.applier.reject = dev.faults.reject_patterns()
            try:
                stay = self.applier.apply(line)
            except ConfigLineError as exc:
                if exc.message:  # IOS's own refusal text (undefined reference, in use)
                    return exc.message + "\n"
                return " " * (len(self.prompt) + exc.position) + "^\n" + ex.INVALID
            finally:
                if self.applier.changed:
                    self.applier.changed = False
                    dev.changed(self.username)
        if not stay:
            self.mode, self.applier = "exec", None
        return ""

    # ------------------------------------------------------------------ tcl mode
    def _tcl_line(self, line: str) -> object:
        stripped = line.strip()
        if stripped in ("tclquit", "exit"):
            self.mode = "exec"
            return ""
        m = _PUTS.match(stripped)
        if m:
            from greios.platforms.ios.lab.flash import flash_name

            name = flash_name(m.group(1))
            if name is None:
                return f'couldn\'t open "{m.group(1)}": no such file or directory\n'
            content = m.group(2).replace("\r", "\n") + "\n"
            with self.device.lock:
                try:
                    self.device.flash.write(name, content.encode())
                except FlashError as exc:
                    return str(exc) + "\n"
                self.device.changed(self.username)
            return ""
        return self._exec(stripped)

    # ------------------------------------------------------------------ exec mode
    def _exec(self, line: str) -> object:
        words = line.split()
        if not words:
            return ""
        pipe = None
        if "|" in line:
            head, pipe = line.split("|", 1)
            words = head.split()
        words = ex.expand(words)
        verb = words[0].lower()
        dev = self.device
        if verb == "terminal":
            return ""
        if verb in ("exit", "logout", "quit"):
            self.finish()
            self._close()
            return ""
        if verb == "enable":
            return self._enable()
        if verb == "disable":
            self.mode = "user"
            return ""
        if self.mode == "user" and verb not in ("show", "ping"):
            return self.caret(words, 0)
        if verb == "show" and len(words) > 1:
            with dev.lock:
                return ex.show(self, words, pipe)
        if verb == "configure":
            return self._configure(words)
        if verb == "copy":
            return ex.copy(self, words)
        if verb == "write" and (len(words) == 1 or words[1] == "memory"):
            dev.save_startup(self.username)
            return "Building configuration...\n[OK]\n"
        if verb in ("dir", "verify", "more", "delete"):
            with dev.lock:
                return ex.files(self, [verb] + [w for w in words[1:] if w != "/force"])
        if verb == "tclsh":
            self.mode = "tcl"
            return ""
        if verb == "ping":
            return ping(dev, " ".join(words[1:]))
        if verb == "end":
            return ""
        return self.caret(words, 0)

    def _enable(self) -> object:
        if self.mode != "user":
            return ""
        secret = self.device.enable_secret

        def check(answer: str) -> str:
            if answer == secret:
                self.mode = "exec"
                return ""
            return "% Access denied\n"

        return ex.Question("Password: ", check, echo=False)

    def _configure(self, words: list[str]) -> object:
        dev = self.device
        text = " ".join(words)
        if len(words) == 1 or (words[1] == "terminal" and len(words) == 2):
            self.mode = "config"
            self.applier = ConfigApplier(dev.running, dev.faults.reject_patterns())
            return "Enter configuration commands, one per line.  End with CNTL/Z.\n"
        m = _REVERT.match(text)
        if m:
            if not dev.archive_enabled():
                return "%Rollback Confirmed Change requires config archive: configure 'archive'\n"
            minutes = int(m.group(1).split()[-1])
            dev.start_revert(minutes, self.username)
            self.mode = "config"
            self.applier = ConfigApplier(dev.running, dev.faults.reject_patterns())
            return "Enter configuration commands, one per line.  End with CNTL/Z.\n"
        if words[1] == "replace":
            return ex.configure_replace(self, words)
        if words[1] == "confirm":
            if dev.revert is None:
                return "%No Rollback Confirmed Change pending\n"
            dev.cancel_revert()
            return ""
        if words[1:3] == ["revert", "now"]:
            if not dev.revert_now():
                return "%No Rollback Confirmed Change pending\n"
            self.reset_config_sessions()
            return "Rollback Done\n"
        if words[1:3] == ["revert", "timer"] and len(words) == 4 and words[3].isdigit():
            pending = dev.revert
            if pending is None:
                return "%No Rollback Confirmed Change pending\n"
            dev.start_revert(int(words[3]), pending.user)
            assert dev.revert is not None
            dev.revert.snapshot = pending.snapshot
            return ""
        return self.caret(words, 1)
