"""AI Factory Modeller: power in, tokens out, money either side.

Layers, each using only those before it (docs/architecture.md; tests/test_layers.py checks it):
``serving`` (catalogue and the performance model) < ``scenario`` (the document a user edits) <
``factory`` (evaluation, economics, optimiser) < ``io`` (files, tables, reports) < ``cli`` and
``ui``. Everything below ``cli`` is numpy and the standard library; ``ui`` is PySide6 and
pyqtgraph.
"""

__version__ = "0.1.0"
