# Quick start: `make run` opens the app, `make test` runs the whole suite offscreen.
# Both create .venv with the Python found as $(PYTHON) (3.11 or newer) when it is missing.

PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
# CI and tests never touch the user's display or settings
TEST_ENV := QT_QPA_PLATFORM=offscreen PYTHONDONTWRITEBYTECODE=1

.PHONY: run test bench calibrate qt-libs clean help package smoke icons build-tools xcb-libs run-libs screenshots

help:
	@echo "make run        create .venv if needed, install (and Qt's xcb libraries as root), launch the app"
	@echo "make test       create .venv if needed, install dev extras, run the whole suite offscreen"
	@echo "make bench      print the engine and app benchmark tables"
	@echo "make screenshots  render the main views at 1280x720 and 1920x1080 into $(SHOTS) for review"
	@echo "make calibrate  refit the engine's efficiency factors (writes docs/calibration.md)"
	@echo "make package    build the one-folder desktop bundle dist/factory-app/ (PyInstaller) and print its size"
	@echo "make smoke      start the built bundle offscreen: version, evaluate, CSV, chart export, window render"
	@echo "make icons      redraw packaging/factory-app.{png,ico,icns} from resources/icons/factory-app.svg"

$(PY):
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "factory-app needs Python 3.11 or newer; set PYTHON=...")'
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml | $(PY)
	$(PY) -m pip install --quiet -e .
	@touch $@

$(VENV)/.installed-dev: pyproject.toml | $(PY)
	$(PY) -m pip install --quiet -e '.[dev]'
	@touch $@ $(VENV)/.installed

qt-libs:
	@sh tools/ensure_qt_libs.sh

# the window needs the libraries of Qt's xcb platform plugin too (after the install: the script
# also checks the installed plugin with ldd)
run-libs: $(VENV)/.installed
	@sh tools/ensure_qt_libs.sh --xcb

run: $(VENV)/.installed run-libs
	$(VENV)/bin/factory-app $(ARGS)

# The views a release is reviewed by, offscreen, at two window sizes (not committed; the README
# screenshots are copied from here)
SHOTS ?= build/screenshots
screenshots: $(VENV)/.installed qt-libs
	$(TEST_ENV) $(PY) tools/screenshots.py --out $(SHOTS)

test: $(VENV)/.installed-dev qt-libs
	$(TEST_ENV) timeout 1800 $(PY) -m pytest -q

bench: $(VENV)/.installed-dev qt-libs
	$(TEST_ENV) $(PY) benchmarks/run_all.py

calibrate: $(VENV)/.installed
	$(VENV)/bin/factory-app calibrate

# The packaged app (issue 6): packaging/factory_app.spec, checked by packaging/smoke_test.py.
BUNDLE := dist/factory-app

build-tools:
	@sh packaging/ensure_build_tools.sh

# The xcb libraries the bundle carries must be on the build machine; Xvfb lets the smoke test start
# the bundle on a (virtual) X display too.
xcb-libs:
	@sh tools/ensure_qt_libs.sh --xvfb

package: $(VENV)/.installed-dev qt-libs xcb-libs build-tools
	$(VENV)/bin/pyinstaller --noconfirm --clean --log-level WARN --distpath dist --workpath build/pyinstaller packaging/factory_app.spec
	@echo "bundle: $(BUNDLE) ($$(du -sm $(BUNDLE) | cut -f1) MiB unpacked, $$(find $(BUNDLE) -type f | wc -l) files)"

smoke: qt-libs xcb-libs
	$(PYTHON) packaging/smoke_test.py --bundle $(BUNDLE)

icons: $(VENV)/.installed qt-libs
	$(TEST_ENV) $(PY) packaging/make_icons.py

clean:
	rm -rf $(VENV) build dist .pytest_cache
