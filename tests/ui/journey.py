"""Helpers of the journey tests: use the app as a person does.

Buttons are clicked with the mouse, menu actions triggered, text typed key by key; modal dialogs
the app opens are answered by a handler that runs once the dialog is up; file dialogs are
patched at call time (``QFileDialog.getSaveFileName`` / ``getOpenFileName``), since a native file
dialog cannot be driven.
"""

from __future__ import annotations

from pathlib import Path
from typing import Callable

from PySide6.QtCore import QPoint, QPointF, Qt, QTimer
from PySide6.QtGui import QDragEnterEvent, QDragMoveEvent, QDropEvent
from PySide6.QtWidgets import QApplication, QDialog, QFileDialog, QPushButton, QWidget

from factory_app.ui.mime import make_mime

#: Written by Qt's offscreen platform plugin (the tests' platform) whenever a window with size
#: constraints is shown: QPlatformWindow::propagateSizeHints() is not implemented by that plugin and
#: its default says so. Under xcb (a real display) the hints are applied and nothing is written.
#: This one message, only offscreen, is not a failure; anything else on stderr is.
OFFSCREEN_SIZE_HINTS = "This plugin does not support propagateSizeHints()"


def unexpected_output(err: str, qt_messages: list[str], platform: str) -> list[str]:
    """What a journey wrote that a person would see in a terminal (stderr) or Qt's log."""
    lines = [line for line in err.splitlines() if line.strip()] + list(qt_messages)
    if platform == "offscreen":
        lines = [line for line in lines if line.strip() != OFFSCREEN_SIZE_HINTS]
    return lines


def click(qtbot, button: QPushButton) -> None:
    """A left click in the middle of a visible, enabled button."""
    assert button.isVisible() and button.isEnabled(), f"{button.text()!r} cannot be clicked"
    qtbot.mouseClick(button, Qt.LeftButton, pos=button.rect().center())


def button(parent: QWidget, text: str) -> QPushButton:
    """The push button of ``parent`` whose text (without '&') is ``text``."""
    found = [b for b in parent.findChildren(QPushButton) if b.text().replace("&", "") == text]
    assert found, f"no button {text!r} in {parent!r}: {[b.text() for b in parent.findChildren(QPushButton)]}"
    return found[0]


def when_dialog(handler: Callable[[QDialog], None], kind: type = QDialog, timeout_ms: int = 5000) -> None:
    """Run ``handler(dialog)`` as soon as a modal dialog of ``kind`` is up (call before the action
    that opens it: the action blocks in ``exec()``)."""
    waited = [0]

    def poll() -> None:
        dialog = QApplication.activeModalWidget()
        if isinstance(dialog, kind) and dialog.isVisible():
            handler(dialog)
            return
        waited[0] += 20
        if waited[0] < timeout_ms:
            QTimer.singleShot(20, poll)

    QTimer.singleShot(0, poll)


def answer_save_dialog(monkeypatch, target: Path | None, seen: list | None = None) -> None:
    """``QFileDialog.getSaveFileName`` returns ``target`` (None = the user cancelled); the
    arguments it was called with are appended to ``seen``."""

    def fake(parent=None, caption="", directory="", filter="", *args, **kwargs):
        if seen is not None:
            seen.append({"caption": caption, "directory": directory, "filter": filter})
        return (str(target) if target else "", filter.split(";;")[0] if target else "")

    monkeypatch.setattr(QFileDialog, "getSaveFileName", staticmethod(fake))


def answer_open_dialog(monkeypatch, target: Path | None, seen: list | None = None) -> None:
    def fake(parent=None, caption="", directory="", filter="", *args, **kwargs):
        if seen is not None:
            seen.append({"caption": caption, "directory": directory})
        return (str(target) if target else "", "")

    monkeypatch.setattr(QFileDialog, "getOpenFileName", staticmethod(fake))


def drop(window, kind: str, key: str, viewport_pos: QPoint) -> None:
    """The drag-enter, drag-move and drop events a real drag from the palette sends."""
    vp = window.view.viewport()
    mime = make_mime(kind, key)
    for cls in (QDragEnterEvent, QDragMoveEvent):
        ev = cls(viewport_pos, Qt.CopyAction, mime, Qt.LeftButton, Qt.NoModifier)
        QApplication.sendEvent(vp, ev)
        assert ev.isAccepted()
    ev = QDropEvent(QPointF(viewport_pos), Qt.CopyAction, mime, Qt.LeftButton, Qt.NoModifier)
    QApplication.sendEvent(vp, ev)
    assert ev.isAccepted()


def viewport_point_of(window, item) -> QPoint:
    return window.view.mapFromScene(item.sceneBoundingRect().center())


def type_into(qtbot, widget, text: str) -> None:
    """Select what a field holds, type ``text`` and press Return."""
    line = widget.lineEdit() if hasattr(widget, "lineEdit") else widget
    line.setFocus()
    line.selectAll()
    qtbot.keyClicks(line, text)
    qtbot.keyClick(line, Qt.Key_Return)


def menu_action(window, *path: str):
    """The action at a menu path, e.g. ``("File", "Export chart…")`` (ampersands ignored)."""
    menu_bar = window.menuBar()
    actions = menu_bar.actions()
    for i, name in enumerate(path):
        found = [a for a in actions if a.text().replace("&", "") == name]
        assert found, f"no {name!r} in {[a.text() for a in actions]}"
        if i == len(path) - 1:
            return found[0]
        actions = found[0].menu().actions()
    raise AssertionError(path)
