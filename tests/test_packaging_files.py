"""The packaging files hang together (no build here: `make package` and `make smoke` do that in CI)."""

from __future__ import annotations

import ast
import configparser
import re
import struct
import sys
from pathlib import Path

import pytest

from factory_app import __version__, resources

ROOT = Path(__file__).resolve().parent.parent
PACKAGING = ROOT / "packaging"


def test_spec_is_python_that_bundles_resources_through_the_launcher():
    text = (PACKAGING / "factory_app.spec").read_text(encoding="utf-8")
    compile(text, "factory_app.spec", "exec")
    assert '"resources"' in text and "launcher.py" in text
    assert "__version__" in text and "factory-app.ico" in text and "factory-app.icns" in text
    assert (PACKAGING / "launcher.py").is_file()


def test_spec_reads_the_package_version():
    """Run the spec's own read_version() (the rest of the spec needs PyInstaller)."""
    tree = ast.parse((PACKAGING / "factory_app.spec").read_text(encoding="utf-8"))
    func = next(node for node in tree.body if isinstance(node, ast.FunctionDef) and node.name == "read_version")
    namespace = {"re": re, "Path": Path, "ROOT": ROOT}
    exec(compile(ast.Module(body=[func], type_ignores=[]), "factory_app.spec", "exec"), namespace)  # noqa: S102
    assert namespace["read_version"]() == __version__


def test_launcher_calls_the_cli_main():
    text = (PACKAGING / "launcher.py").read_text(encoding="utf-8")
    compile(text, "launcher.py", "exec")
    assert "from factory_app.cli import main" in text and "sys.exit(main())" in text


def test_desktop_file_has_the_required_keys():
    parser = configparser.ConfigParser(interpolation=None)
    parser.optionxform = str  # keys are case-sensitive
    parser.read(PACKAGING / "factory-app.desktop", encoding="utf-8")
    entry = parser["Desktop Entry"]
    assert entry["Type"] == "Application"
    assert entry["Name"] == "AI Factory Modeller"
    assert entry["Exec"] == "factory-app %f"
    assert entry["Icon"] == "factory-app"
    assert set(entry["Categories"].rstrip(";").split(";")) >= {"Office", "Science"}
    assert entry["Categories"].endswith(";")


def test_icons_are_committed_in_each_format():
    png = (PACKAGING / "factory-app.png").read_bytes()
    assert png.startswith(b"\x89PNG\r\n\x1a\n") and struct.unpack(">II", png[16:24]) == (256, 256)
    ico = (PACKAGING / "factory-app.ico").read_bytes()
    assert ico[:4] == b"\x00\x00\x01\x00" and struct.unpack("<H", ico[4:6])[0] >= 4
    icns = (PACKAGING / "factory-app.icns").read_bytes()
    assert icns[:4] == b"icns" and struct.unpack(">I", icns[4:8])[0] == len(icns)


def test_smoke_test_uses_the_standard_library_only():
    text = (PACKAGING / "smoke_test.py").read_text(encoding="utf-8")
    imported = set(re.findall(r"^(?:import|from) ([a-zA-Z_]+)", text, re.M)) - {"__future__"}
    assert imported <= set(sys.stdlib_module_names), imported - set(sys.stdlib_module_names)


def test_resource_root_in_a_frozen_bundle(monkeypatch, tmp_path):
    monkeypatch.delenv(resources.RESOURCES_ENV, raising=False)
    monkeypatch.setattr(sys, "frozen", True, raising=False)
    monkeypatch.setattr(sys, "_MEIPASS", str(tmp_path), raising=False)
    assert resources.resource_root() == tmp_path / "resources"
    assert resources.resource_path("icons", "factory-app.svg") == tmp_path / "resources" / "icons" / "factory-app.svg"


@pytest.mark.parametrize("frozen", [False, None])
def test_resource_root_from_source(monkeypatch, frozen):
    monkeypatch.delenv(resources.RESOURCES_ENV, raising=False)
    if frozen is None:
        monkeypatch.delattr(sys, "frozen", raising=False)
    else:
        monkeypatch.setattr(sys, "frozen", frozen, raising=False)
    monkeypatch.setattr(sys, "_MEIPASS", "/nowhere", raising=False)  # ignored unless frozen
    assert resources.resource_root() == ROOT / "resources"
    assert resources.resource_path("examples", "iso-power-hopper-vs-gb200.json").is_file()
