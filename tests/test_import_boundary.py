"""q2c_core never imports q2c_adapters: domain and application stay free of the outside world."""

from __future__ import annotations

import ast
from pathlib import Path

import q2c_core

CORE = Path(q2c_core.__file__).parent


def imported_modules(path: Path) -> list[tuple[int, str]]:
    """Every module a source file imports (absolute names; relative imports resolved)."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    package = ".".join(path.relative_to(CORE.parent).with_suffix("").parts[:-1])
    found: list[tuple[int, str]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                module = ".".join([*base, node.module] if node.module else base)
            else:
                module = node.module or ""
            found.append((node.lineno, module))
            found += [(node.lineno, f"{module}.{alias.name}") for alias in node.names]
        elif isinstance(node, ast.Call) and getattr(
            node.func, "attr", getattr(node.func, "id", "")
        ) in (
            "import_module",
            "__import__",
        ):
            for arg in node.args:
                if isinstance(arg, ast.Constant) and isinstance(arg.value, str):
                    found.append((node.lineno, arg.value))
    return found


def test_the_walk_sees_imports() -> None:
    modules = {m for _, m in imported_modules(CORE / "application.py")}
    assert "q2c_core.domain.money" in modules
    assert "eventsourcing.domain" in modules


def test_q2c_core_never_imports_q2c_adapters() -> None:
    sources = sorted(CORE.rglob("*.py"))
    assert len(sources) > 10
    offenders = [
        f"{path.relative_to(CORE.parent)}:{line} imports {module}"
        for path in sources
        for line, module in imported_modules(path)
        if module == "q2c_adapters" or module.startswith("q2c_adapters.")
    ]
    assert offenders == []
