# A real S3-compatible server for the tests: moto's server from PyPI, in its
# own virtualenv under .tools/, started on a free loopback port. Source it
# after common.sh and python_tools.sh.
# shellcheck shell=bash

MOTO_VERSION="5.2.5"
S3_VENV="$ROOT/.tools/moto"

# Prints the installed moto version, or nothing.
s3_installed_version() {
  python_tool_version "$S3_VENV" moto
}

# Installs moto[server] at the pinned version unless it is already there
# (about a minute from nothing). Callers say so first.
s3_install() {
  python_tool_install "$S3_VENV" moto "$MOTO_VERSION" "[server]"
}

# s3_start DIR PORT: starts moto's server on 127.0.0.1:PORT in the background,
# its log and pid in DIR, and waits until it answers.
s3_start() {
  local dir="$1" port="$2" pid tries=0
  [ -x "$S3_VENV/bin/moto_server" ] || die "moto is not installed; run scripts/setup"
  mkdir -p "$dir"
  "$S3_VENV/bin/moto_server" -H 127.0.0.1 -p "$port" >"$dir/moto.log" 2>&1 </dev/null &
  pid=$!
  printf '%s\n' "$pid" >"$dir/moto.pid"
  # Not wait_for_http: a server that exits at once (port taken) should fail
  # now, not after the timeout. /moto-api/ is moto's own page: unsigned, and
  # no S3 action.
  until curl -fsS -o /dev/null --max-time 2 "http://127.0.0.1:$port/moto-api/" 2>/dev/null; do
    if ! s3_running "$pid" || [ "$tries" -ge 150 ]; then
      tail -n 20 "$dir/moto.log" >&2
      s3_stop "$dir"
      die "moto's S3 server did not start on 127.0.0.1:$port (log: $dir/moto.log)"
    fi
    sleep 0.2
    tries=$((tries + 1))
  done
}

# Whether PID runs (a child that exited but was not reaped yet does not).
s3_running() {
  kill -0 "$1" 2>/dev/null && ! grep -qs '^State:[[:space:]]*Z' "/proc/$1/status"
}

# s3_stop DIR: stops the server started with DIR, if it still runs.
s3_stop() {
  local pidfile="$1/moto.pid" pid tries=0
  [ -f "$pidfile" ] || return 0
  pid="$(cat "$pidfile")"
  if [ -n "$pid" ] && s3_running "$pid"; then
    kill -TERM "$pid" 2>/dev/null || true
    # Not our child when another shell started it, so poll rather than only
    # `wait`; up to 10 seconds, then it is killed.
    while s3_running "$pid" && [ "$tries" -lt 50 ]; do
      sleep 0.2
      tries=$((tries + 1))
    done
    kill -KILL "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
  fi
  rm -f "$pidfile"
}
