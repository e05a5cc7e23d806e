"""The layer rules of DESIGN.md, enforced by import-linter (contracts in pyproject.toml):
store, pipeline and domain never import Qt; only the UI imports QtWidgets/QtGui;
dependencies point downwards only."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_import_contracts_hold() -> None:
    linter = Path(sys.executable).with_name("lint-imports")
    result = subprocess.run(
        [str(linter), "--config", str(ROOT / "pyproject.toml"), "--no-cache"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 broken" in result.stdout


GUI_MODULES = ("PySide6.QtWidgets", "PySide6.QtGui", "pyqtgraph")
GUI_ALLOWED = ("docproc_gui/ui/", "docproc_gui/app.py")


def test_only_the_ui_imports_widgets_and_gui() -> None:
    """import-linter cannot forbid sub-packages of external packages; the AST can."""
    import ast

    offenders = []
    for path in sorted((ROOT / "docproc_gui").rglob("*.py")):
        relative = path.relative_to(ROOT).as_posix()
        if relative.startswith(GUI_ALLOWED):
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names: list[str] = []
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module] + [f"{node.module}.{alias.name}" for alias in node.names]
            offenders += [f"{relative}: {name}" for name in names if name.startswith(GUI_MODULES)]
    assert offenders == []
