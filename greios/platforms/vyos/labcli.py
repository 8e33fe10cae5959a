"""One interactive CLI session (SSH shell channel) of the simulated VyOS router.

Prompts as VyOS's vbash prints them and netmiko's ``vyos`` driver expects them:
``vyos@vyos:~$ `` in operational mode; in configuration mode every command's output is
followed by ``[edit]`` and ``vyos@vyos# `` (netmiko ``config_mode`` waits for
``\\[edit\\]``, ``check_config_mode`` looks for ``#``). Every typed character is echoed;
``\\r``, ``\\n`` and ``\\r\\n`` end a line. Texts are vyatta-cfg's
(``functions/interpreter/vyatta-cfg-run``) and vyos-1x ``config_mgmt.py``'s, per version.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from greios.platforms.vyos import labshows as shows
from greios.platforms.vyos.diff import compare_text, diff_commands
from greios.platforms.vyos.labdevice import VyosDevice
from greios.platforms.vyos.parse import VyosConfigError, apply_resolved, split_words
from greios.platforms.vyos.render import codename, render_commands, render_curly
from greios.platforms.vyos.schema import PathError, Resolved
from greios.platforms.vyos.tree import ConfigTree

_COMMENT = re.compile(r'^comment\s+(?:"([^"]*)"|\'([^\']*)\'|(\S+))\s*$')
Answer = Callable[[str], str]


class VyosSession:
    """State machine of one session: operational mode, configuration mode, a question."""

    def __init__(self, device: VyosDevice, username: str, send: Callable[[str], None],
                 drop: Callable[[], None]) -> None:
        self.device = device
        self.username = username
        self._send = send
        self.drop = drop
        self.hostname = device.hostname
        self.mode = "op"
        self.base: ConfigTree | None = None
        self.working: ConfigTree | None = None
        self.unsaved_commit = False
        self.closed = False
        self._answer: Answer | None = None
        self._buf = ""
        self._last_cr = False
        device.register(self._dropped)

    # ------------------------------------------------------------------ output
    @property
    def prompt(self) -> str:
        if self.mode == "conf":
            return f"[edit]\n{self.username}@{self.hostname}# "
        return f"{self.username}@{self.hostname}:~$ "

    def write(self, text: str) -> None:
        if text:
            self._send(text.replace("\r\n", "\n").replace("\n", "\r\n"))

    def start(self) -> None:
        dev = self.device
        self.write(f"Welcome to VyOS!\n\nVyOS {dev.release} ({codename(dev.version)})"
                   " - simulated by the greios lab\n\n" + self.prompt)

    def _dropped(self) -> None:
        self.closed = True
        self.drop()

    def finish(self) -> None:
        self.closed = True
        self.device.unregister(self._dropped)

    # ------------------------------------------------------------------ input
    def feed(self, data: str) -> None:
        echo: list[str] = []
        for ch in data:
            if ch == "\n" and self._last_cr:
                self._last_cr = False
                continue
            self._last_cr = ch == "\r"
            if ch in "\r\n":
                echo.append("\n")
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
            if ord(ch) < 32:
                continue
            self._buf += ch
            echo.append(ch)
        self.write("".join(echo))

    def _line(self, line: str) -> None:
        with self.device.lock:
            self.device.log.append((self.username, line))
        if self._answer is not None:
            answer, self._answer = self._answer, None
            out = answer(line)
        else:
            try:
                out = self.dispatch(line.strip())
            except VyosConfigError as exc:
                out = f"\n  {exc}\n\n"
        if self.closed:
            return
        self.write(out)
        if self._answer is None:
            self.write(self.prompt)

    # ------------------------------------------------------------------ dispatch
    def dispatch(self, line: str) -> str:
        if not line:
            return ""
        if self.mode == "conf":
            return self._config(line)
        return self._op(line)

    def _op(self, line: str) -> str:
        words = line.split()
        dev = self.device
        if words[:2] == ["set", "terminal"] or words[:2] == ["terminal", "length"]:
            return ""
        if line == "configure":
            with dev.lock:
                self.base = dev.running.copy()
                self.working = self.base.copy()
            self.mode = "conf"
            return ""
        if line in ("exit", "logout"):
            self._close()
            return ""
        if words[0] == "ping":
            args = shows.parse_ping(words)
            return args if isinstance(args, str) else shows.ping(dev, args)
        if words[0] == "show":
            return self._show(words[1:])
        if line == "cat /config/config.boot":
            return dev.config_boot()
        if line.startswith("cat /proc/uptime"):
            return f"{(shows.uptime(dev)):.2f}\n"
        if words[0] == "cat" and len(words) == 2 and words[1] in shows.PENDING_FILES:
            return shows.pending_file(dev, words[1])
        return f"\n  Invalid command: [{line}]\n\n"

    def _show(self, words: list[str]) -> str:
        dev = self.device
        with dev.lock:
            running = dev.running.copy()
        if words == ["configuration"]:
            return render_curly(running, hide_secrets=True)
        if words == ["configuration", "commands"]:
            return render_commands(running)
        if words == ["version"]:
            return shows.show_version(dev)
        if words[:1] == ["interfaces"] and len(words) <= 3:
            kind = words[1] if len(words) > 1 else None
            name = words[2] if len(words) > 2 else None
            return shows.show_interfaces(dev, kind, name)
        if words == ["system", "commit"]:
            return shows.show_commits(dev)
        return f"\n  Invalid command: [show {' '.join(words)}]\n\n"

    def _close(self) -> None:
        self.closed = True
        self.drop()

    # ------------------------------------------------------------------ config mode
    def _changed(self) -> bool:
        assert self.base is not None and self.working is not None
        return self.device.effective(self.base, self.working) != self.device.running

    def _reset(self) -> None:
        with self.device.lock:
            self.base = self.device.running.copy()
            self.working = self.base.copy()

    def _config(self, line: str) -> str:
        words = line.split()
        verb = words[0]
        if verb in ("set", "delete"):
            return self._set_delete(line)
        if verb == "compare":
            return self._compare(words[1:])
        if verb == "commit":
            return self._commit(line[len("commit"):].strip())
        if verb == "commit-confirm":
            return self._commit_confirm(words[1:])
        if line == "confirm":
            return self._confirm()
        if verb == "save":
            return self._save(words[1:])
        if line == "discard":
            changed = self._changed()
            self._reset()
            return "  Changes have been discarded\n" if changed else \
                "  No changes have been discarded\n"
        if verb in ("exit", "quit"):
            return self._exit(words[1:])
        if verb == "show":
            return self._show_working(words[1:])
        if verb == "run" and len(words) > 1:
            return self._op(line[len("run"):].strip())
        return f"\n  Invalid command: [{line}]\n\n"

    def _set_delete(self, line: str) -> str:
        assert self.working is not None
        words = split_words(line)
        verb = words[0].text
        if len(words) < 2:
            return f"\n  Invalid command: [{line}]\n\n"
        texts = [w.text for w in words[1:]]
        res = self.device.schema.resolve(texts, words[-1].quoted,
                                         for_delete=verb == "delete")
        if isinstance(res, PathError):
            return res.text(verb)
        if verb == "set":
            return self._set(res, texts)
        if not self.working.exists(res.path, res.value):
            what = "value" if res.value is not None else "node"
            return f"\n  Nothing to delete (the specified {what} does not exist)\n\n"
        self.working.delete(res.path, res.value)
        return ""

    def _set(self, res: Resolved, texts: list[str]) -> str:
        assert self.working is not None
        if self.working.exists(res.path, res.value):
            return f"\n  Configuration path: [{' '.join(texts)}] already exists\n\n"
        apply_resolved(self.working, res, append=False)
        return ""

    def _compare(self, words: list[str]) -> str:
        assert self.base is not None and self.working is not None
        dev = self.device
        v14 = dev.version not in ("1.2", "1.3")
        target = dev.effective(self.base, self.working)
        old, label = dev.running, "active"
        if words == ["saved"]:
            old, label = dev.saved, "saved"
        elif words == ["commands"] and v14:
            lines = diff_commands(old, target)
            if lines:
                return "\n".join(lines) + "\n"
        elif words:
            return f"\n  Invalid command: [compare {' '.join(words)}]\n\n"
        text = compare_text(old, target, dev.version) if words != ["commands"] else ""
        if text:
            return text
        return f"No changes between working and {label} configurations" + (
            ".\n" if v14 else "\n")

    def _commit(self, rest: str, via: str = "cli") -> str:
        assert self.base is not None and self.working is not None
        comment = ""
        if rest:
            match = _COMMENT.match(rest)
            if match is None:
                return f"\n  Invalid command: [commit {rest}]\n\n"
            comment = next(g for g in match.groups() if g is not None)
        result = self.device.commit(self.base, self.working, self.username, comment, via)
        if result.ok:
            self._reset()
            self.unsaved_commit = True
        return result.text

    def _commit_confirm(self, words: list[str]) -> str:
        dev = self.device
        minutes = 10
        if words and any(ch.isdigit() for ch in words[0]):
            if not words[0].isdigit():
                return f"\n  Invalid command: [commit-confirm {' '.join(words)}]\n\n"
            minutes = int(words.pop(0))
        rest = " ".join(words)
        if not self._changed():
            return "No configuration changes to commit\n"
        legacy = dev.version in ("1.2", "1.3")
        if legacy:
            if not dev.running.exists(("system", "config-management", "commit-revisions")):
                return "commit-revisions is not configured.\n\n"
            if dev.confirm_pending():
                return "Another confirm is pending\n" + self._commit(rest)
            question = (f"commit confirm will be automatically reboot in {minutes} minutes "
                        "unless confirmed\nProceed? [confirm]")
        else:
            if dev.confirm_pending():
                return "Another confirm is pending\n"
            warn = ("\nYou should save previous commits before commit-confirm !\n"
                    if dev.unsaved else "")
            question = (f"{warn}\ncommit-confirm will automatically reboot in {minutes} "
                        "minutes unless changes\nare confirmed.\n\nProceed ? [Y/n] ")

        def answer(reply: str) -> str:
            word = reply.strip().lower()
            if legacy:
                if word not in ("", "y", "yes"):
                    return "commit-confirm canceled\n"
                out = ""
            else:
                if word not in ("", "y", "ye", "yes", "n", "no"):
                    self._answer = answer
                    return "Please respond with yes/y or no/n\n" + question
                if word in ("n", "no"):
                    return "commit-confirm canceled\n"
                out = (f"Initialized commit-confirm; {minutes} minutes to confirm before "
                       "reboot\n")
            text = self._commit(rest)
            if self.working is not None and not self._changed() and "failed" not in text:
                dev.arm_confirm(minutes)
            return out + text

        self._answer = answer
        return question

    def _confirm(self) -> str:
        stopped = self.device.cancel_confirm()
        if not stopped:
            return "No confirm pending\n"
        return "" if self.device.version in ("1.2", "1.3") else "Reboot timer stopped\n"

    def _save(self, words: list[str]) -> str:
        dev = self.device
        out = ""
        if self._changed():
            out += "Warning: you have uncommitted changes that will not be saved.\n\n"
        target = words[0] if words else "/config/config.boot"
        if words:
            out += f"Saving configuration to '{target}'...\nDone\n"
            return out
        dev.save()
        self.unsaved_commit = False
        return out + f"Saving configuration to '{target}'...\nDone\n"

    def _exit(self, words: list[str]) -> str:
        if words not in ([], ["discard"]):
            return f'Invalid argument "{" ".join(words)}" for \'exit\'\n'
        if self._changed() and not words:
            return ("Cannot exit: configuration modified.\n"
                    "Use 'exit discard' to discard the changes and exit.\n")
        out = ""
        if self.unsaved_commit and self.device.unsaved:
            out = "Warning: configuration changes have not been saved.\n"
        self.mode = "op"
        self.base = self.working = None
        self.unsaved_commit = False
        return out + "exit\n"

    def _show_working(self, words: list[str]) -> str:
        assert self.base is not None and self.working is not None
        tree = self.device.effective(self.base, self.working)
        node = tree.get(words) if words else tree.root
        if node is None or (words and not node.children and not node.values):
            return "\nConfiguration under specified path is empty\n\n"
        if words and not node.children:
            return "".join(f"{words[-1]} {v}\n" for v in node.values) or f"{words[-1]}\n"
        return render_curly(ConfigTree(node) if words else tree)
