# DocProc: `make run` sets everything up and starts the app; `make test` sets
# everything up and runs the tests. Both install the Debian packages Qt needs when
# they are missing (as root, or through sudo), then a virtual environment in .venv.

VENV ?= .venv
PYTHON ?= python3
PY := $(VENV)/bin/python
# Qt's xcb and offscreen platforms, OpenGL/EGL, fonts; tesseract for OCR of scans.
DEB_PACKAGES := libegl1 libgl1 libxkbcommon0 libxkbcommon-x11-0 libxcb-cursor0 \
	libxcb-icccm4 libxcb-keysyms1 libxcb-shape0 libxcb-xinerama0 libxcb-randr0 \
	libxcb-render-util0 libxcb-image0 libfontconfig1 libdbus-1-3 libglib2.0-0 \
	fonts-dejavu-core tesseract-ocr tesseract-ocr-eng

.PHONY: run test setup system-deps lint bench screenshots clean

run: setup
	$(VENV)/bin/docproc-gui

test: setup
	$(VENV)/bin/ruff check docproc_gui tests benchmarks
	$(VENV)/bin/mypy
	QT_QPA_PLATFORM=offscreen $(PY) -m pytest

setup: system-deps $(VENV)/.installed

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[test]'
	touch $@

system-deps:
	@missing=$$(for p in $(DEB_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || echo $$p; done); \
	if [ -z "$$missing" ] || ! command -v apt-get >/dev/null; then exit 0; fi; \
	if [ "$$(id -u)" = 0 ]; then sudo=""; elif command -v sudo >/dev/null; then sudo=sudo; \
	else echo "Please install: $$missing"; exit 0; fi; \
	echo "Installing system packages: $$missing"; \
	$$sudo apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$sudo apt-get install -y -qq $$missing >/dev/null

lint: setup
	$(VENV)/bin/ruff check docproc_gui tests benchmarks
	$(VENV)/bin/ruff format --check docproc_gui
	$(VENV)/bin/mypy
	$(VENV)/bin/lint-imports

bench: setup
	$(PY) benchmarks/queue_throughput.py

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
