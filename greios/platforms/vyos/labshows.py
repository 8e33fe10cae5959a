"""Operational-mode output of the simulated VyOS router: ``show version``,
``show interfaces``, ``ping``, ``show system commit``.

Layouts: ``show interfaces`` summary as vyos-1x ``src/op_mode/interfaces.py``
``_format_show_summary`` (``%-16s %-33s %-4s %s``, S/L = admin/oper ``u``/``D``/``A``);
``ping`` as iputils ``ping`` behind VyOS's keyword front end (``ping.py``:
``count``, ``size``, ``do-not-fragment``, ``interface``, ``ttl``, ``deadline``); a
don't-fragment ping above the egress MTU fails with ``ping: local error: message too
long, mtu=<mtu>`` (the issue's 1449-byte case).
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass

from greios.platforms.vyos.labdevice import VyosDevice
from greios.platforms.vyos.render import codename

_IFTYPES = ("ethernet", "tunnel", "loopback", "dummy")
DEFAULT_MTU = {"ethernet": 1500, "tunnel": 1476, "loopback": 65536, "dummy": 1500}
ICMP_IP_OVERHEAD = 28  # 20-byte IPv4 header + 8-byte ICMP header


def show_version(dev: VyosDevice) -> str:
    return (
        f"Version:          VyOS {dev.release}\n"
        f"Release train:    {codename(dev.version)}\n"
        "\n"
        "Built by:         greios lab\n"
        "Built on:         Mon 21 Oct 2024 00:22 UTC\n"
        "Build UUID:       3f2a7c1e-0000-4000-8000-00000000a11b\n"
        "Build commit ID:  0000000000000\n"
        "\n"
        "Architecture:     x86_64\n"
        "Boot via:         installed image\n"
        "System type:      KVM guest\n"
        "\n"
        "Hardware vendor:  QEMU\n"
        "Hardware model:   Standard PC (i440FX + PIIX, 1996)\n"
        "Hardware S/N:     GREIOS-LAB-0001\n"
        "Hardware UUID:    3f2a7c1e-0000-4000-8000-00000000b22c\n"
        "\n"
        "Copyright:        VyOS maintainers and contributors\n"
    )


@dataclass(frozen=True)
class Iface:
    name: str
    kind: str
    addresses: tuple[str, ...]
    description: str
    admin_up: bool
    oper_up: bool
    mtu: int


def interfaces(dev: VyosDevice) -> list[Iface]:
    cfg = dev.running
    out: list[Iface] = []
    for kind in _IFTYPES:
        for name in cfg.children(("interfaces", kind)):
            base = ("interfaces", kind, name)
            admin = not cfg.exists((*base, "disable"))
            oper = admin and (dev.tunnel_up(name) if kind == "tunnel" else True)
            mtu_text = cfg.value((*base, "mtu"))
            mtu = int(mtu_text) if mtu_text and mtu_text.isdigit() else DEFAULT_MTU[kind]
            addrs = tuple(a for a in cfg.values((*base, "address")) if "/" in a)
            if kind == "loopback":
                addrs = ("127.0.0.1/8", "::1/128", *addrs)
            out.append(Iface(name, kind, addrs, cfg.value((*base, "description")) or "",
                             admin, oper, mtu))
    return out


def show_interfaces(dev: VyosDevice, kind: str | None = None, name: str | None = None) -> str:
    rows = [i for i in interfaces(dev)
            if (kind is None or i.kind == kind) and (name is None or i.name == name)]
    if name is not None and not rows:
        return f"{name} does not exist!\n"
    lines = ["Codes: S - State, L - Link, u - Up, D - Down, A - Admin Down",
             f"{'Interface':<16} {'IP Address':<33} {'S/L':<4} Description",
             f"{'---------':<16} {'----------':<33} {'---':<4} -----------"]
    for row in sorted(rows, key=lambda i: (i.kind, i.name)):
        state = ("u" if row.admin_up else "A") + "/" + ("u" if row.oper_up else "D")
        addrs = list(row.addresses) or ["-"]
        first = True
        for addr in addrs:
            label = row.name if first else ""
            desc = row.description if first else ""
            sl = state if first else ""
            lines.append(f"{label:<16} {addr:<33} {sl:<4} {desc}".rstrip())
            first = False
    return "\n".join(lines) + "\n"


# ---------------------------------------------------------------------- ping
@dataclass
class PingArgs:
    target: str
    count: int = 3
    size: int = 56
    dont_fragment: bool = False
    interface: str | None = None


def parse_ping(words: list[str]) -> PingArgs | str:
    """``ping <ip> [count N] [size N] [do-not-fragment] [interface X] [ttl N] …`` and the
    raw ``-c N -s N -M do -I X`` flags; returns an error text when invalid."""
    if len(words) < 2:
        return "\n  Incomplete command: ping\n\n"
    args = PingArgs(words[1])
    i = 2
    valued = {"count": "count", "-c": "count", "size": "size", "-s": "size",
              "interface": "interface", "-I": "interface", "ttl": None, "-t": None,
              "deadline": None, "-w": None, "interval": None, "-i": None,
              "source-address": None, "-M": "mode"}
    while i < len(words):
        word = words[i]
        if word in ("do-not-fragment",):
            args.dont_fragment = True
            i += 1
            continue
        if word not in valued or i + 1 >= len(words):
            return f"\n  Invalid command: ping [{' '.join(words[1:])}]\n\n"
        value = words[i + 1]
        field = valued[word]
        if field in ("count", "size"):
            if not value.isdigit():
                return f"ping: invalid argument: '{value}'\n"
            setattr(args, field, int(value))
        elif field == "interface":
            args.interface = value
        elif field == "mode":
            args.dont_fragment = value == "do"
        i += 2
    return args


def _route(dev: VyosDevice, target: ipaddress.IPv4Address) -> tuple[Iface, bool] | None:
    """Egress interface towards ``target`` and whether ``target`` is local."""
    best: tuple[int, Iface, bool] | None = None
    for iface in interfaces(dev):
        for addr in iface.addresses:
            try:
                net = ipaddress.ip_interface(addr)
            except ValueError:
                continue
            if not isinstance(net, ipaddress.IPv4Interface):
                continue
            if net.ip == target:
                return iface, True
            if target in net.network and iface.oper_up and (
                    best is None or net.network.prefixlen > best[0]):
                best = (net.network.prefixlen, iface, False)
    return None if best is None else (best[1], best[2])


def ping(dev: VyosDevice, args: PingArgs) -> str:
    try:
        target = ipaddress.IPv4Address(args.target)
    except ValueError:
        return f"ping: {args.target}: Name or service not known\n"
    route = _route(dev, target)
    if route is None:
        return "ping: connect: Network is unreachable\n"
    iface, local = route
    mtu = 65536 if local else iface.mtu
    if not local and iface.kind == "tunnel" and dev.tunnel_mtu is not None:
        mtu = min(mtu, dev.tunnel_mtu(dev, iface.name) or mtu)
    wire = args.size + ICMP_IP_OVERHEAD
    lines = [f"PING {target} ({target}) {args.size}({wire}) bytes of data."]
    if args.dont_fragment and wire > mtu:
        lines += [f"ping: local error: message too long, mtu={mtu}"] * args.count
        lines += ["", f"--- {target} ping statistics ---",
                  f"{args.count} packets transmitted, 0 received, +{args.count} errors, "
                  f"100% packet loss, time {max(args.count - 1, 0) * 1000}ms", ""]
        return "\n".join(lines) + "\n"
    rtts = [0.041 + 0.013 * seq for seq in range(args.count)] if local else \
        [0.412 + 0.031 * seq for seq in range(args.count)]
    for seq, rtt in enumerate(rtts, 1):
        lines.append(f"{args.size + 8} bytes from {target}: icmp_seq={seq} ttl=64 "
                     f"time={rtt:.3f} ms")
    avg = sum(rtts) / len(rtts) if rtts else 0.0
    mdev = (sum((r - avg) ** 2 for r in rtts) / len(rtts)) ** 0.5 if rtts else 0.0
    lines += ["", f"--- {target} ping statistics ---",
              f"{args.count} packets transmitted, {args.count} received, 0% packet loss, "
              f"time {max(args.count - 1, 0) * 1001}ms"]
    if rtts:
        lines.append(f"rtt min/avg/max/mdev = {min(rtts):.3f}/{avg:.3f}/{max(rtts):.3f}/"
                     f"{mdev:.3f} ms")
    return "\n".join(lines) + "\n"


def uptime(dev: VyosDevice) -> float:
    """Seconds since the last (simulated) boot."""
    import datetime as dt

    return (dt.datetime.now(dt.timezone.utc) - dev.boot_time).total_seconds()


def show_commits(dev: VyosDevice) -> str:
    lines = []
    for idx, entry in enumerate(dev.history):
        when = entry.when.strftime("%Y-%m-%d %H:%M:%S")
        line = f"{idx:<3} {when} by {entry.user} via {entry.via}"
        if entry.comment and entry.comment != "commit":
            line += f"\n    {entry.comment}"
        lines.append(line)
    return "\n".join(lines) + "\n" if lines else ""


# ---------------------------------------------------------------------- commit-confirm
#: files that exist while a commit-confirm reboot is scheduled: 1.4+ ``config_mgmt``
#: schedules ``shutdown -r +N`` (systemd writes the first), 1.2/1.3 ``vyatta-config-mgmt``
#: keeps its ``at`` job in the second (both paths: uncertain, see docs/vyos.md)
PENDING_FILES = ("/run/systemd/shutdown/scheduled", "/var/run/confirm.job")


def pending_file(dev: VyosDevice, path: str) -> str:
    """``cat`` of a commit-confirm file: its content when a confirm is pending on this
    version's path, else cat's error."""
    legacy = dev.version in ("1.2", "1.3")
    deadline = dev.confirm_deadline
    if deadline is None or path != PENDING_FILES[1 if legacy else 0]:
        return f"cat: {path}: No such file or directory\n"
    if legacy:
        return f"{deadline.strftime('%a %b %d %H:%M:%S %Y')}\n"
    usec = int(deadline.timestamp() * 1_000_000)
    return f"USEC={usec}\nWARN_WALL=1\nMODE=reboot\n"
