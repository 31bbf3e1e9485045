/**
 * Reading and replaying the dead-letter topic (D-31, §6.5), for the `dead-letters` command and
 * the operator console. A replay re-publishes each dead letter (key, value, original headers
 * without `thoth.dl.*`) to its `thoth.dl.topic` and commits the dead letter's offset in the
 * replay group only after the broker acknowledged the copy, one record at a time, in order.
 *
 * Positions: the replay group `<group>` (default `<KAFKA_CONSUMER_GROUP_ID>.dead-letter-replay`)
 * holds how far a full replay got. A replay limited to one base name keeps its own position in
 * `<group>.<base name>`, starts no earlier than `<group>`, and skips (commits past) other topics'
 * dead letters; a full replay skips the dead letters a limited replay already re-published. So
 * no dead letter is replayed twice or passed over, whatever the mix of full and limited replays.
 * Two replays of one deployment never run at once (a busy group is refused).
 */
import type { Admin, Kafka, KafkaMessage, Producer } from 'kafkajs'
import { republishDeadLetter } from '../dead-letter-replay.ts'
import { BASE_NAMES } from '../topics.ts'
import { committed, parseDeadLetter, readRanges, type Commit, type DeadLetter, type Range, type Step } from './dead-letter-reader.ts'

/** Options of {@link replayDeadLetters}. */
export interface ReplayOptions {
  kafka: Kafka
  admin: Admin
  /** Needed unless `dryRun`; acks=all is used for every copy. */
  producer?: Producer
  /** The dead-letter topic. */
  topic: string
  /** The replay group of full replays. */
  group: string
  /** Base name: replay only its dead letters. */
  baseName?: string
  /** Stop after this many replayed dead letters. */
  limit?: number
  /** Read and report only: nothing is published, nothing committed. */
  dryRun?: boolean
  /** Allowed to start at the beginning of partitions for which no replay position is stored. */
  fromBeginning?: boolean
  /** Stops after the record being replayed (its commit included). */
  signal?: AbortSignal
  /** Give up when no record arrives for this long (default 30 s). */
  idleTimeoutMs?: number
  /** Called after every `progressEvery` (default 1000) records read. */
  onProgress?(s: ReplaySummary): void
  progressEvery?: number
  /** Called for every record replayed (or that would be, with dryRun). */
  onReplay?(dl: DeadLetter): void
}

/** What a replay did. */
export interface ReplaySummary {
  group: string
  /** Dead letters the replay had to look at (from the replay position to the end). */
  pending: number
  read: number
  replayed: number
  /** Replayed per original topic. */
  byTopic: Record<string, number>
  /** Other topics' dead letters passed over by a replay limited to one base name. */
  skippedOtherTopics: number
  /** Dead letters a limited replay had already re-published. */
  skippedAlreadyReplayed: number
  /** Dead letters removed by retention before any replay reached them. */
  expired: number
  /** Records without `thoth.dl.topic`: their partition stops there, nothing committed past them. */
  blocked: { partition: number; offset: string }[]
  /** True when every partition was replayed up to the end seen at the start. */
  complete: boolean
  dryRun: boolean
  /** Why the replay stopped early (reading, publishing or committing failed). */
  error?: unknown
}

/**
 * No replay position is stored: the first replay, or Kafka dropped the group's offsets after
 * `offsets.retention.minutes` without commits. Starting at the beginning could replay dead
 * letters a second time, so the operator has to ask for it.
 */
export class NoReplayPositionError extends Error {
  constructor(
    readonly group: string,
    readonly partitions: number[],
  ) {
    super(`no replay position stored in consumer group ${group} for partition(s) ${partitions.join(', ')} (first replay, or the position expired after offsets.retention.minutes); use --from-beginning to replay every dead letter the topic still holds`)
    this.name = 'NoReplayPositionError'
  }
}

/** Refuses to start while another replay of this deployment holds one of its groups. */
async function assertIdle(admin: Admin, groups: string[]): Promise<void> {
  const { groups: described } = await admin.describeGroups(groups)
  const busy = described.filter((g) => g.state !== 'Empty' && g.state !== 'Dead' && g.members.length > 0)
  if (busy.length) throw new Error(`another replay is running (consumer group ${busy.map((g) => `${g.groupId}: ${g.state}`).join(', ')})`)
}

/** Start (the furthest stored position) and end (the high watermark now) of every partition. */
function plan(ends: { partition: number; low: string; high: string }[], positions: Map<number, bigint>[], s: ReplaySummary): Range[] {
  return ends.map((p) => {
    const low = BigInt(p.low)
    const high = BigInt(p.high)
    const stored = positions.map((m) => m.get(p.partition)).filter((x) => x !== undefined)
    let start = stored.reduce((a, b) => (a > b ? a : b), low)
    if (stored.length && stored.every((x) => x < low)) s.expired += Number(low - stored.reduce((a, b) => (a > b ? a : b)))
    if (start < low) start = low
    s.pending += Number(high > start ? high - start : 0n)
    return { partition: p.partition, start, end: high, done: false }
  })
}

/** Replays the dead letters from the replay position to the end seen at the start. */
export async function replayDeadLetters(o: ReplayOptions): Promise<ReplaySummary> {
  const producer = o.producer as Producer
  if (!o.dryRun && !producer) throw new Error('replay needs a producer unless dryRun is set')
  const limitedGroup = (b: string) => `${o.group}.${b}`
  const groupId = o.baseName ? limitedGroup(o.baseName) : o.group
  await assertIdle(o.admin, [o.group, ...[...BASE_NAMES].map(limitedGroup)])
  const ends = await o.admin.fetchTopicOffsets(o.topic)
  const full = await committed(o.admin, o.group, o.topic)
  const own = o.baseName ? await committed(o.admin, groupId, o.topic) : full
  const unknown = ends.filter((p) => BigInt(p.high) > BigInt(p.low) && !full.has(p.partition) && !own.has(p.partition))
  if (unknown.length && !o.fromBeginning && !o.dryRun) throw new NoReplayPositionError(o.group, unknown.map((p) => p.partition))
  // Where limited replays got to, per base name (only a full replay needs them).
  const limited = new Map<string, Map<number, bigint>>()
  if (!o.baseName) {
    const all = await Promise.all([...BASE_NAMES].map(async (b) => [b, await committed(o.admin, limitedGroup(b), o.topic)] as const))
    for (const [b, offsets] of all) if (offsets.size) limited.set(b, offsets)
  }
  const s: ReplaySummary = {
    group: groupId, pending: 0, read: 0, replayed: 0, byTopic: {}, skippedOtherTopics: 0,
    skippedAlreadyReplayed: 0, expired: 0, blocked: [], complete: false, dryRun: o.dryRun ?? false,
  }
  const ranges = plan(ends, o.baseName ? [own, full] : [full], s)
  const skippedUpTo = new Map<number, bigint>() // skipped records not yet covered by a commit
  const limitReached = () => o.limit !== undefined && s.replayed >= o.limit

  const each = async (m: KafkaMessage, partition: number, commit: Commit): Promise<Step> => {
    if (limitReached()) return 'stop-all'
    const dl = parseDeadLetter(m, partition)
    if (!dl.topic) {
      s.blocked.push({ partition, offset: m.offset })
      return 'stop-partition'
    }
    s.read++
    const next = BigInt(m.offset) + 1n
    const doneBy = dl.baseName ? limited.get(dl.baseName)?.get(partition) : undefined
    if (o.baseName && dl.baseName !== o.baseName) {
      s.skippedOtherTopics++
      skippedUpTo.set(partition, next)
    } else if (doneBy !== undefined && next <= doneBy) {
      s.skippedAlreadyReplayed++
      skippedUpTo.set(partition, next)
    } else {
      if (!o.dryRun) {
        await republishDeadLetter(producer, dl)
        await commit(next) // MUST come after the acknowledged publish, never before
      }
      skippedUpTo.delete(partition)
      s.replayed++
      s.byTopic[dl.topic] = (s.byTopic[dl.topic] ?? 0) + 1
      o.onReplay?.(dl)
    }
    if (s.read % (o.progressEvery ?? 1000) === 0) o.onProgress?.(s)
    return limitReached() ? 'stop-all' : 'next'
  }
  const flush = async (partition: number, commit: Commit) => {
    const next = skippedUpTo.get(partition)
    if (next === undefined || o.dryRun) return
    await commit(next)
    skippedUpTo.delete(partition)
  }

  try {
    await readRanges({ kafka: o.kafka, groupId, topic: o.topic, ranges, idleTimeoutMs: o.idleTimeoutMs ?? 30_000, signal: o.signal, each, flush })
  } catch (err) {
    s.error = err // what was replayed before is committed; the summary says how far it got
  }
  s.complete = ranges.every((r) => r.done) && s.blocked.length === 0 && s.error === undefined
  return s
}
