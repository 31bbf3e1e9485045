import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { unresolvedPackage } from '../../handlers/unresolved-package.ts'
import { testConfig } from '../fakes/config.ts'
import { fakeContext, fakeKnowledgeGraph, fakePackageIndex, fakeWorkflows, type FakeSubmission } from '../fakes/context.ts'
import { realKnowledgeGraph, seedIndex, seedPackageVersion, type RealKnowledgeGraph } from '../helpers/kg.ts'

const BASE = 'thoth.investigator.unresolved-package'
const PYPI = 'https://pypi.org/simple'
const AICOE = 'https://aicoe.example/simple'
const S1 = 'solver-rhel-8-py38'
const S2 = 'solver-fedora-34-py39'
const RAW = {
  component_name: 'adviser',
  service_version: '0.43.0',
  version: 'v1',
  package_name: 'requests',
  index_url: PYPI,
  package_version: '2.31.0' as string | null,
  solver: null as string | null,
}
const msg = (m: Partial<typeof RAW> = {}) => unresolvedPackage.schema.parse({ ...RAW, ...m })

async function scheduled(ctx: ReturnType<typeof fakeContext>) {
  const { values } = await ctx.metrics.scheduledWorkflows.get()
  return Object.fromEntries(values.map((v) => [`${v.labels.message_type}|${v.labels.workflow_type}`, v.value]))
}

const solver = (name: string, version: string, deps = '', log = 'INFO'): FakeSubmission => ({
  kind: 'solver',
  params: {
    THOTH_SOLVER_NAME: name,
    THOTH_SOLVER_PACKAGES: `requests===${version}`,
    THOTH_SOLVER_NO_TRANSITIVE: '1',
    THOTH_SOLVER_INDEXES: PYPI,
    THOTH_SOLVER_DEPENDENCY_INDEXES: deps,
    THOTH_FORCE_SYNC: '0',
    THOTH_LOG_SOLVER: log,
  },
  opts: { idPrefix: name },
})

/** A fake graph with PyPI (enabled) and AICoE (disabled) registered. */
function graph() {
  const kg = fakeKnowledgeGraph()
  kg.state.indexes = [
    { url: PYPI, enabled: true },
    { url: AICOE, enabled: false },
  ]
  return kg
}

describe('unresolved-package v1', () => {
  test('declares its mode and version', () => {
    expect([unresolvedPackage.name, unresolvedPackage.mode, unresolvedPackage.versions]).toEqual([
      'unresolved-package',
      'middletier',
      ['v1'],
    ])
  })

  test('solver switch off: no index check, nothing scheduled, no counter', async () => {
    const ctx = fakeContext({ config: testConfig({ THOTH_INVESTIGATOR_SCHEDULE_SOLVER: '0' }) })
    await unresolvedPackage.handle(msg({ index_url: 'https://unknown/simple' }), ctx)
    expect([ctx.kg.calls, ctx.workflows.submitted]).toEqual([[], []])
    expect(await scheduled(ctx)).toEqual({})
  })

  test('index not registered (exact comparison, any enabled state): the attempt fails', async () => {
    const ctx = fakeContext({ kg: graph() })
    await expect(unresolvedPackage.handle(msg({ index_url: `${PYPI}/` }), ctx)).rejects.toThrow('not registered')
    expect(ctx.workflows.submitted).toEqual([])
    await unresolvedPackage.handle(msg({ index_url: AICOE }), ctx)
  })

  test('unknown version (Q-1 false): every solver, no dependency indexes, INFO', async () => {
    const ctx = fakeContext({ kg: graph(), config: testConfig({ THOTH_LOG_SOLVER: 'DEBUG' }) })
    await unresolvedPackage.handle(msg({ solver: S1 }), ctx)
    expect(ctx.workflows.submitted).toEqual([solver(S1, '2.31.0'), solver(S2, '2.31.0')])
    expect(ctx.kg.calls).toEqual([
      { method: 'indexUrls', args: [undefined] },
      { method: 'packageVersionExists', args: ['requests', '2.31.0', PYPI] },
    ])
    expect(await scheduled(ctx)).toEqual({ [`${BASE}|solver`]: 2 })
  })

  test('known version: solvers that have not solved it (Q-3), enabled indexes (Q-2), THOTH_LOG_SOLVER', async () => {
    const kg = graph()
    kg.state.known.add(`requests|2.31.0|${PYPI}`)
    kg.state.solved.add(`requests|2.31.0|${PYPI}|${S1}`)
    const ctx = fakeContext({ kg, config: testConfig({ THOTH_LOG_SOLVER: 'DEBUG' }) })
    await unresolvedPackage.handle(msg(), ctx)
    expect(ctx.workflows.submitted).toEqual([solver(S2, '2.31.0', PYPI, 'DEBUG')])
    expect(await scheduled(ctx)).toEqual({ [`${BASE}|solver`]: 1 })
  })

  test('known version with a named solver: only that one, unless it solved it already', async () => {
    const kg = graph()
    kg.state.known.add(`requests|2.31.0|${PYPI}`)
    const ctx = fakeContext({ kg })
    await unresolvedPackage.handle(msg({ solver: 'solver-ubi-9-py311' }), ctx)
    expect(ctx.workflows.submitted.map((s) => s.opts.idPrefix)).toEqual(['solver-ubi-9-py311'])
    kg.state.solved.add(`requests|2.31.0|${PYPI}|${S1}`)
    const again = fakeContext({ kg })
    await unresolvedPackage.handle(msg({ solver: S1 }), again)
    expect(again.workflows.submitted).toEqual([])
    expect(await scheduled(again)).toEqual({ [`${BASE}|solver`]: 0 })
  })

  test.each([null, '*', ''])('package_version %p: every listed version, newest first', async (v) => {
    const kg = graph()
    kg.state.known.add(`requests|2.30.0|${PYPI}`)
    kg.state.solved.add(`requests|2.30.0|${PYPI}|${S2}`)
    const packageIndex = fakePackageIndex({ [`${PYPI}|requests`]: ['2.31.0', '2.30.0'] })
    const ctx = fakeContext({ kg, packageIndex })
    await unresolvedPackage.handle(msg({ package_version: v }), ctx)
    expect(packageIndex.calls).toEqual([`${PYPI}|requests`])
    expect(ctx.workflows.submitted).toEqual([solver(S1, '2.31.0'), solver(S2, '2.31.0'), solver(S1, '2.30.0', PYPI)])
    expect(await scheduled(ctx)).toEqual({ [`${BASE}|solver`]: 3 })
  })

  test('listing fails or is empty: a warning, nothing scheduled, counter adds 0, success', async () => {
    const packageIndex = fakePackageIndex()
    packageIndex.listVersions = async () => {
      throw new Error('HTTP 500')
    }
    const ctx = fakeContext({ kg: graph(), packageIndex })
    await unresolvedPackage.handle(msg({ package_version: null }), ctx)
    expect(ctx.workflows.submitted).toEqual([])
    expect(ctx.log.lines.some((l) => l.level === 'warn')).toBe(true)
    expect(await scheduled(ctx)).toEqual({ [`${BASE}|solver`]: 0 })
    const empty = fakeContext({ kg: graph() })
    await unresolvedPackage.handle(msg({ package_version: null }), empty)
    expect(await scheduled(empty)).toEqual({ [`${BASE}|solver`]: 0 })
  })

  test('a failing 2nd submission fails the attempt; the next attempt runs every step', async () => {
    const wf = fakeWorkflows()
    const ctx = fakeContext({ kg: graph(), workflows: wf })
    wf.failWhen((_s, n) => (n === 1 ? new Error('kubernetes down') : undefined))
    await expect(unresolvedPackage.handle(msg(), ctx)).rejects.toThrow('kubernetes down')
    wf.failWhen(() => undefined)
    await unresolvedPackage.handle(msg(), ctx)
    expect(wf.submitted.map((s) => s.opts.idPrefix)).toEqual([S1, S1, S2])
  })
})

describe('unresolved-package schema', () => {
  const parse = (v: unknown) => unresolvedPackage.schema.safeParse(v)
  test('absent package_version and solver default to null; extra keys accepted', () => {
    const { package_version: _v, solver: _s, ...rest } = RAW
    const r = parse({ ...rest, extra: true })
    expect(r.success && [r.data.package_version, r.data.solver]).toEqual([null, null])
  })
  test.each(['package_name', 'index_url'])('%s: missing, null or wrong type rejected', (k) => {
    const { [k as keyof typeof RAW]: _drop, ...rest } = RAW
    expect(parse(rest).success).toBe(false)
    expect(parse({ ...RAW, [k]: null }).success).toBe(false)
    expect(parse({ ...RAW, [k]: 1 }).success).toBe(false)
  })
  test('package_version and solver: string or null only', () => {
    expect(parse({ ...RAW, package_version: 2 }).success).toBe(false)
    expect(parse({ ...RAW, solver: ['x'] }).success).toBe(false)
  })
})

describe('unresolved-package against PostgreSQL (Q-1, Q-2, Q-3)', () => {
  let db: RealKnowledgeGraph
  beforeAll(async () => {
    db = await realKnowledgeGraph()
    const pypi = await seedIndex(db.sql, PYPI)
    await seedIndex(db.sql, AICOE, false)
    await seedIndex(db.sql, 'https://third.example/simple', true)
    await seedPackageVersion(db.sql, { name: 'requests', version: '2.31.0', indexId: pypi, os: 'rhel', osVersion: '8', python: '3.8' })
  })
  afterAll(async () => db?.close())

  const run = async (m: Partial<typeof RAW>) => {
    const ctx = { ...fakeContext(), kg: db.kg }
    await unresolvedPackage.handle(msg(m), ctx)
    return ctx.workflows.submitted
  }

  test('known and solved by rhel-8-py38: only fedora, with enabled indexes ordered by id', async () => {
    expect(await run({})).toEqual([solver(S2, '2.31.0', `${PYPI},https://third.example/simple`)])
  })
  test('unknown version: every solver', async () => {
    expect(await run({ package_version: '2.32.0' })).toEqual([solver(S1, '2.32.0'), solver(S2, '2.32.0')])
  })
  test('disabled index is registered; an unregistered one fails', async () => {
    expect((await run({ index_url: AICOE })).length).toBe(2)
    await expect(run({ index_url: 'https://nowhere.example/simple' })).rejects.toThrow('not registered')
  })
})
