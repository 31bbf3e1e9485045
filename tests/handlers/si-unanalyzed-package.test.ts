import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { siUnanalyzedPackage } from '../../handlers/si-unanalyzed-package.ts'
import { testConfig } from '../fakes/config.ts'
import { fakeContext, fakeKnowledgeGraph, fakeWorkflows, type FakeSubmission } from '../fakes/context.ts'
import { realKnowledgeGraph, seedIndex, seedPackageVersion, seedSecurityIndicators, type RealKnowledgeGraph } from '../helpers/kg.ts'

const BASE = 'thoth.investigator.si-unanalyzed-package'
const PYPI = 'https://pypi.org/simple'
const RAW = {
  component_name: 'graph-refresh',
  service_version: '0.11.0',
  version: 'v1',
  package_name: 'requests',
  package_version: '2.31.0',
  index_url: PYPI,
}
const msg = siUnanalyzedPackage.schema.parse(RAW)

async function scheduled(ctx: ReturnType<typeof fakeContext>) {
  const { values } = await ctx.metrics.scheduledWorkflows.get()
  return Object.fromEntries(values.map((v) => [`${v.labels.message_type}|${v.labels.workflow_type}`, v.value]))
}

const SI: FakeSubmission = {
  kind: 'security-indicators',
  params: {
    THOTH_SECURITY_INDICATORS_PACKAGE_NAME: 'requests',
    THOTH_SECURITY_INDICATORS_PACKAGE_VERSION: '2.31.0',
    THOTH_SECURITY_INDICATORS_PACKAGE_INDEX: PYPI,
    THOTH_SECURITY_INDICATORS_AGGREGATION_FUNCTION: 'process_data',
  },
  opts: { idPrefix: 'security-indicator' },
}

describe('si-unanalyzed-package v1', () => {
  test('declares its mode and version', () => {
    expect([siUnanalyzedPackage.name, siUnanalyzedPackage.mode]).toEqual(['si-unanalyzed-package', 'middletier'])
    expect(siUnanalyzedPackage.versions).toEqual(['v1'])
  })

  test('no results yet (Q-4 false): one security-indicators workflow, counted', async () => {
    const ctx = fakeContext()
    await siUnanalyzedPackage.handle(msg, ctx)
    expect(ctx.workflows.submitted).toEqual([SI])
    expect(ctx.kg.calls).toEqual([{ method: 'securityIndicatorsExist', args: ['requests', '2.31.0', PYPI] }])
    expect(await scheduled(ctx)).toEqual({ [`${BASE}|security-indicator`]: 1 })
  })

  test('results exist (Q-4 true): nothing submitted, counter adds 0', async () => {
    const kg = fakeKnowledgeGraph()
    kg.state.securityIndicators.add(`requests|2.31.0|${PYPI}`)
    const ctx = fakeContext({ kg })
    await siUnanalyzedPackage.handle(msg, ctx)
    expect(ctx.workflows.submitted).toEqual([])
    expect(await scheduled(ctx)).toEqual({ [`${BASE}|security-indicator`]: 0 })
  })

  test('security switch off: no query, no workflow, no counter', async () => {
    const ctx = fakeContext({ config: testConfig({ THOTH_INVESTIGATOR_SCHEDULE_SECURITY: '0' }) })
    await siUnanalyzedPackage.handle(msg, ctx)
    expect(ctx.workflows.submitted).toEqual([])
    expect(ctx.kg.calls).toEqual([])
    expect(await scheduled(ctx)).toEqual({})
  })

  test('a failing submission fails the attempt; the next attempt submits again', async () => {
    const wf = fakeWorkflows()
    const ctx = fakeContext({ workflows: wf })
    wf.failWhen(() => new Error('kubernetes down'))
    await expect(siUnanalyzedPackage.handle(msg, ctx)).rejects.toThrow('kubernetes down')
    wf.failWhen(() => undefined)
    await siUnanalyzedPackage.handle(msg, ctx)
    expect(wf.submitted).toEqual([SI])
  })
})

describe('si-unanalyzed-package schema', () => {
  const parse = (v: unknown) => siUnanalyzedPackage.schema.safeParse(v)
  test('extra keys accepted', () => expect(parse({ ...RAW, other: [1] }).success).toBe(true))
  test.each(['package_name', 'package_version', 'index_url'])('%s: missing, null or wrong type rejected', (k) => {
    const { [k as keyof typeof RAW]: _drop, ...rest } = RAW
    expect(parse(rest).success).toBe(false)
    expect(parse({ ...RAW, [k]: null }).success).toBe(false)
    expect(parse({ ...RAW, [k]: true }).success).toBe(false)
  })
})

describe('si-unanalyzed-package against PostgreSQL (Q-4)', () => {
  let db: RealKnowledgeGraph
  beforeAll(async () => {
    db = await realKnowledgeGraph()
    const pypi = await seedIndex(db.sql, PYPI)
    const other = await seedIndex(db.sql, 'https://other.example/simple')
    await seedSecurityIndicators(db.sql, await seedPackageVersion(db.sql, { name: 'requests', version: '2.31.0', indexId: pypi }))
    await seedSecurityIndicators(db.sql, await seedPackageVersion(db.sql, { name: 'flask', version: '2.3.2', indexId: other }))
    await seedPackageVersion(db.sql, { name: 'six', version: '1.16.0', indexId: pypi })
  })
  afterAll(async () => db?.close())

  const run = async (m: Partial<typeof RAW>) => {
    const ctx = { ...fakeContext(), kg: db.kg }
    await siUnanalyzedPackage.handle(siUnanalyzedPackage.schema.parse({ ...RAW, ...m }), ctx)
    return ctx.workflows.submitted.length
  }

  test('results on that index: nothing; none, or only on another index: scheduled', async () => {
    expect(await run({})).toBe(0)
    expect(await run({ package_name: 'six', package_version: '1.16.0' })).toBe(1)
    expect(await run({ package_name: 'flask', package_version: '2.3.2' })).toBe(1)
  })
})
