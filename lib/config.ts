/**
 * Configuration: every THOTH_*, KAFKA_*, KNOWLEDGE_GRAPH_*, ARGO_* and Kubernetes variable of
 * spec/operations.md §1, read once, validated with zod, returned frozen. Any problem throws ONE
 * ConfigError naming every bad variable (D-16). Secrets never appear in its messages.
 */
import { z } from 'zod'
import { ConfigError } from './errors.ts'
import type { Mode } from './handler.ts'
import { BASE_NAMES, topicName } from './topics.ts'

/** Environment as a plain record, so tests never touch process.env. */
export type Env = Record<string, string | undefined>

const MODES = ['backend', 'middletier', 'metrics'] as const
const TOPIC_CHARS = /^[A-Za-z0-9._-]+$/
const SECRET_VARS = [
  'KAFKA_SASL_PASSWORD',
  'KAFKA_SSL_KEY_PASSWORD',
  'KNOWLEDGE_GRAPH_PASSWORD',
  'THOTH_GITHUB_PRIVATE_TOKEN',
  'THOTH_GITLAB_PRIVATE_TOKEN',
  'THOTH_INVESTIGATOR_ADMIN_TOKEN',
] as const

// Empty strings count as unset (operations.md §1), except the dead-letter topic.
const unset = (v: unknown) => (v === '' ? undefined : v)
const opt = <T extends z.ZodType>(s: T) => z.preprocess(unset, s.optional())
const int = (min: number) =>
  z.string().trim().regex(/^[+-]?\d+$/, 'must be an integer').transform(Number).pipe(z.number().int().min(min))
const intDefault = (min: number, d: number) => z.preprocess(unset, int(min).optional()).transform((v) => v ?? d)
const float = (min: number) =>
  z.string().trim().refine((s) => s !== '' && Number.isFinite(Number(s)), 'must be a number').transform(Number).pipe(z.number().min(min))
/** `0`/`1`-style integer switch, non-zero = on. */
const flag = (d: boolean) => z.preprocess(unset, int(Number.MIN_SAFE_INTEGER).optional()).transform((v) => (v === undefined ? d : v !== 0))
const text = z.string().trim().min(1)
const url = z.string().trim().refine((s) => URL.canParse(s), 'must be a URL')
const httpUrl = url.refine((s) => /^https?:\/\/[^/]/i.test(s), 'must be an http(s) URL')
const topic = z.string().regex(TOPIC_CHARS, 'only A-Z a-z 0-9 . _ - allowed').max(249, 'at most 249 characters')

const ackOnFail = z
  .string()
  .transform((s, ctx) => {
    let v: unknown
    try {
      v = JSON.parse(s)
    } catch {
      ctx.addIssue({ code: 'custom', message: 'must be JSON: an integer or a list of base topic names' })
      return z.NEVER
    }
    if (typeof v === 'number' && Number.isInteger(v)) return v !== 0
    if (Array.isArray(v) && v.every((x) => typeof x === 'string')) return v as string[]
    ctx.addIssue({ code: 'custom', message: 'must be an integer or a JSON list of base topic names' })
    return z.NEVER
  })

const consumerMode = z.string().transform((s, ctx) => {
  let v: unknown
  try {
    v = JSON.parse(s)
  } catch {
    v = s.trim() // not JSON: one mode name
  }
  const list = typeof v === 'string' ? [v] : v
  if (!Array.isArray(list) || list.length === 0 || !list.every((x) => typeof x === 'string')) {
    ctx.addIssue({ code: 'custom', message: 'must be a non-empty JSON list of modes (backend, middletier, metrics)' })
    return z.NEVER
  }
  const unknown = list.filter((x) => !(MODES as readonly string[]).includes(x))
  if (unknown.length) {
    ctx.addIssue({ code: 'custom', message: `unknown mode(s) ${unknown.join(', ')}; known: ${MODES.join(', ')}` })
    return z.NEVER
  }
  return [...new Set(list)] as Mode[] // D-26: a mode listed twice runs once
})

const offsetReset = z.string().transform((s, ctx) => {
  const v = s.trim().toLowerCase()
  if (['earliest', 'smallest', 'beginning'].includes(v)) return 'earliest' as const
  if (['latest', 'largest', 'end'].includes(v)) return 'latest' as const
  ctx.addIssue({ code: 'custom', message: 'must be earliest/smallest/beginning or latest/largest/end' })
  return z.NEVER
})

const EnvSchema = z.object({
  THOTH_DEPLOYMENT_NAME: z.preprocess(unset, topic.min(1)),
  THOTH_BACKEND_NAMESPACE: z.preprocess(unset, text),
  THOTH_MIDDLETIER_NAMESPACE: z.preprocess(unset, text),
  THOTH_INFRA_NAMESPACE: opt(text),
  THOTH_CEPH_BUCKET: opt(text),
  THOTH_CEPH_BUCKET_PREFIX: opt(text),
  THOTH_S3_ENDPOINT_URL: opt(text),
  THOTH_CONSUMER_MODE: opt(consumerMode),
  THOTH_CONSUMER_WORKERS: intDefault(1, 5),
  THOTH_INVESTIGATOR_MAX_RETRIES: intDefault(1, 5), // D-25
  THOTH_INVESTIGATOR_BACKOFF: opt(float(0)),
  THOTH_INVESTIGATOR_ACK_ON_FAIL: opt(ackOnFail),
  THOTH_INVESTIGATOR_SCHEDULE_SOLVER: flag(true),
  THOTH_INVESTIGATOR_SCHEDULE_REVSOLVER: flag(true),
  THOTH_INVESTIGATOR_SCHEDULE_UNREVSOLVED: flag(false),
  THOTH_INVESTIGATOR_SCHEDULE_SECURITY: flag(true),
  THOTH_INVESTIGATOR_KEBECHET_ADMINISTRATOR: opt(int(Number.MIN_SAFE_INTEGER)),
  THOTH_INVESTIGATOR_SCHEDULE_KEBECHET_ADMIN: opt(int(Number.MIN_SAFE_INTEGER)),
  THOTH_LOG_SOLVER: z.string().optional(),
  THOTH_LOG_REVSOLVER: z.string().optional(),
  ARGO_PENDING_WORKFLOW_LIMIT: opt(int(0)),
  ARGO_PENDING_SLEEP_TIME: intDefault(0, 2),
  DEBUG_LEVEL: intDefault(Number.MIN_SAFE_INTEGER, 0),
  SUBCOMMAND: opt(z.literal('consumer', { error: 'only "consumer" is supported' })),
  THOTH_PYTHON_WAREHOUSES: opt(text),
  THOTH_INVESTIGATOR_DEAD_LETTER_TOPIC: z.union([z.literal(''), topic]).optional(),
  THOTH_INVESTIGATOR_DEAD_LETTER_PARTITIONS: intDefault(1, 1),
  THOTH_INVESTIGATOR_CONTROL_TOPIC: opt(topic),
  THOTH_INVESTIGATOR_HALT_AUTO_RESUME_SECONDS: intDefault(0, 0),
  THOTH_INVESTIGATOR_STUCK_SECONDS: intDefault(0, 900),
  THOTH_INVESTIGATOR_PORT: intDefault(0, 6066),
  THOTH_INVESTIGATOR_ADMIN_TOKEN: opt(z.string()),
  THOTH_LOGGING_NO_JSON: flag(false),
  THOTH_INVESTIGATOR_GIT_NOTIFICATIONS: flag(false),
  THOTH_INVESTIGATOR_GIT_NOTIFICATIONS_MAX_ISSUES: intDefault(1, 20),
  THOTH_GITHUB_PRIVATE_TOKEN: opt(z.string()),
  THOTH_GITLAB_PRIVATE_TOKEN: opt(z.string()),
  THOTH_GITHUB_API_URL: opt(httpUrl),
  THOTH_GITLAB_URL: opt(httpUrl),
  // Kafka (thoth-messaging mapping, §1.4)
  KAFKA_BOOTSTRAP_SERVERS: z.preprocess(
    unset,
    z.string().refine((s) => s.split(',').every((b) => /^[^\s:]+:\d+$/.test(b.trim())), 'must be a comma-separated host:port list'),
  ),
  KAFKA_CLIENT_ID: opt(text),
  KAFKA_CONSUMER_GROUP_ID: z.preprocess(unset, text),
  KAFKA_CONSUMER_GROUP_INSTANCE_ID: opt(text),
  KAFKA_CONSUMER_MAX_POLL_INTERVAL_MS: opt(float(1).transform(Math.round)),
  KAFKA_CONSUMER_ENABLE_AUTO_COMMIT: opt(z.string()),
  KAFKA_CONSUMER_AUTO_OFFSET_RESET: opt(offsetReset),
  KAFKA_SECURITY_PROTOCOL: opt(
    z.string().transform((s) => s.toUpperCase()).pipe(z.enum(['PLAINTEXT', 'SSL', 'SASL_PLAINTEXT', 'SASL_SSL'])),
  ),
  KAFKA_SSL_CA_LOCATION: opt(text),
  KAFKA_SSL_CERTIFICATE_LOCATION: opt(text),
  KAFKA_SSL_KEY_LOCATION: opt(text),
  KAFKA_SSL_KEY_PASSWORD: opt(z.string()),
  KAFKA_SSL_ENDPOINT_IDENTIFICATION_ALGORITHM: opt(z.string().transform((s) => s.toLowerCase()).pipe(z.enum(['none', 'https']))),
  KAFKA_SASL_MECHANISM: opt(
    z.string().transform((s) => s.toUpperCase()).pipe(z.enum(['PLAIN', 'SCRAM-SHA-256', 'SCRAM-SHA-512'], { error: 'must be PLAIN, SCRAM-SHA-256 or SCRAM-SHA-512 (GSSAPI is not supported)' })),
  ),
  KAFKA_SASL_USERNAME: opt(z.string()),
  KAFKA_SASL_PASSWORD: opt(z.string()),
  KAFKA_MESSAGE_MAX_BYTES: opt(int(1)),
  KAFKA_RECEIVE_MESSAGE_MAX_BYTES: intDefault(1, 100_000_000),
  KAFKA_TOPIC_PRODUCER_COMPRESSION_TYPE: opt(text),
  KAFKA_TOPIC_PRODUCER_COMPRESSION_LEVEL: opt(z.string()),
  KAFKA_TOPIC_CONSUMER_ENABLE_AUTO_COMMIT: opt(z.string()),
  // Knowledge graph (thoth-storages)
  KNOWLEDGE_GRAPH_HOST: opt(text),
  KNOWLEDGE_GRAPH_PORT: intDefault(1, 5432),
  KNOWLEDGE_GRAPH_USER: opt(text),
  KNOWLEDGE_GRAPH_PASSWORD: opt(z.string()),
  KNOWLEDGE_GRAPH_DATABASE: opt(text),
  KNOWLEDGE_GRAPH_SSL_DISABLED: flag(false),
  THOTH_STORAGES_DEBUG_QUERIES: flag(false),
  // Kubernetes / OpenShift (thoth-common)
  KUBERNETES_VERIFY_TLS: flag(true),
  OPENSHIFT_API_URL: opt(url),
  KUBECONFIG: opt(text),
  KUBERNETES_SERVICE_HOST: opt(text),
  KUBERNETES_SERVICE_PORT: opt(int(1)),
  SENTRY_DSN: opt(z.string()),
})

type ParsedEnv = z.infer<typeof EnvSchema>

/** The validated, frozen configuration. */
export type Config = ReturnType<typeof buildConfig>

/** Service version reported on /_health, the info metric and --version. */
export const SERVICE_VERSION = '0.1.0'

/**
 * Reads and validates the environment. Throws ConfigError listing every problem.
 * Returns the config plus start-up warnings to log (config itself logs nothing).
 */
export function loadConfig(env: Env): Config {
  const parsed = EnvSchema.safeParse(env, { jitless: true })
  if (parsed.success) {
    const problems = crossChecks(parsed.data, new Set())
    if (problems.length) throw new ConfigError(problems)
    return buildConfig(parsed.data)
  }
  const problems: string[] = []
  for (const issue of parsed.error.issues) {
    const name = String(issue.path[0] ?? '?')
    const missing = env[name] === undefined || env[name] === ''
    problems.push(`${name}: ${missing && issue.code === 'invalid_type' ? 'required but not set' : issue.message}`)
  }
  // D-16: ONE message names every problem, so the cross-checks also run over the variables that parsed.
  const bad = new Set(parsed.error.issues.map((i) => String(i.path[0] ?? '?')))
  const rest = EnvSchema.partial().safeParse(Object.fromEntries(Object.entries(env).filter(([k]) => !bad.has(k))))
  if (rest.success) problems.push(...crossChecks(rest.data, bad))
  throw new ConfigError(problems)
}

/** Checks across variables; `bad` names variables that failed to parse (their checks are skipped). */
function crossChecks(e: Partial<ParsedEnv>, bad: ReadonlySet<string>): string[] {
  const problems: string[] = []
  const modes = e.THOTH_CONSUMER_MODE ?? (['middletier', 'backend'] as Mode[])
  if (!bad.has('THOTH_CONSUMER_MODE') && modes.some((m) => m !== 'metrics')) {
    for (const name of ['THOTH_INFRA_NAMESPACE', 'THOTH_CEPH_BUCKET', 'THOTH_CEPH_BUCKET_PREFIX', 'THOTH_S3_ENDPOINT_URL'] as const) {
      if (e[name] === undefined && !bad.has(name)) problems.push(`${name}: required when the backend or middletier mode is active`)
    }
  }
  const k1 = e.THOTH_INVESTIGATOR_KEBECHET_ADMINISTRATOR
  const k2 = e.THOTH_INVESTIGATOR_SCHEDULE_KEBECHET_ADMIN
  if (k1 !== undefined && k2 !== undefined && (k1 !== 0) !== (k2 !== 0)) {
    problems.push('THOTH_INVESTIGATOR_KEBECHET_ADMINISTRATOR / THOTH_INVESTIGATOR_SCHEDULE_KEBECHET_ADMIN: they disagree (one is 0, the other is not); set one or make them agree (D-8)')
  }
  const protocol = e.KAFKA_SECURITY_PROTOCOL ?? 'PLAINTEXT'
  if (protocol.startsWith('SASL_')) {
    if (!e.KAFKA_SASL_MECHANISM && !bad.has('KAFKA_SASL_MECHANISM')) problems.push(`KAFKA_SASL_MECHANISM: required with KAFKA_SECURITY_PROTOCOL=${protocol}`)
    if (e.KAFKA_SASL_USERNAME === undefined) problems.push(`KAFKA_SASL_USERNAME: required with KAFKA_SECURITY_PROTOCOL=${protocol}`)
    if (e.KAFKA_SASL_PASSWORD === undefined) problems.push(`KAFKA_SASL_PASSWORD: required with KAFKA_SECURITY_PROTOCOL=${protocol}`)
  }
  const prefix = e.THOTH_DEPLOYMENT_NAME
  const topicVars = ['THOTH_DEPLOYMENT_NAME', 'THOTH_INVESTIGATOR_DEAD_LETTER_TOPIC', 'THOTH_INVESTIGATOR_CONTROL_TOPIC']
  if (prefix !== undefined && !topicVars.some((v) => bad.has(v))) {
    const ours = new Set([...BASE_NAMES].map((b) => topicName(prefix, b)))
    const dlt = deadLetterTopic({ ...e, THOTH_DEPLOYMENT_NAME: prefix })
    const ctl = controlTopic({ ...e, THOTH_DEPLOYMENT_NAME: prefix })
    if (dlt && ours.has(dlt)) problems.push('THOTH_INVESTIGATOR_DEAD_LETTER_TOPIC: must differ from the 19 message topics')
    if (ours.has(ctl)) problems.push('THOTH_INVESTIGATOR_CONTROL_TOPIC: must differ from the 19 message topics')
    if (dlt && dlt === ctl) problems.push('THOTH_INVESTIGATOR_CONTROL_TOPIC: must differ from the dead-letter topic')
    for (const b of BASE_NAMES) {
      if (topicName(prefix, b).length > 249) problems.push(`THOTH_DEPLOYMENT_NAME: topic ${prefix}.${b} is longer than 249 characters`)
    }
  }
  if (e.THOTH_INVESTIGATOR_GIT_NOTIFICATIONS && !e.THOTH_GITHUB_PRIVATE_TOKEN && !e.THOTH_GITLAB_PRIVATE_TOKEN) {
    problems.push('THOTH_INVESTIGATOR_GIT_NOTIFICATIONS: on, but neither THOTH_GITHUB_PRIVATE_TOKEN nor THOTH_GITLAB_PRIVATE_TOKEN is set')
  }
  return problems
}

type TopicVars = Partial<ParsedEnv> & Pick<ParsedEnv, 'THOTH_DEPLOYMENT_NAME'>
const deadLetterTopic = (e: TopicVars): string | null =>
  e.THOTH_INVESTIGATOR_DEAD_LETTER_TOPIC === undefined
    ? `${e.THOTH_DEPLOYMENT_NAME}.thoth.investigator.dead-letter`
    : e.THOTH_INVESTIGATOR_DEAD_LETTER_TOPIC || null
const controlTopic = (e: TopicVars): string =>
  e.THOTH_INVESTIGATOR_CONTROL_TOPIC ?? `${e.THOTH_DEPLOYMENT_NAME}.thoth.investigator.control`

function buildConfig(e: ParsedEnv) {
  const warnings: string[] = []
  const ack = e.THOTH_INVESTIGATOR_ACK_ON_FAIL ?? false
  if (Array.isArray(ack)) {
    const unknown = ack.filter((b) => !BASE_NAMES.has(b))
    if (unknown.length) warnings.push(`THOTH_INVESTIGATOR_ACK_ON_FAIL lists names that are not base topic names and never match: ${unknown.join(', ')}`)
  }
  if (e.KAFKA_CONSUMER_ENABLE_AUTO_COMMIT !== undefined && e.KAFKA_CONSUMER_ENABLE_AUTO_COMMIT.toLowerCase() !== 'false') {
    warnings.push('KAFKA_CONSUMER_ENABLE_AUTO_COMMIT is ignored: offsets are always committed by hand after a record is finished (D-23)')
  }
  if (e.KAFKA_TOPIC_PRODUCER_COMPRESSION_LEVEL !== undefined) {
    warnings.push('KAFKA_TOPIC_PRODUCER_COMPRESSION_LEVEL is not a Kafka topic config and is not sent (D-24)')
  }
  if (e.KAFKA_TOPIC_CONSUMER_ENABLE_AUTO_COMMIT !== undefined) {
    warnings.push('KAFKA_TOPIC_CONSUMER_ENABLE_AUTO_COMMIT is not a Kafka topic config and is not sent (D-24)')
  }
  if (e.KAFKA_CONSUMER_GROUP_INSTANCE_ID !== undefined) {
    warnings.push('KAFKA_CONSUMER_GROUP_INSTANCE_ID is ignored: the Kafka client does not support static membership')
  }
  if (e.SENTRY_DSN !== undefined) warnings.push('SENTRY_DSN is set, but Sentry reporting is not built in')
  const kebechetAdmin = (e.THOTH_INVESTIGATOR_KEBECHET_ADMINISTRATOR ?? e.THOTH_INVESTIGATOR_SCHEDULE_KEBECHET_ADMIN ?? 1) !== 0
  const gh = e.THOTH_GITHUB_PRIVATE_TOKEN
  const gl = e.THOTH_GITLAB_PRIVATE_TOKEN
  if (e.THOTH_INVESTIGATOR_GIT_NOTIFICATIONS && (gh || gl) && !(gh && gl)) {
    warnings.push(`${gh ? 'THOTH_GITLAB_PRIVATE_TOKEN' : 'THOTH_GITHUB_PRIVATE_TOKEN'} is not set: repositories on that service are skipped`)
  }
  if (e.THOTH_INVESTIGATOR_GIT_NOTIFICATIONS && kebechetAdmin) {
    warnings.push('git notifications and Kebechet administrator workflows are both on: repositories may hear about the same event twice (D-15)')
  }
  const protocol = e.KAFKA_SECURITY_PROTOCOL ?? 'PLAINTEXT'
  const tls = protocol === 'SSL' || protocol === 'SASL_SSL'
  return Object.freeze({
    version: SERVICE_VERSION,
    warnings: Object.freeze(warnings),
    deploymentName: e.THOTH_DEPLOYMENT_NAME,
    modes: Object.freeze(e.THOTH_CONSUMER_MODE ?? (['middletier', 'backend'] as Mode[])),
    namespaces: Object.freeze({
      backend: e.THOTH_BACKEND_NAMESPACE,
      middletier: e.THOTH_MIDDLETIER_NAMESPACE,
      infra: e.THOTH_INFRA_NAMESPACE ?? '',
    }),
    ceph: Object.freeze({
      bucket: e.THOTH_CEPH_BUCKET ?? '',
      bucketPrefix: e.THOTH_CEPH_BUCKET_PREFIX ?? '',
      s3EndpointUrl: e.THOTH_S3_ENDPOINT_URL ?? '',
    }),
    workers: e.THOTH_CONSUMER_WORKERS,
    maxRetries: e.THOTH_INVESTIGATOR_MAX_RETRIES,
    backoffMs: Math.round((e.THOTH_INVESTIGATOR_BACKOFF ?? 0.5) * 1000),
    /** true: ack every failure; false: halt; list: ack these base names, halt the rest. */
    ackOnFail: Array.isArray(ack) ? Object.freeze([...ack]) : ack,
    schedule: Object.freeze({
      solver: e.THOTH_INVESTIGATOR_SCHEDULE_SOLVER,
      revsolver: e.THOTH_INVESTIGATOR_SCHEDULE_REVSOLVER,
      unrevsolved: e.THOTH_INVESTIGATOR_SCHEDULE_UNREVSOLVED,
      security: e.THOTH_INVESTIGATOR_SCHEDULE_SECURITY,
      kebechetAdmin,
    }),
    logSolverDebug: e.THOTH_LOG_SOLVER === 'DEBUG',
    logRevsolverDebug: e.THOTH_LOG_REVSOLVER === 'DEBUG',
    pendingLimit: e.ARGO_PENDING_WORKFLOW_LIMIT,
    pendingSleepSeconds: e.ARGO_PENDING_SLEEP_TIME,
    logLevel: e.DEBUG_LEVEL === 1 ? ('debug' as const) : ('info' as const),
    logJson: !e.THOTH_LOGGING_NO_JSON,
    warehouses: Object.freeze(
      (e.THOTH_PYTHON_WAREHOUSES ?? 'https://pypi.python.org/simple,https://pypi.org/simple').split(',').map((s) => s.trim()).filter(Boolean),
    ),
    deadLetterTopic: deadLetterTopic(e),
    deadLetterPartitions: e.THOTH_INVESTIGATOR_DEAD_LETTER_PARTITIONS,
    controlTopic: controlTopic(e),
    haltAutoResumeSeconds: e.THOTH_INVESTIGATOR_HALT_AUTO_RESUME_SECONDS,
    stuckSeconds: e.THOTH_INVESTIGATOR_STUCK_SECONDS,
    httpPort: e.THOTH_INVESTIGATOR_PORT,
    adminToken: e.THOTH_INVESTIGATOR_ADMIN_TOKEN,
    git: Object.freeze({
      enabled: e.THOTH_INVESTIGATOR_GIT_NOTIFICATIONS,
      maxIssues: e.THOTH_INVESTIGATOR_GIT_NOTIFICATIONS_MAX_ISSUES,
      githubToken: e.THOTH_GITHUB_PRIVATE_TOKEN,
      gitlabToken: e.THOTH_GITLAB_PRIVATE_TOKEN,
      githubApiUrl: e.THOTH_GITHUB_API_URL ?? 'https://api.github.com',
      gitlabUrl: e.THOTH_GITLAB_URL ?? 'https://gitlab.com',
    }),
    kafka: Object.freeze({
      brokers: Object.freeze(e.KAFKA_BOOTSTRAP_SERVERS.split(',').map((b) => b.trim())),
      clientId: e.KAFKA_CLIENT_ID ?? 'rdkafka',
      groupId: e.KAFKA_CONSUMER_GROUP_ID,
      maxPollIntervalMs: e.KAFKA_CONSUMER_MAX_POLL_INTERVAL_MS ?? 300_000,
      fromBeginning: (e.KAFKA_CONSUMER_AUTO_OFFSET_RESET ?? 'latest') === 'earliest',
      protocol,
      ssl: tls
        ? Object.freeze({
            caLocation: e.KAFKA_SSL_CA_LOCATION,
            certificateLocation: e.KAFKA_SSL_CERTIFICATE_LOCATION,
            keyLocation: e.KAFKA_SSL_KEY_LOCATION,
            keyPassword: e.KAFKA_SSL_KEY_PASSWORD,
            checkHostname: (e.KAFKA_SSL_ENDPOINT_IDENTIFICATION_ALGORITHM ?? 'https') === 'https', // D-30
          })
        : undefined,
      sasl: protocol.startsWith('SASL_')
        ? Object.freeze({
            mechanism: (e.KAFKA_SASL_MECHANISM ?? 'PLAIN').toLowerCase() as 'plain' | 'scram-sha-256' | 'scram-sha-512',
            username: e.KAFKA_SASL_USERNAME ?? '',
            password: e.KAFKA_SASL_PASSWORD ?? '',
          })
        : undefined,
      messageMaxBytes: e.KAFKA_MESSAGE_MAX_BYTES ?? 1_000_000,
      messageMaxBytesSet: e.KAFKA_MESSAGE_MAX_BYTES !== undefined,
      receiveMessageMaxBytes: e.KAFKA_RECEIVE_MESSAGE_MAX_BYTES,
      compressionType: e.KAFKA_TOPIC_PRODUCER_COMPRESSION_TYPE,
    }),
    knowledgeGraph: Object.freeze({
      host: e.KNOWLEDGE_GRAPH_HOST ?? 'localhost',
      port: e.KNOWLEDGE_GRAPH_PORT,
      user: e.KNOWLEDGE_GRAPH_USER ?? 'postgres',
      password: e.KNOWLEDGE_GRAPH_PASSWORD ?? 'postgres',
      database: e.KNOWLEDGE_GRAPH_DATABASE ?? 'postgres',
      sslDisabled: e.KNOWLEDGE_GRAPH_SSL_DISABLED,
      debugQueries: e.THOTH_STORAGES_DEBUG_QUERIES,
    }),
    kubernetes: Object.freeze({
      verifyTls: e.KUBERNETES_VERIFY_TLS,
      openshiftApiUrl: e.OPENSHIFT_API_URL,
      kubeconfig: e.KUBECONFIG,
      serviceHost: e.KUBERNETES_SERVICE_HOST,
      servicePort: e.KUBERNETES_SERVICE_PORT,
    }),
  })
}

/** True when a failed record of this base name is acknowledged (dead-lettered) rather than halted. */
export function acksOnFail(config: Pick<Config, 'ackOnFail'>, baseName: string): boolean {
  const a = config.ackOnFail
  return typeof a === 'boolean' ? a : a.includes(baseName)
}

/** The service's own secret values (for the log redactor). */
export function configSecrets(env: Env): string[] {
  return SECRET_VARS.map((n) => env[n]).filter((v): v is string => typeof v === 'string' && v.length > 0)
}

const MASK = '********'

/** The effective configuration with every secret masked, for `investigator config`. */
export function describeConfig(config: Config): unknown {
  return JSON.parse(
    JSON.stringify(config, (key, value: unknown) => {
      if (value === undefined) return value
      if (['password', 'keyPassword', 'githubToken', 'gitlabToken', 'adminToken'].includes(key)) return MASK
      return value
    }),
  )
}
