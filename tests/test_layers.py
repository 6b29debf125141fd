"""Imports between packages follow the layers, and handoff's modules import each other without cycles.

    bot      the NLU and the dialogue policy        may import: bot
    kb_sync  the knowledge base and its upkeep      may import: bot, kb_sync
    handoff  the server, its journeys and storage   may import: bot, kb_sync, handoff

Every import counts, also one inside a function (a lazy import is still a dependency); only those
under ``if TYPE_CHECKING:`` are left out. The source is read, not imported, so the test is fast and
a new violation is named with its file and line.
"""
from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
LAYERS = ("bot", "kb_sync", "handoff")  # lowest first: a package may import itself and those before it

def _module(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _sources() -> dict[str, Path]:
    return {_module(p): p for layer in LAYERS for p in sorted((ROOT / layer).rglob("*.py"))
            if "migrations" not in p.parts}


MODULES = _sources()


def _imports(path: Path) -> Iterator[tuple[str, int]]:
    """(imported module, line) for each import of ``path``; ``from a import b`` names ``a.b`` when
    that is a module of ours."""
    def visit(node: ast.AST) -> Iterator[tuple[str, int]]:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.If) and "TYPE_CHECKING" in ast.unparse(child.test):
                continue
            if isinstance(child, ast.Import):
                for alias in child.names:
                    yield alias.name, child.lineno
            elif isinstance(child, ast.ImportFrom) and child.module and child.level == 0:
                for alias in child.names:
                    sub = f"{child.module}.{alias.name}"
                    yield (sub if sub in MODULES else child.module), child.lineno
            yield from visit(child)

    yield from visit(ast.parse(path.read_text(encoding="utf-8"), filename=str(path)))


def _layer(module: str) -> str | None:
    top = module.split(".")[0]
    return top if top in LAYERS else None


@pytest.mark.parametrize("layer", LAYERS)
def test_a_package_imports_only_itself_and_the_layers_below(layer: str) -> None:
    allowed = set(LAYERS[: LAYERS.index(layer) + 1])
    violations = [
        f"{path.relative_to(ROOT)}:{line} imports {target} ({_layer(target)} is above {layer})"
        for module, path in MODULES.items() if _layer(module) == layer
        for target, line in _imports(path) if _layer(target) not in (None, *allowed)]
    assert not violations, (
        "upward imports (layers, lowest first: " + " → ".join(LAYERS) + "); move the code down or pass "
        "what it needs in from above:\n  " + "\n  ".join(violations))


def _cycles(graph: dict[str, set[str]]) -> list[frozenset[str]]:
    """Strongly connected components of more than one module (Tarjan, iterative)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[frozenset[str]] = []
    for root, children in graph.items():
        if root in index:
            continue
        work = [(root, iter(sorted(children)))]
        index[root] = low[root] = len(index)
        stack.append(root)
        on_stack.add(root)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = len(index)
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(graph[child]))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                component = set()
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.add(member)
                    if member == node:
                        break
                if len(component) > 1:
                    found.append(frozenset(component))
    return found


def test_handoff_modules_import_each_other_without_cycles() -> None:
    handoff = {m: p for m, p in MODULES.items() if _layer(m) == "handoff"}
    edges: dict[str, dict[str, int]] = {m: {} for m in handoff}
    for module, path in handoff.items():
        for target, line in _imports(path):
            if target in handoff and target != module:
                edges[module].setdefault(target, line)
    cycles = _cycles({m: set(t) for m, t in edges.items()})
    described = [
        " ↔ ".join(sorted(c)) + ": " + "; ".join(
            f"{handoff[m].relative_to(ROOT)}:{edges[m][t]} imports {t}" for m in sorted(c) for t in sorted(edges[m])
            if t in c)
        for c in cycles]
    assert not described, ("import cycles between handoff modules (split the shared part into a module both "
                           "import, or pass it in):\n  " + "\n  ".join(described))
