# stack-session.sh: sourced by test.sh, chaos.sh and bench.sh. The local stack for one run:
# `stack_session_up` reuses or starts Kafka and PostgreSQL (scripts/stack.sh up), exports the
# stack's environment and KAFKAJS_NO_PARTITIONER_WARNING=1; servers this run started itself are
# stopped again when it ends (also on Ctrl-C) or earlier by `stop_started`; servers that were
# already running stay up. SESSION_TMP is a scratch directory removed at exit.
# Usage (after `cd` to the checkout): . scripts/stack-session.sh <name>; stack_session_up [>&2]

SESSION_TMP="$(mktemp -d "${TMPDIR:-/tmp}/investigator-$1.XXXXXX")"
STARTED="$SESSION_TMP/started"
: >"$STARTED"

# stop_started: stop the servers that `stack.sh up` reported as started by this run, once.
stop_started() {
  if [ -s "$STARTED" ]; then
    # shellcheck disable=SC2046  # one word per server name
    bash scripts/stack.sh down $(sort -u "$STARTED") >&2 || true
    : >"$STARTED"
  fi
}
stack_session_cleanup() {
  local rc=$?
  stop_started
  rm -rf "$SESSION_TMP"
  exit "$rc"
}
trap stack_session_cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

stack_session_up() {
  STACK_UP_REPORT="$STARTED" bash scripts/stack.sh up
  eval "$(bash scripts/stack.sh env)"
  export KAFKAJS_NO_PARTITIONER_WARNING=1
}
