import { describe, expect, test } from 'bun:test'
import { KebechetRunUrlTriggerSchema, kebechetRunUrlTrigger } from '../../handlers/kebechet-run-url-trigger.ts'
import { fakeContext, fakeWorkflows } from '../fakes/context.ts'

const URL_ = 'https://github.com/thoth-station/kebechet'
const JOB = 'kebechet-run-url-230601120000-0a1b2c3d4e5f6a7b'

/** The spec's v2 example (messages.md §7). */
const V2 = {
  component_name: 'kebechet-administrator',
  service_version: '0.8.0',
  version: 'v2',
  url: URL_,
  service_name: 'github',
  installation_id: '12345678',
  job_id: JOB,
  metadata: { message_justification: null, package_name: null, package_version: null, package_index: null },
  kebechet_metadata: { message_justification: 1 },
}

const parse = (v: unknown) => KebechetRunUrlTriggerSchema.parse(v)
const ok = (v: unknown) => KebechetRunUrlTriggerSchema.safeParse(v).success

async function run(payload: unknown) {
  const ctx = fakeContext()
  await kebechetRunUrlTrigger.handle(parse(payload), ctx)
  return ctx
}

describe('kebechet-run-url-trigger handling', () => {
  test('the v2 example: url, service name, kebechet_metadata (not metadata) and the job_id', async () => {
    const ctx = await run(V2)
    expect(ctx.workflows.submitted).toEqual([
      {
        kind: 'kebechet-run-url',
        params: { KEBECHET_REPO_URL: URL_, KEBECHET_SERVICE_NAME: 'github', KEBECHET_METADATA: '{"message_justification":1}' },
        opts: { idPrefix: 'kebechet-run-url', jobId: JOB },
      },
    ])
    expect(ctx.kg.calls).toEqual([])
  })

  test('v1 without kebechet_metadata or job_id: metadata "null", generated id', async () => {
    const ctx = await run({ version: 'v1', url: URL_, service_name: 'gitlab' })
    expect(ctx.workflows.submitted).toEqual([
      {
        kind: 'kebechet-run-url',
        params: { KEBECHET_REPO_URL: URL_, KEBECHET_SERVICE_NAME: 'gitlab', KEBECHET_METADATA: 'null' },
        opts: { idPrefix: 'kebechet-run-url', jobId: null },
      },
    ])
  })

  test('null url and service name are sent empty (the template then rejects them)', async () => {
    const ctx = await run({ url: null, service_name: null, kebechet_metadata: null })
    expect(ctx.workflows.submitted[0]?.params).toEqual({ KEBECHET_REPO_URL: '', KEBECHET_SERVICE_NAME: '', KEBECHET_METADATA: 'null' })
  })

  test('a failing submission (e.g. 422 for an empty required parameter) fails the attempt', async () => {
    const workflows = fakeWorkflows()
    workflows.failWhen(() => new Error('kubernetes: 422'))
    await expect(kebechetRunUrlTrigger.handle(parse(V2), fakeContext({ workflows }))).rejects.toThrow('kubernetes: 422')
  })
})

describe('kebechet-run-url-trigger schema', () => {
  test('declares name, mode and versions', () => {
    expect(kebechetRunUrlTrigger.name).toBe('kebechet-run-url-trigger')
    expect(kebechetRunUrlTrigger.mode).toBe('backend')
    expect(kebechetRunUrlTrigger.versions).toEqual(['v1', 'v2'])
  })

  test('all read fields optional with null defaults; extra keys accepted', () => {
    expect(parse({ extra: 1 })).toEqual({ url: null, service_name: null, job_id: null, kebechet_metadata: null })
  })

  test('strict types of the read fields', () => {
    expect(ok({ url: 1 })).toBe(false)
    expect(ok({ service_name: true })).toBe(false)
    expect(ok({ job_id: 1 })).toBe(false)
    for (const bad of ['x', 1, []]) expect(ok({ kebechet_metadata: bad })).toBe(false)
  })

  test('metadata and installation_id are not read, so not checked', () => {
    expect(ok({ metadata: null })).toBe(true)
    expect(ok({ metadata: { message_justification: 'five' } })).toBe(true)
    expect(ok({ installation_id: 12345678 })).toBe(true)
  })
})
