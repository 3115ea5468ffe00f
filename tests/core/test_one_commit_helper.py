"""Every commit goes through ``app.extensions.unit_of_work``: nothing else in the application
commits (a static check of the source, so a new direct commit fails here before it ships).

Why: a use case owns its transaction and commits once; a domain function that commits
splits a use case into halves that can each succeed alone, and a commit outside the helper
does not retry a transaction that lost a race. The one other place allowed is the job
runner (``app.jobs.run_job``), which commits what a single-transaction sweep did; see
docs/architecture.md ("Transactions").
"""
from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("app", "channels", "tickets")
# (module, enclosing function or None for the whole module) allowed to commit directly.
ALLOWED = {("app/extensions.py", None), ("app/jobs/__init__.py", "run_job")}
COMMITTING_METHODS = {"commit", "begin"}  # ``session.begin()`` commits at the end of its block
COMMITTING_NAMES = {"commit_keeping_state"}


class _Commits(ast.NodeVisitor):
    def __init__(self):
        self.function: list[str] = []
        self.found: list[tuple[int, str | None, str]] = []

    def _visit_function(self, node):
        self.function.append(node.name)
        self.generic_visit(node)
        self.function.pop()

    visit_FunctionDef = visit_AsyncFunctionDef = _visit_function

    def _enclosing(self) -> str | None:
        return self.function[0] if self.function else None

    def visit_Call(self, node: ast.Call):
        func = node.func
        if isinstance(func, ast.Attribute) and func.attr in COMMITTING_METHODS:
            self.found.append((node.lineno, self._enclosing(), f".{func.attr}()"))
        self.generic_visit(node)

    def visit_Name(self, node: ast.Name):
        if node.id in COMMITTING_NAMES:
            self.found.append((node.lineno, self._enclosing(), node.id))

    def visit_Attribute(self, node: ast.Attribute):
        if node.attr in COMMITTING_NAMES:
            self.found.append((node.lineno, self._enclosing(), node.attr))
        self.generic_visit(node)

    def visit_ImportFrom(self, node: ast.ImportFrom):
        for alias in node.names:
            if alias.name in COMMITTING_NAMES:
                self.found.append((node.lineno, None, f"import {alias.name}"))


def direct_commits() -> list[str]:
    """``path:line (function) what`` of every commit outside the allowed places."""
    offenders = []
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            module = path.relative_to(ROOT).as_posix()
            if (module, None) in ALLOWED:
                continue
            visitor = _Commits()
            visitor.visit(ast.parse(path.read_text(encoding="utf-8"), filename=module))
            for line, function, what in visitor.found:
                if (module, function) not in ALLOWED:
                    offenders.append(f"{module}:{line} ({function or 'module'}) {what}")
    return offenders


def test_nothing_commits_outside_the_unit_of_work_helper_and_the_job_runner():
    offenders = direct_commits()
    assert offenders == [], (
        "commit through app.extensions.unit_of_work (the use case owns the transaction; domain "
        "functions never commit):\n" + "\n".join(offenders)
    )


def test_the_check_sees_a_direct_commit():
    """The visitor is not blind: each form of committing is found, the helper's own name included."""
    source = (
        "from app.extensions import commit_keeping_state\n"
        "def f():\n    db.session.commit()\n"
        "def g():\n    with db.session.begin():\n        pass\n"
        "def h():\n    extensions.commit_keeping_state()\n"
    )
    visitor = _Commits()
    visitor.visit(ast.parse(source))
    assert [(line, what) for line, _, what in visitor.found] == [
        (1, "import commit_keeping_state"), (3, ".commit()"), (5, ".begin()"), (8, "commit_keeping_state"),
    ]
