# Python tools the tests run (moto, Schemathesis), each pinned in its own
# virtualenv under .tools/. Source it after common.sh.
# shellcheck shell=bash

# python_tool_version VENV DISTRIBUTION: prints the version installed in
# VENV, or nothing.
python_tool_version() {
  [ -x "$1/bin/python" ] || return 0
  "$1/bin/python" -c 'import importlib.metadata as m, sys; print(m.version(sys.argv[1]))' "$2" 2>/dev/null || true
}

# Prints a Python that can create a virtualenv with pip in it. Debian's own
# python3 leaves out ensurepip until python3-venv is installed.
python_for_venvs() {
  local py
  for py in "$(command -v python3 2>/dev/null)" /usr/bin/python3; do
    if [ -n "$py" ] && [ -x "$py" ] && "$py" -c 'import venv, ensurepip' 2>/dev/null; then
      printf '%s\n' "$py"
      return 0
    fi
  done
  say "installing Debian's python3-venv (for the test tools' virtualenvs)"
  as_root apt-get update -qq >&2
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-venv >/dev/null \
    || die "could not install python3-venv"
  printf '/usr/bin/python3\n'
}

# python_tool_install VENV DISTRIBUTION VERSION [EXTRAS]: installs
# DISTRIBUTION[EXTRAS]==VERSION into VENV unless that version is there.
# Callers say so first.
python_tool_install() {
  local venv="$1" distribution="$2" version="$3" extras="${4:-}" py
  [ "$(python_tool_version "$venv" "$distribution")" = "$version" ] && return 0
  py="$(python_for_venvs)"
  # A venv whose interpreter is gone (or was never finished) is made anew.
  if ! "$venv/bin/python" -c 'import pip' >/dev/null 2>&1; then
    rm -rf "$venv"
    mkdir -p "$(dirname "$venv")"
    "$py" -m venv "$venv" || die "could not create a virtualenv in $venv"
  fi
  "$venv/bin/python" -m pip install --quiet --disable-pip-version-check --no-input \
    "$distribution$extras==$version" || die "could not install $distribution$extras==$version"
  [ "$(python_tool_version "$venv" "$distribution")" = "$version" ] \
    || die "$distribution $version did not install into $venv"
}
