import { describe, expect, test } from 'bun:test'
import { AdviserTriggerSchema, adviserTrigger } from '../../handlers/adviser-trigger.ts'
import { ServiceError } from '../../lib/errors.ts'
import { fakeContext, fakeWorkflows } from '../fakes/context.ts'

const ORIGIN = 'https://github.com/thoth-station/jupyterlab-requirements'
const JUSTIFICATION = [{ type: 'INFO', message: 'New release of flask', link: 'https://thoth-station.ninja/j/new_release' }]
const STACK_INFO = [{ type: 'INFO', message: 'Using Python 3.8', link: 'https://thoth-station.ninja/j/python' }]
const KM = { message_justification: 5, package_name: 'flask', package_version: '2.3.2', package_index: 'https://pypi.org/simple' }

/** The spec's v5 example (messages.md §2). */
const V5 = {
  component_name: 'user-api',
  service_version: '0.30.0',
  version: 'v5',
  recommendation_type: 'stable',
  dev: false,
  debug: false,
  authenticated: true,
  count: 1,
  limit: 100000,
  origin: ORIGIN,
  job_id: 'adviser-230601120000-0123456789abcdef',
  limit_latest_versions: null,
  re_run_adviser_id: null,
  source_type: 'KEBECHET',
  kebechet_metadata: KM,
  justification: JUSTIFICATION,
  stack_info: STACK_INFO,
}

const parse = (v: unknown) => AdviserTriggerSchema.parse(v)
const ok = (v: unknown) => AdviserTriggerSchema.safeParse(v).success

async function run(payload: unknown) {
  const ctx = fakeContext()
  await adviserTrigger.handle(parse(payload), ctx)
  return ctx
}

describe('adviser-trigger handling', () => {
  test('the v5 example gives one adviser with every parameter and the message job_id', async () => {
    const ctx = await run(V5)
    expect(ctx.workflows.submitted).toEqual([
      {
        kind: 'adviser',
        params: {
          THOTH_ADVISER_DEV: '0',
          THOTH_LOG_ADVISER: 'INFO',
          THOTH_ADVISER_RECOMMENDATION_TYPE: 'stable',
          THOTH_AUTHENTICATED_ADVISE: '1',
          THOTH_ADVISER_PREDICTOR_CONFIG: '{}',
          THOTH_ADVISER_METADATA: JSON.stringify({
            origin: ORIGIN,
            re_run_adviser_id: null,
            source_type: 'KEBECHET',
            kebechet_metadata: KM,
            'thoth.adviser': { justification: JUSTIFICATION, stack_info: STACK_INFO },
          }),
          THOTH_ADVISER_LIMIT: '100000',
          THOTH_ADVISER_COUNT: '1',
          THOTH_ADVISER_DEPLOYMENT_PACKAGE_UPDATE: JSON.stringify({
            package_name: 'flask',
            package_version: '2.3.2',
            index_url: 'https://pypi.org/simple',
          }),
        },
        opts: { idPrefix: 'adviser', jobId: 'adviser-230601120000-0123456789abcdef' },
      },
    ])
    expect(ctx.kg.calls).toEqual([])
    expect((await ctx.metrics.scheduledWorkflows.get()).values).toEqual([])
  })

  test('a minimal v1 message: defaults, no limit/count/package update, generated id', async () => {
    const v1 = { version: 'v1', recommendation_type: 'latest', application_stack: { requirements: 'x' } }
    const ctx = await run(v1)
    expect(ctx.workflows.submitted).toEqual([
      {
        kind: 'adviser',
        params: {
          THOTH_ADVISER_DEV: '0',
          THOTH_LOG_ADVISER: 'INFO',
          THOTH_ADVISER_RECOMMENDATION_TYPE: 'latest',
          THOTH_AUTHENTICATED_ADVISE: '0',
          THOTH_ADVISER_PREDICTOR_CONFIG: '{}',
          THOTH_ADVISER_METADATA:
            '{"origin":null,"re_run_adviser_id":null,"source_type":null,"kebechet_metadata":null,"thoth.adviser":{"justification":null,"stack_info":null}}',
        },
        opts: { idPrefix: 'adviser', jobId: null },
      },
    ])
  })

  for (const version of ['v2', 'v3', 'v4']) {
    test(`${version}: dev and debug on, re-run id and CLI integration`, async () => {
      const msg = { version, recommendation_type: 'stable', dev: true, debug: true, re_run_adviser_id: 'adviser-1', source_type: 'CLI', count: 3, limit: 0 }
      const ctx = await run(msg)
      const p = ctx.workflows.submitted[0]?.params
      expect(p?.THOTH_ADVISER_DEV).toBe('1')
      expect(p?.THOTH_LOG_ADVISER).toBe('DEBUG')
      expect(p?.THOTH_ADVISER_COUNT).toBe('3')
      expect(p?.THOTH_ADVISER_LIMIT).toBe('0')
      expect(JSON.parse(String(p?.THOTH_ADVISER_METADATA))).toMatchObject({ re_run_adviser_id: 'adviser-1', source_type: 'CLI' })
    })
  }

  test('an empty job_id gets a generated id (passed on as empty, submit generates)', async () => {
    const ctx = await run({ ...V5, job_id: '' })
    expect(ctx.workflows.submitted[0]?.opts).toEqual({ idPrefix: 'adviser', jobId: '' })
    expect(ctx.workflows.submitted.length).toBe(1)
  })

  test('null dev/debug/authenticated mean false (D-4)', async () => {
    const ctx = await run({ ...V5, dev: null, debug: null, authenticated: null })
    const p = ctx.workflows.submitted[0]?.params
    expect([p?.THOTH_ADVISER_DEV, p?.THOTH_LOG_ADVISER, p?.THOTH_AUTHENTICATED_ADVISE]).toEqual(['0', 'INFO', '0'])
  })

  test('package update only for message_justification 5; missing keys become null', async () => {
    const other = await run({ ...V5, kebechet_metadata: { ...KM, message_justification: 1 } })
    expect(other.workflows.submitted[0]?.params.THOTH_ADVISER_DEPLOYMENT_PACKAGE_UPDATE).toBeUndefined()
    const partial = await run({ ...V5, kebechet_metadata: { message_justification: 5, package_name: 'six' } })
    expect(partial.workflows.submitted[0]?.params.THOTH_ADVISER_DEPLOYMENT_PACKAGE_UPDATE).toBe(
      '{"package_name":"six","package_version":null,"index_url":null}',
    )
  })

  test('an unknown integration fails the attempt (retryable) before any submission', async () => {
    const ctx = fakeContext()
    const err = await adviserTrigger.handle(parse({ ...V5, source_type: 'GITHUB_APP' }), ctx).catch((e: unknown) => e)
    expect(err).toBeInstanceOf(ServiceError)
    expect((err as ServiceError).retryable).toBe(true)
    expect((err as Error).message).toContain('integration not known')
    expect(ctx.workflows.submitted).toEqual([])
  })

  test('KEBECHET without origin fails the attempt; other integrations do not need one', async () => {
    for (const origin of [null, '']) {
      const ctx = fakeContext()
      await expect(adviserTrigger.handle(parse({ ...V5, origin }), ctx)).rejects.toThrow('Kebechet inputs missing')
      expect(ctx.workflows.submitted).toEqual([])
    }
    for (const source_type of ['CLI', 'S2I', 'JUPYTER_NOTEBOOK', null]) {
      const ctx = await run({ ...V5, origin: null, source_type })
      expect(ctx.workflows.submitted.length).toBe(1)
    }
  })

  test('a failing submission fails the attempt', async () => {
    const workflows = fakeWorkflows()
    workflows.failWhen(() => new Error('kubernetes: 500'))
    const ctx = fakeContext({ workflows })
    await expect(adviserTrigger.handle(parse(V5), ctx)).rejects.toThrow('kubernetes: 500')
  })
})

describe('adviser-trigger schema', () => {
  test('declares name, mode and versions v1-v5', () => {
    expect(adviserTrigger.name).toBe('adviser-trigger')
    expect(adviserTrigger.mode).toBe('backend')
    expect(adviserTrigger.versions).toEqual(['v1', 'v2', 'v3', 'v4', 'v5'])
  })

  test('recommendation_type is required, a string, not null', () => {
    expect(ok({})).toBe(false)
    expect(ok({ recommendation_type: null })).toBe(false)
    expect(ok({ recommendation_type: 1 })).toBe(false)
  })

  test('absent optional fields take the defaults; extra keys are accepted', () => {
    expect(parse({ recommendation_type: 'stable', github_event_type: 7 })).toEqual({
      recommendation_type: 'stable',
      dev: false,
      debug: false,
      authenticated: false,
      count: null,
      limit: null,
      origin: null,
      job_id: null,
      re_run_adviser_id: null,
      source_type: null,
      kebechet_metadata: null,
      justification: null,
      stack_info: null,
    })
  })

  test('strict types: integers, booleans, strings, objects, arrays of objects', () => {
    const base = { recommendation_type: 'stable' }
    for (const bad of [1.5, true, '1', {}]) {
      expect(ok({ ...base, count: bad })).toBe(false)
      expect(ok({ ...base, limit: bad })).toBe(false)
    }
    for (const bad of [0, 'true', 1]) expect(ok({ ...base, dev: bad })).toBe(false)
    expect(ok({ ...base, authenticated: 'yes' })).toBe(false)
    expect(ok({ ...base, origin: 1 })).toBe(false)
    expect(ok({ ...base, source_type: ['CLI'] })).toBe(false)
    expect(ok({ ...base, kebechet_metadata: [] })).toBe(false)
    expect(ok({ ...base, kebechet_metadata: 'x' })).toBe(false)
    expect(ok({ ...base, justification: {} })).toBe(false)
    expect(ok({ ...base, stack_info: ['text'] })).toBe(false)
  })

  test('null is allowed in every optional field (D-4); limit_latest_versions is not checked', () => {
    const nulls = Object.fromEntries(Object.keys(parse({ recommendation_type: 'x' })).filter((k) => k !== 'recommendation_type').map((k) => [k, null]))
    expect(ok({ recommendation_type: 'x', ...nulls })).toBe(true)
    expect(ok({ recommendation_type: 'x', limit_latest_versions: 'anything' })).toBe(true)
  })

  test('source_type values are not checked by the schema (scheduling-time check)', () => {
    expect(ok({ recommendation_type: 'x', source_type: 'GITHUB_APP' })).toBe(true)
  })
})
