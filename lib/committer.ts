/**
 * Offset commits (§6.7, D-35): explicit, checked, one request in flight; partitions whose
 * watermark moved meanwhile are coalesced into the next request. A failed commit is logged and
 * retried; it never changes a record's outcome.
 */
import type { TopicPartitionOffsetAndMetadata } from 'kafkajs'
import type { Logger } from './log.ts'
import type { Metrics } from './metrics.ts'
import type { PartitionWorker } from './partition.ts'

const RETRY_MS = 1000

/** Builds the committer; `owns(w)` is false for revoked workers (never committed again). */
export function createCommitter(o: {
  commit: (offsets: TopicPartitionOffsetAndMetadata[]) => Promise<void>
  owns: (w: PartitionWorker) => boolean
  log: Logger
  metrics: Metrics
}) {
  const dirty = new Set<PartitionWorker>()
  let running: Promise<void> | undefined

  async function loop() {
    while (dirty.size) {
      const batch = [...dirty].filter((w) => o.owns(w) && w.finishedAt !== null && w.finishedAt !== w.committedAt)
      dirty.clear()
      if (!batch.length) continue
      const snap = batch.map((w) => ({ w, at: w.finishedAt as bigint, handled: w.lastHandled }))
      try {
        await o.commit(snap.map(({ w, at }) => ({ topic: w.topic, partition: w.partition, offset: at.toString() })))
      } catch (err) {
        o.log.error('offset commit failed; retried with the next commit', { error: err, partitions: snap.map(({ w }) => `${w.topic}#${w.partition}`) })
        setTimeout(() => snap.forEach(({ w }) => schedule(w)), RETRY_MS).unref?.()
        return
      }
      for (const { w, at, handled } of snap) {
        w.committedAt = at
        if (handled !== null) o.metrics.partitionOffsets.set({ topic_name: w.topic, partition: String(w.partition) }, Number(handled))
      }
    }
  }

  /** Starts a commit round unless one runs (it picks up everything dirty when it loops). */
  function kick() {
    running ??= loop().finally(() => (running = undefined))
  }

  /** The worker's watermark moved. */
  function schedule(w: PartitionWorker) {
    dirty.add(w)
    kick()
  }

  return {
    schedule,
    kick,
    /** Commits everything finished of `workers` and waits (shutdown). */
    async flush(workers: Iterable<PartitionWorker>) {
      await running
      for (const w of workers) dirty.add(w)
      await loop()
    },
  }
}
