import { describe, expect, test } from 'bun:test'
import { RepoInitSchema, repoInit } from '../../handlers/repo-init.ts'
import { fakeContext, fakeWorkflows } from '../fakes/context.ts'

const PROJECT = 'https://github.com/thoth-station/sefkhet-abwy'
/** The spec's v1 example (messages.md §16). */
const V1 = { component_name: 'user-api', service_version: '0.30.0', version: 'v1', project_url: PROJECT, job_id: null }

const ok = (v: unknown) => RepoInitSchema.safeParse(v).success

describe('repo-init handling', () => {
  test('one thoth-repo-init workflow with PROJECT_URL and a generated id', async () => {
    const ctx = fakeContext()
    await repoInit.handle(RepoInitSchema.parse(V1), ctx)
    expect(ctx.workflows.submitted).toEqual([
      { kind: 'thoth-repo-init', params: { PROJECT_URL: PROJECT }, opts: { idPrefix: 'thoth-repo-init' } },
    ])
    expect(ctx.kg.calls).toEqual([])
  })

  test('the message job_id is ignored (as upstream)', async () => {
    const ctx = fakeContext()
    await repoInit.handle(RepoInitSchema.parse({ ...V1, job_id: 'repo-init-given' }), ctx)
    expect(ctx.workflows.submitted[0]?.opts).toEqual({ idPrefix: 'thoth-repo-init' })
  })

  test('a failing submission fails the attempt', async () => {
    const workflows = fakeWorkflows()
    workflows.failWhen(() => new Error('kubernetes: 500'))
    await expect(repoInit.handle(RepoInitSchema.parse(V1), fakeContext({ workflows }))).rejects.toThrow('kubernetes: 500')
  })
})

describe('repo-init schema', () => {
  test('declares name, mode and versions', () => {
    expect([repoInit.name, repoInit.mode, repoInit.versions]).toEqual(['repo-init', 'backend', ['v1']])
  })

  test('project_url is a required string, not null', () => {
    expect(ok({})).toBe(false)
    expect(ok({ project_url: null })).toBe(false)
    expect(ok({ project_url: 1 })).toBe(false)
  })

  test('job_id is not read, so not checked; extra keys accepted', () => {
    expect(ok({ project_url: PROJECT, job_id: 42, extra: true })).toBe(true)
    expect(RepoInitSchema.parse({ project_url: PROJECT, job_id: 42 })).toEqual({ project_url: PROJECT })
  })
})
