import { describe, expect, test } from 'bun:test'
import { inspectionCompleted } from '../../handlers/inspection-completed.ts'
import { fakeContext, fakeWorkflows, type FakeSubmission } from '../fakes/context.ts'

const RAW = {
  component_name: 'amun',
  service_version: '0.12.0',
  version: 'v1',
  inspection_id: 'inspection-tensorflow-230601-1a2b3c4d',
  force_sync: false,
}
const parse = (v: unknown) => inspectionCompleted.schema.safeParse(v)
const submission = (force: string): FakeSubmission => ({
  kind: 'graph-sync',
  params: { THOTH_SYNC_DOCUMENT_ID: RAW.inspection_id, THOTH_FORCE_SYNC: force },
  opts: { idPrefix: 'graph-sync' },
})

describe('inspection-completed v1', () => {
  test('declares its mode and version', () => {
    expect([inspectionCompleted.name, inspectionCompleted.mode]).toEqual(['inspection-completed', 'middletier'])
    expect(inspectionCompleted.versions).toEqual(['v1'])
  })

  test.each([
    [false, 'False'],
    [true, 'True'],
    [null, ''],
  ])('force_sync %p is sent as %p', async (force, want) => {
    const ctx = fakeContext()
    await inspectionCompleted.handle(inspectionCompleted.schema.parse({ ...RAW, force_sync: force }), ctx)
    expect(ctx.workflows.submitted).toEqual([submission(want)])
  })

  test('absent force_sync defaults to false; not counted in scheduled_workflows', async () => {
    const { force_sync: _f, ...rest } = RAW
    const ctx = fakeContext()
    await inspectionCompleted.handle(inspectionCompleted.schema.parse(rest), ctx)
    expect(ctx.workflows.submitted).toEqual([submission('False')])
    expect((await ctx.metrics.scheduledWorkflows.get()).values).toEqual([])
    expect(ctx.kg.calls).toEqual([])
  })

  test('a failing submission fails the attempt; the next attempt submits again', async () => {
    const wf = fakeWorkflows()
    const ctx = fakeContext({ workflows: wf })
    wf.failWhen(() => new Error('422 THOTH_FORCE_SYNC required'))
    await expect(inspectionCompleted.handle(inspectionCompleted.schema.parse(RAW), ctx)).rejects.toThrow('422')
    wf.failWhen(() => undefined)
    await inspectionCompleted.handle(inspectionCompleted.schema.parse(RAW), ctx)
    expect(wf.submitted).toEqual([submission('False')])
  })
})

describe('inspection-completed schema', () => {
  test('extra keys accepted', () => expect(parse({ ...RAW, more: {} }).success).toBe(true))
  test('inspection_id: missing, null or wrong type rejected', () => {
    const { inspection_id: _i, ...rest } = RAW
    expect(parse(rest).success).toBe(false)
    expect(parse({ ...RAW, inspection_id: null }).success).toBe(false)
    expect(parse({ ...RAW, inspection_id: 7 }).success).toBe(false)
  })
  test('force_sync must be a boolean (null allowed, kept as null)', () => {
    expect(parse({ ...RAW, force_sync: 'true' }).success).toBe(false)
    expect(parse({ ...RAW, force_sync: 1 }).success).toBe(false)
    expect(inspectionCompleted.schema.parse({ ...RAW, force_sync: null }).force_sync).toBeNull()
  })
})
