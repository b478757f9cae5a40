"""Where the app's data files live, from source and from a frozen (PyInstaller) bundle.

Every path to ``resources/`` goes through :func:`resource_path`, so the catalogue, examples and
icons are found the same way in a checkout, an editable install and the packaged app.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

#: Environment variable that points the app at another resources folder (tests, packaging checks).
RESOURCES_ENV = "FACTORY_APP_RESOURCES"


def resource_root() -> Path:
    """The folder that holds ``catalog/``, ``examples/``, ``icons/`` and ``calibration/``."""
    override = os.environ.get(RESOURCES_ENV)
    if override:
        return Path(override)
    bundle = getattr(sys, "_MEIPASS", None)
    if getattr(sys, "frozen", False) and bundle:
        return Path(bundle) / "resources"
    return Path(__file__).resolve().parent.parent / "resources"


def resource_path(*parts: str) -> Path:
    """Path of a file under the resources folder, e.g. ``resource_path("catalog", "models.json")``."""
    return resource_root().joinpath(*parts)
