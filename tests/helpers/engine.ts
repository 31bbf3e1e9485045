/**
 * Runs the real service (lib/service.ts) in-process against the real test broker, with test
 * handlers whose behaviour a test scripts, and in-memory twins of the remote ports.
 */
import { Kafka, logLevel, type Admin, type Producer } from 'kafkajs'
import { z } from 'zod'
import type { Config, Env } from '../../lib/config.ts'
import type { HandlerContext } from '../../lib/context.ts'
import { defineHandler, type Handler, type Mode } from '../../lib/handler.ts'
import { memoryLogger } from '../../lib/log.ts'
import { createMetrics, type Metrics } from '../../lib/metrics.ts'
import type { WorkflowFactory } from '../../lib/processor.ts'
import { startService, type RunningService } from '../../lib/service.ts'
import { fakeGit, fakePackageIndex, fakeWorkflows } from '../fakes/context.ts'
import { testConfig } from '../fakes/config.ts'
import { brokers, uniqueName } from './stack.ts'

/** What a scripted handler saw. */
export interface Seen {
  handler: string
  topic: string
  partition: number
  offset: string
  id: unknown
  attempt: number
}

/** Per-call behaviour of a scripted handler: resolve, throw, or wait. */
export type Script = (msg: { id?: unknown; [k: string]: unknown }, ctx: HandlerContext, attempt: number) => Promise<void> | void

/** A handler for (mode, stem) that records every call and runs `script`. */
export function scriptedHandler(stem: string, mode: Mode, seen: Seen[], script: () => Script | undefined, versions = ['v1']): Handler {
  const attempts = new Map<string, number>()
  return defineHandler({
    name: stem,
    mode,
    versions,
    schema: z.looseObject({ id: z.unknown().optional() }),
    async handle(msg, ctx) {
      const k = `${ctx.record.topic}#${ctx.record.partition}#${ctx.record.offset}#${mode}`
      const attempt = (attempts.get(k) ?? 0) + 1
      attempts.set(k, attempt)
      seen.push({ handler: `${mode}:${stem}`, topic: ctx.record.topic, partition: ctx.record.partition, offset: ctx.record.offset, id: msg.id, attempt })
      await script()?.(msg, ctx, attempt)
    },
  })
}

/** Options of {@link startTestService}. */
export interface TestServiceOptions {
  env?: Env
  handlers: readonly Handler[]
  workflows?: WorkflowFactory
  metrics?: Metrics
  missingTopicRecheckMs?: number
}

/** A service on the real broker with its captured logs and metrics. */
export interface TestService {
  service: RunningService
  metrics: Metrics
  log: ReturnType<typeof memoryLogger>
  prefix: string
  config: Config
  /** Full topic name of a base name. */
  topic(baseName: string): string
  metric(name: string, labels?: Record<string, string>): Promise<number | undefined>
}

/** The env of a test deployment: unique prefix and group, earliest offsets, fast backoff. */
export function engineEnv(overrides: Env = {}): Env {
  return {
    THOTH_DEPLOYMENT_NAME: uniqueName('it'),
    KAFKA_CONSUMER_GROUP_ID: uniqueName('group'),
    KAFKA_BOOTSTRAP_SERVERS: brokers.join(','),
    KAFKA_CONSUMER_AUTO_OFFSET_RESET: 'earliest',
    THOTH_INVESTIGATOR_BACKOFF: '0.05',
    THOTH_INVESTIGATOR_PORT: '0',
    ...overrides,
  }
}

/** A workflow factory over the in-memory twin (no Kubernetes needed). */
export function memoryWorkflows(): WorkflowFactory {
  return { newMemory: () => ({}), forRecord: () => fakeWorkflows() }
}

/** Starts the service; resolves once it reports ready. */
export async function startTestService(o: TestServiceOptions): Promise<TestService> {
  const config = testConfig(o.env ?? engineEnv())
  const log = memoryLogger('info')
  const metrics = o.metrics ?? createMetrics()
  const service = await startService({
    config,
    log,
    metrics,
    handlers: o.handlers,
    kg: null,
    workflows: o.workflows ?? memoryWorkflows(),
    git: fakeGit(),
    packageIndex: fakePackageIndex(),
    maxWaitTimeInMs: 100,
    missingTopicRecheckMs: o.missingTopicRecheckMs,
    port: 0,
  })
  await waitFor(() => service.consumer.control.health().ready, 30_000, 'service ready')
  return {
    service,
    metrics,
    log,
    prefix: config.deploymentName,
    config,
    topic: (b) => `${config.deploymentName}.${b}`,
    async metric(name, labels = {}) {
      const m = await metrics.registry.getSingleMetric(name)?.get()
      return m?.values.find((v) => Object.entries(labels).every(([k, val]) => String(v.labels[k]) === val))?.value
    },
  }
}

/** Polls until `cond()` is true. */
export async function waitFor(cond: () => boolean | Promise<boolean>, timeoutMs = 20_000, what = 'condition'): Promise<void> {
  const end = Date.now() + timeoutMs
  while (Date.now() < end) {
    if (await cond()) return
    await Bun.sleep(25)
  }
  throw new Error(`timed out waiting for ${what}`)
}

/** Test-side Kafka clients. */
export function testKafka() {
  return new Kafka({ clientId: 'it', brokers, logLevel: logLevel.NOTHING })
}

/** Creates topics (with partitions) before the service does, so they get N partitions. */
export async function createTopics(admin: Admin, topics: string[], numPartitions = 1, configEntries: { name: string; value: string }[] = []): Promise<void> {
  await admin.createTopics({ topics: topics.map((topic) => ({ topic, numPartitions, configEntries })), waitForLeaders: true })
}

/** Sends values (strings/Buffers/null) to a topic partition, in order. */
export async function send(producer: Producer, topic: string, values: (string | Buffer | null | object)[], partition = 0): Promise<void> {
  await producer.send({
    topic,
    messages: values.map((v) => ({ partition, value: v === null || typeof v === 'string' || Buffer.isBuffer(v) ? v : JSON.stringify(v) })),
  })
}

/** Committed offset of a group's partition (-1 when none). */
export async function committed(admin: Admin, groupId: string, topic: string, partition = 0): Promise<number> {
  const res = await admin.fetchOffsets({ groupId, topics: [topic] })
  return Number(res[0]?.partitions.find((p) => p.partition === partition)?.offset ?? -1)
}
