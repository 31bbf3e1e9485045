/**
 * `investigator check`: validates the configuration and reaches every system the active modes
 * use (Kafka, PostgreSQL, the Kubernetes API, the git services when notifications are on), then
 * prints one table row per check. Exit 1 when any check fails.
 */
import type { Config, Env } from '../config.ts'
import { loadConfig } from '../config.ts'
import { ConfigError } from '../errors.ts'
import { topicSpecs } from '../kafka.ts'
import { EXPECTED_SCHEMA_REVISION, createKnowledgeGraph } from '../knowledge-graph.ts'
import type { Logger } from '../log.ts'
import { createMetrics } from '../metrics.ts'
import { MESSAGE_TYPES, topicName } from '../topics.ts'
import { createWorkflowService, workflowOptionsFromConfig } from '../workflows.ts'
import { EXIT, commandKafka, commandLogger, errorText, intOption, parseCommand, table, withTimeout, type Io } from './common.ts'

/** Help text of `check`. */
export const CHECK_HELP = `Usage: investigator check [--timeout SECONDS] [--verbose]

Validates the configuration (the same environment as serve) and reaches, each within the
timeout (default 10 s): Kafka (brokers, and which of the service's topics exist), PostgreSQL
(login and schema revision) and the Kubernetes API (the resources workflows use) when the
backend or middletier mode is active, and GitHub/GitLab when git notifications are on.
Prints a table: OK, WARN (works, but look), FAIL, SKIP (not used by this configuration).

Exit status: 0 when nothing failed, 1 when a check failed, 2 on bad arguments.`

/** One row of the table. */
export interface CheckResult {
  readonly name: string
  readonly status: 'OK' | 'WARN' | 'FAIL' | 'SKIP'
  readonly detail: string
}

type Probe = (timeoutMs: number) => Promise<Omit<CheckResult, 'name'>>

const ok = (detail: string) => ({ status: 'OK' as const, detail })
const warn = (detail: string) => ({ status: 'WARN' as const, detail })
const skip = (detail: string) => ({ status: 'SKIP' as const, detail })

function kafkaProbe(config: Config, log: Logger): Probe {
  return async (timeoutMs) => {
    const admin = commandKafka(config, log, { connectionTimeout: Math.min(timeoutMs, 5_000) }).admin()
    try {
      await withTimeout(admin.connect(), timeoutMs, 'connecting')
      const cluster = await withTimeout(admin.describeCluster(), timeoutMs, 'describing the cluster')
      const existing = new Set(await withTimeout(admin.listTopics(), timeoutMs, 'listing topics'))
      const subscribed = MESSAGE_TYPES.map((t) => topicName(config.deploymentName, t.baseName))
      const wanted = topicSpecs(config, subscribed).map((s) => s.topic)
      const missing = wanted.filter((t) => !existing.has(t))
      const where = `${config.kafka.brokers.join(',')}: ${cluster.brokers.length} broker(s), cluster ${cluster.clusterId}`
      if (missing.length === 0) return ok(`${where}; all ${wanted.length} topics exist`)
      return warn(`${where}; ${missing.length} of ${wanted.length} topics missing (serve creates them): ${missing.slice(0, 3).join(', ')}${missing.length > 3 ? ', ...' : ''}`)
    } finally {
      await admin.disconnect().catch(() => {})
    }
  }
}

function postgresProbe(config: Config, log: Logger): Probe {
  return async (timeoutMs) => {
    const kg = createKnowledgeGraph({ ...config.knowledgeGraph, maxConnections: 1, connectTimeoutSeconds: Math.ceil(timeoutMs / 1000) }, log)
    const { host, port, database, user } = config.knowledgeGraph
    try {
      await withTimeout(kg.ping(), timeoutMs, 'connecting')
      const revision = await withTimeout(kg.schemaRevision(), timeoutMs, 'reading alembic_version')
      const where = `${user}@${host}:${port}/${database}`
      if (revision === EXPECTED_SCHEMA_REVISION) return ok(`${where}, schema revision ${revision}`)
      return warn(`${where}, schema revision ${revision ?? 'missing'} (expected ${EXPECTED_SCHEMA_REVISION})`)
    } finally {
      await kg.close().catch(() => {})
    }
  }
}

function kubernetesProbe(config: Config, log: Logger): Probe {
  return async (timeoutMs) => {
    const svc = createWorkflowService(workflowOptionsFromConfig(config, { requestTimeoutMs: timeoutMs }), { log, metrics: createMetrics() })
    const { server, source } = await svc.check(AbortSignal.timeout(timeoutMs))
    const ns = config.namespaces
    return ok(`${server} (${source}): templates in ${ns.infra}, workflows in ${ns.backend} and ${ns.middletier}`)
  }
}

/** One authenticated GET per git service: GitHub `/rate_limit`, GitLab `/api/v4/version`. */
function gitProbe(url: string, headers: Record<string, string>): Probe {
  return async (timeoutMs) => {
    const res = await fetch(url, { headers, signal: AbortSignal.timeout(timeoutMs) })
    await res.body?.cancel()
    if (res.ok) return ok(`${new URL(url).origin}: token accepted`)
    throw new Error(`${new URL(url).origin}: HTTP ${res.status}${res.status === 401 ? ' (token rejected)' : ''}`)
  }
}

async function run(name: string, probe: Probe, timeoutMs: number): Promise<CheckResult> {
  try {
    return { name, ...(await withTimeout(probe(timeoutMs), timeoutMs + 1_000, name)) }
  } catch (err) {
    return { name, status: 'FAIL', detail: errorText(err) }
  }
}

/** Runs every check of this configuration concurrently. */
export async function runChecks(env: Env, o: { timeoutMs: number; log: Logger }): Promise<CheckResult[]> {
  let config: Config
  try {
    config = loadConfig(env)
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err
    const rest = ['kafka', 'postgres', 'kubernetes'].map((name) => ({ name, status: 'SKIP' as const, detail: 'configuration invalid' }))
    return [{ name: 'configuration', status: 'FAIL', detail: err.problems.join('\n') }, ...rest]
  }
  const { log } = o
  // Git-service settings are validated by loadConfig (one message for every bad variable, D-16).
  const notes = config.warnings
  const summary = `deployment ${config.deploymentName}, modes ${config.modes.join(', ')}`
  const results: Promise<CheckResult>[] = [
    Promise.resolve({
      name: 'configuration',
      ...(notes.length ? warn([summary, ...notes].join('\n')) : ok(summary)),
    }),
    run('kafka', kafkaProbe(config, log), o.timeoutMs),
  ]
  const scheduling = config.modes.some((m) => m !== 'metrics')
  for (const [name, probe] of [['postgres', postgresProbe], ['kubernetes', kubernetesProbe]] as const) {
    results.push(scheduling ? run(name, probe(config, log), o.timeoutMs) : Promise.resolve({ name, ...skip('not used in metrics mode') }))
  }
  if (config.git.enabled && config.git.githubToken) {
    const url = `${config.git.githubApiUrl.replace(/\/+$/, '')}/rate_limit`
    results.push(run('github', gitProbe(url, { authorization: `Bearer ${config.git.githubToken}`, accept: 'application/vnd.github+json' }), o.timeoutMs))
  }
  if (config.git.enabled && config.git.gitlabToken) {
    const url = `${config.git.gitlabUrl.replace(/\/+$/, '')}/api/v4/version`
    results.push(run('gitlab', gitProbe(url, { 'private-token': config.git.gitlabToken }), o.timeoutMs))
  }
  return Promise.all(results)
}

/** The `check` command. */
export async function check(args: string[], env: Env, io: Io): Promise<number> {
  const { values } = parseCommand(args, { timeout: { type: 'string' }, verbose: { type: 'boolean' } }, 0)
  const timeoutMs = intOption(values.timeout, 'timeout', 10) * 1000
  const results = await runChecks(env, { timeoutMs, log: commandLogger(env, io, values.verbose ?? false) })
  io.out(table(['CHECK', 'STATUS', 'DETAIL'], results.map((r) => [r.name, r.status, r.detail])))
  const failed = results.filter((r) => r.status === 'FAIL')
  io.out(failed.length ? `\n${failed.length} of ${results.length} checks failed: ${failed.map((r) => r.name).join(', ')}\n` : `\nall ${results.length} checks passed\n`)
  return failed.length ? EXIT.failed : EXIT.ok
}
