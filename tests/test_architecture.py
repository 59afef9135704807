"""The house rules that `lint-imports` cannot see: no import loops between files, no SQL outside the engine,
nothing done to another module at import time. (The layers themselves: `lint-imports`, pyproject.toml.)"""

from __future__ import annotations

import ast
from pathlib import Path

import grimp

TUI = Path(__file__).resolve().parent.parent / "tui"
SQL_WORDS = ("SELECT ", "INSERT INTO", "UPDATE ", "DELETE FROM", "CREATE TABLE", "PRAGMA ")


def _modules(*, outside: tuple[str, ...] = ()) -> list[Path]:
    return [p for p in sorted(TUI.rglob("*.py")) if not any(p.is_relative_to(TUI / o) for o in outside)]


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    found: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        for w in graph[v]:
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while (w := stack.pop()) != v:
                component.append(w)
            if component:
                found.append(sorted([v, *component]))

    for module in graph:
        if module not in index:
            visit(module)
    return found


def test_no_import_loops_between_files_but_type_only_ones():
    graph = grimp.build_graph("tui", exclude_type_checking_imports=True)
    edges = {m: {i for i in graph.find_modules_directly_imported_by(m) if i.startswith("tui.")}
             for m in graph.modules}
    assert _cycles(edges) == []


def test_the_cycle_finder_finds_a_loop():
    assert _cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]


def _where(path: Path) -> str:
    return str(path.relative_to(TUI.parent)) if path.is_relative_to(TUI.parent) else path.name


def _sql_outside_core(path: Path) -> list[str]:
    problems = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            text = node.value.lstrip().upper()
            if text.startswith(SQL_WORDS):
                problems.append(f"{_where(path)}:{node.lineno}: SQL {node.value[:40]!r}")
        if isinstance(node, ast.Attribute) and node.attr == "db":
            problems.append(f"{_where(path)}:{node.lineno}: reaches into the journal's connection")
    return problems


def test_sql_only_in_the_engine():
    problems = [p for path in _modules(outside=("core", "emulator")) for p in _sql_outside_core(path)]
    assert problems == []


def test_the_checks_see_what_they_look_for(tmp_path):
    bad = tmp_path / "screen.py"
    bad.write_text('async def f(app):\n    await app.journal.db.execute("SELECT 1")\n'
                   'install()\nhelp_screen.NOTES.append(f)\nCOLUMNS[0] = f\n')
    assert len(_sql_outside_core(bad)) == 2
    assert len(_import_time_actions(bad)) == 3


def _import_time_actions(path: Path) -> list[str]:
    """Statements that run at import and act on something: a bare call, or an assignment to an attribute
    or item of another object (`other_module.NAMES.append(...)`, `COLUMNS[3] = ...`)."""
    problems = []
    for node in ast.parse(path.read_text(encoding="utf-8")).body:
        where = f"{_where(path)}:{node.lineno}"
        if isinstance(node, ast.Expr) and isinstance(node.value, ast.Call):
            problems.append(f"{where}: a call at import time")
        targets = node.targets if isinstance(node, ast.Assign) else [node.target] \
            if isinstance(node, ast.AugAssign | ast.AnnAssign) else []
        if any(isinstance(t, ast.Attribute | ast.Subscript) for t in targets):
            problems.append(f"{where}: changes another object at import time")
    return problems


def test_nothing_is_done_at_import_time():
    assert [p for path in _modules() for p in _import_time_actions(path)] == []
