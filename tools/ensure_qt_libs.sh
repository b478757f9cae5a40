#!/bin/sh
# Qt's system libraries on Debian/Ubuntu: install them when run as root, otherwise print the exact
# apt-get line and fail. Usage: tools/ensure_qt_libs.sh [--xvfb]
set -eu
PKGS="libgl1 libegl1 libxkbcommon0 libfontconfig1 libglib2.0-0 libdbus-1-3 fonts-dejavu-core"
XVFB_PKGS="xvfb xauth libxcb-cursor0 libxcb-icccm4 libxcb-image0 libxcb-keysyms1 libxcb-render-util0 libxcb-shape0 libxkbcommon-x11-0"
LIBS="libGL.so.1 libEGL.so.1 libxkbcommon.so.0 libfontconfig.so.1 libglib-2.0.so.0 libdbus-1.so.3"
XVFB_LIBS="libxcb-cursor.so.0 libxcb-icccm.so.4 libxcb-image.so.0 libxcb-keysyms.so.1 libxcb-render-util.so.0 libxcb-shape.so.0 libxkbcommon-x11.so.0"

want_libs=$LIBS
want_pkgs=$PKGS
if [ "${1:-}" = "--xvfb" ]; then
  want_libs="$LIBS $XVFB_LIBS"
  want_pkgs="$PKGS $XVFB_PKGS"
fi

missing=""
for lib in $want_libs; do
  if ! /sbin/ldconfig -p 2>/dev/null | grep -q "$lib"; then missing="$missing $lib"; fi
done
[ -d /usr/share/fonts/truetype/dejavu ] || missing="$missing fonts-dejavu"
if [ "${1:-}" = "--xvfb" ] && ! command -v Xvfb >/dev/null 2>&1; then missing="$missing Xvfb"; fi
[ -z "$missing" ] && exit 0

if ! command -v apt-get >/dev/null 2>&1; then
  echo "Qt needs system libraries that are missing:$missing" >&2
  echo "Install your distribution's packages for them (Debian names: $want_pkgs)." >&2
  exit 1
fi
line="apt-get install -y --no-install-recommends $want_pkgs"
if [ "$(id -u)" = "0" ]; then
  echo "installing Qt system libraries (missing:$missing)"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >/dev/null
  $line >/dev/null
  exit 0
fi
echo "Qt needs system libraries that are missing:$missing" >&2
echo "Run as root:  $line" >&2
exit 1
