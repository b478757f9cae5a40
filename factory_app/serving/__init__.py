"""The serving model: catalogue, precisions, model shapes, layouts, performance, queueing, the
throughput-interactivity frontier, ``predict`` and calibration.

The lowest layer: numpy and the standard library only, and nothing from ``scenario``,
``factory``, ``io``, ``cli`` or ``ui`` (tests/test_layers.py checks this).
"""
