#!/usr/bin/env bash
# chaos.sh: THE fault-injection suite (chaos/README.md): every scenario against the real Kafka broker
# and PostgreSQL of the local stack, the compiled binary and the Kubernetes API test server; prints a
# table (scenario, sent, handled, dead-lettered, lost, duplicate effects, crashes, time, result).
#
# Usage: bash scripts/chaos.sh [--short] [--only 1,2,5] [--jobs N] [--binary PATH] [--keep-logs]
#   --short      the CI variant: smaller counts and outages, 3 scenarios at a time (about 2-3 minutes)
#   --only       run only these scenario numbers (1-9)
#   --jobs N     scenarios at a time (default 3 with --short, else 1)
#   --binary P   test this executable instead of building one (default: `bun build` with the flags of
#                package.json's build script, into a temporary directory; dist/ is never touched)
#   --keep-logs  keep every instance's log directory (default: only those of failed scenarios)
#
# Steps: scripts/install.sh; scripts/stack.sh up (reuses running servers; stops again only the ones it
# started itself); bun chaos/run.ts with the stack's env. The broker-restart and database-outage
# scenarios start a broker and a PostgreSQL of their own (127.0.0.1:19092-19094 and :15432, run dirs
# under /tmp) and never stop or restart the shared ones.
# Exit status: 0 when every scenario passed, 1 otherwise (a lost record, a duplicate effect or a crash
# is always a failure).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
. scripts/stack-session.sh chaos

bash scripts/install.sh
stack_session_up

"$ROOT/node_modules/.bin/bun" chaos/run.ts "$@"
