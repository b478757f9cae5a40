"""Start the desktop app, or render its window to a PNG without a screen."""

from __future__ import annotations

import os
import sys
from pathlib import Path

from factory_app import __version__


def _application(argv: list[str]):
    from PySide6.QtCore import QCoreApplication
    from PySide6.QtWidgets import QApplication

    from factory_app.ui.files import APPLICATION, ORGANISATION
    from factory_app.ui.icons import icon

    app = QApplication.instance() or QApplication(argv)
    QCoreApplication.setOrganizationName(ORGANISATION)
    QCoreApplication.setApplicationName(APPLICATION)
    QCoreApplication.setApplicationVersion(__version__)
    app.setWindowIcon(icon("factory-app"))
    return app


def run_app(path: str | None = None) -> int:
    """Open the main window (with ``path`` if given) and run the event loop."""
    app = _application(sys.argv[:1])
    from factory_app.ui.main_window import MainWindow

    window = MainWindow()
    window.show()
    if path:
        window.open_file(Path(path), check_unsaved=False)
    else:
        window.offer_recovery()
    return app.exec()


def render_png(path: str, out: str, size: tuple[int, int]) -> None:
    """Render the window with a scenario offscreen to ``out`` (for docs and checks)."""
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    _application(sys.argv[:1])
    from PySide6.QtCore import QCoreApplication

    from factory_app.io.scenario_file import load_scenario
    from factory_app.ui.main_window import MainWindow

    scenario = load_scenario(Path(path))  # raises ScenarioFileError with a one-line message
    window = MainWindow(restore_layout=False)
    window.resize(*size)
    window.show()
    window.open_session(scenario, Path(path))
    for _ in range(5):
        QCoreApplication.processEvents()
    window.view.fit_to_content()
    QCoreApplication.processEvents()
    image = window.grab()
    if not image.save(out, "PNG"):
        raise OSError(f"cannot write {out}")
    for session in window.sessions:
        session.undo_stack.setClean()
    window.close()
