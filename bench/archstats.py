"""Architecture figures of a greios tree (issue #9 before/after): imports, import cycles,
imports that run up the layers, pure-core modules importing I/O, long functions and
definitions duplicated across modules.

Usage: .venv/bin/python bench/archstats.py [ROOT] [--limit 60] [--verbose]

Every import counts: module level, inside functions (lazy) and under ``TYPE_CHECKING``
(a dependency is a dependency, even when only a type checker follows it). Relative imports
are resolved. ``tests/test_layering.py`` imports this module and turns the figures into
checks with explicit allow-lists.
"""

from __future__ import annotations

import argparse
import ast
import sys
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

# Layers, lowest first. A module belongs to the layer of its longest matching prefix.
# An import from a layer to a higher one is "upward".
LAYERS: dict[str, int] = {
    # 0 base: no greios imports but each other
    "greios": 0, "greios.errors": 0, "greios.files": 0, "greios.crypto_vocab": 0,
    "greios.gcpause": 0, "greios.lifetime": 0, "greios.background": 0,
    "greios.closed_output": 0,
    # 1 the inventory: load and check objects
    "greios.inventory": 1,
    # 2 pure core: text and models in, models out
    "greios.topology": 2, "greios.allocate": 2, "greios.overlay": 2, "greios.mtu": 2,
    "greios.secrets": 2, "greios.intent": 2, "greios.render": 2, "greios.devmodel": 2,
    "greios.plan": 2, "greios.redact": 2, "greios.audit": 2, "greios.platforms": 2,
    # 3 application layer and I/O (device drivers, simulated routers, config sources)
    "greios.app": 3, "greios.starter": 3, "greios.deploy": 3,
    "greios.lab": 3, "greios.platforms.ios.lab": 3, "greios.platforms.ios.driver": 3,
    "greios.platforms.ios.io": 3,
    "greios.platforms.vyos.labcli": 3, "greios.platforms.vyos.labdevice": 3,
    "greios.platforms.vyos.labserver": 3, "greios.platforms.vyos.labshows": 3,
    "greios.platforms.vyos.driver": 3, "greios.platforms.vyos.io": 3,
    # 4 command line
    "greios.cli": 4, "greios.commands": 4, "greios.__main__": 4, "greios.entry": 4,
}
LAYER_NAMES = {0: "base", 1: "inventory", 2: "pure core", 3: "app / I/O", 4: "CLI"}

# What the pure core (layers 0-2) must never import.
IO_MODULES = ("greios.deploy", "greios.lab", "greios.app", "greios.commands", "greios.cli",
              "greios.platforms.ios.lab", "greios.platforms.ios.driver",
              "greios.platforms.ios.io",
              "greios.platforms.vyos.labcli", "greios.platforms.vyos.labdevice",
              "greios.platforms.vyos.labserver", "greios.platforms.vyos.labshows",
              "greios.platforms.vyos.driver", "greios.platforms.vyos.io",
              "napalm", "netmiko", "paramiko")


@dataclass(frozen=True)
class Import:
    source: str  # importing module
    target: str  # greios module, or the top-level name of a third-party package
    line: int
    lazy: bool  # inside a function
    type_only: bool  # under ``if TYPE_CHECKING:``


@dataclass
class Tree:
    root: Path
    files: dict[str, Path] = field(default_factory=dict)  # module name -> file
    imports: list[Import] = field(default_factory=list)

    def internal(self) -> list[Import]:
        return [i for i in self.imports if i.target in self.files]

    def graph(self) -> dict[str, set[str]]:
        g: dict[str, set[str]] = {m: set() for m in self.files}
        for i in self.internal():
            if i.target != i.source:
                g[i.source].add(i.target)
        return g


def module_name(root: Path, path: Path) -> str:
    parts = list(path.relative_to(root).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING")


def _walk(node: ast.AST, lazy: bool, type_only: bool
          ) -> Iterator[tuple[ast.Import | ast.ImportFrom, bool, bool]]:
    for child in ast.iter_child_nodes(node):
        if isinstance(child, (ast.Import, ast.ImportFrom)):
            yield child, lazy, type_only
        elif isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)):
            yield from _walk(child, True, type_only)
        elif isinstance(child, ast.If) and _is_type_checking(child.test):
            for stmt in child.body:
                yield from _walk(ast.Module(body=[stmt], type_ignores=[]), lazy, True)
            for stmt in child.orelse:
                yield from _walk(ast.Module(body=[stmt], type_ignores=[]), lazy, type_only)
        else:
            yield from _walk(child, lazy, type_only)


def _resolve(files: dict[str, Path], source: str, node: ast.ImportFrom) -> str:
    if node.level == 0:
        return node.module or ""
    is_pkg = files[source].name == "__init__.py"
    base = source.split(".")
    base = base if is_pkg else base[:-1]
    base = base[: len(base) - (node.level - 1)]
    return ".".join([*base, *([node.module] if node.module else [])])


def _targets(files: dict[str, Path], source: str, node: ast.Import | ast.ImportFrom
             ) -> Iterable[str]:
    if isinstance(node, ast.Import):
        for a in node.names:
            name = a.name
            yield name if name in files or name.startswith("greios") else name.split(".")[0]
        return
    module = _resolve(files, source, node)
    for a in node.names:
        sub = f"{module}.{a.name}"
        if sub in files:
            yield sub
        elif module in files or module.startswith("greios"):
            yield module
        else:
            yield module.split(".")[0]


def scan(root: Path) -> Tree:
    """Every module of ``root/greios`` and every import it makes."""
    tree = Tree(root)
    for f in sorted((root / "greios").rglob("*.py")):
        tree.files[module_name(root, f)] = f
    for m, f in tree.files.items():
        parsed = ast.parse(f.read_text(), str(f))
        for node, lazy, type_only in _walk(parsed, False, False):
            for target in _targets(tree.files, m, node):
                tree.imports.append(Import(m, target, node.lineno, lazy, type_only))
    return tree


def layer(module: str) -> int | None:
    best: str | None = None
    for prefix in LAYERS:
        if (module == prefix or module.startswith(prefix + ".")) and (
                best is None or len(prefix) > len(best)):
            best = prefix
    return None if best is None else LAYERS[best]


def _is_io(target: str) -> bool:
    return any(target == p or target.startswith(p + ".") for p in IO_MODULES)


def upward_imports(tree: Tree) -> list[Import]:
    """Imports from a module into a higher layer (see LAYERS)."""
    out = []
    for i in tree.internal():
        a, b = layer(i.source), layer(i.target)
        if a is not None and b is not None and b > a:
            out.append(i)
    return out


def core_io_imports(tree: Tree) -> list[Import]:
    """Imports of an I/O module (IO_MODULES) by a module of the pure core (layers 0-2)."""
    return [i for i in tree.imports
            if (layer(i.source) or 0) <= 2 and not _is_io(i.source) and _is_io(i.target)]


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components of more than one module (iterative Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    on: set[str] = set()
    stack: list[str] = []
    out: list[list[str]] = []
    counter = 0
    for start in sorted(graph):
        if start in index:
            continue
        work: list[tuple[str, Iterator[str]]] = [(start, iter(sorted(graph[start])))]
        index[start] = low[start] = counter
        counter += 1
        stack.append(start)
        on.add(start)
        while work:
            v, it = work[-1]
            for w in it:
                if w not in index:
                    index[w] = low[w] = counter
                    counter += 1
                    stack.append(w)
                    on.add(w)
                    work.append((w, iter(sorted(graph[w]))))
                    break
                if w in on:
                    low[v] = min(low[v], index[w])
            else:
                work.pop()
                if work:
                    low[work[-1][0]] = min(low[work[-1][0]], low[v])
                if low[v] == index[v]:
                    comp = []
                    while True:
                        w = stack.pop()
                        on.discard(w)
                        comp.append(w)
                        if w == v:
                            break
                    if len(comp) > 1:
                        out.append(sorted(comp))
    return sorted(out)


def long_functions(tree: Tree, limit: int = 60) -> list[tuple[int, str]]:
    """(lines, module.function) of every function longer than ``limit`` lines."""
    out = []
    for m, f in tree.files.items():
        for node in ast.walk(ast.parse(f.read_text())):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                n = (node.end_lineno or node.lineno) - node.lineno + 1
                if n > limit:
                    out.append((n, f"{m}.{node.name}"))
    return sorted(out, reverse=True)


def _literal_values(node: ast.expr) -> tuple[object, ...] | None:
    """Constant values of ``Literal[...]`` (None when it is not one or names another)."""
    if not (isinstance(node, ast.Subscript) and isinstance(node.value, ast.Name)
            and node.value.id == "Literal"):
        return None
    elts = node.slice.elts if isinstance(node.slice, ast.Tuple) else [node.slice]
    values = [e.value for e in elts if isinstance(e, ast.Constant)]
    return tuple(values) if len(values) == len(elts) else None


def _body_key(node: ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef) -> str:
    body = node.body
    if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
        body = body[1:]  # docstrings may differ
    return ast.dump(ast.Module(body=body, type_ignores=[]))


def duplicated_definitions(tree: Tree) -> list[tuple[str, list[str]]]:
    """Definitions made in more than one module: the same module-level string constant
    (4+ characters, e.g. a marker), ``Literal`` vocabularies sharing 3+ values, top-level
    functions or classes with the same name and body."""
    strings: dict[str, list[str]] = defaultdict(list)
    literals: list[tuple[str, set[object]]] = []
    bodies: dict[tuple[str, str], list[str]] = defaultdict(list)
    for m, f in tree.files.items():
        for node in ast.parse(f.read_text()).body:
            if isinstance(node, (ast.Assign, ast.AnnAssign)) and node.value is not None:
                targets = node.targets if isinstance(node, ast.Assign) else [node.target]
                names = [t.id for t in targets if isinstance(t, ast.Name)]
                if not names:
                    continue
                v = node.value
                if isinstance(v, ast.Constant) and isinstance(v.value, str) \
                        and len(v.value) >= 4 and not names[0].startswith("__"):
                    strings[v.value].append(f"{m}.{names[0]}")
                values = _literal_values(v)
                if values is not None and len(values) >= 3:
                    literals.append((f"{m}.{names[0]}", set(values)))
            elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                bodies[(node.name, _body_key(node))].append(f"{m}.{node.name}")
    out: list[tuple[str, list[str]]] = []
    for value, where in strings.items():
        if len({w.rsplit(".", 1)[0] for w in where}) > 1:
            out.append((f"string {value!r}", where))
    seen: set[tuple[str, str]] = set()
    for i, (a, va) in enumerate(literals):
        for b, vb in literals[i + 1:]:
            same_module = a.rsplit(".", 1)[0] == b.rsplit(".", 1)[0]
            if not same_module and len(va & vb) >= 3 and (a, b) not in seen:
                seen.add((a, b))
                out.append(("Literal vocabulary", [a, b]))
    for (name, _), where in bodies.items():
        if len(where) > 1:
            out.append((f"definition {name}", where))
    return sorted(out)


def report(root: Path, limit: int = 60, verbose: bool = False) -> str:
    tree = scan(root)
    graph = tree.graph()
    cyc = cycles(graph)
    up = upward_imports(tree)
    io = core_io_imports(tree)
    longf = long_functions(tree, limit)
    dups = duplicated_definitions(tree)
    lines = [
        f"modules {len(tree.files)}, imports between them {sum(map(len, graph.values()))}",
        f"import cycles (strongly connected groups) {len(cyc)}",
        *(f"   {' '.join(c)}" for c in cyc),
        f"upward imports {len(up)}",
        *(f"   {i.source} -> {i.target} (line {i.line}"
          f"{', lazy' if i.lazy else ''}{', TYPE_CHECKING' if i.type_only else ''})"
          for i in up),
        f"pure-core imports of I/O modules {len(io)}",
        *(f"   {i.source} -> {i.target} (line {i.line})" for i in io),
        f"functions > {limit} lines {len(longf)}, longest "
        + (f"{longf[0][1]} ({longf[0][0]})" if longf else "-"),
        *(f"   {n:4d} {name}" for n, name in (longf if verbose else longf[:5])),
        f"duplicated definitions {len(dups)}",
        *(f"   {what}: {', '.join(where)}" for what, where in dups),
    ]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("root", nargs="?", default=str(Path(__file__).resolve().parents[1]))
    ap.add_argument("--limit", type=int, default=60)
    ap.add_argument("--verbose", action="store_true", help="list every long function")
    args = ap.parse_args(argv)
    sys.stdout.write(report(Path(args.root), args.limit, args.verbose) + "\n")


if __name__ == "__main__":
    main()
