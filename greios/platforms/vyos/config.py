"""VyOS config semantics: how a VyOS router applies typed ``set``/``delete`` lines.

The running config is ``show configuration commands`` text (or curly ``config.boot``); the
result is always set-lines in VyOS's order (:func:`~.render.render_commands`). The schema
of the config's version decides what a line means and whether VyOS refuses it (with
VyOS's own error text, :class:`~greios.platforms.base.RejectedLinesError`). Pure.
"""

from __future__ import annotations

from collections.abc import Iterable

from greios.platforms.base import RejectedLinesError
from greios.platforms.vyos.parse import VyosConfigError, apply_resolved, parse_config, split_words
from greios.platforms.vyos.render import render_commands
from greios.platforms.vyos.schema import VERSIONS, PathError, schema
from greios.platforms.vyos.tree import ConfigTree

#: the version assumed when a text does not say (set-lines carry no version)
DEFAULT_VERSION = "1.4"


def load(text: str, version: str | None = None) -> tuple[ConfigTree, str]:
    """(tree, version) of a running config; ``version`` wins over the config.boot footer,
    which wins over the dialect the lines are written in (:func:`guess_version`)."""
    parsed = parse_config(text, version)
    return parsed.tree, version or parsed.version or guess_version(parsed.tree)


def guess_version(tree: ConfigTree) -> str:
    """The newest version whose schema accepts every line of ``tree`` (set-lines carry no
    version: ``local-ip`` says 1.2, ``multicast`` 1.3, ``enable-multicast`` 1.4+);
    :data:`DEFAULT_VERSION` when none accepts them all."""
    leaves = [(*path, value) if value is not None else path
              for path, value in tree.leaf_paths()]
    for ver in reversed(VERSIONS):
        check = schema(ver)
        if all(check.is_valid(words) for words in leaves):
            return ver
    return DEFAULT_VERSION


def apply_line(tree: ConfigTree, line: str, version: str) -> str | None:
    """Apply one typed line to ``tree``; VyOS's error text when it refuses it, else None
    (``already exists`` and ``Nothing to delete`` are not errors on VyOS)."""
    stripped = line.strip()
    if not stripped or stripped.startswith("#"):
        return None
    try:
        words = split_words(stripped)
    except VyosConfigError as exc:
        return str(exc)
    verb = words[0].text
    if verb not in ("set", "delete") or len(words) < 2:
        return f"\n  Invalid command: [{stripped}]\n\n"
    texts = [w.text for w in words[1:]]
    res = schema(version).resolve(texts, words[-1].quoted, for_delete=verb == "delete")
    if isinstance(res, PathError):
        return res.text(verb)
    if verb == "set":
        if not tree.exists(res.path, res.value):
            apply_resolved(tree, res, append=False)
    elif tree.exists(res.path, res.value):
        tree.delete(res.path, res.value)
    return None


def apply_tree(tree: ConfigTree, lines: Iterable[str], version: str
               ) -> list[tuple[str, str]]:
    """Apply ``lines`` in order; the (line, error) pairs VyOS refuses (others still apply)."""
    rejected: list[tuple[str, str]] = []
    for line in lines:
        err = apply_line(tree, line, version)
        if err is not None:
            rejected.append((line, err.strip()))
    return rejected


def apply_text(running: str, lines: Iterable[str], version: str | None = None) -> str:
    """``running`` after VyOS applied ``lines`` (set-lines). Raises RejectedLinesError."""
    tree, ver = load(running, version)
    rejected = apply_tree(tree, lines, ver)
    out = render_commands(tree)
    if rejected:
        from greios.redact import redact_line

        raise RejectedLinesError(rejected, out, redact=redact_line, what=f"VyOS {ver}")
    return out


def normalise(text: str, version: str | None = None) -> str:
    """The config as ``show configuration commands`` prints it."""
    return render_commands(load(text, version)[0])
