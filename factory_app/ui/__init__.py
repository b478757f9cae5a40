"""The desktop app: PySide6 and pyqtgraph. It formats and edits; it never computes numbers."""
