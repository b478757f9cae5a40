"""AI Factory Modeller: power in, tokens out, money either side.

The package is layered so that the numbers never depend on the GUI:
``engine`` (physics and economics), ``scenario`` (the document a user edits) and ``io``
(tables and files) use numpy and the standard library only; ``ui`` is PySide6 and pyqtgraph.
"""

__version__ = "0.1.0"
