/**
 * Keeps the process within a memory budget under sustained load. JavaScriptCore raises its
 * full-collection threshold after every eden collection, so while records stream through, dead
 * objects promoted to the old generation pile up (measured: 24 MiB live, a 170 MiB heap before
 * JSC collected on its own, 280 MiB RSS for 100k records; bench/README.md). The consume loop
 * calls `check()` after handled work and fetched batches: once RSS is above the soft limit and
 * has grown by `growthBytes` since the last forced collection, it runs a full collection and a
 * sweep itself (the sweep frees the memory of dead strings and buffers at once, not lazily).
 * Freed heap is reused before RSS grows again, so collections become rare once RSS settles.
 * Below the soft limit (idle, light load) it never collects, so latency is untouched there.
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
  rss?: () => number
  collect?: () => void
  now?: () => number
}

/** The budget; `collections` counts forced collections. */
export interface HeapBudget {
  check(): void
  readonly collections: number
}

const MiB = 1024 * 1024

/** Defaults: a 96 MiB soft limit, 6 MiB steps, 50 ms apart: the 150 MiB peak target of bench/README.md. */
export function createHeapBudget(o: HeapBudgetOptions = {}): HeapBudget {
  const soft = o.softRssBytes ?? 96 * MiB
  const growth = o.growthBytes ?? 6 * MiB
  const interval = o.minIntervalMs ?? 50
  const rss = o.rss ?? (() => process.memoryUsage.rss())
  const collect = o.collect ?? gcAndSweep
  const now = o.now ?? (() => performance.now())
  let floor = Number.POSITIVE_INFINITY // lowest RSS since the last forced collection
  let lastAt = Number.NEGATIVE_INFINITY
  let checkedAt = Number.NEGATIVE_INFINITY
  let collections = 0
  return {
    // Called per record: RSS (a read of /proc/self/statm) is looked at every 5 ms at most.
    check() {
      const t = now()
      if (t - checkedAt < 5) return
      checkedAt = t
      const r = rss()
      if (r < floor) floor = r
      if (r < soft || r < floor + growth || t - lastAt < interval) return
      collect()
      collections++
      floor = rss()
      lastAt = now()
    },
    get collections() {
      return collections
    },
  }
}
