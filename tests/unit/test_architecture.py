"""The layout stays what DESIGN.md and STYLE.md describe, checked on the source (AST):

- the engine packages (problem/, search/, insight/, export/) never import the facade (``_automl``
  or ``AutoML``), not even inside a function or for type checking: they take what they need as
  arguments, so dependencies point one way;
- packages meet at public names only: no import of another package's private module or private
  name, and no read or write of a private attribute defined by another package;
- no module passes 500 lines.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[2] / "jupyter_automl"
ENGINE = ("problem", "search", "insight", "export")
SHARED = {"_compat", "_logging", "_optional", "_version"}  # the root's utilities, for every package
MAX_LINES = 500


def _modules() -> dict[Path, ast.Module]:
    return {p: ast.parse(p.read_text(), str(p)) for p in sorted(PACKAGE.rglob("*.py"))
            if "static" not in p.parts}


MODULES = _modules()


def package_of(path: Path) -> str:
    """The top-level package a module belongs to ("search"), or "(root)" for root modules."""
    parts = path.relative_to(PACKAGE).parts
    return parts[0] if len(parts) > 1 else "(root)"


def _is_private(name: str) -> bool:
    return name.startswith("_") and not name.startswith("__")


def _imported(path: Path, node: ast.ImportFrom) -> list[str]:
    """The module path (inside the package) a relative import names, e.g. ["search", "_coordinator"]."""
    if node.level == 0:
        parts = (node.module or "").split(".")
        return parts[1:] if parts[0] == "jupyter_automl" else []
    here = list(path.relative_to(PACKAGE).parts[:-1])
    base = here[:len(here) - (node.level - 1)]
    return base + ((node.module or "").split(".") if node.module else [])


def _target_package(target: list[str]) -> str:
    if not target or (len(target) == 1 and not (PACKAGE / target[0]).is_dir()):
        return "(root)"
    return target[0]


def _private_definitions() -> dict[str, set[str]]:
    """Private attribute and method names -> the packages that define them."""
    found: dict[str, set[str]] = {}
    for path, tree in MODULES.items():
        for node in ast.walk(tree):
            name = None
            if isinstance(node, ast.Attribute) and isinstance(node.ctx, ast.Store):
                name = node.attr
            elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                name = node.name
            if name and _is_private(name):
                found.setdefault(name, set()).add(package_of(path))
    return found


def _on_self(node: ast.expr) -> bool:
    return (isinstance(node, ast.Name) and node.id in ("self", "cls")) or (
        isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "super")


def facade_imports() -> list[str]:
    found = []
    for path, tree in MODULES.items():
        if package_of(path) not in ENGINE:
            continue
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom):
                target = _imported(path, node)
                names = {a.name for a in node.names}
                if target[:1] == ["_automl"] or (not target and "AutoML" in names) \
                        or (not target and "_automl" in names):
                    found.append(f"{path.relative_to(PACKAGE)}:{node.lineno}")
            elif isinstance(node, ast.Import) and any(a.name == "jupyter_automl._automl" for a in node.names):
                found.append(f"{path.relative_to(PACKAGE)}:{node.lineno}")
    return found


def private_crossings() -> list[str]:
    defined = _private_definitions()
    found = []
    for path, tree in MODULES.items():
        here = package_of(path)
        where = f"{path.relative_to(PACKAGE)}"
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom):
                target = _imported(path, node)
                there = _target_package(target)
                if there == here:
                    continue
                if any(_is_private(p) and p not in SHARED for p in target):
                    found.append(f"{where}:{node.lineno} imports {'.'.join(target)}")
                for alias in node.names:
                    if _is_private(alias.name) and alias.name not in SHARED:
                        found.append(f"{where}:{node.lineno} imports {alias.name} from {'.'.join(target)}")
            elif isinstance(node, ast.Attribute) and _is_private(node.attr) and not _on_self(node.value):
                owners = defined.get(node.attr, set())
                if owners and here not in owners:
                    found.append(f"{where}:{node.lineno} uses {ast.unparse(node)} (of {sorted(owners)})")
            elif isinstance(node, ast.Call) and isinstance(node.func, ast.Name) \
                    and node.func.id in ("getattr", "hasattr", "setattr") and len(node.args) >= 2:
                obj, attr = node.args[0], node.args[1]
                if isinstance(attr, ast.Constant) and isinstance(attr.value, str) \
                        and _is_private(attr.value) and not _on_self(obj):
                    owners = defined.get(attr.value, set())
                    if owners and here not in owners:
                        found.append(f"{where}:{node.lineno} {ast.unparse(node)[:80]}")
    return found


def test_the_engine_never_imports_the_facade():
    assert facade_imports() == []


def test_packages_meet_at_public_names_only():
    assert private_crossings() == []


@pytest.mark.parametrize("path", sorted(MODULES), ids=lambda p: str(p.relative_to(PACKAGE)))
def test_no_module_passes_500_lines(path):
    n = len(path.read_text().splitlines())
    assert n <= MAX_LINES, f"{path.relative_to(PACKAGE)} has {n} lines: split it by job"


def test_the_checks_can_fail(tmp_path):
    """The checks above find what they look for (else they would pass on anything)."""
    bad = ast.parse("from .._automl import AutoML\nfrom ..search._coordinator import Coordinator\n"
                    "x = handle._coordinator\ngetattr(automl, '_handle')\n")
    path = PACKAGE / "export" / "_probe.py"
    MODULES[path] = bad
    try:
        assert facade_imports() == ["export/_probe.py:1"]
        crossings = [c for c in private_crossings() if c.startswith("export/_probe.py")]
        assert crossings == [
            "export/_probe.py:1 imports _automl",
            "export/_probe.py:2 imports search._coordinator",
            "export/_probe.py:3 uses handle._coordinator (of ['search'])",
            "export/_probe.py:4 getattr(automl, '_handle')",
        ]
    finally:
        del MODULES[path]
