/**
 * Benchmark plumbing: the service and the Kubernetes API test server as child processes,
 * /proc sampling (RSS, peak RSS, CPU), a fast pre-loading producer, and the commit watcher.
 *
 * Commit watcher: every offset commit of a consumer group is a record in `__consumer_offsets`
 * whose value carries the broker's commit timestamp. Reading that topic gives each commit's exact
 * time and offset without polling the service or the broker, so "produce timestamp -> commit that
 * covers the record" is measured on one clock (the machine's) with no sampling error.
 */
import { createServer } from 'node:net'
import { appendFileSync, openSync, readFileSync } from 'node:fs'
import { cpus, loadavg } from 'node:os'
import { join } from 'node:path'
import { Kafka, logLevel, type Admin, type Consumer, type Message, type Producer } from 'kafkajs'
import { fixKafkajsTimerLoop } from '../lib/kafka.ts'

/** Repository root (bench/..). */
export const ROOT = join(import.meta.dir, '..')
const CLK_TCK = 100 // getconf CLK_TCK on Linux x86-64

/** RSS, peak RSS (VmHWM) and CPU seconds (utime + stime) of a live process. */
export interface ProcStats {
  rssMiB: number
  peakMiB: number
  cpuSeconds: number
}

/** Reads /proc/<pid>/status and /proc/<pid>/stat; null once the process is gone. */
export function procStats(pid: number): ProcStats | null {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8')
    const kib = (key: string) => Number(new RegExp(`^${key}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? 0)
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ') // fields[0] is field 3 (state)
    const ticks = Number(fields[11]) + Number(fields[12]) // utime (14), stime (15)
    return { rssMiB: kib('VmRSS') / 1024, peakMiB: kib('VmHWM') / 1024, cpuSeconds: ticks / CLK_TCK }
  } catch {
    return null
  }
}

/** Samples VmRSS and CPU seconds every `everyMs` (the service's memory and CPU timeline). */
export function procSampler(pid: number, everyMs = 25) {
  const samples: Array<{ at: number; rssMiB: number; cpuSeconds: number }> = []
  const timer = setInterval(() => {
    const s = procStats(pid)
    if (s) samples.push({ at: Date.now(), rssMiB: s.rssMiB, cpuSeconds: s.cpuSeconds })
  }, everyMs)
  return {
    samples,
    stop: () => clearInterval(timer),
    maxRss: () => samples.reduce((m, x) => Math.max(m, x.rssMiB), 0),
    /** CPU seconds at time `at` (last sample at or before it). */
    cpuAt: (at: number) => samples.findLast((x) => x.at <= at)?.cpuSeconds ?? 0,
  }
}

/** Core count, CPU model and load averages, for every result. */
export function machine() {
  const c = cpus()
  return { cores: c.length, cpu: c[0]?.model ?? 'unknown', loadavg: loadavg().map((x) => Math.round(x * 100) / 100) }
}

/** A free TCP port on 127.0.0.1. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer()
    s.once('error', reject)
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port
      s.close(() => resolve(port))
    })
  })
}

/** The Kubernetes API test server in its own process (bench/kube-server.ts). */
export interface KubeServerProcess {
  url: string
  kubeconfig: string
  pid: number
  counts(): Promise<Record<string, number>>
  stop(): Promise<void>
}

/** Starts bench/kube-server.ts and waits for its address line. */
export async function startKubeServer(env: Record<string, string>): Promise<KubeServerProcess> {
  const proc = Bun.spawn([process.execPath, join(ROOT, 'bench', 'kube-server.ts')], {
    cwd: ROOT,
    env: { ...process.env, ...env },
    stdout: 'pipe',
    stderr: 'inherit',
  })
  const reader = proc.stdout.getReader()
  let text = ''
  while (!text.includes('\n')) {
    const { value, done } = await reader.read()
    if (done) throw new Error('kube-server exited before it was ready')
    text += new TextDecoder().decode(value)
  }
  reader.releaseLock()
  const info = JSON.parse(text.slice(0, text.indexOf('\n'))) as { url: string; kubeconfig: string; control: string }
  return {
    url: info.url,
    kubeconfig: info.kubeconfig,
    pid: proc.pid,
    counts: async () => (await (await fetch(`${info.control}/counts`)).json()) as Record<string, number>,
    async stop() {
      proc.kill('SIGTERM')
      await proc.exited
    },
  }
}

/** BENCH_SERVICE_ENV="K=V K=V": extra service environment for experiments (e.g. BUN_JSC_* options). */
function extraEnv(): Record<string, string> {
  const pairs = (process.env.BENCH_SERVICE_ENV ?? '').split(' ').filter((kv) => kv.includes('='))
  return Object.fromEntries(pairs.map((kv) => [kv.slice(0, kv.indexOf('=')), kv.slice(kv.indexOf('=') + 1)]))
}

/** The service under test as a child process; its stdout and stderr go to `logPath`. */
export interface ServiceProcess {
  pid: number
  url: string
  command: string[]
  spawnedAt: number
  /** Waits for /_health 200; returns ms since spawn. */
  ready(timeoutMs?: number): Promise<number>
  metrics(): Promise<string>
  /** True while the process runs. */
  alive(): boolean
  /** SIGTERM, then the exit code (SIGKILL after `graceMs`). */
  stop(graceMs?: number): Promise<number | null>
}

/** Runs the compiled binary (`binary`), or `bun run main.ts` when binary is null. */
export function spawnService(env: Record<string, string>, port: number, binary: string | null, logPath: string): ServiceProcess {
  // BENCH_BUN_ARGS: extra Bun flags with `bun run` (profiling: --cpu-prof, --heap-prof, --preload x.ts).
  const bunArgs = (process.env.BENCH_BUN_ARGS ?? '').split(' ').filter(Boolean)
  const command = binary ? [binary, 'serve'] : [process.execPath, 'run', ...bunArgs, join(ROOT, 'main.ts'), 'serve']
  const out = openSync(logPath, 'a')
  const spawnedAt = Date.now()
  const proc = Bun.spawn(command, {
    cwd: binary ? '/' : ROOT,
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin', ...env, ...extraEnv(), THOTH_INVESTIGATOR_PORT: String(port) },
    stdout: out,
    stderr: out,
  })
  const url = `http://127.0.0.1:${port}`
  let exited = false
  void proc.exited.then(() => (exited = true))
  return {
    pid: proc.pid,
    url,
    command,
    spawnedAt,
    async ready(timeoutMs = 60_000) {
      const deadline = Date.now() + timeoutMs
      while (Date.now() < deadline) {
        if (exited) throw new Error(`service exited with ${proc.exitCode} before it was ready; log: ${logPath}`)
        try {
          const res = await fetch(`${url}/_health`)
          if (res.status === 200) return Date.now() - spawnedAt
        } catch {
          // not listening yet
        }
        await Bun.sleep(10)
      }
      throw new Error(`service not ready after ${timeoutMs} ms; log: ${logPath}`)
    },
    metrics: async () => (await fetch(`${url}/metrics`)).text(),
    alive: () => !exited,
    async stop(graceMs = 30_000) {
      if (exited) return proc.exitCode
      proc.kill('SIGTERM')
      const timer = setTimeout(() => proc.kill('SIGKILL'), graceMs)
      const code = await proc.exited
      clearTimeout(timer)
      return code
    },
  }
}

/** Sum of the samples of a Prometheus metric whose labels include `labels`. */
export function metricSum(text: string, name: string, labels: Record<string, string> = {}): number {
  let sum = 0
  for (const line of text.split('\n')) {
    if (!line.startsWith(name)) continue
    const rest = line.slice(name.length)
    if (rest[0] !== '{' && rest[0] !== ' ') continue
    if (!Object.entries(labels).every(([k, v]) => rest.includes(`${k}="${v}"`))) continue
    sum += Number(rest.slice(rest.lastIndexOf(' ') + 1))
  }
  return sum
}

/**
 * kafkajs client for the harness itself (never the service's), with the service's fix for
 * kafkajs#1751 (each connection of the harness woke it every 1 ms, with TimeoutNegativeWarning
 * on stderr; no measurable change in the latency runs).
 */
export function harnessKafka(brokers: string[]): Kafka {
  fixKafkajsTimerLoop()
  return new Kafka({ clientId: 'bench', brokers, logLevel: logLevel.WARN })
}

/** One topic to create before the service starts. */
export interface TopicSpec {
  topic: string
  numPartitions: number
  configEntries?: Array<{ name: string; value: string }>
}

/** Creates all topics in one request (the service then finds them and creates none). */
export async function createTopics(admin: Admin, specs: TopicSpec[]): Promise<void> {
  await admin.createTopics({ topics: specs.map((s) => ({ ...s, replicationFactor: 1 })), waitForLeaders: true })
}

/** A batch of records for one topic. */
export interface Batch {
  topic: string
  messages: Message[]
}

/** Produced records per `topic#partition`: [first offset, count, produce timestamp] per send. */
export type ProducedRanges = Map<string, Array<[number, number, number]>>

/** Records the offsets a send got (messages carry explicit partitions). */
function recordRanges(ranges: ProducedRanges, b: Batch, ts: number, meta: Array<{ topicName: string; partition: number; baseOffset?: string }>) {
  const counts = new Map<number, number>()
  for (const m of b.messages) counts.set(m.partition as number, (counts.get(m.partition as number) ?? 0) + 1)
  for (const r of meta) {
    const k = `${r.topicName}#${r.partition}`
    let list = ranges.get(k)
    if (!list) ranges.set(k, (list = []))
    list.push([Number(r.baseOffset), counts.get(r.partition) ?? 0, ts])
  }
}

/**
 * Sends batches with up to `inFlight` requests outstanding (no per-message await). Every message
 * must name its partition; all messages of a send get the send's time as their timestamp.
 */
export async function produceAll(producer: Producer, batches: Iterable<Batch>, inFlight = 4, ranges: ProducedRanges = new Map()) {
  const started = performance.now()
  const running = new Set<Promise<unknown>>()
  let count = 0
  for (const b of batches) {
    count += b.messages.length
    const ts = Date.now()
    for (const m of b.messages) m.timestamp = String(ts)
    const p: Promise<unknown> = producer
      .send({ topic: b.topic, messages: b.messages, acks: -1 })
      .then((meta) => recordRanges(ranges, b, ts, meta))
      .finally(() => running.delete(p))
    running.add(p)
    if (running.size >= inFlight) await Promise.race(running)
  }
  await Promise.all(running)
  return { count, seconds: (performance.now() - started) / 1000, ranges }
}

/** One commit as the broker recorded it. */
export interface Commit {
  offset: number
  at: number
}

/** Decodes an OffsetCommit record of `__consumer_offsets`; null for other record kinds. */
export function decodeOffsetCommit(key: Buffer | null, value: Buffer | null) {
  if (!key || !value || key.length < 2) return null
  const keyVersion = key.readInt16BE(0)
  if (keyVersion !== 0 && keyVersion !== 1) return null // 2 = group metadata
  let at = 2
  const str = (buf: Buffer) => {
    const len = buf.readInt16BE(at)
    const s = buf.toString('utf8', at + 2, at + 2 + len)
    at += 2 + len
    return s
  }
  const group = str(key)
  const topic = str(key)
  const partition = key.readInt32BE(at)
  const valueVersion = value.readInt16BE(0)
  const offset = Number(value.readBigInt64BE(2))
  at = 10 + (valueVersion >= 3 ? 4 : 0)
  str(value) // metadata
  const commitTimestamp = Number(value.readBigInt64BE(at))
  return { group, topic, partition, offset, commitTimestamp }
}

/** Follows one group's commits from `__consumer_offsets` (see the file header). */
export class CommitWatcher {
  /** Commits per `topic#partition`, in log order. */
  readonly commits = new Map<string, Commit[]>()
  /** Commits whose offset was lower than an earlier one of the same partition. */
  regressions = 0
  private waiters: Array<() => void> = []
  private constructor(
    private readonly consumer: Consumer,
    readonly groupId: string,
  ) {}

  /** Joins a watcher group and starts reading at the current end (nothing is missed after it returns). */
  static async start(kafka: Kafka, admin: Admin, groupId: string): Promise<CommitWatcher> {
    const topic = '__consumer_offsets'
    const ends = await admin.fetchTopicOffsets(topic)
    const consumer = kafka.consumer({ groupId: `bench-watch-${crypto.randomUUID()}`, maxWaitTimeInMs: 50 })
    const w = new CommitWatcher(consumer, groupId)
    const joined = new Promise<void>((resolve) => consumer.on(consumer.events.GROUP_JOIN, () => resolve()))
    await consumer.connect()
    await consumer.subscribe({ topic, fromBeginning: false })
    await consumer.run({
      autoCommit: false,
      eachBatch: async ({ batch }) => {
        for (const m of batch.messages) {
          const c = decodeOffsetCommit(m.key, m.value)
          if (!c || c.group !== groupId) continue
          const k = `${c.topic}#${c.partition}`
          let list = w.commits.get(k)
          if (!list) w.commits.set(k, (list = []))
          const last = list.at(-1)
          if (last && c.offset < last.offset) w.regressions++
          list.push({ offset: c.offset, at: c.commitTimestamp })
        }
        const waiting = w.waiters
        w.waiters = []
        for (const f of waiting) f()
      },
    })
    for (const e of ends) consumer.seek({ topic, partition: e.partition, offset: e.offset })
    await joined
    return w
  }

  /** Latest committed offset of a partition (-1: none). */
  committed(topic: string, partition: number): number {
    return this.commits.get(`${topic}#${partition}`)?.at(-1)?.offset ?? -1
  }

  /** Commit time of the first commit at or past every end offset; throws after `timeoutMs`. */
  async waitFor(ends: Map<string, number>, timeoutMs: number, stillAlive: () => boolean): Promise<number> {
    const deadline = Date.now() + timeoutMs
    for (;;) {
      let last = 0
      let done = true
      for (const [k, end] of ends) {
        if (end === 0) continue
        const hit = this.commits.get(k)?.find((c) => c.offset >= end)
        if (!hit) {
          done = false
          break
        }
        last = Math.max(last, hit.at)
      }
      if (done) return last
      if (Date.now() > deadline) throw new Error(`not all offsets committed after ${timeoutMs} ms: ${this.describe(ends)}`)
      if (!stillAlive()) throw new Error(`the service exited before all offsets were committed: ${this.describe(ends)}`)
      await new Promise<void>((resolve) => {
        this.waiters.push(resolve)
        setTimeout(resolve, 250)
      })
    }
  }

  /** Per partition: committed / end. */
  describe(ends: Map<string, number>): string {
    return [...ends].map(([k, e]) => `${k} ${this.commits.get(k)?.at(-1)?.offset ?? -1}/${e}`).join(', ')
  }

  /** Time of the group's first commit (any partition); waits for it. */
  async firstCommit(timeoutMs: number, stillAlive: () => boolean): Promise<number> {
    const deadline = Date.now() + timeoutMs
    for (;;) {
      let first: number | null = null
      for (const list of this.commits.values()) if (list[0] && (first === null || list[0].at < first)) first = list[0].at
      if (first !== null) return first
      if (Date.now() > deadline) throw new Error(`no commit after ${timeoutMs} ms`)
      if (!stillAlive()) throw new Error('the service exited before its first commit')
      await new Promise<void>((resolve) => {
        this.waiters.push(resolve)
        setTimeout(resolve, 100)
      })
    }
  }

  /** Records committed at or before time `at`, summed over partitions (topics start at offset 0). */
  committedBy(at: number): number {
    let sum = 0
    for (const list of this.commits.values()) sum += list.findLast((c) => c.at <= at)?.offset ?? 0
    return sum
  }

  /**
   * Per record: ms from its produce timestamp to the first commit whose offset passes it, for
   * the records produced in [from, to) (ms since the epoch).
   */
  latencies(ranges: ProducedRanges, from = Number.NEGATIVE_INFINITY, to = Number.POSITIVE_INFINITY): Float64Array {
    let total = 0
    for (const list of ranges.values()) for (const r of list) total += r[1]
    const out = new Float64Array(total)
    let n = 0
    for (const [k, list] of ranges) {
      const commits = this.commits.get(k) ?? []
      let i = 0
      for (const [start, count, ts] of [...list].sort((a, b) => a[0] - b[0])) {
        if (ts < from || ts >= to) continue
        for (let offset = start; offset < start + count; offset++) {
          while (i < commits.length && (commits[i] as Commit).offset <= offset) i++
          const c = commits[i]
          out[n++] = c ? c.at - ts : Number.NaN
        }
      }
    }
    return out.subarray(0, n)
  }

  async stop(): Promise<void> {
    await this.consumer.disconnect()
  }
}

/**
 * Splits produce -> commit latency at the moment a record was handled, for the records whose
 * handler logs one line each (update-provides-source-distro: `provides_source_distro updated`,
 * with topic, partition, offset and time bound). Log times have millisecond resolution.
 */
export function latencyBreakdown(logText: string, ranges: ProducedRanges, watcher: CommitWatcher) {
  const produced = new Map<string, number>()
  for (const [k, list] of ranges) for (const [start, count, ts] of list) for (let o = start; o < start + count; o++) produced.set(`${k}#${o}`, ts)
  const toHandled: number[] = []
  const toCommit: number[] = []
  for (const line of logText.split('\n')) {
    if (!line.includes('provides_source_distro updated')) continue
    const r = JSON.parse(line) as { time: string; topic: string; partition: number; offset: string }
    const k = `${r.topic}#${r.partition}`
    const ts = produced.get(`${k}#${r.offset}`)
    const commit = watcher.commits.get(k)?.find((c) => c.offset > Number(r.offset))
    if (ts === undefined || !commit) continue
    const handled = Date.parse(r.time)
    if (process.env.BENCH_DIAG_DUMP) appendFileSync(process.env.BENCH_DIAG_DUMP, `${ts} ${handled} ${commit.at} ${k} ${r.offset}\n`)
    toHandled.push(handled - ts)
    toCommit.push(commit.at - handled)
  }
  return { records: toHandled.length, produceToHandled: latencySummary(Float64Array.from(toHandled)), handledToCommit: latencySummary(Float64Array.from(toCommit)) }
}

/** p50/p95/p99/max of latencies (nearest rank); records never committed count as lost. */
export function latencySummary(values: Float64Array) {
  const sorted = Float64Array.from(values.filter((v) => !Number.isNaN(v))).sort()
  const at = (p: number) => (sorted.length ? (sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))] as number) : Number.NaN)
  return { p50: at(50), p95: at(95), p99: at(99), max: at(100), records: sorted.length, uncommitted: values.length - sorted.length }
}

/** The end offsets of topics as `topic#partition` -> offset. */
export async function endOffsets(admin: Admin, topics: string[]): Promise<Map<string, number>> {
  const ends = new Map<string, number>()
  for (const t of topics) for (const o of await admin.fetchTopicOffsets(t)) ends.set(`${t}#${o.partition}`, Number(o.high))
  return ends
}
