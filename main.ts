/**
 * Composition root and CLI: the only place that reads process.env or builds real clients.
 * Commands: serve (default), config, check, produce, dead-letters, halt, resume, status (the
 * operator commands live in lib/cli/). See `investigator --help`.
 */
import { parseArgs } from 'node:util'
import { handlers } from './handlers/index.ts'
import { CHECK_HELP, check } from './lib/cli/check.ts'
import { EXIT, processIo, UsageError, type Io } from './lib/cli/common.ts'
import { CONTROL_HELP, haltOrResume, status } from './lib/cli/control.ts'
import { DEAD_LETTERS_HELP, deadLetters } from './lib/cli/dead-letters.ts'
import { PRODUCE_HELP, produce } from './lib/cli/produce.ts'
import { configSecrets, describeConfig, loadConfig, SERVICE_VERSION, type Config, type Env } from './lib/config.ts'
import { ConfigError } from './lib/errors.ts'
import { createGitNotifier } from './lib/git-services.ts'
import { createKnowledgeGraph } from './lib/knowledge-graph.ts'
import { createLogger, type Logger } from './lib/log.ts'
import { createMetrics, type Metrics } from './lib/metrics.ts'
import { createPackageIndex } from './lib/package-index.ts'
import type { WorkflowFactory } from './lib/processor.ts'
import { createRedactor } from './lib/redact.ts'
import { startService } from './lib/service.ts'
import { createWorkflowService, workflowFactory, workflowOptionsFromConfig } from './lib/workflows.ts'

const HELP: Record<string, string> = {
  main: `thoth-investigator ${SERVICE_VERSION}: consumes Thoth's Kafka messages, schedules Argo workflows, updates the knowledge graph.

Usage: investigator [command] [--help]

Commands:
  serve         run the service (default)
  config        print the effective configuration, secrets masked (also: --print-config)
  check         validate the configuration and reach Kafka, PostgreSQL, Kubernetes, git services
  produce       validate a message with its handlers' schemas and publish it
  dead-letters  list the dead letters, or replay them to their original topics
  halt          halt a topic of a running deployment (over HTTP)
  resume        resume a halted topic of a running deployment (over HTTP)
  status        readiness, halted topics and lag of a running deployment (over HTTP)

Options:
  --version  print the version
  --help     this text; "investigator <command> --help" for a command

Configuration comes from the environment (THOTH_*, KAFKA_*, KNOWLEDGE_GRAPH_*, ARGO_*, KUBERNETES_*);
see README.md for the full table. Exit status: 0 done, 1 failed, 2 bad arguments or input.`,
  serve: `Usage: investigator serve

Runs the consumer and the HTTP server (port THOTH_INVESTIGATOR_PORT, default 6066:
/_health, /metrics, /halt/{base topic}, /resume/{base topic}). SIGTERM/SIGINT stop gracefully.`,
  config: `Usage: investigator config

Validates the environment and prints the effective configuration as JSON with every secret
masked. Exits 1 with one message naming every bad variable.`,
  check: CHECK_HELP,
  produce: PRODUCE_HELP,
  'dead-letters': DEAD_LETTERS_HELP,
  ...CONTROL_HELP,
}

/** Versions of the service and the libraries that matter. */
export function versionText(): string {
  return [
    `thoth-investigator ${SERVICE_VERSION}`,
    `bun ${Bun.version}`,
    'kafkajs 2.2.4, postgres 3.4.9, @kubernetes/client-node 2.0.1, hono 4.13.19, prom-client 15.1.3, zod 4.6.7',
  ].join('\n')
}

function fail(message: string): never {
  process.stderr.write(`${message}\n`)
  process.exit(1)
}

function readConfig(env: Env): Config {
  try {
    return loadConfig(env)
  } catch (err) {
    if (err instanceof ConfigError) fail(err.message)
    throw err
  }
}


async function serve(env: Env): Promise<void> {
  const config = readConfig(env)
  const log = createLogger({ level: config.logLevel, json: config.logJson, redact: createRedactor(configSecrets(env)) })
  for (const w of config.warnings) log.warn(w)
  const metrics = createMetrics({ processMetrics: true })
  const scheduling = config.modes.some((m) => m !== 'metrics')
  const kg = scheduling
    ? createKnowledgeGraph({ ...config.knowledgeGraph, maxConnections: config.workers + 1 }, log.child({ component: 'knowledge-graph' }))
    : null
  const gitOptions = { ...config.git, kebechetEnabled: config.schedule.kebechetAdmin }
  const proxy = { https: env.HTTPS_PROXY ?? env.https_proxy, http: env.HTTP_PROXY ?? env.http_proxy, noProxy: env.NO_PROXY ?? env.no_proxy }
  const workflows = scheduling ? createWorkflowService(workflowOptionsFromConfig(config), { log, metrics }) : null
  const service = await startService({
    config,
    log,
    metrics,
    handlers,
    kg,
    workflows: workflows ? workflowFactory(workflows) : null,
    git: createGitNotifier(gitOptions, { kg: kg ?? { adviserRunOrigins: async () => [] }, metrics, log }),
    packageIndex: createPackageIndex({ warehouses: [...config.warehouses], proxy }, log),
  })
  // The Kubernetes client loads once the service is ready (it is not needed to get there). A bad
  // kubeconfig ends the process here: this handler is registered before any record can ask for
  // the client (records arrive with I/O, after this continuation), so none is failed by it.
  workflows?.load().catch((err: unknown) => {
    log.error('cannot load the Kubernetes connection', { error: err })
    fail(err instanceof Error ? err.message : String(err))
  })
  let stopping = false
  const onSignal = (signal: string) => {
    if (stopping) {
      log.warn('second signal: exiting at once', { signal })
      process.exit(1)
    }
    stopping = true
    log.info('shutting down', { signal })
    service.stop().then(
      () => process.exit(0),
      (err: unknown) => {
        log.error('shutdown failed', { error: err })
        process.exit(1)
      },
    )
  }
  process.on('SIGTERM', () => onSignal('SIGTERM'))
  process.on('SIGINT', () => onSignal('SIGINT'))
}

/** Runs an operator command; prints usage and configuration errors; exits with its status. */
async function runCommand(io: Io, command: () => Promise<number>): Promise<never> {
  let code: number
  try {
    code = await command()
  } catch (err) {
    if (!(err instanceof UsageError || err instanceof ConfigError)) throw err
    io.err(err instanceof UsageError ? `${err.message}\n(see --help)\n` : `${err.message}\n`)
    code = err instanceof UsageError ? EXIT.usage : EXIT.failed
  }
  await io.flush()
  process.exit(code)
}

/** Entry point: parses the command line and runs a command. */
export async function main(argv: string[], env: Env): Promise<void> {
  const { values, positionals, tokens } = parseArgs({
    args: argv,
    options: { help: { type: 'boolean', short: 'h' }, version: { type: 'boolean' }, 'print-config': { type: 'boolean' } },
    allowPositionals: true,
    strict: false,
    tokens: true,
  })
  const command = values['print-config'] ? 'config' : (positionals[0] ?? 'serve')
  if (values.version) return void process.stdout.write(`${versionText()}\n`)
  if (values.help) return void process.stdout.write(`${HELP[positionals[0] ?? 'main'] ?? HELP.main}\n`)
  const at = tokens.find((t) => t.kind === 'positional')?.index
  const rest = argv.filter((_, i) => i !== at) // the command's own arguments
  const io = processIo()
  switch (command) {
    case 'serve':
      return serve(env)
    case 'config':
      return void process.stdout.write(`${JSON.stringify(describeConfig(readConfig(env)), null, 2)}\n`)
    case 'check':
      return runCommand(io, () => check(rest, env, io))
    case 'produce':
      return runCommand(io, () => produce(rest, env, io, handlers))
    case 'dead-letters':
      return runCommand(io, () => deadLetters(rest, env, io))
    case 'halt':
    case 'resume':
      return runCommand(io, () => haltOrResume(command, rest, env, io))
    case 'status':
      return runCommand(io, () => status(rest, env, io))
    default:
      fail(`unknown command "${command}"\n\n${HELP.main}`)
  }
}

if (import.meta.main) {
  main(process.argv.slice(2), process.env).catch((err: unknown) => {
    process.stderr.write(`fatal: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`)
    process.exit(1)
  })
}
