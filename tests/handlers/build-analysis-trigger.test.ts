import { describe, expect, test } from 'bun:test'
import { buildAnalysisTrigger } from '../../handlers/build-analysis-trigger.ts'
import { fakeContext, fakeWorkflows } from '../fakes/context.ts'

const P = 'THOTH_BUILD_ANALYSIS_'
const RAW = {
  component_name: 'user-api',
  service_version: '0.30.0',
  version: 'v1',
  base_image: 'quay.io/thoth-station/s2i-thoth-ubi8-py38:v0.35.0',
  base_image_analysis_id: null,
  buildlog_document_id: 'buildlog-0c1a2b3c',
  buildlog_parser_id: null,
  environment_type: 'runtime',
  debug: false,
  job_id: 'build-analysis-230601120000-abcdef12',
  origin: 'https://github.com/thoth-station/s2i-example',
  output_image: null,
  output_image_analysis_id: null,
  base_registry_password: null,
  base_registry_user: null,
  base_registry_verify_tls: true,
  output_registry_password: null,
  output_registry_user: null,
  output_registry_verify_tls: true,
}
type Raw = { [K in keyof typeof RAW]?: unknown }
const msg = (m: Raw = {}) => buildAnalysisTrigger.schema.parse({ ...RAW, ...m })
const wf = fakeWorkflows()
const gen = (prefix: string, param: string) => wf.generatedId('build-analysis', prefix, `${P}${param}`)

async function run(m: Raw = {}) {
  const ctx = fakeContext()
  await buildAnalysisTrigger.handle(msg(m), ctx)
  expect(ctx.workflows.submitted).toHaveLength(1)
  const [s] = ctx.workflows.submitted
  return { ctx, kind: s!.kind, params: s!.params, opts: s!.opts }
}

describe('build-analysis-trigger v1', () => {
  test('declares its mode and version', () => {
    const h = buildAnalysisTrigger
    expect([h.name, h.mode, h.versions]).toEqual(['build-analysis-trigger', 'middletier', ['v1']])
  })

  test('the example message: every parameter, generated analysis and parser ids, given job id', async () => {
    const { ctx, kind, params, opts } = await run()
    const baseId = gen('package-extract', 'BASE_IMAGE_ANALYSIS_ID')
    const parserId = gen('buildlog-parser', 'BUILDLOG_PARSER_ID')
    expect(baseId).toStartWith('package-extract-')
    expect(parserId).toStartWith('buildlog-parser-')
    expect(kind).toBe('build-analysis')
    expect(opts).toEqual({ idPrefix: 'build-analysis', jobId: RAW.job_id })
    const { [`${P}METADATA`]: metadata, ...rest } = params
    expect(rest).toEqual({
      [`${P}BASE_IMAGE`]: RAW.base_image,
      [`${P}BASE_IMAGE_ANALYSIS_ID`]: baseId,
      [`${P}BASE_IMAGE_DOCUMENT_ID`]: baseId,
      [`${P}BASE_REGISTRY_CREDENTIALS`]: '',
      [`${P}BASE_REGISTRY_NO_TLS_VERIFY`]: '0',
      [`${P}OUTPUT_IMAGE`]: '',
      [`${P}OUTPUT_IMAGE_ANALYSIS_ID`]: '',
      [`${P}OUTPUT_IMAGE_DOCUMENT_ID`]: '',
      [`${P}OUTPUT_REGISTRY_CREDENTIALS`]: '',
      [`${P}OUTPUT_REGISTRY_NO_TLS_VERIFY`]: '0',
      [`${P}BUILDLOG_DOCUMENT_ID`]: RAW.buildlog_document_id,
      [`${P}BUILDLOG_PARSER_ID`]: parserId,
      [`${P}ENVIRONMENT_TYPE`]: 'runtime',
      [`${P}ORIGIN`]: RAW.origin,
      [`${P}LOG`]: 'INFO',
    })
    expect(JSON.parse(String(metadata))).toEqual({
      origin: RAW.origin,
      environment_type: 'runtime',
      base_image_analysis_id: baseId,
      output_image_analysis_id: null,
      buildlog_document_id: RAW.buildlog_document_id,
      build_analysis_job_id: RAW.job_id,
      is_external: true,
    })
    expect((await ctx.metrics.scheduledWorkflows.get()).values).toEqual([])
  })

  test('no job_id (null or empty): a generated build-analysis id, also in the metadata', async () => {
    const jobId = gen('build-analysis', 'JOB_ID')
    for (const job_id of [null, '']) {
      const { params, opts } = await run({ job_id })
      expect(opts).toEqual({ idPrefix: 'build-analysis', jobId })
      expect(JSON.parse(String(params[`${P}METADATA`])).build_analysis_job_id).toBe(jobId)
    }
  })

  test('given ids are kept; output image gets its own generated id', async () => {
    const { params } = await run({
      base_image_analysis_id: 'package-extract-given',
      buildlog_parser_id: 'parser-given',
      output_image: 'quay.io/out:1',
    })
    expect(params[`${P}BASE_IMAGE_ANALYSIS_ID`]).toBe('package-extract-given')
    expect(params[`${P}BUILDLOG_PARSER_ID`]).toBe('parser-given')
    const outId = gen('package-extract', 'OUTPUT_IMAGE_ANALYSIS_ID')
    expect([params[`${P}OUTPUT_IMAGE_ANALYSIS_ID`], params[`${P}OUTPUT_IMAGE_DOCUMENT_ID`]]).toEqual([outId, outId])
    expect(outId).not.toBe(gen('package-extract', 'BASE_IMAGE_ANALYSIS_ID'))
  })

  test('no buildlog: no parser id generated', async () => {
    const { params } = await run({ buildlog_document_id: null })
    expect([params[`${P}BUILDLOG_DOCUMENT_ID`], params[`${P}BUILDLOG_PARSER_ID`]]).toEqual(['', ''])
  })

  test.each([
    [true, '0'],
    [false, '1'],
    [null, '1'],
  ])('verify_tls %p gives NO_TLS_VERIFY %p (both registries)', async (verify, want) => {
    const { params } = await run({ base_registry_verify_tls: verify, output_registry_verify_tls: verify })
    expect([params[`${P}BASE_REGISTRY_NO_TLS_VERIFY`], params[`${P}OUTPUT_REGISTRY_NO_TLS_VERIFY`]]).toEqual([want, want])
  })

  test.each([
    [true, 'DEBUG'],
    [false, 'INFO'],
    [null, 'INFO'],
  ])('debug %p gives LOG %p', async (debug, want) => {
    expect((await run({ debug })).params[`${P}LOG`]).toBe(want)
  })

  test('registry credentials are user:password and never logged', async () => {
    const secret = 's3cr3t-pa55'
    const { ctx, params } = await run({
      base_registry_user: 'robot',
      base_registry_password: secret,
      output_image: 'quay.io/out:1',
      output_registry_user: 'pusher',
      output_registry_password: 'other-pa55',
    })
    expect(params[`${P}BASE_REGISTRY_CREDENTIALS`]).toBe(`robot:${secret}`)
    expect(params[`${P}OUTPUT_REGISTRY_CREDENTIALS`]).toBe('pusher:other-pa55')
    const logs = JSON.stringify(ctx.log.lines)
    expect(logs).not.toContain(secret)
    expect(logs).not.toContain('other-pa55')
    expect(logs).not.toContain('robot')
  })

  test('none of base_image, output_image, buildlog_document_id: the attempt fails', async () => {
    const ctx = fakeContext()
    const m = msg({ base_image: '', buildlog_document_id: null })
    await expect(buildAnalysisTrigger.handle(m, ctx)).rejects.toThrow('needs base_image')
    expect(ctx.workflows.submitted).toEqual([])
  })

  test.each(['base', 'output'])('%s registry user without password fails without naming the user', async (side) => {
    const ctx = fakeContext()
    const m = msg({ output_image: 'quay.io/out:1', [`${side}_registry_user`]: 'robot-user', [`${side}_registry_password`]: '' })
    const err = await buildAnalysisTrigger.handle(m, ctx).catch((e: Error) => e)
    expect(String(err)).toContain(`${side}_registry_password is not`)
    expect(String(err)).not.toContain('robot-user')
    expect(ctx.workflows.submitted).toEqual([])
  })

  test('a failing submission fails the attempt; the next attempt submits the same parameters', async () => {
    const w = fakeWorkflows()
    const ctx = fakeContext({ workflows: w })
    w.failWhen(() => new Error('kubernetes down'))
    await expect(buildAnalysisTrigger.handle(msg({ job_id: null }), ctx)).rejects.toThrow('kubernetes down')
    w.failWhen(() => undefined)
    await buildAnalysisTrigger.handle(msg({ job_id: null }), ctx)
    await buildAnalysisTrigger.handle(msg({ job_id: null }), ctx)
    expect(w.submitted).toHaveLength(2)
    expect(w.submitted[0]).toEqual(w.submitted[1]!)
  })
})

describe('build-analysis-trigger schema', () => {
  const parse = (v: unknown) => buildAnalysisTrigger.schema.safeParse(v)
  test('every field optional: defaults applied (verify_tls true, debug false, rest null)', () => {
    const r = buildAnalysisTrigger.schema.parse({ component_name: 'x', extra: 1 })
    expect(r).toEqual({
      base_image: null,
      base_image_analysis_id: null,
      buildlog_document_id: null,
      buildlog_parser_id: null,
      environment_type: null,
      debug: false,
      job_id: null,
      origin: null,
      output_image: null,
      output_image_analysis_id: null,
      base_registry_password: null,
      base_registry_user: null,
      base_registry_verify_tls: true,
      output_registry_password: null,
      output_registry_user: null,
      output_registry_verify_tls: true,
    })
  })
  test('explicit null in the booleans is kept (means false)', () => {
    const r = buildAnalysisTrigger.schema.parse({ ...RAW, debug: null, base_registry_verify_tls: null })
    expect([r.debug, r.base_registry_verify_tls]).toEqual([null, null])
  })
  test.each(['base_image', 'job_id', 'origin', 'base_registry_user', 'buildlog_document_id'])('%s: wrong type rejected', (k) => {
    expect(parse({ ...RAW, [k]: 1 }).success).toBe(false)
  })
  test.each(['debug', 'base_registry_verify_tls', 'output_registry_verify_tls'])('%s: non-boolean rejected', (k) => {
    expect(parse({ ...RAW, [k]: 'true' }).success).toBe(false)
    expect(parse({ ...RAW, [k]: 0 }).success).toBe(false)
  })
})
