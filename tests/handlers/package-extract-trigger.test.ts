import { describe, expect, test } from 'bun:test'
import { PackageExtractTriggerSchema, packageExtractTrigger } from '../../handlers/package-extract-trigger.ts'
import { KINDS } from '../../lib/workflow-render.ts'
import { fakeContext, fakeWorkflows } from '../fakes/context.ts'

const IMAGE = 'quay.io/thoth-station/s2i-thoth-ubi8-py38:v0.35.0'
const JOB = 'package-extract-230601120000-0123456789abcdef'
const USER = 'robot$thoth'
const PASSWORD = 'hunter2-registry-secret'

/** The spec's v2 example (messages.md §11). */
const V2 = {
  component_name: 'user-api',
  service_version: '0.30.0',
  version: 'v2',
  image: IMAGE,
  environment_type: 'runtime',
  is_external: true,
  verify_tls: true,
  debug: false,
  job_id: JOB,
  origin: null,
  registry_user: null,
  registry_password: null,
  graph_sync: false,
}

const parse = (v: unknown) => PackageExtractTriggerSchema.parse(v)
const ok = (v: unknown) => PackageExtractTriggerSchema.safeParse(v).success

async function run(payload: unknown) {
  const ctx = fakeContext()
  await packageExtractTrigger.handle(parse(payload), ctx)
  return ctx
}

const paramsOf = (ctx: ReturnType<typeof fakeContext>) => ctx.workflows.submitted[0]?.params ?? {}

describe('package-extract-trigger handling', () => {
  test('the v2 example gives one package-extract with every parameter; job id is also the document id', async () => {
    const ctx = await run(V2)
    expect(ctx.workflows.submitted).toEqual([
      {
        kind: 'package-extract',
        params: {
          THOTH_LOG_PACKAGE_EXTRACT: 'INFO',
          THOTH_ANALYZED_IMAGE: IMAGE,
          THOTH_ANALYZER_NO_TLS_VERIFY: '0',
          THOTH_SYNC_PACKAGE_EXTRACT: '0',
          THOTH_DOCUMENT_ID: JOB,
          THOTH_PACKAGE_EXTRACT_METADATA: '{"origin":null,"environment_type":"runtime","is_external":true}',
        },
        opts: { idPrefix: 'package-extract', jobId: JOB },
      },
    ])
    expect(ctx.kg.calls).toEqual([])
    expect(KINDS['package-extract']).toMatchObject({ namespace: 'middletier', idParam: 'THOTH_PACKAGE_EXTRACT_JOB_ID' })
  })

  test('v1 without job_id: the generated id names the workflow and the document', async () => {
    const v1 = { version: 'v1', image: IMAGE, environment_type: 'buildtime', debug: true, origin: 'https://github.com/a/b' }
    const ctx = await run(v1)
    const generated = ctx.workflows.generatedId('package-extract', 'package-extract', 'THOTH_PACKAGE_EXTRACT_JOB_ID')
    expect(generated).toStartWith('package-extract-')
    expect(ctx.workflows.submitted).toEqual([
      {
        kind: 'package-extract',
        params: {
          THOTH_LOG_PACKAGE_EXTRACT: 'DEBUG',
          THOTH_ANALYZED_IMAGE: IMAGE,
          THOTH_ANALYZER_NO_TLS_VERIFY: '0',
          THOTH_SYNC_PACKAGE_EXTRACT: '0',
          THOTH_DOCUMENT_ID: generated,
          THOTH_PACKAGE_EXTRACT_METADATA: '{"origin":"https://github.com/a/b","environment_type":"buildtime","is_external":true}',
        },
        opts: { idPrefix: 'package-extract', jobId: generated },
      },
    ])
  })

  test('an empty job_id is replaced by the generated id', async () => {
    const ctx = await run({ ...V2, job_id: '' })
    expect(paramsOf(ctx).THOTH_DOCUMENT_ID).toStartWith('package-extract-')
    expect(ctx.workflows.submitted[0]?.opts.jobId).toBe(String(paramsOf(ctx).THOTH_DOCUMENT_ID))
  })

  test('graph_sync true and verify_tls false', async () => {
    const ctx = await run({ ...V2, graph_sync: true, verify_tls: false, is_external: false })
    expect(paramsOf(ctx).THOTH_SYNC_PACKAGE_EXTRACT).toBe('1')
    expect(paramsOf(ctx).THOTH_ANALYZER_NO_TLS_VERIFY).toBe('1')
    expect(JSON.parse(String(paramsOf(ctx).THOTH_PACKAGE_EXTRACT_METADATA)).is_external).toBe(false)
  })

  test('D-4 nulls: verify_tls turns TLS off, is_external is sent as null, debug means INFO', async () => {
    const ctx = await run({ ...V2, verify_tls: null, is_external: null, debug: null })
    expect(paramsOf(ctx).THOTH_ANALYZER_NO_TLS_VERIFY).toBe('1')
    expect(paramsOf(ctx).THOTH_PACKAGE_EXTRACT_METADATA).toBe('{"origin":null,"environment_type":"runtime","is_external":null}')
    expect(paramsOf(ctx).THOTH_LOG_PACKAGE_EXTRACT).toBe('INFO')
  })

  test('D-4 nulls: graph_sync null fails every attempt (retryable), nothing submitted', async () => {
    const ctx = fakeContext()
    const err = await packageExtractTrigger.handle(parse({ ...V2, graph_sync: null }), ctx).catch((e: unknown) => e)
    expect(err).toMatchObject({ retryable: true })
    expect(ctx.workflows.submitted).toEqual([])
  })

  test('credentials only when user and password are both non-empty', async () => {
    const both = await run({ ...V2, registry_user: USER, registry_password: PASSWORD })
    expect(paramsOf(both).THOTH_REGISTRY_CREDENTIALS).toBe(`${USER}:${PASSWORD}`)
    for (const [u, p] of [[USER, null], [null, PASSWORD], [USER, ''], ['', PASSWORD]]) {
      const ctx = await run({ ...V2, registry_user: u, registry_password: p })
      expect('THOTH_REGISTRY_CREDENTIALS' in paramsOf(ctx)).toBe(false)
    }
  })

  test('registry credentials never reach the logs', async () => {
    const ctx = fakeContext()
    const msg = parse({ ...V2, registry_user: USER, registry_password: PASSWORD, debug: true })
    await packageExtractTrigger.handle(msg, ctx)
    const workflows = fakeWorkflows()
    workflows.failWhen(() => new Error('kubernetes: 422'))
    const failing = fakeContext({ workflows })
    await expect(packageExtractTrigger.handle(msg, failing)).rejects.toThrow('kubernetes: 422')
    expect(ctx.log.lines.length).toBeGreaterThan(0)
    for (const c of [ctx, failing]) {
      const text = JSON.stringify(c.log.lines)
      expect(text).not.toContain(PASSWORD)
      expect(text).not.toContain(USER)
    }
  })

  test('an unknown environment type fails the attempt (retryable) without submitting', async () => {
    const ctx = fakeContext()
    const err = await packageExtractTrigger.handle(parse({ ...V2, environment_type: 'Runtime' }), ctx).catch((e: unknown) => e)
    expect(err).toMatchObject({ retryable: true })
    expect(String((err as Error).message)).toContain('environment_type')
    expect(ctx.workflows.submitted).toEqual([])
  })
})

describe('package-extract-trigger schema', () => {
  test('declares name, mode and versions', () => {
    expect(packageExtractTrigger.name).toBe('package-extract-trigger')
    expect(packageExtractTrigger.mode).toBe('backend')
    expect(packageExtractTrigger.versions).toEqual(['v1', 'v2'])
  })

  test('image and environment_type are required strings, not null', () => {
    const base = { image: IMAGE, environment_type: 'runtime' }
    expect(ok(base)).toBe(true)
    for (const key of ['image', 'environment_type'] as const) {
      const { [key]: _, ...rest } = base
      expect(ok(rest)).toBe(false)
      expect(ok({ ...base, [key]: null })).toBe(false)
      expect(ok({ ...base, [key]: 1 })).toBe(false)
    }
  })

  test('defaults for absent optional fields; extra keys accepted', () => {
    expect(parse({ image: IMAGE, environment_type: 'runtime', extra: [1] })).toEqual({
      image: IMAGE,
      environment_type: 'runtime',
      is_external: true,
      verify_tls: true,
      debug: false,
      job_id: null,
      origin: null,
      registry_user: null,
      registry_password: null,
      graph_sync: false,
    })
  })

  test('strict types; explicit null allowed in every optional field', () => {
    const base = { image: IMAGE, environment_type: 'runtime' }
    for (const key of ['is_external', 'verify_tls', 'debug', 'graph_sync']) {
      for (const bad of [1, 0, 'true']) expect(ok({ ...base, [key]: bad })).toBe(false)
      expect(ok({ ...base, [key]: null })).toBe(true)
    }
    for (const key of ['job_id', 'origin', 'registry_user', 'registry_password']) {
      expect(ok({ ...base, [key]: 1 })).toBe(false)
      expect(ok({ ...base, [key]: null })).toBe(true)
    }
  })
})
