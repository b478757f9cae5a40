"""The layers of ``factory_app`` (docs/architecture.md): each uses only those below it, and Qt
stays out of the core. The checker itself is tested on a small tree with deliberate violations,
so a broken checker cannot pass silently."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import factory_app
from layer_rules import check_tree

PACKAGE = Path(factory_app.__file__).resolve().parent

NO_QT_SCRIPT = r"""
import importlib, importlib.abc, pkgutil, sys

class BlockQt(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path, target=None):
        if name.split(".")[0] in ("PySide6", "shiboken6", "pyqtgraph", "PyQt5", "PyQt6"):
            raise ImportError(f"Qt is blocked in this test: {name}")
        return None

sys.meta_path.insert(0, BlockQt())
import factory_app
for pkg in ("serving", "scenario", "factory", "io", "cli"):
    mod = importlib.import_module(f"factory_app.{pkg}")
    for info in pkgutil.walk_packages(mod.__path__, prefix=f"factory_app.{pkg}."):
        importlib.import_module(info.name)
from factory_app.serving.predict import predict
assert predict("h100", 8, "llama-3.3-70b", "fp8", 1000, 1000).feasible
print("ok")
"""


def test_every_module_imports_only_its_own_layer_and_those_below():
    assert [str(v) for v in check_tree(PACKAGE)] == []


def test_the_core_and_the_cli_import_and_run_with_qt_unavailable():
    out = subprocess.run([sys.executable, "-c", NO_QT_SCRIPT], capture_output=True, text=True, cwd=PACKAGE.parent, timeout=120)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "ok"


def _tree(tmp_path: Path, files: dict[str, str]) -> Path:
    root = tmp_path / "factory_app"
    for rel, text in {"__init__.py": "", **files}.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        for parent in path.relative_to(root).parents:
            (root / parent / "__init__.py").touch()
        path.write_text(text)
    return root


def test_the_checker_finds_each_kind_of_violation(tmp_path):
    root = _tree(
        tmp_path,
        {
            "serving/predict.py": "from factory_app.factory.evaluation import evaluate_factory\n",
            "serving/catalog.py": "from ..scenario import model\n",
            "scenario/model.py": "from factory_app.serving.predict import predict\n",
            "factory/evaluation.py": "import PySide6.QtCore\n",
            "io/files.py": "from factory_app import cli\n",
            "cli/render.py": "from factory_app.ui.app import render_png\n\ndef run():\n    from factory_app.ui.app import run_app\n",
            "ui/app.py": "from factory_app.cli.main import main\n",
        },
    )
    found = {(v.module, v.imported) for v in check_tree(root)}
    assert found == {
        ("factory_app.serving.predict", "factory_app.factory.evaluation"),
        ("factory_app.serving.catalog", "factory_app.scenario"),
        ("factory_app.scenario.model", "factory_app.serving.predict"),
        ("factory_app.factory.evaluation", "PySide6.QtCore"),
        ("factory_app.io.files", "factory_app.cli"),
        ("factory_app.cli.render", "factory_app.ui.app"),  # at module level; the one in run() is allowed
        ("factory_app.ui.app", "factory_app.cli.main"),
    }


def test_the_checker_accepts_a_tree_that_keeps_the_rules(tmp_path):
    root = _tree(
        tmp_path,
        {
            "serving/catalog.py": "import numpy\nfrom factory_app.resources import resource_path\n",
            "scenario/model.py": "from factory_app.serving.catalog import Catalog\n",
            "factory/evaluation.py": "from factory_app.scenario.model import Scenario\nfrom factory_app.serving import predict\n",
            "cli/render.py": "def run():\n    from factory_app.ui.app import render_png\n",
            "ui/app.py": "import PySide6\nfrom factory_app.io import files\n",
        },
    )
    assert check_tree(root) == []
