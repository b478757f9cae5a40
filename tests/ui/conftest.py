"""The journey fixture: a window whose test fails if anything reaches stderr or Qt's log."""

from __future__ import annotations

import pytest

from journey import unexpected_output


@pytest.fixture
def journey(window, capfd, qtlog):
    """The main window (see tests/conftest.py); after the test, stderr and Qt's messages must be
    empty (but for the offscreen plugin's one size-hint notice, see journey.OFFSCREEN_SIZE_HINTS)."""
    from PySide6.QtGui import QGuiApplication

    capfd.readouterr()
    yield window
    _, err = capfd.readouterr()
    messages = [record.message for record in qtlog.records]
    extra = unexpected_output(err, messages, QGuiApplication.platformName())
    assert not extra, "written to stderr / Qt's log during the journey:\n" + "\n".join(extra)
