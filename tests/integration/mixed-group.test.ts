/**
 * A rolling update with old Python pods (confluent-kafka/librdkafka, configured by thoth-messaging
 * as upstream) and ours in one consumer group (D-38), on the real broker: whichever member leads
 * and whichever protocol the broker picks (ours name roundrobin first, librdkafka range first; the
 * broker takes the one most members name first), the group forms, partitions are split without
 * overlap as librdkafka would split them (checked from both sides and from the broker), records
 * are handled once (also records that keep arriving while members join and leave: every
 * rebalance revokes everything, and ours commit what they finished before rejoining), a halt from
 * our control topic holds on our members (Python members know no halts), and after the Python
 * members leave ours handle everything.
 */
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from 'bun:test'
import { AssignerProtocol, type Admin, type Producer } from 'kafkajs'
import { join } from 'node:path'
import { rangeAssign, roundRobinAssign } from '../../lib/assigner.ts'
import { brokers } from '../helpers/stack.ts'
import { venvPython } from '../helpers/python.ts'
import { committed, createTopics, engineEnv, scriptedHandler, send, startTestService, testKafka, waitFor, type Seen, type TestService } from '../helpers/engine.ts'

setDefaultTimeout(180_000)

const SOLVED = 'thoth.solver.solved-package'
const UPSD = 'thoth.update-provides-source-distro'
const HASH = 'thoth.package-update.hash-mismatch'
const PARTITIONS = 4

const kafka = testKafka()
let admin: Admin
let producer: Producer
const services: TestService[] = []
const pythons: PythonMember[] = []
const cleanups: (() => void)[] = []

beforeAll(async () => {
  admin = kafka.admin()
  producer = kafka.producer({ allowAutoTopicCreation: false })
  await Promise.all([admin.connect(), producer.connect()])
})
afterAll(async () => {
  for (const c of cleanups) c()
  await Promise.all(pythons.map((p) => p.stop().catch(() => {})))
  await Promise.all(services.map((s) => s.service.stop().catch(() => {})))
  await Promise.all([admin.disconnect(), producer.disconnect()])
})

type Tp = [topic: string, partition: number]
type PyEvent =
  | { event: 'assigned' | 'revoked'; partitions: Tp[] }
  | { event: 'handled'; topic: string; partition: number; offset: number; value: string | null }
  | { event: 'closed' }

/** tests/python/group_member.py: an upstream-configured confluent-kafka consumer in the group. */
interface PythonMember {
  events: PyEvent[]
  /** Partitions it holds now (last assignment, emptied by a revocation). */
  owned(): Tp[]
  handled(): Extract<PyEvent, { event: 'handled' }>[]
  /** SIGTERM: close() commits and leaves the group; resolves with the exit code. */
  stop(): Promise<number>
}

function startPython(env: { group: string; topics: string[] }): PythonMember {
  const proc = Bun.spawn([venvPython, join(import.meta.dir, '..', 'python', 'group_member.py')], {
    env: {
      PATH: '/usr/local/bin:/usr/bin:/bin',
      PYTHONUNBUFFERED: '1',
      // The variables thoth-messaging reads, as the upstream deployment sets them.
      KAFKA_BOOTSTRAP_SERVERS: brokers.join(','),
      KAFKA_CONSUMER_GROUP_ID: env.group,
      KAFKA_CONSUMER_AUTO_OFFSET_RESET: 'earliest',
      GROUP_MEMBER_TOPICS: env.topics.join(','),
    },
    stdout: 'pipe',
    stderr: 'pipe',
  })
  const events: PyEvent[] = []
  let stderr = ''
  void (async () => {
    let buf = ''
    for await (const chunk of proc.stdout as ReadableStream<Uint8Array>) {
      buf += Buffer.from(chunk).toString('utf8')
      let nl: number
      while ((nl = buf.indexOf('\n')) >= 0) {
        const line = buf.slice(0, nl).trim()
        buf = buf.slice(nl + 1)
        if (line) events.push(JSON.parse(line) as PyEvent)
      }
    }
  })()
  void new Response(proc.stderr).text().then((t) => (stderr = t))
  let exited: Promise<number> | undefined
  const member: PythonMember = {
    events,
    owned() {
      let now: Tp[] = []
      for (const e of events) if (e.event === 'assigned') now = e.partitions
      else if (e.event === 'revoked') now = []
      return now
    },
    handled: () => events.filter((e): e is Extract<PyEvent, { event: 'handled' }> => e.event === 'handled'),
    async stop() {
      if (!exited) {
        proc.kill('SIGTERM')
        exited = proc.exited
      }
      const code = await exited
      pythons.splice(pythons.indexOf(member), 1)
      if (code !== 0) throw new Error(`group_member.py exited with ${code}: ${stderr.slice(-2000)}`)
      return code
    },
  }
  pythons.push(member)
  return member
}

/** Our member's view: its latest 'partitions assigned' log line. */
function ours(s: TestService) {
  const line = s.log.lines.findLast((l) => l.msg === 'partitions assigned') as
    | { assignment: Record<string, number[]>; member: string; leader: boolean; protocol: string }
    | undefined
  const owned: Tp[] = line ? Object.entries(line.assignment).flatMap(([t, ps]) => ps.map((p): Tp => [t, p])) : []
  return { owned, member: line?.member, leader: line?.leader, protocol: line?.protocol }
}

const tpKey = ([t, p]: Tp) => `${t}#${p}`
const sortTps = (tps: Tp[]) => tps.map(tpKey).sort()

/** The broker's view of a stable group: protocol and each member's subscription and assignment. */
async function brokerView(group: string) {
  const g = (await admin.describeGroups([group])).groups[0]!
  return {
    state: g.state,
    protocol: g.protocol,
    // Metadata and assignments are empty while the group rebalances.
    members: g.members.map((m) => ({
      memberId: m.memberId,
      topics: m.memberMetadata.length ? (AssignerProtocol.MemberMetadata.decode(m.memberMetadata)?.topics ?? []) : [],
      owned: m.memberAssignment.length
        ? Object.entries(AssignerProtocol.MemberAssignment.decode(m.memberAssignment)?.assignment ?? {}).flatMap(([t, ps]) => ps.map((p): Tp => [t, p]))
        : [],
    })),
  }
}

/**
 * Waits until the group is stable with exactly these members, every member's own report agrees
 * with the broker, no partition is owned twice, all are owned, and the assignment is what
 * librdkafka's assignor of the chosen protocol gives. Returns the broker's view.
 */
async function stableGroup(group: string, topics: string[], ourMembers: TestService[], pyMembers: PythonMember[]) {
  const all = topics.flatMap((t) => Array.from({ length: PARTITIONS }, (_, p): Tp => [t, p]))
  let last = ''
  try {
    await waitFor(async () => {
      const d = await brokerView(group)
      last = JSON.stringify(d)
      if (d.state !== 'Stable' || d.members.length !== ourMembers.length + pyMembers.length) return false
      const reports = [...ourMembers.map((s) => ours(s).owned), ...pyMembers.map((p) => p.owned())]
      const reported = reports.flat()
      if (new Set(reported.map(tpKey)).size !== reported.length) return false // a moment of overlap would fail below
      if (sortTps(reported).join() !== sortTps(all).join()) return false
      // Our members report the generation the broker has.
      return ourMembers.every((s) => {
        const o = ours(s)
        const b = d.members.find((m) => m.memberId === o.member)
        return b && sortTps(b.owned).join() === sortTps(o.owned).join()
      })
    }, 60_000, 'a stable mixed group')
  } catch (err) {
    throw new Error(`${(err as Error).message}; group: ${last}; python: ${JSON.stringify(pyMembers.map((p) => p.events.filter((e) => e.event !== 'handled')))}`)
  }
  const d = await brokerView(group)
  // No partition twice, from the broker's side too; every member's subscription is the same.
  const brokerOwned = d.members.flatMap((m) => m.owned)
  expect(new Set(brokerOwned.map(tpKey)).size).toBe(brokerOwned.length)
  expect(sortTps(brokerOwned)).toEqual(sortTps(all))
  // The Python members' own reports are the broker's assignments of the non-our members.
  const ourIds = ourMembers.map((s) => ours(s).member)
  const pyAssignments = d.members.filter((m) => !ourIds.includes(m.memberId)).map((m) => sortTps(m.owned).join()).sort()
  expect(pyAssignments).toEqual(pyMembers.map((p) => sortTps(p.owned()).join()).sort())
  // Exactly librdkafka's assignment for the chosen protocol, whoever computed it.
  expect(['range', 'roundrobin']).toContain(d.protocol)
  const assign = d.protocol === 'range' ? rangeAssign : roundRobinAssign
  const expected = assign(d.members.map((m) => ({ memberId: m.memberId, topics: m.topics })), () => [...Array(PARTITIONS).keys()])
  for (const m of d.members) {
    const want = Object.entries(expected.get(m.memberId) ?? {}).flatMap(([t, ps]) => ps.map((p): Tp => [t, p]))
    expect(sortTps(m.owned)).toEqual(sortTps(want))
  }
  for (const s of ourMembers) expect(ours(s).protocol).toBe(d.protocol)
  return d
}

/** Produces `n` records with fresh ids to every partition of `topic`; returns the ids. */
let nextId = 1
async function produce(topic: string, perPartition: number): Promise<number[]> {
  const ids: number[] = []
  for (let p = 0; p < PARTITIONS; p++) {
    const batch = Array.from({ length: perPartition }, () => ({ id: nextId++ }))
    ids.push(...batch.map((b) => b.id))
    await send(producer, topic, batch, p)
  }
  return ids
}

async function endOffsets(topic: string): Promise<number[]> {
  const o = await admin.fetchTopicOffsets(topic)
  return [...Array(PARTITIONS).keys()].map((p) => Number(o.find((x) => x.partition === p)?.high ?? 0))
}

async function allCommitted(group: string, topics: string[]) {
  for (const t of topics) {
    const ends = await endOffsets(t)
    for (let p = 0; p < PARTITIONS; p++) if ((await committed(admin, group, t, p)) !== ends[p]) return false
  }
  return true
}

interface Scenario {
  name: string
  first: 'python' | 'ours'
  python: number
  ours: number
  /** The protocol the broker must pick by the members' votes (a tie: either). */
  protocol?: 'range' | 'roundrobin'
}

const scenarios: Scenario[] = [
  { name: 'Python pod first (librdkafka leads), ours in the majority: roundrobin', first: 'python', python: 1, ours: 2, protocol: 'roundrobin' },
  { name: 'our pod first (we lead), Python pods in the majority: range', first: 'ours', python: 2, ours: 1, protocol: 'range' },
  { name: 'Python pod first (librdkafka leads), Python pods in the majority: range', first: 'python', python: 2, ours: 1, protocol: 'range' },
  { name: 'our pod first (we lead), one of each (a tie: either protocol)', first: 'ours', python: 1, ours: 1 },
]

describe('mixed consumer group: Python (librdkafka) and our members (D-38)', () => {
  for (const sc of scenarios) {
    test(sc.name, async () => {
      const env = engineEnv()
      const group = env.KAFKA_CONSUMER_GROUP_ID as string
      const prefix = env.THOTH_DEPLOYMENT_NAME as string
      const topics = [`${prefix}.${SOLVED}`, `${prefix}.${UPSD}`, `${prefix}.${HASH}`]
      const [solved, upsd, hash] = topics as [string, string, string]
      await createTopics(admin, topics, PARTITIONS)

      const seen: Seen[] = []
      // The flow topic's records take 20 ms on ours: rebalances meet running records.
      const slow = () => () => Bun.sleep(20)
      const handlers = () => [
        scriptedHandler('solved-package', 'middletier', seen, () => undefined),
        scriptedHandler('update-provides-source-distro', 'middletier', seen, () => undefined),
        scriptedHandler('hash-mismatch', 'middletier', seen, slow),
      ]
      const ourMembers: TestService[] = []
      const pyMembers: PythonMember[] = []
      const everPython: PythonMember[] = []
      const startOurs = async () => {
        const s = await startTestService({ env, handlers: handlers() })
        services.push(s)
        ourMembers.push(s)
      }
      const startPy = async () => {
        const p = startPython({ group, topics })
        pyMembers.push(p)
        everPython.push(p)
        await waitFor(() => p.events.some((e) => e.event === 'assigned'), 60_000, 'the Python member joined')
      }

      // Records arriving all the time on a third topic, through every join and leave.
      const flowIds: number[] = []
      let flowing = true
      cleanups.push(() => (flowing = false))
      const flow = (async () => {
        while (flowing) {
          for (let p = 0; p < PARTITIONS; p++) {
            flowIds.push(nextId)
            await send(producer, hash, [{ id: nextId++ }], p)
          }
          await Bun.sleep(40)
        }
      })()

      // 1. Join in the scenario's order; the first member leads (the broker keeps its leader).
      if (sc.first === 'python') await startPy()
      else await startOurs()
      await stableGroup(group, topics, ourMembers, pyMembers)
      for (let i = ourMembers.length; i < sc.ours; i++) await startOurs()
      for (let i = pyMembers.length; i < sc.python; i++) await startPy()
      const d = await stableGroup(group, topics, ourMembers, pyMembers)
      if (sc.protocol) expect(d.protocol).toBe(sc.protocol)
      const leaders = ourMembers.filter((s) => ours(s).leader)
      expect(leaders.length).toBe(sc.first === 'ours' ? 1 : 0)

      // 2. Records produced in the mixed phase: each handled once, by the member owning its partition.
      const byId = () => {
        const m = new Map<number, string[]>()
        const add = (id: number, who: string) => m.set(id, [...(m.get(id) ?? []), who])
        for (const s of seen) add(Number(s.id), `ours:${s.topic}#${s.partition}`)
        for (const [i, p] of everPython.entries()) for (const h of p.handled()) add(Number(JSON.parse(h.value ?? '{}').id), `python${i}:${h.topic}#${h.partition}`)
        return m
      }
      const phase1 = [...(await produce(solved, 5)), ...(await produce(upsd, 5))]
      await waitFor(() => phase1.every((id) => byId().has(id)), 30_000, 'mixed-phase records handled')
      await waitFor(() => allCommitted(group, [solved, upsd]), 30_000, 'mixed-phase records committed')
      const ourOwned = new Set(ourMembers.flatMap((s) => ours(s).owned.map(tpKey)))
      for (const id of phase1) {
        const who = byId().get(id) ?? []
        expect(who.length).toBe(1)
        const [side, tp] = who[0]!.split(':') as [string, string]
        expect(ourOwned.has(tp)).toBe(side === 'ours') // handled by the member that owns the partition
      }
      expect(seen.length).toBeGreaterThan(0) // both sides took part
      expect(pyMembers.every((p) => p.handled().length > 0)).toBe(true)

      // 3. Halt through our control topic: our members hold their solved-package partitions;
      //    Python members know no halts and go on with theirs.
      const res = await fetch(`${ourMembers[0]!.service.url}/halt/${SOLVED}`)
      expect(res.status).toBe(200)
      for (const s of ourMembers) await waitFor(async () => (await s.metric('thoth_investigator_halted_topics', { base_topic_name: SOLVED })) === 1, 20_000, 'halt on every one of ours')
      const solvedSeen = () => seen.filter((x) => x.topic === solved).length
      const solvedBefore = solvedSeen()
      const phase2 = await produce(solved, 3)
      const pyOwned = new Set(pyMembers.flatMap((p) => p.owned().map(tpKey)))
      const pyPart = phase2.filter((_, i) => pyOwned.has(`${solved}#${Math.floor(i / 3)}`))
      await waitFor(() => pyPart.every((id) => byId().has(id)), 30_000, 'Python handled its partitions of the halted topic')
      await Bun.sleep(1500)
      expect(solvedSeen()).toBe(solvedBefore) // ours started nothing of the halted topic
      for (const s of ourMembers) {
        const mine = s.service.consumer.control.partitions().filter((p) => p.topic === solved)
        expect(mine.length).toBeGreaterThan(0)
        expect(mine.every((p) => p.halted)).toBe(true)
      }
      await waitFor(async () => {
        for (const p of [...pyOwned].filter((k) => k.startsWith(`${solved}#`)).map((k) => Number(k.split('#')[1])))
          if ((await committed(admin, group, solved, p)) !== (await endOffsets(solved))[p]) return false
        return true
      }, 30_000, 'the Python members committed')

      // 4. The Python members leave (SIGTERM: close() commits, leaves the group): ours take every
      //    partition; the halted topic stays paused on partitions that were Python's.
      for (const p of [...pyMembers]) {
        expect(await p.stop()).toBe(0)
        expect(p.events.at(-1)).toEqual({ event: 'closed' })
      }
      pyMembers.length = 0
      await stableGroup(group, topics, ourMembers, [])
      const phase3 = [...(await produce(solved, 2)), ...(await produce(upsd, 2))]
      const upsdIds = phase3.slice(2 * PARTITIONS)
      await waitFor(() => upsdIds.every((id) => byId().has(id)), 30_000, 'ours handle every partition of the other topic')
      await Bun.sleep(1000)
      expect(solvedSeen()).toBe(solvedBefore)
      const allSolved = ourMembers.flatMap((s) => s.service.consumer.control.partitions().filter((p) => p.topic === solved))
      expect(allSolved.map((p) => p.partition).sort()).toEqual([0, 1, 2, 3])
      expect(allSolved.every((p) => p.halted)).toBe(true)

      // 5. Resume: ours handle what the halt held back; every record of the test handled once.
      const resumed = await fetch(`${ourMembers.at(-1)!.service.url}/resume/${SOLVED}`)
      expect(resumed.status).toBe(200)
      flowing = false
      await flow
      const everything = [...phase1, ...phase2, ...phase3, ...flowIds]
      expect(flowIds.length).toBeGreaterThan(100)
      await waitFor(() => everything.every((id) => byId().has(id)), 30_000, 'everything handled after resume').catch((err: Error) => {
        const missing = everything.filter((id) => !byId().has(id))
        throw new Error(`${err.message}: missing ${JSON.stringify(missing)} of phase1 ${phase1} phase2 ${phase2} phase3 ${phase3}; ours: ${JSON.stringify(ourMembers.map((s) => s.service.consumer.control.partitions()))}`)
      })
      await waitFor(() => allCommitted(group, topics), 30_000, 'everything committed')
      await Bun.sleep(500)
      // Rebalances revoked partitions with records running on ours, and ours waited for them.
      expect(ourMembers.some((s) => s.log.lines.some((l) => l.msg === 'partitions revoked for a rebalance'))).toBe(true)
      const twice = [...byId()].filter(([, who]) => who.length !== 1)
      expect(twice).toEqual([])
      expect(byId().size).toBe(everything.length)
      for (const id of phase2.filter((id) => !pyPart.includes(id))) expect(byId().get(id)![0]!.startsWith('ours:')).toBe(true)

      for (const s of ourMembers) {
        await s.service.stop()
        services.splice(services.indexOf(s), 1)
      }
    })
  }
  test('a record running on ours when a Python pod joins is finished and committed before the pod gets its partition', async () => {
    const env = engineEnv()
    const group = env.KAFKA_CONSUMER_GROUP_ID as string
    const topic = `${env.THOTH_DEPLOYMENT_NAME}.${SOLVED}`
    await createTopics(admin, [topic], PARTITIONS)
    const seen: Seen[] = []
    const finished = new Map<number, number>()
    const s = await startTestService({
      env,
      handlers: [
        scriptedHandler('solved-package', 'middletier', seen, () => async (m) => {
          await Bun.sleep(8000) // longer than kafkajs takes to notice the rebalance (heartbeat: 3 s)
          finished.set(Number(m.id), Date.now())
        }),
      ],
    })
    services.push(s)
    const ids = await produce(topic, 1) // one long record per partition, all running on ours
    await waitFor(() => seen.length === PARTITIONS, 20_000, 'all running on ours')
    const py = startPython({ group, topics: [topic] })
    await stableGroup(group, [topic], [s], [py])
    const assignedAt = py.events.findIndex((e) => e.event === 'assigned')
    expect(assignedAt).toBeGreaterThanOrEqual(0)
    await waitFor(() => finished.size === PARTITIONS, 20_000, 'ours finished')
    await Bun.sleep(1500)
    // Ours held the rejoin until its records were done and committed: the Python pod found them
    // committed and handled none of them (without that it would run them a second time).
    expect(py.handled()).toEqual([])
    expect(seen.map((x) => Number(x.id)).sort((a, b) => a - b)).toEqual(ids)
    expect(await allCommitted(group, [topic])).toBe(true)
    const revoked = s.log.lines.find((l) => l.msg === 'partitions revoked for a rebalance') as { waited_ms: number; unfinished: number } | undefined
    expect(revoked?.unfinished).toBe(0)
    expect(revoked?.waited_ms).toBeGreaterThan(1000)
    expect(await py.stop()).toBe(0)
    await s.service.stop()
    services.splice(services.indexOf(s), 1)
  })
})
