"""No two files of ``src/newsdesk`` import each other, directly or round a loop.

Every import counts, also one inside a function or under ``TYPE_CHECKING``: a lazy import still
ties the two files together, and a loop means neither can be read, tested or moved alone.
"""

from __future__ import annotations

import ast
from pathlib import Path

SRC = Path(__file__).resolve().parents[1] / "src"


def _module_file(name: str) -> Path | None:
    base = SRC.joinpath(*name.split("."))
    for candidate in (base.with_suffix(".py"), base / "__init__.py"):
        if candidate.is_file():
            return candidate
    return None


def _package_of(path: Path) -> list[str]:
    parts = list(path.relative_to(SRC).with_suffix("").parts)
    return parts[:-1]


def _imported_files(path: Path) -> set[Path]:
    """The files of ``src`` that ``path`` imports, the names it takes resolved to modules."""
    found: set[Path] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        names: list[str] = []
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            package = _package_of(path)
            if node.level:
                package = package[: len(package) - node.level + 1]
            base = ".".join([*package, node.module] if node.level else [node.module or ""])
            base = base.strip(".")
            names = [f"{base}.{alias.name}" for alias in node.names] + [base]
            # a name taken from a module is an edge to that module, not to its package
            if any(_module_file(n) for n in names[:-1]):
                names = names[:-1]
        for name in names:
            target = _module_file(name)
            if target is not None and target != path:
                found.add(target)
    return found


def import_graph() -> dict[Path, set[Path]]:
    return {path: _imported_files(path) for path in sorted((SRC / "newsdesk").rglob("*.py"))}


def cycles(graph: dict[Path, set[Path]]) -> list[list[Path]]:
    """The strongly connected groups of more than one file (Tarjan's algorithm)."""
    index: dict[Path, int] = {}
    low: dict[Path, int] = {}
    stack: list[Path] = []
    on_stack: set[Path] = set()
    groups: list[list[Path]] = []

    def visit(node: Path) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for target in graph.get(node, ()):
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in on_stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            group = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                group.append(member)
                if member == node:
                    break
            if len(group) > 1:
                groups.append(sorted(group))

    for node in graph:
        if node not in index:
            visit(node)
    return groups


def test_the_cycle_finder_finds_a_loop() -> None:
    a, b, c = Path("a.py"), Path("b.py"), Path("c.py")
    assert cycles({a: {b}, b: {c}, c: {a}}) == [[a, b, c]]
    assert cycles({a: {b}, b: {c}, c: set()}) == []


def test_the_graph_sees_lazy_imports() -> None:
    graph = import_graph()
    registry = SRC / "newsdesk" / "encoders" / "registry.py"
    assert SRC / "newsdesk" / "encoders" / "e5.py" in graph[registry]


def test_no_import_cycle_between_files_of_src() -> None:
    found = [[str(p.relative_to(SRC)) for p in group] for group in cycles(import_graph())]
    assert found == []


def _top(path: Path) -> str:
    return path.relative_to(SRC / "newsdesk").parts[0].removesuffix(".py")


def test_the_core_imports_nothing_above_it() -> None:
    """``classify``, ``encoders``, ``taxonomy``, ``article``, ``characters`` and ``errors`` are
    the ground floor."""
    core = {"classify", "encoders", "taxonomy", "article", "characters", "errors", "_version"}
    upward = sorted(
        f"{path.relative_to(SRC)} -> {target.relative_to(SRC)}"
        for path, targets in import_graph().items()
        if _top(path) in core
        for target in targets
        if _top(target) not in core
    )
    assert upward == []


def test_the_store_imports_no_edge() -> None:
    edges = {"cli", "service", "ui", "scale"}
    upward = sorted(
        f"{path.relative_to(SRC)} -> {target.relative_to(SRC)}"
        for path, targets in import_graph().items()
        if _top(path) == "store"
        for target in targets
        if _top(target) in edges
    )
    assert upward == []
