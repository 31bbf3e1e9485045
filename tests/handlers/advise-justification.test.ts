import { describe, expect, test } from 'bun:test'
import { AdviseJustificationSchema, adviseJustification } from '../../handlers/advise-justification.ts'
import { testConfig } from '../fakes/config.ts'
import { fakeContext } from '../fakes/context.ts'

const MESSAGE = 'Package flask in version 2.3.2 has a known vulnerability'
/** The spec's v1 example (messages.md §1). */
const V1 = {
  component_name: 'advise-reporter',
  service_version: '0.5.0',
  version: 'v1',
  message: MESSAGE,
  justification_type: 'WARNING',
  count: 3,
  adviser_version: '0.43.0',
}

const ok = (v: unknown) => AdviseJustificationSchema.safeParse(v).success

async function gauge(ctx: ReturnType<typeof fakeContext>) {
  return (await ctx.metrics.adviseJustification.get()).values
}

describe('advise-justification handling', () => {
  test('adds count to the gauge labelled with message, type and deployment', async () => {
    const ctx = fakeContext({ config: testConfig({ THOTH_DEPLOYMENT_NAME: 'ocp4-stage' }) })
    await adviseJustification.handle(AdviseJustificationSchema.parse(V1), ctx)
    expect(await gauge(ctx)).toEqual([
      { value: 3, labels: { advise_message: MESSAGE, justification_type: 'WARNING', thoth_environment: 'ocp4-stage' } },
    ])
    expect(ctx.workflows.submitted).toEqual([])
    expect(ctx.kg.calls).toEqual([])
    expect(ctx.log.lines).toContainEqual(
      expect.objectContaining({ level: 'info', advise_message: MESSAGE, justification_type: 'WARNING', count: 3 }),
    )
  })

  test('an increment, not a set: values accumulate; negative counts decrease', async () => {
    const ctx = fakeContext()
    const msg = AdviseJustificationSchema.parse(V1)
    await adviseJustification.handle(msg, ctx)
    await adviseJustification.handle(msg, ctx)
    await adviseJustification.handle({ ...msg, count: -10 }, ctx)
    await adviseJustification.handle({ ...msg, justification_type: 'INFO', count: 1 }, ctx)
    const values = await gauge(ctx)
    expect(values.map((v) => [v.labels.justification_type, v.value])).toEqual([
      ['WARNING', -4],
      ['INFO', 1],
    ])
  })

  test('does not touch message_count_by_version', async () => {
    const ctx = fakeContext()
    await adviseJustification.handle(AdviseJustificationSchema.parse(V1), ctx)
    expect((await ctx.metrics.messageCountByVersion.get()).values).toEqual([])
  })
})

describe('advise-justification schema', () => {
  test('declares name, metrics mode and v1 only', () => {
    expect([adviseJustification.name, adviseJustification.mode, adviseJustification.versions]).toEqual([
      'advise-justification',
      'metrics',
      ['v1'],
    ])
  })

  test('message, justification_type and count are required, not null', () => {
    const base = { message: 'm', justification_type: 'INFO', count: 1 }
    expect(ok(base)).toBe(true)
    for (const key of Object.keys(base)) {
      const rest = Object.fromEntries(Object.entries(base).filter(([k]) => k !== key))
      expect(ok(rest)).toBe(false)
      expect(ok({ ...base, [key]: null })).toBe(false)
    }
  })

  test('count must be an integer: not 1.5, true or "3"', () => {
    const base = { message: 'm', justification_type: 'INFO' }
    for (const bad of [1.5, true, '3', [3]]) expect(ok({ ...base, count: bad })).toBe(false)
    expect(ok({ ...base, count: -2 })).toBe(true)
    expect(ok({ message: 1, justification_type: 'INFO', count: 1 })).toBe(false)
    expect(ok({ message: 'm', justification_type: false, count: 1 })).toBe(false)
  })

  test('adviser_version is not read, so not checked; extra keys accepted', () => {
    expect(ok({ message: 'm', justification_type: 'INFO', count: 1, adviser_version: null, x: 1 })).toBe(true)
  })
})
