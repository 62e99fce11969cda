"""The tree keeps its shape: dependencies point one way, heavy libraries stay at the edges.

The graph is read from the source (every import, including those inside
functions), so a lazy import cannot hide a wrong dependency.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
PACKAGES = ("cli", "core", "index", "ingest", "portal", "worker")

# Package (or subpackage) -> what it must never import (top-level module names).
FORBIDDEN = {
    "core": {
        "flask", "flask_babel", "flask_login", "flask_wtf", "werkzeug", "jinja2", "whoosh",
        "av", "faster_whisper", "ctranslate2", "huey", "ffmpeg",
        "ingest", "index", "portal", "worker", "cli",
    },
    "ingest": {"flask", "werkzeug", "whoosh", "huey", "portal", "worker", "cli", "index"},
    "index": {"flask", "werkzeug", "av", "faster_whisper", "huey", "portal", "worker", "cli",
              "ingest"},
    "worker": {"flask", "werkzeug", "portal", "cli"},
    "portal": {"cli"},
    # Services return plain data (ms, slugs): views, shapes and templates render it.
    "portal.services": {"flask", "flask_babel", "werkzeug", "jinja2", "markupsafe"},
}  # fmt: skip

# Heavy libraries and the only modules allowed to import them.
EDGES = {
    "whoosh": "index/",
    "faster_whisper": "ingest/transcribe.py",
    "ctranslate2": "ingest/whisper_models.py",
    "av": "ingest/media_probe.py",
    "ffmpeg": "ingest/media.py",
    "huey": "worker/",
}


def _modules() -> dict[str, Path]:
    found = {}
    for package in PACKAGES:
        for path in (REPO / package).rglob("*.py"):
            if "migrations" in path.parts:
                continue
            name = ".".join(path.relative_to(REPO).with_suffix("").parts)
            found[name.removesuffix(".__init__")] = path
    return found


MODULES = _modules()


def _imports(path: Path) -> set[str]:
    """Return every module path this file imports, anywhere in it."""
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            submodules = {f"{node.module}.{a.name}" for a in node.names} & MODULES.keys()
            names.update(submodules)
            if len(submodules) < len(node.names):
                names.add(node.module)
    return names


def _internal(name: str, importer: str) -> str | None:
    while name and name not in MODULES:
        name = name.rpartition(".")[0]
    return name if name and name != importer else None


@pytest.mark.parametrize("package", sorted(FORBIDDEN))
def test_packages_depend_one_way(package: str) -> None:
    wrong = sorted(
        f"{module} imports {name}"
        for module, path in MODULES.items()
        if module == package or module.startswith(package + ".")
        for name in _imports(path)
        if name.split(".")[0] in FORBIDDEN[package]
    )
    assert wrong == []


@pytest.mark.parametrize("library", sorted(EDGES))
def test_heavy_libraries_stay_behind_their_module(library: str) -> None:
    allowed = EDGES[library]
    wrong = sorted(
        module
        for module, path in MODULES.items()
        if any(name.split(".")[0] == library for name in _imports(path))
        and not str(path.relative_to(REPO)).startswith(allowed)
    )
    assert wrong == []


def test_there_is_no_import_cycle() -> None:
    graph = {
        module: {d for n in _imports(path) if (d := _internal(n, module))}
        for module, path in MODULES.items()
    }
    cycles = [component for component in _strongly_connected(graph) if len(component) > 1]
    assert cycles == []


def _strongly_connected(graph: dict[str, set[str]]) -> list[list[str]]:
    """Tarjan's algorithm, iterative enough for a few hundred modules."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    components: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for target in sorted(graph[node]):
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in on_stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            components.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return components


def test_no_module_state_is_reassigned_after_import() -> None:
    offences = []
    for module, path in MODULES.items():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        module_names = {
            target.id
            for node in tree.body
            if isinstance(node, ast.Assign | ast.AnnAssign)
            for target in (node.targets if isinstance(node, ast.Assign) else [node.target])
            if isinstance(target, ast.Name)
        }
        imported = {  # names bound to modules (not to objects such as flask.g)
            (alias.asname or alias.name).split(".")[0]
            for node in ast.walk(tree)
            if isinstance(node, ast.Import)
            for alias in node.names
        } | {
            alias.asname or alias.name
            for node in ast.walk(tree)
            if isinstance(node, ast.ImportFrom) and node.module
            for alias in node.names
            if f"{node.module}.{alias.name}" in MODULES
        }
        for node in ast.walk(tree):
            if isinstance(node, ast.Global):
                offences.append(f"{module}: global {', '.join(node.names)}")
            if not isinstance(node, ast.Assign | ast.AugAssign):
                continue
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            for target in targets:
                # `some_module.NAME = …` swaps another module's state.
                if (
                    isinstance(target, ast.Attribute)
                    and isinstance(target.value, ast.Name)
                    and target.value.id in imported
                ):
                    offences.append(f"{module}: assigns {target.value.id}.{target.attr}")
                # `queue.storage = …` in a function swaps a module-level object's parts.
                if (
                    isinstance(target, ast.Attribute)
                    and isinstance(target.value, ast.Name)
                    and target.value.id in module_names
                    and node not in tree.body
                ):
                    offences.append(f"{module}: swaps {target.value.id}.{target.attr}")
                # `_STATE[:] = …` refills a module-level container from a function.
                if (
                    isinstance(target, ast.Subscript)
                    and isinstance(target.value, ast.Name)
                    and target.value.id in module_names
                    and isinstance(target.slice, ast.Slice)
                ):
                    offences.append(f"{module}: refills {target.value.id}")
    assert offences == []


def test_the_checks_see_a_forbidden_import(tmp_path: Path) -> None:
    # The scanner itself must notice an import hidden inside a function.
    sample = tmp_path / "sample.py"
    sample.write_text("def f():\n    from flask import Flask\n    import whoosh.index\n")
    assert {"flask", "whoosh.index"} <= _imports(sample)
