"""Can the window be shown here? Asked before Qt starts: Qt itself aborts the process (SIGABRT,
"Aborted") when it finds no display or cannot load its xcb plugin, with a message that blames the
wrong library. This says in one line what is missing and how to run without a screen.

Standard library only: it runs before PySide6 is imported.
"""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
from pathlib import Path

OFFSCREEN_HINT = ("to run without a screen: QT_QPA_PLATFORM=offscreen factory-app ..., "
                  "or factory-app render FILE --png window.png")
#: Debian packages whose name does not follow the library's (libglib-2.0.so.0 -> libglib2.0-0)
_PACKAGE_NAMES = {"libglib-2.0.so.0": "libglib2.0-0", "libgthread-2.0.so.0": "libglib2.0-0"}


def package_of(library: str) -> str:
    """The Debian package of a shared library: libxcb-icccm.so.4 -> libxcb-icccm4,
    libxkbcommon-x11.so.0 -> libxkbcommon-x11-0."""
    if library in _PACKAGE_NAMES:
        return _PACKAGE_NAMES[library]
    stem, _, version = library.partition(".so.")
    return (stem + ("-" if stem[-1:].isdigit() else "") + version.split(".")[0]).lower()


def _x_server_reachable(display: str) -> bool:
    """A local X display (``:N``) answers on its socket; a remote one is left to Qt."""
    match = re.fullmatch(r"(?:unix)?:(\d+)(?:\.\d+)?", display)
    if not match:
        return True
    path = f"/tmp/.X11-unix/X{match.group(1)}"
    for address in ("\0" + path, path):  # Linux's abstract socket first, then the file
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as s:
            s.settimeout(1.0)
            try:
                s.connect(address)
                return True
            except OSError:
                continue
    return False


def _missing_xcb_libraries() -> list[str]:
    """Libraries Qt's xcb plugin needs and the system lacks (``ldd`` on the plugin)."""
    try:
        import importlib.util

        spec = importlib.util.find_spec("PySide6")
    except (ImportError, ValueError):
        return []
    if spec is None or not spec.origin:
        return []
    qt = Path(spec.origin).parent / "Qt"
    missing: list[str] = []
    for plugin in (qt / "plugins" / "platforms" / "libqxcb.so", qt / "lib" / "libQt6XcbQpa.so.6"):
        if not plugin.is_file():
            continue
        try:
            out = subprocess.run(["ldd", str(plugin)], capture_output=True, text=True, timeout=10).stdout
        except (OSError, subprocess.SubprocessError):
            return []
        for line in out.splitlines():
            if "not found" in line:
                lib = line.split()[0]
                if lib not in missing:
                    missing.append(lib)
    return missing


def display_problem(environ: dict[str, str] | None = None, platform: str = sys.platform) -> str | None:
    """One line saying why the window cannot be shown, or None when it can (or Qt will tell)."""
    env = os.environ if environ is None else environ
    if not platform.startswith("linux"):
        return None
    qpa = env.get("QT_QPA_PLATFORM", "")
    if qpa and not qpa.startswith(("xcb", "wayland")):
        return None  # offscreen, vnc, eglfs...: the user chose
    display, wayland = env.get("DISPLAY", ""), env.get("WAYLAND_DISPLAY", "")
    if not display and not wayland:
        return f"factory-app: no display found (neither DISPLAY nor WAYLAND_DISPLAY is set); {OFFSCREEN_HINT}"
    if qpa.startswith("wayland") or (wayland and not qpa):
        return None
    if not display:
        return f"factory-app: QT_QPA_PLATFORM={qpa} but DISPLAY is not set; {OFFSCREEN_HINT}"
    if not _x_server_reachable(display):
        return f"factory-app: no X server answers on DISPLAY={display}; {OFFSCREEN_HINT}"
    missing = _missing_xcb_libraries()
    if missing:
        packages = " ".join(dict.fromkeys(package_of(lib) for lib in missing))
        return (f"factory-app: Qt's xcb platform plugin needs libraries this system lacks ({', '.join(missing)}); "
                f"install them (Debian/Ubuntu, as root): apt-get install {packages}")
    return None
