import { describe, expect, test } from 'bun:test'
import { reconnectDelaySeconds } from '../../lib/knowledge-graph.ts'

describe('reconnectDelaySeconds (postgres.js backoff after failed connects)', () => {
  test('grows from tens of milliseconds and never exceeds 2 s (the library default reaches 20 s)', () => {
    for (let failed = 0; failed <= 40; failed++) {
      for (let k = 0; k < 50; k++) {
        const d = reconnectDelaySeconds(failed)
        const cap = Math.min(0.05 * 2 ** failed, 2)
        expect(d).toBeGreaterThanOrEqual(cap / 2)
        expect(d).toBeLessThanOrEqual(cap)
      }
    }
    expect(reconnectDelaySeconds(1)).toBeLessThanOrEqual(0.1)
    expect(reconnectDelaySeconds(1000)).toBeGreaterThanOrEqual(1)
  })
})
