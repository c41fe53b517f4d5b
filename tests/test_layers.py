"""The layers hold: knowledge imports neither indexes nor Qt; indexes imports no Qt; only desktop does."""

from __future__ import annotations

import ast
import re
import subprocess
import sys
import tomllib
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


def _imports(path: Path) -> list[str]:
    """Every module a file imports, at any depth (lazy imports inside functions count too)."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    names = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.append(node.module)
    return names


def _violations(package: str, forbidden: tuple[str, ...]) -> list[str]:
    found = []
    for path in sorted((REPO / package).rglob("*.py")):
        for name in _imports(path):
            if name.split(".")[0] in forbidden:
                found.append(f"{path.relative_to(REPO)} imports {name}")
    return found


QT = ("PySide6", "PyQt6", "shiboken6")


def test_knowledge_imports_neither_indexes_nor_qt_nor_desktop():
    assert _violations("knowledge", ("indexes", "desktop", "PySide6", "PyQt6", "shiboken6")) == []


def test_indexes_imports_neither_desktop_nor_qt():
    assert _violations("indexes", ("desktop", "PySide6", "PyQt6", "shiboken6")) == []


def test_operations_and_command_line_import_no_qt():
    assert _violations("desktop/operations", QT) == []
    assert _violations("desktop/cli", QT) == []


def test_operations_and_command_line_run_without_loading_qt():
    """Importing every operation and the CLI's whole command tree leaves PySide6 unloaded (no display)."""
    code = (
        "import sys, pkgutil, importlib, desktop.operations as ops\n"
        "for m in pkgutil.iter_modules(ops.__path__):\n"
        "    importlib.import_module(f'desktop.operations.{m.name}')\n"
        "from desktop.cli import build_parser; build_parser()\n"
        "print(sorted(n for n in sys.modules if n.split('.')[0] in ('PySide6', 'shiboken6')))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr[-2000:]
    assert result.stdout.strip() == "[]"


SQL_CALLS = {"execute", "executemany", "executescript", "query"}
# SQL as this project writes it (upper-case keywords), not prose such as "delete documents".
SQL_WORDS = re.compile(r"\b(SELECT\b.*\bFROM|INSERT INTO|UPDATE \w+ SET|DELETE FROM|PRAGMA \w+)\b", re.DOTALL)


def _sql_in(path: Path) -> list[str]:
    """Calls of a database's execute/query and string literals that are SQL statements."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    found = []
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr in SQL_CALLS
        ):
            found.append(f"{path.relative_to(REPO)}:{node.lineno} calls .{node.func.attr}()")
        elif isinstance(node, ast.Constant) and isinstance(node.value, str) and SQL_WORDS.search(node.value):
            found.append(f"{path.relative_to(REPO)}:{node.lineno} holds SQL {node.value[:40]!r}")
    return found


def test_desktop_runs_no_sql():
    """SQL lives in knowledge/ (and indexes/ for its own tables); desktop/ calls named functions."""
    found = [line for path in sorted((REPO / "desktop").rglob("*.py")) for line in _sql_in(path)]
    assert found == []


def test_import_linter_contracts_from_pyproject_pass(tmp_path):
    """Run lint-imports on the contracts declared in pyproject.toml (external packages included, for Qt)."""
    config = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["importlinter"]
    lines = ["[importlinter]", "root_packages ="]
    lines += [f"    {p}" for p in config["root_packages"]]
    lines.append("include_external_packages = True")
    for number, contract in enumerate(config["contracts"], start=1):
        lines.append(f"[importlinter:contract:{number}]")
        for key, value in contract.items():
            if isinstance(value, list):
                lines.append(f"{key} =")
                lines += [f"    {v}" for v in value]
            else:
                lines.append(f"{key} = {value}")
    ini = tmp_path / "importlinter.ini"
    ini.write_text("\n".join(lines) + "\n", encoding="utf-8")
    lint = Path(sys.executable).with_name("lint-imports")
    result = subprocess.run(
        [str(lint), "--config", str(ini)], cwd=REPO, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-2000:]
    assert "broken" not in result.stdout.lower().replace("0 broken", "")
