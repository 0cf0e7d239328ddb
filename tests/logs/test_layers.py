"""The modules of advisor/logs import each other in layers, without a cycle, and the rest of
advisor uses only the package's public names.

Imports inside functions count as much as those at the top: a function-local import may not
hide a cycle. The few that exist are listed here with why (start-up time, an optional compiled
module), and their modules say so.
"""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[2] / "advisor"
LOGS = PACKAGE / "logs"

#: Function-local imports between modules of advisor/logs, and why each is not at the top.
LOCAL_IMPORTS = {
    ("advisor.logs.fast", "advisor.logs._scan"): "optional compiled module",
    ("advisor.logs.fast", "advisor.logs._base"): "start-up",
    ("advisor.logs.fast", "advisor.logs.records"): "start-up",
    ("advisor.logs.importing", "advisor.logs.bulk"): "start-up",
    ("advisor.logs.importing", "advisor.logs.reader"): "start-up",
    ("advisor.logs.importing", "advisor.logs.staged"): "start-up",
    ("advisor.logs.importing", "advisor.logs.traces"): "start-up",
}


def _module(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _is_type_checking(node: ast.If) -> bool:
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING")


def _imports(path: Path) -> list[tuple[str, bool]]:
    """``(imported module, inside a function)`` for every import that runs (not the ones for
    type checkers only); ``from package import name`` counts name when it is a module."""
    found: list[tuple[str, bool]] = []

    def visit(node: ast.AST, local: bool) -> None:
        if isinstance(node, ast.If) and _is_type_checking(node):
            for child in node.orelse:
                visit(child, local)
            return
        if isinstance(node, ast.Import):
            found.extend((alias.name, local) for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.append((node.module, local))
            found.extend((f"{node.module}.{alias.name}", local) for alias in node.names)
        inner = local or isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda))
        for child in ast.iter_child_nodes(node):
            visit(child, inner)

    visit(ast.parse(path.read_text()), False)
    return found


def _graph() -> tuple[dict[str, set[str]], set[tuple[str, str]]]:
    """Edges between the modules of advisor/logs, and the function-local ones."""
    modules = {_module(path): path for path in LOGS.glob("*.py")} | {"advisor.logs._scan": None}
    edges: dict[str, set[str]] = {name: set() for name in modules}
    local: set[tuple[str, str]] = set()
    for name, path in modules.items():
        if path is None:
            continue
        for target, inside in _imports(path):
            if target in modules and target not in (name, "advisor.logs"):
                edges[name].add(target)
                if inside:
                    local.add((name, target))
    return edges, local


def _cycle(edges: dict[str, set[str]]) -> list[str] | None:
    state: dict[str, int] = {}
    stack: list[str] = []

    def walk(node: str) -> list[str] | None:
        state[node] = 1
        stack.append(node)
        for target in sorted(edges[node]):
            if state.get(target) == 1:
                return stack[stack.index(target):] + [target]
            if target not in state and (found := walk(target)):
                return found
        stack.pop()
        state[node] = 2
        return None

    for node in sorted(edges):
        if node not in state and (found := walk(node)):
            return found
    return None


def test_the_log_modules_import_each_other_without_a_cycle():
    edges, _ = _graph()
    assert _cycle(edges) is None, " -> ".join(_cycle(edges) or [])


def test_function_local_imports_are_the_documented_ones():
    _, local = _graph()
    assert local == set(LOCAL_IMPORTS), "a function-local import must say why (and may not hide a cycle)"
    for (module, _target), why in LOCAL_IMPORTS.items():
        assert why.split()[0] in (LOGS / f"{module.rsplit('.', 1)[1]}.py").read_text()


def test_the_parsers_sit_above_the_assembler_and_below_detection():
    edges, _ = _graph()
    below = {"advisor.logs._base", "advisor.logs.report", "advisor.logs.decoding", "advisor.logs.jsonstream",
             "advisor.logs.records", "advisor.logs.sniffing", "advisor.logs.events", "advisor.logs.formats",
             "advisor.logs.tabular"}
    for module in below:
        assert not edges[module] - below, f"{module} imports {edges[module] - below}"
    parsers = {"advisor.logs.text", "advisor.logs.jsonlog", "advisor.logs.exports", "advisor.logs.insights"}
    for module in parsers:
        assert not edges[module] - below, f"{module} imports {edges[module] - below}"
    assert parsers <= edges["advisor.logs.detect"]
    assert "advisor.logs.detect" not in set().union(*(edges[m] for m in below | parsers))


def test_code_outside_the_package_imports_no_private_name_of_it():
    offenders = []
    for path in PACKAGE.rglob("*.py"):
        if LOGS in path.parents:
            continue
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("advisor.logs"):
                names = node.module.split(".") + [alias.name for alias in node.names]
            elif isinstance(node, ast.Import):
                names = [part for alias in node.names if alias.name.startswith("advisor.logs")
                         for part in alias.name.split(".")]
            else:
                continue
            offenders += [f"{path.relative_to(PACKAGE.parent)}: {name}" for name in names if name.startswith("_")]
    assert offenders == []
