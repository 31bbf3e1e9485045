/**
 * The consume loop around kafkajs: fetched batches go to per-partition workers at once (so a
 * slow or waiting partition never holds up the fetcher, kafkajs#1732, #1083); offsets are
 * committed explicitly up to each partition's watermark (D-35, #1729); halts are shared through
 * the control topic (lib/halts.ts); start-up order as §2, shutdown as §7.
 */
import type { Admin, Consumer, EachBatchPayload, Kafka, Producer } from 'kafkajs'
import { PartitionAssigners } from 'kafkajs'
import { beforeEveryJoin, RangeCompatAssigner, RoundRobinCompatAssigner } from './assigner.ts'
import type { Config } from './config.ts'
import { createCommitter } from './committer.ts'
import { createControlChannel, type ControlChannel, type ControlRecord } from './control.ts'
import { createHalts, type Halts } from './halts.ts'
import { createHeapBudget } from './heap-budget.ts'
import { ensureTopics, topicSpecs } from './kafka.ts'
import { paceFetches } from './fetch-pacing.ts'
import { updateLag } from './lag.ts'
import type { Logger } from './log.ts'
import type { Metrics } from './metrics.ts'
import { abortableSleep, highWaterFor, PartitionWorker, type PartitionHost } from './partition.ts'
import type { ProcessorDeps } from './processor.ts'
import type { Registry } from './registry.ts'
import { Semaphore } from './semaphore.ts'
import { baseNameOfTopic, topicName } from './topics.ts'

/** Readiness as /_health reports it. */
export interface Health {
  ready: boolean
  reason?: string
}

/** One partition in a status snapshot (console, `status`). */
export interface PartitionStatus {
  topic: string
  baseName: string
  partition: number
  committed: string | null
  /** High watermark at the last lag update (null before the first). */
  end: string | null
  lag: number
  queued: number
  halted: boolean
  waiting: boolean
  /** Halted: the offset consumption restarts from on resume (the failed record after a failure halt). */
  resumeFrom: string | null
}

/** What /halt, /resume, /_health and the console use. */
export interface ConsumerControl {
  health(): Health
  halt(baseName: string): Promise<void>
  resume(baseName: string): Promise<void>
  halted(): string[]
  partitions(): PartitionStatus[]
  /** Latest control record of a base name (why and since when it is halted or resumed). */
  haltRecord?(baseName: string): ControlRecord | undefined
}

/** Options of {@link createConsumer}. */
export interface ConsumerOptions {
  config: Config
  log: Logger
  metrics: Metrics
  kafka: Kafka
  registry: Registry
  processor: Omit<ProcessorDeps, 'deadLetter'>
  createDeadLetter: (producer: Producer) => ProcessorDeps['deadLetter']
  /** Fetch wait; small values make rebalances fast in tests. */
  maxWaitTimeInMs?: number
  /** How often missing topics are looked for again (30 s). */
  missingTopicRecheckMs?: number
  now?: () => number
}

const SHUTDOWN_GRACE_MS = 20_000
/** How long a rejoin waits for running records (below the 30 s session timeout: no heartbeats meanwhile). */
const REVOKE_GRACE_MS = 20_000
const LAG_INTERVAL_MS = 5_000
const FETCH_SILENCE_MS = 30_000
/**
 * Longest wait of a fetch for new records. A fetch that holds only empty partitions (the busy
 * ones paused by backpressure) blocks the next one this long: 500 ms cut db-flags throughput from
 * 42k to 15k messages/s with small queues (bench/README.md). Idle: 10 empty fetches per second.
 */
const FETCH_WAIT_MS = 100
const MISSING_TOPIC_RECHECK_MS = 30_000

/** Builds the consumer; `start()` runs §2 steps 5-8, `stop()` §7. */
export function createConsumer(o: ConsumerOptions) {
  const { config, log, metrics } = o
  const now = o.now ?? Date.now
  const topics = o.registry.baseNames.map((b) => topicName(config.deploymentName, b))
  const workers = new Map<string, PartitionWorker>()
  const key = (t: string, p: number) => `${t}#${p}`
  const semaphore = new Semaphore(config.workers)
  const stopSignal = new AbortController()
  const heap = createHeapBudget()
  let state: 'new' | 'topics' | 'control' | 'database' | 'joining' | 'running' | 'stopping' | 'stopped' = 'new'
  let lastFetchAt = now()
  let crashed: string | undefined
  let admin: Admin | undefined
  let producer: Producer | undefined
  /** Set once it runs (pause/seek throw before that); `connected` is the same one, from its creation. */
  let consumer: Consumer | undefined
  let connected: Consumer | undefined
  let control: ControlChannel | undefined
  let halts: Halts | undefined
  let assignment: Record<string, number[]> = {}
  let highWater = highWaterFor(1) // per partition, from the assignment's size
  let lagTimer: ReturnType<typeof setInterval> | undefined
  let processor: ProcessorDeps | undefined
  let missing: string[] = []
  let subscribed: string[] = []
  let missingTimer: ReturnType<typeof setInterval> | undefined

  const runConfig = {
    autoCommit: false,
    eachBatchAutoResolve: true,
    eachBatch: async ({ batch, isStale }: EachBatchPayload) => {
      if (isStale() || state === 'stopping') return
      workerFor(batch.topic, batch.partition)?.enqueue(batch.messages)
      heap.check()
    },
  }

  /**
   * Subscribes to the topics that exist; a missing topic is logged and subscribed once it
   * appears (the consumer is restarted for that), never a reason to stop (§2 step 7).
   */
  async function subscribeExisting(c: Consumer, known?: Set<string>) {
    let existing: Set<string>
    try {
      existing = known ?? new Set(await (admin as Admin).listTopics())
    } catch (err) {
      log.warn('could not list topics', { error: err })
      return
    }
    const now = topics.filter((t) => existing.has(t) && !subscribed.includes(t))
    missing = topics.filter((t) => !existing.has(t))
    if (missing.length) log.error('topics do not exist; they are subscribed once they do', { missing })
    if (!now.length) return
    if (subscribed.length) {
      await revokeAll() // commit while still in the group; stop() leaves it
      await c.stop()
    }
    subscribed = [...subscribed, ...now]
    await c.subscribe({ topics: now, fromBeginning: config.kafka.fromBeginning })
    await c.run(runConfig)
    if (!missing.length) clearInterval(missingTimer)
  }

  const committer = createCommitter({
    commit: (offsets) => (consumer as Consumer).commitOffsets(offsets),
    owns: (w) => workers.get(key(w.topic, w.partition)) === w,
    log,
    metrics,
  })

  const host = (): PartitionHost => ({
    processor: processor as ProcessorDeps,
    semaphore,
    now,
    finished: (w, kind, count) => {
      if (kind === 'done') halts?.succeeded(w.baseName)
      committer.schedule(w)
      heap.check(count)
    },
    halt: (w, reason, offset) => {
      log.error('topic halted after a failed record', { topic: w.topic, partition: w.partition, offset, base_name: w.baseName, reason })
      o.processor.lastError?.halted({ topic: w.topic, partition: w.partition, offset, baseName: w.baseName, reason })
      halts?.haltByFailure(w.baseName, reason, { partition: w.partition, offset })
    },
    highWater: () => highWater,
    throttle: (w, paused) => {
      if (!consumer) return
      const tp = [{ topic: w.topic, partitions: [w.partition] }]
      if (paused) consumer.pause(tp)
      else if (!w.halted) consumer.resume(tp)
    },
  })

  function workerFor(topic: string, partition: number): PartitionWorker | undefined {
    const k = key(topic, partition)
    let w = workers.get(k)
    if (w) return w
    const baseName = baseNameOfTopic(config.deploymentName, topic)
    if (!baseName) return undefined
    w = new PartitionWorker(topic, partition, baseName, host())
    if (halts?.isHalted(baseName)) w.haltLocal()
    workers.set(k, w)
    return w
  }

  /**
   * Before every (re)join (§6.8, D-38): the eager protocol revokes every partition, so stop
   * starting records, let running attempts finish (abandoning waits; at most REVOKE_GRACE_MS),
   * commit what is finished while the old generation is still valid, and drop the workers. The
   * next assignment makes new ones; kafkajs fetches from the committed offsets, so no record is
   * handled here after another member may have started on its partition, and none finished here
   * is handled again there. kafkajs keeps pauses across assignments: unpause what halts or
   * backpressure paused, onAssignment pauses the halted partitions again before fetching.
   */
  async function revokeAll() {
    const all = [...workers.values()]
    if (!all.length) return
    const started = now()
    for (const w of all) w.stop()
    const grace = new AbortController()
    const idle = Promise.all(all.map((w) => w.idle()))
    await Promise.race([idle, abortableSleep(REVOKE_GRACE_MS, grace.signal)])
    grace.abort()
    await committer.flush(all)
    for (const w of all) {
      workers.delete(key(w.topic, w.partition))
      metrics.consumerLag.remove({ topic_name: w.topic, partition: String(w.partition) })
    }
    consumer?.resume(all.map((w) => ({ topic: w.topic, partitions: [w.partition] })))
    assignment = {}
    log.info('partitions revoked for a rebalance', { partitions: all.length, waited_ms: now() - started, unfinished: all.filter((w) => w.busy).length })
  }

  /** `group`: who we are in the new generation (logged: which member leads, which protocol won, D-38). */
  function onAssignment(next: Record<string, number[]>, group: { member: string; leader: boolean; protocol: string }) {
    const keep = new Set(Object.entries(next).flatMap(([t, ps]) => ps.map((p) => key(t, p))))
    for (const [k, w] of workers) {
      if (keep.has(k)) continue
      w.stop() // revoked: abandon waits; its finished records were committed or are re-handled by the new owner
      workers.delete(k)
      metrics.consumerLag.remove({ topic_name: w.topic, partition: String(w.partition) })
    }
    assignment = next
    highWater = highWaterFor(Object.values(next).reduce((n, ps) => n + ps.length, 0))
    for (const [t, ps] of Object.entries(next)) {
      for (const p of ps) {
        const w = workerFor(t, p)
        if (w?.halted) consumer?.pause([{ topic: t, partitions: [p] }]) // MUST pause before any record of a halted topic is handled
      }
    }
    log.info('partitions assigned', { assignment: next, ...group })
  }

  const control_: ConsumerControl = {
    health() {
      if (state === 'stopping' || state === 'stopped') return { ready: false, reason: 'shutting down' }
      if (state !== 'running') return { ready: false, reason: { new: 'starting', topics: 'creating topics', control: 'reading the control topic', database: 'connecting to the knowledge graph', joining: 'joining the consumer group' }[state] }
      if (crashed) return { ready: false, reason: `consumer crashed: ${crashed}` }
      if (now() - lastFetchAt > FETCH_SILENCE_MS) return { ready: false, reason: `no fetch from the Kafka broker for ${Math.round((now() - lastFetchAt) / 1000)} s` }
      const stuck = [...workers.values()].find((w) => w.isStuck(now(), config.stuckSeconds * 1000))
      if (stuck) return { ready: false, reason: `partition ${stuck.partition} of ${stuck.topic} is stuck: lag ${stuck.lag}, no progress for ${config.stuckSeconds} s` }
      return { ready: true }
    },
    halt: (b) => (halts as Halts).haltByOperator(b),
    resume: (b) => (halts as Halts).resumeByOperator(b),
    halted: () => halts?.halted() ?? [],
    partitions: () =>
      [...workers.values()].map((w) => ({
        topic: w.topic,
        baseName: w.baseName,
        partition: w.partition,
        committed: (w.committedAt ?? (w.endOffset === null ? null : w.endOffset - BigInt(w.lag)))?.toString() ?? null,
        end: w.endOffset?.toString() ?? null,
        lag: w.lag,
        queued: w.queued,
        halted: w.halted,
        waiting: w.waiting,
        resumeFrom: w.resumeFrom?.toString() ?? null,
      })),
    haltRecord: (b) => control?.latest(b),
  }

  return {
    control: control_,
    /** Runs start-up steps 5-8; resolves once the consumer runs (ready after the first join). */
    async start(beforeJoin?: Promise<unknown>) {
      state = 'topics'
      const a = (admin = o.kafka.admin())
      const p = (producer = o.kafka.producer({ idempotent: true, maxInFlightRequests: 1, allowAutoTopicCreation: false }))
      paceFetches(config.kafka.groupId) // busy: up to 3 ms per fetch to gather records (lib/fetch-pacing.ts)
      const c = (connected = o.kafka.consumer({
        groupId: config.kafka.groupId,
        rebalanceTimeout: config.kafka.maxPollIntervalMs,
        sessionTimeout: 30_000,
        heartbeatInterval: 3_000,
        maxWaitTimeInMs: o.maxWaitTimeInMs ?? FETCH_WAIT_MS,
        // Per fetch at most 1 MiB, 128 KiB per partition (kafkajs: 10 MiB / 1 MiB; the config's
        // response limit when lower): with the queue budget this bounds the records held in
        // memory. A larger record still arrives whole (the broker always returns the first one).
        maxBytes: Math.min(config.kafka.receiveMessageMaxBytes, 1024 * 1024),
        maxBytesPerPartition: 128 * 1024,
        allowAutoTopicCreation: false,
        // D-38: librdkafka's protocols first (roundrobin preferred), kafkajs's own only as a fallback.
        partitionAssigners: [beforeEveryJoin(RoundRobinCompatAssigner, revokeAll), RangeCompatAssigner, PartitionAssigners.roundRobin],
      }))
      // All three connect at once (connecting joins no group); the topic list is reused to subscribe.
      const [known] = await Promise.all([
        a.connect().then(() => ensureTopics(a, topicSpecs(config, topics), config.controlTopic, log)),
        p.connect(),
        c.connect(),
      ])
      processor = { ...o.processor, deadLetter: o.createDeadLetter(producer) }
      state = 'control'
      control = createControlChannel({ kafka: o.kafka, producer, admin, topic: config.controlTopic, groupId: config.kafka.groupId, log })
      halts = createHalts({ config, log, metrics, control, now, apply: applyHalt })
      await control.start(stopSignal.signal)
      if (beforeJoin) {
        state = 'database' // MUST NOT consume before the knowledge graph answers
        await beforeJoin
      }
      state = 'joining'
      consumer = c
      c.on(c.events.GROUP_JOIN, ({ payload }) => {
        crashed = undefined
        onAssignment(payload.memberAssignment, { member: payload.memberId, leader: payload.isLeader, protocol: payload.groupProtocol })
        if (state === 'joining') {
          state = 'running'
          log.info('ready: consumer group joined', { group: config.kafka.groupId, topics: topics.length })
          // Start-up garbage (module init, topic and group set-up) is collected once: idle RSS
          // 91 -> 87 MiB for ~15 ms, once (bench/README.md).
          setTimeout(() => heap.collectNow(), 1000).unref?.()
        }
      })
      c.on(c.events.FETCH, () => void (lastFetchAt = now()))
      c.on(c.events.REBALANCING, committer.kick) // commit what is finished before partitions move
      c.on(c.events.CRASH, ({ payload }) => {
        crashed = String(payload.error?.message ?? payload.error)
        log.error('consumer crashed', { error: payload.error, restart: payload.restart })
      })
      await subscribeExisting(c, known)
      lagTimer = setInterval(
        () => void updateLag({ admin: admin as Admin, groupId: config.kafka.groupId, topics: Object.keys(assignment), workerOf: (t, p) => workers.get(key(t, p)), metrics, log }),
        LAG_INTERVAL_MS,
      )
      if (missing.length) missingTimer = setInterval(() => void subscribeExisting(c), o.missingTopicRecheckMs ?? MISSING_TOPIC_RECHECK_MS)
    },
    /** Graceful shutdown (§7): finish running attempts (<= 20 s), commit, leave, close. */
    async stop() {
      if (state === 'stopped' || state === 'stopping') return
      state = 'stopping'
      stopSignal.abort()
      clearInterval(lagTimer)
      clearInterval(missingTimer)
      const all = [...workers.values()]
      for (const w of all) w.haltLocal()
      if (consumer) consumer.pause(topics.map((topic) => ({ topic })))
      const idle = Promise.all(all.map((w) => w.idle()))
      const grace = new AbortController()
      await Promise.race([idle, abortableSleep(SHUTDOWN_GRACE_MS, grace.signal)])
      grace.abort()
      for (const w of all) w.stop()
      await Promise.race([idle, Bun.sleep(2000)])
      await committer.flush(all)
      await halts?.flush()
      await connected?.disconnect().catch((err: unknown) => log.warn('leaving the group failed', { error: err }))
      await control?.stop()
      await producer?.disconnect().catch(() => {})
      await admin?.disconnect().catch(() => {})
      state = 'stopped'
    },
  }

  /** Applies a halt (true) or resume (false) of a base name to this replica's partitions. */
  function applyHalt(baseName: string, halted: boolean) {
    const topic = topicName(config.deploymentName, baseName)
    const mine = (assignment[topic] ?? []).map((p) => workerFor(topic, p)).filter((w): w is PartitionWorker => !!w)
    for (const w of mine) {
      if (halted) {
        w.haltLocal()
        consumer?.pause([{ topic, partitions: [w.partition] }])
        continue
      }
      const from = w.resumeLocal()
      if (from !== null) consumer?.seek({ topic, partition: w.partition, offset: from.toString() })
      consumer?.resume([{ topic, partitions: [w.partition] }])
    }
  }
}

/** The consumer built by {@link createConsumer}. */
export type InvestigatorConsumer = ReturnType<typeof createConsumer>
