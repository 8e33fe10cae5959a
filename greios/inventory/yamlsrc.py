"""YAML loading that remembers where every value came from.

PyYAML's constructor drops positions, so we compose the node graph ourselves and build plain
Python data together with a map ``path -> line`` (1-based). Duplicate keys, which PyYAML
would silently overwrite, are reported instead.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

Path_ = tuple[str | int, ...]


@dataclass
class YamlDoc:
    """A parsed YAML file: the data and the line of every value path."""

    file: Path
    data: Any
    lines: dict[Path_, int] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)

    def line_of(self, path: Path_) -> int:
        """Line of ``path``, or of its nearest ancestor that has one."""
        p = tuple(path)
        while p:
            if p in self.lines:
                return self.lines[p]
            p = p[:-1]
        return self.lines.get((), 1)

    def where(self, path: Path_) -> str:
        """``file:line: a.b[0].c`` prefix for a message about ``path``."""
        return f"{display_path(self.file)}:{self.line_of(path)}: {format_path(path)}"


def format_path(path: Path_) -> str:
    """Render a YAML path like ``routers[0].underlay.address``.

    >>> format_path(("routers", 0, "underlay", "address"))
    'routers[0].underlay.address'
    >>> format_path(())
    '(top level)'
    """
    out = ""
    for part in path:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += ("." if out else "") + str(part)
    return out or "(top level)"


def display_path(path: Path) -> str:
    """Path relative to the working directory when possible (shorter messages)."""
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path)


class _Builder:
    def __init__(self, doc: YamlDoc) -> None:
        self.doc = doc

    def build(self, node: yaml.Node, path: Path_) -> Any:
        self.doc.lines.setdefault(path, node.start_mark.line + 1)
        if isinstance(node, yaml.MappingNode):
            out: dict[Any, Any] = {}
            for key_node, value_node in node.value:
                if key_node.tag == "tag:yaml.org,2002:merge":
                    self.doc.problems.append(
                        f"{self.doc.where(path)}: YAML merge keys (<<) are not supported"
                    )
                    continue
                key = self._scalar(key_node)
                if not isinstance(key, (str, int)):
                    self.doc.problems.append(
                        f"{self.doc.where(path)}: mapping keys must be plain strings"
                    )
                    continue
                key = str(key)
                child = (*path, key)
                if key in out:
                    self.doc.lines[child] = key_node.start_mark.line + 1
                    self.doc.problems.append(f"{self.doc.where(child)}: duplicate key '{key}'")
                    continue
                self.doc.lines[child] = key_node.start_mark.line + 1
                out[key] = self.build(value_node, child)
            return out
        if isinstance(node, yaml.SequenceNode):
            return [self.build(item, (*path, i)) for i, item in enumerate(node.value)]
        return self._scalar(node)

    @staticmethod
    def _scalar(node: yaml.Node) -> Any:
        if not isinstance(node, yaml.ScalarNode):
            return None
        constructor = yaml.SafeLoader(stream="")
        try:
            return constructor.construct_object(node, deep=True)
        finally:
            constructor.dispose()


def load_yaml(file: Path) -> YamlDoc:
    """Load one YAML file; syntax errors become a ``problems`` entry with the line."""
    doc = YamlDoc(file=file, data=None)
    try:
        text = file.read_text(encoding="utf-8")
    except OSError as exc:
        doc.problems.append(f"{display_path(file)}: cannot read: {exc.strerror or exc}")
        return doc
    except UnicodeDecodeError:
        doc.problems.append(f"{display_path(file)}: not UTF-8 text")
        return doc
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else 1
        what = exc.problem or exc.context or "invalid YAML"
        doc.problems.append(f"{display_path(file)}:{line}: malformed YAML: {what}")
        return doc
    except yaml.YAMLError as exc:
        doc.problems.append(f"{display_path(file)}: malformed YAML: {exc}")
        return doc
    if node is None:
        doc.data = {}
        doc.lines[()] = 1
        return doc
    doc.data = _Builder(doc).build(node, ())
    return doc
