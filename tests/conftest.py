"""Shared fixtures. Tests never touch the user's real settings, data folder or display."""

from __future__ import annotations

import os

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")


@pytest.fixture(autouse=True)
def _isolated_home(tmp_path_factory, monkeypatch):
    """Point HOME and the XDG folders at a temporary directory for every test."""
    home = tmp_path_factory.mktemp("home")
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(home / ".config"))
    monkeypatch.setenv("XDG_DATA_HOME", str(home / ".local" / "share"))
    monkeypatch.setenv("XDG_CACHE_HOME", str(home / ".cache"))
    yield home


# -- app fixtures (Qt imported inside them: the engine and scenario tests never load Qt) ----------


@pytest.fixture
def no_prompts(monkeypatch):
    """Message boxes are recorded, never shown; questions answer from ``answers`` (else Discard)."""
    from PySide6.QtWidgets import QMessageBox

    seen: list[tuple[str, str]] = []
    answers: list = []

    def record(kind):
        def box(parent, title, text, *args, **kwargs):
            seen.append((kind, text))
            return (answers.pop(0) if answers else QMessageBox.Discard) if kind == "question" else QMessageBox.Ok

        return box

    for kind in ("warning", "critical", "information", "question"):
        monkeypatch.setattr(QMessageBox, kind, staticmethod(record(kind)))
    return type("Prompts", (), {"seen": seen, "answers": answers})


@pytest.fixture
def window(qtbot, no_prompts):
    """An offscreen main window; every tab is marked saved before it closes, so no prompt."""
    from factory_app.ui.main_window import MainWindow

    w = MainWindow(restore_layout=False)
    qtbot.addWidget(w)
    w.show()
    qtbot.waitExposed(w)
    yield w
    for s in w.sessions:
        s.undo_stack.setClean()
    w.close()


# -- Hypothesis profiles of the property tests (marker ``reliability``) ---------------------------
# - ``ci`` (default): derandomised, so every run (and CI) tries the same cases; no example database
#   written into the tree; no deadline (evaluation times vary with the machine).
# - ``thorough``: random (new cases every run) and ten times the examples of every property:
#   ``HYPOTHESIS_PROFILE=thorough .venv/bin/python -m pytest -m reliability``
# Each property states its own example count through :func:`reliability_helpers.examples`, which
# applies the profile's multiplier; docs/reliability.md lists them.
try:
    from hypothesis import HealthCheck, settings
except ImportError:  # pragma: no cover - the dev extras install it
    pass
else:
    _COMMON = dict(
        deadline=None,
        database=None,
        print_blob=True,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.filter_too_much],
    )
    settings.register_profile("ci", derandomize=True, **_COMMON)
    settings.register_profile("thorough", derandomize=False, **_COMMON)
    settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))
