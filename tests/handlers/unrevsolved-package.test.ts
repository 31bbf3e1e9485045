import { describe, expect, test } from 'bun:test'
import { unrevsolvedPackage } from '../../handlers/unrevsolved-package.ts'
import { testConfig } from '../fakes/config.ts'
import { fakeContext, fakeWorkflows, type FakeSubmission } from '../fakes/context.ts'

const BASE = 'thoth.investigator.unrevsolved-package'
const RAW = { component_name: 'graph-refresh', service_version: '0.11.0', version: 'v1', package_name: 'flask', package_version: '2.3.2' }
const msg = unrevsolvedPackage.schema.parse(RAW)
const ON = { THOTH_INVESTIGATOR_SCHEDULE_UNREVSOLVED: '1' }

async function scheduled(ctx: ReturnType<typeof fakeContext>) {
  const { values } = await ctx.metrics.scheduledWorkflows.get()
  return Object.fromEntries(values.map((v) => [`${v.labels.message_type}|${v.labels.workflow_type}`, v.value]))
}

const REVSOLVER: FakeSubmission = {
  kind: 'revsolver',
  params: { THOTH_REVSOLVER_PACKAGE_NAME: 'flask', THOTH_REVSOLVER_PACKAGE_VERSION: '2.3.2', THOTH_LOG_REVSOLVER: 'INFO' },
  opts: { idPrefix: 'revsolver' },
}

describe('unrevsolved-package v1', () => {
  test('declares its mode and version', () => {
    expect([unrevsolvedPackage.name, unrevsolvedPackage.mode]).toEqual(['unrevsolved-package', 'middletier'])
    expect(unrevsolvedPackage.versions).toEqual(['v1'])
  })

  test('default (D-10 switch off): nothing scheduled, counter adds 0 as upstream', async () => {
    const ctx = fakeContext()
    await unrevsolvedPackage.handle(msg, ctx)
    expect(ctx.workflows.submitted).toEqual([])
    expect(await scheduled(ctx)).toEqual({ [`${BASE}|revsolver`]: 0 })
  })

  test('THOTH_INVESTIGATOR_SCHEDULE_UNREVSOLVED=1: one reverse solver, counted', async () => {
    const ctx = fakeContext({ config: testConfig(ON) })
    await unrevsolvedPackage.handle(msg, ctx)
    expect(ctx.workflows.submitted).toEqual([REVSOLVER])
    expect(await scheduled(ctx)).toEqual({ [`${BASE}|revsolver`]: 1 })
    const dbg = fakeContext({ config: testConfig({ ...ON, THOTH_LOG_REVSOLVER: 'DEBUG' }) })
    await unrevsolvedPackage.handle(msg, dbg)
    expect(dbg.workflows.submitted[0]?.params.THOTH_LOG_REVSOLVER).toBe('DEBUG')
  })

  test('revsolver switch off: nothing, no counter, whatever the D-10 switch', async () => {
    for (const unrev of ['0', '1']) {
      const ctx = fakeContext({
        config: testConfig({ THOTH_INVESTIGATOR_SCHEDULE_REVSOLVER: '0', THOTH_INVESTIGATOR_SCHEDULE_UNREVSOLVED: unrev }),
      })
      await unrevsolvedPackage.handle(msg, ctx)
      expect(ctx.workflows.submitted).toEqual([])
      expect(await scheduled(ctx)).toEqual({})
    }
  })

  test('a failing submission fails the attempt; the next attempt submits again', async () => {
    const wf = fakeWorkflows()
    const ctx = fakeContext({ config: testConfig(ON), workflows: wf })
    wf.failWhen(() => new Error('kubernetes down'))
    await expect(unrevsolvedPackage.handle(msg, ctx)).rejects.toThrow('kubernetes down')
    wf.failWhen(() => undefined)
    await unrevsolvedPackage.handle(msg, ctx)
    expect(wf.submitted).toEqual([REVSOLVER])
  })
})

describe('unrevsolved-package schema', () => {
  const parse = (v: unknown) => unrevsolvedPackage.schema.safeParse(v)
  test('extra keys accepted; index_url not needed', () => expect(parse({ ...RAW, index_url: 5 }).success).toBe(true))
  test.each(['package_name', 'package_version'])('%s: missing, null or wrong type rejected', (k) => {
    const { [k as keyof typeof RAW]: _drop, ...rest } = RAW
    expect(parse(rest).success).toBe(false)
    expect(parse({ ...RAW, [k]: null }).success).toBe(false)
    expect(parse({ ...RAW, [k]: 2.3 }).success).toBe(false)
  })
})
