"""``parse_config``: IOS running-config text -> :class:`DeviceConfig`.

Speed (docs/performance.md): the text is split into top-level blocks by
:mod:`~.blocks` in one pass without regexes; top-level blocks whose first word
is not in :data:`HEADS` (VLANs, line, snmp, policy-maps, ...) are skipped there without
building nodes. Kept blocks are decoded straight from that tree, including the two-level
``crypto ikev2 keyring`` peers. ciscoconfparse v1 is used for the ``router ...`` blocks with
nested sub-modes (``router bgp`` address families, named-mode EIGRP), which are read
recursively; it is imported lazily (0.3 s, loguru disabled) and only when such a block exists.
ACL entries are decoded lazily (:mod:`greios.devmodel.acl`). Unknown or malformed lines are
skipped (a warning is recorded), never fatal: an audit must survive any real config.
"""

from __future__ import annotations

import functools
from pathlib import PurePath
from typing import Any

from greios.devmodel import acl as _acl
from greios.devmodel.addr import classful, iface, is_ipv4, net, net6, wildcard
from greios.devmodel.model import (
    Acl,
    BgpProcess,
    DeviceConfig,
    EigrpProcess,
    Interface,
    OspfIf,
    OspfProcess,
    StaticRoute,
    Tunnel,
)
from greios.platforms.ios.config import crypto as cr
from greios.platforms.ios.config.blocks import Node, split_blocks


@functools.lru_cache(maxsize=1)
def _ccp() -> Any:
    from loguru import logger

    logger.disable("ciscoconfparse")
    from ciscoconfparse import CiscoConfParse

    logger.disable("ciscoconfparse")
    return CiscoConfParse


def _reparse_nested(nodes: list[Node], raw_lines: list[str]) -> None:
    """Rebuild the children of deeply nested blocks with ciscoconfparse (in place)."""
    if not nodes:
        return
    chunk: list[str] = []
    origin: list[int] = []
    for n in nodes:
        end = _last_line(n)
        for ln in range(n.line, end + 1):
            chunk.append(raw_lines[ln - 1])
            origin.append(ln)
    parse = _ccp()(chunk, syntax="ios", ignore_blank_lines=False)
    by_line = {n.line: n for n in nodes}

    def conv(obj: Any) -> Node:
        return Node(obj.text.strip(), origin[obj.linenum],
                    [conv(c) for c in obj.children if not obj.text.strip().startswith("!")])

    for obj in parse.find_objects(r"^\S"):
        target = by_line.get(origin[obj.linenum])
        if target is not None:
            target.children = [conv(c) for c in obj.children
                               if not c.text.strip().startswith("!")]


def _last_line(n: Node) -> int:
    while n.children:
        n = n.children[-1]
    return n.line


def _int(text: str, default: int | None = None) -> int | None:
    try:
        return int(text)
    except ValueError:
        return default


class _Builder:
    def __init__(self, source: str | None) -> None:
        self.source = source
        self.f: dict[str, Any] = {}
        self.interfaces: dict[str, Interface] = {}
        self.acls: dict[str, list[_acl.Item]] = {}
        self.acl_lines: dict[str, int] = {}
        self.routes: list[StaticRoute] = []
        self.ospf: list[OspfProcess] = []
        self.eigrp: list[EigrpProcess] = []
        self.bgp: list[BgpProcess] = []
        self.crypto = cr.CryptoBuilder()
        self.warnings: list[str] = []

    # -- top level ---------------------------------------------------------------------
    def top(self, n: Node) -> None:
        w = n.words()
        head = w[0]
        if head == "interface" and len(w) > 1:
            self.interface(n, "".join(w[1:]))
        elif head == "crypto":
            self.crypto.block(n, w)
        elif head == "ip":
            self.ip_top(n, w)
        elif head == "access-list" and len(w) > 2:
            self.acl_lines.setdefault(w[1], n.line)
            self._acl_item(w[1], self.acls.setdefault(w[1], []), _acl.NUMBERED, w[2:], n.line,
                           n.text)
        elif head == "router" and len(w) > 1:
            self.router(n, w)
        elif head == "ipv6" and w[1:2] == ["route"]:
            self.route6(w[2:], n.line)
        elif head == "hostname" and len(w) > 1:
            self.f["hostname"], self.f["hostname_line"] = w[1], n.line
        elif head == "version" and len(w) > 1:
            self.f["version"] = w[1]
        elif head == "password" and w[1:3] == ["encryption", "aes"]:
            self.f["password_encryption_aes"] = True
        elif head == "archive":
            self.f["archive"] = True
        elif head == "file" and w[1:] == ["prompt", "quiet"]:
            self.f["file_prompt_quiet"] = True

    def ip_top(self, n: Node, w: list[str]) -> None:
        if len(w) < 2:
            return
        if w[1] == "route":
            self.route(w[2:], n.line)
        elif w[1] == "access-list" and len(w) > 3:
            name = w[3]
            mode = _acl.STANDARD if w[2] == "standard" else _acl.EXTENDED
            entries = self.acls.setdefault(name, [])
            self.acl_lines.setdefault(name, n.line)
            # one search of the block for a line eager decoding might refuse (acl.py)
            risky = _acl.risky("\n".join([c.text for c in n.children]))
            for c in n.children:
                cw = c.text.split()
                if cw[0].isdigit():
                    cw = cw[1:]
                self._acl_item(name, entries, mode, cw, c.line, c.text, check=risky)
        elif w[1:] == ["scp", "server", "enable"]:
            self.f["scp_server"] = True

    @staticmethod
    def _acl_item(name: str, entries: list[_acl.Item], mode: int, w: list[str], line: int,
                  text: str, *, check: bool = True) -> None:
        """Queue an ACL line for lazy decoding; decode now if that could raise (see acl.py;
        ``check=False``: its block holds no such line)."""
        if check and _acl.risky(text):
            e = _acl.decode(name, mode, w, line)
            if e is not None:
                entries.append(e)
        elif w:
            entries.append((mode, w, line))

    def route(self, w: list[str], line: int) -> None:
        vrf = None
        if w[:1] == ["vrf"] and len(w) > 1:
            vrf, w = w[1], w[2:]
        if len(w) < 3 or not is_ipv4(w[0]):
            return
        try:
            prefix = net(w[0], w[1])
        except ValueError:
            self.warnings.append(f"line {line}: bad static route prefix")
            return
        nh_ip = None
        nh_if = None
        rest = w[2:]
        if rest and not is_ipv4(rest[0]) and not rest[0].isdigit():
            nh_if, rest = rest[0], rest[1:]
        if rest and is_ipv4(rest[0]):
            nh_ip, rest = net(rest[0]).network_address, rest[1:]
        dist = _int(rest[0], 1) if rest and rest[0].isdigit() else 1
        self.routes.append(StaticRoute(prefix, line, vrf, nh_ip, nh_if, dist or 1))

    def route6(self, w: list[str], line: int) -> None:
        """``ipv6 route [vrf V] P/len [interface] [next-hop] [distance]``."""
        vrf = None
        if w[:1] == ["vrf"] and len(w) > 1:
            vrf, w = w[1], w[2:]
        if len(w) < 2 or "/" not in w[0] or ":" not in w[0]:
            return
        try:
            prefix = net6(w[0])
            rest = w[1:]
            nh_if = None
            if rest and ":" not in rest[0] and not rest[0].isdigit():
                nh_if, rest = rest[0], rest[1:]
            nh_ip = None
            if rest and ":" in rest[0]:
                nh_ip, rest = net6(rest[0]).network_address, rest[1:]
        except ValueError:
            self.warnings.append(f"line {line}: bad IPv6 static route")
            return
        dist = _int(rest[0], 1) if rest and rest[0].isdigit() else 1
        self.routes.append(StaticRoute(prefix, line, vrf, nh_ip, nh_if, dist or 1))

    # -- interface ---------------------------------------------------------------------
    def interface(self, n: Node, name: str) -> None:
        d: dict[str, Any] = {}
        t: dict[str, Any] = {}
        ospf: dict[str, Any] = {}
        secondary: list[Any] = []
        ipv6: list[str] = []
        is_tunnel = name.lower().startswith("tunnel")
        for c in n.children:
            w = c.text.split()
            k = w[0]
            if k not in _IF_WORDS:  # switchport, spanning-tree, ...
                continue
            try:
                if k == "ip" and len(w) > 1:
                    self._if_ip(w, d, ospf, secondary, c.line, name)
                elif k == "tunnel" and len(w) > 1:
                    self._if_tunnel(w, t)
                elif k == "description":
                    d["description"] = c.text[len("description"):].strip()
                elif k == "shutdown":
                    d["shutdown"] = True
                elif k == "mtu" and len(w) > 1:
                    d["mtu"] = int(w[1])
                elif k == "ipv6" and len(w) > 1:
                    if w[1] == "address" and len(w) > 2:
                        ipv6.append(w[2])
                    elif w[1] == "enable":
                        d["ipv6_enabled"] = True
                    elif w[1] == "mtu" and len(w) > 2:
                        d["ipv6_mtu"] = int(w[2])
                    elif w[1:3] == ["tcp", "adjust-mss"] and len(w) > 3:
                        d["ipv6_mss"] = int(w[3])
                elif k == "vrf" and w[1:2] == ["forwarding"] and len(w) > 2:
                    d["vrf"] = w[2]
                elif k == "crypto" and w[1:2] == ["map"] and len(w) > 2:
                    d["crypto_map"] = w[2]
                elif k == "keepalive":
                    per = int(w[1]) if len(w) > 1 else 10
                    d["keepalive"] = (per, int(w[2]) if len(w) > 2 else 3)
                elif k == "isis":
                    d["isis"] = True
            except (ValueError, IndexError):
                self.warnings.append(f"line {c.line}: could not read '{k} ...' of {name}")
        if secondary:
            d["secondary"] = tuple(secondary)
        if ipv6:
            d["ipv6"] = tuple(ipv6)
            d["ipv6_enabled"] = True
        if ospf:
            d["ospf"] = OspfIf(**ospf)
        if is_tunnel or t:
            d["tunnel"] = Tunnel(**t)
        self.interfaces[name] = Interface(name=name, line=n.line, **d)

    def _if_ip(self, w: list[str], d: dict[str, Any], ospf: dict[str, Any],
               secondary: list[Any], line: int, name: str) -> None:
        k = w[1]
        if k == "address" and len(w) > 3 and is_ipv4(w[2]):
            try:
                a = iface(w[2], w[3])
            except ValueError:
                self.warnings.append(f"line {line}: invalid mask on {name}")
                return
            if "secondary" in w[4:]:
                secondary.append(a)
            else:
                d["address"] = a
        elif k == "unnumbered" and len(w) > 2:
            d["unnumbered"] = w[2]
        elif k == "vrf" and w[2:3] == ["forwarding"] and len(w) > 3:
            d["vrf"] = w[3]
        elif k == "mtu" and len(w) > 2:
            d["ip_mtu"] = int(w[2])
        elif k == "tcp" and w[2:3] == ["adjust-mss"] and len(w) > 3:
            d["tcp_mss"] = int(w[3])
        elif k == "router" and w[2:3] == ["isis"]:
            d["isis"] = True
        elif k == "ospf" and len(w) > 2:
            o = w[2]
            if o == "network" and len(w) > 3:
                ospf["network_type"] = " ".join(w[3:])
            elif o == "hello-interval" and len(w) > 3:
                ospf["hello"] = int(w[3])
            elif o == "dead-interval" and len(w) > 3 and w[3].isdigit():
                ospf["dead"] = int(w[3])
            elif o == "mtu-ignore":
                ospf["mtu_ignore"] = True
            elif o == "cost" and len(w) > 3:
                ospf["cost"] = int(w[3])
            elif o.isdigit() and w[3:4] == ["area"] and len(w) > 4:
                ospf["process"], ospf["area"] = int(o), w[4]

    @staticmethod
    def _if_tunnel(w: list[str], t: dict[str, Any]) -> None:
        k = w[1]
        if k == "source" and len(w) > 2:
            t["source"] = w[2]
        elif k == "destination" and len(w) > 2:
            t["destination"] = w[2]
        elif k == "mode" and len(w) > 2:
            t["mode"] = " ".join(w[2:4])
        elif k == "key" and len(w) > 2:
            t["key"] = int(w[2])
        elif k == "checksum":
            t["checksum"] = True
        elif k == "sequence-datagrams":
            t["sequence"] = True
        elif k == "vrf" and len(w) > 2:
            t["vrf"] = w[2]
        elif k == "protection" and w[2:4] == ["ipsec", "profile"] and len(w) > 4:
            t["protection"] = w[4]
            t["protection_shared"] = "shared" in w[5:]
        elif k == "path-mtu-discovery":
            t["pmtud"] = True

    # -- routing -----------------------------------------------------------------------
    def router(self, n: Node, w: list[str]) -> None:
        proto = w[1]
        if proto == "ospf" and len(w) > 2 and w[2].isdigit():
            vrf = w[4] if w[3:4] == ["vrf"] and len(w) > 4 else None
            nets, passive, pdef, rid = [], [], False, None
            for c in n.children:
                cw = c.words()
                if cw[0] == "network" and len(cw) >= 5 and cw[3] == "area":
                    try:
                        nets.append((wildcard(cw[1], cw[2]), cw[4]))
                    except ValueError:
                        self.warnings.append(f"line {c.line}: bad OSPF network")
                elif cw[0] == "passive-interface" and len(cw) > 1:
                    if cw[1] == "default":
                        pdef = True
                    else:
                        passive.append("".join(cw[1:]))
                elif cw[0] == "router-id" and len(cw) > 1:
                    rid = cw[1]
            self.ospf.append(OspfProcess(int(w[2]), n.line, vrf, rid, tuple(nets),
                                         tuple(passive), pdef))
        elif proto == "eigrp" and len(w) > 2:
            enets = []
            for c in _walk(n):
                cw = c.words()
                if cw[0] == "network" and len(cw) > 1 and is_ipv4(cw[1]):
                    try:
                        enets.append(wildcard(cw[1], cw[2]) if len(cw) > 2 else classful(cw[1]))
                    except ValueError:
                        self.warnings.append(f"line {c.line}: bad EIGRP network")
            self.eigrp.append(EigrpProcess(w[2], n.line, tuple(enets)))
        elif proto == "bgp" and len(w) > 2:
            neigh: dict[str, str | None] = {}
            bnets = []
            for c in _walk(n):
                cw = c.words()
                if cw[0] == "neighbor" and len(cw) > 2:
                    ras = cw[3] if cw[2] == "remote-as" and len(cw) > 3 else None
                    if ras or cw[1] not in neigh:
                        neigh[cw[1]] = ras or neigh.get(cw[1])
                elif cw[0] == "network" and len(cw) > 1 and is_ipv4(cw[1]):
                    try:
                        mask = cw[3] if cw[2:3] == ["mask"] and len(cw) > 3 else None
                        bnets.append(net(cw[1], mask) if mask else classful(cw[1]))
                    except ValueError:
                        self.warnings.append(f"line {c.line}: bad BGP network")
            self.bgp.append(BgpProcess(w[2], n.line, tuple(neigh.items()), tuple(bnets)))

    def build(self, nlines: int) -> DeviceConfig:
        host = self.f.pop("hostname", None)
        if host is None:
            host = PurePath(self.source).stem if self.source else "unknown"
        acls = {k: Acl(k, self.acl_lines[k], _acl.AclEntries(k, v))
                for k, v in self.acls.items()}
        return DeviceConfig(
            hostname=host, source=self.source, lines=nlines, interfaces=self.interfaces,
            acls=acls, static_routes=tuple(self.routes), ospf=tuple(self.ospf),
            eigrp=tuple(self.eigrp), bgp=tuple(self.bgp),
            warnings=tuple(self.warnings + self.crypto.warnings),
            **self.crypto.fields(), **self.f,
        )


def _walk(n: Node) -> list[Node]:
    out: list[Node] = []
    stack = list(reversed(n.children))
    while stack:
        c = stack.pop()
        out.append(c)
        stack.extend(reversed(c.children))
    return out


# First words of the interface lines :meth:`_Builder.interface` reads
_IF_WORDS = frozenset({"ip", "tunnel", "description", "shutdown", "mtu", "ipv6", "vrf", "crypto",
                       "keepalive", "isis"})

# First words of the top-level lines :meth:`_Builder.top` reads; every other block is skipped
# by the splitter without building nodes.
HEADS = frozenset({"interface", "crypto", "ip", "access-list", "router", "hostname", "version",
                   "password", "archive", "file", "ipv6"})


def parse_config(text: str, *, source: str | None = None) -> DeviceConfig:
    """Parse one IOS/IOS-XE running-config. Never raises on unknown or malformed lines."""
    roots, nlines = split_blocks(text, HEADS)
    nested = [r for r in roots if r.text.startswith("router")
              and any(c.children for c in r.children)]
    if nested:
        _reparse_nested(nested, text.splitlines())
    b = _Builder(source)
    for r in roots:
        try:
            b.top(r)
        except (ValueError, IndexError):
            b.warnings.append(f"line {r.line}: could not read '{r.text.split()[0]} ...'")
    return b.build(nlines)
