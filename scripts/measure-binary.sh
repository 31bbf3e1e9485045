#!/usr/bin/env bash
# measure-binary.sh: the targets of the compiled binary, measured (a benchmark, not a timed test).
#
# Usage: bash scripts/measure-binary.sh
#
# Builds dist/investigator (npm run build), makes sure the local stack runs (scripts/stack.sh up),
# copies the binary into an empty directory (no node_modules) and starts `serve` there
# MEASURE_RUNS times (default 5) against the local Kafka and PostgreSQL, in the default modes
# (middletier + backend; the kubeconfig names an unreachable API server, which start-up never
# calls). One warm-up start first creates the deployment's topics, as a restart finds them. Per run:
# the time from exec to the first 200 on /_health (polled every 2 ms), and the RSS 2 s later.
# Prints a table on stdout (build and stack output go to stderr); exit 1 when a target is missed.
#
# Targets (issue 5): binary < 125 MB (10^6 bytes), exec to /_health ready < 150 ms (median),
# idle RSS < 90 MiB (median). Other work on the machine shows in the times: measure on a quiet one.
# Environment: MEASURE_RUNS=5; MEASURE_BINARY=<path> measures that binary instead of building
# dist/investigator (to compare variants).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
BUN="$ROOT/node_modules/.bin/bun"
[ -x "$BUN" ] || { echo "measure: $BUN missing (run: bash scripts/install.sh)" >&2; exit 1; }

BINARY="${MEASURE_BINARY:-}"
if [ -z "$BINARY" ]; then
  npm run build --silent >&2
  BINARY="$ROOT/dist/investigator"
fi
bash scripts/stack.sh up >&2
eval "$(bash scripts/stack.sh env)"

WORK="$(mktemp -d)"
# The harness lives in the checkout (.run/ is git-ignored) so that it finds kafkajs, which it uses
# to delete its topics afterwards; the binary itself runs from $WORK, without node_modules.
mkdir -p "$ROOT/.run"
HARNESS="$ROOT/.run/measure-binary.$$.ts"
trap 'rm -rf "$WORK" "$HARNESS"' EXIT
cp "$BINARY" "$WORK/investigator"
mkdir "$WORK/run"

cat >"$WORK/kubeconfig" <<'EOF'
apiVersion: v1
kind: Config
clusters: [{name: c, cluster: {server: "https://127.0.0.1:9"}}]
users: [{name: u, user: {token: unused}}]
contexts: [{name: x, context: {cluster: c, user: u}}]
current-context: x
EOF

cat >"$HARNESS" <<'EOF'
import { randomUUID } from 'node:crypto'
import { readFileSync, statSync } from 'node:fs'
import { Kafka, logLevel } from 'kafkajs'

const [work, runs] = [process.argv[2] as string, Number(process.argv[3])]
const bin = `${work}/investigator`
const port = 16000 + Math.floor(Math.random() * 2000)
const deployment = `measure-${randomUUID()}`
const env: Record<string, string> = {
  PATH: '/usr/bin:/bin', HOME: `${work}/run`, KAFKAJS_NO_PARTITIONER_WARNING: '1',
  THOTH_DEPLOYMENT_NAME: deployment, THOTH_BACKEND_NAMESPACE: 'thoth-backend', THOTH_MIDDLETIER_NAMESPACE: 'thoth-middletier',
  THOTH_INFRA_NAMESPACE: 'thoth-infra', THOTH_CEPH_BUCKET: 'thoth', THOTH_CEPH_BUCKET_PREFIX: 'data/thoth',
  THOTH_S3_ENDPOINT_URL: 'http://127.0.0.1:9000', THOTH_INVESTIGATOR_PORT: String(port), KUBECONFIG: `${work}/kubeconfig`,
  KAFKA_BOOTSTRAP_SERVERS: process.env.KAFKA_BOOTSTRAP_SERVERS ?? '127.0.0.1:9092', KAFKA_CONSUMER_GROUP_ID: `${deployment}.group`,
  KNOWLEDGE_GRAPH_HOST: process.env.KNOWLEDGE_GRAPH_HOST ?? '127.0.0.1', KNOWLEDGE_GRAPH_PORT: process.env.KNOWLEDGE_GRAPH_PORT ?? '55432',
  KNOWLEDGE_GRAPH_USER: process.env.KNOWLEDGE_GRAPH_USER ?? 'investigator', KNOWLEDGE_GRAPH_PASSWORD: process.env.KNOWLEDGE_GRAPH_PASSWORD ?? 'investigator',
  KNOWLEDGE_GRAPH_DATABASE: process.env.KNOWLEDGE_GRAPH_DATABASE ?? 'thoth', KNOWLEDGE_GRAPH_SSL_DISABLED: '1',
}

async function once(): Promise<{ readyMs: number; firstMs: number; rssMiB: number }> {
  const t0 = performance.now()
  const proc = Bun.spawn([bin, 'serve'], { cwd: `${work}/run`, env, stdout: 'ignore', stderr: 'ignore' })
  let firstMs = NaN
  for (;;) {
    const res = await fetch(`http://127.0.0.1:${port}/_health`).catch(() => undefined)
    if (res && Number.isNaN(firstMs)) firstMs = performance.now() - t0
    if (res?.status === 200) break
    if (proc.exitCode !== null || performance.now() - t0 > 60_000) throw new Error(`serve did not get ready (exit ${proc.exitCode})`)
    await Bun.sleep(2)
  }
  const readyMs = performance.now() - t0
  await Bun.sleep(2000)
  const rssKiB = Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${proc.pid}/status`, 'utf8'))?.[1])
  proc.kill('SIGTERM')
  await proc.exited
  return { readyMs, firstMs, rssMiB: rssKiB / 1024 }
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number
try {
  await once() // warm-up: creates the topics and the group
  const results = []
  for (let i = 0; i < runs; i++) results.push(await once())
  const sizeMB = statSync(bin).size / 1e6
  const ready = median(results.map((r) => r.readyMs))
  const first = median(results.map((r) => r.firstMs))
  const rss = median(results.map((r) => r.rssMiB))
  const rows = [
    ['binary size', `${sizeMB.toFixed(1)} MB (${(statSync(bin).size / 2 ** 20).toFixed(1)} MiB)`, '< 125 MB', sizeMB < 125],
    [`exec to /_health ready, median of ${runs}`, `${ready.toFixed(0)} ms (${results.map((r) => r.readyMs.toFixed(0)).join(', ')})`, '< 150 ms', ready < 150],
    [`exec to first HTTP answer, median of ${runs}`, `${first.toFixed(0)} ms`, '-', true],
    [`idle RSS 2 s after ready, median of ${runs}`, `${rss.toFixed(1)} MiB`, '< 90 MiB', rss < 90],
  ] as const
  const w = [0, 1, 2].map((i) => Math.max(...rows.map((r) => String(r[i]).length), ['METRIC', 'MEASURED', 'TARGET'][i]!.length))
  const line = (c: string[]) => c.map((x, i) => (i < 3 ? x.padEnd(w[i]!) : x)).join('  ')
  console.log(line(['METRIC', 'MEASURED', 'TARGET', 'MET']))
  for (const r of rows) console.log(line([r[0], r[1], r[2], r[3] ? 'yes' : 'NO']))
  console.log(`(bun ${Bun.version}, ${navigator.hardwareConcurrency} CPUs, ${new Date().toISOString()})`)
  process.exitCode = rows.every((r) => r[3]) ? 0 : 1
} finally {
  const admin = new Kafka({ brokers: env.KAFKA_BOOTSTRAP_SERVERS!.split(','), logLevel: logLevel.NOTHING }).admin()
  await admin.connect()
  const topics = (await admin.listTopics()).filter((t) => t.startsWith(`${deployment}.`))
  if (topics.length) await admin.deleteTopics({ topics }).catch(() => {})
  await admin.disconnect()
}
EOF

"$BUN" "$HARNESS" "$WORK" "${MEASURE_RUNS:-5}"
