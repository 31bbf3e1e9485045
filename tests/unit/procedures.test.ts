import { describe, expect, test } from 'bun:test'
import {
  allSolvers,
  kebechetAdmin,
  learnSolver,
  oneSolver,
  revsolver,
  security,
  solverPackages,
} from '../../lib/procedures.ts'
import { testConfig } from '../fakes/config.ts'
import { fakeContext, fakeKnowledgeGraph, fakeWorkflows } from '../fakes/context.ts'

const BASE = 'thoth.package-release.package-released'
const PYPI = 'https://pypi.org/simple'
const PKG = { name: 'flask', version: '2.3.2', index: PYPI }
const S1 = 'solver-rhel-8-py38'
const S2 = 'solver-fedora-34-py39'

/** scheduled_workflows values by `${message_type}|${workflow_type}`. */
async function scheduled(ctx: ReturnType<typeof fakeContext>) {
  const { values } = await ctx.metrics.scheduledWorkflows.get()
  return Object.fromEntries(values.map((v) => [`${v.labels.message_type}|${v.labels.workflow_type}`, v.value]))
}

const solverParams = (solver: string, deps: string, log: string) => ({
  THOTH_SOLVER_NAME: solver,
  THOTH_SOLVER_PACKAGES: 'flask===2.3.2',
  THOTH_SOLVER_NO_TRANSITIVE: '1',
  THOTH_SOLVER_INDEXES: PYPI,
  THOTH_SOLVER_DEPENDENCY_INDEXES: deps,
  THOTH_FORCE_SYNC: '0',
  THOTH_LOG_SOLVER: log,
})

describe('ALL_SOLVERS', () => {
  test('one solver workflow per configured solver, INFO even with THOTH_LOG_SOLVER=DEBUG', async () => {
    const ctx = fakeContext({ config: testConfig({ THOTH_LOG_SOLVER: 'DEBUG' }) })
    expect(await allSolvers(ctx, PKG, BASE)).toBe(2)
    expect(ctx.workflows.submitted).toEqual([
      { kind: 'solver', params: solverParams(S1, '', 'INFO'), opts: { idPrefix: S1 } },
      { kind: 'solver', params: solverParams(S2, '', 'INFO'), opts: { idPrefix: S2 } },
    ])
    expect(await scheduled(ctx)).toEqual({ [`${BASE}|solver`]: 2 })
  })

  test('an empty solver list creates nothing, still adds 0 and warns', async () => {
    const ctx = fakeContext({ workflows: fakeWorkflows([]) })
    expect(await allSolvers(ctx, PKG, BASE)).toBe(0)
    expect(ctx.workflows.submitted).toEqual([])
    expect(await scheduled(ctx)).toEqual({ [`${BASE}|solver`]: 0 })
    expect(ctx.log.lines.some((l) => l.level === 'warn')).toBe(true)
  })

  test('a line feed in name or version is sent as backslash-n', () => {
    expect(solverPackages('a\nb', '1.0\n')).toBe('a\\nb===1.0\\n')
  })

  test('a submission that already existed (created=false) is not counted', async () => {
    const wf = fakeWorkflows()
    const ctx = fakeContext({ workflows: wf })
    const submit = wf.submit
    ctx.workflows.submit = async (k, p, o) => ({ ...(await submit(k, p, o)), created: false })
    expect(await allSolvers(ctx, PKG, BASE)).toBe(0)
    expect(await scheduled(ctx)).toEqual({ [`${BASE}|solver`]: 0 })
  })
})

describe('ONE_SOLVER', () => {
  test('dependency indexes joined with a comma; INFO by default', async () => {
    const ctx = fakeContext()
    expect(await oneSolver(ctx, PKG, S1, ['https://a/simple', 'https://b/simple'], BASE)).toBe(1)
    expect(ctx.workflows.submitted).toEqual([
      { kind: 'solver', params: solverParams(S1, 'https://a/simple,https://b/simple', 'INFO'), opts: { idPrefix: S1 } },
    ])
  })

  test('THOTH_LOG_SOLVER=DEBUG exactly gives DEBUG; other values INFO', async () => {
    for (const [env, want] of [['DEBUG', 'DEBUG'], ['debug', 'INFO'], ['1', 'INFO']] as const) {
      const ctx = fakeContext({ config: testConfig({ THOTH_LOG_SOLVER: env }) })
      await oneSolver(ctx, PKG, S1, [], BASE)
      expect(ctx.workflows.submitted[0]?.params.THOTH_LOG_SOLVER).toBe(want)
    }
  })
})

describe('LEARN_SOLVER', () => {
  test('not present: ALL_SOLVERS, the solver argument ignored, no Q-2/Q-3', async () => {
    const ctx = fakeContext()
    expect(await learnSolver(ctx, false, PKG, S1, BASE)).toBe(2)
    expect(ctx.workflows.submitted.map((s) => s.params.THOTH_SOLVER_DEPENDENCY_INDEXES)).toEqual(['', ''])
    expect(ctx.kg.calls).toEqual([])
  })

  test('present: solvers that have not solved it (Q-3), with enabled indexes (Q-2)', async () => {
    const kg = fakeKnowledgeGraph()
    kg.state.indexes = [
      { url: PYPI, enabled: true },
      { url: 'https://off/simple', enabled: false },
      { url: 'https://b/simple', enabled: true },
    ]
    kg.state.solved.add(`flask|2.3.2|${PYPI}|${S1}`)
    const ctx = fakeContext({ kg, config: testConfig({ THOTH_LOG_SOLVER: 'DEBUG' }) })
    expect(await learnSolver(ctx, true, PKG, null, BASE)).toBe(1)
    expect(ctx.workflows.submitted).toEqual([
      { kind: 'solver', params: solverParams(S2, `${PYPI},https://b/simple`, 'DEBUG'), opts: { idPrefix: S2 } },
    ])
    expect(kg.calls).toEqual([
      { method: 'indexUrls', args: [true] },
      { method: 'solvedBy', args: ['flask', '2.3.2', PYPI, S1] },
      { method: 'solvedBy', args: ['flask', '2.3.2', PYPI, S2] },
    ])
    expect(await scheduled(ctx)).toEqual({ [`${BASE}|solver`]: 1 })
  })

  test('present with a named solver: only that solver; "" means all solvers', async () => {
    const ctx = fakeContext()
    expect(await learnSolver(ctx, true, PKG, 'solver-ubi-8-py311', BASE)).toBe(1)
    expect(ctx.workflows.submitted.map((s) => s.opts.idPrefix)).toEqual(['solver-ubi-8-py311'])
    const all = fakeContext()
    expect(await learnSolver(all, true, PKG, '', BASE)).toBe(2)
  })

  test('present and solved by every solver: nothing, counter at 0', async () => {
    const kg = fakeKnowledgeGraph()
    for (const s of [S1, S2]) kg.state.solved.add(`flask|2.3.2|${PYPI}|${s}`)
    const ctx = fakeContext({ kg })
    expect(await learnSolver(ctx, true, PKG, undefined, BASE)).toBe(0)
    expect(await scheduled(ctx)).toEqual({ [`${BASE}|solver`]: 0 })
  })

  test('a Q-3 error (bad solver name) fails the call', async () => {
    const kg = fakeKnowledgeGraph()
    kg.solvedBy = async () => {
      throw new Error('bad solver name')
    }
    await expect(learnSolver(fakeContext({ kg }), true, PKG, 'nonsense', BASE)).rejects.toThrow('bad solver name')
  })
})

describe('REVSOLVER', () => {
  test('parameters and prefix; THOTH_LOG_REVSOLVER rule', async () => {
    const ctx = fakeContext()
    expect(await revsolver(ctx, 'flask', '2.3.2', BASE)).toBe(1)
    expect(ctx.workflows.submitted).toEqual([
      {
        kind: 'revsolver',
        params: { THOTH_REVSOLVER_PACKAGE_NAME: 'flask', THOTH_REVSOLVER_PACKAGE_VERSION: '2.3.2', THOTH_LOG_REVSOLVER: 'INFO' },
        opts: { idPrefix: 'revsolver' },
      },
    ])
    expect(await scheduled(ctx)).toEqual({ [`${BASE}|revsolver`]: 1 })
    const dbg = fakeContext({ config: testConfig({ THOTH_LOG_REVSOLVER: 'DEBUG' }) })
    await revsolver(dbg, 'flask', '2.3.2', BASE)
    expect(dbg.workflows.submitted[0]?.params.THOTH_LOG_REVSOLVER).toBe('DEBUG')
  })
})

describe('SECURITY', () => {
  test('submits security-indicators unless Q-4 is true', async () => {
    const ctx = fakeContext()
    expect(await security(ctx, PKG, BASE)).toBe(1)
    expect(ctx.workflows.submitted).toEqual([
      {
        kind: 'security-indicators',
        params: {
          THOTH_SECURITY_INDICATORS_PACKAGE_NAME: 'flask',
          THOTH_SECURITY_INDICATORS_PACKAGE_VERSION: '2.3.2',
          THOTH_SECURITY_INDICATORS_PACKAGE_INDEX: PYPI,
          THOTH_SECURITY_INDICATORS_AGGREGATION_FUNCTION: 'process_data',
        },
        opts: { idPrefix: 'security-indicator' },
      },
    ])
    expect(await scheduled(ctx)).toEqual({ [`${BASE}|security-indicator`]: 1 })
  })

  test('Q-4 true: returns 0, submits nothing, counter at 0', async () => {
    const kg = fakeKnowledgeGraph()
    kg.state.securityIndicators.add(`flask|2.3.2|${PYPI}`)
    const ctx = fakeContext({ kg })
    expect(await security(ctx, PKG, BASE)).toBe(0)
    expect(ctx.workflows.submitted).toEqual([])
    expect(await scheduled(ctx)).toEqual({ [`${BASE}|security-indicator`]: 0 })
  })
})

describe('KEBECHET_ADMIN', () => {
  test('all five parameters; absent version and solver are empty', async () => {
    const ctx = fakeContext()
    const base = 'thoth.package-update.missing-package'
    expect(await kebechetAdmin(ctx, { package_name: 'six', index_url: PYPI }, base)).toBe(1)
    expect(await kebechetAdmin(ctx, { package_name: 'six', package_version: '1.0', index_url: PYPI, solver: S1 }, base)).toBe(1)
    expect(ctx.workflows.submitted).toEqual([
      {
        kind: 'kebechet-administrator',
        params: { THOTH_PACKAGE_NAME: 'six', THOTH_PACKAGE_VERSION: '', THOTH_PACKAGE_INDEX: PYPI, THOTH_SOLVER_NAME: '', THOTH_MESSAGE_TYPE: base },
        opts: { idPrefix: 'kebechet-administrator' },
      },
      {
        kind: 'kebechet-administrator',
        params: { THOTH_PACKAGE_NAME: 'six', THOTH_PACKAGE_VERSION: '1.0', THOTH_PACKAGE_INDEX: PYPI, THOTH_SOLVER_NAME: S1, THOTH_MESSAGE_TYPE: base },
        opts: { idPrefix: 'kebechet-administrator' },
      },
    ])
    expect(await scheduled(ctx)).toEqual({ [`${base}|kebechet-administrator`]: 2 })
  })
})
