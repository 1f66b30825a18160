# A private PostgreSQL cluster in a folder: created on first use, started on a
# free loopback port, reachable only from this machine with a generated
# password. Source it after common.sh.
# shellcheck shell=bash

# The cluster lives in $1/cluster (owned by the postgres user when we run as
# root, because PostgreSQL refuses to run as root); the password and the port
# sit beside it. When the postgres user cannot reach $1 (a checkout under
# /root, mode 700), the cluster lives under its own home instead, and
# $1/cluster-path says where.
pg_cluster_dir() {
  if [ -f "$1/cluster-path" ]; then cat "$1/cluster-path"; else printf '%s/cluster' "$1"; fi
}

# A folder of the postgres user's for HOME's cluster, named after HOME's path.
pg_outside_cluster_dir() {
  local home_path
  home_path="$(cd "$1" && pwd -P)"
  printf '%s/agents-platform/%s/cluster' "$(getent passwd postgres | cut -d: -f6)" \
    "$(printf '%s' "$home_path" | sha256sum | cut -c1-16)"
}

# Runs a PostgreSQL binary as the cluster's owner.
pg_run() {
  if is_root; then runuser -u postgres -- "$@"; else "$@"; fi
}

pg_require_binaries() {
  if [ ! -x "$PG_BIN/initdb" ]; then
    say "installing PostgreSQL 15 server binaries"
    as_root apt-get install -y postgresql-15 >/dev/null || die "could not install postgresql-15"
  fi
}

# pg_init HOME: creates the cluster under HOME unless it exists.
pg_init() {
  local home="$1" cluster
  cluster="$(pg_cluster_dir "$home")"
  [ -f "$cluster/PG_VERSION" ] && return 0
  pg_require_binaries
  say "creating a private PostgreSQL cluster in $cluster"
  mkdir -p "$home"
  chmod 700 "$home"
  local password pwfile
  password="$(head -c 32 /dev/urandom | base64 | tr -dc 'A-Za-z0-9' | head -c 32)"
  (umask 077 && printf '%s' "$password" >"$home/password")
  pwfile="$(mktemp)"
  printf '%s\n' "$password" >"$pwfile"
  mkdir -p "$cluster"
  if is_root; then
    # The postgres user must be able to reach the folder and read the password once.
    chown postgres: "$cluster" "$pwfile"
    chmod 711 "$home"
    if ! runuser -u postgres -- test -w "$cluster"; then
      # A parent folder is closed to it: keep the cluster in its own home.
      rmdir "$cluster"
      cluster="$(pg_outside_cluster_dir "$home")"
      runuser -u postgres -- mkdir -p "$cluster" \
        || die "the postgres user can write neither to $home nor to $cluster; set DATABASE_URL"
      printf '%s' "$cluster" >"$home/cluster-path"
      say "the postgres user cannot reach $home; the cluster lives in $cluster instead"
    fi
  fi
  pg_run "$PG_BIN/initdb" -D "$cluster" -U app --pwfile="$pwfile" \
    --auth-local=scram-sha-256 --auth-host=scram-sha-256 -E UTF8 --locale=C.UTF-8 >"$home/initdb.log" 2>&1 \
    || { rm -f "$pwfile"; cat "$home/initdb.log" >&2; die "initdb failed"; }
  rm -f "$pwfile"
}

# pg_start HOME [PORT]: starts the cluster if it is not running and prints the
# port it listens on. Reuses the last port when it is still free.
pg_start() {
  local home="$1" wanted="${2:-}" cluster port
  cluster="$(pg_cluster_dir "$home")"
  if pg_run "$PG_BIN/pg_ctl" -D "$cluster" status >/dev/null 2>&1; then
    sed -n 4p "$cluster/postmaster.pid"
    return 0
  fi
  port="$wanted"
  if [ -z "$port" ] && [ -f "$home/port" ] && port_is_free "$(cat "$home/port")"; then
    port="$(cat "$home/port")"
  fi
  [ -n "$port" ] || port="$(free_port)"
  printf '%s' "$port" >"$home/port"
  # Loopback only; no Unix socket (its path would depend on the checkout's length).
  pg_run "$PG_BIN/pg_ctl" -D "$cluster" -l "$cluster/server.log" -w -t 60 \
    -o "-p $port -c listen_addresses=127.0.0.1 -c unix_socket_directories=''" start >/dev/null \
    || { tail -n 20 "$cluster/server.log" >&2; die "PostgreSQL did not start (log: $cluster/server.log)"; }
  printf '%s\n' "$port"
}

pg_stop() {
  local cluster
  cluster="$(pg_cluster_dir "$1")"
  if [ -f "$cluster/postmaster.pid" ]; then
    pg_run "$PG_BIN/pg_ctl" -D "$cluster" -m fast -w stop >/dev/null 2>&1 || true
  fi
}

# pg_url HOME PORT DATABASE: the connection URL for the app role.
pg_url() {
  printf 'postgres://app:%s@127.0.0.1:%s/%s' "$(cat "$1/password")" "$2" "$3"
}

# pg_ensure_database HOME PORT DATABASE: creates DATABASE unless it exists.
pg_ensure_database() {
  local admin
  admin="$(pg_url "$1" "$2" postgres)"
  if [ "$("$PG_BIN/psql" "$admin" -tAc "SELECT 1 FROM pg_database WHERE datname = '$3'")" != "1" ]; then
    "$PG_BIN/psql" "$admin" -qc "CREATE DATABASE \"$3\"" || die "could not create database $3"
  fi
}

# Starts the embedded cluster in $1 (creating it the first time) with an
# `agents_platform` database, and exports DATABASE_URL pointing at it.
# scripts/dev and scripts/serve use it when no DATABASE_URL is set.
pg_start_embedded() {
  local home="$1" port
  pg_init "$home"
  port="$(pg_start "$home")"
  pg_ensure_database "$home" "$port" agents_platform
  DATABASE_URL="$(pg_url "$home" "$port" agents_platform)"
  export DATABASE_URL
  say "embedded PostgreSQL is listening on 127.0.0.1:$port (data in $home)"
}
