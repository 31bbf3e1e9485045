import { expect, test } from 'bun:test'
import { coalesceCalls } from '../../lib/coalesce.ts'

/** A run that records what it was given and fails when an item is 'bad'. */
function recorder() {
  const runs: string[][] = []
  const run = async (items: readonly string[]) => {
    runs.push([...items])
    if (items.includes('bad')) throw new Error(`bad item among ${items.length}`)
  }
  return { runs, run }
}

test('calls of one turn run once, in call order, and every caller is resolved', async () => {
  const { runs, run } = recorder()
  const call = coalesceCalls(run)
  await Promise.all([call(['a', 'b']), call(['c']), call(['d'])])
  expect(runs).toEqual([['a', 'b', 'c', 'd']])
})

test('calls of later turns make runs of their own', async () => {
  const { runs, run } = recorder()
  const call = coalesceCalls(run)
  await call(['a'])
  await Promise.all([call(['b']), call(['c'])])
  expect(runs).toEqual([['a'], ['b', 'c']])
})

test('when the joint run fails each call runs alone: only the bad caller fails', async () => {
  const { runs, run } = recorder()
  const call = coalesceCalls(run)
  const results = await Promise.allSettled([call(['a']), call(['bad']), call(['c'])])
  expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled'])
  expect((results[1] as PromiseRejectedResult).reason.message).toBe('bad item among 1')
  expect(runs).toEqual([['a', 'bad', 'c'], ['a'], ['bad'], ['c']])
})

test('a single call that fails is rejected without a second run', async () => {
  const { runs, run } = recorder()
  const call = coalesceCalls(run)
  await expect(call(['bad'])).rejects.toThrow('bad item among 1')
  expect(runs).toEqual([['bad']])
})
