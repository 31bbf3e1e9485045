/**
 * Service assembly: HTTP first (so /_health answers 503 while starting), then the knowledge
 * graph (retried, never fatal), then the consumer (§2). main.ts builds the real ports and calls
 * this; integration tests call it with test servers behind the same ports.
 */
import type { Kafka } from 'kafkajs'
import type { Config } from './config.ts'
import { createDeadLetterStore } from './console/dead-letters.ts'
import { createFailureLog } from './console/failures.ts'
import { createConsumer, type InvestigatorConsumer } from './consumer.ts'
import type { GitNotifier, KnowledgeGraph, PackageIndex } from './context.ts'
import { createDeadLetterWriter } from './dead-letter.ts'
import { MisconfiguredError } from './errors.ts'
import type { Handler } from './handler.ts'
import { createHttpApp } from './http.ts'
import { createKafka } from './kafka.ts'
import { checkSchemaRevision } from './knowledge-graph.ts'
import type { Logger } from './log.ts'
import { SCHEMA_REVISION, type Metrics } from './metrics.ts'
import type { WorkflowFactory } from './processor.ts'
import { createRegistry } from './registry.ts'

/** The ports and settings a running service is built from. */
export interface ServiceParts {
  config: Config
  log: Logger
  metrics: Metrics
  handlers: readonly Handler[]
  /** null when only the metrics mode is active (no database needed). */
  kg: (KnowledgeGraph & { ping(): Promise<void>; close(): Promise<void>; warm?(): Promise<void> }) | null
  workflows: WorkflowFactory | null
  git: GitNotifier
  packageIndex: PackageIndex
  kafka?: Kafka
  /** kafkajs fetch wait (small in tests for fast rebalances). */
  maxWaitTimeInMs?: number
  /** How often missing topics are looked for again (tests shorten it). */
  missingTopicRecheckMs?: number
  /** Port override (0 = any free port, for tests). */
  port?: number
  sleep?: (ms: number) => Promise<void>
}

/** A running service. */
export interface RunningService {
  readonly consumer: InvestigatorConsumer
  readonly url: string
  /** Graceful stop (§7): consumer, database pool, HTTP server. */
  stop(): Promise<void>
}

/** Stand-in ports for the metrics-only mode: any use is a configuration error (not a thenable). */
const unavailable = (what: string) =>
  new Proxy({} as never, {
    get: (_target, prop) =>
      prop === 'then'
        ? undefined
        : () => Promise.reject(new MisconfiguredError(`${what} is not available when only the metrics mode is active`)),
  })

/**
 * Metrics-only workflow factory: the consume loop builds a memory and a port for every record,
 * so those two calls must succeed; only using the port fails.
 */
const noWorkflows: WorkflowFactory = {
  newMemory: () => ({}),
  forRecord: () => unavailable('workflow scheduling'),
}

/** Starts HTTP, waits for the database, starts the consumer. */
export async function startService(p: ServiceParts): Promise<RunningService> {
  const { config, log, metrics } = p
  const sleep = p.sleep ?? ((ms: number) => Bun.sleep(ms))
  metrics.consumerInfo.set({ version: config.version }, 1)
  metrics.schemaRevision.set({ component: 'investigator', revision: SCHEMA_REVISION, env: config.deploymentName }, 1)
  const registry = createRegistry(p.handlers, config.modes)
  const startup = 'starting'
  const kafka = p.kafka ?? createKafka(config, log)
  const failures = createFailureLog()
  const consumer = createConsumer({
    config,
    log,
    metrics,
    kafka,
    registry,
    maxWaitTimeInMs: p.maxWaitTimeInMs,
    missingTopicRecheckMs: p.missingTopicRecheckMs,
    processor: {
      config,
      log,
      metrics,
      registry,
      deps: { config, log, metrics, kg: p.kg ?? unavailable('the knowledge graph'), git: p.git, packageIndex: p.packageIndex },
      workflows: p.workflows ?? noWorkflows,
      lastError: failures.hook,
    },
    createDeadLetter: (producer) =>
      config.deadLetterTopic
        ? createDeadLetterWriter({ producer, topic: config.deadLetterTopic, maxAttempts: config.maxRetries, backoffMs: config.backoffMs, log })
        : null,
  })
  let consumerStarted = false
  const deadLetters = config.deadLetterTopic
    ? createDeadLetterStore({ kafka, topic: config.deadLetterTopic, replayGroup: `${config.kafka.groupId}.dead-letter-replay` })
    : null
  const app = createHttpApp({
    metrics,
    log,
    version: config.version,
    deploymentName: config.deploymentName,
    adminToken: config.adminToken,
    consumer: () => (consumerStarted ? consumer.control : undefined),
    startupReason: () => startup,
    console: {
      metrics,
      log,
      version: config.version,
      modes: config.modes,
      groupId: config.kafka.groupId,
      deploymentName: config.deploymentName,
      topics: registry.baseNames,
      pendingLimit: config.pendingLimit,
      deadLetterTopic: config.deadLetterTopic,
      startedAt: Date.now(),
      now: Date.now,
      adminToken: config.adminToken,
      consumer: () => (consumerStarted ? consumer.control : undefined),
      startupReason: () => startup,
      failures,
      quota: p.workflows?.quota ? () => p.workflows?.quota?.() ?? [] : undefined,
      deadLetters,
    },
  })
  const server = Bun.serve({ port: p.port ?? config.httpPort, hostname: '0.0.0.0', fetch: app.fetch })
  log.info('HTTP server listening', { port: server.port })
  // The database is awaited right before the group join; topics and the control topic go meanwhile.
  const kg = p.kg
  const database = kg
    ? (async () => {
        for (let delay = 1000; ; delay = Math.min(delay * 2, 30_000)) {
          try {
            await kg.ping()
            break
          } catch (err) {
            log.error('knowledge graph unreachable; retrying', { error: err, retry_in_ms: delay })
            await sleep(delay)
          }
        }
        await checkSchemaRevision(kg, log).catch((err: unknown) => log.warn('schema revision check failed', { error: err }))
      })()
    : undefined
  consumerStarted = true
  await consumer.start(database)
  // After ready (the group is joined), off the path to it; records never wait for it.
  void database?.then(() => kg?.warm?.())
  return {
    consumer,
    url: `http://127.0.0.1:${server.port}`,
    async stop() {
      await consumer.stop()
      await deadLetters?.close()
      await p.kg?.close()
      await server.stop()
      log.info('stopped')
    },
  }
}
