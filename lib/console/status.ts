/**
 * The console's status snapshot (GET /api/status, the overview page): service, health, every
 * enabled topic with its partitions, counters and durations (the /metrics series), halts and
 * the workflow quota. Read-only; built on demand.
 */
import type { ConsumerControl, PartitionStatus } from '../consumer.ts'
import type { Metrics } from '../metrics.ts'
import type { PendingCount } from '../processor.ts'
import { derivedLabel, messageTypeByBaseName, topicName } from '../topics.ts'
import type { FailureLog, HaltCause, LastError } from './failures.ts'
import { histogramQuantile, type Bucket } from './quantile.ts'

/** What the snapshot is built from. */
export interface StatusSource {
  version: string
  modes: readonly string[]
  groupId: string
  deploymentName: string
  /** Base names of the enabled topics. */
  topics: readonly string[]
  pendingLimit?: number
  deadLetterTopic: string | null
  startedAt: number
  now: () => number
  metrics: Metrics
  consumer: () => ConsumerControl | undefined
  startupReason?: () => string | undefined
  failures: FailureLog
  quota?: () => PendingCount[]
}

/** Why and since when a topic is halted. */
export interface HaltStatus {
  reason: string
  since: string | null
  by: string | null
  autoResumeSeconds: number | null
  /** The record the failure halt stopped at, when this replica saw it. */
  record: HaltCause | null
}

/** One enabled topic. */
export interface TopicStatus {
  baseName: string
  topic: string
  state: 'flowing' | 'halted'
  halt: HaltStatus | null
  partitions: Omit<PartitionStatus, 'topic' | 'baseName'>[]
  lag: number
  counters: { handled: number; failedAttempts: number; acknowledged: number; deadLettered: number }
  durationSeconds: { p50: number | null; p99: number | null; count: number }
  lastError: LastError | null
}

/** Workflow quota of one namespace. */
export interface NamespaceQuota {
  namespace: string
  pending: number | null
  countedAt: string | null
  /** Submissions waiting for the limit now. */
  waiting: number
}

/** The whole snapshot. */
export interface Status {
  generatedAt: string
  version: string
  modes: readonly string[]
  group: string
  deployment: string
  startedAt: string
  uptimeSeconds: number
  health: { status: 'ready' | 'not ready'; reason: string | null }
  topics: TopicStatus[]
  quota: { limit: number | null; namespaces: NamespaceQuota[]; pausedPartitions: { topic: string; partition: number }[] }
  deadLetterTopic: string | null
}

type Values = { value: number; labels: Record<string, string | number>; metricName?: string }[]
const sumWhere = (values: Values, label: string, value: string) => values.filter((v) => v.labels[label] === value).reduce((n, v) => n + v.value, 0)

/** Builds the snapshot. */
export async function buildStatus(s: StatusSource): Promise<Status> {
  const now = s.now()
  const consumer = s.consumer()
  const health = consumer?.health() ?? { ready: false, reason: s.startupReason?.() ?? 'starting' }
  const halted = new Set(consumer?.halted() ?? [])
  const parts = consumer?.partitions() ?? []
  const m = s.metrics
  const [processed, exceptions, failures, deadLetters, duration, waiting] = await Promise.all(
    [m.processed, m.exceptions, m.failures, m.deadLetters, m.handlerDuration, m.pendingLimitWaiting].map(async (x) => (await x.get()).values as Values),
  )
  const topics = s.topics.map((baseName): TopicStatus => {
    const label = messageTypeByBaseName(baseName)?.handlerLabel ?? ''
    const mine = parts.filter((p) => p.baseName === baseName).sort((a, b) => a.partition - b.partition)
    const buckets: Bucket[] = (duration ?? [])
      .filter((v) => v.metricName?.endsWith('_bucket') && v.labels.message_type === label)
      .map((v) => ({ le: v.labels.le === '+Inf' ? Infinity : Number(v.labels.le), count: v.value }))
    return {
      baseName,
      topic: topicName(s.deploymentName, baseName),
      state: halted.has(baseName) ? 'halted' : 'flowing',
      halt: halted.has(baseName) ? haltStatus(s, consumer, baseName, mine) : null,
      partitions: mine.map(({ topic: _t, baseName: _b, ...p }) => p),
      lag: mine.reduce((n, p) => n + p.lag, 0),
      counters: {
        handled: sumWhere(processed ?? [], 'message_type', label),
        failedAttempts: sumWhere(exceptions ?? [], 'message_type', label),
        acknowledged: sumWhere(failures ?? [], 'message_type', derivedLabel(baseName)),
        deadLettered: sumWhere(deadLetters ?? [], 'base_topic_name', baseName),
      },
      durationSeconds: { p50: histogramQuantile(0.5, buckets), p99: histogramQuantile(0.99, buckets), count: buckets.find((b) => b.le === Infinity)?.count ?? 0 },
      lastError: s.failures.lastError(baseName) ?? null,
    }
  })
  return {
    generatedAt: new Date(now).toISOString(),
    version: s.version,
    modes: s.modes,
    group: s.groupId,
    deployment: s.deploymentName,
    startedAt: new Date(s.startedAt).toISOString(),
    uptimeSeconds: Math.max(0, Math.round((now - s.startedAt) / 1000)),
    health: { status: health.ready ? 'ready' : 'not ready', reason: health.ready ? null : (health.reason ?? null) },
    topics: topics.sort((a, b) => Number(b.state === 'halted') - Number(a.state === 'halted') || a.baseName.localeCompare(b.baseName)),
    quota: quotaStatus(s, waiting ?? [], parts),
    deadLetterTopic: s.deadLetterTopic,
  }
}

function haltStatus(s: StatusSource, consumer: ConsumerControl | undefined, baseName: string, mine: PartitionStatus[]): HaltStatus {
  const rec = consumer?.haltRecord?.(baseName)
  const cause = s.failures.haltCause(baseName)
  // The cause is current only while its partition is still halted at that very record.
  const current = cause && rec?.reason !== 'operator' && mine.some((p) => p.partition === cause.partition && p.halted && p.resumeFrom === cause.offset)
  return {
    reason: rec?.halted ? rec.reason : (current ? cause.reason : 'unknown'),
    since: rec?.halted ? rec.since : null,
    by: rec?.halted ? rec.by : null,
    autoResumeSeconds: rec?.halted ? (rec.auto_resume_seconds ?? null) : null,
    record: current ? cause : null,
  }
}

function quotaStatus(s: StatusSource, waiting: Values, parts: PartitionStatus[]): Status['quota'] {
  const counts = new Map((s.quota?.() ?? []).map((c) => [c.namespace, c]))
  const names = new Set([...counts.keys(), ...waiting.map((v) => String(v.labels.namespace))])
  return {
    limit: s.pendingLimit ?? null,
    namespaces: [...names].sort().map((namespace) => ({
      namespace,
      pending: counts.get(namespace)?.pending ?? null,
      countedAt: counts.get(namespace)?.countedAt ?? null,
      waiting: sumWhere(waiting, 'namespace', namespace),
    })),
    pausedPartitions: parts.filter((p) => p.waiting).map((p) => ({ topic: p.topic, partition: p.partition })),
  }
}
