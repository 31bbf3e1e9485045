import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { solvedPackage } from '../../handlers/solved-package.ts'
import { testConfig } from '../fakes/config.ts'
import { fakeContext, fakeKnowledgeGraph, fakeWorkflows, type FakeSubmission } from '../fakes/context.ts'
import { realKnowledgeGraph, seedIndex, seedPackageVersion, seedSecurityIndicators, type RealKnowledgeGraph } from '../helpers/kg.ts'

const BASE = 'thoth.solver.solved-package'
const PYPI = 'https://pypi.org/simple'
const RAW = {
  component_name: 'solver',
  service_version: '1.11.0',
  version: 'v1',
  package_name: 'flask',
  package_version: '2.3.2',
  index_url: PYPI,
  solver: 'solver-rhel-8-py38',
}
const msg = solvedPackage.schema.parse(RAW)

async function scheduled(ctx: ReturnType<typeof fakeContext>) {
  const { values } = await ctx.metrics.scheduledWorkflows.get()
  return Object.fromEntries(values.map((v) => [`${v.labels.message_type}|${v.labels.workflow_type}`, v.value]))
}

const SI: FakeSubmission = {
  kind: 'security-indicators',
  params: {
    THOTH_SECURITY_INDICATORS_PACKAGE_NAME: 'flask',
    THOTH_SECURITY_INDICATORS_PACKAGE_VERSION: '2.3.2',
    THOTH_SECURITY_INDICATORS_PACKAGE_INDEX: PYPI,
    THOTH_SECURITY_INDICATORS_AGGREGATION_FUNCTION: 'process_data',
  },
  opts: { idPrefix: 'security-indicator' },
}
const KA: FakeSubmission = {
  kind: 'kebechet-administrator',
  params: {
    THOTH_PACKAGE_NAME: 'flask',
    THOTH_PACKAGE_VERSION: '2.3.2',
    THOTH_PACKAGE_INDEX: PYPI,
    THOTH_SOLVER_NAME: 'solver-rhel-8-py38',
    THOTH_MESSAGE_TYPE: BASE,
  },
  opts: { idPrefix: 'kebechet-administrator' },
}

describe('solved-package v1', () => {
  test('declares its mode and version', () => {
    expect([solvedPackage.name, solvedPackage.mode]).toEqual(['solved-package', 'middletier'])
    expect(solvedPackage.versions).toEqual(['v1'])
  })

  test('security indicators, then Kebechet administrator; both counted', async () => {
    const ctx = fakeContext()
    await solvedPackage.handle(msg, ctx)
    expect(ctx.workflows.submitted).toEqual([SI, KA])
    expect(ctx.kg.calls).toEqual([{ method: 'securityIndicatorsExist', args: ['flask', '2.3.2', PYPI] }])
    expect(await scheduled(ctx)).toEqual({ [`${BASE}|security-indicator`]: 1, [`${BASE}|kebechet-administrator`]: 1 })
  })

  test('Q-4 true: only Kebechet administrator; security series adds 0', async () => {
    const kg = fakeKnowledgeGraph()
    kg.state.securityIndicators.add(`flask|2.3.2|${PYPI}`)
    const ctx = fakeContext({ kg })
    await solvedPackage.handle(msg, ctx)
    expect(ctx.workflows.submitted).toEqual([KA])
    expect(await scheduled(ctx)).toEqual({ [`${BASE}|security-indicator`]: 0, [`${BASE}|kebechet-administrator`]: 1 })
  })

  test('security switch off: no Q-4, only Kebechet administrator', async () => {
    const ctx = fakeContext({ config: testConfig({ THOTH_INVESTIGATOR_SCHEDULE_SECURITY: '0' }) })
    await solvedPackage.handle(msg, ctx)
    expect(ctx.workflows.submitted).toEqual([KA])
    expect(ctx.kg.calls).toEqual([])
    expect(await scheduled(ctx)).toEqual({ [`${BASE}|kebechet-administrator`]: 1 })
  })

  test.each([
    ['THOTH_INVESTIGATOR_KEBECHET_ADMINISTRATOR', '0'],
    ['THOTH_INVESTIGATOR_SCHEDULE_KEBECHET_ADMIN', '0'],
  ])('Kebechet switch off (%s=%s): only security indicators', async (k, v) => {
    const ctx = fakeContext({ config: testConfig({ [k]: v }) })
    await solvedPackage.handle(msg, ctx)
    expect(ctx.workflows.submitted).toEqual([SI])
    expect(await scheduled(ctx)).toEqual({ [`${BASE}|security-indicator`]: 1 })
  })

  test('a failing 2nd submission fails the attempt; the next attempt runs both steps', async () => {
    const wf = fakeWorkflows()
    const ctx = fakeContext({ workflows: wf })
    wf.failWhen((_s, n) => (n === 1 ? new Error('kubernetes down') : undefined))
    await expect(solvedPackage.handle(msg, ctx)).rejects.toThrow('kubernetes down')
    expect(wf.submitted).toEqual([SI])
    wf.failWhen(() => undefined)
    await solvedPackage.handle(msg, ctx)
    expect(wf.submitted).toEqual([SI, SI, KA])
  })
})

describe('solved-package schema', () => {
  const parse = (v: unknown) => solvedPackage.schema.safeParse(v)
  test('extra keys accepted', () => expect(parse({ ...RAW, extra: 'x' }).success).toBe(true))
  test.each(['package_name', 'package_version', 'index_url', 'solver'])('%s: missing, null or wrong type rejected', (k) => {
    const { [k as keyof typeof RAW]: _drop, ...rest } = RAW
    expect(parse(rest).success).toBe(false)
    expect(parse({ ...RAW, [k]: null }).success).toBe(false)
    expect(parse({ ...RAW, [k]: 1 }).success).toBe(false)
  })
})

describe('solved-package against PostgreSQL (Q-4)', () => {
  let db: RealKnowledgeGraph
  beforeAll(async () => {
    db = await realKnowledgeGraph()
    const pypi = await seedIndex(db.sql, PYPI)
    await seedSecurityIndicators(db.sql, await seedPackageVersion(db.sql, { name: 'flask', version: '2.3.2', indexId: pypi }))
    await seedPackageVersion(db.sql, { name: 'flask', version: '2.3.3', indexId: pypi })
  })
  afterAll(async () => db?.close())

  const kinds = async (m: Partial<typeof RAW>) => {
    const ctx = { ...fakeContext(), kg: db.kg }
    await solvedPackage.handle(solvedPackage.schema.parse({ ...RAW, ...m }), ctx)
    return ctx.workflows.submitted.map((s) => s.kind)
  }

  test('results stored (names and versions normalised): no security workflow', async () => {
    expect(await kinds({})).toEqual(['kebechet-administrator'])
    expect(await kinds({ package_name: 'Flask' })).toEqual(['kebechet-administrator'])
  })
  test('no results for that version: security workflow scheduled', async () => {
    expect(await kinds({ package_version: '2.3.3' })).toEqual(['security-indicators', 'kebechet-administrator'])
  })
})
