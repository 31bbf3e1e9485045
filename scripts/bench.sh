#!/usr/bin/env bash
# bench.sh: THE benchmark command (bench/README.md).
#
# Usage: bash scripts/bench.sh [all|db-flags|workflows|mixed|latency|backlog ...] [bench/run.ts options]
#   e.g. bash scripts/bench.sh db-flags --count 100000 --partitions 6
#        bash scripts/bench.sh all --compare bench/results        (ratios against the committed results)
#
# Steps: scripts/install.sh; `scripts/stack.sh up` (servers this run started are stopped again when
# it ends, as in scripts/test.sh); `npm run build` (the compiled binary dist/investigator) unless
# --bun-run is given; then `bun bench/run.ts "$@"` with the stack's environment. Results go to
# bench/results/<scenario>.json and bench/results/summary.md (--out DIR elsewhere). Exit code:
# non-zero when a scenario lost work (a failed check), never because of speed.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
BUN="$ROOT/node_modules/.bin/bun"
. scripts/stack-session.sh bench

bash scripts/install.sh >&2
stack_session_up >&2

case " $* " in
  *" --bun-run "* | *" --binary "*) ;;
  *) npm run --silent build >&2 ;;
esac

echo "bench: $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg)" >&2
"$BUN" bench/run.ts "$@"
