/**
 * The console's view of the dead-letter topic: the newest N (cached a few seconds, so the
 * page's refresh does not join a reader group each time), one record with its payload masked,
 * and replays through the same functions as `investigator dead-letters`.
 */
import type { Admin, Kafka, Producer } from 'kafkajs'
import { listDeadLetters, type DeadLetter } from '../cli/dead-letter-reader.ts'
import { replayDeadLetters, type ReplaySummary } from '../cli/replay.ts'
import { readDeadLetter, republishDeadLetter } from '../dead-letter-replay.ts'
import { redactorOf, showPayload, isSecretKey, type ShownPayload } from './mask.ts'

/** One dead letter in a list: coordinates and error, never the payload. */
export interface DeadLetterSummary {
  id: string
  partition: number
  offset: string
  original: { topic: string | null; baseName: string | null; partition: number | null; offset: string | null }
  reason: string | null
  errorClass: string | null
  errorMessage: string | null
  attempts: number | null
  deadLetteredAt: string | null
}

/** One dead letter with its key, original headers and masked payload. */
export interface DeadLetterDetail extends DeadLetterSummary {
  key: string | null
  headers: Record<string, string>
  payload: ShownPayload
}

/** What the console does with dead letters; a fake in unit tests, Kafka in the service. */
export interface DeadLetterPort {
  readonly topic: string
  list(o: { limit: number; baseName?: string }): Promise<{ total: number; deadLetters: DeadLetterSummary[] }>
  get(partition: number, offset: string): Promise<DeadLetterDetail | undefined>
  /** Undefined when there is no such dead letter. */
  replayOne(partition: number, offset: string): Promise<{ topic: string } | undefined>
  replayTopic(baseName: string, fromBeginning: boolean): Promise<ReplaySummary>
  close(): Promise<void>
}

const num = (s: string | undefined) => (s !== undefined && /^\d+$/.test(s) ? Number(s) : null)

/** The list form of a dead letter. */
export function summarize(d: DeadLetter): DeadLetterSummary {
  return {
    id: `${d.partition}-${d.offset}`,
    partition: d.partition,
    offset: d.offset,
    original: { topic: d.topic ?? null, baseName: d.baseName ?? null, partition: num(d.originalPartition), offset: d.originalOffset ?? null },
    reason: d.reason ?? null,
    errorClass: d.errorClass ?? null,
    errorMessage: d.errorMessage ?? null,
    attempts: num(d.attempts),
    deadLetteredAt: d.deadLetteredAt ?? null,
  }
}

/** The detail form: payload and headers masked. */
export function detail(d: DeadLetter): DeadLetterDetail {
  const redact = redactorOf(d.value)
  const headers: Record<string, string> = {}
  for (const [k, v] of Object.entries(d.headers)) {
    const text = (Array.isArray(v) ? v.map(String).join(', ') : String(v ?? ''))
    headers[k] = isSecretKey(k) || /authorization/i.test(k) ? '[redacted]' : redact(text)
  }
  return { ...summarize(d), key: d.key === null ? null : redact(d.key.toString('utf8')), headers, payload: showPayload(d.value) }
}

const CACHE_MS = 4000

/** The Kafka-backed port; clients connect on first use and close with `close()`. */
export function createDeadLetterStore(o: { kafka: Kafka; topic: string; replayGroup: string; idleTimeoutMs?: number }): DeadLetterPort {
  let admin: Promise<Admin> | undefined
  let producer: Promise<Producer> | undefined
  const cache = new Map<string, { at: number; value: Promise<{ total: number; deadLetters: DeadLetterSummary[] }> }>()
  const getAdmin = () =>
    (admin ??= (async () => {
      const a = o.kafka.admin()
      await a.connect()
      return a
    })().catch((err: unknown) => {
      admin = undefined
      throw err
    }))
  const getProducer = () =>
    (producer ??= (async () => {
      const p = o.kafka.producer({ allowAutoTopicCreation: false, idempotent: true, maxInFlightRequests: 1 })
      await p.connect()
      return p
    })().catch((err: unknown) => {
      producer = undefined
      throw err
    }))
  const idleTimeoutMs = o.idleTimeoutMs ?? 30_000
  const find = async (partition: number, offset: string) => readDeadLetter({ kafka: o.kafka, admin: await getAdmin(), topic: o.topic, partition, offset, idleTimeoutMs })

  return {
    topic: o.topic,
    list({ limit, baseName }) {
      const k = `${limit}|${baseName ?? ''}`
      const hit = cache.get(k)
      if (hit && Date.now() - hit.at < CACHE_MS) return hit.value
      const value = (async () => {
        const r = await listDeadLetters({ kafka: o.kafka, admin: await getAdmin(), topic: o.topic, limit, baseName, idleTimeoutMs })
        return { total: r.total, deadLetters: r.deadLetters.map(summarize) }
      })()
      cache.set(k, { at: Date.now(), value })
      value.catch(() => cache.delete(k))
      return value
    },
    async get(partition, offset) {
      const d = await find(partition, offset)
      return d && detail(d)
    },
    async replayOne(partition, offset) {
      const d = await find(partition, offset)
      if (!d) return undefined
      await republishDeadLetter(await getProducer(), d)
      cache.clear()
      return { topic: d.topic as string }
    },
    async replayTopic(baseName, fromBeginning) {
      const [a, p] = await Promise.all([getAdmin(), getProducer()])
      const s = await replayDeadLetters({ kafka: o.kafka, admin: a, producer: p, topic: o.topic, group: o.replayGroup, baseName, fromBeginning, idleTimeoutMs })
      cache.clear()
      return s
    },
    async close() {
      const [a, p] = [admin, producer]
      admin = producer = undefined
      await Promise.all([a?.then((x) => x.disconnect()).catch(() => {}), p?.then((x) => x.disconnect()).catch(() => {})])
    },
  }
}
