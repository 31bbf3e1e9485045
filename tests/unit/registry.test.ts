import { describe, expect, test } from 'bun:test'
import { z } from 'zod'
import { adviseJustification } from '../../handlers/advise-justification.ts'
import { adviserTrigger } from '../../handlers/adviser-trigger.ts'
import { hashMismatchBackend, hashMismatchMiddletier } from '../../handlers/hash-mismatch.ts'
import { handlers } from '../../handlers/index.ts'
import { solvedPackage } from '../../handlers/solved-package.ts'
import { defineHandler, type Handler, type Mode } from '../../lib/handler.ts'
import { createRegistry, messageCount, type Lookup } from '../../lib/registry.ts'
import { fakeContext } from '../fakes/context.ts'

const HASH = 'thoth.package-update.hash-mismatch'
const ADVISER = 'thoth.adviser-trigger'
const SOLVED = 'thoth.solver.solved-package'
const JUSTIFICATION = 'thoth.advise-reporter.advise-justification'

/** operations.md §4 handler tables. */
const BACKEND = [
  'thoth.adviser-trigger',
  'thoth.cve-update.cve-provided',
  'thoth.package-update.hash-mismatch',
  'thoth.kebechet-run-url-trigger',
  'thoth.kebechet-trigger',
  'thoth.package-update.missing-package',
  'thoth.package-update.missing-package-version',
  'thoth.package-extract-trigger',
  'thoth.provenance-checker-trigger',
  'thoth.repo-init',
]
const MIDDLETIER = [
  'thoth.build-analysis-trigger',
  'thoth.package-update.hash-mismatch',
  'thoth.inspection-completed',
  'thoth.package-release.package-released',
  'thoth.investigator.si-unanalyzed-package',
  'thoth.solver.solved-package',
  'thoth.investigator.unresolved-package',
  'thoth.investigator.unrevsolved-package',
  'thoth.update-provides-source-distro',
]
const ALL = [...new Set([...BACKEND, ...MIDDLETIER, JUSTIFICATION])]

const registry = (modes: Mode[]) => createRegistry(handlers, modes)
const found = (...hs: Handler[]): Lookup => ({ kind: 'handlers', handlers: hs })

describe('baseNames: the union of the active tables', () => {
  test.each([
    [['backend'], BACKEND, 10],
    [['middletier'], MIDDLETIER, 9],
    [['metrics'], ALL, 19],
    [['middletier', 'backend'], [...BACKEND, ...MIDDLETIER], 18],
    [['backend', 'metrics'], ALL, 19],
  ] as [Mode[], string[], number][])('%j', (modes, expected, count) => {
    const names = registry(modes).baseNames
    expect(names).toHaveLength(count)
    expect(new Set(names)).toEqual(new Set(expected))
  })

  test('advise-justification is only consumed in metrics mode', () => {
    expect(registry(['backend', 'middletier']).baseNames).not.toContain(JUSTIFICATION)
  })
})

describe('lookup', () => {
  test('a mode without the topic is skipped (D-3): default modes with a backend-only topic', () => {
    expect(registry(['middletier', 'backend']).lookup(ADVISER, 'v1')).toEqual(found(adviserTrigger))
    expect(registry(['middletier', 'backend']).lookup(SOLVED, 'v1')).toEqual(found(solvedPackage))
  })

  test('every version a handler declares is found', () => {
    const r = registry(['backend'])
    for (const v of ['v1', 'v2', 'v3', 'v4', 'v5']) expect(r.lookup(ADVISER, v)).toEqual(found(adviserTrigger))
  })

  test('an unknown version is a missing handler', () => {
    expect(registry(['backend']).lookup(ADVISER, 'v6')).toEqual({ kind: 'missing' })
    expect(registry(['middletier', 'backend']).lookup(HASH, 'v2')).toEqual({ kind: 'missing' })
    expect(registry(['backend']).lookup(ADVISER, '')).toEqual({ kind: 'missing' })
  })

  test('a missing version in any consulted mode is a missing handler, even when metrics would count it', () => {
    expect(registry(['backend', 'metrics']).lookup(ADVISER, 'v9')).toEqual({ kind: 'missing' })
    expect(registry(['metrics', 'backend']).lookup(ADVISER, 'v9')).toEqual({ kind: 'missing' })
  })

  test('hash-mismatch in both modes: both handlers, in THOTH_CONSUMER_MODE order', () => {
    expect(registry(['middletier', 'backend']).lookup(HASH, 'v1')).toEqual(found(hashMismatchMiddletier, hashMismatchBackend))
    expect(registry(['backend', 'middletier']).lookup(HASH, 'v1')).toEqual(found(hashMismatchBackend, hashMismatchMiddletier))
    expect(registry(['backend']).lookup(HASH, 'v1')).toEqual(found(hashMismatchBackend))
    expect(registry(['middletier']).lookup(HASH, 'v1')).toEqual(found(hashMismatchMiddletier))
  })

  test('a topic no active mode has, or a name that is not a base name: none', () => {
    expect(registry(['backend']).lookup(SOLVED, 'v1')).toEqual({ kind: 'none' })
    expect(registry(['middletier', 'backend']).lookup(JUSTIFICATION, 'v1')).toEqual({ kind: 'none' })
    expect(registry(['metrics']).lookup('thoth.unknown', 'v1')).toEqual({ kind: 'none' })
    expect(registry(['metrics']).lookup(`test.${ADVISER}`, 'v1')).toEqual({ kind: 'none' })
  })

  test('metrics mode: advise-justification v1 has its own handler, everything else the counter', () => {
    const r = registry(['metrics'])
    expect(r.lookup(JUSTIFICATION, 'v1')).toEqual(found(adviseJustification))
    expect(r.lookup(JUSTIFICATION, 'v2')).toEqual(found(messageCount))
    for (const base of ALL.filter((b) => b !== JUSTIFICATION)) {
      for (const v of ['v1', 'v7', 'None']) expect(r.lookup(base, v)).toEqual(found(messageCount))
    }
  })

  test('several modes with metrics: handlers in mode order', () => {
    expect(registry(['backend', 'metrics']).lookup(ADVISER, 'v1')).toEqual(found(adviserTrigger, messageCount))
    expect(registry(['metrics', 'backend']).lookup(ADVISER, 'v1')).toEqual(found(messageCount, adviserTrigger))
    expect(registry(['metrics', 'backend']).lookup(SOLVED, 'v1')).toEqual(found(messageCount))
  })
})

describe('the generic counter', () => {
  test('counts per derived type label and version; None when version is absent', async () => {
    const ctx = fakeContext({ record: { baseName: 'thoth.package-update.missing-package-version' } })
    await messageCount.handle({ version: 'v1' }, ctx)
    await messageCount.handle({ version: 'v1' }, ctx)
    await messageCount.handle({}, ctx)
    const { values } = await ctx.metrics.messageCountByVersion.get()
    expect(values.map((v) => [v.labels, v.value])).toEqual([
      [{ message_type: 'missing_package_version', message_version: 'v1' }, 2],
      [{ message_type: 'missing_package_version', message_version: 'None' }, 1],
    ])
  })

  test('accepts any object', () => {
    expect(messageCount.schema.safeParse({ anything: [1] }).success).toBe(true)
  })
})

describe('registration', () => {
  test('the same (mode, type, version) twice throws', () => {
    expect(() => createRegistry([adviserTrigger, adviserTrigger], ['backend'])).toThrow(/duplicate/)
    const again = defineHandler({ ...solvedPackage, versions: ['v1'] })
    expect(() => createRegistry([solvedPackage, again], ['middletier'])).toThrow(/duplicate/)
  })

  test('one type in two modes, or two versions in two handlers, is fine', () => {
    expect(() => createRegistry([hashMismatchMiddletier, hashMismatchBackend], ['backend'])).not.toThrow()
    const v2 = defineHandler({ ...solvedPackage, versions: ['v2'], schema: z.looseObject({}) })
    const r = createRegistry([solvedPackage, v2], ['middletier'])
    expect(r.lookup(SOLVED, 'v2')).toEqual(found(v2))
    expect(r.lookup(SOLVED, 'v1')).toEqual(found(solvedPackage))
  })

  test('handlers/index.ts registers without duplicates', () => {
    expect(() => registry(['backend', 'middletier', 'metrics'])).not.toThrow()
  })
})
