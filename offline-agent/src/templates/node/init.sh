#!/bin/sh
# Checks that the tools this project needs are here and prints their versions.
set -e
if ! command -v node >/dev/null 2>&1; then
  echo "node is missing: install Node.js 18 or newer." >&2
  exit 1
fi
# node --test arrived in Node.js 18.
if ! node -e 'process.exit(Number(process.versions.node.split(".")[0]) >= 18 ? 0 : 1)'; then
  echo "Node.js $(node --version) is too old: the tests need 18 or newer." >&2
  exit 1
fi
echo "node $(node --version)"
if command -v git >/dev/null 2>&1; then
  git --version
else
  echo "git is missing (only needed for the history)."
fi
echo "Tests: node --test"
echo "App:   node server.js, then open http://localhost:3000"
