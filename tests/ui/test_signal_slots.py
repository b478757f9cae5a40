"""A button's ``clicked``, an action's ``triggered`` and a check box's ``toggled`` pass ``checked``
to their slot; a slot with an optional first parameter takes it as that value (File ▸ Export
chart ▸ Export… once received ``False`` as the file name). This reads every connection of the
app's widgets and refuses slots that would."""

from __future__ import annotations

import ast
from pathlib import Path

import factory_app.ui

UI = Path(factory_app.ui.__file__).parent
SIGNALS = {"clicked", "triggered", "toggled"}
#: A first parameter with one of these names is meant to receive the checked state.
CHECKED_NAMES = {"checked", "_checked", "on", "_on"}


def _functions(trees: dict[str, ast.AST]) -> dict[str, list[ast.FunctionDef]]:
    out: dict[str, list[ast.FunctionDef]] = {}
    for tree in trees.values():
        for node in ast.walk(tree):
            if isinstance(node, ast.FunctionDef):
                out.setdefault(node.name, []).append(node)
    return out


def _takes_checked_as_something_else(args: ast.arguments, method: bool) -> bool:
    params = args.posonlyargs + args.args
    if method and params:
        params = params[1:]
    if not params:
        return False
    first = params[0]
    optional = len(args.defaults) >= len(params)  # defaults apply to the last parameters
    return optional and first.arg not in CHECKED_NAMES


def _slots(tree: ast.AST):
    """(line, slot expression, methods of the enclosing class) of every
    ``x.clicked/triggered/toggled.connect(slot)`` and every slot given to the window's
    ``_action(text, slot, ...)``."""
    classes = [node for node in ast.walk(tree) if isinstance(node, ast.ClassDef)]
    owner = {}
    for cls in classes:
        methods = {n.name: n for n in cls.body if isinstance(n, ast.FunctionDef)}
        for node in ast.walk(cls):
            owner[id(node)] = methods
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call) or not node.args:
            continue
        f = node.func
        if isinstance(f, ast.Attribute) and f.attr == "connect" and isinstance(f.value, ast.Attribute) and f.value.attr in SIGNALS:
            yield node.lineno, node.args[0], owner.get(id(node), {})
        elif isinstance(f, ast.Attribute) and f.attr == "_action" and len(node.args) >= 2:
            yield node.lineno, node.args[1], owner.get(id(node), {})


def bad_connections(trees: dict[str, ast.AST]) -> list[str]:
    functions = _functions(trees)
    bad = []
    for name, tree in trees.items():
        for line, slot, own in _slots(tree):
            if isinstance(slot, ast.Lambda):
                if _takes_checked_as_something_else(slot.args, method=False):
                    bad.append(f"{name}:{line}: lambda with an optional first parameter")
            elif isinstance(slot, (ast.Attribute, ast.Name)):
                target = slot.attr if isinstance(slot, ast.Attribute) else slot.id
                # self.method: the enclosing class's own method, else any of that name (mixins)
                candidates = [own[target]] if isinstance(slot, ast.Attribute) and target in own else functions.get(target, [])
                for fn in candidates:
                    if _takes_checked_as_something_else(fn.args, method=isinstance(slot, ast.Attribute)):
                        bad.append(f"{name}:{line}: {target}() has an optional first parameter")
    return bad


def test_no_slot_takes_the_checked_state_for_something_else():
    trees = {p.relative_to(UI).as_posix(): ast.parse(p.read_text(encoding="utf-8")) for p in UI.rglob("*.py")}
    assert bad_connections(trees) == []


def test_the_check_finds_the_export_bug_it_was_written_for():
    source = '''
class D:
    def export(self, path=None): ...
    def copy(self): ...
    def toggle(self, on=False): ...
    def build(self):
        export.clicked.connect(self.export)
        copy.clicked.connect(self.copy)
        box.toggled.connect(self.toggle)
        menu.triggered.connect(lambda p=path: open(p))
        ok.clicked.connect(lambda: self.export())
        self._action("Export", self.export)
'''
    found = bad_connections({"d.py": ast.parse(source)})
    assert found == ["d.py:7: export() has an optional first parameter",
                     "d.py:10: lambda with an optional first parameter",
                     "d.py:12: export() has an optional first parameter"]
