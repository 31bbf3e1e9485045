#!/usr/bin/env bash
# run.sh: THE run command (`make run`): the investigator against the local stack.
#
# Usage: bash scripts/run.sh [args for main.ts...]
#
# Runs scripts/install.sh and `scripts/stack.sh up` (servers started here keep running afterwards;
# stop them with `make stack-down`), then `bun run main.ts` in the foreground with a complete local
# environment: the stack's KAFKA_BOOTSTRAP_SERVERS and KNOWLEDGE_GRAPH_* (from `stack.sh env`),
# plus local defaults for the THOTH_* deployment variables below. Any THOTH_* / KAFKA_CONSUMER_*
# variable already set in the caller's environment wins over the default here.
#
# KUBECONFIG: see the LOCAL KUBERNETES HOOK below.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

bash scripts/install.sh
bash scripts/stack.sh up
eval "$(bash scripts/stack.sh env)"

: "${THOTH_DEPLOYMENT_NAME:=local}"
: "${THOTH_BACKEND_NAMESPACE:=thoth-backend}"
: "${THOTH_MIDDLETIER_NAMESPACE:=thoth-middletier}"
: "${THOTH_INFRA_NAMESPACE:=thoth-infra}"
: "${THOTH_CEPH_BUCKET:=thoth}"
: "${THOTH_CEPH_BUCKET_PREFIX:=data/thoth}"
: "${THOTH_S3_ENDPOINT_URL:=http://127.0.0.1:9000}"
: "${KAFKA_CONSUMER_GROUP_ID:=thoth.investigator}"
export THOTH_DEPLOYMENT_NAME THOTH_BACKEND_NAMESPACE THOTH_MIDDLETIER_NAMESPACE THOTH_INFRA_NAMESPACE \
  THOTH_CEPH_BUCKET THOTH_CEPH_BUCKET_PREFIX THOTH_S3_ENDPOINT_URL KAFKA_CONSUMER_GROUP_ID
export KAFKAJS_NO_PARTITIONER_WARNING=1

# >>> LOCAL KUBERNETES HOOK >>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>
# To be filled in with the local Kubernetes API test server. Contract: LOCAL_KUBE_SETUP names a
# script that, run as `bash "$LOCAL_KUBE_SETUP" up`, starts that server unless it already runs
# (idempotent, in the background) and prints `export KUBECONFIG=...` on stdout. It is used only
# when the caller did not set KUBECONFIG and the script exists; otherwise KUBECONFIG is left as is
# (unset: the investigator cannot schedule workflows).
LOCAL_KUBE_SETUP="${LOCAL_KUBE_SETUP:-$ROOT/scripts/kube-local.sh}"
if [ -z "${KUBECONFIG:-}" ] && [ -f "$LOCAL_KUBE_SETUP" ]; then
  eval "$(bash "$LOCAL_KUBE_SETUP" up)"
fi
if [ -z "${KUBECONFIG:-}" ]; then
  echo "run: KUBECONFIG is not set and $LOCAL_KUBE_SETUP does not exist: no Kubernetes API" >&2
fi
# <<< LOCAL KUBERNETES HOOK <<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<

[ -f main.ts ] || { echo "run: main.ts does not exist yet" >&2; exit 1; }
exec "$ROOT/node_modules/.bin/bun" run main.ts "$@"
