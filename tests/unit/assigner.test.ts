import { describe, expect, test } from 'bun:test'
import { AssignerProtocol } from 'kafkajs'
import { roundRobinAssign, RoundRobinCompatAssigner } from '../../lib/assigner.ts'

type Members = { memberId: string; topics: string[] }[]

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
