import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { MissingPackageSchema, missingPackage } from '../../handlers/missing-package.ts'
import type { GitNotification, GitNotifier } from '../../lib/context.ts'
import { testConfig } from '../fakes/config.ts'
import { fakeContext, fakeGit, fakeWorkflows } from '../fakes/context.ts'
import { realKnowledgeGraph, seedIndex, seedPackageVersion, type RealKnowledgeGraph } from '../helpers/kg.ts'

const BASE = 'thoth.package-update.missing-package'
const PYPI = 'https://pypi.org/simple'
const OTHER = 'https://tensorflow.pypi.thoth-station.ninja/index/manylinux2010/AVX2/simple'
/** The spec's v1 example (messages.md §9). */
const V1 = { component_name: 'package-update', service_version: '0.9.0', version: 'v1', index_url: PYPI, package_name: 'six' }
const MSG = MissingPackageSchema.parse(V1)

const ADMIN = {
  kind: 'kebechet-administrator' as const,
  params: {
    THOTH_PACKAGE_NAME: 'six',
    THOTH_PACKAGE_VERSION: '',
    THOTH_PACKAGE_INDEX: PYPI,
    THOTH_SOLVER_NAME: '',
    THOTH_MESSAGE_TYPE: BASE,
  },
  opts: { idPrefix: 'kebechet-administrator' },
}
const NOTIFICATION: GitNotification = {
  kind: 'missing-package',
  baseName: BASE,
  packageName: 'six',
  packageVersion: null,
  indexUrl: PYPI,
}

/** A context whose git notifier records what the other ports had done when it was called. */
function probedContext(o: { enabled: boolean; env?: Record<string, string> }) {
  const base = fakeContext({ config: testConfig(o.env ?? {}) })
  const notified: { n: GitNotification; kgCalls: number; submitted: number }[] = []
  const git: GitNotifier = {
    enabled: o.enabled,
    async notify(n) {
      notified.push({ n, kgCalls: base.kg.calls.length, submitted: base.workflows.submitted.length })
    },
  }
  return { ctx: { ...base, git }, notified }
}

async function scheduled(ctx: ReturnType<typeof fakeContext>) {
  const { values } = await ctx.metrics.scheduledWorkflows.get()
  return Object.fromEntries(values.map((v) => [`${v.labels.message_type}|${v.labels.workflow_type}`, v.value]))
}

describe('missing-package handling (fakes)', () => {
  test('U-1b for the package on the index, then one kebechet-administrator without version or solver', async () => {
    const ctx = fakeContext()
    await missingPackage.handle(MSG, ctx)
    expect(ctx.kg.calls).toEqual([{ method: 'setPackageMissing', args: ['six', PYPI] }])
    expect(ctx.workflows.submitted).toEqual([ADMIN])
    expect(await scheduled(ctx)).toEqual({ [`${BASE}|kebechet-administrator`]: 1 })
  })

  for (const name of ['THOTH_INVESTIGATOR_KEBECHET_ADMINISTRATOR', 'THOTH_INVESTIGATOR_SCHEDULE_KEBECHET_ADMIN']) {
    test(`${name}=0 turns the Kebechet step off; the flag update still runs (D-8)`, async () => {
      const ctx = fakeContext({ config: testConfig({ [name]: '0' }) })
      await missingPackage.handle(MSG, ctx)
      expect(ctx.kg.calls).toEqual([{ method: 'setPackageMissing', args: ['six', PYPI] }])
      expect(ctx.workflows.submitted).toEqual([])
    })
  }

  test('git notification: only when enabled, as the last step', async () => {
    const on = probedContext({ enabled: true })
    await missingPackage.handle(MSG, on.ctx)
    expect(on.notified).toEqual([{ n: NOTIFICATION, kgCalls: 1, submitted: 1 }])
    const off = probedContext({ enabled: false })
    await missingPackage.handle(MSG, off.ctx)
    expect(off.notified).toEqual([])
  })

  test('git notification also runs with the Kebechet switch off', async () => {
    const p = probedContext({ enabled: true, env: { THOTH_INVESTIGATOR_KEBECHET_ADMINISTRATOR: '0' } })
    await missingPackage.handle(MSG, p.ctx)
    expect(p.notified).toEqual([{ n: NOTIFICATION, kgCalls: 1, submitted: 0 }])
  })

  test('a failing Kebechet submission fails the attempt after U-1b and before git', async () => {
    const workflows = fakeWorkflows()
    workflows.failWhen(() => new Error('kubernetes: 500'))
    const git = fakeGit(true)
    const ctx = fakeContext({ workflows, git })
    await expect(missingPackage.handle(MSG, ctx)).rejects.toThrow('kubernetes: 500')
    expect(ctx.kg.calls.map((c) => c.method)).toEqual(['setPackageMissing'])
    expect(git.notified).toEqual([])
  })

  test('a failing flag update fails the attempt before anything is scheduled', async () => {
    const ctx = fakeContext({ git: fakeGit(true) })
    const kg = { ...ctx.kg, setPackageMissing: () => Promise.reject(new Error('postgres: down')) }
    await expect(missingPackage.handle(MSG, { ...ctx, kg })).rejects.toThrow('postgres: down')
    expect(ctx.workflows.submitted).toEqual([])
    expect(ctx.git.notified).toEqual([])
  })
})

describe('missing-package schema', () => {
  test('declares name, mode and versions', () => {
    expect([missingPackage.name, missingPackage.mode, missingPackage.versions]).toEqual(['missing-package', 'backend', ['v1']])
  })

  test('index_url and package_name are required strings, not null; extra keys accepted', () => {
    const ok = (v: unknown) => MissingPackageSchema.safeParse(v).success
    expect(ok({ index_url: PYPI, package_name: 'six', package_version: 5 })).toBe(true)
    for (const bad of [{ index_url: PYPI }, { package_name: 'six' }, { index_url: null, package_name: 'six' }, { index_url: PYPI, package_name: null }, { index_url: 1, package_name: 'six' }, { index_url: PYPI, package_name: ['six'] }]) {
      expect(ok(bad)).toBe(false)
    }
  })
})

describe('missing-package against PostgreSQL', () => {
  let db: RealKnowledgeGraph
  beforeAll(async () => {
    db = await realKnowledgeGraph()
  })
  afterAll(async () => {
    await db?.close()
  })

  test('flags every row of the package on that index (NULL versions too), nothing else', async () => {
    const pypi = await seedIndex(db.sql, PYPI)
    const other = await seedIndex(db.sql, OTHER)
    const target = [
      await seedPackageVersion(db.sql, { name: 'six', version: '1.16.0', indexId: pypi }),
      await seedPackageVersion(db.sql, { name: 'six', version: '1.16.0', indexId: pypi, os: 'fedora', osVersion: '34', python: '3.9' }),
      await seedPackageVersion(db.sql, { name: 'six', version: '1.15.0', indexId: pypi }),
      await seedPackageVersion(db.sql, { name: 'six', version: null, indexId: pypi }),
    ]
    const untouched = [
      await seedPackageVersion(db.sql, { name: 'six', version: '1.16.0', indexId: other }),
      await seedPackageVersion(db.sql, { name: 'flask', version: '2.3.2', indexId: pypi }),
    ]
    const ctx = { ...fakeContext(), kg: db.kg }
    await missingPackage.handle(MSG, ctx)
    const rows = await db.sql<{ id: number; is_missing: boolean }[]>`SELECT id, is_missing FROM python_package_version ORDER BY id`
    const missing = new Set(rows.filter((r) => r.is_missing).map((r) => r.id))
    expect([...missing].sort()).toEqual(target.map((t) => t.versionId).sort())
    for (const u of untouched) expect(missing.has(u.versionId)).toBe(false)
    expect(ctx.workflows.submitted).toEqual([ADMIN])
  })

  test('a package unknown on the index updates nothing and still schedules Kebechet', async () => {
    const before = await db.sql`SELECT id, is_missing FROM python_package_version ORDER BY id`
    const ctx = { ...fakeContext(), kg: db.kg }
    await missingPackage.handle({ package_name: 'not-there', index_url: PYPI }, ctx)
    expect(await db.sql`SELECT id, is_missing FROM python_package_version ORDER BY id`).toEqual(before)
    expect(ctx.workflows.submitted.length).toBe(1)
  })
})
