"""The layer rules of ``factory_app`` as data, and a checker that reads imports with ``ast``.

Layers, lowest first: the package root and ``resources`` < ``serving`` < ``scenario`` <
``factory`` < ``io`` < ``cli``, ``ui``. A module may import its own layer and those below. Qt
(PySide6, shiboken6, pyqtgraph) may appear only in ``ui`` (and in ``cli``, inside a function).
``cli`` may import ``ui`` only inside a function (``render`` and ``export`` draw charts), so a
headless command never loads Qt. ``scenario`` uses ``serving`` only for catalogue look-ups.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass
from pathlib import Path

RANK = {"": 0, "resources": 0, "serving": 1, "scenario": 2, "factory": 3, "io": 4, "cli": 5, "ui": 5, "__main__": 6}
QT = ("PySide6", "shiboken6", "pyqtgraph", "PyQt5", "PyQt6")
QT_FREE = ("", "resources", "serving", "scenario", "factory", "io")
#: What ``scenario`` may take from ``serving``: the catalogue and the precision names.
SCENARIO_MAY_USE = ("factory_app.serving.catalog", "factory_app.serving.precision")


@dataclass(frozen=True)
class Violation:
    module: str
    line: int
    imported: str
    why: str

    def __str__(self) -> str:
        return f"{self.module}:{self.line} imports {self.imported}: {self.why}"


def layer_of(module: str) -> str:
    """``factory_app.serving.predict`` -> ``serving``; the package root -> ``""``."""
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else ""


def _imports(tree: ast.Module, module: str, is_package: bool):
    """(line, imported module name, inside a function) for every import of a module."""
    def visit(node, in_function):
        for child in ast.iter_child_nodes(node):
            nested = in_function or isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda))
            if isinstance(child, ast.Import):
                for alias in child.names:
                    yield child.lineno, alias.name, in_function
            elif isinstance(child, ast.ImportFrom):
                base = child.module or ""
                if child.level:
                    package = module.split(".")
                    package = package if is_package else package[:-1]
                    package = package[: len(package) - (child.level - 1)]
                    base = ".".join(package + ([base] if base else []))
                names = [f"{base}.{a.name}" for a in child.names] if base == "factory_app" else [base]
                for name in names:
                    yield child.lineno, name, in_function
            yield from visit(child, nested)

    yield from visit(tree, False)


def check_tree(root: Path) -> list[Violation]:
    """Every layer violation in the package folder ``root`` (named ``factory_app``)."""
    out: list[Violation] = []
    for path in sorted(root.rglob("*.py")):
        rel = path.relative_to(root.parent).with_suffix("")
        is_package = rel.name == "__init__"
        module = ".".join(rel.parts[:-1] if is_package else rel.parts)
        own = layer_of(module)
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for line, name, in_function in _imports(tree, module, is_package):
            top = name.split(".")[0]
            if top in QT:
                if own in QT_FREE:
                    out.append(Violation(module, line, name, f"Qt in the Qt-free layer '{own or 'root'}'"))
                elif own == "cli" and not in_function:
                    out.append(Violation(module, line, name, "cli may load Qt only inside a function"))
                continue
            if top != "factory_app":
                continue
            target = layer_of(name)
            if own == "cli" and target == "ui":
                if not in_function:
                    out.append(Violation(module, line, name, "cli may import ui only inside a function"))
                continue
            if RANK.get(target, 0) > RANK.get(own, 0) or (own in ("cli", "ui") and target in ("cli", "ui") and target != own):
                out.append(Violation(module, line, name, f"'{own or 'root'}' may not use the layer above it, '{target}'"))
            elif own == "scenario" and target == "serving" and not name.startswith(SCENARIO_MAY_USE):
                out.append(Violation(module, line, name, "scenario uses serving only for catalogue look-ups"))
    return out
