"""Start the desktop app, or render its window to a PNG without a screen."""

from __future__ import annotations

import os
import sys
from pathlib import Path

from factory_app import __version__

#: Set to 1 to quit as soon as the main window is shown and print the start-up time (packaging/measure_startup.py).
EXIT_AFTER_SHOW_ENV = "FACTORY_APP_EXIT_AFTER_SHOW"


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
    app.setDesktopFileName("factory-app")  # matches packaging/factory-app.desktop (Wayland app id)
    return app


def start_window(path: str | None = None):
    """Create and show the main window, then (from the event loop) open ``path`` or offer to
    restore autosaves. Nothing the app reads at start can stop the window from appearing: the
    settings file is checked before Qt reads it, a layout that cannot be restored is skipped,
    autosaves are read by the guarded reader and set aside with a message when they cannot be
    restored, and any other failure of these steps is reported in a message, not raised.
    Returns the application and the window."""
    app = _application(sys.argv[:1])
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QMessageBox

    from factory_app.io.messages import one_line
    from factory_app.ui import files
    from factory_app.ui.main_window import MainWindow

    notices = []
    try:
        notices.append(files.guard_settings())
    except Exception as exc:  # noqa: BLE001 - start with defaults rather than not at all
        notices.append(f"The settings could not be checked ({type(exc).__name__}: {exc}); the defaults are used.")
    try:
        window = MainWindow()
    except Exception as exc:  # noqa: BLE001 - e.g. a damaged window layout in the settings
        notices.append(f"The saved window layout could not be restored ({type(exc).__name__}: {exc}).")
        window = MainWindow(restore_layout=False)
    window.show()

    def after_show() -> None:
        for notice in filter(None, notices):
            QMessageBox.warning(window, "Set aside at start-up", one_line(notice, 2000))
        try:
            if path:
                window.open_file(Path(path), check_unsaved=False)
            else:
                window.offer_recovery()
        except Exception as exc:  # noqa: BLE001 - the window stays; the user hears what failed
            QMessageBox.warning(window, "Start-up", one_line(f"Autosaved work could not be checked: {type(exc).__name__}: {exc}"))

    QTimer.singleShot(0, after_show)
    return app, window


def run_app(path: str | None = None) -> int:
    """Open the main window (with ``path`` if given) and run the event loop. Without a display
    (or the xcb plugin's libraries) it says so in one line and returns 2, before Qt aborts."""
    from factory_app.ui.display import display_problem

    problem = display_problem()
    if problem:
        print(problem, file=sys.stderr)
        return 2
    app, _window = start_window(path)
    if os.environ.get(EXIT_AFTER_SHOW_ENV) == "1":
        _quit_once_shown(app)
    return app.exec()


def _process_age_s() -> float | None:
    """Seconds since this process started (Linux /proc; None elsewhere), for start-up timing."""
    try:
        start_ticks = int(Path("/proc/self/stat").read_text().rsplit(")", 1)[1].split()[19])
        uptime_s = float(Path("/proc/uptime").read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return None
    return uptime_s - start_ticks / os.sysconf("SC_CLK_TCK")


def _quit_once_shown(app) -> None:
    """Print "window shown after X s" once the event loop has shown the window, then quit."""
    from PySide6.QtCore import QTimer

    def report() -> None:
        age = _process_age_s()
        print(f"window shown after {age:.3f} s" if age is not None else "window shown", flush=True)
        app.quit()

    QTimer.singleShot(0, report)


def render_png_bytes(path: str, size: tuple[int, int]) -> bytes:
    """The window with a scenario, rendered offscreen, as PNG bytes (the caller writes them, e.g.
    atomically: a failed write never leaves a truncated PNG)."""
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    _application(sys.argv[:1])
    from PySide6.QtCore import QBuffer, QByteArray, QCoreApplication, QIODevice

    from factory_app.io.scenario_file import load_scenario
    from factory_app.ui.main_window import MainWindow

    scenario = load_scenario(Path(path))  # raises ScenarioFileError with a one-line message
    window = MainWindow(restore_layout=False)
    try:
        window.resize(*size)
        window.show()
        session = window.open_session(scenario, Path(path))
        if scenario.optimise:  # the picture shows the optimised figures, as evaluate does
            session.evaluator.recompute(optimise_now=True)
        for _ in range(5):
            QCoreApplication.processEvents()
        window.view.fit_to_content()
        QCoreApplication.processEvents()
        image = window.grab()
        data = QByteArray()
        buffer = QBuffer(data)
        buffer.open(QIODevice.WriteOnly)
        if not image.save(buffer, "PNG"):
            raise OSError("cannot encode the window as PNG")
        buffer.close()
        return bytes(data.data())
    finally:
        for session in window.sessions:
            session.undo_stack.setClean()
        window.close()


def render_png(path: str, out: str, size: tuple[int, int]) -> None:
    """Render the window with a scenario offscreen to ``out``, written atomically."""
    from factory_app.io.atomic import write_bytes_atomic

    write_bytes_atomic(out, render_png_bytes(path, size))
