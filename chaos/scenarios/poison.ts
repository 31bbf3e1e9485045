/**
 * 7. Poison flood: invalid records of every kind interleaved with good ones. Invariant: no
 * crash; every good record handled exactly once; under the ack policy every bad record is in
 * the dead-letter topic with its reason, and nothing else is; under the halt policy the topic
 * halts at the first bad record, the committed position stops right before it and nothing after
 * it is handled.
 */
import { runScenario, type ChaosContext, type Run, type Scenario } from '../context.ts'
import * as fx from '../effects.ts'
import { isHalted, until } from '../harness.ts'
import { check } from '../report.ts'

/** One bad record per invalid kind of operations.md §6.3 (reason, value). */
export const POISON: readonly (readonly [string, string | Buffer | null])[] = [
  ['empty_value', null],
  ['not_utf8', Buffer.from([0x7b, 0xff, 0xfe, 0x7d])],
  ['not_json', 'this is not json'],
  ['not_json', '\uFEFF{"project_url": "https://github.com/chaos/bom"}'],
  ['not_object', '[1, 2, 3]'],
  ['schema', '{"version": 3, "project_url": "https://github.com/chaos/v3"}'],
  ['schema', '{"project_url": 42}'],
  ['missing_handler', '{"version": "v9", "project_url": "https://github.com/chaos/v9"}'],
]

const PARTITIONS = 2

async function ackFlood(run: Run, good: number, bad: number): Promise<void> {
  const { result: r } = run
  const dep = await run.deployment({ env: { THOTH_INVESTIGATOR_ACK_ON_FAIL: '1' } })
  const topic = dep.topic(fx.REPO)
  await fx.createTopics(dep.admin, [topic], PARTITIONS)
  const inst = await dep.start('poison-ack')
  const every = Math.floor((good + bad) / bad)
  const values: unknown[] = []
  const expected = new Map<string, string>() // partition#offset -> reason
  const ids: number[] = []
  for (let k = 0, g = 0, b = 0; g < good || b < bad; k++) {
    const wantBad = b < bad && (k % every === every - 1 || g >= good)
    if (wantBad) {
      const [reason, value] = POISON[b % POISON.length] as readonly [string, string | Buffer | null]
      values.push(value)
      b++
      expected.set(`${k % PARTITIONS}#${Math.floor(k / PARTITIONS)}`, reason)
    } else {
      values.push(fx.repoInit(g))
      ids.push(g++)
    }
  }
  await fx.produce(dep.producer, topic, values, PARTITIONS)
  r.sent += values.length
  await until(async () => (await fx.committedTotal(dep.admin, dep.group, topic)) >= values.length, 240_000, 'poison flood committed', 250)
  fx.account(r, 'good records', ids, [fx.workflowsPerId(dep.kube, fx.BACKEND, 'thoth-repo-init')])
  const letters = await fx.readTopic(dep.kafka, dep.admin, `${dep.prefix}.thoth.investigator.dead-letter`)
  r.deadLettered += letters.length
  let wrong = 0
  const classes = new Set<string | undefined>()
  for (const l of letters) {
    const at = `${l.headers['thoth.dl.partition']}#${l.headers['thoth.dl.offset']}`
    classes.add(l.headers['thoth.dl.error_class'])
    if (expected.get(at) !== l.headers['thoth.dl.reason']) wrong++
    expected.delete(at)
  }
  r.lost += expected.size
  check(r, expected.size === 0, `${expected.size} bad records are not in the dead-letter topic`)
  check(r, wrong === 0, `${wrong} dead letters are not a bad record or carry the wrong reason`)
  check(r, classes.size === 1 && classes.has('InvalidMessageError'), `dead letters carry thoth.dl.error_class ${JSON.stringify([...classes])}, expected "InvalidMessageError"`)
  check(r, inst.exitCode === null, 'the instance is not running')
  r.notes.push(`ack policy: ${good} good + ${bad} bad (${new Set(POISON.map((p) => p[0])).size} reasons, ${POISON.length} shapes) on ${PARTITIONS} partitions; ${letters.length} dead letters`)
}

async function haltAtFirst(run: Run, before: number): Promise<void> {
  const { result: r } = run
  const dep = await run.deployment()
  const topic = dep.topic(fx.REPO)
  const inst = await dep.start('poison-halt')
  const ids = fx.range(100_000, before)
  const after = fx.range(200_000, before)
  await fx.produce(dep.producer, topic, [...ids.map(fx.repoInit), 'not json at all', ...POISON.map((p) => p[1]), ...after.map(fx.repoInit)])
  r.sent += 2 * before + 1 + POISON.length
  await until(async () => (await isHalted(inst, fx.REPO)) === true, 60_000, 'repo-init halted', 250)
  await until(async () => (await fx.committedTotal(dep.admin, dep.group, topic)) >= before, 30_000, 'records before the bad one committed', 250).catch(() => {})
  await Bun.sleep(2000) // would anything after the bad record still be handled?
  const wf = fx.workflowsPerId(dep.kube, fx.BACKEND, 'thoth-repo-init')
  fx.account(r, 'records before the first bad one', ids, [wf])
  const leaked = after.filter((i) => wf.has(i)).length
  check(r, leaked === 0, `${leaked} records after the halting record were handled`)
  const committed = await fx.committedTotal(dep.admin, dep.group, topic)
  check(r, committed === before, `committed ${committed} under the halt, expected ${before} (the bad record's offset)`)
  const reason = inst.logs().find((l) => l.msg === 'topic halted after a failed record')?.reason
  check(r, reason === 'not_json', `halt reason ${String(reason)}, expected not_json`)
  check(r, inst.exitCode === null, 'the instance is not running')
  r.notes.push(`halt policy: halted at offset ${before} with reason ${String(reason)}, committed ${committed}, ${after.length + 1 + POISON.length} records held behind the halt (not lost: uncommitted)`)
}

export const poisonFlood: Scenario = {
  id: 7,
  name: '7 poison flood',
  inShort: true,
  run: (ctx: ChaosContext) =>
    runScenario(ctx, '7 poison flood', async (run) => {
      await ackFlood(run, ctx.short ? 2000 : 10_000, ctx.short ? 200 : 1000)
      await haltAtFirst(run, ctx.short ? 50 : 500)
    }),
}
