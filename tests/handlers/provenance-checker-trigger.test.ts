import { describe, expect, test } from 'bun:test'
import { ProvenanceCheckerTriggerSchema, provenanceCheckerTrigger } from '../../handlers/provenance-checker-trigger.ts'
import { fakeContext, fakeWorkflows } from '../fakes/context.ts'

const ORIGIN = 'https://github.com/thoth-station/elyra-aidevsecops-tutorial'
const JOB = 'provenance-checker-230601120000-0123456789abcdef'

/** The spec's v4 example (messages.md §13). */
const V4 = {
  component_name: 'user-api',
  service_version: '0.30.0',
  version: 'v4',
  debug: false,
  authenticated: false,
  origin: ORIGIN,
  whitelisted_sources: ['https://pypi.org/simple'],
  job_id: JOB,
  kebechet_metadata: null,
  justification: null,
  stack_info: null,
}

const parse = (v: unknown) => ProvenanceCheckerTriggerSchema.parse(v)
const ok = (v: unknown) => ProvenanceCheckerTriggerSchema.safeParse(v).success

async function run(payload: unknown) {
  const ctx = fakeContext()
  await provenanceCheckerTrigger.handle(parse(payload), ctx)
  return ctx
}

describe('provenance-checker-trigger handling', () => {
  test('the v4 example gives one provenance-checker with every parameter', async () => {
    const ctx = await run(V4)
    expect(ctx.workflows.submitted).toEqual([
      {
        kind: 'provenance-checker',
        params: {
          THOTH_ADVISER_METADATA: `{"origin":"${ORIGIN}","kebechet_metadata":null,"thoth.adviser":{"justification":null,"stack_info":null}}`,
          THOTH_AUTHENTICATED_PROVENANCE_CHECK: '0',
          THOTH_WHITELISTED_SOURCES: 'https://pypi.org/simple',
          THOTH_LOG_ADVISER: 'INFO',
          THOTH_DOCUMENT_ID: JOB,
        },
        opts: { idPrefix: 'provenance-checker', jobId: JOB },
      },
    ])
    expect(ctx.kg.calls).toEqual([])
  })

  test('v3 with metadata, several sources, debug and authenticated', async () => {
    const km = { message_justification: 1 }
    const just = [{ type: 'WARNING', message: 'x' }]
    const info = [{ type: 'INFO', message: 'y' }]
    const msg = { ...V4, version: 'v3', debug: true, authenticated: true, whitelisted_sources: ['a', 'b'], kebechet_metadata: km, justification: just, stack_info: info }
    const p = (await run(msg)).workflows.submitted[0]?.params
    expect(p).toMatchObject({ THOTH_AUTHENTICATED_PROVENANCE_CHECK: '1', THOTH_WHITELISTED_SOURCES: 'a,b', THOTH_LOG_ADVISER: 'DEBUG' })
    expect(JSON.parse(String(p?.THOTH_ADVISER_METADATA))).toEqual({
      origin: ORIGIN,
      kebechet_metadata: km,
      'thoth.adviser': { justification: just, stack_info: info },
    })
  })

  for (const version of ['v1', 'v2']) {
    test(`${version} without job_id: the generated id names the workflow and the document`, async () => {
      const ctx = await run({ version, application_stack: { requirements: 'x' } })
      const id = ctx.workflows.generatedId('provenance-checker', 'provenance-checker', 'THOTH_PROVENANCE_CHECKER_JOB_ID')
      expect(ctx.workflows.submitted).toEqual([
        {
          kind: 'provenance-checker',
          params: {
            THOTH_ADVISER_METADATA: '{"origin":null,"kebechet_metadata":null,"thoth.adviser":{"justification":null,"stack_info":null}}',
            THOTH_AUTHENTICATED_PROVENANCE_CHECK: '0',
            THOTH_WHITELISTED_SOURCES: '',
            THOTH_LOG_ADVISER: 'INFO',
            THOTH_DOCUMENT_ID: id,
          },
          opts: { idPrefix: 'provenance-checker', jobId: id },
        },
      ])
    })
  }

  test('an empty job_id is replaced by the generated id', async () => {
    const ctx = await run({ ...V4, job_id: '' })
    expect(ctx.workflows.submitted[0]?.opts.jobId).toStartWith('provenance-checker-')
  })

  test('D-4 nulls: debug and authenticated mean false', async () => {
    const p = (await run({ ...V4, debug: null, authenticated: null })).workflows.submitted[0]?.params
    expect([p?.THOTH_LOG_ADVISER, p?.THOTH_AUTHENTICATED_PROVENANCE_CHECK]).toEqual(['INFO', '0'])
  })

  test('a failing submission fails the attempt', async () => {
    const workflows = fakeWorkflows()
    workflows.failWhen(() => new Error('kubernetes: 503'))
    await expect(provenanceCheckerTrigger.handle(parse(V4), fakeContext({ workflows }))).rejects.toThrow('kubernetes: 503')
  })
})

describe('provenance-checker-trigger schema', () => {
  test('declares name, mode and versions', () => {
    expect(provenanceCheckerTrigger.name).toBe('provenance-checker-trigger')
    expect(provenanceCheckerTrigger.mode).toBe('backend')
    expect(provenanceCheckerTrigger.versions).toEqual(['v1', 'v2', 'v3', 'v4'])
  })

  test('every field is optional: an empty object takes the defaults; extra keys accepted', () => {
    expect(parse({ application_stack: 'old' })).toEqual({
      debug: false,
      authenticated: false,
      origin: null,
      whitelisted_sources: null,
      job_id: null,
      kebechet_metadata: null,
      justification: null,
      stack_info: null,
    })
  })

  test('strict types', () => {
    for (const bad of [1, 'true']) {
      expect(ok({ debug: bad })).toBe(false)
      expect(ok({ authenticated: bad })).toBe(false)
    }
    expect(ok({ origin: 1 })).toBe(false)
    expect(ok({ job_id: true })).toBe(false)
    expect(ok({ whitelisted_sources: 'https://pypi.org/simple' })).toBe(false)
    expect(ok({ whitelisted_sources: [1] })).toBe(false)
    expect(ok({ kebechet_metadata: [] })).toBe(false)
    expect(ok({ justification: [1] })).toBe(false)
    expect(ok({ stack_info: {} })).toBe(false)
  })

  test('explicit null accepted in every field', () => {
    const nulls = Object.fromEntries(Object.keys(parse({})).map((k) => [k, null]))
    expect(ok(nulls)).toBe(true)
  })
})
