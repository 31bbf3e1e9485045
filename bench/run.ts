/**
 * Benchmark harness (bench/README.md). Runs scenarios against the real local Kafka and
 * PostgreSQL and the Kubernetes API test server, with the service as a child process (the
 * compiled binary by default), and writes bench/results/<scenario>.json plus summary.md.
 *
 * Usage: bun bench/run.ts [all|db-flags|workflows|mixed|latency|backlog ...] [--count N]
 *   [--partitions N] [--workers N] [--rate N] [--duration S] [--warmup S] [--binary PATH | --bun-run]
 *   [--out DIR] [--compare FILE|DIR]
 */
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { parseArgs } from 'node:util'
import type { Message, Producer } from 'kafkajs'
import postgres from 'postgres'
import { brokers, createScratchDatabase } from '../tests/helpers/stack.ts'
import { writeKubeconfig } from '../tests/servers/kubeconfig.ts'
import { MESSAGE_TYPES, topicName } from '../lib/topics.ts'
import {
  CommitWatcher,
  createTopics,
  endOffsets,
  freePort,
  harnessKafka,
  latencyBreakdown,
  latencySummary,
  machine,
  metricSum,
  procStats,
  produceAll,
  ROOT,
  procSampler,
  spawnService,
  startKubeServer,
  type Batch,
  type KubeServerProcess,
  type ProducedRanges,
} from './harness.ts'
import { baseNameOf, SCENARIO_DEFS, SCENARIOS, SOLVERS, type Check, type Load, type Params, type Scenario, type ScenarioName } from './scenarios.ts'

/** How a run is carried out. */
export interface RunOptions {
  /** Compiled binary to run; null: `bun run main.ts`. */
  binary: string | null
  /** Where <scenario>.json and summary.md go; null: nowhere. */
  outDir: string | null
  /** Progress lines (stderr by default). */
  say?: (line: string) => void
  /** Steady runs: measure idle RSS and CPU for 7 s before producing (default true). */
  measureIdle?: boolean
}

/** What one scenario run reports (the JSON file). */
export interface Result {
  scenario: ScenarioName
  description: string
  params: Params
  machine: ReturnType<typeof machine> & { loadavgAfter: number[] }
  service: { command: string; binaryBuiltAt?: string }
  startedAt: string
  messages: number
  /** Pre-loaded: first commit -> last commit (records of the first commit left out); steady: first produce -> last commit. */
  windowSeconds: number
  messagesPerSecond: number
  /** Service spawn -> last commit (start-up and group join included). */
  messagesPerSecondWithStartup: number
  workflows: number
  workflowsPerSecond: number
  /**
   * Produce timestamp -> first commit covering the record (ms). Pre-loaded runs: includes the
   * wait in the backlog. Steady runs: the records of the measured window (after the warm-up).
   */
  latencyMs: ReturnType<typeof latencySummary>
  /** Steady runs with a warm-up: the warm-up's records (the service's first seconds of traffic). */
  coldStartLatencyMs?: ReturnType<typeof latencySummary>
  readyMs: number
  rssMiB: { peak: number; idle: number | null; end: number }
  /** Steady runs: CPU use while idle (ready, nothing to consume; 5 s), percent of one core. */
  idleCpuPercent: number | null
  cpuSeconds: { window: number; total: number }
  preloadSeconds: number | null
  exitCode: number | null
  checks: Array<Check & { ok: boolean }>
  verified: boolean
  targets: Array<{ name: string; target: string; actual: number; met: boolean }>
}

const round = (x: number, digits = 1) => Math.round(x * 10 ** digits) / 10 ** digits

/** Records per producer request when pre-loading. */
const PRELOAD_BATCH = 2000

/** Builds the records of a load, in order, `size` per batch, topics interleaved. */
function* preloadBatches(prefix: string, loads: Load[], partitions: number): Generator<Batch> {
  const cursors = loads.map(() => 0)
  for (;;) {
    let any = false
    for (const [li, load] of loads.entries()) {
      const from = cursors[li] as number
      if (from >= load.count) continue
      any = true
      const to = Math.min(load.count, from + PRELOAD_BATCH)
      cursors[li] = to
      yield { topic: topicName(prefix, baseNameOf(load.stem)), messages: range(from, to).map((i) => record(load, i, partitions)) }
    }
    if (!any) return
  }
}

const range = (from: number, to: number) => Array.from({ length: to - from }, (_, k) => from + k)

function record(load: Load, i: number, partitions: number): Message {
  const payload = load.payload(i)
  const row = load.row(i)
  return { key: String(payload.package_name ?? row), value: JSON.stringify(payload), partition: row % partitions }
}

/** Produces `loads` at `rate` messages/s for `durationS` (types interleaved); returns the ranges. */
async function steadyProduce(producer: Producer, prefix: string, loads: Load[], p: Params): Promise<{ ranges: ProducedRanges; seconds: number }> {
  const total = loads.reduce((s, l) => s + l.count, 0)
  const order: Array<[Load, number]> = []
  const cursors = loads.map(() => 0)
  while (order.length < total) {
    for (const [li, load] of loads.entries()) {
      const i = cursors[li] as number
      if (i < load.count) order.push([load, i])
      cursors[li] = i + 1
    }
  }
  const ranges: ProducedRanges = new Map()
  const sends = new Set<Promise<unknown>>()
  const started = performance.now()
  let sent = 0
  while (sent < total) {
    const due = Math.min(total, Math.floor(((performance.now() - started) / 1000) * p.rate) + 1)
    const byTopic = new Map<string, Message[]>()
    for (; sent < due; sent++) {
      const [load, i] = order[sent] as [Load, number]
      const topic = topicName(prefix, baseNameOf(load.stem))
      let list = byTopic.get(topic)
      if (!list) byTopic.set(topic, (list = []))
      list.push(record(load, i, p.partitions))
    }
    for (const [topic, messages] of byTopic) {
      const s: Promise<unknown> = produceAll(producer, [{ topic, messages }], 1, ranges).finally(() => sends.delete(s))
      sends.add(s)
    }
    await Bun.sleep(1)
  }
  await Promise.all(sends)
  return { ranges, seconds: (performance.now() - started) / 1000 }
}

/** Environment of the service under test (nothing inherited but PATH and HOME). */
function serviceEnv(s: Scenario, p: Params, prefix: string, group: string, dbUrl: string, kubeconfig: string): Record<string, string> {
  const db = new URL(dbUrl)
  return {
    HOME: process.env.HOME ?? '/tmp',
    THOTH_DEPLOYMENT_NAME: prefix,
    THOTH_BACKEND_NAMESPACE: 'thoth-backend',
    THOTH_MIDDLETIER_NAMESPACE: 'thoth-middletier',
    THOTH_INFRA_NAMESPACE: 'thoth-infra',
    THOTH_CEPH_BUCKET: 'thoth',
    THOTH_CEPH_BUCKET_PREFIX: 'data/thoth',
    THOTH_S3_ENDPOINT_URL: 'https://s3.example.com:8443/',
    KAFKA_BOOTSTRAP_SERVERS: brokers.join(','),
    KAFKA_CONSUMER_GROUP_ID: group,
    KAFKA_CONSUMER_AUTO_OFFSET_RESET: 'earliest',
    KAFKAJS_NO_PARTITIONER_WARNING: '1',
    KNOWLEDGE_GRAPH_HOST: db.hostname,
    KNOWLEDGE_GRAPH_PORT: db.port,
    KNOWLEDGE_GRAPH_USER: decodeURIComponent(db.username),
    KNOWLEDGE_GRAPH_PASSWORD: decodeURIComponent(db.password),
    KNOWLEDGE_GRAPH_DATABASE: db.pathname.slice(1),
    KNOWLEDGE_GRAPH_SSL_DISABLED: '1',
    KUBECONFIG: kubeconfig,
    THOTH_CONSUMER_WORKERS: String(p.workers),
    ...s.env,
  }
}

/** Every topic the service subscribes to or writes, created up front in one request. */
function topicSpecs(prefix: string, loads: Load[], partitions: number) {
  const loaded = new Set(loads.map((l) => baseNameOf(l.stem)))
  return [
    ...MESSAGE_TYPES.map((t) => ({ topic: topicName(prefix, t.baseName), numPartitions: loaded.has(t.baseName) ? partitions : 1 })),
    { topic: `${prefix}.thoth.investigator.dead-letter`, numPartitions: 1 },
    { topic: `${prefix}.thoth.investigator.control`, numPartitions: 1, configEntries: [{ name: 'cleanup.policy', value: 'compact' }] },
  ]
}

/** Runs one scenario end to end and returns (and writes) its result. */
export async function runScenario(name: ScenarioName, overrides: Partial<Params>, o: RunOptions): Promise<Result> {
  const say = o.say ?? ((l: string) => process.stderr.write(`${l}\n`))
  const s = SCENARIO_DEFS[name]
  const p: Params = { ...s.defaults, ...overrides }
  const id = crypto.randomUUID().slice(0, 8)
  const prefix = `bench-${id}`
  const group = `bench-${name}-${id}`
  const before = machine()
  const startedAt = new Date().toISOString()
  const loads = s.loads(p)
  const total = loads.reduce((sum, l) => sum + l.count, 0)
  const expectedWorkflows = loads.reduce((sum, l) => sum + l.count * l.workflowsEach, 0)
  const warmupS = s.kind === 'steady' ? (p.warmupS ?? 0) : 0
  const steady = `, ${p.rate}/s for ${p.durationS} s${warmupS ? ` after a ${warmupS} s warm-up at that rate` : ''}`
  say(`== ${name}: ${total} messages, ${p.partitions} partitions, ${p.workers} workers${s.kind === 'steady' ? steady : ''}; ${before.cores} cores, load ${before.loadavg.join(' ')}`)

  const kafka = harnessKafka(brokers)
  const admin = kafka.admin()
  await admin.connect()
  // Pre-loading: idempotent, so a retried request (a leader not yet known right after topic
  // creation) never appends its records twice. Steady runs: requests in flight concurrently, so
  // a send never queues behind the previous one (its timestamp is the start of the latency).
  const producer = kafka.producer({ allowAutoTopicCreation: false, idempotent: s.kind === 'preload' })
  await producer.connect()
  const scratch = mkdtempSync(join(tmpdir(), `bench-${name}-`))
  const specs = topicSpecs(prefix, loads, p.partitions)
  const db = await createScratchDatabase()
  const sql = postgres(db.url, { max: 1, onnotice: () => {} })
  let kube: KubeServerProcess | undefined
  let watcher: CommitWatcher | undefined
  let service: ReturnType<typeof spawnService> | undefined
  try {
    await s.seed(sql, p)
    await sql`ANALYZE`
    kube = s.kube ? await startKubeServer({ BENCH_SOLVERS: SOLVERS.join(',') }) : undefined
    const kubeconfig = kube?.kubeconfig ?? (await writeKubeconfig({ server: 'http://127.0.0.1:9' }, scratch))
    await createTopics(admin, specs)
    watcher = await CommitWatcher.start(kafka, admin, group)
    const loadTopics = [...new Set(loads.map((l) => topicName(prefix, baseNameOf(l.stem))))]

    let ranges: ProducedRanges = new Map()
    let preloadSeconds: number | null = null
    if (s.kind === 'preload') {
      // One request in flight: an idempotent producer's retries must not overtake each other.
      const r = await produceAll(producer, preloadBatches(prefix, loads, p.partitions), 1, ranges)
      preloadSeconds = r.seconds
      say(`   pre-loaded ${r.count} records in ${round(r.seconds)} s (${Math.round(r.count / r.seconds)}/s)`)
    }

    const logDir = join(tmpdir(), 'investigator-bench')
    mkdirSync(logDir, { recursive: true })
    const logPath = join(logDir, `${name}-${id}.log`)
    service = spawnService(serviceEnv(s, p, prefix, group, db.url, kubeconfig), await freePort(), o.binary, logPath)
    const sampler = procSampler(service.pid)
    const alive = () => (service as { alive(): boolean }).alive()
    let idle: number | null = null
    let idleCpu: number | null = null
    let windowStart: number
    let measuredFrom = Number.NEGATIVE_INFINITY // produce time where the latency window starts
    let readyMs: number
    if (s.kind === 'preload') {
      // The window opens at the first commit (it follows the first handled batch by a few ms);
      // the records that commit covers are left out of the count. No polling of the service.
      readyMs = await service.ready()
      windowStart = await watcher.firstCommit(60_000, alive)
    } else {
      readyMs = await service.ready()
      if (o.measureIdle !== false) {
        await Bun.sleep(2000)
        const idleFrom = procStats(service.pid)
        await Bun.sleep(5000)
        const idleTo = procStats(service.pid)
        idle = idleTo?.rssMiB ?? null
        idleCpu = idleFrom && idleTo ? round(((idleTo.cpuSeconds - idleFrom.cpuSeconds) / 5) * 100) : null
      }
      say(`   ready in ${readyMs} ms; idle RSS ${round(idle ?? 0)} MiB, idle CPU ${idleCpu}%; producing`)
      windowStart = Date.now()
      measuredFrom = windowStart + warmupS * 1000
      const r = await steadyProduce(producer, prefix, loads, p)
      ranges = r.ranges
      say(`   produced ${total} records in ${round(r.seconds)} s`)
    }
    const ends = await endOffsets(admin, loadTopics)
    const timeoutMs = 120_000 + (total / 500) * 1000
    const lastCommitAt = await watcher.waitFor(ends, timeoutMs, alive)
    const atEnd = procStats(service.pid)
    sampler.stop()
    const inWindow = s.kind === 'preload' ? total - watcher.committedBy(windowStart) : total
    const metrics = await service.metrics()
    const windowSeconds = Math.max(0.001, (lastCommitAt - windowStart) / 1000)
    const workflows = kube ? Object.values(await kube.counts()).reduce((a, b) => a + b, 0) : 0
    const checks: Check[] = [
      ...(await s.verify({ sql, metrics, deploymentName: prefix }, p)),
      { name: 'records in the topics (end offsets) = records produced', expected: total, actual: [...ends.values()].reduce((a, b) => a + b, 0) },
      { name: 'records handled (processed_total)', expected: total, actual: metricSum(metrics, 'thoth_investigator_processed_total') },
      { name: 'partitions committed exactly to their end offset', expected: ends.size, actual: [...ends].filter(([k, e]) => watcher?.commits.get(k)?.at(-1)?.offset === e || (e === 0 && !watcher?.commits.get(k))).length },
      { name: 'commits that moved a partition backwards', expected: 0, actual: watcher.regressions },
      { name: 'failures, dead letters and invalid records', expected: 0, actual: ['failures_total', 'dead_letters_total', 'invalid_messages_total'].reduce((a, m) => a + metricSum(metrics, `thoth_investigator_${m}`), 0) },
    ]
    if (s.kube || expectedWorkflows > 0) checks.push({ name: 'workflows created', expected: expectedWorkflows, actual: workflows })
    const exitCode = await service.stop()
    checks.push({ name: 'service exit code after SIGTERM', expected: 0, actual: exitCode ?? -1 })
    const latencyMs = latencySummary(watcher.latencies(ranges, measuredFrom))
    const cold = warmupS ? latencySummary(watcher.latencies(ranges, Number.NEGATIVE_INFINITY, measuredFrom)) : undefined
    if (process.env.BENCH_DIAG && s.kind === 'steady') {
      const all = [...watcher.commits.values()].flat()
      say(`   commits: ${all.length} partition offsets in ${new Set(all.map((c) => c.at)).size} distinct commit times`)
      say(`   breakdown: ${JSON.stringify(latencyBreakdown(readFileSync(logPath, 'utf8'), ranges, watcher))}`)
    }
    const peak = atEnd?.peakMiB ?? sampler.maxRss()
    const result: Result = {
      scenario: name,
      description: s.description,
      params: p,
      machine: { ...before, loadavgAfter: machine().loadavg },
      service: { command: service.command.map((c) => c.replace(ROOT, '.')).join(' '), ...(o.binary ? { binaryBuiltAt: statSync(o.binary).mtime.toISOString() } : {}) },
      startedAt,
      messages: total,
      windowSeconds: round(windowSeconds, 3),
      messagesPerSecond: Math.round(inWindow / windowSeconds),
      messagesPerSecondWithStartup: Math.round(total / ((lastCommitAt - service.spawnedAt) / 1000)),
      workflows,
      workflowsPerSecond: Math.round(workflows / windowSeconds),
      latencyMs: roundLatency(latencyMs),
      ...(cold ? { coldStartLatencyMs: roundLatency(cold) } : {}),
      readyMs,
      rssMiB: { peak: round(peak), idle: idle === null ? null : round(idle), end: round(atEnd?.rssMiB ?? 0) },
      idleCpuPercent: idleCpu,
      cpuSeconds: { window: round((atEnd?.cpuSeconds ?? 0) - sampler.cpuAt(windowStart), 2), total: round(atEnd?.cpuSeconds ?? 0, 2) },
      preloadSeconds: preloadSeconds === null ? null : round(preloadSeconds, 2),
      exitCode,
      checks: checks.map((c) => ({ ...c, ok: c.expected === c.actual })),
      verified: checks.every((c) => c.expected === c.actual),
      targets: [],
    }
    result.targets = targetsOf(result)
    // A verified run's log (one line per update-provides-source-distro record) is only noise.
    if (!result.verified || process.env.BENCH_KEEP_LOGS) say(`   service log: ${logPath}`)
    else rmSync(logPath, { force: true })
    if (o.outDir) {
      mkdirSync(o.outDir, { recursive: true })
      writeFileSync(join(o.outDir, `${name}.json`), `${JSON.stringify(result, null, 2)}\n`)
      writeFileSync(join(o.outDir, 'summary.md'), markdown(readResults(o.outDir)))
    }
    return result
  } finally {
    if (service?.alive()) await service.stop(5000)
    await watcher?.stop().catch(() => {})
    await kube?.stop()
    await producer.disconnect()
    await admin.deleteTopics({ topics: specs.map((t) => t.topic) }).catch(() => {})
    await admin.deleteGroups([group]).catch(() => {})
    await admin.disconnect()
    await sql.end()
    await db.drop()
    rmSync(scratch, { recursive: true, force: true })
  }
}

const roundLatency = (l: ReturnType<typeof latencySummary>) => ({ ...l, p50: round(l.p50), p95: round(l.p95), p99: round(l.p99), max: round(l.max) })

/** The issue's targets for a 2-core machine, where they apply to the scenario. */
function targetsOf(r: Result): Result['targets'] {
  const t: Result['targets'] = []
  if (r.scenario === 'db-flags') t.push({ name: 'messages/s', target: '>= 10000', actual: r.messagesPerSecond, met: r.messagesPerSecond >= 10_000 })
  if (r.scenario === 'workflows') t.push({ name: 'workflows/s', target: '>= 1000', actual: r.workflowsPerSecond, met: r.workflowsPerSecond >= 1000 })
  if (r.scenario === 'latency') {
    t.push({ name: 'p99 ms', target: '< 25', actual: r.latencyMs.p99, met: r.latencyMs.p99 < 25 })
    if (r.rssMiB.idle !== null) t.push({ name: 'idle RSS MiB', target: '< 90', actual: r.rssMiB.idle, met: r.rssMiB.idle < 90 })
  }
  if (r.scenario === 'backlog') t.push({ name: 'peak RSS MiB', target: '< 150', actual: r.rssMiB.peak, met: r.rssMiB.peak < 150 })
  return t
}

/** Every <scenario>.json in a directory, in scenario order. */
export function readResults(dir: string): Result[] {
  if (!existsSync(dir)) return []
  return readdirSync(dir)
    .filter((f) => f.endsWith('.json'))
    .map((f) => JSON.parse(readFileSync(join(dir, f), 'utf8')) as Result)
    .sort((a, b) => SCENARIOS.indexOf(a.scenario) - SCENARIOS.indexOf(b.scenario))
}

/** The Markdown table of results. */
export function markdown(results: Result[]): string {
  const head = '| scenario | messages | partitions | msg/s | workflows/s | p50 / p95 / p99 ms | peak RSS MiB | idle RSS MiB | CPU s | verified | targets | cores, load before→after |'
  const rows = results.map((r) =>
    [
      r.scenario,
      r.messages,
      r.params.partitions,
      r.messagesPerSecond,
      r.workflows ? r.workflowsPerSecond : '-',
      `${r.latencyMs.p50} / ${r.latencyMs.p95} / ${r.latencyMs.p99}${r.coldStartLatencyMs ? ` (first ${r.params.warmupS} s: ${r.coldStartLatencyMs.p50} / ${r.coldStartLatencyMs.p95} / ${r.coldStartLatencyMs.p99})` : ''}`,
      r.rssMiB.peak,
      r.rssMiB.idle ?? '-',
      r.cpuSeconds.window,
      r.verified ? 'yes' : 'NO',
      r.targets.map((t) => `${t.name} ${t.target}: ${t.met ? 'met' : 'MISSED'}`).join('; ') || '-',
      `${r.machine.cores}, ${r.machine.loadavg[0]}→${r.machine.loadavgAfter[0]}`,
    ].join(' | '),
  )
  return `${head}\n|${'---|'.repeat(12)}\n${rows.map((r) => `| ${r} |`).join('\n')}\n`
}

/** Ratios new/old of the headline figures. */
export function compare(now: Result, before: Result): string {
  const ratio = (a: number, b: number) => (b ? `${round(a / b, 2)}x` : 'n/a')
  const figures: Array<[string, number, number]> = [
    ['msg/s', now.messagesPerSecond, before.messagesPerSecond],
    ['workflows/s', now.workflowsPerSecond, before.workflowsPerSecond],
    ['p99 ms', now.latencyMs.p99, before.latencyMs.p99],
    ['peak RSS MiB', now.rssMiB.peak, before.rssMiB.peak],
    ['CPU s', now.cpuSeconds.window, before.cpuSeconds.window],
  ]
  return `${now.scenario} vs ${before.startedAt}: ${figures.map(([n, a, b]) => `${n} ${a} / ${b} = ${ratio(a, b)}`).join('; ')}`
}

async function cli(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      count: { type: 'string' },
      partitions: { type: 'string' },
      workers: { type: 'string' },
      rate: { type: 'string' },
      duration: { type: 'string' },
      warmup: { type: 'string' },
      binary: { type: 'string' },
      'bun-run': { type: 'boolean' },
      out: { type: 'string' },
      compare: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  })
  if (values.help) {
    process.stdout.write(`${readFileSync(join(ROOT, 'bench', 'run.ts'), 'utf8').split('*/')[0]}*/\n`)
    return 0
  }
  const names = positionals.length === 0 || positionals.includes('all') ? [...SCENARIOS] : positionals
  for (const n of names) if (!(SCENARIOS as readonly string[]).includes(n)) throw new Error(`unknown scenario ${n}; known: ${SCENARIOS.join(', ')}`)
  const num = (v: string | undefined) => (v === undefined ? undefined : Number(v))
  const overrides: Partial<Params> = Object.fromEntries(
    Object.entries({ count: num(values.count), partitions: num(values.partitions), workers: num(values.workers), rate: num(values.rate), durationS: num(values.duration), warmupS: num(values.warmup) }).filter(([, v]) => v !== undefined),
  )
  const binary = values['bun-run'] ? null : resolve(values.binary ?? join(ROOT, 'dist', 'investigator'))
  if (binary && !existsSync(binary)) throw new Error(`no binary at ${binary}: run \`npm run build\` (scripts/bench.sh does) or pass --bun-run`)
  const outDir = values.out ?? join(ROOT, 'bench', 'results')
  const baselines = new Map<string, Result>()
  if (values.compare) {
    for (const n of names) {
      const file = statSync(values.compare).isDirectory() ? join(values.compare, `${n}.json`) : values.compare
      if (existsSync(file)) baselines.set(n, JSON.parse(readFileSync(file, 'utf8')) as Result)
    }
  }
  const results: Result[] = []
  for (const n of names as ScenarioName[]) {
    const r = await runScenario(n, overrides, { binary, outDir })
    results.push(r)
    for (const c of r.checks) if (!c.ok) process.stderr.write(`   CHECK FAILED: ${c.name}: expected ${c.expected}, got ${c.actual}\n`)
    const coldP99 = r.coldStartLatencyMs ? ` (warm-up: p99 ${r.coldStartLatencyMs.p99} ms)` : ''
    process.stderr.write(`   ${r.messagesPerSecond} msg/s, ${r.workflowsPerSecond} workflows/s, p99 ${r.latencyMs.p99} ms${coldP99}, peak RSS ${r.rssMiB.peak} MiB, CPU ${r.cpuSeconds.window} s, verified: ${r.verified}\n`)
    const before = baselines.get(n)
    if (before) process.stdout.write(`${compare(r, before)}\n`)
  }
  process.stdout.write(`\n${machine().cores} cores (${machine().cpu})\n\n${markdown(results)}`)
  return results.every((r) => r.verified) ? 0 : 1
}

if (import.meta.main) {
  cli(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (err: unknown) => {
      process.stderr.write(`bench: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`)
      process.exit(2)
    },
  )
}
