"""Raster icons for the packaged app, drawn by Qt from ``resources/icons/factory-app.svg``.

Writes, next to this script:

- ``factory-app.png``  256x256, the Linux icon (``.desktop`` file, window icon of the bundle)
- ``factory-app.ico``  16 to 256 px in one file, for the Windows executable
- ``factory-app.icns`` 16 to 1024 px in one file, for the macOS ``.app``

The ``.ico`` and ``.icns`` containers hold PNG images (both formats allow it: Windows Vista and
later, macOS 10.7 and later) and are written here with the standard library, so any OS with
PySide6 regenerates all three the same way. The outputs are committed; run this again only when
the SVG changes::

    QT_QPA_PLATFORM=offscreen .venv/bin/python packaging/make_icons.py
"""

from __future__ import annotations

import os
import struct
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
SVG = HERE.parent / "resources" / "icons" / "factory-app.svg"

ICO_SIZES = (16, 24, 32, 48, 64, 128, 256)
#: ICNS element types that hold PNG data, by pixel size (Apple's "icp4".."ic10").
ICNS_TYPES = ((16, b"icp4"), (32, b"icp5"), (64, b"icp6"), (128, b"ic07"), (256, b"ic08"), (512, b"ic09"), (1024, b"ic10"))


def render_png(svg: Path, size: int) -> bytes:
    """The SVG drawn at ``size`` x ``size`` pixels on a transparent background, as PNG bytes."""
    from PySide6.QtCore import QBuffer, QByteArray, QIODevice, Qt
    from PySide6.QtGui import QImage, QPainter
    from PySide6.QtSvg import QSvgRenderer

    renderer = QSvgRenderer(str(svg))
    if not renderer.isValid():
        raise SystemExit(f"make_icons: cannot read {svg}")
    image = QImage(size, size, QImage.Format_ARGB32_Premultiplied)
    image.fill(Qt.transparent)
    painter = QPainter(image)
    painter.setRenderHint(QPainter.Antialiasing)
    painter.setRenderHint(QPainter.SmoothPixmapTransform)
    renderer.render(painter)
    painter.end()
    data = QByteArray()
    buffer = QBuffer(data)
    buffer.open(QIODevice.WriteOnly)
    if not image.save(buffer, "PNG"):
        raise SystemExit(f"make_icons: cannot encode a {size}px PNG")
    buffer.close()
    return bytes(data)


def ico_bytes(pngs: dict[int, bytes]) -> bytes:
    """An ICO file with one PNG-compressed image per size (256 is stored as 0 in the directory)."""
    sizes = sorted(pngs)
    header = struct.pack("<HHH", 0, 1, len(sizes))
    offset = len(header) + 16 * len(sizes)
    directory, payload = b"", b""
    for size in sizes:
        png = pngs[size]
        edge = 0 if size >= 256 else size
        directory += struct.pack("<BBBBHHII", edge, edge, 0, 0, 1, 32, len(png), offset + len(payload))
        payload += png
    return header + directory + payload


def icns_bytes(pngs: dict[int, bytes]) -> bytes:
    """An ICNS file: ``icns`` + total length, then (type, length, PNG) elements."""
    body = b"".join(kind + struct.pack(">I", 8 + len(pngs[size])) + pngs[size] for size, kind in ICNS_TYPES)
    return b"icns" + struct.pack(">I", 8 + len(body)) + body


def main() -> int:
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtGui import QGuiApplication

    app = QGuiApplication.instance() or QGuiApplication(sys.argv[:1])  # noqa: F841 - QImage text/fonts need it
    sizes = sorted(set(ICO_SIZES) | {size for size, _ in ICNS_TYPES})
    pngs = {size: render_png(SVG, size) for size in sizes}
    outputs = {
        HERE / "factory-app.png": pngs[256],
        HERE / "factory-app.ico": ico_bytes({s: pngs[s] for s in ICO_SIZES}),
        HERE / "factory-app.icns": icns_bytes(pngs),
    }
    for path, data in outputs.items():
        path.write_bytes(data)
        print(f"wrote {path.relative_to(HERE.parent)} ({len(data) / 1024:.1f} KiB)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
