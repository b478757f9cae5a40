"""The shape of the code: small modules, short functions, ``__all__`` naming only what a module
defines. A long function must say why in its docstring ("Long because: ...")."""

from __future__ import annotations

import ast
from pathlib import Path

import factory_app

PACKAGE = Path(factory_app.__file__).resolve().parent
MAX_MODULE_LINES = 600
MAX_FUNCTION_LINES = 80


def _modules():
    for path in sorted(PACKAGE.rglob("*.py")):
        yield path, path.read_text(encoding="utf-8")


def test_no_module_is_over_600_lines():
    long = [f"{p.relative_to(PACKAGE)}: {t.count(chr(10))} lines" for p, t in _modules() if t.count("\n") > MAX_MODULE_LINES]
    assert long == []


def test_no_function_is_over_80_lines_without_saying_why():
    long = []
    for path, text in _modules():
        for node in ast.walk(ast.parse(text)):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                lines = node.end_lineno - node.lineno + 1
                if lines > MAX_FUNCTION_LINES and "Long because:" not in (ast.get_docstring(node) or ""):
                    long.append(f"{path.relative_to(PACKAGE)}:{node.lineno} {node.name} ({lines} lines)")
    assert long == []


def test_all_names_only_what_the_module_defines():
    """``__all__`` exported ``Qt``, ``replace`` and ``field``: names a module imports for itself."""
    wrong = []
    for path, text in _modules():
        tree = ast.parse(text)
        defined = set()
        exported: list[str] = []
        for node in tree.body:
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                defined.add(node.name)
            elif isinstance(node, (ast.Assign, ast.AnnAssign)):
                targets = node.targets if isinstance(node, ast.Assign) else [node.target]
                for target in targets:
                    if isinstance(target, ast.Name):
                        defined.add(target.id)
                        if target.id == "__all__":
                            exported = [e.value for e in node.value.elts]
            elif isinstance(node, ast.ImportFrom) and path.name == "__init__.py":
                defined.update(a.asname or a.name for a in node.names)  # a package re-exports
        wrong += [f"{path.relative_to(PACKAGE)}: {name}" for name in exported if name not in defined]
    assert wrong == []
