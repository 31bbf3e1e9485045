import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { hashMismatchBackend, hashMismatchMiddletier } from '../../handlers/hash-mismatch.ts'
import { testConfig } from '../fakes/config.ts'
import { fakeContext, fakeGit, fakeKnowledgeGraph, fakeWorkflows, type FakeSubmission } from '../fakes/context.ts'
import { realKnowledgeGraph, seedArtifact, seedIndex, seedPackageVersion, type RealKnowledgeGraph } from '../helpers/kg.ts'

const BASE = 'thoth.package-update.hash-mismatch'
const PYPI = 'https://pypi.org/simple'
const A = 'a'.repeat(64)
const B = 'b'.repeat(64)
const RAW = {
  component_name: 'package-update',
  service_version: '0.9.0',
  version: 'v1',
  index_url: PYPI,
  package_name: 'urllib3',
  package_version: '1.26.16',
  missing_from_source: [A, B],
  missing_from_database: [],
}
const mt = (m: Record<string, unknown> = {}) => hashMismatchMiddletier.schema.parse({ ...RAW, ...m })
const be = (m: Record<string, unknown> = {}) => hashMismatchBackend.schema.parse({ ...RAW, ...m })

async function scheduled(ctx: ReturnType<typeof fakeContext>) {
  const { values } = await ctx.metrics.scheduledWorkflows.get()
  return Object.fromEntries(values.map((v) => [`${v.labels.message_type}|${v.labels.workflow_type}`, v.value]))
}

const solver = (name: string): FakeSubmission => ({
  kind: 'solver',
  params: {
    THOTH_SOLVER_NAME: name,
    THOTH_SOLVER_PACKAGES: 'urllib3===1.26.16',
    THOTH_SOLVER_NO_TRANSITIVE: '1',
    THOTH_SOLVER_INDEXES: PYPI,
    THOTH_SOLVER_DEPENDENCY_INDEXES: '',
    THOTH_FORCE_SYNC: '0',
    THOTH_LOG_SOLVER: 'INFO',
  },
  opts: { idPrefix: name },
})
const SOLVERS = [solver('solver-rhel-8-py38'), solver('solver-fedora-34-py39')]
const U3 = (sha: string) => ({ method: 'markHashNotPresent', args: ['urllib3', '1.26.16', PYPI, sha] })
const KA: FakeSubmission = {
  kind: 'kebechet-administrator',
  params: {
    THOTH_PACKAGE_NAME: 'urllib3',
    THOTH_PACKAGE_VERSION: '1.26.16',
    THOTH_PACKAGE_INDEX: PYPI,
    THOTH_SOLVER_NAME: '',
    THOTH_MESSAGE_TYPE: BASE,
  },
  opts: { idPrefix: 'kebechet-administrator' },
}

describe('hash-mismatch v1, middletier (5a)', () => {
  test('declares its mode, version, and does not count processed', () => {
    const h = hashMismatchMiddletier
    expect([h.name, h.mode, h.versions, h.countsProcessed]).toEqual(['hash-mismatch', 'middletier', ['v1'], false])
  })

  test('all solvers (counted), then U-3 per missing digest', async () => {
    const ctx = fakeContext()
    await hashMismatchMiddletier.handle(mt(), ctx)
    expect(ctx.workflows.submitted).toEqual(SOLVERS)
    expect(ctx.kg.calls).toEqual([U3(A), U3(B)])
    expect(await scheduled(ctx)).toEqual({ [`${BASE}|solver`]: 2 })
  })

  test('empty missing_from_source: solvers only', async () => {
    const ctx = fakeContext()
    await hashMismatchMiddletier.handle(mt({ missing_from_source: [] }), ctx)
    expect(ctx.workflows.submitted).toEqual(SOLVERS)
    expect(ctx.kg.calls).toEqual([])
  })

  test('solver switch off: U-3 only, no counter', async () => {
    const ctx = fakeContext({ config: testConfig({ THOTH_INVESTIGATOR_SCHEDULE_SOLVER: '0' }) })
    await hashMismatchMiddletier.handle(mt(), ctx)
    expect(ctx.workflows.submitted).toEqual([])
    expect(ctx.kg.calls).toEqual([U3(A), U3(B)])
    expect(await scheduled(ctx)).toEqual({})
  })

  test('a failing 2nd submission fails before U-3; the next attempt runs every step', async () => {
    const wf = fakeWorkflows()
    const ctx = fakeContext({ workflows: wf })
    wf.failWhen((_s, n) => (n === 1 ? new Error('kubernetes down') : undefined))
    await expect(hashMismatchMiddletier.handle(mt(), ctx)).rejects.toThrow('kubernetes down')
    expect(ctx.kg.calls).toEqual([])
    wf.failWhen(() => undefined)
    await hashMismatchMiddletier.handle(mt(), ctx)
    expect(wf.submitted).toEqual([SOLVERS[0]!, ...SOLVERS])
    expect(ctx.kg.calls).toEqual([U3(A), U3(B)])
  })
})

describe('hash-mismatch v1, backend (5b)', () => {
  test('declares its mode and version', () => {
    const h = hashMismatchBackend
    expect([h.name, h.mode, h.versions, h.countsProcessed]).toEqual(['hash-mismatch', 'backend', ['v1'], undefined])
  })

  test('Kebechet administrator (counted); no solvers, no database; notifications off: no notify', async () => {
    const git = fakeGit(false)
    const ctx = fakeContext({ git })
    await hashMismatchBackend.handle(be(), ctx)
    expect(ctx.workflows.submitted).toEqual([KA])
    expect(ctx.kg.calls).toEqual([])
    expect(git.notified).toEqual([])
    expect(await scheduled(ctx)).toEqual({ [`${BASE}|kebechet-administrator`]: 1 })
  })

  test('notifications on: notify is the last step, with the digests', async () => {
    const git = fakeGit(true)
    const wf = fakeWorkflows()
    const notify = git.notify
    let submittedBefore = -1
    git.notify = async (n, log, signal) => {
      submittedBefore = wf.submitted.length
      await notify(n, log, signal)
    }
    await hashMismatchBackend.handle(be(), fakeContext({ git, workflows: wf }))
    expect(submittedBefore).toBe(1)
    expect(git.notified).toEqual([
      {
        kind: 'hash-mismatch',
        baseName: BASE,
        packageName: 'urllib3',
        packageVersion: '1.26.16',
        indexUrl: PYPI,
        missingFromSource: [A, B],
      },
    ])
  })

  test('Kebechet switch off: nothing scheduled, no counter; notification still sent', async () => {
    const git = fakeGit(true)
    const ctx = fakeContext({ git, config: testConfig({ THOTH_INVESTIGATOR_KEBECHET_ADMINISTRATOR: '0' }) })
    await hashMismatchBackend.handle(be(), ctx)
    expect(ctx.workflows.submitted).toEqual([])
    expect(await scheduled(ctx)).toEqual({})
    expect(git.notified).toHaveLength(1)
  })

  test('a failing submission fails the attempt before notifying; the next attempt does both', async () => {
    const git = fakeGit(true)
    const wf = fakeWorkflows()
    wf.failWhen(() => new Error('kubernetes down'))
    const ctx = fakeContext({ git, workflows: wf })
    await expect(hashMismatchBackend.handle(be(), ctx)).rejects.toThrow('kubernetes down')
    expect(git.notified).toEqual([])
    wf.failWhen(() => undefined)
    await hashMismatchBackend.handle(be(), ctx)
    expect([wf.submitted.length, git.notified.length]).toEqual([1, 1])
  })
})

describe('hash-mismatch schemas', () => {
  const required = ['index_url', 'package_name', 'package_version'] as const
  test.each(required)('%s: missing, null or wrong type rejected by both', (k) => {
    for (const schema of [hashMismatchMiddletier.schema, hashMismatchBackend.schema]) {
      const { [k]: _drop, ...rest } = RAW
      expect(schema.safeParse(rest).success).toBe(false)
      expect(schema.safeParse({ ...RAW, [k]: null }).success).toBe(false)
      expect(schema.safeParse({ ...RAW, [k]: ['x'] }).success).toBe(false)
    }
  })
  test('missing_from_source is checked by the middletier handler only', () => {
    const { missing_from_source: _m, ...rest } = RAW
    for (const bad of [rest, { ...RAW, missing_from_source: null }, { ...RAW, missing_from_source: [1] }, { ...RAW, missing_from_source: 'a' }]) {
      expect(hashMismatchMiddletier.schema.safeParse(bad).success).toBe(false)
      expect(hashMismatchBackend.schema.safeParse(bad).success).toBe(true)
    }
    expect(be({ missing_from_source: null }).missing_from_source).toEqual([])
    expect(be({ missing_from_source: [A, 3] }).missing_from_source).toEqual([A])
  })
  test('missing_from_database is never checked; extra keys accepted', () => {
    expect(hashMismatchMiddletier.schema.safeParse({ ...RAW, missing_from_database: null, x: 1 }).success).toBe(true)
  })
})

describe('hash-mismatch middletier against PostgreSQL (U-3)', () => {
  let db: RealKnowledgeGraph
  const ids: Record<string, number> = {}
  beforeAll(async () => {
    db = await realKnowledgeGraph()
    const pypi = await seedIndex(db.sql, PYPI)
    const other = await seedIndex(db.sql, 'https://other.example/simple')
    const target = await seedPackageVersion(db.sql, { name: 'urllib3', version: '1.26.16', indexId: pypi })
    const otherIndex = await seedPackageVersion(db.sql, { name: 'urllib3', version: '1.26.16', indexId: other })
    const otherVersion = await seedPackageVersion(db.sql, { name: 'urllib3', version: '1.26.15', indexId: pypi })
    ids.targetA = await seedArtifact(db.sql, target.entityId, A)
    ids.targetB = await seedArtifact(db.sql, target.entityId, B)
    ids.otherIndexA = await seedArtifact(db.sql, otherIndex.entityId, A)
    ids.otherVersionA = await seedArtifact(db.sql, otherVersion.entityId, A)
  })
  afterAll(async () => db?.close())

  test('only the artifacts with that digest of that version on that index become not present', async () => {
    const ctx = { ...fakeContext({ config: testConfig({ THOTH_INVESTIGATOR_SCHEDULE_SOLVER: '0' }) }), kg: db.kg }
    await hashMismatchMiddletier.handle(mt({ missing_from_source: [A], package_name: 'URLLib3' }), ctx)
    const rows = await db.sql<{ id: number; present: boolean }[]>`SELECT id, present FROM python_artifact ORDER BY id`
    const present = Object.fromEntries(rows.map((r) => [r.id, r.present]))
    expect(present).toEqual({
      [ids.targetA!]: false,
      [ids.targetB!]: true,
      [ids.otherIndexA!]: true,
      [ids.otherVersionA!]: true,
    })
  })
})
