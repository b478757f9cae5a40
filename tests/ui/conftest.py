"""UI test fixtures: an offscreen main window with isolated settings and no modal prompts."""

from __future__ import annotations

import pytest
from PySide6.QtWidgets import QMessageBox


@pytest.fixture
def no_prompts(monkeypatch):
    """Record message boxes instead of showing them; questions answer with ``answers`` in order."""
    seen: list[tuple[str, str]] = []
    answers: list = []

    def record(kind):
        def box(parent, title, text, *args, **kwargs):
            seen.append((kind, text))
            if kind == "question":
                return answers.pop(0) if answers else QMessageBox.Discard
            return QMessageBox.Ok

        return box

    for kind in ("warning", "critical", "information", "question"):
        monkeypatch.setattr(QMessageBox, kind, staticmethod(record(kind)))
    seen_answers = type("Prompts", (), {"seen": seen, "answers": answers})
    return seen_answers


@pytest.fixture
def window(qtbot, no_prompts):
    from factory_app.ui.main_window import MainWindow

    w = MainWindow(restore_layout=False)
    qtbot.addWidget(w)
    w.show()
    qtbot.waitExposed(w)
    yield w
    w.undo_stack.setClean()
    w.close()
