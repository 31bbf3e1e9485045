import { afterAll, beforeAll, beforeEach, describe, expect, test } from 'bun:test'
import { updateProvidesSourceDistro } from '../../handlers/update-provides-source-distro.ts'
import type { HandlerContext } from '../../lib/context.ts'
import { fakeContext, fakeKnowledgeGraph } from '../fakes/context.ts'
import { realKnowledgeGraph, seedIndex, seedPackageVersion, type RealKnowledgeGraph } from '../helpers/kg.ts'

const PYPI = 'https://pypi.org/simple'
const RAW = {
  component_name: 'security-indicators',
  service_version: '0.5.0',
  version: 'v1',
  package_name: 'numpy',
  package_version: '1.24.3',
  index_url: PYPI,
  value: false,
}
const msg = (m: Partial<typeof RAW> = {}) => updateProvidesSourceDistro.schema.parse({ ...RAW, ...m })
const update = (name: string, version: string, value: boolean) => ({ name, version, index: PYPI, value })

describe('update-provides-source-distro v1', () => {
  test('declares its mode and version', () => {
    const h = updateProvidesSourceDistro
    expect([h.name, h.mode, h.versions]).toEqual(['update-provides-source-distro', 'middletier', ['v1']])
  })

  test('U-2 with the four values; logs them at info; schedules nothing', async () => {
    const ctx = fakeContext()
    await updateProvidesSourceDistro.handle(msg(), ctx)
    expect(ctx.kg.calls).toEqual([{ method: 'setProvidesSourceDistro', args: [[update('numpy', '1.24.3', false)]] }])
    expect(ctx.workflows.submitted).toEqual([])
    const line = ctx.log.lines.find((l) => l.level === 'info')
    expect(line).toMatchObject({ package_name: 'numpy', package_version: '1.24.3', index_url: PYPI, value: false })
  })

  test('handleBatch: ONE U-2 call with every item in order', async () => {
    const kg = fakeKnowledgeGraph()
    const ctxs = [0, 1, 2].map(() => fakeContext({ kg }))
    const messages = [msg(), msg({ package_name: 'six', value: true }), msg({ value: true })]
    await updateProvidesSourceDistro.handleBatch!(messages.map((m, i) => ({ message: m, ctx: ctxs[i]! })))
    expect(kg.calls).toEqual([
      {
        method: 'setProvidesSourceDistro',
        args: [[update('numpy', '1.24.3', false), update('six', '1.24.3', true), update('numpy', '1.24.3', true)]],
      },
    ])
    expect(ctxs.map((c) => c.log.lines.filter((l) => l.level === 'info').length)).toEqual([1, 1, 1])
  })

  test('handleBatch of nothing does nothing', async () => {
    await updateProvidesSourceDistro.handleBatch!([])
  })

  test('a failing update fails the attempt; the next attempt updates again', async () => {
    const kg = fakeKnowledgeGraph()
    let fail = true
    const set = kg.setProvidesSourceDistro
    kg.setProvidesSourceDistro = async (u) => {
      if (fail) throw new Error('db down')
      return set(u)
    }
    const ctx = fakeContext({ kg })
    await expect(updateProvidesSourceDistro.handle(msg(), ctx)).rejects.toThrow('db down')
    fail = false
    await updateProvidesSourceDistro.handle(msg(), ctx)
    expect(kg.calls).toHaveLength(1)
  })
})

describe('update-provides-source-distro schema', () => {
  const parse = (v: unknown) => updateProvidesSourceDistro.schema.safeParse(v)
  test('extra keys accepted', () => expect(parse({ ...RAW, x: null }).success).toBe(true))
  test.each(['package_name', 'package_version', 'index_url', 'value'])('%s: missing or null rejected', (k) => {
    const { [k as keyof typeof RAW]: _drop, ...rest } = RAW
    expect(parse(rest).success).toBe(false)
    expect(parse({ ...RAW, [k]: null }).success).toBe(false)
  })
  test('value must be a JSON boolean; names must be strings', () => {
    expect(parse({ ...RAW, value: 0 }).success).toBe(false)
    expect(parse({ ...RAW, value: 'false' }).success).toBe(false)
    expect(parse({ ...RAW, package_version: 1.24 }).success).toBe(false)
  })
})

describe('update-provides-source-distro against PostgreSQL (U-2)', () => {
  let db: RealKnowledgeGraph
  beforeAll(async () => {
    db = await realKnowledgeGraph()
    const pypi = await seedIndex(db.sql, PYPI)
    const other = await seedIndex(db.sql, 'https://other.example/simple')
    for (const py of ['3.8', '3.9']) await seedPackageVersion(db.sql, { name: 'numpy', version: '1.24.3', indexId: pypi, python: py })
    await seedPackageVersion(db.sql, { name: 'numpy', version: '1.24.3', indexId: other })
    await seedPackageVersion(db.sql, { name: 'six', version: '1.16.0', indexId: pypi })
  })
  afterAll(async () => db?.close())
  beforeEach(async () => {
    await db.sql`UPDATE python_package_version SET provides_source_distro = true`
  })

  const ctx = (): HandlerContext => ({ ...fakeContext(), kg: db.kg })
  const flags = async () =>
    (
      await db.sql<{ k: string; v: boolean }[]>`
        SELECT pv.package_name || ' ' || pv.python_version || ' ' || i.url AS k, pv.provides_source_distro AS v
        FROM python_package_version pv JOIN python_package_index i ON i.id = pv.python_package_index_id
        ORDER BY pv.id`
    ).map((r) => `${r.k}=${r.v}`)

  test('handle: every environment of that version on that index, nothing else', async () => {
    await updateProvidesSourceDistro.handle(msg({ package_name: 'NumPy' }), ctx())
    expect(await flags()).toEqual([
      `numpy 3.8 ${PYPI}=false`,
      `numpy 3.9 ${PYPI}=false`,
      'numpy 3.8 https://other.example/simple=true',
      `six 3.8 ${PYPI}=true`,
    ])
  })

  test('handleBatch: same result as handling each record in order (later wins)', async () => {
    const messages = [
      msg({ value: false }),
      msg({ package_name: 'six', package_version: '1.16.0', value: false }),
      msg({ value: true }),
      msg({ index_url: 'https://other.example/simple', value: false }),
    ]
    await updateProvidesSourceDistro.handleBatch!(messages.map((m) => ({ message: m, ctx: ctx() })))
    const batched = await flags()
    await db.sql`UPDATE python_package_version SET provides_source_distro = true`
    for (const m of messages) await updateProvidesSourceDistro.handle(m, ctx())
    expect(await flags()).toEqual(batched)
    expect(batched).toEqual([
      `numpy 3.8 ${PYPI}=true`,
      `numpy 3.9 ${PYPI}=true`,
      'numpy 3.8 https://other.example/simple=false',
      `six 3.8 ${PYPI}=false`,
    ])
  })
})
