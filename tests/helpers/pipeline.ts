/**
 * The whole service in one process, for integration tests, the benchmark and the
 * thoth-messaging interop test: real broker -> consume loop (lib/service.ts) -> the real
 * handlers (handlers/index.ts) -> a scratch PostgreSQL knowledge graph and the real workflow
 * port, which reaches the Kubernetes API test server (HTTPS, own CA) through a kubeconfig
 * named by KUBECONFIG, as in production. Every pipeline has its own deployment prefix (so its
 * own 19 topics), consumer group, database and API server.
 *
 *   const p = await startPipeline({ env: { THOTH_INVESTIGATOR_SCHEDULE_SOLVER: '0' } })
 *   await p.sql`INSERT INTO python_package_index ...`        // seed the knowledge graph
 *   const r = await p.produce('thoth.solver.solved-package', payload)
 *   await p.waitCommitted(r)                                 // handled (or acknowledged)
 *   p.workflowsOf(r)                                         // Workflows created for that record
 *   await p.metric('thoth_investigator_processed_total', { message_type: 'solved_package' })
 *   await p.stop(); await p.start()                          // restart: same prefix, group, servers
 *   await p.close()                                          // service, servers, database
 *
 * Metrics and the memory log are kept across restarts, so counters add up over them.
 */
import { createHash } from 'node:crypto'
import type { Admin, Producer } from 'kafkajs'
import postgres from 'postgres'
import { handlers } from '../../handlers/index.ts'
import type { Config, Env } from '../../lib/config.ts'
import type { PackageIndex } from '../../lib/context.ts'
import { createGitNotifier } from '../../lib/git-services.ts'
import { createKnowledgeGraph } from '../../lib/knowledge-graph.ts'
import { memoryLogger, type Logger } from '../../lib/log.ts'
import { createMetrics, type Metrics } from '../../lib/metrics.ts'
import { createPackageIndex } from '../../lib/package-index.ts'
import type { WorkflowFactory } from '../../lib/processor.ts'
import { startService, type RunningService } from '../../lib/service.ts'
import { RECORD_LABEL } from '../../lib/workflow-render.ts'
import { createWorkflowService, workflowFactory, workflowOptionsFromConfig } from '../../lib/workflows.ts'
import { testConfig } from '../fakes/config.ts'
import { startKubeApiServer, type KubeApiServer, type KubeApiServerOptions } from '../servers/kube-api.ts'
import { writeKubeconfig } from '../servers/kubeconfig.ts'
import { committed, engineEnv, testKafka, waitFor } from './engine.ts'
import { cloneDatabase, kgSchemaFromEnv } from './kg.ts'
import { createScratchDatabase, type ScratchDatabase } from './stack.ts'

/** The solvers ConfigMap text a pipeline starts with (a blank line included, D-12). */
export const PIPELINE_SOLVERS = ['solver-rhel-8-py38', 'solver-fedora-34-py39', 'solver-fedora-35-py310'] as const

/** Bearer token the API test server accepts and the kubeconfig carries. */
const TOKEN = 'pipeline-sa-token'

/** Options of {@link startPipeline}; all optional. */
export interface PipelineOptions {
  /**
   * Variables over engineEnv() and tests/fakes/config.ts (namespaces thoth-backend,
   * thoth-middletier, thoth-infra): switches, THOTH_CONSUMER_MODE, ARGO_*, workers... Setting
   * THOTH_DEPLOYMENT_NAME lets a caller create the topics beforehand (e.g. more partitions).
   */
  readonly env?: Env
  /** Kubernetes API test server options (default: HTTPS, token check, {@link PIPELINE_SOLVERS}). */
  readonly kube?: KubeApiServerOptions
  /** Package-index port; default the real one (lib/package-index.ts): point index URLs at a local server. */
  readonly packageIndex?: PackageIndex
  /** Pending-limit sleep in seconds instead of ARGO_PENDING_SLEEP_TIME (fractions allowed); default 0.05. */
  readonly pendingSleepSeconds?: number
  /** Log level of the memory log (default info). */
  readonly logLevel?: 'debug' | 'info'
}

/** A record the pipeline produced. */
export interface Produced {
  readonly topic: string
  readonly partition: number
  readonly offset: string
  /** Record timestamp, ms since the epoch (decimal). */
  readonly timestamp: string
  readonly value: Buffer
  /** The record label value: first 32 hex digits of SHA-256 of the value bytes. */
  readonly hash: string
}

/** A running pipeline. */
export interface Pipeline {
  readonly kube: KubeApiServer
  /** Seeding / checking connection to the scratch knowledge graph. */
  readonly sql: postgres.Sql
  /** The deployment prefix (THOTH_DEPLOYMENT_NAME). */
  readonly prefix: string
  /** Configuration of the current (or last) service start. */
  readonly config: Config
  /** The current service (throws when stopped). */
  readonly service: RunningService
  readonly metrics: Metrics
  readonly log: Logger & { lines: Record<string, unknown>[] }
  /** Full topic name of a base name. */
  topic(baseName: string): string
  /** Sends one record (object = JSON text) to partition 0 (or `partition`), with an optional timestamp. */
  produce(baseName: string, value: object | string | Buffer, opts?: { timestamp?: number; partition?: number }): Promise<Produced>
  /** Waits until the group committed past the record (it was handled or acknowledged). */
  waitCommitted(r: { topic: string; partition: number; offset: string }, timeoutMs?: number): Promise<void>
  /** Workflows stored in a namespace. */
  workflows(namespace: string): Record<string, any>[]
  /** Workflows (both namespaces) carrying the record label of `r`. */
  workflowsOf(r: Produced): Record<string, any>[]
  /** A metric value (first series matching `labels`), undefined when absent. */
  metric(name: string, labels?: Record<string, string>): Promise<number | undefined>
  /** Stops the service (graceful); servers and database stay. */
  stop(): Promise<void>
  /** Starts the service again (same prefix and group unless `env` overrides them). */
  start(env?: Env): Promise<void>
  /** Stops everything and drops the database. */
  close(): Promise<void>
}

/** The real workflow port from the configuration, as main.ts builds it. */
function realWorkflows(config: Config, log: Logger, metrics: Metrics, pendingSleepSeconds: number): WorkflowFactory {
  return workflowFactory(createWorkflowService(workflowOptionsFromConfig(config, { pendingSleepSeconds }), { log, metrics }))
}

async function scratchDatabase(): Promise<ScratchDatabase> {
  const schema = kgSchemaFromEnv(process.env)
  return schema.kind === 'minimal' ? createScratchDatabase() : cloneDatabase(schema.database)
}

/** Starts API server, database and service; resolves once the service is ready. */
export async function startPipeline(o: PipelineOptions = {}): Promise<Pipeline> {
  const kube = await startKubeApiServer({ tokens: [TOKEN], solvers: `${PIPELINE_SOLVERS.join('\n')}\n\n`, ...o.kube })
  const kubeconfig = await writeKubeconfig({ server: kube.url, ca: kube.pki?.caCert, token: TOKEN })
  const db = await scratchDatabase()
  const sql = postgres(db.url, { max: 1, onnotice: () => {} })
  const kafka = testKafka()
  const admin: Admin = kafka.admin()
  const producer: Producer = kafka.producer({ allowAutoTopicCreation: false })
  await Promise.all([admin.connect(), producer.connect()])
  const metrics = createMetrics()
  const log = memoryLogger(o.logLevel ?? 'info')
  let env: Env = { ...engineEnv(), KUBECONFIG: kubeconfig, ...o.env }
  let config = testConfig(env)
  let service: RunningService | undefined

  const start = async (more: Env = {}) => {
    if (service) throw new Error('the pipeline service is already running')
    env = { ...env, ...more }
    config = testConfig(env)
    const scheduling = config.modes.some((m) => m !== 'metrics')
    const url = new URL(db.url)
    const kg = scheduling
      ? createKnowledgeGraph(
          {
            host: url.hostname,
            port: Number(url.port),
            user: decodeURIComponent(url.username),
            password: decodeURIComponent(url.password),
            database: db.name,
            sslDisabled: true,
            debugQueries: false,
            maxConnections: config.workers + 1,
          },
          log,
        )
      : null
    service = await startService({
      config,
      log,
      metrics,
      handlers,
      kg,
      workflows: scheduling ? realWorkflows(config, log, metrics, o.pendingSleepSeconds ?? 0.05) : null,
      git: createGitNotifier(
        { ...config.git, kebechetEnabled: config.schedule.kebechetAdmin },
        { kg: kg ?? { adviserRunOrigins: async () => [] }, metrics, log },
      ),
      packageIndex: o.packageIndex ?? createPackageIndex({ warehouses: [...config.warehouses] }, log),
      maxWaitTimeInMs: 100,
      port: 0,
    })
    const running = service
    await waitFor(() => running.consumer.control.health().ready, 30_000, 'pipeline service ready')
  }

  const stop = async () => {
    const s = service
    service = undefined
    await s?.stop()
  }

  await start()

  const p: Pipeline = {
    kube,
    sql,
    get prefix() {
      return config.deploymentName
    },
    get config() {
      return config
    },
    get service() {
      if (!service) throw new Error('the pipeline service is stopped')
      return service
    },
    metrics,
    log,
    topic: (baseName) => `${config.deploymentName}.${baseName}`,
    async produce(baseName, value, opts = {}) {
      const bytes = Buffer.isBuffer(value) ? value : Buffer.from(typeof value === 'string' ? value : JSON.stringify(value))
      const topic = p.topic(baseName)
      const timestamp = String(opts.timestamp ?? Date.now())
      const partition = opts.partition ?? 0
      const [meta] = await producer.send({ topic, messages: [{ partition, value: bytes, timestamp }] })
      if (!meta?.baseOffset) throw new Error(`no offset for the record sent to ${topic}`)
      const hash = createHash('sha256').update(bytes).digest('hex').slice(0, 32)
      return { topic, partition: meta.partition, offset: meta.baseOffset, timestamp, value: bytes, hash }
    },
    async waitCommitted(r, timeoutMs = 30_000) {
      const next = Number(r.offset) + 1
      const what = `${r.topic}#${r.partition} committed past ${r.offset}`
      await waitFor(async () => (await committed(admin, config.kafka.groupId, r.topic, r.partition)) >= next, timeoutMs, what)
    },
    workflows: (namespace) => kube.workflows(namespace),
    workflowsOf: (r) =>
      [config.namespaces.backend, config.namespaces.middletier]
        .flatMap((ns) => kube.workflows(ns))
        .filter((w) => w.metadata?.labels?.[RECORD_LABEL] === r.hash),
    async metric(name, labels = {}) {
      const m = await metrics.registry.getSingleMetric(name)?.get()
      return m?.values.find((v) => Object.entries(labels).every(([k, val]) => String(v.labels[k]) === val))?.value
    },
    stop,
    start,
    async close() {
      await stop().catch(() => {})
      await Promise.all([admin.disconnect(), producer.disconnect()]).catch(() => {})
      await sql.end()
      await db.drop()
      await kube.stop()
    },
  }
  return p
}
