/**
 * Smoke run of every benchmark scenario (bench/README.md) at a small count, against the real
 * broker, PostgreSQL and the Kubernetes API test server. Checks correctness only: every effect is
 * present (rows, workflows, processed records, commits at the end offsets), never speed.
 * Runs the compiled binary when dist/investigator is newer than every source file, else
 * `bun run main.ts` (no build in the test command).
 */
import { describe, expect, test } from 'bun:test'
import { existsSync, readdirSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { runScenario, type Result } from '../../bench/run.ts'
import type { Params, ScenarioName } from '../../bench/scenarios.ts'

const ROOT = join(import.meta.dir, '..', '..')
const BINARY = join(ROOT, 'dist', 'investigator')

/** Newest modification time of the sources the binary is built from. */
function newestSource(dir: string): number {
  let newest = 0
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name)
    if (entry.isDirectory()) newest = Math.max(newest, newestSource(path))
    else if (entry.name.endsWith('.ts') || entry.name.endsWith('.tsx')) newest = Math.max(newest, statSync(path).mtimeMs)
  }
  return newest
}

const fresh =
  existsSync(BINARY) &&
  statSync(BINARY).mtimeMs > Math.max(statSync(join(ROOT, 'main.ts')).mtimeMs, newestSource(join(ROOT, 'lib')), newestSource(join(ROOT, 'handlers')))
const binary = fresh ? BINARY : null

const SMOKE: Array<[ScenarioName, Partial<Params>]> = [
  ['db-flags', { count: 600, partitions: 3, workers: 3 }],
  ['workflows', { count: 120, partitions: 3, workers: 3 }],
  ['mixed', { count: 400, partitions: 2, workers: 3 }],
  ['latency', { rate: 200, durationS: 2, warmupS: 1, partitions: 3, workers: 3 }],
  ['backlog', { count: 6000, partitions: 3, workers: 3 }],
]

function failedChecks(r: Result): string[] {
  return r.checks.filter((c) => !c.ok).map((c) => `${c.name}: expected ${c.expected}, got ${c.actual}`)
}

describe(`benchmark scenarios, smoke size (${binary ? 'compiled binary' : 'bun run main.ts'})`, () => {
  for (const [name, params] of SMOKE) {
    test(`${name}: every effect of every message is present`, async () => {
      const r = await runScenario(name, params, { binary, outDir: null, say: () => {}, measureIdle: false })
      expect(failedChecks(r)).toEqual([])
      expect(r.verified).toBe(true)
      expect(r.messages).toBeGreaterThan(0)
      if (name === 'latency') {
        // Warm-up records are produced, handled and verified too; latency is split at its end.
        expect(r.messages).toBe(200 * (1 + 2))
        expect(r.latencyMs.records + (r.coldStartLatencyMs?.records ?? 0)).toBe(r.messages)
        expect(r.coldStartLatencyMs?.records).toBeGreaterThan(0)
      }
    })
  }
})
