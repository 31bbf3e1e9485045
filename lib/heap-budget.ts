/**
 * Keeps the process within a memory budget under sustained load. JavaScriptCore raises its
 * full-collection threshold after every eden collection, so while records stream through, dead
 * objects promoted to the old generation pile up (measured: 24 MiB live, a 170 MiB heap before
 * JSC collected on its own, 280 MiB RSS for 100k records; bench/README.md). The consume loop
 * calls `check()` after handled work and fetched batches: once RSS is above the soft limit and
 * has grown by `growthBytes` since the last forced collection, it runs a full collection and a
 * sweep itself (the sweep frees the memory of dead strings and buffers at once, not lazily).
 * Below the soft limit (an idle service: ~80 MiB) it never collects. Each collection pauses the
 * loop for ~15-30 ms: the price of the 150 MiB peak target (bench/README.md). A pause delays
 * every record that arrives meanwhile, which only matters while the service keeps up: below
 * `busyRecordsPerSecond` it collects only above `hardRssBytes` (at 1,000 records/s two pauses a
 * minute instead of thirty; bench/README.md).
 */
import { gcAndSweep } from 'bun:jsc'

/** Settings of {@link createHeapBudget}; the probes are injectable for tests. */
export interface HeapBudgetOptions {
  /** RSS above which growth is collected (bytes). */
  softRssBytes?: number
  /** RSS growth since the last forced collection that triggers the next one (bytes). */
  growthBytes?: number
  /** At most one forced collection per this many ms. */
  minIntervalMs?: number
  /** Records handled between two forced collections, at least (spaces them out at low rates). */
  minRecords?: number
  /** Handled records per second from which the service counts as busy (a backlog). */
  busyRecordsPerSecond?: number
  /** RSS above which it collects at any rate (bytes); while not busy, only above it. */
  hardRssBytes?: number
  rss?: () => number
  collect?: () => void
  now?: () => number
}

/** The budget; `collections` counts forced collections. */
export interface HeapBudget {
  /** Called after `records` records were handled (0 after a fetch). */
  check(records?: number): void
  /** A collection now, whatever the RSS (after start-up). */
  collectNow(): void
  readonly collections: number
}

const MiB = 1024 * 1024

/**
 * Defaults (tuned on bench/): 88 MiB soft limit, 4 MiB steps, 50 ms and 2,000 records apart;
 * busy from 5,000 records/s; below that only above 144 MiB.
 */
export function createHeapBudget(o: HeapBudgetOptions = {}): HeapBudget {
  const soft = o.softRssBytes ?? 88 * MiB
  const growth = o.growthBytes ?? 4 * MiB
  const interval = o.minIntervalMs ?? 50
  const minRecords = o.minRecords ?? 2000
  const busyPerMs = (o.busyRecordsPerSecond ?? 5000) / 1000
  const hard = o.hardRssBytes ?? 144 * MiB
  const rss = o.rss ?? (() => process.memoryUsage.rss())
  const collect = o.collect ?? gcAndSweep
  const now = o.now ?? (() => performance.now())
  let floor = Number.POSITIVE_INFINITY // lowest RSS since the last forced collection
  let lastAt = Number.NEGATIVE_INFINITY
  let since = now() // start of the rate window: the last forced collection
  let checkedAt = Number.NEGATIVE_INFINITY
  let collections = 0
  let records = 0 // handled since the last forced collection
  const run = () => {
    collect()
    collections++
    records = 0
    floor = rss()
    lastAt = since = now()
  }
  return {
    // Called per record: RSS (a read of /proc/self/statm) is looked at every 5 ms at most.
    check(handled = 0) {
      records += handled
      const t = now()
      if (t - checkedAt < 5) return
      checkedAt = t
      const r = rss()
      // Growth counts from the lowest RSS since the last collection: when the allocator returned
      // pages meanwhile, refilling them is collected too. Measured against counting from the
      // RSS right after the collection: backlog peak 149 vs 222 MiB, latency run 125 vs 159 MiB.
      if (r < floor) floor = r
      if (r < soft || r < floor + growth || t - lastAt < interval || records < minRecords) return
      const busy = records >= busyPerMs * (t - since)
      if (busy || r >= hard) run()
    },
    collectNow: run,
    get collections() {
      return collections
    },
  }
}
