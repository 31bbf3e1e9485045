/**
 * A `roundrobin` partition assigner that librdkafka members also offer (D-38), so Python pods
 * (confluent-kafka) and ours can share one consumer group during a rolling update. Standard
 * consumer-protocol metadata; assignment as librdkafka's round-robin assignor: members sorted by
 * id, partitions sorted by (topic, partition), each handed to the next member subscribed to it.
 */
import { AssignerProtocol, type PartitionAssigner } from 'kafkajs'

/** Pure round-robin over sorted members; members only get topics they subscribe to. */
export function roundRobinAssign(
  members: readonly { memberId: string; topics: readonly string[] }[],
  partitionsOf: (topic: string) => readonly number[],
): Map<string, Record<string, number[]>> {
  const sorted = [...members].sort((a, b) => (a.memberId < b.memberId ? -1 : a.memberId > b.memberId ? 1 : 0))
  const result = new Map<string, Record<string, number[]>>(sorted.map((m) => [m.memberId, {}]))
  const topics = [...new Set(sorted.flatMap((m) => m.topics))].sort()
  let next = 0
  for (const topic of topics) {
    for (const partition of [...partitionsOf(topic)].sort((a, b) => a - b)) {
      for (let tried = 0; tried < sorted.length; tried++) {
        const member = sorted[(next + tried) % sorted.length]
        if (!member?.topics.includes(topic)) continue
        const a = result.get(member.memberId) as Record<string, number[]>
        ;(a[topic] ??= []).push(partition)
        next = (next + tried + 1) % sorted.length
        break
      }
    }
  }
  return result
}

/** The kafkajs assigner announcing the protocol name `roundrobin`. */
export const RoundRobinCompatAssigner: PartitionAssigner = ({ cluster }) => ({
  name: 'roundrobin',
  version: 0,
  async assign({ members }) {
    const decoded = members.map((m) => ({
      memberId: m.memberId,
      topics: AssignerProtocol.MemberMetadata.decode(m.memberMetadata)?.topics ?? [],
    }))
    const all = [...new Set(decoded.flatMap((m) => m.topics))]
    await cluster.addMultipleTargetTopics(all)
    const assignment = roundRobinAssign(decoded, (topic) => cluster.findTopicPartitionMetadata(topic).map((p) => p.partitionId))
    return [...assignment].map(([memberId, a]) => ({
      memberId,
      memberAssignment: AssignerProtocol.MemberAssignment.encode({ version: 0, assignment: a, userData: Buffer.alloc(0) }),
    }))
  },
  protocol({ topics }) {
    return { name: 'roundrobin', metadata: AssignerProtocol.MemberMetadata.encode({ version: 0, topics, userData: Buffer.alloc(0) }) }
  },
})
