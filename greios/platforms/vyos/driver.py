"""One SSH session to a VyOS router on netmiko's ``vyos`` device type.

The same public surface as the IOS :class:`greios.platforms.ios.driver.DeviceSession`
(``open``/``close``, ``get_running``, ``preflight``, ``load_merge``, ``compare``,
``commit(revert_in)``, ``confirm``, ``rollback``, ``replace``, ``discard``, ``pending``,
``line_states``, ``ping`` ...) and the same :mod:`greios.errors` classes, so deploy maps
every outcome to the same exit code. netmiko is imported lazily (inside functions).

How a change goes (``docs/vyos.md``, "Driver"):

* ``load_merge`` types each ``set``/``delete`` line in configuration mode and reads the
  answer up to the config prompt; a line VyOS refuses (``Set failed``, ``is not valid``
  ...) discards the session's changes (``exit discard``) and raises :class:`CommitError`
  naming the router and the line: nothing was committed, the router is exactly as before;
* ``commit(revert_in)`` runs ``commit-confirm N`` (N = revert_in rounded up to minutes)
  and answers its question; ``confirm`` runs ``confirm`` and only then ``save``. Without
  ``revert_in``: ``commit`` then ``save``. A failed commit is discarded and raises
  :class:`CommitError`;
* ``rollback`` puts the running config back to the backup taken before the load (the
  inverse ``delete``/``set`` delta, committed, then ``confirm`` to stop a pending reboot
  timer), or, without a backup while a confirm is pending, to the saved config (what the
  timer would reboot into). ``replace`` does the same towards any set-command text.

Timing: netmiko's own helpers (``config_mode``, ``commit``, ``exit_config_mode``,
``save_config``) call ``check_config_mode``, which always waits 2 s of silence, and the
login's ``_test_channel_read`` waits another 2 s. This driver reads every answer up to the
prompt it expects (``send_command(..., expect_string=...)``), tracks the CLI mode itself
and logs in by reading up to the first prompt, so a cycle costs round trips, not idle
waits (``bench/vyos_bench.py``).
"""

from __future__ import annotations

import contextlib
import functools
import math
import re
import socket
from dataclasses import dataclass, field
from types import TracebackType
from typing import Any

from greios.deploy.devinfo import (
    InterfaceState,
    PendingCommit,
    PingResult,
    Preflight,
    PreflightError,
    TransferError,
    connect_kind,
    first_line,
)
from greios.deploy.logscrub import SCRUBBER, scrub_text
from greios.deploy.target import DeviceTarget
from greios.errors import (
    CommitError,
    DeviceAuthError,
    DeviceConnectError,
    DeviceError,
    DeviceTimeoutError,
    GreiosError,
    RollbackError,
)
from greios.platforms.vyos.diff import diff_commands
from greios.platforms.vyos.parse import parse_config
from greios.platforms.vyos.render import render_commands
from greios.platforms.vyos.schema import VyosVersionError, normalize_version

__all__ = ["SECRET_LINES", "VersionMismatchError", "VyosPreflight", "VyosSession"]

#: set-lines holding a secret (group ``key``): PSKs of every version, login passwords
SECRET_LINES: tuple[re.Pattern[str], ...] = (
    re.compile(r"\b(?:pre-shared-secret|secret|plaintext-password|encrypted-password|"
               r"passphrase)\s+'?(?P<key>[^'\s]+)'?"),
)
#: what VyOS prints for a set/delete line it refuses (vyatta-cfg-run, cstore)
REJECTED = ("Set failed", "Delete failed", "is not valid", "Invalid command",
            "Value validation failed", "requires a value", "Incomplete command",
            "is ambiguous")
COMMIT_FAILED = ("Commit failed", "Failed to generate committed config")
NO_CHANGES = "No changes between working and"
# op-mode files that exist while a commit-confirm reboot is scheduled: 1.4+ config_mgmt
# schedules it with `shutdown -r +N` (systemd), 1.2/1.3 vyatta-config-mgmt with an `at` job
PENDING_FILE = {"legacy": "/var/run/confirm.job", "current": "/run/systemd/shutdown/scheduled"}
_VERSION_RE = re.compile(r"^Version:\s+VyOS\s+(\S+)", re.M)
_COMMIT_BY_RE = re.compile(r"^\s*0\s+\S+\s+\S+\s+by\s+(\S+)", re.M)
_SUMMARY_RE = re.compile(r"^(\S+)\s+(?:\S+\s+)?([uAD])/([uAD])(?:\s|$)")
_SENT_RE = re.compile(r"(\d+) packets transmitted, (\d+) received")
_NETMIKO_KEYS = ("global_delay_factor", "fast_cli", "keepalive", "session_log",
                 "ssh_config_file", "use_keys", "key_file", "allow_agent", "passphrase",
                 "disabled_algorithms", "sock")
ICMP_IP_OVERHEAD = 28  # VyOS `ping size` is the ICMP payload; greios sizes are IP datagrams


class VersionMismatchError(PreflightError):
    """The router's ``show version`` disagrees with the inventory's ``vyos_version``."""

    default_message = "the router runs another VyOS version than the inventory says"


@dataclass(frozen=True)
class VyosPreflight(Preflight):
    """:class:`Preflight` of a VyOS router (``archive`` = commit-confirm available)."""

    version: str = ""

    def refusal(self, *, need_confirm: bool, min_free: int = 0) -> str | None:
        if self.pending_user is not None:
            return (f"{self.router}: a commit-confirm by {self.pending_user!r} is still "
                    "waiting for 'confirm' (reboot timer running); confirm or roll it back "
                    "first")
        if need_confirm and not self.archive:
            return (f"{self.router}: commit-confirm on VyOS {self.version} needs 'set system "
                    "config-management commit-revisions N' (see docs/vyos.md)")
        return None


@functools.cache
def connection_class() -> type:
    """netmiko's ``VyOSSSH`` with a login that reads up to the first prompt.

    netmiko's ``session_preparation`` waits for 2 s of silence after the banner
    (``_test_channel_read``) and sleeps before clearing the buffer; this one reads until
    the prompt each time, so logging in costs the SSH handshake and three round trips.
    ``cleanup`` just sends ``exit`` (netmiko's first checks config mode: 2 s more).
    """
    from netmiko.vyos.vyos_ssh import VyOSSSH

    class GreiosVyosSSH(VyOSSSH):
        def session_preparation(self) -> None:
            self._test_channel_read(pattern=r"[$#>]\s*$")
            self.set_base_prompt()
            prompt = rf"{re.escape(self.base_prompt)}[^\n]*[$#]\s*$"
            for command in ("set terminal width 512", "set terminal length 0"):
                self.write_channel(command + self.RETURN)
                self.read_until_pattern(pattern=prompt, read_timeout=20)

        def cleanup(self, command: str = "exit") -> None:
            with contextlib.suppress(Exception):
                self.write_channel(command + self.RETURN)

    return GreiosVyosSSH


@dataclass
class VyosSession:
    """Context manager around one netmiko ``vyos`` connection for a :class:`DeviceTarget`.

    ``version``: the inventory's ``vyos_version`` (else ``target.optional_args
    ["vyos_version"]``); when given, :meth:`open` refuses a router whose ``show version``
    says otherwise (:class:`VersionMismatchError`).
    """

    target: DeviceTarget
    version: str | None = None
    rejected: list[str] = field(default_factory=list, init=False, repr=False)
    notes: list[str] = field(default_factory=list, init=False, repr=False)
    release: str = field(default="", init=False)
    _conn: Any = field(default=None, init=False, repr=False)
    _mode: str = field(default="op", init=False, repr=False)
    _secrets: set[str] = field(default_factory=set, init=False, repr=False)
    _running: str | None = field(default=None, init=False, repr=False)
    _backup: str | None = field(default=None, init=False, repr=False)
    _pending: bool = field(default=False, init=False, repr=False)
    _broken: bool = field(default=False, init=False, repr=False)

    # ------------------------------------------------------------------ lifecycle
    def __enter__(self) -> VyosSession:
        self.open()
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.close()

    @property
    def name(self) -> str:
        return self.target.name

    def connect_args(self) -> dict[str, Any]:
        t = self.target
        args: dict[str, Any] = {
            "device_type": "vyos", "host": t.host, "port": t.port, "username": t.username,
            "password": t.password, "conn_timeout": min(10, t.timeout),
            "auth_timeout": min(10, t.timeout), "banner_timeout": min(15, t.timeout),
            "fast_cli": True,
        }
        args.update({k: v for k, v in t.optional_args.items() if k in _NETMIKO_KEYS})
        return args

    def open(self) -> None:
        self.add_secrets(self.target.secrets())
        SCRUBBER.install()
        expected = self._expected_version()
        cls = connection_class()
        self._conn = self._call("connect", cls, opening=True, **self.connect_args())
        self._mode = "op"
        try:
            self._check_version(expected)
        except GreiosError:
            self.close()
            raise

    def _expected_version(self) -> str | None:
        raw = self.version or self.target.optional_args.get("vyos_version")
        if raw is None:
            return None
        try:
            return normalize_version(str(raw))
        except VyosVersionError as exc:
            raise PreflightError(f"{self.name}: {exc}") from None

    def _check_version(self, expected: str | None) -> None:
        out = self._op("show version", "reading the version")
        m = _VERSION_RE.search(out)
        if m is None:
            raise PreflightError(f"{self.name}: 'show version' names no VyOS release: "
                                 f"{self._scrub(first_line(out))!r}")
        self.release = m.group(1)
        try:
            detected = normalize_version(self.release)
        except VyosVersionError as exc:
            raise PreflightError(f"{self.name}: {exc}") from None
        if expected is not None and detected != expected:
            raise VersionMismatchError(
                f"{self.name}: the router runs VyOS {self.release} (version {detected}) but "
                f"the inventory says vyos_version {expected}; nothing was changed (fix "
                "vyos_version: it chooses the configuration dialect)")
        self.version = detected

    def close(self) -> None:
        conn, self._conn = self._conn, None
        if conn is not None:
            if not self._broken and self._mode == "conf":
                with contextlib.suppress(Exception):  # uncommitted changes die with us
                    self._send_raw(conn, "exit discard", self._op_prompt(conn), 10.0)
            with contextlib.suppress(Exception):
                conn.disconnect()
        self._mode = "op"
        SCRUBBER.forget(self._secrets)

    def add_secrets(self, values: object) -> None:
        """Values to scrub from messages and third-party log records."""
        vals = {str(v) for v in values if v} if isinstance(values, (list, set, tuple)) else set()
        new = vals - self._secrets
        self._secrets |= new
        SCRUBBER.remember(new)

    # ------------------------------------------------------------------ error mapping
    def _scrub(self, text: str) -> str:
        return scrub_text(text, self._secrets)

    def _map(self, op: str, exc: BaseException, *, opening: bool = False) -> GreiosError:
        from netmiko import exceptions as mx
        from paramiko.ssh_exception import AuthenticationException, SSHException

        who = self.name
        if isinstance(exc, GreiosError):
            return exc
        if isinstance(exc, mx.NetmikoAuthenticationException | AuthenticationException):
            hint = self.target.credentials_hint
            return DeviceAuthError(f"{who}: authentication failed: the device rejected the "
                                   f"credentials of user {self.target.username!r}"
                                   + (f" (check {hint})" if hint else ""))
        if opening and (kind := connect_kind(exc)) is not None:
            return self._connect_error(kind)
        if isinstance(exc, mx.ReadTimeout | socket.timeout | TimeoutError) and not opening:
            if self._channel_closed():
                return self._lost(op)
            return DeviceTimeoutError(f"{who}: no answer within {self.target.timeout} s "
                                      f"during {op}")
        if isinstance(exc, mx.NetmikoTimeoutException) or opening:
            return DeviceConnectError(f"{who}: cannot connect to {self.target.host} port "
                                      f"{self.target.port} ({self._scrub(first_line(str(exc)))}"
                                      ")")
        if isinstance(exc, SSHException | EOFError | OSError):
            return self._lost(op)
        return DeviceError(f"{who}: {op} failed ({type(exc).__name__}: "
                           f"{self._scrub(first_line(str(exc)))})")

    def _lost(self, op: str) -> DeviceConnectError:
        return DeviceConnectError(f"{self.name}: connection lost during {op} (the router "
                                  "closed the session; an expired commit-confirm timer "
                                  "reboots VyOS into its saved config)")

    def _connect_error(self, kind: str) -> GreiosError:
        t = self.target
        where = f"{t.host} port {t.port}"
        hint = f"; check {t.address_hint}" if t.address_hint else ""
        if kind == "refused":
            return DeviceConnectError(f"{self.name}: cannot connect to {where}: connection "
                                      f"refused (nothing listens on that port{hint})")
        if kind == "timeout":
            return DeviceTimeoutError(f"{self.name}: cannot connect to {where}: TCP connect "
                                      f"timed out after {min(10, t.timeout)} s (no answer: "
                                      f"wrong address, router down or filtered{hint})")
        return DeviceConnectError(f"{self.name}: cannot connect to {where}: no SSH banner "
                                  "(the port accepts TCP connections but no SSH server "
                                  f"greeted within {min(15, t.timeout)} s{hint})")

    def _channel_closed(self) -> bool:
        chan = getattr(self._conn, "remote_conn", None)
        if chan is None:
            return False
        transport = getattr(chan, "get_transport", lambda: None)()
        return bool(getattr(chan, "closed", False)) or (
            transport is not None and not transport.is_active())

    def _call(self, op: str, fn: Any, *args: Any, opening: bool = False, **kw: Any) -> Any:
        try:
            return fn(*args, **kw)
        except Exception as exc:
            mapped = self._map(op, exc, opening=opening)
            if isinstance(mapped, DeviceTimeoutError | DeviceConnectError):
                self._broken = True
            raise mapped from None

    # ------------------------------------------------------------------ the CLI
    @property
    def conn(self) -> Any:
        if self._conn is None:
            raise DeviceError(f"{self.name}: the session is not open")
        return self._conn

    @staticmethod
    def _op_prompt(conn: Any) -> str:
        return rf"^{re.escape(str(conn.base_prompt))}:[^\n]*\$ ?$"

    @staticmethod
    def _conf_prompt(conn: Any) -> str:
        return rf"^{re.escape(str(conn.base_prompt))}# ?$"

    @staticmethod
    def _send_raw(conn: Any, command: str, expect: str, read_timeout: float) -> str:
        """Type ``command`` and read up to ``expect`` (netmiko ``read_until_pattern``: polls
        every 10 ms; ``send_command`` polls every 25 ms and reads the echo separately).
        Returns the answer without the echo, the prompt and config mode's ``[edit]``."""
        conn.write_channel(conn.normalize_cmd(command))
        raw = str(conn.read_until_pattern(pattern=expect, read_timeout=read_timeout,
                                          re_flags=re.M))
        text = raw.replace("\r\n", "\n").replace("\r", "\n")
        echo, _, text = text.partition("\n")
        if command.strip() not in echo:  # no echo line: keep everything
            text = f"{echo}\n{text}"
        lines = text.rstrip().split("\n")
        if lines and re.search(expect, lines[-1], re.M) and not lines[-1].startswith(("[", "P")):
            lines.pop()  # the prompt (questions such as "Proceed ? [Y/n]" stay)
        text = "\n".join(lines).rstrip()
        if text.endswith("[edit]"):  # config mode ends every answer so
            text = text[: -len("[edit]")].rstrip()
        return text

    def _send(self, command: str, op: str, expect: str | None = None,
              read_timeout: float | None = None) -> str:
        conn = self.conn
        if self._broken or self._channel_closed():
            self._broken = True
            raise self._lost(op)
        if expect is None:
            expect = self._conf_prompt(conn) if self._mode == "conf" else self._op_prompt(conn)
        timeout = float(read_timeout if read_timeout is not None else min(30, self.target.timeout))
        return str(self._call(op, self._send_raw, conn, command, expect, timeout))

    def _op(self, command: str, op: str, read_timeout: float | None = None) -> str:
        """An operational-mode command (``run`` in front in configuration mode)."""
        if self._mode == "conf":
            return self._send(f"run {command}", op, read_timeout=read_timeout)
        return self._send(command, op, read_timeout=read_timeout)

    def _conf(self, command: str, op: str, expect: str | None = None,
              read_timeout: float | None = None) -> str:
        """A configuration-mode command (enters configuration mode first if needed)."""
        if self._mode != "conf":
            self._send("configure", op, expect=self._conf_prompt(self.conn))
            self._mode = "conf"
        return self._send(command, op, expect=expect, read_timeout=read_timeout)

    def _leave_conf(self, op: str, *, discard: bool = False) -> None:
        if self._mode == "conf":
            out = self._send("exit discard" if discard else "exit", op,
                             expect=self._op_prompt(self.conn) + "|" +
                             self._conf_prompt(self.conn))
            if "Cannot exit" in out:
                raise DeviceError(f"{self.name}: {op}: {self._scrub(first_line(out))}")
            self._mode = "op"

    # ------------------------------------------------------------------ reads
    def get_running(self) -> str:
        """``show configuration commands`` (set-lines, secrets in clear)."""
        out = self._op("show configuration commands", "reading the running config",
                       read_timeout=float(max(10, self.target.timeout)))
        self._running = out.strip()
        from greios.redact import config_secrets

        self.add_secrets(sorted(config_secrets([self._running], SECRET_LINES)))
        return self._running

    def get_startup(self) -> str:
        """The saved config (``/config/config.boot``) as set-lines, like :meth:`get_running`."""
        out = self._op("cat /config/config.boot", "reading the saved config",
                       read_timeout=float(max(10, self.target.timeout)))
        return render_commands(parse_config(out, self.version).tree).strip()

    def pending(self) -> PendingCommit | None:
        """The commit waiting for ``confirm``, if any (its user: the last commit's)."""
        legacy = self.version in ("1.2", "1.3")
        path = PENDING_FILE["legacy" if legacy else "current"]
        out = self._op(f"cat {path}", "reading the commit-confirm timer")
        if not out.strip() or "No such file" in out:
            self._pending = False
            return None
        self._pending = True
        commits = self._op("show system commit", "reading the commit history")
        m = _COMMIT_BY_RE.search(commits)
        user = m.group(1) if m else self.target.username
        return PendingCommit(self.name, user)

    def pending_commit(self) -> bool:
        return self.pending() is not None

    def preflight(self) -> VyosPreflight:
        """Commit-confirm availability (1.2/1.3 need ``commit-revisions``) and no foreign
        pending confirm. Nothing else is needed: the change is typed, not copied."""
        running = self._running if self._running is not None else self.get_running()
        legacy = self.version in ("1.2", "1.3")
        confirm_ok = not legacy or "set system config-management commit-revisions" in running
        notes: list[str] = []
        if not confirm_ok:
            notes.append("no 'system config-management commit-revisions': VyOS "
                         f"{self.version} refuses commit-confirm")
        pending = self.pending()
        return VyosPreflight(self.name, confirm_ok, None, True, True, True, None, None,
                             False, tuple(notes), pending.user if pending else None,
                             version=str(self.version))

    @property
    def toggled_file_prompt(self) -> bool:
        return False

    def drop_file_prompt_quiet(self) -> bool:
        """IOS only (napalm's ``file prompt quiet``): nothing to do on VyOS."""
        return False

    def compare(self) -> str:
        """``compare``: the session's uncommitted changes ("" when none)."""
        out = self._conf("compare", "compare")
        return "" if NO_CHANGES in out else out.strip("\n")

    def line_states(self) -> dict[str, InterfaceState]:
        """State of every interface from the ``show interfaces`` summary (S/L column)."""
        out = self._op("show interfaces", "reading interfaces")
        states: dict[str, InterfaceState] = {}
        for line in out.splitlines():
            m = _SUMMARY_RE.match(line)
            if m is None or m.group(1) in ("Interface", "Codes:"):
                continue
            states[m.group(1)] = InterfaceState(m.group(1),
                                                m.group(2) == "u" and m.group(3) == "u",
                                                m.group(2) != "A", self._mtu(m.group(1)))
        return states

    def interfaces(self) -> dict[str, InterfaceState]:
        return self.line_states()

    def _mtu(self, ifname: str) -> int | None:
        m = re.search(rf"^set interfaces \S+ {re.escape(ifname)} mtu '(\d+)'$",
                      self._running or "", re.M)
        return int(m.group(1)) if m else None

    def ping(self, dest: str, *, size: int = 100, df: bool = False, source: str | None = None,
             count: int = 5) -> PingResult:
        """``ping <dest> count C size S [do-not-fragment] [source-address X]``.

        ``size`` is the IP datagram size, as for IOS (``ping size`` there); VyOS's ``size``
        is the ICMP payload, so S = size - 28 (1476 → ``size 1448``, the GRE MTU probe).
        """
        payload = max(0, int(size) - ICMP_IP_OVERHEAD)
        cmd = f"ping {dest} count {int(count)} size {payload}" + (
            " do-not-fragment" if df else "") + (f" source-address {source}" if source else "")
        out = self._op(cmd, f"ping {dest}", read_timeout=max(10.0, 2.0 * count + 5))
        m = _SENT_RE.search(out)
        if m is None:
            return PingResult(dest, size, df, 0, 0, error=self._scrub(first_line(out)))
        return PingResult(dest, size, df, int(m.group(1)), int(m.group(2)))

    # ------------------------------------------------------------------ changes
    def load_merge(self, config: str) -> None:
        """Type the ``set``/``delete`` lines of ``config`` in configuration mode.

        The first line VyOS refuses discards every change of this session and raises
        :class:`CommitError` naming the router and the line (``rejected`` holds it).
        """
        from greios.redact import config_secrets

        lines = _config_lines(config)
        self.add_secrets(sorted(config_secrets([config], SECRET_LINES)))
        foreign = [ln for ln in lines if not ln.startswith(("set ", "delete "))]
        if foreign:
            raise TransferError(f"{self.name}: not a VyOS set/delete line: "
                                f"'{self._scrub(foreign[0])}'; nothing was sent")
        if self._backup is None:
            self._backup = self._running if self._running is not None else self.get_running()
        self.rejected = []
        for line in lines:
            out = self._conf(line, "loading the change")
            if any(marker in out for marker in REJECTED):
                self._reject(line, out)

    def _reject(self, line: str, out: str) -> None:
        shown = self._scrub(line)
        self.rejected = [shown]
        reason = self._scrub(first_line(out))
        with contextlib.suppress(GreiosError):
            self._leave_conf("discarding the change", discard=True)
        raise CommitError(f"{self.name}: the device rejected the line '{shown}' ({reason}); "
                          "the change was discarded, nothing committed")

    def commit(self, revert_in: int | None) -> None:
        """Commit the loaded lines: ``commit-confirm N`` (N = ``revert_in`` / 60 rounded
        up; VyOS reboots into the saved config unless :meth:`confirm` follows) or, without
        ``revert_in``, ``commit`` + ``save``."""
        if revert_in is not None and not 60 <= revert_in <= 7200:
            raise PreflightError(f"{self.name}: revert_in must be 60..7200 seconds, "
                                 f"got {revert_in}")
        timeout = float(max(60, self.target.timeout))
        if revert_in is None:
            out = self._conf("commit", "commit", read_timeout=timeout)
            self._check_commit(out)
            self._save("commit")
            return
        minutes = max(1, math.ceil(revert_in / 60))
        question = r"\[Y/n\] ?$|\[confirm\] ?$|" + self._conf_prompt(self.conn)
        out = self._conf(f"commit-confirm {minutes}", "commit", expect=question)
        if out.rstrip().endswith(("[Y/n]", "[confirm]")):
            out += "\n" + self._send("y", "commit", read_timeout=timeout)
        elif "Another confirm is pending" in out or "commit-revisions" in out:
            self._discard_quietly()
            raise PreflightError(f"{self.name}: commit-confirm refused: "
                                 f"{self._scrub(first_line(out))}; nothing was committed")
        self._check_commit(out)
        self._pending = "No configuration changes to commit" not in out

    def _check_commit(self, out: str) -> None:
        if not any(marker in out for marker in COMMIT_FAILED):
            return
        reason = _commit_reason(out)
        self._discard_quietly()
        raise CommitError(f"{self.name}: commit failed: {self._scrub(reason)}; the change "
                          "was discarded")

    def _discard_quietly(self) -> None:
        with contextlib.suppress(GreiosError):
            self._leave_conf("discarding the change", discard=True)

    def _save(self, op: str) -> None:
        out = self._conf("save", op, read_timeout=float(max(30, self.target.timeout)))
        if "Done" not in out:
            raise CommitError(f"{self.name}: save failed after the commit: "
                              f"{self._scrub(first_line(out))}")

    def confirm(self) -> None:
        """``confirm`` the pending commit-confirm, then ``save`` (never before)."""
        op = "confirming the commit"
        out = self._conf("confirm", op)
        if "No confirm pending" in out:
            raise CommitError(f"{self.name}: no commit is pending confirmation (did the "
                              "commit-confirm timer expire?)")
        self._pending = False
        self._save(op)
        self._backup = None

    def rearm_revert(self, minutes: int) -> None:
        """VyOS cannot restart a commit-confirm timer: the commit's ``revert_in`` already
        covers the wait (deploy lengthens it for staged groups). Recorded in ``notes``."""
        note = (f"VyOS cannot re-arm its commit-confirm timer ({int(minutes)} min asked); "
                "the timer set at commit keeps running")
        if note not in self.notes:
            self.notes.append(note)

    def discard(self) -> None:
        """Drop the session's uncommitted changes and leave configuration mode."""
        self._leave_conf("discard", discard=True)
        self._backup = None

    def rollback(self, *, drop_file_prompt: bool | None = None) -> None:
        """Back to the config before :meth:`load_merge` (``drop_file_prompt``: IOS only).

        Uncommitted changes are discarded; a committed change is undone by the inverse
        delta, committed; a pending commit-confirm timer is then stopped with ``confirm``
        (so no reboot follows). Without a backup (a new session) and with a confirm
        pending, the target is the saved config: what the timer would reboot into.
        """
        del drop_file_prompt
        try:
            self._discard_quietly()
            pending = self._pending or self.pending() is not None
            target = self._backup
            if target is None:
                if not pending:
                    return  # nothing this driver changed is known to be left
                target = self.get_startup()
            self._restore(target, "rollback")
            if pending:
                out = self._conf("confirm", "rollback (stopping the reboot timer)")
                if "No confirm pending" in out:
                    self.notes.append("the commit-confirm timer had already stopped")
                self._pending = False
            else:
                self._save("rollback")
            self._leave_conf("rollback")
            self._backup = None
        except RollbackError:
            raise
        except GreiosError as exc:
            raise RollbackError(f"{self.name}: rollback failed: {exc}") from None

    def replace(self, config: str) -> None:
        """Make the running config equal ``config`` (set-lines), commit and save."""
        self._discard_quietly()
        self._restore(config, "replace")
        self._save("replace")
        self._leave_conf("replace")

    def _restore(self, config: str, op: str) -> None:
        """Type the delta from the running config to ``config`` and commit it."""
        from greios.redact import config_secrets

        self.add_secrets(sorted(config_secrets([config], SECRET_LINES)))
        current = parse_config(self.get_running(), self.version).tree
        wanted = parse_config(config, self.version).tree
        lines = diff_commands(current, wanted)
        if not lines:
            return
        for line in lines:
            out = self._conf(line, op)
            if any(marker in out for marker in REJECTED):
                self._discard_quietly()
                raise CommitError(f"{self.name}: {op}: the device rejected the line "
                                  f"'{self._scrub(line)}' ({self._scrub(first_line(out))})")
        out = self._conf("commit", op, read_timeout=float(max(60, self.target.timeout)))
        self._check_commit(out)


def _config_lines(config: str) -> list[str]:
    """The set/delete lines of a change: comments dropped, and the ``end`` deploy closes
    every change with (it ends IOS's config mode; this driver leaves configuration mode
    itself)."""
    return [ln.strip() for ln in config.splitlines()
            if ln.strip() and ln.strip() != "end" and not ln.lstrip().startswith(("#", "!"))]


def _commit_reason(out: str) -> str:
    """The message of a failed commit (the line after ``[ path ]``), else its first line."""
    lines = [ln.strip() for ln in out.splitlines() if ln.strip()]
    for i, line in enumerate(lines):
        if line.startswith("[ ") and line.endswith(" ]") and i + 1 < len(lines):
            return f"{line[2:-2]}: {lines[i + 1]}"
    return first_line(out)
