#!/bin/sh
# PyInstaller on Linux needs binutils (objdump to classify binaries, strip for the Python runtime)
# besides ldd. Install binutils when run as root on Debian/Ubuntu, otherwise say what to install.
set -eu
[ "$(uname -s)" = "Linux" ] || exit 0
missing=""
for tool in objdump strip ldd; do
  command -v "$tool" >/dev/null 2>&1 || missing="$missing $tool"
done
[ -z "$missing" ] && exit 0
if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
  echo "installing binutils for PyInstaller (missing:$missing)"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >/dev/null
  apt-get install -y --no-install-recommends binutils libc-bin >/dev/null
  exit 0
fi
echo "building the bundle needs:$missing (Debian: apt-get install binutils)" >&2
exit 1
