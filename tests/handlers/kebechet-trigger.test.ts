import { describe, expect, test } from 'bun:test'
import { KebechetTriggerSchema, kebechetSlug, kebechetTrigger } from '../../handlers/kebechet-trigger.ts'
import { fakeContext, fakeWorkflows } from '../fakes/context.ts'

const PAYLOAD = {
  action: 'opened',
  repository: { full_name: 'thoth-station/kebechet', html_url: 'https://github.com/thoth-station/kebechet' },
  installation: { id: 12345678 },
}
const JOB = 'kebechet-job-230601120000-0123456789abcdef'

/** The spec's v1 example (messages.md §8). */
const V1 = { component_name: 'user-api', service_version: '0.30.0', version: 'v1', webhook_payload: PAYLOAD, job_id: JOB }

const parse = (v: unknown) => KebechetTriggerSchema.parse(v)
const ok = (v: unknown) => KebechetTriggerSchema.safeParse(v).success

async function run(payload: unknown) {
  const ctx = fakeContext()
  await kebechetTrigger.handle(parse(payload), ctx)
  return ctx
}

describe('kebechet-trigger handling', () => {
  test('the example gives one kebechet workflow with payload, slug and the job_id', async () => {
    const ctx = await run(V1)
    expect(ctx.workflows.submitted).toEqual([
      {
        kind: 'kebechet',
        params: { WEBHOOK_PAYLOAD: JSON.stringify(PAYLOAD), KEBECHET_SLUG: 'thoth-station/kebechet' },
        opts: { idPrefix: 'kebechet-job', jobId: JOB },
      },
    ])
    expect(ctx.kg.calls).toEqual([])
  })

  test('the whole payload is passed, nested keys and all', async () => {
    const payload = { ...PAYLOAD, pull_request: { labels: [{ name: 'bot' }], merged: false, n: null } }
    const ctx = await run({ webhook_payload: payload })
    expect(JSON.parse(String(ctx.workflows.submitted[0]?.params.WEBHOOK_PAYLOAD))).toEqual(payload)
    expect(ctx.workflows.submitted[0]?.opts).toEqual({ idPrefix: 'kebechet-job', jobId: null })
  })

  test('no repository: KEBECHET_SLUG is not set (template default applies)', async () => {
    const ctx = await run({ webhook_payload: { action: 'ping' }, job_id: null })
    expect(ctx.workflows.submitted).toEqual([
      { kind: 'kebechet', params: { WEBHOOK_PAYLOAD: '{"action":"ping"}' }, opts: { idPrefix: 'kebechet-job', jobId: null } },
    ])
  })

  test('D-14: a non-object repository or a non-string full_name means no slug, not an error', async () => {
    for (const repository of ['thoth-station/kebechet', 7, null, ['a'], {}, { full_name: null }, { full_name: 3 }]) {
      const ctx = await run({ webhook_payload: { repository } })
      expect(ctx.workflows.submitted[0]?.params).toEqual({ WEBHOOK_PAYLOAD: JSON.stringify({ repository }) })
    }
    expect(kebechetSlug({ repository: { full_name: '' } })).toBe('')
  })

  test('an empty job_id is passed on so submit generates the id', async () => {
    const ctx = await run({ ...V1, job_id: '' })
    expect(ctx.workflows.submitted[0]?.opts).toEqual({ idPrefix: 'kebechet-job', jobId: '' })
  })

  test('a failing submission fails the attempt', async () => {
    const workflows = fakeWorkflows()
    workflows.failWhen(() => new Error('kubernetes: 500'))
    await expect(kebechetTrigger.handle(parse(V1), fakeContext({ workflows }))).rejects.toThrow('kubernetes: 500')
  })
})

describe('kebechet-trigger schema', () => {
  test('declares name, mode and versions', () => {
    expect(kebechetTrigger.name).toBe('kebechet-trigger')
    expect(kebechetTrigger.mode).toBe('backend')
    expect(kebechetTrigger.versions).toEqual(['v1'])
  })

  test('webhook_payload is a required object, not null', () => {
    expect(ok({})).toBe(false)
    expect(ok({ webhook_payload: null })).toBe(false)
    for (const bad of ['{}', 1, [], true]) expect(ok({ webhook_payload: bad })).toBe(false)
    expect(ok({ webhook_payload: {} })).toBe(true)
  })

  test('job_id: string or null, default null; extra keys accepted', () => {
    expect(parse({ webhook_payload: {}, extra: 1 })).toEqual({ webhook_payload: {}, job_id: null })
    expect(ok({ webhook_payload: {}, job_id: null })).toBe(true)
    expect(ok({ webhook_payload: {}, job_id: 5 })).toBe(false)
  })
})
