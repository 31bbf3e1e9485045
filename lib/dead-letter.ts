/**
 * Dead letters (D-31, §6.5): an acknowledged record is written, original key/value/headers
 * unchanged plus `thoth.dl.*` headers, to the dead-letter topic before its offset is committed.
 */
import type { IHeaders, Producer } from 'kafkajs'
import type { Logger } from './log.ts'

/** What the loop knows about a record it acknowledges. */
export interface DeadLetterInput {
  topic: string
  partition: number
  offset: string
  timestamp: string
  key: Buffer | null
  value: Buffer | null
  headers: IHeaders | undefined
  baseName: string
  /** Version used for lookup; empty when the value could not be decoded. */
  version: string
  reason: string
  errorClass: string
  /** Already redacted. */
  errorMessage: string
  attempts: number
}

/** Header names written by the project (also read by replay). */
export const DL = {
  topic: 'thoth.dl.topic',
  partition: 'thoth.dl.partition',
  offset: 'thoth.dl.offset',
  timestamp: 'thoth.dl.timestamp',
  baseName: 'thoth.dl.base_name',
  version: 'thoth.dl.version',
  reason: 'thoth.dl.reason',
  errorClass: 'thoth.dl.error_class',
  errorMessage: 'thoth.dl.error_message',
  attempts: 'thoth.dl.attempts',
  deadLetteredAt: 'thoth.dl.dead_lettered_at',
} as const

/** Cuts a text to at most `max` UTF-8 bytes without splitting a character. */
export function truncateUtf8(text: string, max: number): string {
  const bytes = Buffer.from(text, 'utf8')
  if (bytes.length <= max) return text
  let end = max
  while (end > 0 && ((bytes[end] ?? 0) & 0xc0) === 0x80) end--
  return bytes.subarray(0, end).toString('utf8')
}

/** Headers of a dead letter: the original ones (unchanged) followed by ours. */
export function deadLetterHeaders(i: DeadLetterInput, now: Date): IHeaders {
  return {
    ...(i.headers ?? {}),
    [DL.topic]: i.topic,
    [DL.partition]: String(i.partition),
    [DL.offset]: i.offset,
    [DL.timestamp]: i.timestamp,
    [DL.baseName]: i.baseName,
    [DL.version]: i.version,
    [DL.reason]: i.reason,
    [DL.errorClass]: i.errorClass,
    [DL.errorMessage]: truncateUtf8(i.errorMessage, 4096),
    [DL.attempts]: String(i.attempts),
    [DL.deadLetteredAt]: now.toISOString(),
  }
}

/** Errors kafkajs reports that no retry can fix. */
const FATAL = new Set(['TOPIC_AUTHORIZATION_FAILED', 'MESSAGE_TOO_LARGE', 'UNKNOWN_TOPIC_OR_PARTITION', 'RECORD_LIST_TOO_LARGE', 'INVALID_RECORD', 'CLUSTER_AUTHORIZATION_FAILED'])

/** Writes dead letters with retries; returns false when no write succeeded (the topic then halts). */
export function createDeadLetterWriter(o: {
  producer: Producer
  topic: string
  maxAttempts: number
  backoffMs: number
  log: Logger
  sleep?: (ms: number) => Promise<void>
}) {
  const sleep = o.sleep ?? ((ms: number) => Bun.sleep(ms))
  return async function write(input: DeadLetterInput, signal?: AbortSignal): Promise<boolean> {
    for (let attempt = 1; attempt <= o.maxAttempts; attempt++) {
      try {
        await o.producer.send({
          topic: o.topic,
          acks: -1,
          messages: [{ key: input.key, value: input.value, headers: deadLetterHeaders(input, new Date()) }],
        })
        return true
      } catch (err) {
        const type = (err as { type?: string; cause?: { type?: string } }).type ?? (err as { cause?: { type?: string } }).cause?.type
        const fatal = (type !== undefined && FATAL.has(type)) || (err as { retriable?: boolean }).retriable === false
        o.log.error('dead-letter write failed', { dead_letter_topic: o.topic, attempt, error: err, fatal })
        if (fatal || attempt === o.maxAttempts || signal?.aborted) return false
        await sleep(attempt * o.backoffMs)
      }
    }
    return false
  }
}

/** The function type of a dead-letter writer. */
export type DeadLetterWriter = ReturnType<typeof createDeadLetterWriter>
