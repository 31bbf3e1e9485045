/**
 * The compacted control topic (D-32, §6.6): halts and resumes shared by every replica and kept
 * across restarts. Key = base name; value = {halted, reason, since, by[, auto_resume_seconds]}.
 * Every replica reads it from the beginning before consuming and follows it afterwards, in a
 * group of its own that never commits.
 */
import { randomUUID } from 'node:crypto'
import { hostname } from 'node:os'
import type { Admin, Consumer, Kafka, Producer } from 'kafkajs'
import type { Logger } from './log.ts'
import { BASE_NAMES } from './topics.ts'

/** One control record value. */
export interface ControlRecord {
  readonly halted: boolean
  readonly reason: string
  readonly since: string
  readonly by: string
  readonly auto_resume_seconds?: number
}

/** Called for every record read (initial read included), in topic order. */
export type ControlListener = (baseName: string, record: ControlRecord) => void

/** Parses a control record value; undefined when it is not one. */
export function parseControlRecord(value: Buffer | null): ControlRecord | undefined {
  if (!value) return undefined
  try {
    const v = JSON.parse(value.toString('utf8')) as Record<string, unknown>
    if (typeof v !== 'object' || v === null || typeof v.halted !== 'boolean' || typeof v.reason !== 'string') return undefined
    if (typeof v.since !== 'string' || typeof v.by !== 'string') return undefined
    const ars = v.auto_resume_seconds
    return {
      halted: v.halted,
      reason: v.reason,
      since: v.since,
      by: v.by,
      ...(typeof ars === 'number' ? { auto_resume_seconds: ars } : {}),
    }
  } catch {
    return undefined
  }
}

/** Options of {@link createControlChannel}. */
export interface ControlOptions {
  kafka: Kafka
  producer: Producer
  admin: Admin
  topic: string
  groupId: string
  log: Logger
  /** Name written in `by` (the pod name in Kubernetes). */
  replica?: string
  sleep?: (ms: number) => Promise<void>
}

/** Reader and writer of the control topic. */
export interface ControlChannel {
  /** Reads up to the end offsets seen at the call, retrying with backoff (1 s doubling to 30 s). */
  start(signal: AbortSignal): Promise<void>
  /** Latest record of a base name. */
  latest(baseName: string): ControlRecord | undefined
  /** Writes a record; resolves once the broker acknowledged it. */
  write(baseName: string, record: Omit<ControlRecord, 'by' | 'since'> & { since?: string }): Promise<ControlRecord>
  onRecord(listener: ControlListener): void
  /** Name of this replica. */
  readonly replica: string
  stop(): Promise<void>
}

/** Builds the control channel. */
export function createControlChannel(o: ControlOptions): ControlChannel {
  const replica = o.replica ?? process.env.HOSTNAME ?? hostname()
  const sleep = o.sleep ?? ((ms: number) => Bun.sleep(ms))
  const latest = new Map<string, ControlRecord>()
  const listeners: ControlListener[] = []
  let consumer: Consumer | undefined

  const apply = (key: Buffer | null, value: Buffer | null, offset: string) => {
    const baseName = key?.toString('utf8') ?? ''
    const record = parseControlRecord(value)
    if (!BASE_NAMES.has(baseName) || !record) {
      o.log.warn('control record ignored: key is not a base topic name or value is not a control record', { topic: o.topic, offset })
      return
    }
    latest.set(baseName, record)
    for (const l of listeners) l(baseName, record)
  }

  const readToEnd = async (signal: AbortSignal, pending: Map<number, bigint>) => {
    const c = o.kafka.consumer({
      groupId: `${o.groupId}.control.${replica}.${randomUUID()}`,
      maxWaitTimeInMs: 200,
      allowAutoTopicCreation: false,
    })
    consumer = c
    let caughtUp: () => void = () => {}
    const done = new Promise<void>((resolve) => (caughtUp = resolve))
    if (pending.size === 0) caughtUp()
    await c.connect()
    await c.subscribe({ topic: o.topic, fromBeginning: true })
    await c.run({
      autoCommit: false,
      eachBatch: async ({ batch }) => {
        for (const m of batch.messages) apply(m.key, m.value, m.offset)
        const end = pending.get(batch.partition)
        if (end !== undefined && BigInt(batch.lastOffset()) + 1n >= end) {
          pending.delete(batch.partition)
          if (pending.size === 0) caughtUp()
        }
      },
    })
    await Promise.race([done, new Promise((_, reject) => signal.addEventListener('abort', () => reject(new Error('aborted')), { once: true }))])
  }

  /** End offsets of the partitions that hold records (empty: nothing was ever written). */
  const endOffsets = async () => {
    const pending = new Map<number, bigint>()
    for (const p of await o.admin.fetchTopicOffsets(o.topic)) if (BigInt(p.high) > BigInt(p.low)) pending.set(p.partition, BigInt(p.high))
    return pending
  }

  return {
    replica,
    latest: (b) => latest.get(b),
    onRecord: (l) => void listeners.push(l),
    async start(signal) {
      let delay = 1000
      for (;;) {
        try {
          const pending = await endOffsets()
          if (pending.size === 0) {
            // Nothing recorded yet: no halt to know before consuming; follow it in the background.
            void readToEnd(signal, pending).catch((err: unknown) => o.log.error('control topic follower failed', { topic: o.topic, error: err }))
            return
          }
          await readToEnd(signal, pending)
          o.log.info('control topic read', { topic: o.topic, halted: [...latest].filter(([, r]) => r.halted).map(([b]) => b) })
          return
        } catch (err) {
          if (signal.aborted) throw err
          o.log.error('control topic cannot be read yet; retrying', { topic: o.topic, error: err, retry_in_ms: delay })
          await consumer?.disconnect().catch(() => {})
          consumer = undefined
          await sleep(delay)
          delay = Math.min(delay * 2, 30_000)
        }
      }
    },
    async write(baseName, rec) {
      const record: ControlRecord = { ...rec, since: rec.since ?? new Date().toISOString(), by: replica }
      await o.producer.send({ topic: o.topic, acks: -1, messages: [{ key: baseName, value: JSON.stringify(record) }] })
      return record
    },
    async stop() {
      await consumer?.disconnect().catch(() => {})
    },
  }
}
