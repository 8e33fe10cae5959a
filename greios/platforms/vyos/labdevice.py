"""State of one simulated VyOS router: running/saved configs, commits, commit-confirm.

Shared by every SSH session of the router (each session keeps its own working config,
see :mod:`greios.platforms.vyos.labcli`). Thread-safe: sessions run in server threads.

Commit semantics follow vyatta-cfg and vyos-1x ``config_mgmt.py``:

* ``commit`` applies the session's changes (working vs the running config it started
  from) to the current running config, after a commit-time check (:func:`verify`); a
  failing check refuses the whole commit (real VyOS may apply other subtrees);
* ``commit-confirm N`` commits and arms a timer of ``N`` minutes; ``confirm`` disarms
  it. When it fires, VyOS reboots into the saved config (1.4+: the saved config at that
  time; 1.2/1.3: the saved config at ``commit-confirm`` time): here the running config
  becomes that config and every open session is dropped, as by a reboot. The length of
  a minute is ``minute`` seconds (60 by default; tests use a fraction of a second).
"""

from __future__ import annotations

import datetime as dt
import hmac
import ipaddress
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from greios.platforms.vyos.diff import diff
from greios.platforms.vyos.parse import parse_config
from greios.platforms.vyos.render import DEFAULT_RELEASE, render_config_boot
from greios.platforms.vyos.schema import Kind, Resolved, normalize_version, schema
from greios.platforms.vyos.tree import ConfigTree

DEFAULT_PASSWORD = "vyos"  # noqa: S105 - VyOS's well-known factory login, lab only
TunnelState = Callable[["VyosDevice", str], bool]
#: the largest IP datagram a tunnel carries unfragmented (the lab network's MTU arithmetic)
TunnelMtu = Callable[["VyosDevice", str], "int | None"]


@dataclass(frozen=True)
class CommitEntry:
    when: dt.datetime
    user: str
    via: str
    comment: str


@dataclass(frozen=True)
class CommitResult:
    ok: bool
    text: str  # what the CLI prints


def default_config(hostname: str = "vyos", username: str = "vyos") -> ConfigTree:
    """A fresh router: loopback, eth0 without address, ssh, a login user."""
    text = f"""
set interfaces ethernet eth0 hw-id '52:54:00:12:34:56'
set interfaces loopback lo
set service ssh port '22'
set system config-management commit-revisions '100'
set system console device ttyS0 speed '115200'
set system host-name '{hostname}'
set system login user {username} authentication encrypted-password '$6$greios$lab'
set system ntp server time1.vyos.net
set system syslog global facility all level 'info'
"""
    return parse_config(text).tree


class VyosDevice:
    """One simulated VyOS router (see module doc).

    ``network`` (set by :class:`greios.lab.network.LabNetwork`), ``name`` and
    ``generation`` (bumped whenever ``running`` is replaced, keying the network's caches)
    let the generic lab network treat it like any lab router.
    """

    platform = "vyos"

    def __setattr__(self, name: str, value: object) -> None:
        object.__setattr__(self, name, value)
        if name == "running":  # every commit and revert installs a new tree
            object.__setattr__(self, "generation", self.__dict__.get("generation", 0) + 1)
            network = self.__dict__.get("network")
            if network is not None:
                network.touched(self)

    def __init__(self, config: ConfigTree | str | None = None, *, version: str = "1.4",
                 release: str | None = None, username: str = "vyos",
                 password: str = DEFAULT_PASSWORD, minute: float = 60.0,
                 tunnel_state: TunnelState | None = None, name: str = "") -> None:
        self.network: Any = None
        self.generation = 0
        self.version = normalize_version(version)
        self.release = release or DEFAULT_RELEASE[self.version]
        self.schema = schema(self.version)
        if isinstance(config, str):
            config = parse_config(config, self.version).tree
        self.running = config.copy() if config is not None else default_config(
            username=username)
        self.saved = self.running.copy()
        self.username = username
        self._password = password
        self.minute = minute
        self.tunnel_state = tunnel_state
        self.tunnel_mtu: TunnelMtu | None = None
        self.name = name or self.hostname
        self.lock = threading.RLock()
        self.history: list[CommitEntry] = []
        self.log: list[tuple[str, str]] = []  # (user, line) of every received line
        self.unsaved = False
        self.reverts = 0
        self._timer: threading.Timer | None = None
        self.confirm_deadline: dt.datetime | None = None
        #: called (outside the lock) after every commit, save and revert: persistence
        self.on_change: Callable[[VyosDevice], None] | None = None
        self._revert_to: ConfigTree | None = None
        self._sessions: set[Callable[[], None]] = set()
        self.boot_time = dt.datetime.now(dt.timezone.utc)

    # ------------------------------------------------------------------ identity
    @property
    def hostname(self) -> str:
        return self.running.value(("system", "host-name")) or "vyos"

    def check_password(self, username: str, password: str) -> bool:
        return username == self.username and hmac.compare_digest(
            password.encode(), self._password.encode())

    def config_boot(self) -> str:
        return render_config_boot(self.saved, self.version, self.release)

    # ------------------------------------------------------------------ sessions
    def register(self, drop: Callable[[], None]) -> None:
        with self.lock:
            self._sessions.add(drop)

    def unregister(self, drop: Callable[[], None]) -> None:
        with self.lock:
            self._sessions.discard(drop)

    # ------------------------------------------------------------------ commits
    def effective(self, base: ConfigTree, working: ConfigTree) -> ConfigTree:
        """The running config with a session's changes (``base`` → ``working``)."""
        with self.lock:
            if base == self.running:
                return working.copy()
            result = self.running.copy()
            apply_changes(result, base, working, self.version)
            return result

    def commit(self, base: ConfigTree, working: ConfigTree, user: str,
               comment: str = "", via: str = "cli") -> CommitResult:
        with self.lock:
            target = self.effective(base, working)
            if target == self.running:
                return CommitResult(False, "No configuration changes to commit\n")
            errors = verify(target, self.version)
            if errors:
                path, message = errors[0]
                return CommitResult(False, f"\n[ {path} ]\n{message}\n\n[[{path}]] failed\n"
                                           "Commit failed\n")
            self.running = target
            self.unsaved = True
            self.history.insert(0, CommitEntry(dt.datetime.now(dt.timezone.utc), user, via,
                                               comment or "commit"))
        self.changed()
        return CommitResult(True, "")

    def changed(self) -> None:
        """Tell the owner (the lab's persister) that the running or saved config changed."""
        if self.on_change is not None:
            self.on_change(self)

    def confirm_pending(self) -> bool:
        with self.lock:
            return self._timer is not None

    def arm_confirm(self, minutes: int) -> None:
        with self.lock:
            self.cancel_confirm()
            legacy = self.version in ("1.2", "1.3")
            self._revert_to = self.saved.copy() if legacy else None
            timer = threading.Timer(minutes * self.minute, self.revert)
            timer.daemon = True
            self._timer = timer
            self.confirm_deadline = dt.datetime.now(dt.timezone.utc) + dt.timedelta(
                minutes=minutes)
            timer.start()

    def cancel_confirm(self) -> bool:
        with self.lock:
            timer, self._timer = self._timer, None
            self.confirm_deadline = None
            if timer is None:
                return False
            timer.cancel()
            return True

    def revert(self) -> None:
        """The commit-confirm timer fired: "reboot" into the saved configuration."""
        with self.lock:
            if self._timer is None:
                return
            self._timer = None
            self.confirm_deadline = None
            target = self._revert_to if self._revert_to is not None else self.saved
            self.running = target.copy()
            self.saved = self.running.copy()
            self.unsaved = False
            self.reverts += 1
            self.history.insert(0, CommitEntry(dt.datetime.now(dt.timezone.utc), "root",
                                               "rollback/reboot", "commit-confirm revert"))
            self.boot_time = dt.datetime.now(dt.timezone.utc)
            drops = list(self._sessions)
        for drop in drops:
            drop()
        self.changed()

    def save(self) -> None:
        with self.lock:
            self.saved = self.running.copy()
            self.unsaved = False
        self.changed()

    def close(self) -> None:
        self.cancel_confirm()

    # ------------------------------------------------------------------ state
    def tunnel_up(self, name: str) -> bool:
        """Oper state of tunnel ``name`` (the negotiation model plugs in through
        ``tunnel_state``; until then: admin up, an address, a source and a remote)."""
        if self.tunnel_state is not None:
            return self.tunnel_state(self, name)
        base = ("interfaces", "tunnel", name)
        cfg = self.running
        if not cfg.exists(base) or cfg.exists((*base, "disable")):
            return False
        source = cfg.value((*base, "local-ip")) or cfg.value((*base, "source-address"))
        remote = cfg.value((*base, "remote-ip")) or cfg.value((*base, "remote"))
        return bool(cfg.values((*base, "address"))) and bool(source) and bool(remote)


def apply_changes(target: ConfigTree, base: ConfigTree, working: ConfigTree,
                  version: str) -> None:
    """Replay the changes ``base`` → ``working`` on ``target``."""
    sch = schema(version)
    for verb, path, value in diff(base, working):
        if verb == "delete":
            target.delete(path, value)
            continue
        node = working.get(path)
        words = [*path, value] if value is not None else list(path)
        res = sch.resolve(words, quoted_last=value is not None)
        multi = (isinstance(res, Resolved) and res.kind is Kind.MULTI) or (
            node is not None and len(node.values) > 1)
        leaf = node.leaf if node is not None else value is not None
        tags = res.tags if isinstance(res, Resolved) else ()
        target.set(path, value, multi=multi, leaf=leaf, tags=tags)


# ---------------------------------------------------------------------- commit checks
def verify(cfg: ConfigTree, version: str) -> list[tuple[str, str]]:
    """A subset of VyOS's commit-time checks: ``(path, message)`` per problem."""
    errors: list[tuple[str, str]] = []
    v14 = version not in ("1.2", "1.3")
    for tun in cfg.children(("interfaces", "tunnel")):
        base = ("interfaces", "tunnel", tun)
        where = f"interfaces tunnel {tun}"
        encap = cfg.value((*base, "encapsulation"))
        if encap is None:
            errors.append((where, f"Must configure the tunnel encapsulation for {tun}!"))
            continue
        src_keys = ("local-ip",) if version == "1.2" else ("source-address",
                                                              "source-interface")
        if not any(cfg.exists((*base, key)) for key in src_keys):
            msg = (f"Must configure the tunnel local-ip for {tun}" if version == "1.2"
                   else "source-address or source-interface required for tunnel!")
            errors.append((where, msg))
        remote = cfg.value((*base, "remote-ip" if version == "1.2" else "remote"))
        if remote is None and encap != "gre":
            errors.append((where, "remote ip address is mandatory for tunnel"))
    if v14:
        errors.extend(_verify_ipsec(cfg))
    return errors


def _verify_ipsec(cfg: ConfigTree) -> list[tuple[str, str]]:
    errors: list[tuple[str, str]] = []
    ipsec = ("vpn", "ipsec")
    where = "vpn ipsec"
    for psk in cfg.children((*ipsec, "authentication", "psk")):
        node = (*ipsec, "authentication", "psk", psk)
        if not cfg.values((*node, "id")) or cfg.value((*node, "secret")) is None:
            errors.append((where, f'Authentication psk "{psk}" missing "id" or "secret"'))
    ike_groups = set(cfg.children((*ipsec, "ike-group")))
    esp_groups = set(cfg.children((*ipsec, "esp-group")))
    for peer in cfg.children((*ipsec, "site-to-site", "peer")):
        base = (*ipsec, "site-to-site", "peer", peer)
        ike = cfg.value((*base, "ike-group"))
        if ike is None:
            errors.append((where, f"Missing ike-group on site-to-site peer {peer}"))
        elif ike not in ike_groups:
            errors.append((where, f"Invalid ike-group on site-to-site peer {peer}"))
        if not cfg.exists((*base, "authentication")):
            errors.append((where, f"Missing authentication on site-to-site peer {peer}"))
        if not cfg.exists((*base, "local-address")) and not cfg.exists(
                (*base, "dhcp-interface")):
            errors.append((where, "Missing local-address or dhcp-interface on site-to-site "
                                  f"peer {peer}"))
        tunnels = cfg.children((*base, "tunnel"))
        if not tunnels and not cfg.exists((*base, "vti")):
            errors.append((where, f"No VTI or tunnel specified on site-to-site peer {peer}"))
        default_esp = cfg.value((*base, "default-esp-group"))
        for tnum in tunnels:
            esp = cfg.value((*base, "tunnel", tnum, "esp-group")) or default_esp
            if esp is None:
                errors.append((where, f"Missing esp-group on tunnel {tnum} for site-to-site "
                                      f"peer {peer}"))
            elif esp not in esp_groups:
                errors.append((where, f"Invalid esp-group on tunnel {tnum} for site-to-site "
                                      f"peer {peer}"))
            elif (cfg.value((*ipsec, "esp-group", esp, "mode")) == "transport"
                  and cfg.exists((*base, "tunnel", tnum, "protocol"))
                  and not _fixed_address(cfg.value((*base, "local-address")))):
                errors.append((where, "Fixed local-address or peer required when a protocol "
                                      "is defined with ESP transport mode on tunnel "
                                      f"{tnum} for site-to-site peer {peer}"))
    return errors


def _fixed_address(value: str | None) -> bool:
    if value is None:
        return False
    try:
        ipaddress.ip_address(value)
    except ValueError:
        return False
    return True
