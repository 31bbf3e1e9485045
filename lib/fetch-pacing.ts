/**
 * Fetch pacing of the service's consumer group. kafkajs sends every fetch with one fixed
 * (minBytes, maxWaitTime). With minBytes 1 the broker answers as soon as one record is there, so
 * at a steady 1,000 records/s each fetch brings one or two, and the fetch, its handling and the
 * commit after it are paid per record: ~500 of each a second, 55 % of a core for the service and
 * 50 % for the broker on the benchmark machine, where that contention made the latency tail
 * (bench/README.md). A large minBytes with a long wait instead holds every record of a quiet
 * topic for the whole wait. Paced: after a fetch that brought records the next one waits up to
 * `busyWaitMs` for `busyMinBytes`; after an empty one the consumer's own settings apply again
 * (minBytes 1, a long poll), so a record on a quiet topic comes back at once and an idle service
 * still sends a fetch only every maxWaitTimeInMs. A record is held at most `busyWaitMs` longer.
 */
// @ts-expect-error kafkajs ships no types for its internals; used only by paceFetches().
import ConsumerGroup from 'kafkajs/src/consumer/consumerGroup.js'

/** Busy-mode settings of {@link paceFetches}. */
export interface Pacing {
  /** Longest wait of a fetch after one that brought records (ms). */
  busyWaitMs: number
  /** Bytes a busy fetch waits for (the broker answers earlier once they are there). */
  busyMinBytes: number
}

/** 3 ms: at 1,000 records/s a fetch brings ~3 records; a backlog fills 64 KiB at once (bench/README.md: 2, 3, 5 and 8 ms tried). */
export const DEFAULT_PACING: Pacing = { busyWaitMs: 3, busyMinBytes: 64 * 1024 }

interface Batch {
  isEmpty(): boolean
}

interface GroupInternals {
  groupId: string
  minBytes: number
  maxWaitTime: number
  fetch(nodeId: number): Promise<Batch[]>
}

const paced = new Map<string, Pacing>()
const idleSettings = new WeakMap<GroupInternals, { minBytes: number; maxWaitTime: number }>()
let patched = false

/** Paces the fetches of every consumer of `groupId` in this process (other groups keep kafkajs's). */
export function paceFetches(groupId: string, pacing: Pacing = DEFAULT_PACING): void {
  paced.set(groupId, pacing)
  if (patched) return
  patched = true
  const proto = (ConsumerGroup as { prototype: GroupInternals }).prototype
  const fetch = proto.fetch
  proto.fetch = async function (this: GroupInternals, nodeId: number) {
    const p = paced.get(this.groupId)
    if (!p) return fetch.call(this, nodeId)
    let idle = idleSettings.get(this)
    if (!idle) idleSettings.set(this, (idle = { minBytes: this.minBytes, maxWaitTime: this.maxWaitTime }))
    const batches = await fetch.call(this, nodeId)
    const busy = batches.some((b) => !b.isEmpty())
    this.minBytes = busy ? p.busyMinBytes : idle.minBytes
    this.maxWaitTime = busy ? Math.min(p.busyWaitMs, idle.maxWaitTime) : idle.maxWaitTime
    return batches
  }
}
