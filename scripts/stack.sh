#!/usr/bin/env bash
# stack.sh: the local Kafka broker and PostgreSQL server that tests and `make run` use.
# An idempotent wrapper around the kit in stack/ (kafka-it.sh, pg-it.sh): it reuses servers that are
# already running and only starts what is missing.
#
# Usage: bash scripts/stack.sh up|down|status|wait|env|reset-db
#   up        Kafka: reuse the broker of the kit's run dir when it answers (kafka-it.sh status), else
#             fetch its jars with Maven (first time only) and start it. PostgreSQL: reuse when it
#             answers, else start it (pg-it.sh installs PostgreSQL from Debian when absent), with
#             PG_IT_FAST=1. Then make sure the role `investigator` (password `local-kg-secret`) and its
#             database `thoth` exist, and load db/schema.sql into `thoth` unless
#             python_package_version already exists. Fails with a clear message when a port is held
#             by another program or the Maven download fails. Fast no-op when all is in place.
#   down [kafka|postgres]...   stop both (or the named ones); only the servers of these run dirs.
#   status    print both statuses (and the thoth database's); exit 1 when a server is down.
#   wait      wait up to STACK_WAIT_TIMEOUT (120) s until both answer (e.g. while another `up` runs).
#   env       print `export X=...` lines for tests and the service: KAFKA_BOOTSTRAP_SERVERS,
#             KNOWLEDGE_GRAPH_{HOST,PORT,USER,PASSWORD,DATABASE}, THOTH_TEST_PG_ADMIN_URL and
#             THOTH_TEST_KAFKA_SASL_{BROKERS,USER,PASSWORD}, THOTH_TEST_KAFKA_SSL_BROKERS (SASL_SSL),
#             THOTH_TEST_KAFKA_MTLS_BROKERS (SSL with a client certificate), THOTH_TEST_KAFKA_TLS_DIR.
#             Usage: eval "$(bash scripts/stack.sh env)"
#   reset-db  drop the thoth database and create it again from db/schema.sql (after a schema change).
#
# Run dirs: the kit's defaults, stack/.run (Kafka) and stack/.run-pg (PostgreSQL), so servers started
# with the kit by hand are recognised. KAFKA_IT_DIR / PG_IT_DIR override them (e.g. to reuse the
# servers of another checkout). As root, PostgreSQL runs as the `postgres` OS user, which must be
# able to reach the run dir; when the checkout is somewhere it cannot (e.g. under a 0700 /root),
# the run dir becomes /tmp/investigator-pg-<hash of the checkout path> instead.
# Other kit variables (KAFKA_IT_PORT, PG_IT_PORT, ...) pass through; see the headers in stack/.
#
# Environment: STACK_UP_REPORT=<file>: `up` appends "kafka" / "postgres" to it for each server it
# started itself (scripts/test.sh uses this to stop only those). STACK_WAIT_TIMEOUT=120.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
STACK="$ROOT/stack"
KG_USER=investigator
KG_PASSWORD=local-kg-secret  # not a substring of names the logs print: the log redactor masks it everywhere
KG_DB=thoth
PG_ADMIN_PASSWORD="${PG_IT_PASSWORD:-test}"
SCHEMA="$ROOT/db/schema.sql"

die() { echo "stack: $*" >&2; exit 1; }
say() { echo "stack: $*" >&2; }
# The kit's scripts leave servers running in the background: they must not inherit the lock's fd 9,
# or the lock stays held for as long as the servers live.
kafka_it() { bash "$STACK/kafka-it.sh" "$@" 9>&-; }
pg_it() { bash "$STACK/pg-it.sh" "$@" 9>&-; }
# Starts run in a session of their own, so the servers do not share the caller's process group:
# a Ctrl-C in the terminal (e.g. stopping `make run`) must not reach the broker too.
kafka_it_detached() { setsid -w bash "$STACK/kafka-it.sh" "$@" 9>&-; }
pg_it_detached() { setsid -w bash "$STACK/pg-it.sh" "$@" 9>&-; }

port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# port_owner PORT: who listens on PORT, and the run dir to pass to reuse it when it is one of the kit's.
port_owner() {
  local line pid cmd
  line="$(ss -ltnpH "sport = :$1" 2>/dev/null | head -n 1 || true)"
  pid="$(grep -o 'pid=[0-9]*' <<<"$line" | head -n 1 | cut -d= -f2 || true)"
  [ -n "$pid" ] || { echo "an unknown process"; return 0; }
  cmd="$(tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null || true)"
  if [[ "$cmd" =~ kafka\.Kafka\ ([^ ]+)/server\.properties ]]; then
    echo "the Kafka broker of run dir ${BASH_REMATCH[1]} (pid $pid); to reuse it: KAFKA_IT_DIR=${BASH_REMATCH[1]}"
  elif [[ "$cmd" =~ postgres\ -D\ ([^ ]+)/data ]]; then
    echo "the PostgreSQL of run dir ${BASH_REMATCH[1]} (pid $pid); to reuse it: PG_IT_DIR=${BASH_REMATCH[1]}"
  else
    echo "pid $pid: ${cmd:0:120}"
  fi
}

report() { if [ -n "${STACK_UP_REPORT:-}" ]; then echo "$1" >>"$STACK_UP_REPORT"; fi; }

# ---------------------------------------------------------------------------------------------------
# Kafka

kafka_dir() { echo "${KAFKA_IT_DIR:-$STACK/.run}"; }

# kafka_state VAR DEFAULT: a value from the running broker's kafka-it.env, else DEFAULT.
kafka_state() {
  local f; f="$(kafka_dir)/kafka-it.env"
  # shellcheck disable=SC1090
  if [ -f "$f" ]; then (. "$f"; eval "echo \"\${$1:-$2}\""); else echo "$2"; fi
}

# kafka_alive: the run dir's broker process exists (it may still be starting).
kafka_alive() {
  local p; p="$(cat "$(kafka_dir)/kafka.pid" 2>/dev/null || true)"
  [ -n "$p" ] && kill -0 "$p" 2>/dev/null && grep -qF kafka.Kafka "/proc/$p/cmdline" 2>/dev/null
}

kafka_up() {
  if kafka_it status >/dev/null 2>&1; then
    # A broker started by an older kit has no SASL_SSL / mTLS listener (the TLS tests need them).
    [ -n "$(kafka_state MTLS_PORT '')" ] || die "kafka: the running broker of $(kafka_dir) has no TLS listeners \
(started by an older stack/kafka-it.sh); restart it: bash scripts/stack.sh down kafka && bash scripts/stack.sh up"
    say "kafka: reusing the running broker ($(kafka_dir))"
    return 0
  fi
  if kafka_alive; then
    say "kafka: broker process exists but does not answer yet; waiting"
    kafka_it wait >&2 || die "kafka: the broker of $(kafka_dir) is running but not ready (logs: $(kafka_dir)/logs)"
    return 0
  fi
  kafka_it deps >&2 || die "kafka: fetching the broker's jars with Maven failed (is Maven Central reachable? \
a proxy goes in ~/.m2/settings.xml; extra Maven flags in KAFKA_IT_MVN_ARGS)"
  local p
  for p in "${KAFKA_IT_PORT:-9092}" "${KAFKA_IT_CONTROLLER_PORT:-9093}" "${KAFKA_IT_SASL_PORT:-9094}" "${KAFKA_IT_SSL_PORT:-9095}" "${KAFKA_IT_MTLS_PORT:-9096}"; do
    port_open "$p" && die "kafka: port $p on 127.0.0.1 is taken by $(port_owner "$p")"
  done
  say "kafka: starting the broker ($(kafka_dir))"
  kafka_it_detached start >&2 || die "kafka: the broker did not start (logs: $(kafka_dir)/logs)"
  report kafka
}

# ---------------------------------------------------------------------------------------------------
# PostgreSQL

# As root, pg-it.sh runs the server as PG_IT_USER (postgres). If that user cannot reach stack/, use a
# run dir under /tmp, named after this checkout so every call here finds the same one.
pg_pick_dir() {
  [ -z "${PG_IT_DIR:-}" ] && [ "$(id -u)" = 0 ] || return 0
  local user="${PG_IT_USER:-postgres}"
  id "$user" >/dev/null 2>&1 || return 0   # no such user yet: `up` installs PostgreSQL first
  if ! runuser -u "$user" -- test -x "$STACK" 2>/dev/null; then
    PG_IT_DIR="/tmp/investigator-pg-$(printf '%s' "$ROOT" | sha256sum | cut -c1-12)"
    export PG_IT_DIR
  fi
}

pg_dir() { echo "${PG_IT_DIR:-$STACK/.run-pg}"; }

pg_port() {
  local f; f="$(pg_dir)/pg-it.env"
  # shellcheck disable=SC1090
  if [ -f "$f" ]; then (. "$f"; echo "${PORT:-55432}"); else echo "${PG_IT_PORT:-55432}"; fi
}

pg_alive() {
  local p; p="$(head -n 1 "$(pg_dir)/data/postmaster.pid" 2>/dev/null || true)"
  [ -n "$p" ] && kill -0 "$p" 2>/dev/null && [ "$(cat "/proc/$p/comm" 2>/dev/null)" = postgres ]
}

PSQL=""
find_psql() {
  local d
  if [ -n "${PG_IT_BIN:-}" ] && [ -x "$PG_IT_BIN/psql" ]; then PSQL="$PG_IT_BIN/psql"; return 0; fi
  d="$(printf '%s\n' /usr/lib/postgresql/*/bin | grep -v '\*' | sort -V | tail -n 1)"
  if [ -n "$d" ] && [ -x "$d/psql" ]; then PSQL="$d/psql"; else PSQL="$(command -v psql || true)"; fi
  [ -n "$PSQL" ] || die "postgres: psql not found"
}

# psql_as USER PASSWORD DB ARGS...: one psql call over TCP, stopping at the first error.
psql_as() {
  local user="$1" password="$2" db="$3"; shift 3
  PGPASSWORD="$password" PGCONNECT_TIMEOUT=5 "$PSQL" -X -q -w -v ON_ERROR_STOP=1 \
    -h 127.0.0.1 -p "$(pg_port)" -U "$user" -d "$db" "$@"
}
admin_sql() { psql_as postgres "$PG_ADMIN_PASSWORD" postgres -tA -c "$1"; }
kg_sql() { psql_as "$KG_USER" "$KG_PASSWORD" "$KG_DB" -tA -c "$1"; }

pg_up() {
  if [ "$(id -u)" = 0 ] && ! id "${PG_IT_USER:-postgres}" >/dev/null 2>&1; then
    pg_it install >&2 || die "postgres: installing PostgreSQL failed"
  fi
  pg_pick_dir
  if pg_it status >/dev/null 2>&1; then
    say "postgres: reusing the running server ($(pg_dir))"
  elif pg_alive; then
    say "postgres: server process exists but does not answer yet; waiting"
    pg_it wait >&2 || die "postgres: the server of $(pg_dir) is running but not ready (logs: $(pg_dir)/logs)"
  else
    local p="${PG_IT_PORT:-55432}"
    port_open "$p" && die "postgres: port $p on 127.0.0.1 is taken by $(port_owner "$p")"
    say "postgres: starting the server ($(pg_dir))"
    PG_IT_FAST="${PG_IT_FAST:-1}" pg_it_detached start >&2 || die "postgres: the server did not start (logs: $(pg_dir)/logs)"
    report postgres
  fi
  kg_setup
}

schema_sum() { sha256sum "$SCHEMA" | cut -c1-64; }

# kg_setup: role, database and schema of the knowledge graph. The database's comment records the
# checksum of the schema.sql that was loaded, so a later change is noticed.
kg_setup() {
  find_psql
  local role db
  read -r role db < <(admin_sql "select exists(select 1 from pg_roles where rolname = '$KG_USER'),
    exists(select 1 from pg_database where datname = '$KG_DB')" | tr '|' ' ') ||
    die "postgres: cannot query the server as postgres (password PG_IT_PASSWORD)"
  if [ "$role" != t ]; then
    say "postgres: creating role $KG_USER"
    admin_sql "create role $KG_USER login password '$KG_PASSWORD'" >/dev/null
  else
    admin_sql "alter role $KG_USER login password '$KG_PASSWORD'" >/dev/null
  fi
  if [ "$db" != t ]; then
    say "postgres: creating database $KG_DB"
    admin_sql "create database $KG_DB owner $KG_USER" >/dev/null
  fi
  if [ ! -f "$SCHEMA" ]; then
    say "postgres: db/schema.sql not found; database $KG_DB left without a schema"
    return 0
  fi
  if [ "$(kg_sql "select to_regclass('public.python_package_version') is not null")" = t ]; then
    local loaded
    loaded="$(kg_sql "select shobj_description(oid, 'pg_database') from pg_database where datname = '$KG_DB'")"
    if [ "$loaded" != "schema.sql sha256 $(schema_sum)" ]; then
      say "postgres: WARNING db/schema.sql changed since it was loaded into $KG_DB; reload with: bash scripts/stack.sh reset-db"
    fi
    return 0
  fi
  say "postgres: loading db/schema.sql into $KG_DB"
  psql_as "$KG_USER" "$KG_PASSWORD" "$KG_DB" --single-transaction -f "$SCHEMA" >/dev/null ||
    die "postgres: loading db/schema.sql into $KG_DB failed"
  kg_sql "comment on database $KG_DB is 'schema.sql sha256 $(schema_sum)'" >/dev/null
}

kg_status() {
  find_psql
  local s
  if ! s="$(kg_sql "select to_regclass('public.python_package_version') is not null" 2>/dev/null)"; then
    echo "stack: database $KG_DB: missing or $KG_USER cannot log in (run: bash scripts/stack.sh up)"
  elif [ "$s" = t ]; then
    echo "stack: database $KG_DB: schema loaded"
  else
    echo "stack: database $KG_DB: no schema (db/schema.sql absent or not loaded)"
  fi
}

# ---------------------------------------------------------------------------------------------------
# subcommands

# Serialise up/down/reset-db of this checkout (several people and test runs share one tree).
lock() {
  mkdir -p "$ROOT/.run"
  exec 9>"$ROOT/.run/stack.lock"
  flock -w 600 9 || die "another stack.sh up/down has held $ROOT/.run/stack.lock for 10 minutes"
}

cmd_up() { lock; kafka_up; pg_up; }

cmd_down() {
  lock
  local what=("$@")
  ((${#what[@]})) || what=(kafka postgres)
  local w
  for w in "${what[@]}"; do
    case "$w" in
      kafka) kafka_it stop ;;
      postgres) pg_pick_dir; pg_it stop ;;
      *) die "down: unknown server '$w' (kafka|postgres)" ;;
    esac
  done
}

cmd_status() {
  local rc=0
  kafka_it status || rc=1
  pg_pick_dir
  if pg_it status; then kg_status; else rc=1; fi
  return "$rc"
}

cmd_wait() {
  local deadline=$((SECONDS + ${STACK_WAIT_TIMEOUT:-120}))
  pg_pick_dir
  until kafka_it status >/dev/null 2>&1 && pg_it status >/dev/null 2>&1; do
    ((SECONDS < deadline)) || { cmd_status >&2 || true; die "not ready after ${STACK_WAIT_TIMEOUT:-120}s"; }
    sleep 0.5
  done
  say "ready"
}

cmd_env() {
  pg_pick_dir
  local kport sport tport mport suser spass pport
  kport="$(kafka_state PORT "${KAFKA_IT_PORT:-9092}")"
  sport="$(kafka_state SASL_PORT "${KAFKA_IT_SASL_PORT:-9094}")"
  tport="$(kafka_state SSL_PORT "${KAFKA_IT_SSL_PORT:-9095}")"
  mport="$(kafka_state MTLS_PORT "${KAFKA_IT_MTLS_PORT:-9096}")"
  suser="$(kafka_state SASL_USER "${KAFKA_IT_SASL_USER:-test}")"
  spass="${KAFKA_IT_SASL_PASSWORD:-test-secret}"
  pport="$(pg_port)"
  local -a vars=(
    KAFKA_BOOTSTRAP_SERVERS "127.0.0.1:$kport"
    THOTH_TEST_KAFKA_SASL_BROKERS "127.0.0.1:$sport"
    THOTH_TEST_KAFKA_SASL_USER "$suser"
    THOTH_TEST_KAFKA_SASL_PASSWORD "$spass"
    THOTH_TEST_KAFKA_SSL_BROKERS "127.0.0.1:$tport"
    THOTH_TEST_KAFKA_MTLS_BROKERS "127.0.0.1:$mport"
    THOTH_TEST_KAFKA_TLS_DIR "$(kafka_dir)/tls"
    KNOWLEDGE_GRAPH_HOST 127.0.0.1
    KNOWLEDGE_GRAPH_PORT "$pport"
    KNOWLEDGE_GRAPH_USER "$KG_USER"
    KNOWLEDGE_GRAPH_PASSWORD "$KG_PASSWORD"
    KNOWLEDGE_GRAPH_DATABASE "$KG_DB"
    THOTH_TEST_PG_ADMIN_URL "postgres://postgres:$PG_ADMIN_PASSWORD@127.0.0.1:$pport/postgres"
  )
  local i
  for ((i = 0; i < ${#vars[@]}; i += 2)); do printf 'export %s=%q\n' "${vars[i]}" "${vars[i + 1]}"; done
}

cmd_reset_db() {
  lock
  pg_pick_dir
  pg_it status >/dev/null 2>&1 || die "postgres is not running (run: bash scripts/stack.sh up)"
  find_psql
  say "postgres: dropping database $KG_DB"
  admin_sql "drop database if exists $KG_DB with (force)" >/dev/null
  kg_setup
}

case "${1:-}" in
  up) cmd_up ;;
  down) shift; cmd_down "$@" ;;
  status) cmd_status ;;
  wait) cmd_wait ;;
  env) cmd_env ;;
  reset-db) cmd_reset_db ;;
  *) echo "usage: $0 up|down [kafka|postgres]...|status|wait|env|reset-db" >&2; exit 2 ;;
esac
