"""Outputs of the ``show`` commands napalm's getters parse (formats: napalm-ios-contract §1.4)."""

from __future__ import annotations

import re
import time
from ipaddress import IPv4Address

from greios.lab.network import interfaces, lookup
from greios.lab.views import IfView
from greios.platforms.ios.configtree import Node, iter_lines
from greios.platforms.ios.lab.device import Device

IOS_VERSION = "17.3.4a"


def _uptime(seconds: float) -> str:
    minutes = int(seconds // 60)
    days, rem = divmod(minutes, 1440)
    weeks, days = divmod(days, 7)
    hours, minutes = divmod(rem, 60)
    parts = []
    for value, unit in ((weeks, "week"), (days, "day"), (hours, "hour"), (minutes, "minute")):
        if value or unit == "minute":
            parts.append(f"{value} {unit}{'' if value == 1 else 's'}")
    return ", ".join(parts)


_UDI = re.compile(r"^license udi pid (\S+) sn (\S+)")


def facts(dev: Device) -> tuple[str, str, str]:
    """(release, model, serial) of ``dev`` as its own config says: the ``version X.Y``
    line (the lab cannot know the maintenance release: ``X.Y.1``, and 17.3 is the
    lab's 17.3.4a) and ``license udi pid <model> sn <serial>``; the lab's CSR1000V
    defaults otherwise (docs/ios-fidelity.md row 15)."""
    release, model, serial = IOS_VERSION, "CSR1000V", dev.serial
    for child in dev.running.children:
        text = child.text
        if text.startswith("version ") and re.fullmatch(r"version \d+\.\d+", text):
            train = text.split()[1]
            major = int(train.split(".")[0])
            if train != "17.3":
                release = f"{train}.1" if major >= 16 else f"{train}(1)"
        elif m := _UDI.match(text):
            model, serial = m[1], m[2]
    return release, model, serial


def _version_lines(release: str, model: str) -> str:
    """The first lines of ``show version``: IOS-XE prints its release twice, zero-padded
    in the first line; classic IOS once (S-GSV)."""
    if "(" in release:  # classic IOS 15.x
        family = model.split("/")[0].replace("CISCO", "C")[:5]
        return (f"Cisco IOS Software, {family} Software ({family}-UNIVERSALK9-M), "
                f"Version {release}, RELEASE SOFTWARE (fc1)\n")
    padded = ".".join(p.zfill(2) if p.isdigit() else p for p in release.split("."))
    return (f"Cisco IOS XE Software, Version {padded}\n"
            "Cisco IOS Software [Amsterdam], Virtual XE Software "
            f"(X86_64_LINUX_IOSD-UNIVERSALK9-M), Version {release}, RELEASE SOFTWARE (fc3)\n")


def show_version(dev: Device) -> str:
    up = _uptime(time.time() - dev.boot_time)
    release, model, serial = facts(dev)
    return (
        _version_lines(release, model) +
        "Technical Support: http://www.cisco.com/techsupport\n"
        "Copyright (c) 1986-2021 by Cisco Systems, Inc.\n"
        "\n"
        "ROM: IOS-XE ROMMON\n"
        f"{dev.hostname} uptime is {up}\n"
        "Uptime for this control processor is " + up + "\n"
        "System returned to ROM by reload\n"
        'System image file is "bootflash:packages.conf"\n'
        "\n"
        f"cisco {model} (VXE) processor (revision VXE) with 2170056K/3075K bytes of memory.\n"
        f"Processor board ID {serial}\n"
        f"{sum(1 for v in interfaces(dev) if not v.tunnel)} Gigabit Ethernet interfaces\n"
        "32768K bytes of non-volatile configuration memory.\n"
        "7194652K bytes of physical memory.\n"
        "\n"
        "Configuration register is 0x2102\n"
    )


def show_hosts(dev: Device) -> str:
    domain = None
    for n in dev.running.children:
        m = re.match(r"^ip domain[ -]name (\S+)$", n.text)
        if m:
            domain = m.group(1)
    head = f"Default domain is {domain}" if domain else "Default domain is not set"
    return (
        f"{head}\nName/address lookup uses static mappings\n\n"
        "Codes: UN - unknown, EX - expired, OK - OK, ?? - revalidate\n"
        "       temp - temporary, perm - permanent\n"
        "       NA - Not Applicable None - Not defined\n\n"
        "Host                      Port  Flags      Age Type   Address(es)\n"
    )


def show_ip_interface_brief(dev: Device) -> str:
    lines = [f"{'Interface':<27}{'IP-Address':<16}OK? Method {'Status':<22}Protocol"]
    for v in interfaces(dev):
        addr = str(v.addresses[0].ip) if v.addresses else "unassigned"
        method = "NVRAM" if v.addresses else "unset"
        lines.append(f"{v.name:<27}{addr:<16}YES {method:<7}{v.status:<22}{v.protocol}")
    return "\n".join(lines) + "\n"


def _if_block(v: IfView) -> list[str]:
    out = [f"{v.name} is {v.status}, line protocol is {v.protocol} "]
    if v.tunnel is not None:
        out.append("  Hardware is Tunnel")
    elif v.name.lower().startswith("loopback"):
        out.append("  Hardware is Loopback")
    else:
        out.append(f"  Hardware is CSR vNIC, address is {v.mac} (bia {v.mac})")
    if v.description:
        out.append(f"  Description: {v.description}")
    if v.addresses:
        out.append(f"  Internet address is {v.addresses[0].with_prefixlen}")
    dly = 50000 if v.tunnel is not None else 10
    out.append(f"  MTU {v.mtu} bytes, BW {v.bw_kbit} Kbit/sec, DLY {dly} usec, ")
    out.append("     reliability 255/255, txload 1/255, rxload 1/255")
    if v.tunnel is not None:
        t = v.tunnel
        out.append("  Encapsulation TUNNEL, loopback not set")
        out.append("  Keepalive set (10 sec), retries 3" if t.keepalive else "  Keepalive not set")
        out.append(f"  Tunnel linestate evaluation {'up' if v.up else 'down'}"
                   + (f" - {t.reason}" if t.reason and not v.shutdown else ""))
        src = f"{t.source_ip} ({t.source_if})" if t.source_ip else "UNKNOWN"
        out.append(f"  Tunnel source {src}, destination {t.destination or 'UNKNOWN'}")
        if t.vrf:
            out.append(f'   Tunnel vrf "{t.vrf}"')
        proto = {"gre ip": "GRE/IP", "ipsec ipv4": "IPSEC/IP", "gre ipv6": "GRE/IPv6"}
        out.append(f"  Tunnel protocol/transport {proto.get(t.mode, t.mode.upper())}")
        if t.key is not None:
            out.append(f"    Key 0x{t.key:X}, sequencing disabled")
        out.append(f"  Tunnel transport MTU {v.effective_ip_mtu + 24} bytes")
        if t.protection:
            out.append(f'  Tunnel protection via IPSec (profile "{t.protection}")')
    else:
        out.append("  Encapsulation ARPA, loopback not set")
        out.append("  Keepalive set (10 sec)")
    out.append("  Last input never, output never, output hang never")
    out.append("  Input queue: 0/375/0/0 (size/max/drops/flushes); Total output drops: 0")
    out.append("     0 packets input, 0 bytes, 0 no buffer")
    out.append("     0 packets output, 0 bytes, 0 underruns")
    return out


def show_interfaces(dev: Device, name: str | None = None) -> str:
    lines: list[str] = []
    for v in interfaces(dev):
        if name is None or v.name.lower() == name.lower():
            lines.extend(_if_block(v))
    if name is not None and not lines:
        return "                ^\n% Invalid input detected at '^' marker.\n"
    return "\n".join(lines) + "\n"


def show_ip_interface(dev: Device) -> str:
    lines: list[str] = []
    for v in interfaces(dev):
        lines.append(f"{v.name} is {v.status}, line protocol is {v.protocol}")
        if not v.addresses:
            lines.append("  Internet protocol processing disabled")
            continue
        lines.append(f"  Internet address is {v.addresses[0].with_prefixlen}")
        lines.append("  Broadcast address is 255.255.255.255")
        lines.append("  Address determined by non-volatile memory")
        lines.append(f"  MTU is {v.effective_ip_mtu} bytes")
        for a in v.addresses[1:]:
            lines.append(f"  Secondary address {a.with_prefixlen}")
        if v.vrf:
            lines.append(f'  VPN Routing/Forwarding "{v.vrf}"')
    return "\n".join(lines) + "\n"


def show_ipv6_interface(dev: Device) -> str:
    lines: list[str] = []
    for v in interfaces(dev):
        if not v.ipv6:
            continue
        lines.append(f"{v.name} is {v.status}, line protocol is {v.protocol}")
        lines.append(f"  IPv6 is enabled, link-local address is FE80::{v.mac[5:9]}:{v.mac[10:]}")
        lines.append("  Global unicast address(es):")
        for a in v.ipv6:
            if "/" in a:
                import ipaddress

                iface = ipaddress.IPv6Interface(a)
                lines.append(f"    {str(iface.ip).upper()}, subnet is "
                             f"{str(iface.network).upper()}")
    return "\n".join(lines) + ("\n" if lines else "")


def filter_output(text: str, pipe: str, root: Node | None = None) -> str:
    """Apply ``| include|exclude|begin|section <regex>`` to an output."""
    m = re.match(r"^\s*(include|inc|i|exclude|excl|ex|e|begin|beg|b|section|sec|s)\s+(.*)$",
                 pipe, re.I)
    if m is None:
        return "                ^\n% Invalid input detected at '^' marker.\n"
    verb, pattern = m.group(1).lower(), m.group(2)
    try:
        rx = re.compile(pattern)
    except re.error:
        rx = re.compile(re.escape(pattern))
    lines = text.rstrip("\n").split("\n")
    if verb.startswith("i"):
        kept = [ln for ln in lines if rx.search(ln)]
    elif verb.startswith("e"):
        kept = [ln for ln in lines if not rx.search(ln)]
    elif verb.startswith("b"):
        idx = next((i for i, ln in enumerate(lines) if rx.search(ln)), len(lines))
        kept = lines[idx:]
    else:
        kept = []
        block: list[str] = []
        for ln in (list(iter_lines(root)) if root is not None else lines):
            if ln and not ln[0].isspace():
                if block and rx.search("\n".join(block)):
                    kept.extend(block)
                block = [ln]
            else:
                block.append(ln)
        if block and rx.search("\n".join(block)):
            kept.extend(block)
    return "\n".join(kept) + ("\n" if kept else "")


def ping(dev: Device, args: str) -> str:
    """``ping [vrf V] <ip> [timeout N] [size N] [repeat N] [source X] [df-bit]``."""
    from greios.lab.tunnels import max_inner_packet

    words = args.split()
    vrf = None
    if len(words) >= 2 and words[0] == "vrf":
        vrf, words = words[1], words[2:]
    if not words:
        return "% Incomplete command.\n"
    try:
        dest = IPv4Address(words[0])
    except ValueError:
        return "% Unrecognized host or address, or protocol not running.\n"
    opts = {"timeout": 2, "size": 100, "repeat": 5}
    df = False
    i = 1
    while i < len(words):
        w = words[i]
        if w in opts and i + 1 < len(words) and words[i + 1].isdigit():
            opts[w] = int(words[i + 1])
            i += 2
        elif w == "source" and i + 1 < len(words):
            i += 2
        elif w in ("df-bit", "validate", "verbose"):
            df = df or w == "df-bit"
            i += 1
        else:
            return "% Invalid input detected at '^' marker.\n"
    count, size = opts["repeat"], opts["size"]
    char = _ping_char(dev, vrf, dest, size, df, max_inner_packet)
    ok = char == "!"
    head = (f"Type escape sequence to abort.\nSending {count}, {size}-byte ICMP Echos to {dest}, "
            f"timeout is {opts['timeout']} seconds:\n")
    if df:
        head += "Packet sent with the DF bit set\n"
    body = char * count + "\n"
    if ok:
        tail = f"Success rate is 100 percent ({count}/{count}), round-trip min/avg/max = 1/1/2 ms\n"
    else:
        tail = f"Success rate is 0 percent (0/{count})\n"
    return head + body + tail


def _ping_char(dev: Device, vrf: str | None, dest: IPv4Address, size: int, df: bool,
               max_inner: object) -> str:
    views = interfaces(dev)
    for v in views:
        if v.vrf == vrf and v.up and any(a.ip == dest for a in v.addresses):
            return "!"
    route = lookup(dev, vrf, dest, views)
    if route is None or route.interface is None:
        return "."
    egress = next((v for v in views if v.name == route.interface), None)
    if egress is None or not egress.up:
        return "."
    if egress.tunnel is None:
        return "M" if df and size > egress.effective_ip_mtu else "!"
    if df and size > egress.effective_ip_mtu:
        return "M"
    network = dev.network
    if network is not None and len(network.devices) > 1:
        found = network.find_peer(dev, egress)
        if found is None:
            return "."
        peer, _ = found
        if not any(peer_v.up and any(a.ip == dest for a in peer_v.addresses)
                   for peer_v in interfaces(peer)):
            return "."
    if df:
        src = next((v for v in views if egress.tunnel.source_if == v.name), None)
        underlay = src.mtu if src is not None else 1500
        assert callable(max_inner)
        if size > max_inner(dev, egress, underlay):
            return "."
    return "!"
