import { expect, test } from 'bun:test'
import { createHeapBudget } from '../../lib/heap-budget.ts'

const MiB = 1024 * 1024

/** A budget on scripted RSS and time; `gcs` counts the collections it ran. */
function scripted(opts: { soft?: number; growth?: number; interval?: number; minRecords?: number; busyPerSecond?: number; hard?: number } = {}) {
  const state = { rss: 50 * MiB, t: 0, gcs: 0, rssAfterGc: undefined as number | undefined }
  const budget = createHeapBudget({
    softRssBytes: (opts.soft ?? 96) * MiB,
    growthBytes: (opts.growth ?? 6) * MiB,
    minIntervalMs: opts.interval ?? 50,
    minRecords: opts.minRecords ?? 0,
    busyRecordsPerSecond: opts.busyPerSecond ?? 0, // always busy unless a test says otherwise
    hardRssBytes: (opts.hard ?? 128) * MiB,
    rss: () => state.rss,
    now: () => state.t,
    collect: () => {
      state.gcs++
      if (state.rssAfterGc !== undefined) state.rss = state.rssAfterGc
    },
  })
  const at = (t: number, rssMiB: number, records = 0) => {
    state.t = t
    state.rss = rssMiB * MiB
    budget.check(records)
  }
  return { state, budget, at }
}

test('below the soft limit it never collects, however much RSS grows', () => {
  const { state, at } = scripted()
  for (let t = 0; t < 10_000; t += 10) at(t, 50 + t / 400)
  expect(state.gcs).toBe(0)
})

test('above the soft limit it collects once RSS grew by the step since the lowest point', () => {
  const { state, budget, at } = scripted()
  at(0, 80)
  at(10, 97) // above 96, and nothing collected yet
  expect(state.gcs).toBe(1)
  at(100, 100) // only 3 MiB over the RSS after the collection
  expect(state.gcs).toBe(1)
  at(200, 104) // 7 MiB over it
  expect(state.gcs).toBe(2)
  expect(budget.collections).toBe(2)
})

test('collections are at least minIntervalMs apart, and RSS is read at most every 5 ms', () => {
  const { state, at } = scripted({ interval: 50 })
  at(0, 80)
  at(10, 100)
  at(30, 120) // 20 ms after the last collection: too soon
  expect(state.gcs).toBe(1)
  at(32, 200) // within 5 ms of the last look: not even read
  expect(state.gcs).toBe(1)
  at(60, 130)
  expect(state.gcs).toBe(2)
})

test('a lower RSS (memory returned to the system) lowers the floor the next step counts from', () => {
  const { state, at } = scripted()
  at(0, 80)
  at(10, 100)
  expect(state.gcs).toBe(1)
  at(100, 90)
  at(200, 97) // 7 MiB above the new floor of 90, and above the soft limit
  expect(state.gcs).toBe(2)
})

test('at least minRecords handled records lie between two collections', () => {
  const { state, at } = scripted({ minRecords: 1000 })
  at(0, 80, 600)
  at(10, 120, 300) // 900 records so far: not yet
  expect(state.gcs).toBe(0)
  at(20, 120, 100)
  expect(state.gcs).toBe(1)
  at(100, 140, 999)
  expect(state.gcs).toBe(1)
  at(200, 140, 1)
  expect(state.gcs).toBe(2)
})

test('collectNow collects at once and counts from the RSS after it', () => {
  const { state, budget, at } = scripted()
  budget.collectNow()
  expect(state.gcs).toBe(1)
  at(100, 100) // floor is the RSS at collectNow (50 MiB): above soft and 50 MiB over it
  expect(state.gcs).toBe(2)
})

test('while not busy it collects only above the hard limit', () => {
  // 5,000 records/s is busy: 5 records per ms.
  const { state, at } = scripted({ busyPerSecond: 5000, hard: 128 })
  at(0, 90)
  at(1000, 100, 1000) // 10 MiB over the floor at 1,000 records/s: a pause would hit live traffic
  at(2000, 120, 1000)
  expect(state.gcs).toBe(0)
  at(3000, 129, 1000) // over the hard limit
  expect(state.gcs).toBe(1)
  at(4000, 131, 1000) // still over it, but only 2 MiB over the floor (the step is 6 MiB)
  expect(state.gcs).toBe(1)
  at(5000, 136, 1000)
  expect(state.gcs).toBe(2)
})

test('busy (a backlog), the normal step applies', () => {
  const { state, at } = scripted({ busyPerSecond: 5000 })
  at(0, 90)
  at(100, 97, 1000) // 10,000 records/s, 7 MiB over the floor
  expect(state.gcs).toBe(1)
  at(200, 104, 600) // 6,000 records/s since that collection
  expect(state.gcs).toBe(2)
  at(1200, 111, 600) // 600 records/s: quiet, and below the hard limit
  expect(state.gcs).toBe(2)
})
