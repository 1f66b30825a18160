#!/bin/sh
# Checks that the tools this project needs are here and prints their versions.
set -e
if ! command -v python3 >/dev/null 2>&1; then
  echo "python3 is missing: install Python 3.8 or newer." >&2
  exit 1
fi
if ! python3 -c 'import sys; sys.exit(0 if sys.version_info >= (3, 8) else 1)'; then
  echo "$(python3 --version) is too old: the app needs 3.8 or newer." >&2
  exit 1
fi
python3 --version
if command -v git >/dev/null 2>&1; then
  git --version
else
  echo "git is missing (only needed for the history)."
fi
echo "Tests: python3 -m unittest discover -s tests -v"
echo "App:   python3 main.py, then open http://localhost:8000"
