import { expect, test } from 'bun:test'
import { AbortedError } from '../../lib/errors.ts'
import { memoryLogger } from '../../lib/log.ts'
import { createMetrics } from '../../lib/metrics.ts'
import { createPendingGate } from '../../lib/pending-limit.ts'

const scope = () => ({ signal: new AbortController().signal, log: memoryLogger() })

test('a fresh count plus the submissions let through since decides', async () => {
  let lists = 0
  const gate = createPendingGate({ limit: 3, sleepMs: 1, freshMs: 60_000, metrics: createMetrics(), count: async () => (lists++, lists === 1 ? 1 : 4) })
  await gate.wait('ns', scope()) // 1 pending
  await gate.wait('ns', scope()) // 1 + 1
  await gate.wait('ns', scope()) // 1 + 2
  // the server now sees the three new workflows
  expect(lists).toBe(1)
  const ac = new AbortController()
  const p = gate.wait('ns', { ...scope(), signal: ac.signal }) // 1 + 3 > 3: waits, lists again after each sleep
  await Bun.sleep(20)
  expect(lists).toBeGreaterThan(1)
  ac.abort()
  await expect(p).rejects.toBeInstanceOf(AbortedError)
})

test('no limit: never counts', async () => {
  const gate = createPendingGate({ sleepMs: 1, freshMs: 1, metrics: createMetrics(), count: () => Promise.reject(new Error('no')) })
  await gate.wait('ns', scope())
})

test('a listing error fails the wait', async () => {
  const gate = createPendingGate({ limit: 1, sleepMs: 1, freshMs: 1, metrics: createMetrics(), count: () => Promise.reject(new Error('boom')) })
  await expect(gate.wait('ns', scope())).rejects.toThrow('boom')
})

test('counts() reports the latest count per namespace plus the submissions let through since', async () => {
  const gate = createPendingGate({ limit: 10, sleepMs: 1, freshMs: 60_000, metrics: createMetrics(), count: async (ns) => (ns === 'a' ? 2 : 7) })
  expect(gate.counts()).toEqual([])
  await gate.wait('a', scope())
  await gate.wait('a', scope())
  await gate.wait('b', scope())
  const counts = gate.counts()
  expect(counts.map(({ namespace, pending }) => ({ namespace, pending }))).toEqual([
    { namespace: 'a', pending: 4 },
    { namespace: 'b', pending: 8 },
  ])
  expect(Date.parse(counts[0]?.countedAt ?? '')).toBeGreaterThan(0)
})
