/**
 * Partition assigners that librdkafka members also offer (D-38), so Python pods (confluent-kafka,
 * whose default `partition.assignment.strategy` is `range,roundrobin`) and ours can share one
 * consumer group during a rolling update. Both use the standard consumer-protocol metadata and
 * assign exactly as librdkafka's assignors (2.0), so whichever member is the leader, the group
 * gets the same assignment:
 * - `roundrobin`: members sorted, partitions sorted by (topic, partition), each handed to the next
 *   member subscribed to its topic;
 * - `range`: per topic, its subscribers sorted, partitions split into contiguous ranges, the first
 *   `partitions % members` members get one more.
 * Members are sorted as rd_kafka_group_member_cmp: by group.instance.id when both have one,
 * otherwise by member id, bytewise.
 *
 * The broker picks, among the protocols every member offers, the one most members name first.
 * We name `roundrobin` first (with one-partition topics, `range` puts every topic on the first
 * member); Python members name `range` first. So the protocol of a mixed group depends on the
 * head count, and both must be implemented here.
 */
import { AssignerProtocol, type PartitionAssigner } from 'kafkajs'

/** A group member as the assignors see it. */
export interface AssignMember {
  memberId: string
  /** Static membership (group.instance.id); null or absent for dynamic members. */
  groupInstanceId?: string | null
  topics: readonly string[]
}

/** An assignment: member id -> topic -> partitions. */
export type Assignment = Map<string, Record<string, number[]>>

const bytes = (s: string) => Buffer.from(s, 'utf8')

/** rd_kafka_group_member_cmp: instance ids when both are static, else member ids; bytewise. */
export function compareMembers(a: AssignMember, b: AssignMember): number {
  if (a.groupInstanceId != null && b.groupInstanceId != null) return Buffer.compare(bytes(a.groupInstanceId), bytes(b.groupInstanceId))
  return Buffer.compare(bytes(a.memberId), bytes(b.memberId))
}

const compareStrings = (a: string, b: string) => Buffer.compare(bytes(a), bytes(b))

function emptyAssignment(sorted: readonly AssignMember[]): Assignment {
  return new Map(sorted.map((m) => [m.memberId, {}]))
}

/** librdkafka's round-robin assignor; members only get topics they subscribe to. */
export function roundRobinAssign(members: readonly AssignMember[], partitionsOf: (topic: string) => readonly number[]): Assignment {
  const sorted = [...members].sort(compareMembers)
  const result = emptyAssignment(sorted)
  const topics = [...new Set(sorted.flatMap((m) => m.topics))].sort(compareStrings)
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

/** librdkafka's (and Java's) range assignor: per topic, contiguous ranges over its sorted subscribers. */
export function rangeAssign(members: readonly AssignMember[], partitionsOf: (topic: string) => readonly number[]): Assignment {
  const sorted = [...members].sort(compareMembers)
  const result = emptyAssignment(sorted)
  const topics = [...new Set(sorted.flatMap((m) => m.topics))].sort(compareStrings)
  for (const topic of topics) {
    const partitions = [...partitionsOf(topic)].sort((a, b) => a - b)
    const subscribers = sorted.filter((m) => m.topics.includes(topic))
    if (!partitions.length || !subscribers.length) continue
    const per = Math.floor(partitions.length / subscribers.length)
    const extra = partitions.length % subscribers.length
    subscribers.forEach((m, i) => {
      const start = per * i + Math.min(i, extra)
      const length = per + (i < extra ? 1 : 0)
      if (!length) return
      const a = result.get(m.memberId) as Record<string, number[]>
      a[topic] = partitions.slice(start, start + length)
    })
  }
  return result
}

/** A kafkajs assigner announcing a librdkafka protocol name with standard consumer metadata. */
function compatAssigner(name: string, assign: typeof roundRobinAssign): PartitionAssigner {
  return ({ cluster }) => ({
    name,
    version: 0,
    async assign({ members }) {
      const decoded: AssignMember[] = members.map((m) => ({
        memberId: m.memberId,
        // JoinGroup v5+ responses carry it; kafkajs's type does not declare it.
        groupInstanceId: (m as { groupInstanceId?: string | null }).groupInstanceId ?? null,
        topics: AssignerProtocol.MemberMetadata.decode(m.memberMetadata)?.topics ?? [],
      }))
      const all = [...new Set(decoded.flatMap((m) => m.topics))]
      await cluster.addMultipleTargetTopics(all)
      // A subscribed topic missing from the metadata has no partitions: nothing to assign, as librdkafka.
      const partitionsOf = (topic: string) => cluster.findTopicPartitionMetadata(topic).map((p) => p.partitionId)
      return [...assign(decoded, partitionsOf)].map(([memberId, a]) => ({
        memberId,
        memberAssignment: AssignerProtocol.MemberAssignment.encode({ version: 0, assignment: a, userData: Buffer.alloc(0) }),
      }))
    },
    protocol({ topics }) {
      return { name, metadata: AssignerProtocol.MemberMetadata.encode({ version: 0, topics, userData: Buffer.alloc(0) }) }
    },
  })
}

/** The kafkajs assigner announcing the protocol name `roundrobin` (librdkafka's round-robin). */
export const RoundRobinCompatAssigner: PartitionAssigner = compatAssigner('roundrobin', roundRobinAssign)

/** The kafkajs assigner announcing the protocol name `range` (librdkafka's range, its default). */
export const RangeCompatAssigner: PartitionAssigner = compatAssigner('range', rangeAssign)

/**
 * Runs `hook` before every JoinGroup of the consumer that uses `assigner`: kafkajs has no
 * onPartitionsRevoked, and with the eager protocol that librdkafka's range and roundrobin use,
 * every member gives up all its partitions when it rejoins. kafkajs 2.2.4's consumer group
 * (consumerGroup.js, [PRIVATE.JOIN]) asks the cluster handed to assigner factories for the group
 * coordinator first thing before each JoinGroup; the hook is put there, so the broker holds the
 * rebalance (up to the rebalance timeout) until the hook is done. The only other caller in a
 * consumer is `consumer.describeGroup()`, which the service never calls. kafkajs is pinned
 * (2.2.4, unmaintained); the mixed-group and engine tests fail if this stops running.
 */
export function beforeEveryJoin(assigner: PartitionAssigner, hook: () => Promise<void>): PartitionAssigner {
  return (ctx) => {
    const cluster = ctx.cluster as unknown as { findGroupCoordinator: (args: unknown) => Promise<unknown> }
    const find = cluster.findGroupCoordinator.bind(cluster)
    cluster.findGroupCoordinator = async (args) => {
      await hook()
      return find(args)
    }
    return assigner(ctx)
  }
}
