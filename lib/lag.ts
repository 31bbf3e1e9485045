/**
 * Consumer lag (§5 extension): end offset minus the committed position of every assigned
 * partition, refreshed periodically; also feeds stuck detection (D-33) and the console.
 */
import type { Admin } from 'kafkajs'
import type { Logger } from './log.ts'
import type { Metrics } from './metrics.ts'
import type { PartitionWorker } from './partition.ts'

/** Refreshes `lag` and `endOffset` of the assigned workers and the lag gauge. Never throws. */
export async function updateLag(o: {
  admin: Admin
  groupId: string
  topics: readonly string[]
  workerOf: (topic: string, partition: number) => PartitionWorker | undefined
  metrics: Metrics
  log: Logger
}): Promise<void> {
  if (!o.topics.length) return
  try {
    const committed = await o.admin.fetchOffsets({ groupId: o.groupId, topics: [...o.topics] })
    for (const t of o.topics) {
      const ends = await o.admin.fetchTopicOffsets(t)
      for (const { partition, high, low } of ends) {
        const w = o.workerOf(t, partition)
        if (!w) continue
        const c = BigInt(committed.find((x) => x.topic === t)?.partitions.find((x) => x.partition === partition)?.offset ?? '-1')
        const base = w.committedAt ?? (c >= 0n ? c : BigInt(low))
        w.endOffset = BigInt(high)
        w.lag = Math.max(0, Number(BigInt(high) - base))
        o.metrics.consumerLag.set({ topic_name: t, partition: String(partition) }, w.lag)
      }
    }
  } catch (err) {
    o.log.warn('could not update consumer lag', { error: err })
  }
}
