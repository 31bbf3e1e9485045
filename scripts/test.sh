#!/usr/bin/env bash
# test.sh: THE test command (`make test`, and what .ci/run executes in CI).
#
# Usage: bash scripts/test.sh [bun test args...]     e.g. bash scripts/test.sh tests/integration
#
# Steps:
#   1. scripts/install.sh (npm packages, Bun binary, system tools; fast when nothing is missing)
#   2. scripts/stack.sh up: reuse or start Kafka and PostgreSQL. Servers this run started itself
#      are stopped again when it ends (also on Ctrl-C); servers that were already running stay up.
#   3. npx tsc --noEmit -p .   (Bun never type-checks; tsc is the gate)
#   4. bun test --reporter=junit (console output as usual), with the stack's env
#      (scripts/stack.sh env) and KAFKAJS_NO_PARTITIONER_WARNING=1; extra args go to bun test.
#   5. scripts/junit-summary.ts counts the JUnit results (a file with zero tests exits 0, so bun's
#      exit code alone proves nothing) and lists failed and skipped tests.
# The last line printed is always `N passed, N failed, N skipped`. Exit code: non-zero on any failed
# test, a tsc error, bun test failing, or when no test ran.
#
# Environment: JUNIT_OUT=<path> keeps a copy of the JUnit XML (e.g. for a CI artifact).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
BUN="$ROOT/node_modules/.bin/bun"
. scripts/stack-session.sh test

bash scripts/install.sh
# --- test set-up of tests/integration/{real-schema,thoth-messaging,deploy}.test.ts (cached, a
# --- no-op when fresh): the Python venv with thoth-storages + thoth-messaging, and kustomize.
bash scripts/python-venv.sh
bash scripts/kustomize.sh
stack_session_up

echo "== tsc --noEmit"
tsc_ok=1
npx --no -- tsc --noEmit -p . || tsc_ok=0

echo "== bun test $*"
set +e
"$BUN" test --reporter=junit --reporter-outfile="$SESSION_TMP/junit.xml" "$@" 2>&1 | tee "$SESSION_TMP/bun-test.log"
bun_rc=${PIPESTATUS[0]}
set -e
if [ -n "${JUNIT_OUT:-}" ] && [ -f "$SESSION_TMP/junit.xml" ]; then cp "$SESSION_TMP/junit.xml" "$JUNIT_OUT"; fi

summary_rc=0
summary="$("$BUN" scripts/junit-summary.ts "$SESSION_TMP/junit.xml" "$SESSION_TMP/bun-test.log" "$bun_rc")" || summary_rc=$?
if [ -z "$summary" ]; then summary="0 passed, 1 failed, 0 skipped"; echo "junit-summary.ts printed nothing" >&2; fi
stop_started   # before the summary: its line must be the last one
echo
if [ "$tsc_ok" != 1 ]; then echo "typecheck FAILED (see tsc output above)"; fi
echo "$summary"
if [ "$tsc_ok" != 1 ] || [ "$summary_rc" != 0 ]; then exit 1; fi
