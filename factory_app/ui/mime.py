"""Drag and drop from the palette: the payload is only a catalogue key, under the app's MIME type."""

from __future__ import annotations

from PySide6.QtCore import QMimeData

MIME_TYPE = "application/x-factory-app-item"
KINDS = ("power", "platform", "workload")


def make_mime(kind: str, key: str) -> QMimeData:
    """``kind`` is power, platform or workload; ``key`` a preset or catalogue id."""
    data = QMimeData()
    data.setData(MIME_TYPE, f"{kind}:{key}".encode("utf-8"))
    data.setText(f"{kind}:{key}")
    return data


def read_mime(data: QMimeData) -> tuple[str, str] | None:
    if not data.hasFormat(MIME_TYPE):
        return None
    text = bytes(data.data(MIME_TYPE)).decode("utf-8", "replace")
    kind, _, key = text.partition(":")
    return (kind, key) if kind in KINDS and key else None
