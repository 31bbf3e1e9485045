import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { MissingPackageVersionSchema, missingPackageVersion } from '../../handlers/missing-package-version.ts'
import type { GitNotification, GitNotifier, HandlerContext } from '../../lib/context.ts'
import type { BatchItem } from '../../lib/handler.ts'
import { testConfig } from '../fakes/config.ts'
import { fakeContext, fakeGit, fakeKnowledgeGraph, fakeWorkflows } from '../fakes/context.ts'
import { realKnowledgeGraph, seedIndex, seedPackageVersion, type RealKnowledgeGraph } from '../helpers/kg.ts'

const BASE = 'thoth.package-update.missing-package-version'
const PYPI = 'https://pypi.org/simple'
const OTHER = 'https://mirror.example.com/simple'
/** The spec's v1 example (messages.md §10). */
const V1 = {
  component_name: 'package-update',
  service_version: '0.9.0',
  version: 'v1',
  index_url: PYPI,
  package_name: 'numpy',
  package_version: '1.24.3',
}
const MSG = MissingPackageVersionSchema.parse(V1)
type Msg = typeof MSG

const admin = (m: Msg) => ({
  kind: 'kebechet-administrator' as const,
  params: {
    THOTH_PACKAGE_NAME: m.package_name,
    THOTH_PACKAGE_VERSION: m.package_version,
    THOTH_PACKAGE_INDEX: m.index_url,
    THOTH_SOLVER_NAME: '',
    THOTH_MESSAGE_TYPE: BASE,
  },
  opts: { idPrefix: 'kebechet-administrator' },
})
const notification = (m: Msg): GitNotification => ({
  kind: 'missing-version',
  baseName: BASE,
  packageName: m.package_name,
  packageVersion: m.package_version,
  indexUrl: m.index_url,
})
const flag = (m: Msg) => ({ name: m.package_name, version: m.package_version, index: m.index_url, value: true })

/** Ordered events of a batch: submissions and notifications, tagged with the record offset. */
function eventContexts(n: number, o: { git: boolean; env?: Record<string, string>; failAt?: number }) {
  const events: string[] = []
  const kg = fakeKnowledgeGraph()
  const config = testConfig(o.env ?? {})
  const ctxs = Array.from({ length: n }, (_, i) => {
    const workflows = fakeWorkflows()
    workflows.failWhen((s) => {
      if (i === o.failAt) return new Error(`kubernetes: 500 at ${i}`)
      events.push(`submit ${s.kind} ${i}`)
      return undefined
    })
    const git: GitNotifier = {
      enabled: o.git,
      async notify(g) {
        events.push(`git ${g.packageVersion} ${i} after ${kg.calls.length} kg call(s)`)
      },
    }
    const base = fakeContext({ config, kg, workflows, record: { offset: String(100 + i) } })
    return { ...base, git } satisfies HandlerContext
  })
  return { events, kg, ctxs }
}

const versions = ['1.24.1', '1.24.2', '1.24.3']
const batchOf = (ctxs: HandlerContext[]): BatchItem<Msg>[] =>
  ctxs.map((ctx, i) => ({ message: { ...MSG, package_version: versions[i] ?? 'x' }, ctx }))

describe('missing-package-version handle (fakes)', () => {
  test('U-1 for that version, then one kebechet-administrator, counted', async () => {
    const ctx = fakeContext()
    await missingPackageVersion.handle(MSG, ctx)
    expect(ctx.kg.calls).toEqual([{ method: 'setMissing', args: [[flag(MSG)]] }])
    expect(ctx.workflows.submitted).toEqual([admin(MSG)])
    const { values } = await ctx.metrics.scheduledWorkflows.get()
    expect(values).toEqual([{ value: 1, labels: { message_type: BASE, workflow_type: 'kebechet-administrator' } }])
  })

  for (const name of ['THOTH_INVESTIGATOR_KEBECHET_ADMINISTRATOR', 'THOTH_INVESTIGATOR_SCHEDULE_KEBECHET_ADMIN']) {
    test(`${name}=0 turns the Kebechet step off; U-1 still runs (D-8)`, async () => {
      const ctx = fakeContext({ config: testConfig({ [name]: '0' }) })
      await missingPackageVersion.handle(MSG, ctx)
      expect(ctx.kg.calls.map((c) => c.method)).toEqual(['setMissing'])
      expect(ctx.workflows.submitted).toEqual([])
    })
  }

  test('git notification only when enabled, after U-1 and the Kebechet step', async () => {
    const on = eventContexts(1, { git: true })
    await missingPackageVersion.handle(MSG, on.ctxs[0]!)
    expect(on.events).toEqual(['submit kebechet-administrator 0', 'git 1.24.3 0 after 1 kg call(s)'])
    const off = eventContexts(1, { git: false })
    await missingPackageVersion.handle(MSG, off.ctxs[0]!)
    expect(off.events).toEqual(['submit kebechet-administrator 0'])
    const git = fakeGit(true)
    await missingPackageVersion.handle(MSG, fakeContext({ git }))
    expect(git.notified).toEqual([notification(MSG)])
  })

  test('git notification also with the Kebechet switch off', async () => {
    const p = eventContexts(1, { git: true, env: { THOTH_INVESTIGATOR_SCHEDULE_KEBECHET_ADMIN: '0' } })
    await missingPackageVersion.handle(MSG, p.ctxs[0]!)
    expect(p.events).toEqual(['git 1.24.3 0 after 1 kg call(s)'])
  })

  test('a failing Kebechet submission fails the attempt after U-1, without git', async () => {
    const p = eventContexts(1, { git: true, failAt: 0 })
    await expect(missingPackageVersion.handle(MSG, p.ctxs[0]!)).rejects.toThrow('kubernetes: 500 at 0')
    expect(p.kg.calls.map((c) => c.method)).toEqual(['setMissing'])
    expect(p.events).toEqual([])
  })
})

describe('missing-package-version handleBatch (fakes)', () => {
  test('ONE setMissing for all items in order, then per item Kebechet then git, in order', async () => {
    const p = eventContexts(3, { git: true })
    const items = batchOf(p.ctxs)
    await missingPackageVersion.handleBatch!(items)
    expect(p.kg.calls).toEqual([{ method: 'setMissing', args: [items.map((i) => flag(i.message))] }])
    expect(p.events).toEqual([
      'submit kebechet-administrator 0',
      'git 1.24.1 0 after 1 kg call(s)',
      'submit kebechet-administrator 1',
      'git 1.24.2 1 after 1 kg call(s)',
      'submit kebechet-administrator 2',
      'git 1.24.3 2 after 1 kg call(s)',
    ])
    for (const [i, ctx] of p.ctxs.entries()) {
      expect((ctx.workflows as ReturnType<typeof fakeWorkflows>).submitted).toEqual([admin(items[i]!.message)])
    }
  })

  test('equivalent to handle per item (same kg updates and submissions)', async () => {
    const batch = eventContexts(3, { git: true })
    await missingPackageVersion.handleBatch!(batchOf(batch.ctxs))
    const single = eventContexts(3, { git: true })
    for (const item of batchOf(single.ctxs)) await missingPackageVersion.handle(item.message, item.ctx)
    expect(batch.kg.calls.flatMap((c) => c.args[0] as unknown[])).toEqual(single.kg.calls.flatMap((c) => c.args[0] as unknown[]))
    expect(batch.events.filter((e) => e.startsWith('submit'))).toEqual(single.events.filter((e) => e.startsWith('submit')))
  })

  test('the Kebechet switch (either name) turns the per-item step off; git stays', async () => {
    for (const name of ['THOTH_INVESTIGATOR_KEBECHET_ADMINISTRATOR', 'THOTH_INVESTIGATOR_SCHEDULE_KEBECHET_ADMIN']) {
      const p = eventContexts(2, { git: true, env: { [name]: '0' } })
      await missingPackageVersion.handleBatch!(batchOf(p.ctxs))
      expect(p.kg.calls.length).toBe(1)
      expect(p.events).toEqual(['git 1.24.1 0 after 1 kg call(s)', 'git 1.24.2 1 after 1 kg call(s)'])
    }
  })

  test('git off: no notifications', async () => {
    const p = eventContexts(2, { git: false })
    await missingPackageVersion.handleBatch!(batchOf(p.ctxs))
    expect(p.events).toEqual(['submit kebechet-administrator 0', 'submit kebechet-administrator 1'])
  })

  test('a failure at item 1 rejects the batch: item 0 done, item 1 without git, item 2 untouched', async () => {
    const p = eventContexts(3, { git: true, failAt: 1 })
    await expect(missingPackageVersion.handleBatch!(batchOf(p.ctxs))).rejects.toThrow('kubernetes: 500 at 1')
    expect(p.kg.calls.length).toBe(1)
    expect(p.events).toEqual(['submit kebechet-administrator 0', 'git 1.24.1 0 after 1 kg call(s)'])
  })

  test('an empty batch does nothing', async () => {
    await missingPackageVersion.handleBatch!([])
  })
})

describe('missing-package-version schema', () => {
  const ok = (v: unknown) => MissingPackageVersionSchema.safeParse(v).success
  test('declares name, mode and versions', () => {
    expect([missingPackageVersion.name, missingPackageVersion.mode, missingPackageVersion.versions]).toEqual([
      'missing-package-version',
      'backend',
      ['v1'],
    ])
  })

  test('three required strings, not null; extra keys accepted', () => {
    const base = { index_url: PYPI, package_name: 'numpy', package_version: '1.24.3' }
    expect(ok({ ...base, extra: null })).toBe(true)
    for (const key of Object.keys(base)) {
      const rest = Object.fromEntries(Object.entries(base).filter(([k]) => k !== key))
      expect(ok(rest)).toBe(false)
      expect(ok({ ...base, [key]: null })).toBe(false)
      expect(ok({ ...base, [key]: 1.5 })).toBe(false)
      expect(ok({ ...base, [key]: true })).toBe(false)
    }
  })
})

describe('missing-package-version against PostgreSQL', () => {
  let db: RealKnowledgeGraph
  let ids: Record<string, number>
  beforeAll(async () => {
    db = await realKnowledgeGraph()
    const pypi = await seedIndex(db.sql, PYPI)
    const other = await seedIndex(db.sql, OTHER)
    const seed = async (key: string, name: string, version: string | null, indexId: number, os = 'rhel') => {
      ids[key] = (await seedPackageVersion(db.sql, { name, version, indexId, os })).versionId
    }
    ids = {}
    await seed('numpy-1.24.3-rhel', 'numpy', '1.24.3', pypi)
    await seed('numpy-1.24.3-fedora', 'numpy', '1.24.3', pypi, 'fedora')
    await seed('numpy-1.24.2', 'numpy', '1.24.2', pypi)
    await seed('numpy-1.24.1', 'numpy', '1.24.1', pypi)
    await seed('numpy-null', 'numpy', null, pypi)
    await seed('numpy-1.24.3-other', 'numpy', '1.24.3', other)
    await seed('scipy-1.10.0', 'scipy', '1.10.0', pypi)
    await seed('scipy-1.11.0', 'scipy', '1.11.0', pypi)
  })
  afterAll(async () => {
    await db?.close()
  })

  const reset = () => db.sql`UPDATE python_package_version SET is_missing = false`

  async function missing(): Promise<string[]> {
    const rows = await db.sql<{ id: number }[]>`SELECT id FROM python_package_version WHERE is_missing ORDER BY id`
    const byId = new Map(Object.entries(ids).map(([k, v]) => [v, k]))
    return rows.map((r) => byId.get(r.id) ?? String(r.id)).sort()
  }

  test('handle flags every environment row of that version on that index only', async () => {
    await reset()
    const ctx = { ...fakeContext(), kg: db.kg }
    await missingPackageVersion.handle(MSG, ctx)
    expect(await missing()).toEqual(['numpy-1.24.3-fedora', 'numpy-1.24.3-rhel'])
    expect(ctx.workflows.submitted).toEqual([admin(MSG)])
  })

  test('handleBatch updates every item in one go (names normalised, D-11) and schedules per item', async () => {
    await reset()
    const a = fakeContext()
    const b = fakeContext()
    const c = fakeContext()
    const items: BatchItem<Msg>[] = [
      { message: { ...MSG, package_version: '1.24.2' }, ctx: { ...a, kg: db.kg } },
      { message: { index_url: PYPI, package_name: 'SciPy', package_version: '1.10.0' }, ctx: { ...b, kg: db.kg } },
      { message: { ...MSG, package_version: '9.9.9' }, ctx: { ...c, kg: db.kg } },
    ]
    await missingPackageVersion.handleBatch!(items)
    expect(await missing()).toEqual(['numpy-1.24.2', 'scipy-1.10.0'])
    expect([a, b, c].map((x) => x.workflows.submitted)).toEqual(items.map((i) => [admin(i.message)]))
  })
})
