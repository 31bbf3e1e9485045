import { describe, expect, test } from 'bun:test'
import { packageReleased } from '../../handlers/package-released.ts'
import { testConfig } from '../fakes/config.ts'
import { fakeContext, fakeWorkflows, type FakeSubmission } from '../fakes/context.ts'

const BASE = 'thoth.package-release.package-released'
const PYPI = 'https://pypi.org/simple'
const RAW = {
  component_name: 'package-releases-job',
  service_version: '0.6.0',
  version: 'v1',
  index_url: PYPI,
  package_name: 'flask',
  package_version: '2.3.2',
}
const msg = packageReleased.schema.parse(RAW)

async function scheduled(ctx: ReturnType<typeof fakeContext>) {
  const { values } = await ctx.metrics.scheduledWorkflows.get()
  return Object.fromEntries(values.map((v) => [`${v.labels.message_type}|${v.labels.workflow_type}`, v.value]))
}

const solver = (name: string): FakeSubmission => ({
  kind: 'solver',
  params: {
    THOTH_SOLVER_NAME: name,
    THOTH_SOLVER_PACKAGES: 'flask===2.3.2',
    THOTH_SOLVER_NO_TRANSITIVE: '1',
    THOTH_SOLVER_INDEXES: PYPI,
    THOTH_SOLVER_DEPENDENCY_INDEXES: '',
    THOTH_FORCE_SYNC: '0',
    THOTH_LOG_SOLVER: 'INFO',
  },
  opts: { idPrefix: name },
})
const REVSOLVER: FakeSubmission = {
  kind: 'revsolver',
  params: { THOTH_REVSOLVER_PACKAGE_NAME: 'flask', THOTH_REVSOLVER_PACKAGE_VERSION: '2.3.2', THOTH_LOG_REVSOLVER: 'INFO' },
  opts: { idPrefix: 'revsolver' },
}

describe('package-released v1', () => {
  test('declares its mode and version', () => {
    expect(packageReleased.name).toBe('package-released')
    expect(packageReleased.mode).toBe('middletier')
    expect(packageReleased.versions).toEqual(['v1'])
  })

  test('all solvers, then one reverse solver, counted', async () => {
    const ctx = fakeContext()
    await packageReleased.handle(msg, ctx)
    expect(ctx.workflows.submitted).toEqual([solver('solver-rhel-8-py38'), solver('solver-fedora-34-py39'), REVSOLVER])
    expect(await scheduled(ctx)).toEqual({ [`${BASE}|solver`]: 2, [`${BASE}|revsolver`]: 1 })
    expect(ctx.kg.calls).toEqual([])
  })

  test('solver switch off: only the reverse solver', async () => {
    const ctx = fakeContext({ config: testConfig({ THOTH_INVESTIGATOR_SCHEDULE_SOLVER: '0' }) })
    await packageReleased.handle(msg, ctx)
    expect(ctx.workflows.submitted).toEqual([REVSOLVER])
    expect(await scheduled(ctx)).toEqual({ [`${BASE}|revsolver`]: 1 })
  })

  test('revsolver switch off: only the solvers; THOTH_LOG_REVSOLVER=DEBUG honoured when on', async () => {
    const ctx = fakeContext({ config: testConfig({ THOTH_INVESTIGATOR_SCHEDULE_REVSOLVER: '0' }) })
    await packageReleased.handle(msg, ctx)
    expect(ctx.workflows.submitted.map((s) => s.kind)).toEqual(['solver', 'solver'])
    const dbg = fakeContext({ config: testConfig({ THOTH_LOG_REVSOLVER: 'DEBUG' }) })
    await packageReleased.handle(msg, dbg)
    expect(dbg.workflows.submitted.at(-1)?.params.THOTH_LOG_REVSOLVER).toBe('DEBUG')
  })

  test('empty solver list: revsolver only, solver series at 0', async () => {
    const ctx = fakeContext({ workflows: fakeWorkflows([]) })
    await packageReleased.handle(msg, ctx)
    expect(ctx.workflows.submitted).toEqual([REVSOLVER])
    expect(await scheduled(ctx)).toEqual({ [`${BASE}|solver`]: 0, [`${BASE}|revsolver`]: 1 })
  })

  test('a failing 2nd submission fails the attempt; the next attempt runs every step again', async () => {
    const wf = fakeWorkflows()
    const ctx = fakeContext({ workflows: wf })
    wf.failWhen((_s, n) => (n === 1 ? new Error('kubernetes down') : undefined))
    await expect(packageReleased.handle(msg, ctx)).rejects.toThrow('kubernetes down')
    expect(wf.submitted).toHaveLength(1)
    wf.failWhen(() => undefined)
    await packageReleased.handle(msg, ctx)
    expect(wf.submitted.map((s) => s.opts.idPrefix)).toEqual([
      'solver-rhel-8-py38',
      'solver-rhel-8-py38',
      'solver-fedora-34-py39',
      'revsolver',
    ])
  })
})

describe('package-released schema', () => {
  const parse = (v: unknown) => packageReleased.schema.safeParse(v)
  test('extra keys accepted; envelope fields not checked', () => {
    expect(parse({ ...RAW, extra: 1, component_name: null, service_version: 3 }).success).toBe(true)
  })
  test.each(['index_url', 'package_name', 'package_version'])('%s: missing, null or not a string is rejected', (k) => {
    const { [k as keyof typeof RAW]: _drop, ...rest } = RAW
    expect(parse(rest).success).toBe(false)
    expect(parse({ ...RAW, [k]: null }).success).toBe(false)
    expect(parse({ ...RAW, [k]: 1 }).success).toBe(false)
  })
})
