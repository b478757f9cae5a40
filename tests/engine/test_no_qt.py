"""The model layers (engine, scenario, io) must import and run with Qt unavailable."""

from __future__ import annotations

import pkgutil
import subprocess
import sys
from pathlib import Path

import factory_app

SCRIPT = r"""
import importlib, importlib.abc, pkgutil, sys

class BlockQt(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path, target=None):
        if name.split(".")[0] in ("PySide6", "shiboken6", "pyqtgraph", "PyQt5", "PyQt6"):
            raise ImportError(f"Qt is blocked in this test: {name}")
        return None

sys.meta_path.insert(0, BlockQt())
import factory_app
for pkg in ("engine", "scenario", "io"):
    mod = importlib.import_module(f"factory_app.{pkg}")
    for info in pkgutil.walk_packages(mod.__path__, prefix=f"factory_app.{pkg}."):
        importlib.import_module(info.name)
from factory_app.engine.predict import predict
assert predict("h100", 8, "llama-3.3-70b", "fp8", 1000, 1000).feasible
print("ok")
"""


def test_engine_scenario_and_io_import_without_qt():
    root = Path(factory_app.__file__).resolve().parent.parent
    out = subprocess.run([sys.executable, "-c", SCRIPT], capture_output=True, text=True, cwd=root, timeout=120)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "ok"


def test_no_source_file_in_the_model_layers_mentions_qt_imports():
    root = Path(factory_app.__file__).resolve().parent
    offenders = []
    for pkg in ("engine", "scenario", "io"):
        for path in (root / pkg).rglob("*.py"):
            for line in path.read_text(encoding="utf-8").splitlines():
                stripped = line.strip()
                if stripped.startswith(("import ", "from ")) and any(q in stripped for q in ("PySide6", "pyqtgraph", "shiboken6")):
                    offenders.append(f"{path.name}: {stripped}")
    assert not offenders
    assert pkgutil  # keep the import used
