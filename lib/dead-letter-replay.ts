/**
 * The shared core of replaying ONE dead letter (D-31): the publish step every replay uses, and
 * the single-record replay of the operator console. Full and per-topic replays with their
 * positions live in lib/cli/replay.ts; both publish through {@link republishDeadLetter}.
 */
import type { Admin, Kafka, Producer } from 'kafkajs'
import { randomUUID } from 'node:crypto'
import { parseDeadLetter, readRanges, type DeadLetter } from './cli/dead-letter-reader.ts'

/**
 * Re-publishes a dead letter to its original topic: original key, value and headers (without
 * `thoth.dl.*`), acks=all. Resolves once the broker acknowledged the copy. Replaying one record
 * this way does not move the replay positions of lib/cli/replay.ts: a later `dead-letters
 * replay` that reaches it publishes it again (handlers are idempotent, D-6).
 */
export async function republishDeadLetter(producer: Producer, dl: DeadLetter): Promise<void> {
  if (!dl.topic) throw new Error(`dead letter ${dl.partition}@${dl.offset} has no thoth.dl.topic header`)
  await producer.send({ topic: dl.topic, acks: -1, messages: [{ key: dl.key, value: dl.value, headers: dl.headers }] })
}

/** Where one dead letter is. */
export interface DeadLetterAt {
  kafka: Kafka
  admin: Admin
  /** The dead-letter topic. */
  topic: string
  partition: number
  offset: string
  idleTimeoutMs?: number
}

/** Reads one dead letter; undefined when the topic does not hold that offset (any more). */
export async function readDeadLetter(o: DeadLetterAt): Promise<DeadLetter | undefined> {
  const at = BigInt(o.offset)
  const bounds = (await o.admin.fetchTopicOffsets(o.topic)).find((p) => p.partition === o.partition)
  if (!bounds || at < BigInt(bounds.low) || at >= BigInt(bounds.high)) return undefined
  let found: DeadLetter | undefined
  await readRanges({
    kafka: o.kafka,
    groupId: `thoth-investigator-console.read.${randomUUID()}`, // a reader of its own: never commits
    topic: o.topic,
    ranges: [{ partition: o.partition, start: at, end: at + 1n, done: false }],
    idleTimeoutMs: o.idleTimeoutMs ?? 30_000,
    async each(m, partition) {
      if (m.offset === o.offset) found = parseDeadLetter(m, partition)
      return 'stop-all'
    },
  })
  return found
}
