"""The shape of the code, checked: the request owns the transaction, and no module imports
another that imports it back (a circle that only works by importing inside functions)."""

from __future__ import annotations

import ast
import re
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent / "conciergerie"


def _module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _imports() -> dict[str, set[str]]:
    """Every module of the package and the package modules it imports, at any depth of its code
    (an import inside a function counts: it only hides a circle)."""
    modules = {_module_name(p): p for p in PACKAGE.rglob("*.py")}
    graph: dict[str, set[str]] = {name: set() for name in modules}
    for name, path in modules.items():
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            targets: list[str] = []
            if isinstance(node, ast.Import):
                targets = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                # `from package import module` imports that module; `from module import name`
                # the module. (A package's own __init__ running first is how Python works,
                # not a circle of ours.)
                for alias in node.names:
                    submodule = f"{node.module}.{alias.name}"
                    targets.append(submodule if submodule in modules else node.module)
            for target in targets:
                if target in modules and target != name:
                    graph[name].add(target)
    return graph


def _circles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components of more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for following in graph[node]:
            if following not in index:
                visit(following)
                low[node] = min(low[node], low[following])
            elif following in on_stack:
                low[node] = min(low[node], index[following])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def test_no_module_imports_one_that_imports_it_back():
    graph = _imports()
    assert len(graph) > 100  # the walk found the package
    assert _circles(graph) == []


def test_a_known_circle_is_found():
    assert _circles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]


# Functions over 60 lines (from `def` to the last line, docstring included) read as several
# steps in one: split them into functions that name each step (issue 16, point 9).
MAX_FUNCTION_LINES = 60


def _checked_for_length() -> list[Path]:
    """The modules that hold rules and reports: services, privacy, reports and the demo."""
    found = (
        set(PACKAGE.rglob("service.py"))
        | set(PACKAGE.rglob("privacy.py"))
        | set(PACKAGE.glob("reports/*.py"))
        | set(PACKAGE.glob("demo/*.py"))
    )
    return sorted(found)


def _long_functions() -> dict[tuple[str, str], int]:
    """(module path under the package, function name) → lines, for every function too long
    (nested functions and methods included)."""
    long: dict[tuple[str, str], int] = {}
    for path in _checked_for_length():
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                lines = node.end_lineno - node.lineno + 1
                if lines > MAX_FUNCTION_LINES:
                    long[(path.relative_to(PACKAGE).as_posix(), node.name)] = lines
    return long


def test_no_service_function_is_over_60_lines():
    assert len(_checked_for_length()) > 10  # the globs found the modules
    too_long = {
        f"{path}: {name} ({lines} lines)" for (path, name), lines in _long_functions().items()
    }
    assert too_long == set()


# A view (or the API) that commits or rolls back itself: the request does it (database.py).
SELF_COMMIT = re.compile(r"\.commit\(|\bcommit\(db\b|\.rollback\(")


def test_no_view_commits_or_rolls_back():
    views = sorted(PACKAGE.rglob("views.py"))
    assert len(views) > 10
    found = [
        f"{path.relative_to(PACKAGE)}:{number}: {line.strip()}"
        for path in views
        for number, line in enumerate(path.read_text().splitlines(), 1)
        if SELF_COMMIT.search(line)
    ]
    assert found == []
