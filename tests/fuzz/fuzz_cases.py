"""Generated malformed inventories for the fuzz test (issue #11).

:func:`generate` returns deterministic cases (seeded): each is a name and a function that
breaks a fresh copy of the bundled example (``sites/`` with its lock) and may return
environment variables to set. Families:

* ``value``: one leaf of a YAML file (project, site, lock) replaced by an adversarial value,
  written back as valid YAML;
* ``struct``: a key deleted, renamed, duplicated, or a value wrapped in a list or mapping;
* ``text``: the file's text truncated, a YAML-special character inserted, lines deleted,
  duplicated or swapped, indentation broken;
* ``yaml``: YAML edge cases (alias bombs, recursion, deep nesting, tags, huge numbers,
  several documents, control characters, invalid UTF-8, BOM, CRLF, ...);
* ``file``: symlink loops, directories or FIFOs instead of files, missing files, binary
  files, secrets files and ``GREIOS_PSK_*`` variables with keys IOS cannot take.
"""

from __future__ import annotations

import os
import random
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import yaml

Env = dict[str, str]
Mutation = Callable[[Path], Env | None]
FILES = ["greios.yaml", "tokyo.yaml", "hongkong.yaml", "singapore.yaml", "sydney.yaml",
         "mumbai.yaml", "seoul.yaml", "greios.lock"]
PAIR = "hongkong-rtr1--tokyo-rtr1"
KEY = "Abcdefghij0123456789Abcdefghij0123456789"

ADVERSARIAL: list[Any] = [
    None, "", " ", True, False, 0, -1, 1, 65536, 2**31, 2**40, 1099511627776, -(2**63), 1.5,
    float("inf"), float("nan"), "1e999999", "x" * 5000, "ü", "名前", "\u202e", "\x7f",
    "a\nb", "a: b", "- a", "!Ref x", "*alias", "&anchor", "%TAG", "0x10", "0o17", "1:30",
    "yes", "no", "~", "null", "2024-13-45", "10.0.0.1", "10.0.0.0/8", "10.0.0.255/24",
    "224.0.0.1/24", "127.0.0.1/8", "0.0.0.0/0", "255.255.255.255/32", "::1/128", "fe80::1/64",
    "2001:db8::7", "2001:db8::/32", "192.168.0.0/33", "300.1.1.1/24", "Tunnel100", "Tu5",
    "Loopback0", "GigabitEthernet0/0/0", "../../etc/passwd", "/dev/zero", "snapshots",
    "snapshots/" + "y" * 300 + ".cfg", "C:\\x", "tokyo", "tokyo-rtr1", "hongkong-rtr1",
    "GREIOS_PSK_X", "$(id)", "`id`", "'; DROP", "<script>", "{{ 7*7 }}", "{% raw %}", [], {},
    [1, 2], {"a": 1}, ["tokyo", "tokyo"], [None], {"pair": ["tokyo"]}, "aes-gcm-256",
    "legacy-v1", "nope", 30, 31, 32, 8, 199, 100,
]

YAML_EDGE: dict[str, str] = {
    "billion-laughs": 'x0: &a0 ["l","l","l","l","l","l","l","l","l"]\n' + "".join(
        f"x{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 9)}]\n" for i in range(1, 10)),
    "recursive-alias": "x: &r [1, *r]\n",
    "recursive-map-alias": "x: &m {a: *m}\n",
    "undefined-alias": "x: *nothing\n",
    "deep-block": "x:\n" + "".join(" " * (i + 1) + f"k{i}:\n" for i in range(200)),
    "deep-compact": "x: " + "- " * 20_000 + "y\n",
    "deep-flow": "x: " + "[" * 20_000 + "]" * 20_000 + "\n",
    "deep-flow-map": "x: " + "{a: " * 5_000 + "1" + "}" * 5_000 + "\n",
    "unknown-tag": "x: !Ref y\n",
    "python-name": "x: !!python/name:os.system ''\n",
    "python-apply": "x: !!python/object/apply:os.system ['id']\n",
    "int-tag-text": "x: !!int abc\n",
    "float-tag-text": "x: !!float abc\n",
    "bool-tag-text": "x: !!bool maybe\n",
    "binary-tag": "x: !!binary aGVsbG8=\n",
    "set-tag": "x: !!set {a, b}\n",
    "timestamp-tag": "x: !!timestamp 2024-13-45\n",
    "tag-on-map": "x: !!str {a: 1}\n",
    "big-int": "x: " + "9" * 5000 + "\n",
    "big-hex": "x: 0x" + "f" * 5000 + "\n",
    "big-sexagesimal": "x: " + ":".join(["59"] * 3000) + "\n",
    "big-float": "x: 1e999999\n",
    "second-document": "---\nx: 1\n",
    "document-end": "...\nx: 1\n",
    "directive": "%YAML 1.1\n---\nx: 1\n",
    "bad-directive": "%FOO bar\nx: 1\n",
    "merge-key": "b: &b {x: 1}\nc:\n  <<: *b\n",
    "complex-key": "? [a, b]\n: 1\n",
    "null-key": "~: 1\n",
    "duplicate-key": "project: again\nsite: again\n",
    "nul": "x: a\x00b\n",
    "escape-nul": 'x: "a\\0b"\n',
    "bell": "x: a\x07b\n",
    "lone-surrogate-escape": 'x: "\\ud800"\n',
    "bad-escape": 'x: "\\q"\n',
    "tab-indent": "x:\n\ty: 1\n",
    "unclosed-quote": "x: 'abc\n",
    "unclosed-bracket": "x: [a, b\n",
    "long-key": "k" * 2000 + ": 1\n",
    "many-aliases": "a: &a 1\nb: [" + ", ".join(["*a"] * 3000) + "]\n",
    "anchor-on-key": "&k key: 1\n",
}


def _leaves(data: Any, path: tuple[Any, ...] = ()) -> Iterator[tuple[Any, ...]]:
    if isinstance(data, dict):
        if not data:
            yield path
        for k, v in data.items():
            yield from _leaves(v, (*path, k))
    elif isinstance(data, list):
        if not data:
            yield path
        for i, v in enumerate(data):
            yield from _leaves(v, (*path, i))
    else:
        yield path


def _nodes(data: Any, path: tuple[Any, ...] = ()) -> Iterator[tuple[Any, ...]]:
    if path:
        yield path
    if isinstance(data, dict):
        for k, v in data.items():
            yield from _nodes(v, (*path, k))
    elif isinstance(data, list):
        for i, v in enumerate(data):
            yield from _nodes(v, (*path, i))


def _get(data: Any, path: tuple[Any, ...]) -> Any:
    for p in path:
        data = data[p]
    return data


def _load(sites: Path, name: str) -> Any:
    return yaml.safe_load((sites / name).read_text())


def _dump(sites: Path, name: str, data: Any) -> None:
    (sites / name).write_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True))


def _base_data(base: Path) -> dict[str, Any]:
    return {name: yaml.safe_load((base / name).read_text()) for name in FILES}


def _value_case(rng: random.Random, name: str, data: Any) -> tuple[str, Mutation]:
    path = rng.choice(list(_leaves(data)))
    value = rng.choice(ADVERSARIAL)

    def mutate(sites: Path) -> None:
        d = _load(sites, name)
        if path:
            parent = _get(d, path[:-1])
            parent[path[-1]] = value
        else:
            d = value
        _dump(sites, name, d)

    label = ".".join(map(str, path)) or "(top)"
    return f"value:{name}:{label}={str(value)[:20]!r}", mutate


def _struct_case(rng: random.Random, name: str, data: Any) -> tuple[str, Mutation]:
    path = rng.choice(list(_nodes(data)))
    kind = rng.choice(["delete", "rename", "wrap-list", "wrap-map", "duplicate", "swap-type"])

    def mutate(sites: Path) -> None:
        d = _load(sites, name)
        parent = _get(d, path[:-1])
        key = path[-1]
        if kind == "delete":
            del parent[key]
        elif kind == "rename" and isinstance(parent, dict):
            parent[f"{key}x"] = parent.pop(key)
        elif kind == "wrap-list":
            parent[key] = [parent[key]]
        elif kind == "wrap-map":
            parent[key] = {"value": parent[key]}
        elif kind == "duplicate" and isinstance(parent, list):
            parent.append(parent[key])
        elif kind == "duplicate" and isinstance(parent, dict):
            parent[f"{key}_copy"] = parent[key]
        else:
            v = parent[key]
            parent[key] = str(v) if not isinstance(v, str) else ([v] if v else 0)
        _dump(sites, name, d)

    return f"struct:{name}:{'.'.join(map(str, path))}:{kind}", mutate


SPECIAL = [":", "-", "[", "]", "{", "}", "&", "*", "!", "|", ">", "'", '"', "\t", "%", "@",
           "`", "#", "?", ",", "\\", "\x00", "\x85", "\ufeff", "é", "\r", "\n", "  ", ": ",
           "- ", "&a ", "*a", "!!", "<<: ", "\x1b[31m"]


def _text_case(rng: random.Random, name: str, text: str) -> tuple[str, Mutation]:
    kind = rng.choice(["truncate", "insert", "insert", "delete-line", "duplicate-line",
                       "swap-lines", "indent", "dedent"])
    lines = text.splitlines(keepends=True)
    pos = rng.randrange(len(text))
    i, j = rng.randrange(len(lines)), rng.randrange(len(lines))
    char = rng.choice(SPECIAL)

    def mutate(sites: Path) -> None:
        ls = list(lines)
        if kind == "truncate":
            out = text[:pos]
        elif kind == "insert":
            out = text[:pos] + char + text[pos:]
        elif kind == "delete-line":
            del ls[i]
            out = "".join(ls)
        elif kind == "duplicate-line":
            ls.insert(i, ls[i])
            out = "".join(ls)
        elif kind == "swap-lines":
            ls[i], ls[j] = ls[j], ls[i]
            out = "".join(ls)
        elif kind == "indent":
            ls[i] = "   " + ls[i]
            out = "".join(ls)
        else:
            ls[i] = ls[i].lstrip()
            out = "".join(ls)
        (sites / name).write_text(out, encoding="utf-8", newline="")

    detail = {"truncate": str(pos), "insert": f"{pos}:{char!r}"}.get(kind, f"line{i}")
    return f"text:{name}:{kind}:{detail}", mutate


def _yaml_case(name: str, edge: str, mode: str) -> tuple[str, Mutation]:
    snippet = YAML_EDGE[edge]

    def mutate(sites: Path) -> None:
        path = sites / name
        if mode == "replace":
            path.write_text(snippet)
        else:
            path.write_text(path.read_text() + snippet)

    return f"yaml:{name}:{edge}:{mode}", mutate


def _secrets(value: Any) -> Mutation:
    def mutate(sites: Path) -> None:
        (sites / ".greios-secrets.yaml").write_text(
            yaml.safe_dump({"psk": {PAIR: value}}, allow_unicode=True))
    return mutate


def _write(name: str, data: bytes | str) -> Mutation:
    def mutate(sites: Path) -> None:
        if isinstance(data, bytes):
            (sites / name).write_bytes(data)
        else:
            (sites / name).write_text(data)
    return mutate


def _loop(name: str) -> Mutation:
    def mutate(sites: Path) -> None:
        (sites / name).unlink(missing_ok=True)
        (sites / name).symlink_to(name)
    return mutate


def _dir(name: str) -> Mutation:
    def mutate(sites: Path) -> None:
        (sites / name).unlink(missing_ok=True)
        (sites / name).mkdir()
    return mutate


def _fifo(name: str) -> Mutation:
    def mutate(sites: Path) -> None:
        (sites / name).unlink(missing_ok=True)
        os.mkfifo(sites / name)
    return mutate


def _link(name: str, target: str) -> Mutation:
    def mutate(sites: Path) -> None:
        (sites / name).unlink(missing_ok=True)
        (sites / name).symlink_to(target)
    return mutate


def _remove(name: str) -> Mutation:
    def mutate(sites: Path) -> None:
        (sites / name).unlink()
    return mutate


def _env(value: str, var: str = "GREIOS_PSK_HONGKONG_RTR1__TOKYO_RTR1") -> Mutation:
    def mutate(sites: Path) -> Env:
        return {var: value}
    return mutate


def _file_cases() -> list[tuple[str, Mutation]]:
    cases: list[tuple[str, Mutation]] = []
    for name in [*FILES, ".greios-secrets.yaml"]:
        cases += [(f"file:{name}:symlink-loop", _loop(name)),
                  (f"file:{name}:directory", _dir(name)),
                  (f"file:{name}:fifo", _fifo(name)),
                  (f"file:{name}:dev-zero", _link(name, "/dev/zero")),
                  (f"file:{name}:dangling", _link(name, "nowhere.yaml")),
                  (f"file:{name}:binary", _write(name, b"\x89PNG\r\n\x1a\n\x00\x00\rIHDR\xff")),
                  (f"file:{name}:latin1", _write(name, "site: m\xfcnchen\n".encode("latin-1"))),
                  (f"file:{name}:utf16", _write(name, "site: x\n".encode("utf-16"))),
                  (f"file:{name}:empty", _write(name, "")),
                  (f"file:{name}:comments-only", _write(name, "# nothing\n")),
                  (f"file:{name}:scalar", _write(name, "just text\n")),
                  (f"file:{name}:list", _write(name, "- a\n- b\n"))]
    for name in FILES:
        cases.append((f"file:{name}:removed", _remove(name)))
    cases += [
        ("file:snapshots:removed", lambda s: [p.unlink() for p in (s / "snapshots").iterdir()]
         and None),
        ("file:snapshot:loop", _link("snapshots/tokyo-rtr1.cfg", "tokyo-rtr1.cfg")),
        ("file:snapshot:dev-zero", _link("snapshots/tokyo-rtr1.cfg", "/dev/zero")),
        ("file:snapshot:binary", _write("snapshots/tokyo-rtr1.cfg", b"\x00\x01\x02")),
        ("file:snapshot:empty", _write("snapshots/tokyo-rtr1.cfg", "")),
        ("file:snapshot:directory", _dir("snapshots/tokyo-rtr1.cfg")),
        ("file:extra-site:directory", _dir("extra.yaml")),
        ("file:extra-site:loop", _loop("extra.yml")),
        ("file:sites-with-git-conflict", _write("greios.lock", "<<<<<<< HEAD\nversion: 1\n"
                                                "=======\nversion: 1\n>>>>>>> x\n")),
    ]
    for label, value in [("short", "abc"), ("space", KEY[:10] + " " + KEY), ("qmark", KEY + "?"),
                         ("non-ascii", KEY + "é"), ("newline", KEY + "\n"), ("empty", ""),
                         ("long", "x" * 200), ("int", 12345678901234567890123456789012345),
                         ("list", [KEY]), ("null", None), ("control", KEY + "\x01")]:
        cases.append((f"secrets:value:{label}", _secrets(value)))
    cases += [
        ("secrets:no-psk-key", _write(".greios-secrets.yaml", f"keys:\n  {PAIR}: {KEY}\n")),
        ("secrets:psk-list", _write(".greios-secrets.yaml", "psk: [a, b]\n")),
        ("secrets:bad-pair-key", _write(".greios-secrets.yaml", f"psk:\n  nodash: {KEY}\n")),
        ("secrets:syntax", _write(".greios-secrets.yaml", f"psk:\n  {PAIR}: {KEY}: x\n")),
        ("secrets:bomb", _write(".greios-secrets.yaml", YAML_EDGE["billion-laughs"])),
        ("secrets:tag", _write(".greios-secrets.yaml", f"psk:\n  {PAIR}: !secret {KEY}\n")),
    ]
    for label, value in [("short", "abc"), ("space", KEY + " x"), ("qmark", KEY + "?"),
                         ("non-ascii", "é" + KEY), ("newline", KEY + "\n"), ("empty", ""),
                         ("long", "y" * 129), ("tab", KEY + "\t"), ("nul-like", KEY + "\x7f")]:
        cases.append((f"env:psk:{label}", _env(value)))
    cases.append(("env:psk:unmatched", _env(KEY, "GREIOS_PSK_NOBODY__NOWHERE")))
    return cases


def generate(base: Path, *, seed: int = 20261201, per_file: int = 16) -> list[tuple[str,
                                                                                     Mutation]]:
    """Every case, deterministic for ``seed``: ``per_file`` value, 10 struct and 12 text
    mutations per file, each YAML edge case in two of the files, and the file cases."""
    rng = random.Random(seed)
    data = _base_data(base)
    texts = {name: (base / name).read_text() for name in FILES}
    cases: list[tuple[str, Mutation]] = []
    for name in FILES:
        cases += [_value_case(rng, name, data[name]) for _ in range(per_file)]
        cases += [_struct_case(rng, name, data[name]) for _ in range(10)]
        cases += [_text_case(rng, name, texts[name]) for _ in range(12)]
    for edge in YAML_EDGE:
        for name in rng.sample(["greios.yaml", "tokyo.yaml", "greios.lock"], 2):
            mode = "replace" if rng.random() < 0.3 else "append"
            cases.append(_yaml_case(name, edge, mode))
    cases += _file_cases()
    seen: set[str] = set()
    unique = []
    for label, fn in cases:
        while label in seen:
            label += "+"
        seen.add(label)
        unique.append((label, fn))
    return unique
