"""The pipeline reads top to bottom: ingest -> index -> qa -> ui. No module imports a later layer, and no
import cycle exists between modules (lazy imports inside functions included)."""
from __future__ import annotations

import ast
from pathlib import Path

from helpers import ROOT

LAYERS = ["ingest", "index", "qa", "ui"]


def _modules() -> dict[str, Path]:
    found = {}
    for layer in LAYERS:
        for path in (ROOT / layer).rglob("*.py"):
            parts = path.relative_to(ROOT).with_suffix("").parts
            found[".".join(parts[:-1] if parts[-1] == "__init__" else parts)] = path
    return found


def _imports(name: str, path: Path, known: set[str]) -> set[str]:
    package = name if path.name == "__init__.py" else name.rsplit(".", 1)[0]
    targets = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            candidates = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")
                anchor = anchor[: len(anchor) - node.level + 1]
                base = ".".join(anchor + ([base] if base else []))
            candidates = [f"{base}.{alias.name}" for alias in node.names] + [base]
        else:
            continue
        for candidate in candidates:
            while candidate and candidate not in known:
                candidate = candidate.rpartition(".")[0]
            if candidate and candidate != name:
                targets.add(candidate)
    return targets


def test_no_layer_imports_a_later_one_and_no_module_cycles():
    modules = _modules()
    graph = {name: _imports(name, path, set(modules)) for name, path in modules.items()}
    upward = [(a, b) for a, targets in graph.items() for b in targets
              if LAYERS.index(b.split(".")[0]) > LAYERS.index(a.split(".")[0])]
    assert upward == []

    state: dict[str, int] = {}  # 1 on the stack, 2 done

    def visit(node: str, path: list[str]) -> None:
        state[node] = 1
        for target in sorted(graph[node]):
            if state.get(target) == 1:
                raise AssertionError("import cycle: " + " -> ".join(path[path.index(target):] + [target]))
            if target not in state:
                visit(target, path + [target])
        state[node] = 2

    for module in sorted(graph):
        if module not in state:
            visit(module, [module])


QA_LAYERS = ["llm", "retrieval", "answer", "report"]  # inside qa: an answer never reaches into the report writer


def test_inside_qa_no_package_imports_a_later_one():
    modules = _modules()
    rank = {f"qa.{name}": i for i, name in enumerate(QA_LAYERS)}

    def layer(module: str) -> int | None:
        return rank.get(".".join(module.split(".")[:2]))

    upward = [(a, b) for a, path in modules.items() if layer(a) is not None
              for b in _imports(a, path, set(modules)) if layer(b) is not None and layer(b) > layer(a)]
    assert upward == []
