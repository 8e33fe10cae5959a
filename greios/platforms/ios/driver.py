"""One NAPALM ``ios`` session to a router, with every failure mapped to a greios error.

This is the only module of greios that imports napalm (lazily, inside functions). Every
napalm / netmiko / paramiko / socket exception leaves it as a :mod:`greios.errors` class
with a one-line message that names the router and never contains a secret: credentials,
and every secret-looking value of the config being pushed, are scrubbed from messages and
from the log records napalm/netmiko/paramiko emit while a session is open.
"""

from __future__ import annotations

import contextlib
import re
import socket
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType
from typing import Any

from greios.deploy.devinfo import (
    CONFIGURED_RE,
    DIR_OF_RE,
    FREE_RE,
    PRIV_RE,
    SUCCESS_RE,
    TIMER_RE,
    USER_RE,
    InterfaceState,
    PendingCommit,
    PingResult,
    Preflight,
    PreflightError,
    TransferError,
    connect_kind,
    first_line,
    rejected_lines,
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

__all__ = ["DeviceSession", "InterfaceState", "PendingCommit", "PingResult", "Preflight",
           "PreflightError", "TransferError", "rejected_lines"]


@dataclass
class DeviceSession:
    """Context manager around napalm's ``ios`` driver for one :class:`DeviceTarget`."""

    target: DeviceTarget
    _driver: Any = field(default=None, init=False, repr=False)
    _secrets: set[str] = field(default_factory=set, init=False, repr=False)
    _preflight: Preflight | None = field(default=None, init=False, repr=False)
    _running: str | None = field(default=None, init=False, repr=False)
    _broken: bool = field(default=False, init=False, repr=False)
    rejected: list[str] = field(default_factory=list, init=False, repr=False)

    # ------------------------------------------------------------------ lifecycle
    def __enter__(self) -> DeviceSession:
        self.open()
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.close()

    @property
    def name(self) -> str:
        return self.target.name

    def optional_args(self) -> dict[str, object]:
        t = self.target
        args: dict[str, object] = {
            "port": t.port,
            # netmiko read timeouts (commit 90 s, save 100 s, ping 100 s) capped per device
            "read_timeout_override": float(t.timeout),
            "conn_timeout": min(10, t.timeout),
            "auth_timeout": min(10, t.timeout),
            "banner_timeout": min(15, t.timeout),
        }
        if t.enable_secret:
            args["secret"] = t.enable_secret
        args.update(dict(t.optional_args))
        return args

    def open(self) -> None:
        from napalm import get_network_driver

        self.add_secrets(self.target.secrets())
        SCRUBBER.install()
        driver_cls = get_network_driver("ios")
        driver = driver_cls(hostname=self.target.host, username=self.target.username,
                            password=self.target.password, timeout=self.target.timeout,
                            optional_args=self.optional_args())
        self._call("connect", driver.open, opening=True)
        self._driver = driver

    def close(self) -> None:
        driver, self._driver = self._driver, None
        if driver is not None:
            if self._broken:  # the channel is out of step: drop it, do not talk to it
                _hard_close(driver)
            else:
                with contextlib.suppress(Exception):
                    driver.close()
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
        from napalm.base import exceptions as nx
        from netmiko import exceptions as mx
        from paramiko.ssh_exception import AuthenticationException, SSHException

        who = self.name
        if isinstance(exc, GreiosError):
            return exc
        if isinstance(exc, (mx.NetmikoAuthenticationException, AuthenticationException)):
            hint = self.target.credentials_hint
            return DeviceAuthError(f"{who}: authentication failed: the device rejected the "
                                   f"credentials of user {self.target.username!r}"
                                   + (f" (check {hint})" if hint else ""))
        if opening:
            kind = connect_kind(exc)
            if kind is not None:
                return self._connect_error(kind)
        if isinstance(exc, mx.ReadTimeout | socket.timeout | TimeoutError):
            if self._channel_closed():
                return DeviceConnectError(f"{who}: connection lost during {op} (the router "
                                          "closed the session)")
            return DeviceTimeoutError(f"{who}: no answer within {self.target.timeout} s "
                                      f"during {op}")
        if isinstance(exc, nx.ConnectionException | mx.NetmikoTimeoutException) or opening:
            text = str(exc)
            if "timed-out" in text.lower() and "tcp connection" not in text.lower():
                return DeviceTimeoutError(f"{who}: no answer within {self.target.timeout} s "
                                          f"during {op}")
            return DeviceConnectError(f"{who}: cannot connect to {self.target.host} port "
                                      f"{self.target.port} ({self._reason(exc)})")
        if isinstance(exc, SSHException | EOFError | ConnectionError | BrokenPipeError):
            return DeviceConnectError(f"{who}: connection lost during {op} "
                                      f"({type(exc).__name__})")
        if isinstance(exc, nx.MergeConfigException | nx.ReplaceConfigException
                      | nx.CommitError):
            text = str(exc)
            bad = rejected_lines(text)
            if bad:
                self.rejected = [self._scrub(b) for b in bad]
                return CommitError(f"{who}: the device rejected the line "
                                   f"'{self.rejected[0]}'; napalm rolled back")
            return CommitError(f"{who}: {op} failed: {self._scrub(first_line(text))}")
        if isinstance(exc, nx.CommitConfirmException):
            return PreflightError(f"{who}: {op} failed: {self._scrub(first_line(str(exc)))}")
        if isinstance(exc, nx.CommandErrorException):
            return TransferError(f"{who}: {op} failed: {self._scrub(first_line(str(exc)))}")
        if isinstance(exc, OSError):
            return DeviceConnectError(f"{who}: connection error during {op} "
                                      f"({self._reason(exc)})")
        if isinstance(exc, ValueError):
            return DeviceError(f"{who}: {op} failed: {self._scrub(first_line(str(exc)))}")
        return DeviceError(f"{who}: {op} failed ({type(exc).__name__}: "
                           f"{self._scrub(first_line(str(exc)))})")

    def _connect_error(self, kind: str) -> GreiosError:
        t = self.target
        args = self.optional_args()
        where = f"{t.host} port {t.port}"
        hint = f"; check {t.address_hint}" if t.address_hint else ""
        if kind == "refused":
            return DeviceConnectError(f"{self.name}: cannot connect to {where}: connection "
                                      f"refused (nothing listens on that port{hint})")
        if kind == "timeout":
            return DeviceTimeoutError(f"{self.name}: cannot connect to {where}: TCP connect "
                                      f"timed out after {args['conn_timeout']} s (no answer: "
                                      f"wrong address, router down or filtered{hint})")
        return DeviceConnectError(f"{self.name}: cannot connect to {where}: no SSH banner "
                                  f"(the port accepts TCP connections but no SSH server "
                                  f"greeted within {args['banner_timeout']} s{hint})")

    def _channel_closed(self) -> bool:
        conn = getattr(self._driver, "device", None)
        chan = getattr(conn, "remote_conn", None)
        if chan is None:
            return False
        transport = getattr(chan, "get_transport", lambda: None)()
        return bool(getattr(chan, "closed", False)) or (
            transport is not None and not transport.is_active())

    def _reason(self, exc: BaseException) -> str:
        inner: BaseException | None = exc
        while inner is not None:
            if isinstance(inner, ConnectionRefusedError):
                return "connection refused"
            if isinstance(inner, socket.timeout | TimeoutError):
                return "connect timed out"
            inner = inner.__cause__ or inner.__context__
        text = str(exc).lower()
        if "refused" in text:
            return "connection refused"
        if "tcp connection to device failed" in text:
            return "TCP connection failed"
        return self._scrub(first_line(str(exc))) or type(exc).__name__

    def _call(self, op: str, fn: Any, *args: Any, opening: bool = False, **kw: Any) -> Any:
        try:
            return fn(*args, **kw)
        except Exception as exc:
            mapped = self._map(op, exc, opening=opening)
            if isinstance(mapped, DeviceTimeoutError | DeviceConnectError):
                self._broken = True
            raise mapped from None

    @property
    def driver(self) -> Any:
        if self._driver is None:
            raise DeviceError(f"{self.name}: the session is not open")
        return self._driver

    def send(self, command: str, op: str, read_timeout: float | None = None) -> str:
        """One privileged-exec command. It reads up to the exec prompt netmiko found at
        login (``R1#``) instead of asking for the prompt again before every command
        (netmiko's default, a fixed sleep per command)."""
        kw: dict[str, Any] = {}
        if read_timeout is not None:
            kw["read_timeout"] = read_timeout
        prompt = self._exec_prompt()
        if prompt:
            kw["expect_string"] = prompt
        out = self._call(op, self.driver.device.send_command, command, **kw)
        return str(out)

    def _exec_prompt(self) -> str:
        """The exec prompt as a pattern: netmiko keeps the first 16 characters of the
        hostname (IOS shortens it in config mode only), so longer names continue; a config
        mode prompt (``R1(config)#``) does not match."""
        base = str(getattr(self.driver.device, "base_prompt", "") or "")
        return rf"(?m)(?:^{re.escape(base)}[^\s(#]*#\s*$)" if base else ""

    def _configure(self, lines: list[str], op: str, enter: str = "configure terminal") -> str:
        """Enter config mode with ``enter``, type ``lines`` and ``end`` in one write, read up
        to the exec prompt (netmiko's ``send_config_set`` checks the mode before and after
        and reads each echo: five more round trips for one line)."""
        dev = self.driver.device
        prompt = self._exec_prompt()
        if not prompt:  # no prompt known: netmiko's way
            return str(self._call(op, dev.send_config_set, lines,
                                  config_mode_command=enter))
        text = "".join(f"{x}{dev.RETURN}" for x in [enter, *lines, "end"])
        self._call(op, dev.write_channel, text)
        # read_until_pattern wraps the pattern in a group: the flag goes separately
        out = str(self._call(op, dev.read_until_pattern, pattern=prompt.removeprefix("(?m)"),
                             re_flags=re.M, read_timeout=float(max(10, self.target.timeout))))
        if "% Invalid" in out or "% Incomplete" in out or "% Ambiguous" in out:
            raise CommitError(f"{self.name}: {op} failed: "
                              f"{self._scrub(first_line(out[out.index('%'):]))}")
        return out

    def line_states(self) -> dict[str, InterfaceState]:
        """Status/protocol of every interface from ``show ip interface brief`` (one line per
        interface: cheap on a hub with hundreds of tunnels, unlike ``show interfaces``)."""
        out = self.send("show ip interface brief", "reading interfaces")
        states: dict[str, InterfaceState] = {}
        for line in out.splitlines():
            m = _BRIEF_RE.match(line)
            if m is None or m.group(1) == "Interface":
                continue
            status, protocol = m.group(2).strip(), m.group(3).strip()
            states[m.group(1)] = InterfaceState(m.group(1), status == "up" and protocol == "up",
                                                not status.startswith("administratively"))
        return states

    # ------------------------------------------------------------------ reads
    def get_running(self) -> str:
        """The running config exactly as napalm's ``get_config(retrieve="running")`` returns
        it (same post-processing and filter), read with one :meth:`send`."""
        out = self.send("show running-config", "reading the running config",
                        read_timeout=float(max(10, self.target.timeout)))
        post = getattr(type(self.driver), "_send_command_postprocess", None)
        if callable(post):
            out = str(post(out))
        self._running = _CONFIG_NOISE.sub("", out).strip()
        if "auto_file_prompt" not in self.target.optional_args and not self.toggled_file_prompt:
            # configured on the router: never toggle it (napalm would remove it on close);
            # once napalm added it itself, leave napalm in charge of removing it
            self.driver.auto_file_prompt = not _has_global(self._running, "file prompt quiet")
        return self._running

    def preflight(self) -> Preflight:
        """Check archive (+ no foreign pending commit), SCP server, file prompt, login
        privilege and flash space; decide SCP or inline transfer (docs/ios-prerequisites.md).
        """
        from greios.redact import config_secrets

        running = self._running if self._running is not None else self.get_running()
        self.add_secrets(sorted(config_secrets([running])))
        notes: list[str] = []
        path, write_mem = _archive_block(running)
        if path:  # an archive path in the running config: the archive is on (no round trip)
            archive = True
        else:
            archive_out = self.send("show archive", "preflight (show archive)")
            archive = "Archive feature not enabled" not in archive_out and "% Invalid" \
                not in archive_out
        pending: str | None = None
        if archive:
            timer = self.send("show archive config rollback timer", "preflight (show archive)")
            um = USER_RE.search(timer)
            pending = um.group(1) if um else None
        scp = any(line.strip() == "ip scp server enable" for line in running.splitlines())
        quiet = _has_global(running, "file prompt quiet")
        priv_out = self.send("show privilege", "preflight (show privilege)")
        m = PRIV_RE.search(priv_out)
        privilege: int | None = int(m.group(1)) if m else None
        if privilege is None and not self.target.enable_secret:
            privilege = 15  # logged straight into '#' without an enable secret
            notes.append("login privilege assumed 15 ('show privilege' not available)")
        dir_out = self.send("dir", "preflight (dir)")
        fs = DIR_OF_RE.search(dir_out)
        if fs and "dest_file_system" not in self.target.optional_args:
            # what napalm's own auto-detection would find (saves its `dir` + `dir fs:`)
            self.driver._dest_file_system = fs.group(1)
        fm = FREE_RE.search(dir_out)
        free = int(fm.group(1)) if fm else None
        forced = self.target.optional_args.get("inline_transfer")
        if forced is not None:
            inline = bool(forced)
        else:
            inline = not scp or (privilege is not None and privilege < 15)
        if not scp:
            notes.append("'ip scp server enable' missing: using inline (TCL) transfer, ~8 s")
        elif inline and privilege is not None and privilege < 15:
            notes.append(f"login privilege {privilege} < 15: SCP refused by IOS, using inline "
                         "(TCL) transfer")
        if not quiet:
            notes.append("'file prompt quiet' missing: napalm toggles it during the commit "
                         "(it may end up in startup-config, napalm#1033)")
        if archive and not write_mem:
            notes.append("archive has no 'write-memory'")
        self._preflight = Preflight(self.name, archive, path, write_mem, scp, quiet, privilege,
                                    free, inline, tuple(notes), pending)
        return self._preflight

    def pending(self) -> PendingCommit | None:
        """The change waiting for ``configure confirm`` on the router, if any."""
        out = self.send("show archive config rollback timer", "reading the revert timer")
        m = USER_RE.search(out)
        if m is None:  # "%No Rollback Confirmed Change pending", archive off, or no command
            return None
        timer = TIMER_RE.search(out)
        when = CONFIGURED_RE.search(out)
        return PendingCommit(self.name, m.group(1), timer.group(1) if timer else "",
                             when.group(1) if when else "")

    def get_startup(self) -> str:
        cfg = self._call("reading the startup config", self.driver.get_config,
                         retrieve="startup")
        return str(cfg["startup"])

    @property
    def toggled_file_prompt(self) -> bool:
        """True while napalm has added ``file prompt quiet`` (it removes it on close)."""
        return bool(getattr(self._driver, "prompt_quiet_changed", False))

    def drop_file_prompt_quiet(self) -> bool:
        """Remove ``file prompt quiet`` that napalm (not the operator) added, from the
        running config and, when it got there, the startup config. Returns True if found."""
        op = "removing napalm's 'file prompt quiet'"
        running = self.get_running()
        found = _has_global(running, "file prompt quiet")
        if found:
            self._call(op, self.driver.device.send_config_set, ["no file prompt quiet"])
        drv = self.driver
        drv.prompt_quiet_changed = False  # nothing left for napalm's close() to undo
        drv.prompt_quiet_configured = None
        if _has_global(self.get_startup(), "file prompt quiet"):
            self._call(op, drv.device.save_config)
            found = True
        self.get_running()
        return found

    def compare(self) -> str:
        drv = self.driver
        if drv.config_replace or not self._exec_prompt():
            return str(self._call("compare", drv.compare_config))
        # napalm's merge compare_config, read up to the exec prompt (no prompt search)
        merge = drv._gen_full_path(filename=drv.merge_cfg, file_system=drv.dest_file_system)
        diff = self.send(f"show archive config incremental-diffs {merge} ignorecase", "compare")
        if "error code 5" in diff or "returned error 5" in diff:
            diff = ("You have encountered the obscure 'error 5' message. This generally means "
                    "you need to add an 'end' statement to the end of your merge changes.")
        elif "% Invalid" not in diff:
            diff = drv._normalize_merge_diff_incr(diff)
        else:
            diff = drv._normalize_merge_diff(self.send(f"more {merge}", "compare"))
        return str(diff).strip()

    def interfaces(self) -> dict[str, InterfaceState]:
        data = self._call("reading interfaces", self.driver.get_interfaces)
        out: dict[str, InterfaceState] = {}
        for name, info in dict(data).items():
            mtu = info.get("mtu")
            out[str(name)] = InterfaceState(str(name), bool(info.get("is_up")),
                                            bool(info.get("is_enabled")),
                                            int(mtu) if isinstance(mtu, int) else None)
        return out

    def ping(self, dest: str, *, size: int = 100, df: bool = False, source: str | None = None,
             count: int = 5) -> PingResult:
        """``ping <dest> size N [df-bit] repeat C timeout 2 [source X]`` and its result."""
        cmd = f"ping {dest} size {int(size)}" + (" df-bit" if df else "") + \
            f" repeat {int(count)} timeout 2" + (f" source {source}" if source else "")
        out = self.send(cmd, f"ping {dest}", read_timeout=max(10.0, 2.0 * count + 5))
        m = SUCCESS_RE.search(out)
        if m is None:
            return PingResult(dest, size, df, count, 0, error=self._scrub(first_line(out)))
        return PingResult(dest, size, df, int(m.group(3)), int(m.group(2)))

    # ------------------------------------------------------------------ changes
    def _transfer_mode(self) -> None:
        pf = self._preflight
        if pf is not None:
            self.driver.inline_transfer = pf.inline_transfer

    def load_merge(self, config: str) -> None:
        """Copy ``config`` (``end`` appended if missing) to the router's merge file."""
        from greios.redact import config_secrets

        text = _with_end(config)
        self.add_secrets(sorted(config_secrets([text])))
        self._transfer_mode()
        pf = self._preflight
        lean = pf is not None and pf.scp_server and not pf.inline_transfer
        try:
            if lean:
                self._call("copying the change", self._scp_merge, text)
            else:
                self._call("copying the change", self.driver.load_merge_candidate, config=text)
        except CommitError as exc:  # napalm reports transfer problems as merge errors
            raise TransferError(str(exc)) from None
        except DeviceError as exc:
            if type(exc) is DeviceError:
                raise TransferError(str(exc)) from None
            raise

    def _scp_merge(self, text: str) -> None:
        """napalm's SCP ``load_merge_candidate`` without the checks the preflight already
        made in this session (``dir`` for free space, ``show running-config | inc ip scp
        server enable``) and without ``dir`` of the old merge file: the transfer on its
        second SSH connection, then ``verify /md5`` of what arrived."""
        from napalm.base.exceptions import MergeConfigException
        from netmiko import FileTransfer

        drv = self.driver
        drv.config_replace = False
        tmp = drv._create_tmp_file(text)
        try:
            fs = drv.dest_file_system
            with FileTransfer(ssh_conn=drv.device, source_file=tmp, dest_file=drv.merge_cfg,
                              file_system=fs, direction="put") as transfer:
                transfer.transfer_file()
                out = self.send(f"verify /md5 {fs}/{drv.merge_cfg}", "copying the change",
                                read_timeout=300.0)
                if transfer.process_md5(out) != transfer.source_md5:
                    raise MergeConfigException("File transfer to remote device failed")
        finally:
            Path(tmp).unlink(missing_ok=True)

    def commit(self, revert_in: int | None) -> None:
        """Merge the loaded file; with ``revert_in`` (60..7200 s) IOS reverts unless confirmed."""
        if revert_in is not None and not 60 <= revert_in <= 7200:
            raise PreflightError(f"{self.name}: revert_in must be 60..7200 seconds, "
                                 f"got {revert_in}")
        self.rejected = []
        pf = self._preflight
        if pf is not None and pf.pending_user is None and not self.driver.config_replace \
                and (revert_in is None or pf.archive) and self._exec_prompt():
            self._call("commit", self._merge_commit, revert_in)
        else:
            self._call("commit", self.driver.commit_config, revert_in=revert_in)
        if revert_in is None and self.toggled_file_prompt:
            self.drop_file_prompt_quiet()  # napalm already wrote it to startup-config

    def _merge_commit(self, revert_in: int | None) -> None:
        """napalm's merge ``commit_config`` in 3-4 round trips instead of ~18: the archive
        and the pending-commit reads (napalm: ``show archive`` twice, the rollback timer)
        come from the preflight of this session; config mode is typed in one write; the
        merge file was just verified, so no ``dir`` of it; the prompt is read from the
        output instead of asked for. Same commands reach the router in the same order:
        ``file prompt quiet`` (napalm's, before the revert timer), the rollback file,
        ``configure terminal revert timer N``, ``copy <merge file> running-config``."""
        from napalm.base.exceptions import MergeConfigException

        drv = self.driver
        self._file_prompt_quiet()
        self.send(f"copy running-config {drv._gen_full_path(drv.rollback_cfg)}", "commit")
        if revert_in is not None:
            self._configure([], "commit", f"configure terminal revert timer {revert_in // 60}")
        out = self._copy_to_running(f"copy {drv._gen_full_path(drv.merge_cfg)} running-config")
        if "Invalid input detected" in out:
            drv.rollback()
            raise MergeConfigException("Configuration merge failed; automatic rollback "
                                       f"attempted:\n{out}")
        drv.prompt_quiet_configured = None
        if revert_in is None:
            drv.device.save_config()

    def _file_prompt_quiet(self) -> None:
        """napalm's ``_file_prompt_quiet``: add ``file prompt quiet`` when napalm may
        (remembering it did), else require it (known from this session's running config)."""
        drv = self.driver
        if drv.prompt_quiet_configured:
            return
        if drv.auto_file_prompt:
            self._configure(["file prompt quiet"], "commit")
            drv.prompt_quiet_changed = True
            drv.prompt_quiet_configured = True
            return
        running = self._running if self._running is not None else ""
        if not _has_global(running, "file prompt quiet"):
            running = self.send("show running-config | inc file prompt quiet", "commit")
        if "file prompt quiet" not in running:
            from napalm.base.exceptions import CommandErrorException

            raise CommandErrorException("on-device file operations require prompts to be "
                                        "disabled. Configure 'file prompt quiet' or set "
                                        "'auto_file_prompt=True'")
        drv.prompt_quiet_configured = True

    def _copy_to_running(self, cmd: str) -> str:
        """napalm's ``_commit_handler`` (answers IOS's per-user confirmation of a username
        removal) reading up to a prompt it takes from the output, not from two prompt
        searches; ``set_base_prompt`` only when the merge changed the hostname."""
        dev = self.driver.device
        confirm = r".*all username.*confirm"
        out = str(dev.send_command(cmd, expect_string=rf"(?:[>#]\s*$|{confirm})",
                                   read_timeout=90, strip_prompt=False))
        more = out
        for _ in range(50):
            if not re.search(confirm, more):
                break
            more = str(dev.send_command_timing("\n", strip_prompt=False, strip_command=False))
            out += more
        if not re.search(self._exec_prompt(), out):  # the hostname changed
            dev.set_base_prompt()
        return out

    def confirm(self) -> None:
        """Confirm the pending commit (``configure confirm`` + ``write mem``).

        Same checks as napalm's ``confirm_commit`` (a pending change owned by our user) with
        one ``show archive config rollback timer`` instead of napalm's three archive reads.
        """
        op = "confirming the commit"
        out = self.send("show archive config rollback timer", op)
        m = USER_RE.search(out)
        if m is None:
            raise CommitError(f"{self.name}: no commit is pending confirmation (did the "
                              "revert timer expire?)")
        if m.group(1) != self.target.username:
            raise CommitError(f"{self.name}: the pending commit belongs to user "
                              f"{m.group(1)!r}, not {self.target.username!r}")
        out = self.send("configure confirm", op)
        if "%" in out:
            raise CommitError(f"{self.name}: configure confirm failed: "
                              f"{self._scrub(first_line(out))}")
        if self.toggled_file_prompt:
            # napalm added 'file prompt quiet' for the commit and would only remove it from
            # the running config on close: drop it before 'write memory' (napalm#1033)
            self._configure(["no file prompt quiet"], op)
            self.driver.prompt_quiet_changed = False
            self.driver.prompt_quiet_configured = None
        out = self.send("write memory", op, read_timeout=float(max(30, self.target.timeout)))
        if "%" in out and "[OK]" not in out:
            raise CommitError(f"{self.name}: write memory failed after the confirmation: "
                              f"{self._scrub(first_line(out))}")

    def rearm_revert(self, minutes: int) -> None:
        """Restart the pending commit's revert timer (``configure revert timer N``): a router
        that waits for many others keeps its safety net without a timer sized for all."""
        out = self.send(f"configure revert timer {int(minutes)}", "re-arming the revert timer")
        if "%" in out:
            raise CommitError(f"{self.name}: configure revert timer failed: "
                              f"{self._scrub(first_line(out))}")

    def rollback(self, *, drop_file_prompt: bool | None = None) -> None:
        """Undo the last commit (``configure revert now`` if a commit is pending).

        napalm adds ``file prompt quiet`` *before* arming the revert timer, so the config
        IOS reverts to holds it. ``drop_file_prompt`` (default: the preflight found no
        ``file prompt quiet``, i.e. napalm added it) removes it again afterwards.
        """
        if drop_file_prompt is None:
            drop_file_prompt = self._preflight is not None and \
                not self._preflight.file_prompt_quiet
        if self._running is None:
            self.get_running()  # also decides whether napalm may toggle 'file prompt quiet'
        try:
            self._call("rollback", self.driver.rollback)
            if drop_file_prompt:
                self.drop_file_prompt_quiet()
        except RollbackError:
            raise
        except GreiosError as exc:
            raise RollbackError(str(exc)) from None

    def replace(self, config: str) -> None:
        """Replace the whole running config with ``config`` and commit (no revert timer)."""
        from greios.redact import config_secrets

        text = _with_end(config)
        self.add_secrets(sorted(config_secrets([text])))
        self._transfer_mode()
        self._call("copying the replacement config", self.driver.load_replace_candidate,
                   config=text)
        self._call("configure replace", self.driver.commit_config)

    def discard(self) -> None:
        self._call("discard", self.driver.discard_config)

    def pending_commit(self) -> bool:
        return bool(self._call("show archive", self.driver.has_pending_commit))


# what napalm's get_config removes from `show running-config` (napalm/ios/ios.py)
_CONFIG_NOISE = re.compile(r"^(?:Building configuration.*|Current configuration :.*|"
                           r"! Last configuration change at.*|"
                           r"! NVRAM config last updated at.*)$", re.M)
_BRIEF_RE = re.compile(r"^(\S+)\s+\S+\s+\S+\s+\S+\s+(up|down|administratively down|"
                       r"deleted)\s+(up|down)\s*$")


def _hard_close(driver: Any) -> None:
    conn = getattr(driver, "device", None)
    for attr in ("remote_conn", "remote_conn_pre"):
        obj = getattr(conn, attr, None)
        if obj is not None:
            with contextlib.suppress(Exception):
                obj.close()


def _has_global(running: str, line: str) -> bool:
    return any(ln.rstrip() == line for ln in running.splitlines())


def _with_end(config: str) -> str:
    text = config.rstrip("\n") + "\n"
    lines = [ln.strip() for ln in text.splitlines() if ln.strip()]
    if not lines or lines[-1] != "end":
        text += "end\n"
    return text


def _archive_block(running: str) -> tuple[str | None, bool]:
    path: str | None = None
    write_mem = False
    inside = False
    for line in running.splitlines():
        if not line.startswith(" "):
            inside = line.strip() == "archive"
            continue
        if inside:
            s = line.strip()
            if s.startswith("path "):
                path = s.split(None, 1)[1]
            elif s == "write-memory":
                write_mem = True
    return path, write_mem
