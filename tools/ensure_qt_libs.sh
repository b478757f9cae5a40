#!/bin/sh
# Qt's system libraries on Debian/Ubuntu: install them when run as root, otherwise print the exact
# apt-get line and fail.
#
#   tools/ensure_qt_libs.sh          what Qt needs offscreen (the tests, exports, render)
#   tools/ensure_qt_libs.sh --xcb    and every library Qt's xcb platform plugin needs (make run)
#   tools/ensure_qt_libs.sh --xvfb   the xcb set, Xvfb and xauth (make package / smoke)
#
# The xcb set is what `ldd` lists for PySide6's plugins/platforms/libqxcb.so and
# lib/libQt6XcbQpa.so.6 on Debian 12, less the C library: missing any one of them, Qt aborts with
# 'Could not load the Qt platform plugin "xcb"' (and names libxcb-cursor0 whichever is missing).
# When the project's .venv has PySide6, its xcb plugin is also checked with ldd, so a library a
# newer Qt needs is named too.
set -eu
PKGS="libgl1 libegl1 libxkbcommon0 libfontconfig1 libfreetype6 libglib2.0-0 libdbus-1-3 fonts-dejavu-core"
LIBS="libGL.so.1 libEGL.so.1 libxkbcommon.so.0 libfontconfig.so.1 libfreetype.so.6 libglib-2.0.so.0 libdbus-1.so.3"
XCB_PKGS="libx11-6 libx11-xcb1 libxcb1 libxcb-cursor0 libxcb-icccm4 libxcb-image0 libxcb-keysyms1 libxcb-randr0 \
libxcb-render0 libxcb-render-util0 libxcb-shape0 libxcb-shm0 libxcb-sync1 libxcb-util1 libxcb-xfixes0 libxcb-xkb1 \
libxkbcommon-x11-0"
XCB_LIBS="libX11.so.6 libX11-xcb.so.1 libxcb.so.1 libxcb-cursor.so.0 libxcb-icccm.so.4 libxcb-image.so.0 \
libxcb-keysyms.so.1 libxcb-randr.so.0 libxcb-render.so.0 libxcb-render-util.so.0 libxcb-shape.so.0 libxcb-shm.so.0 \
libxcb-sync.so.1 libxcb-util.so.1 libxcb-xfixes.so.0 libxcb-xkb.so.1 libxkbcommon-x11.so.0"
XVFB_PKGS="xvfb xauth"

mode="${1:-}"
want_libs=$LIBS
want_pkgs=$PKGS
case "$mode" in
  --xcb) want_libs="$LIBS $XCB_LIBS"; want_pkgs="$PKGS $XCB_PKGS" ;;
  --xvfb) want_libs="$LIBS $XCB_LIBS"; want_pkgs="$PKGS $XCB_PKGS $XVFB_PKGS" ;;
  "") ;;
  *) echo "usage: $0 [--xcb|--xvfb]" >&2; exit 2 ;;
esac

# A library name as Debian packages it: libxcb-icccm.so.4 -> libxcb-icccm4, libxkbcommon-x11.so.0 -> libxkbcommon-x11-0.
# GLib's libraries (libgthread-2.0.so.0, libgobject-..., libgio-..., libgmodule-...) all come in libglib2.0-0:
# the rule would name a package that does not exist, and apt-get then installs nothing at all.
package_of() {
  case "$1" in libglib-2.0.so.*|libgthread-2.0.so.*|libgobject-2.0.so.*|libgio-2.0.so.*|libgmodule-2.0.so.*)
    echo libglib2.0-0; return ;;
  esac
  stem=${1%%.so.*}
  version=${1##*.so.}
  case "$stem" in *[0-9]) stem="$stem-" ;; esac
  echo "$stem$version" | tr 'A-Z' 'a-z'
}

missing=""
guessed_pkgs=""  # packages named from a library the plugin lacks: installed one by one, so a wrong guess cannot stop the rest
for lib in $want_libs; do
  if ! /sbin/ldconfig -p 2>/dev/null | grep -q "$lib"; then missing="$missing $lib"; fi
done
if [ -n "$mode" ]; then
  # whatever the installed Qt's xcb plugin itself cannot find
  for plugin in .venv/lib/python3*/site-packages/PySide6/Qt/plugins/platforms/libqxcb.so \
                .venv/lib/python3*/site-packages/PySide6/Qt/lib/libQt6XcbQpa.so.6; do
    [ -f "$plugin" ] && command -v ldd >/dev/null 2>&1 || continue
    for lib in $(ldd "$plugin" 2>/dev/null | awk '/not found/ {print $1}'); do
      case " $missing " in *" $lib "*) ;; *) missing="$missing $lib"; guessed_pkgs="$guessed_pkgs $(package_of "$lib")" ;; esac
    done
  done
fi
[ -d /usr/share/fonts/truetype/dejavu ] || missing="$missing fonts-dejavu"
if [ "$mode" = "--xvfb" ] && ! command -v Xvfb >/dev/null 2>&1; then missing="$missing Xvfb"; fi
[ -z "$missing" ] && exit 0

if ! command -v apt-get >/dev/null 2>&1; then
  echo "Qt needs system libraries that are missing:$missing" >&2
  echo "Install your distribution's packages for them (Debian names: $want_pkgs)." >&2
  exit 1
fi
line="apt-get install -y --no-install-recommends $want_pkgs $guessed_pkgs"
if [ "$(id -u)" = "0" ]; then
  echo "installing Qt system libraries (missing:$missing)"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >/dev/null
  apt-get install -y --no-install-recommends $want_pkgs >/dev/null
  for pkg in $guessed_pkgs; do
    case " $want_pkgs " in *" $pkg "*) continue ;; esac
    apt-get install -y --no-install-recommends "$pkg" >/dev/null 2>&1 || echo "no Debian package '$pkg' (guessed from a library Qt's xcb plugin lacks): install the package that provides it" >&2
  done
  exit 0
fi
echo "Qt needs system libraries that are missing:$missing" >&2
echo "Run as root:  $line" >&2
exit 1
