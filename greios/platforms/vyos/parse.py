"""Parse VyOS configurations into a :class:`~greios.platforms.vyos.tree.ConfigTree`.

Two input formats, of every supported version, give the same tree:

* ``show configuration commands`` set-lines (``set interfaces tunnel tun0 address
  '192.168.0.1/30'``): values single-quoted with backslash escapes (libvyosconfig
  ``Renderer.render_commands``), tag values and valueless leaves bare; hand-typed lines
  with unquoted values (the issue's ``multicast enable``) or quoted tag values
  (``set interfaces loopback 'lo'``, older docs) are told apart with the schema;
* ``config.boot`` / ``show configuration`` curly format: ``name {``, ``name tagvalue {``,
  ``name value``, bare ``name``; values bare or double-quoted (1.2/1.3 vyatta-cfg quote
  only when needed, 1.4+ libvyosconfig always); ``/* */`` and ``//`` comments and the
  version footer are skipped, the footer's release is reported.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from greios.errors import GreiosError
from greios.platforms.vyos.schema import (
    VERSIONS,
    Kind,
    PathError,
    Resolved,
    VyosVersionError,
    normalize_version,
    schema,
)
from greios.platforms.vyos.tree import ConfigTree

_ESCAPES = {"n": "\n", "t": "\t", "r": "\r", "b": "\b", '"': '"', "\\": "\\", "'": "'"}
_RELEASE = re.compile(r"Release version:\s*([^\s*]+)")


class VyosConfigError(GreiosError):
    """A VyOS configuration text cannot be parsed (names the line)."""

    default_message = "unparsable VyOS configuration"


@dataclass(frozen=True)
class Word:
    text: str
    quoted: bool


@dataclass
class ParsedConfig:
    tree: ConfigTree
    format: str  # "commands" | "curly"
    release: str | None  # from the config.boot footer, e.g. "1.2.9-S1"

    @property
    def version(self) -> str | None:
        """The footer's release as one of VERSIONS, when there is one."""
        if self.release is None:
            return None
        try:
            return normalize_version(self.release)
        except VyosVersionError:
            return None


def _unescape(text: str) -> str:
    if "\\" not in text:
        return text
    out: list[str] = []
    i = 0
    while i < len(text):
        ch = text[i]
        if ch == "\\" and i + 1 < len(text):
            nxt = text[i + 1]
            out.append(_ESCAPES.get(nxt, "\\" + nxt))
            i += 2
            continue
        out.append(ch)
        i += 1
    return "".join(out)


def split_words(line: str, lineno: int = 0) -> list[Word]:
    """Split a VyOS CLI/config line into words, honouring '...' and "..." quoting.

    A single-quoted word ends at a quote followed by a blank or the end of the line,
    so values holding quotes survive (libvyosconfig does not escape ``'``).

    >>> [w.text for w in split_words("set system login banner 'it''s' x")]
    ['set', 'system', 'login', 'banner', "it''s", 'x']
    """
    words: list[Word] = []
    i, n = 0, len(line)
    while i < n:
        if line[i].isspace():
            i += 1
            continue
        quote = line[i]
        if quote in "'\"":
            j = i + 1
            buf: list[str] = []
            while True:
                if j >= n:
                    raise VyosConfigError(f"line {lineno}: unterminated quote: {line.strip()}")
                ch = line[j]
                if ch == "\\" and j + 1 < n:
                    buf.append(line[j:j + 2])
                    j += 2
                    continue
                if ch == quote and (quote == '"' or j + 1 >= n or line[j + 1].isspace()):
                    break
                buf.append(ch)
                j += 1
            words.append(Word(_unescape("".join(buf)), True))
            i = j + 1
            continue
        j = i
        while j < n and not line[j].isspace():
            j += 1
        words.append(Word(line[i:j], False))
        i = j
    return words


def resolve_words(words: list[Word], version: str | None, *,
                  for_delete: bool = False, strict: bool = True) -> Resolved | PathError:
    """Split command words into path and value with the schema of ``version`` (or,
    when unknown or invalid there, of the newest version that accepts them)."""
    texts = [w.text for w in words]
    quoted_last = bool(words) and words[-1].quoted
    order = [normalize_version(version)] if version else []
    order += [ver for ver in reversed(VERSIONS) if ver not in order]
    first: Resolved | PathError | None = None
    for ver in order:
        res = schema(ver).resolve(texts, quoted_last, for_delete=for_delete, strict=strict)
        if first is None:
            first = res
        if isinstance(res, Resolved) and not res.opaque:
            return res
    assert first is not None
    if isinstance(first, Resolved):
        return first
    # unknown everywhere: a quoted last word is a value, anything else a bare node
    if quoted_last:
        return Resolved(tuple(texts[:-1]), texts[-1], Kind.LEAF, (), opaque=True)
    return Resolved(tuple(texts), None, Kind.FLAG, (), opaque=True)


def apply_resolved(tree: ConfigTree, res: Resolved, *, append: bool) -> bool:
    leaf = res.kind in (Kind.LEAF, Kind.MULTI, Kind.FLAG)
    return tree.set(res.path, res.value, multi=append or res.kind is Kind.MULTI,
                    leaf=leaf, tags=res.tags)


def parse_set_commands(text: str, version: str | None = None) -> ConfigTree:
    """Parse ``set``/``delete`` lines (``show configuration commands``, or a script)."""
    tree = ConfigTree()
    for lineno, raw in enumerate(text.splitlines(), 1):
        line = raw.strip()
        if not line or line.startswith(("#", "//")):
            continue
        words = split_words(line, lineno)
        verb = words[0].text
        if verb not in ("set", "delete") or len(words) < 2:
            raise VyosConfigError(f"line {lineno}: not a set/delete command: {line}")
        res = resolve_words(words[1:], version, for_delete=verb == "delete")
        if isinstance(res, PathError):  # only when every schema refuses: keep it as typed
            res = Resolved(tuple(w.text for w in words[1:]), None, Kind.FLAG, (), True)
        if verb == "set":
            apply_resolved(tree, res, append=True)
        else:
            tree.delete(res.path, res.value)
    return tree


def parse_config_boot(text: str) -> ConfigTree:
    """Parse curly-brace config (``config.boot``, ``show configuration``, ``show``)."""
    return _parse_curly(text)[0]


def _strip_comments(line: str, in_comment: bool) -> tuple[str, bool]:
    out = ""
    i = 0
    while i < len(line):
        if in_comment:
            end = line.find("*/", i)
            if end < 0:
                return out, True
            i = end + 2
            in_comment = False
            continue
        if line.startswith("/*", i):
            in_comment = True
            i += 2
            continue
        if line.startswith("//", i) and not out.strip():
            return out, False
        if line[i] in "'\"":  # keep quoted text (it may hold comment markers)
            quote = line[i]
            j = i + 1
            while j < len(line) and line[j] != quote:
                j += 2 if line[j] == "\\" else 1
            out += line[i:j + 1]
            i = j + 1
            continue
        out += line[i]
        i += 1
    return out, in_comment


def _parse_curly(text: str) -> tuple[ConfigTree, str | None]:
    tree = ConfigTree()
    stack: list[tuple[str, ...]] = [()]
    tag_stack: list[tuple[int, ...]] = [()]
    release: str | None = None
    in_comment = False
    for lineno, raw in enumerate(text.splitlines(), 1):
        match = _RELEASE.search(raw)
        if match and raw.lstrip().startswith(("//", "/*")):
            release = match.group(1)
        line, in_comment = _strip_comments(raw, in_comment)
        line = line.strip()
        if not line:
            continue
        if line == "}":
            if len(stack) == 1:
                raise VyosConfigError(f"line {lineno}: unbalanced '}}'")
            stack.pop()
            tag_stack.pop()
            continue
        opens = line.endswith("{")
        body = line[:-1].rstrip() if opens else line
        words = split_words(body, lineno)
        if not words or len(words) > 2 or any(w.text in "{}" and not w.quoted for w in words):
            raise VyosConfigError(f"line {lineno}: cannot parse: {line}")
        base, tags = stack[-1], tag_stack[-1]
        name = words[0].text
        if opens:
            if len(words) == 2:  # tag node "name value {"
                path = (*base, name, words[1].text)
                tags = (*tags, len(base))
            else:
                path = (*base, name)
            tree.set(path, None, leaf=False, tags=tags)
            stack.append(path)
            tag_stack.append(tags)
        elif len(words) == 2:
            tree.set((*base, name), words[1].text, multi=True, leaf=True, tags=tags)
        else:
            tree.set((*base, name), None, leaf=True, tags=tags)
    if len(stack) != 1:
        raise VyosConfigError("unbalanced '{': the configuration ends inside a block")
    return tree, release


def looks_like_commands(text: str) -> bool:
    for raw in text.splitlines():
        line = raw.strip()
        if not line or line.startswith(("#", "//", "/*")):
            continue
        return line.startswith(("set ", "delete "))
    return False


def parse_config(text: str, version: str | None = None) -> ParsedConfig:
    """Parse either format (detected from the first significant line)."""
    if looks_like_commands(text):
        return ParsedConfig(parse_set_commands(text, version), "commands", None)
    tree, release = _parse_curly(text)
    return ParsedConfig(tree, "curly", release)
