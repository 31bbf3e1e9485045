#!/usr/bin/env bash
# kube-local.sh: the local Kubernetes API test server for `make run` (scripts/run.sh's hook).
#
# Usage: bash scripts/kube-local.sh up|down|status
#   up      start the server (tests/servers/kube-api.ts via bench/kube-server.ts: plain HTTP on
#           127.0.0.1, the twelve Thoth templates and a `solvers` ConfigMap, every created Workflow
#           validated against the Argo schema) unless it already runs; prints `export KUBECONFIG=...`
#   down    stop it
#   status  exit 0 when it runs
# State lives in .run/kube-local/ (git-ignored): pid, kubeconfig path, server log.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
DIR="$ROOT/.run/kube-local"
BUN="$ROOT/node_modules/.bin/bun"
mkdir -p "$DIR"

running() { [ -f "$DIR/pid" ] && kill -0 "$(cat "$DIR/pid")" 2>/dev/null; }

case "${1:-}" in
  up)
    if ! running; then
      : >"$DIR/server.out"
      cd "$ROOT"
      # Own session, no inherited stdin/stdout: the caller's pipes close when this script ends.
      setsid "$BUN" bench/kube-server.ts </dev/null >"$DIR/server.out" 2>"$DIR/server.log" &
      echo $! >"$DIR/pid"
      for _ in $(seq 1 100); do
        [ -s "$DIR/server.out" ] && break
        running || { echo "kube-local: the server exited; see $DIR/server.log" >&2; exit 1; }
        sleep 0.1
      done
      [ -s "$DIR/server.out" ] || { echo "kube-local: the server did not start in 10 s; see $DIR/server.log" >&2; exit 1; }
      "$BUN" -e 'const l = (await Bun.file(process.argv[1]).text()).split("\n")[0]; console.log(JSON.parse(l).kubeconfig)' "$DIR/server.out" >"$DIR/kubeconfig-path"
      echo "kube-local: Kubernetes API test server running (pid $(cat "$DIR/pid"))" >&2
    fi
    echo "export KUBECONFIG=$(cat "$DIR/kubeconfig-path")"
    ;;
  down)
    if running; then kill "$(cat "$DIR/pid")"; fi
    rm -f "$DIR/pid"
    ;;
  status)
    running
    ;;
  *)
    echo "usage: kube-local.sh up|down|status" >&2
    exit 2
    ;;
esac
