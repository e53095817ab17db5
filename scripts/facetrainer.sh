#!/usr/bin/env bash
# FaceTrainer's one entry point for a fresh machine.
#   bash scripts/facetrainer.sh run [facetrainer options]   set up, then start the app
#   bash scripts/facetrainer.sh test [pytest options]       set up, then run the whole suite
# Set-up: a virtual environment in .venv (Python 3.11), the package with its test extras,
# and on Debian/Ubuntu the system libraries a Qt window needs when they are missing.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)
VENV="${FACETRAINER_VENV:-$ROOT/.venv}"
mode="${1:-run}"; shift || true

say() { printf '\033[1mfacetrainer:\033[0m %s\n' "$*" >&2; }

as_root() { if [ "$(id -u)" = 0 ]; then "$@"; elif command -v sudo >/dev/null; then sudo "$@"; else return 1; fi; }

apt_install() {  # apt_install PKG... : install Debian packages that are missing
  command -v apt-get >/dev/null || { say "not Debian-like: install $* yourself if the window fails"; return 0; }
  local missing=()
  for p in "$@"; do dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p"); done
  [ ${#missing[@]} -eq 0 ] && return 0
  say "installing system packages: ${missing[*]}"
  as_root env DEBIAN_FRONTEND=noninteractive apt-get update -qq >/dev/null || true
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null \
    || say "could not install ${missing[*]} (no root?): install them with your package manager"
}

find_python() {
  for c in python3.11 python3 python; do
    if command -v "$c" >/dev/null && "$c" -c 'import sys; sys.exit(sys.version_info[:2] != (3, 11))'; then
      echo "$c"; return 0; fi
  done
  return 1
}

setup() {
  # Libraries Qt's xcb/offscreen platforms and OpenCV load at run time.
  apt_install libgl1 libegl1 libxkbcommon0 libxkbcommon-x11-0 libfontconfig1 libdbus-1-3 \
    libglib2.0-0 libxcb-cursor0 libxcb-icccm4 libxcb-keysyms1 libxcb-shape0 libxcb-xinerama0 \
    libxcb-randr0 libxcb-render-util0 libxcb-image0 libsm6 libice6
  local py; py=$(find_python) || { say "Python 3.11 is required (found: $(python3 --version 2>&1))"; exit 1; }
  if [ ! -x "$VENV/bin/python" ]; then
    say "creating the virtual environment in $VENV"
    "$py" -m venv "$VENV"
  fi
  local stamp="$VENV/.facetrainer-installed"
  if [ ! -f "$stamp" ] || [ pyproject.toml -nt "$stamp" ]; then
    say "installing FaceTrainer and its dependencies"
    "$VENV/bin/python" -m pip install -q --upgrade pip
    "$VENV/bin/python" -m pip install -q -e ".[test]"
    touch "$stamp"
  fi
}

case "$mode" in
  run)
    setup
    if [ -z "${DISPLAY:-}" ] && [ -z "${WAYLAND_DISPLAY:-}" ] && [ "$(uname)" = Linux ]; then
      say "no display found: running offscreen (use --screenshot PATH to see the window)"
      export QT_QPA_PLATFORM=offscreen
    fi
    exec "$VENV/bin/facetrainer" "$@"
    ;;
  test)
    setup
    if [ -f scripts/postgres-for-tests.sh ]; then
      # shellcheck disable=SC1091
      source scripts/postgres-for-tests.sh
    fi
    export QT_QPA_PLATFORM=offscreen
    say "ruff"; "$VENV/bin/ruff" check src tests benchmarks
    say "mypy (core)"; "$VENV/bin/mypy"
    say "import-linter (layers, headless core)"; PYTHONPATH="$ROOT/src" "$VENV/bin/lint-imports"
    say "pytest"
    set +e
    "$VENV/bin/python" -m pytest "$@"
    rc=$?
    set -e
    if [ $rc -eq 5 ]; then say "pytest collected no test: failing"; exit 1; fi
    exit $rc
    ;;
  *)
    echo "usage: bash scripts/facetrainer.sh run|test [options]" >&2; exit 2;;
esac
