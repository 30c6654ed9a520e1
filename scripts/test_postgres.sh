#!/usr/bin/env bash
# A throwaway PostgreSQL server for the database tests (tests/test_postgres.py), started by
# `make postgres` (a dependency of `make test`).
#
#   - As root with no PostgreSQL binaries: installs Debian's `postgresql` package.
#   - Initializes a cluster in .pgdata/ (gitignored) once; as root the cluster is owned by
#     the `postgres` user (initdb refuses root), otherwise by the calling user.
#   - Starts it on 127.0.0.1:$PGPORT (default 54329) unless it is already running.
#   - Creates role and database rv_test (password auth over TCP) and writes the test
#     connection URL to .pgdata/url; the Makefile hands it to pytest as REAL_VALIDATOR_TEST_PG.
#
# Idempotent: a running server is reused. `scripts/test_postgres.sh stop` stops it.
set -euo pipefail
cd "$(dirname "$0")/.."

PGPORT="${PGPORT:-54329}"
DATA="$PWD/.pgdata"
CLUSTER="$DATA/cluster"
SOCK="$DATA/run"
ROLE=rv_test
PASSWORD=rv_test_only_password
URL="postgresql://$ROLE:$PASSWORD@127.0.0.1:$PGPORT/$ROLE"

find_bin() {
  local d
  d="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)"
  if [ -n "$d" ] && [ -x "$d/pg_ctl" ]; then echo "$d"; return; fi
  if command -v pg_ctl >/dev/null 2>&1; then dirname "$(command -v pg_ctl)"; fi
}

PGBIN="$(find_bin)"
if [ -z "$PGBIN" ]; then
  if [ "$(id -u)" = 0 ]; then
    echo "postgres: PostgreSQL binaries missing; installing Debian's postgresql:"
    echo "  apt-get update && apt-get install -y --no-install-recommends postgresql"
    apt-get update -q
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends postgresql
    PGBIN="$(find_bin)"
  else
    echo "postgres: PostgreSQL binaries missing and not root: the database tests will be" \
         "skipped (as root: apt-get install -y --no-install-recommends postgresql)"
    exit 0
  fi
fi

if [ "$(id -u)" = 0 ]; then
  id postgres >/dev/null 2>&1 || useradd --system --home-dir /var/lib/postgresql \
    --shell /bin/bash postgres
  as_owner() { (cd / && runuser -u postgres -- "$@"); }  # every path here is absolute
  OWNER=postgres
else
  as_owner() { "$@"; }
  OWNER="$(id -un)"
fi

# The cluster lives in .pgdata/ unless the postgres user cannot reach it (a clone under a
# private home such as /root): then in /var/tmp, one folder per clone.
mkdir -p "$DATA"
if [ "$OWNER" = postgres ] && ! runuser -u postgres -- test -x "$DATA"; then
  ALT="/var/tmp/real-validator-pg-$(printf '%s' "$PWD" | md5sum | cut -c1-12)"
  mkdir -p "$ALT"
  CLUSTER="$ALT/cluster"
  SOCK="$ALT/run"
fi

if [ "${1:-}" = stop ]; then
  if [ -f "$CLUSTER/postmaster.pid" ]; then as_owner "$PGBIN/pg_ctl" -D "$CLUSTER" -m fast stop; fi
  exit 0
fi

if [ ! -f "$CLUSTER/PG_VERSION" ]; then
  rm -rf "$CLUSTER" "$SOCK"
  mkdir -p "$CLUSTER" "$SOCK"
  [ "$OWNER" = postgres ] && chown postgres: "$CLUSTER" "$SOCK"
  chmod 700 "$CLUSTER"
  as_owner "$PGBIN/initdb" -D "$CLUSTER" -U postgres --auth-local=trust \
    --auth-host=scram-sha-256 -E UTF8 --locale=C.UTF-8 >/dev/null
  {
    echo "listen_addresses = '127.0.0.1'"
    echo "port = $PGPORT"
    echo "unix_socket_directories = '$SOCK'"
    echo "fsync = off"
    echo "synchronous_commit = off"
    echo "full_page_writes = off"
  } | as_owner tee -a "$CLUSTER/postgresql.conf" >/dev/null
  echo "postgres: initialized a test cluster in $CLUSTER"
fi

if as_owner "$PGBIN/pg_ctl" -D "$CLUSTER" status >/dev/null 2>&1; then
  echo "postgres: test server already running on 127.0.0.1:$PGPORT"
else
  as_owner "$PGBIN/pg_ctl" -D "$CLUSTER" -l "$CLUSTER/server.log" -w -t 60 start >/dev/null
  echo "postgres: started a test server on 127.0.0.1:$PGPORT ($PGBIN)"
fi

psql_super() { as_owner "$PGBIN/psql" -h "$SOCK" -p "$PGPORT" -U postgres -v ON_ERROR_STOP=1 -qAt "$@"; }
if [ "$(psql_super -d postgres -c "SELECT 1 FROM pg_roles WHERE rolname = '$ROLE'")" != 1 ]; then
  psql_super -d postgres -c "CREATE ROLE $ROLE LOGIN PASSWORD '$PASSWORD'"
fi
if [ "$(psql_super -d postgres -c "SELECT 1 FROM pg_database WHERE datname = '$ROLE'")" != 1 ]; then
  psql_super -d postgres -c "CREATE DATABASE $ROLE OWNER $ROLE"
fi
echo "$URL" > "$DATA/url"
echo "postgres: tests connect with REAL_VALIDATOR_TEST_PG (URL in .pgdata/url)"
