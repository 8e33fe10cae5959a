"""Render a :class:`~greios.platforms.vyos.tree.ConfigTree` the ways VyOS prints configuration.

* :func:`render_commands` — ``show configuration commands`` (every version pipes the
  active config through libvyosconfig ``vyos-config-to-commands``): ``set`` + path, leaf
  values in single quotes with ``"``/``\\`` and control characters backslash-escaped,
  tag values and valueless leaves bare, one line per value of a multi-value leaf;
  children in lexical-numeric order, multi-values in the order they were set;
  secrets in clear.
* :func:`render_curly` with ``style="vyatta"`` — vyatta-cfg ``cli-shell-api showCfg``
  (``show configuration``, config-mode ``show``, and the 1.2/1.3 ``config.boot``):
  four-space indent, values double-quoted only when empty or holding one of
  ``* } { ;`` or whitespace; with ``hide_secrets`` the values of nodes whose name ends
  in ``passphrase``, ``password``, ``pre-shared-secret`` or ``key`` print as
  ``****************`` (vyatta-cfg ``src/cnode/cnode-algorithm.cpp``).
* :func:`render_curly` with ``style="vyos"`` — libvyosconfig ``Renderer.render_config``
  (the 1.4+ ``config.boot`` written by ``vyos-save-config.py``): every value
  double-quoted.
* :func:`render_config_boot` — the file ``save`` writes, version footer included.
"""

from __future__ import annotations

from greios.platforms.vyos.schema import CODENAMES, normalize_version
from greios.platforms.vyos.tree import ConfigTree, Node

SECRET_SUFFIXES = ("passphrase", "password", "pre-shared-secret", "key")
MASK = "****************"
_NEEDS_QUOTES = set("*}{;\t\n\v\f\r ")

# Illustrative component-version strings for the footer (greios's own, abbreviated).
_COMPONENTS = {
    "1.2": "broadcast-relay@1:cluster@1:config-management@1:conntrack@1:dhcp-relay@2:"
           "dhcp-server@5:firewall@5:interfaces@5:ipsec@5:nat@4:ntp@1:quagga@7:ssh@1:"
           "system@10:vrrp@2",
    "1.3": "broadcast-relay@1:cluster@1:config-management@1:conntrack@3:dhcp-relay@2:"
           "dhcp-server@6:firewall@5:interfaces@22:ipsec@5:nat@5:ntp@1:quagga@8:ssh@2:"
           "system@21:vrrp@2",
    "1.4": "bgp@5:config-management@1:conntrack@5:dhcp-relay@2:dhcp-server@8:firewall@15:"
           "interfaces@32:ipsec@13:nat@7:ntp@3:ospf@2:quagga@11:ssh@2:system@27:vrrp@4",
    "1.5": "bgp@6:config-management@1:conntrack@6:dhcp-relay@2:dhcp-server@11:firewall@17:"
           "interfaces@33:ipsec@13:nat@8:ntp@3:ospf@2:quagga@12:ssh@2:system@28:vrrp@4",
}
DEFAULT_RELEASE = {"1.2": "1.2.9-S1", "1.3": "1.3.8", "1.4": "1.4.0", "1.5": "1.5-rolling-"
                   "202410210022"}


def escape_value(value: str) -> str:
    """libvyosconfig's escaping of values (``"``, ``\\`` and control characters)."""
    if not any(ch in '"\\' or ord(ch) < 32 or ord(ch) == 127 for ch in value):
        return value
    out: list[str] = []
    for ch in value:
        if ch in '"\\':
            out.append("\\" + ch)
        elif ch == "\n":
            out.append("\\n")
        elif ch == "\t":
            out.append("\\t")
        elif ch == "\r":
            out.append("\\r")
        elif ch == "\b":
            out.append("\\b")
        elif ord(ch) < 32 or ord(ch) == 127:
            out.append(f"\\{ord(ch):03d}")
        else:
            out.append(ch)
    return "".join(out)


def command_line(verb: str, path: tuple[str, ...], value: str | None) -> str:
    """One ``set``/``delete`` line as VyOS prints it."""
    text = f"{verb} {' '.join(path)}"
    return text if value is None else f"{text} '{escape_value(value)}'"


def render_commands(tree: ConfigTree) -> str:
    """``show configuration commands`` output (no trailing newline after the last
    line is added by VyOS's pipe; we end every line with ``\\n``)."""
    return "".join(command_line("set", path, value) + "\n" for path, value in tree.leaf_paths())


def _vyatta_value(value: str) -> str:
    return f'"{value}"' if not value or any(ch in _NEEDS_QUOTES for ch in value) else value


def is_secret(name: str) -> bool:
    return name.endswith(SECRET_SUFFIXES)


def render_curly(tree: ConfigTree, style: str = "vyatta", *, hide_secrets: bool = False) -> str:
    """Curly-brace rendering; ``style`` is ``"vyatta"`` or ``"vyos"`` (see module doc)."""
    if style not in ("vyatta", "vyos"):
        raise ValueError(f"unknown curly style {style!r}")
    out: list[str] = []
    for child in tree.root.sorted_children():
        _render_node(child, 0, style, hide_secrets, out)
    return "".join(out)


def _format_value(name: str, value: str, style: str, hide: bool) -> str:
    if hide and is_secret(name):
        return MASK
    if style == "vyos":
        return f'"{escape_value(value)}"'
    return _vyatta_value(value)


def _render_node(node: Node, level: int, style: str, hide: bool, out: list[str]) -> None:
    pad = "    " * level
    if node.tag and node.children:
        for child in node.sorted_children():
            label = child.name if style == "vyos" else _vyatta_value(child.name)
            out.append(f"{pad}{node.name} {label} {{\n")
            for grandchild in child.sorted_children():
                _render_node(grandchild, level + 1, style, hide, out)
            out.append(f"{pad}}}\n")
        return
    if node.children:
        out.append(f"{pad}{node.name} {{\n")
        for child in node.sorted_children():
            _render_node(child, level + 1, style, hide, out)
        out.append(f"{pad}}}\n")
        return
    if node.leaf:
        if not node.values:
            out.append(f"{pad}{node.name}\n")
        for value in node.values:
            out.append(f"{pad}{node.name} {_format_value(node.name, value, style, hide)}\n")
        return
    out.append(f"{pad}{node.name} {{\n{pad}}}\n")


def version_footer(version: str, release: str | None = None) -> str:
    """The footer ``save`` appends: ``/* */`` (1.2, vyatta vintage) or ``//`` (1.3+)."""
    ver = normalize_version(version)
    rel = release or DEFAULT_RELEASE[ver]
    comps = _COMPONENTS[ver]
    if ver == "1.2":
        return ("/* Warning: Do not remove the following line. */\n"
                f'/* === vyatta-config-version: "{comps}" === */\n'
                f"/* Release version: {rel} */\n")
    return ("// Warning: Do not remove the following line.\n"
            f'// vyos-config-version: "{comps}"\n'
            f"// Release version: {rel}\n")


def render_config_boot(tree: ConfigTree, version: str, release: str | None = None) -> str:
    """``/config/config.boot`` as ``save`` writes it on ``version``."""
    ver = normalize_version(version)
    style = "vyatta" if ver in ("1.2", "1.3") else "vyos"
    return render_curly(tree, style) + "\n" + version_footer(ver, release)


def codename(version: str) -> str:
    return CODENAMES[normalize_version(version)]
