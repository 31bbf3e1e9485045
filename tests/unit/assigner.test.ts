import { describe, expect, test } from 'bun:test'
import { AssignerProtocol } from 'kafkajs'
import { compareMembers, rangeAssign, RangeCompatAssigner, roundRobinAssign, RoundRobinCompatAssigner, type AssignMember } from '../../lib/assigner.ts'

type Members = { memberId: string; groupInstanceId?: string | null; topics: string[] }[]

const counts = (c: Record<string, number>) => (topic: string) => Array.from({ length: c[topic] ?? 0 }, (_, i) => i)

const plain = (m: Map<string, Record<string, number[]>>) => Object.fromEntries(m)

/**
 * librdkafka's rd_kafka_roundrobin_assignor_assign_cb, transcribed: members and topics sorted
 * with strcmp, `next` starts at -1 and is advanced (wrapping) until a subscribed member is found.
 */
function librdkafkaRoundRobin(members: Members, partitionCount: Record<string, number>) {
  const strcmp = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0)
  const sorted = [...members].sort((a, b) => strcmp(a.memberId, b.memberId))
  const topics = [...new Set(members.flatMap((m) => m.topics))].sort(strcmp)
  const out = new Map<string, Record<string, number[]>>(sorted.map((m) => [m.memberId, {}]))
  let next = -1
  for (const topic of topics) {
    for (let partition = 0; partition < (partitionCount[topic] ?? 0); partition++) {
      do next = (next + 1) % sorted.length
      while (!sorted[next]!.topics.includes(topic))
      const a = out.get(sorted[next]!.memberId)!
      ;(a[topic] ??= []).push(partition)
    }
  }
  return out
}

/**
 * librdkafka 2.0's rd_kafka_range_assignor_assign_cb, transcribed: per topic (sorted), its
 * subscribers sorted with rd_kafka_group_member_cmp; numPartitionsPerConsumer = cnt / members,
 * consumersWithExtraPartition = cnt % members; member i gets [start, start + length).
 */
function librdkafkaRange(members: Members, partitionCount: Record<string, number>) {
  const memberCmp = (a: Members[number], b: Members[number]) =>
    a.groupInstanceId != null && b.groupInstanceId != null ? Buffer.compare(Buffer.from(a.groupInstanceId), Buffer.from(b.groupInstanceId)) : Buffer.compare(Buffer.from(a.memberId), Buffer.from(b.memberId))
  const out = new Map<string, Record<string, number[]>>([...members].sort(memberCmp).map((m) => [m.memberId, {}]))
  for (const topic of [...new Set(members.flatMap((m) => m.topics))].sort()) {
    const cnt = partitionCount[topic] ?? 0
    const subs = members.filter((m) => m.topics.includes(topic)).sort(memberCmp)
    const per = Math.trunc(cnt / subs.length)
    const extra = cnt % subs.length
    for (let i = 0; i < subs.length; i++) {
      const start = per * i + Math.min(i, extra)
      const length = per + (i + 1 > extra ? 0 : 1)
      if (length === 0) continue
      out.get(subs[i]!.memberId)![topic] = Array.from({ length }, (_, k) => start + k)
    }
  }
  return out
}

/** Small deterministic PRNG (mulberry32) so failures reproduce. */
function prng(seed: number) {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed)
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

describe('roundRobinAssign', () => {
  test('identical subscriptions: partitions of all topics dealt round-robin over sorted members', () => {
    const members = [
      { memberId: 'c', topics: ['t2', 't1'] },
      { memberId: 'a', topics: ['t1', 't2'] },
      { memberId: 'b', topics: ['t1', 't2'] },
    ]
    expect(plain(roundRobinAssign(members, counts({ t1: 3, t2: 2 })))).toEqual({
      a: { t1: [0], t2: [0] },
      b: { t1: [1], t2: [1] },
      c: { t1: [2] },
    })
  })

  test('members only get topics they subscribe to; the deal continues after the last taker', () => {
    const members = [
      { memberId: 'A', topics: ['t1', 't2'] },
      { memberId: 'B', topics: ['t1'] },
      { memberId: 'C', topics: ['t2'] },
    ]
    expect(plain(roundRobinAssign(members, counts({ t1: 3, t2: 3 })))).toEqual({
      A: { t1: [0, 2], t2: [1] },
      B: { t1: [1] },
      C: { t2: [0, 2] },
    })
  })

  test('members sorted by id as strings (strcmp), not numerically', () => {
    const members = [
      { memberId: 'rdkafka-9', topics: ['t'] },
      { memberId: 'rdkafka-10', topics: ['t'] },
    ]
    expect(plain(roundRobinAssign(members, counts({ t: 2 })))).toEqual({
      'rdkafka-10': { t: [0] },
      'rdkafka-9': { t: [1] },
    })
  })

  test('topics sorted by name and partitions by number, whatever order they come in', () => {
    const members = [
      { memberId: 'm1', topics: ['zeta', 'alpha'] },
      { memberId: 'm2', topics: ['zeta', 'alpha'] },
    ]
    const partitionsOf = (topic: string) => (topic === 'alpha' ? [2, 0, 1] : [1, 0])
    expect(plain(roundRobinAssign(members, partitionsOf))).toEqual({
      m1: { alpha: [0, 2], zeta: [1] },
      m2: { alpha: [1], zeta: [0] },
    })
  })

  test('a member that subscribes to nothing present gets an empty assignment', () => {
    const members = [
      { memberId: 'a', topics: ['t'] },
      { memberId: 'b', topics: [] },
      { memberId: 'c', topics: ['missing'] },
    ]
    expect(plain(roundRobinAssign(members, counts({ t: 2 })))).toEqual({ a: { t: [0, 1] }, b: {}, c: {} })
  })

  test('no members: nothing assigned', () => {
    expect(roundRobinAssign([], counts({ t: 3 })).size).toBe(0)
  })

  test('random groups: every partition exactly once, only to subscribers, as librdkafka assigns', () => {
    const rand = prng(20260504)
    const topicNames = ['prod.thoth.adviser-trigger', 'prod.thoth.package-update.hash-mismatch', 'prod.thoth.repo-init', 'x', 'y-1']
    for (let round = 0; round < 300; round++) {
      const partitionCount = Object.fromEntries(topicNames.map((t) => [t, Math.floor(rand() * 7)]))
      const members: Members = Array.from({ length: 1 + Math.floor(rand() * 6) }, (_, i) => ({
        memberId: `member-${Math.floor(rand() * 1000)}-${i}`,
        topics: topicNames.filter(() => rand() < 0.6),
      }))
      const result = roundRobinAssign(members, counts(partitionCount))
      expect(plain(result)).toEqual(plain(librdkafkaRoundRobin(members, partitionCount)))

      const seen = new Set<string>()
      for (const [memberId, assignment] of result) {
        const member = members.find((m) => m.memberId === memberId)!
        for (const [topic, partitions] of Object.entries(assignment)) {
          expect(member.topics).toContain(topic)
          for (const p of partitions) {
            expect(seen.has(`${topic}/${p}`)).toBe(false)
            seen.add(`${topic}/${p}`)
          }
        }
      }
      const subscribed = new Set(members.flatMap((m) => m.topics))
      const expected = [...subscribed].reduce((n, t) => n + (partitionCount[t] ?? 0), 0)
      expect(seen.size).toBe(expected)
    }
  })
})

describe('RoundRobinCompatAssigner (D-38)', () => {
  test('announces the librdkafka protocol name roundrobin with standard consumer metadata', () => {
    const assigner = RoundRobinCompatAssigner({ cluster: undefined as never, groupId: 'g', logger: undefined as never })
    expect(assigner.name).toBe('roundrobin')
    const protocol = assigner.protocol({ topics: ['prod.thoth.repo-init', 'prod.thoth.adviser-trigger'] })
    expect(protocol.name).toBe('roundrobin')
    const decoded = AssignerProtocol.MemberMetadata.decode(protocol.metadata)
    expect(decoded?.version).toBe(0)
    expect(decoded?.topics).toEqual(['prod.thoth.repo-init', 'prod.thoth.adviser-trigger'])
  })
})

/**
 * Random groups as the random tests use them; in a third of them every member is static
 * (group.instance.id). Not a mix: with static and dynamic members together librdkafka's
 * comparator is no total order, so its order depends on its sort routine; any leader's
 * assignment is still followed by every member, so that only changes who gets what.
 */
function randomGroup(rand: () => number, topicNames: string[]) {
  const partitionCount = Object.fromEntries(topicNames.map((t) => [t, Math.floor(rand() * 9)]))
  const allStatic = rand() < 0.3
  const members: Members = Array.from({ length: 1 + Math.floor(rand() * 6) }, (_, i) => ({
    memberId: `${rand() < 0.5 ? 'rdkafka' : 'investigator'}-${Math.floor(rand() * 1000)}-${i}`,
    groupInstanceId: allStatic ? `pod-${Math.floor(rand() * 100)}-${i}` : null,
    topics: topicNames.filter(() => rand() < 0.7),
  }))
  return { partitionCount, members }
}

function expectEachPartitionOnce(result: Map<string, Record<string, number[]>>, members: Members, partitionCount: Record<string, number>) {
  const seen = new Set<string>()
  for (const [memberId, assignment] of result) {
    const member = members.find((m) => m.memberId === memberId)!
    for (const [topic, partitions] of Object.entries(assignment)) {
      expect(member.topics).toContain(topic)
      for (const p of partitions) {
        expect(seen.has(`${topic}/${p}`)).toBe(false)
        seen.add(`${topic}/${p}`)
      }
    }
  }
  const subscribed = new Set(members.flatMap((m) => m.topics))
  expect(seen.size).toBe([...subscribed].reduce((n, t) => n + (partitionCount[t] ?? 0), 0))
}

describe('compareMembers (rd_kafka_group_member_cmp)', () => {
  test('static members by group.instance.id, otherwise by member id, bytewise', () => {
    const m = (memberId: string, groupInstanceId: string | null = null): AssignMember => ({ memberId, groupInstanceId, topics: [] })
    expect(compareMembers(m('b', 'pod-1'), m('a', 'pod-2'))).toBeLessThan(0) // both static: instance ids decide
    expect(compareMembers(m('b', 'pod-1'), m('a'))).toBeGreaterThan(0) // one dynamic: member ids decide
    expect(compareMembers(m('rdkafka-10'), m('rdkafka-9'))).toBeLessThan(0)
    expect(compareMembers(m('Z'), m('a'))).toBeLessThan(0) // bytes, not locale
    expect(compareMembers(m('ab'), m('abc'))).toBeLessThan(0) // prefix first
  })

  test('round-robin orders static members by instance id, as librdkafka', () => {
    const members = [
      { memberId: 'a', groupInstanceId: 'pod-2', topics: ['t'] },
      { memberId: 'b', groupInstanceId: 'pod-1', topics: ['t'] },
    ]
    expect(plain(roundRobinAssign(members, counts({ t: 3 })))).toEqual({ b: { t: [0, 2] }, a: { t: [1] } })
  })
})

describe('rangeAssign (librdkafka range, the default of Python members)', () => {
  test('per topic: contiguous ranges over sorted subscribers, the remainder to the first ones', () => {
    const members = [
      { memberId: 'c', topics: ['t1', 't2'] },
      { memberId: 'a', topics: ['t1', 't2'] },
      { memberId: 'b', topics: ['t1', 't2'] },
    ]
    expect(plain(rangeAssign(members, counts({ t1: 7, t2: 4 })))).toEqual({
      a: { t1: [0, 1, 2], t2: [0, 1] },
      b: { t1: [3, 4], t2: [2] },
      c: { t1: [5, 6], t2: [3] },
    })
  })

  test('one-partition topics all go to the first member (why ours prefer roundrobin)', () => {
    const members = [
      { memberId: 'b', topics: ['x', 'y', 'z'] },
      { memberId: 'a', topics: ['x', 'y', 'z'] },
    ]
    expect(plain(rangeAssign(members, counts({ x: 1, y: 1, z: 1 })))).toEqual({ a: { x: [0], y: [0], z: [0] }, b: {} })
  })

  test('each topic is split among its own subscribers only', () => {
    const members = [
      { memberId: 'A', topics: ['t1', 't2'] },
      { memberId: 'B', topics: ['t1'] },
      { memberId: 'C', topics: ['t2'] },
    ]
    expect(plain(rangeAssign(members, counts({ t1: 4, t2: 3 })))).toEqual({
      A: { t1: [0, 1], t2: [0, 1] },
      B: { t1: [2, 3] },
      C: { t2: [2] },
    })
  })

  test('more members than partitions: the last members get nothing; partitions sorted by number', () => {
    const members = ['m3', 'm1', 'm2'].map((memberId) => ({ memberId, topics: ['t'] }))
    expect(plain(rangeAssign(members, () => [1, 0]))).toEqual({ m1: { t: [0] }, m2: { t: [1] }, m3: {} })
    expect(rangeAssign([], counts({ t: 3 })).size).toBe(0)
  })

  test('random groups: every partition exactly once, only to subscribers, as librdkafka assigns', () => {
    const rand = prng(20261127)
    const topicNames = ['prod.thoth.adviser-trigger', 'prod.thoth.package-update.hash-mismatch', 'prod.thoth.repo-init', 'x', 'y-1']
    for (let round = 0; round < 300; round++) {
      const { partitionCount, members } = randomGroup(rand, topicNames)
      const result = rangeAssign(members, counts(partitionCount))
      expect(plain(result)).toEqual(plain(librdkafkaRange(members, partitionCount)))
      expectEachPartitionOnce(result, members, partitionCount)
    }
  })

  test('random groups with static members: round-robin still as librdkafka', () => {
    const rand = prng(7)
    const topicNames = ['a', 'b', 'c']
    for (let round = 0; round < 200; round++) {
      const { partitionCount, members } = randomGroup(rand, topicNames)
      const sortedAsLibrdkafka = [...members].sort(compareMembers)
      const viaIds = sortedAsLibrdkafka.map((m, i) => ({ ...m, memberId: String.fromCharCode(65 + i) + m.memberId, groupInstanceId: null }))
      // Renaming members so that member ids sort like librdkafka's order must not change the deal.
      const expected = new Map([...librdkafkaRoundRobin(viaIds, partitionCount)].map(([id, a]) => [id.slice(1), a]))
      expect(plain(roundRobinAssign(members, counts(partitionCount)))).toEqual(plain(expected))
    }
  })
})

describe('the kafkajs assigners (D-38)', () => {
  const cluster = (partitionCount: Record<string, number>) => {
    const targets: string[] = []
    return {
      targets,
      cluster: {
        addMultipleTargetTopics: async (t: string[]) => void targets.push(...t),
        findTopicPartitionMetadata: (topic: string) => Array.from({ length: partitionCount[topic] ?? 0 }, (_, i) => ({ partitionId: (partitionCount[topic] ?? 0) - 1 - i })), // metadata order is not partition order
      } as never,
    }
  }
  const member = (memberId: string, topics: string[], groupInstanceId: string | null = null) => ({
    memberId,
    groupInstanceId,
    memberMetadata: AssignerProtocol.MemberMetadata.encode({ version: 0, topics, userData: Buffer.alloc(0) }),
  })
  const decodeAll = (out: { memberId: string; memberAssignment: Buffer }[]) =>
    Object.fromEntries(out.map((o) => [o.memberId, AssignerProtocol.MemberAssignment.decode(o.memberAssignment)?.assignment]))

  test('RangeCompatAssigner announces range with standard consumer metadata', () => {
    const assigner = RangeCompatAssigner({ cluster: undefined as never, groupId: 'g', logger: undefined as never })
    expect(assigner.name).toBe('range')
    const protocol = assigner.protocol({ topics: ['prod.thoth.repo-init'] })
    expect(protocol.name).toBe('range')
    const decoded = AssignerProtocol.MemberMetadata.decode(protocol.metadata)
    expect(decoded?.version).toBe(0)
    expect(decoded?.topics).toEqual(['prod.thoth.repo-init'])
  })

  test('assign(): decodes every member\'s subscription, loads their topics, encodes the assignments', async () => {
    const { cluster: c, targets } = cluster({ t1: 4, t2: 2 })
    const members = [member('rdkafka-b', ['t1', 't2']), member('rdkafka-a', ['t1'])]
    const range = await RangeCompatAssigner({ cluster: c, groupId: 'g', logger: undefined as never }).assign({ members, topics: [] })
    expect(decodeAll(range)).toEqual({ 'rdkafka-a': { t1: [0, 1] }, 'rdkafka-b': { t1: [2, 3], t2: [0, 1] } })
    expect(targets.sort()).toEqual(['t1', 't2'])
    const rr = await RoundRobinCompatAssigner({ cluster: c, groupId: 'g', logger: undefined as never }).assign({ members, topics: [] })
    expect(decodeAll(rr)).toEqual({ 'rdkafka-a': { t1: [0, 2] }, 'rdkafka-b': { t1: [1, 3], t2: [0, 1] } })
  })

  test('assign(): static members are ordered by group.instance.id, as librdkafka', async () => {
    const { cluster: c } = cluster({ t: 3 })
    const members = [member('rdkafka-a', ['t'], 'pod-2'), member('rdkafka-b', ['t'], 'pod-1')]
    const out = await RangeCompatAssigner({ cluster: c, groupId: 'g', logger: undefined as never }).assign({ members, topics: [] })
    expect(decodeAll(out)).toEqual({ 'rdkafka-b': { t: [0, 1] }, 'rdkafka-a': { t: [2] } })
  })

  test('librdkafka\'s version-1 member metadata (owned partitions after user data) is read', async () => {
    // Version 1, topics ["t"], user data null (-1), owned partitions [] (int32 count 0).
    const v1 = Buffer.concat([Buffer.from([0, 1, 0, 0, 0, 1, 0, 1]), Buffer.from('t'), Buffer.from([0xff, 0xff, 0xff, 0xff, 0, 0, 0, 0])])
    const { cluster: c } = cluster({ t: 2 })
    const members = [{ memberId: 'py', memberMetadata: v1 }, member('ours', ['t'])]
    const out = await RoundRobinCompatAssigner({ cluster: c, groupId: 'g', logger: undefined as never }).assign({ members, topics: [] })
    expect(decodeAll(out)).toEqual({ ours: { t: [0] }, py: { t: [1] } })
  })
})
