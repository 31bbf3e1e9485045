/**
 * Reading the dead-letter topic (D-31, §6.5) for the `dead-letters` command and the operator
 * console: a dead letter split into its original parts and its `thoth.dl.*` headers, ranged reads
 * in a consumer group that commit only when the caller says so, and the newest-N listing.
 */
import type { Admin, IHeaders, Kafka, KafkaMessage } from 'kafkajs'
import { randomUUID } from 'node:crypto'
import { DL } from '../dead-letter.ts'

/** One dead letter as read from the topic. */
export interface DeadLetter {
  readonly partition: number
  readonly offset: string
  readonly key: Buffer | null
  readonly value: Buffer | null
  /** Headers of the original record (without `thoth.dl.*`). */
  readonly headers: IHeaders
  /** `thoth.dl.*` headers as text; absent ones are undefined. */
  readonly topic?: string
  readonly baseName?: string
  readonly originalPartition?: string
  readonly originalOffset?: string
  readonly reason?: string
  readonly errorClass?: string
  readonly errorMessage?: string
  readonly attempts?: string
  readonly deadLetteredAt?: string
}

const text = (v: IHeaders[string]): string | undefined =>
  v === undefined ? undefined : (Array.isArray(v) ? v.at(-1) : v)?.toString('utf8')

/** Splits a dead letter's headers into the original ones and ours. */
export function parseDeadLetter(m: KafkaMessage, partition: number): DeadLetter {
  const headers: IHeaders = {}
  for (const [k, v] of Object.entries(m.headers ?? {})) if (!k.startsWith('thoth.dl.') && v !== undefined) headers[k] = v
  const h = m.headers ?? {}
  return {
    partition,
    offset: m.offset,
    key: m.key,
    value: m.value,
    headers,
    topic: text(h[DL.topic]),
    baseName: text(h[DL.baseName]),
    originalPartition: text(h[DL.partition]),
    originalOffset: text(h[DL.offset]),
    reason: text(h[DL.reason]),
    errorClass: text(h[DL.errorClass]),
    errorMessage: text(h[DL.errorMessage]),
    attempts: text(h[DL.attempts]),
    deadLetteredAt: text(h[DL.deadLetteredAt]),
  }
}

export interface Range {
  partition: number
  /** First offset to read. */
  start: bigint
  /** High watermark when the read began: records from here on are left for later. */
  end: bigint
  done: boolean
}

/** What the reader does after a record: go on, stop this partition, or stop the whole read. */
export type Step = 'next' | 'stop-partition' | 'stop-all'
/** Commits `next` as the position of the record's partition in the reading group. */
export type Commit = (next: bigint) => Promise<void>

/** Committed offsets of a group on a topic (partitions without one are absent). */
export async function committed(admin: Admin, groupId: string, topic: string): Promise<Map<number, bigint>> {
  const [t] = await admin.fetchOffsets({ groupId, topics: [topic] })
  return new Map((t?.partitions ?? []).filter((p) => BigInt(p.offset) >= 0n).map((p) => [p.partition, BigInt(p.offset)]))
}

/**
 * Reads each range from `start` to `end` in group `groupId`, calling `each` for every record in
 * order and `flush` at the end of every batch. Commits only through the `Commit` it hands out.
 */
export async function readRanges(o: {
  kafka: Kafka
  groupId: string
  topic: string
  ranges: Range[]
  idleTimeoutMs: number
  /** Ends the read after the record being handled (Ctrl-C). */
  signal?: AbortSignal
  each(m: KafkaMessage, partition: number, commit: Commit): Promise<Step>
  flush?(partition: number, commit: Commit): Promise<void>
}): Promise<void> {
  for (const r of o.ranges) r.done = r.start >= r.end
  if (o.ranges.every((r) => r.done)) return
  const consumer = o.kafka.consumer({ groupId: o.groupId, maxWaitTimeInMs: 250, allowAutoTopicCreation: false })
  let finish: (err?: unknown) => void = () => {}
  const finished = new Promise<void>((resolve, reject) => (finish = (err) => (err ? reject(err) : resolve())))
  let lastProgress = Date.now()
  const watchdog = setInterval(() => {
    if (Date.now() - lastProgress > o.idleTimeoutMs) finish(new Error(`no records received for ${o.idleTimeoutMs / 1000} s`))
  }, 250)
  o.signal?.addEventListener('abort', () => finish(), { once: true })
  const byPartition = new Map(o.ranges.map((r) => [r.partition, r]))
  const close = (r: Range) => {
    r.done = true
    consumer.pause([{ topic: o.topic, partitions: [r.partition] }])
    if (o.ranges.every((x) => x.done)) finish()
  }
  try {
    await consumer.connect()
    await consumer.subscribe({ topic: o.topic, fromBeginning: true })
    await consumer.run({
      autoCommit: false,
      eachBatchAutoResolve: false,
      eachBatch: async ({ batch, resolveOffset, heartbeat, isRunning, isStale }) => {
        const r = byPartition.get(batch.partition)
        if (!r || r.done) return
        lastProgress = Date.now()
        const commit: Commit = (next) => consumer.commitOffsets([{ topic: o.topic, partition: r.partition, offset: next.toString() }])
        let step: Step = 'next'
        for (const m of batch.messages) {
          if (!isRunning() || isStale() || o.signal?.aborted) return
          const offset = BigInt(m.offset)
          if (offset < r.start) continue
          if (offset >= r.end) {
            step = 'stop-partition'
            break
          }
          step = await o.each(m, r.partition, commit)
          if (step !== 'next') break
          resolveOffset(m.offset)
          lastProgress = Date.now()
          await heartbeat()
        }
        await o.flush?.(r.partition, commit)
        if (step === 'stop-all') return finish()
        if (step === 'stop-partition' || BigInt(batch.lastOffset()) + 1n >= r.end) close(r)
      },
    })
    // kafkajs keeps these seeks until the first fetch of each partition.
    for (const r of o.ranges) if (!r.done) consumer.seek({ topic: o.topic, partition: r.partition, offset: r.start.toString() })
    await finished
  } finally {
    clearInterval(watchdog)
    await consumer.disconnect().catch(() => {})
  }
}

/** Options of {@link listDeadLetters}. */
export interface ListOptions {
  kafka: Kafka
  admin: Admin
  /** The dead-letter topic. */
  topic: string
  limit: number
  /** Base name: only its dead letters. */
  baseName?: string
  idleTimeoutMs?: number
}

/** The newest `limit` dead letters (newest first) and the number the topic holds; commits nothing. */
export async function listDeadLetters(o: ListOptions): Promise<{ total: number; deadLetters: DeadLetter[] }> {
  const ends = await o.admin.fetchTopicOffsets(o.topic)
  const total = ends.reduce((n, p) => n + Number(BigInt(p.high) - BigInt(p.low)), 0)
  const ranges = ends.map((p) => {
    const low = BigInt(p.low)
    const high = BigInt(p.high)
    const back = high - BigInt(o.limit)
    return { partition: p.partition, start: o.baseName || back < low ? low : back, end: high, done: false }
  })
  const kept: DeadLetter[] = []
  await readRanges({
    kafka: o.kafka,
    groupId: `thoth-investigator-cli.list.${randomUUID()}`, // a reader of its own: never commits, vanishes on leave
    topic: o.topic,
    ranges,
    idleTimeoutMs: o.idleTimeoutMs ?? 30_000,
    async each(m, partition) {
      const dl = parseDeadLetter(m, partition)
      if (!o.baseName || dl.baseName === o.baseName) kept.push(dl)
      return 'next'
    },
  })
  const time = (d: DeadLetter) => Date.parse(d.deadLetteredAt ?? '') || 0
  kept.sort((a, b) => time(b) - time(a) || a.partition - b.partition || Number(BigInt(b.offset) - BigInt(a.offset)))
  return { total, deadLetters: kept.slice(0, o.limit) }
}

