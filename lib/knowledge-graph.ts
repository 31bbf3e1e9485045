/**
 * Knowledge-graph port on postgres.js: the pool, the statements of
 * `lib/knowledge-graph-queries.ts` behind the KnowledgeGraph interface (solver names parsed,
 * failures as UpstreamError, U-1/U-2 calls of one turn coalesced), warm-up and the start-up
 * schema check. The service never creates or migrates tables.
 */
import postgres from 'postgres'
import type { FlagUpdate, KnowledgeGraph } from './context.ts'
import { coalesceCalls } from './coalesce.ts'
import { ServiceError, UpstreamError } from './errors.ts'
import { parseSolverName, SolverNameError } from './knowledge-graph-keys.ts'
import {
  adviserRunOrigins,
  type FlagColumn,
  type FlagColumns,
  indexUrls,
  markHashNotPresent,
  packageVersionExists,
  packageVersions,
  schemaRevision,
  securityIndicatorsExist,
  setFlag,
  setFlagChunk,
  setPackageMissing,
} from './knowledge-graph-queries.ts'
import type { Logger } from './log.ts'

/** Alembic head of thoth-storages 0.74.1; A-1 is compared with it at start-up. */
export const EXPECTED_SCHEMA_REVISION = 'bf9ea2a38b01'

/** Connection settings: KNOWLEDGE_GRAPH_*, THOTH_STORAGES_DEBUG_QUERIES and the pool size. */
export interface KnowledgeGraphOptions {
  readonly host: string
  readonly port: number
  readonly user: string
  readonly password: string
  readonly database: string
  /** KNOWLEDGE_GRAPH_SSL_DISABLED non-zero: plain TCP; else libpq `prefer` (TLS if offered). */
  readonly sslDisabled: boolean
  /** THOTH_STORAGES_DEBUG_QUERIES non-zero: every statement at debug level, never its values. */
  readonly debugQueries: boolean
  /** Pool size: THOTH_CONSUMER_WORKERS + 1. */
  readonly maxConnections: number
  /** Seconds allowed to open a connection (default 10). */
  readonly connectTimeoutSeconds?: number
}

/** The port plus the lifecycle calls main.ts needs. */
export type KnowledgeGraphClient = KnowledgeGraph & {
  /** Closes the pool, waiting up to 5 s for running statements. */
  close(): Promise<void>
  /** `SELECT 1`: start-up / readiness check; a retryable UpstreamError when unreachable. */
  ping(): Promise<void>
  /**
   * Opens every pool connection and runs U-1 and U-2 on each with no rows (nothing changes), so
   * the first records do not wait for connects and cold statements (bench/README.md). Never throws.
   */
  warm(): Promise<void>
}

// SQLSTATE classes / codes worth retrying: connection, auth and missing database (operator can
// fix), transaction rollback (serialization, deadlock), resources, shutdown/cancel/timeout, I/O.
const RETRYABLE_CLASSES = new Set(['08', '28', '3D', '40', '53', '57', '58'])
const RETRYABLE_CODES = new Set(['55P03', '55006', '25006'])
// postgres.js client-side codes caused by our own call, not by the server or the network.
const CLIENT_BUG_CODES = new Set(['UNDEFINED_VALUE', 'MAX_PARAMETERS_EXCEEDED', 'NOT_TAGGED_CALL'])

/** Whether a postgres.js failure may succeed when tried again. */
export function isRetryablePostgresError(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code
  if (err instanceof postgres.PostgresError) {
    return RETRYABLE_CODES.has(err.code) || RETRYABLE_CLASSES.has(err.code.slice(0, 2))
  }
  return !(typeof code === 'string' && CLIENT_BUG_CODES.has(code))
}

/** Runs one statement; a postgres.js failure becomes an UpstreamError named after `query`. */
async function wrap<T>(query: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn()
  } catch (err) {
    if (err instanceof ServiceError) throw err
    const message = err instanceof Error ? err.message : String(err)
    const retryable = isRetryablePostgresError(err)
    throw new UpstreamError('postgres', `${query}: ${message}`, retryable, { cause: err })
  }
}

/**
 * Seconds before a pool connection tries again after failed connects (postgres.js `backoff`).
 * The library's default grows to 20 s, so during an outage one attempt of ours could wait that
 * long and, once the database is back, the pool could stay idle as long: our retry policy
 * (MAX_RETRIES, linear BACKOFF) would no longer decide. Capped at 2 s, jittered like the default.
 */
export const reconnectDelaySeconds = (failedConnects: number): number =>
  (0.5 + Math.random() / 2) * Math.min(0.05 * 2 ** failedConnects, 2)

/** Builds the port on a postgres.js pool; connects lazily (`ping()` checks the connection). */
export function createKnowledgeGraph(
  opts: KnowledgeGraphOptions,
  log: Logger,
): KnowledgeGraphClient {
  const sql = postgres({
    host: opts.host,
    port: opts.port,
    user: opts.user,
    password: opts.password,
    database: opts.database,
    ssl: opts.sslDisabled ? false : 'prefer',
    max: opts.maxConnections,
    connect_timeout: opts.connectTimeoutSeconds ?? 10,
    backoff: reconnectDelaySeconds,
    connection: { application_name: 'thoth-investigator' },
    onnotice: (n) => log.debug('postgres notice', { severity: n.severity, message: n.message }),
    // Statement text only: parameter values may name private packages or indexes.
    debug: opts.debugQueries
      ? (connection, query) => log.debug('sql', { connection, query })
      : false,
  })
  // U-1 / U-2 of the partitions of one fetch: one statement (lib/coalesce.ts).
  const setMissing = coalesceCalls((u: readonly FlagUpdate[]) => setFlag(sql, 'is_missing', u))
  const setProvidesSourceDistro = coalesceCalls((u: readonly FlagUpdate[]) => setFlag(sql, 'provides_source_distro', u))
  return {
    packageVersionExists: (name, version, index) =>
      wrap('Q-1', () => packageVersionExists(sql, name, version, index, null)),
    async solvedBy(name, version, index, solver) {
      // An empty solver name means "any solver", as upstream (`if solver_name:`).
      const env = solver === '' ? null : parseSolverName(solver)
      if (solver !== '' && env === null) throw new SolverNameError(solver)
      return wrap('Q-3', () => packageVersionExists(sql, name, version, index, env))
    },
    indexUrls: (enabled) => wrap('Q-2', () => indexUrls(sql, enabled)),
    securityIndicatorsExist: (name, version, index) =>
      wrap('Q-4', () => securityIndicatorsExist(sql, name, version, index)),
    packageVersions: (name, index) => wrap('Q-5', () => packageVersions(sql, name, index)),
    setMissing: (updates) => wrap('U-1', () => setMissing(updates)),
    setPackageMissing: (name, index) => wrap('U-1b', () => setPackageMissing(sql, name, index)),
    setProvidesSourceDistro: (updates) => wrap('U-2', () => setProvidesSourceDistro(updates)),
    markHashNotPresent: (name, version, index, sha256) =>
      wrap('U-3', () => markHashNotPresent(sql, name, version, index, sha256)),
    schemaRevision: () => wrap('A-1', () => schemaRevision(sql)),
    adviserRunOrigins: (name, version, index) =>
      wrap('Q-G', () => adviserRunOrigins(sql, name, version, index)),
    ping: () => wrap('ping', async () => void (await sql`SELECT 1`)),
    async warm() {
      const none: FlagColumns = { names: [], versions: [], indexes: [], values: [] }
      // A busy pool opens its next connection for the next statement: `max` at once open them
      // all; the second round finds them idle and runs one statement on each.
      const round = async (column: FlagColumn) => {
        const settled = await Promise.allSettled(Array.from({ length: opts.maxConnections }, () => setFlagChunk(sql, column, none)))
        const failed = settled.find((r) => r.status === 'rejected')
        if (failed) throw failed.reason
      }
      try {
        await round('is_missing')
        await round('provides_source_distro')
      } catch (err) {
        log.warn('pool warm-up failed', { error: err })
      }
    },
    close: () => sql.end({ timeout: 5 }),
  }
}

/** Start-up check (D-37): warns when the stored revision is missing or not the expected one. */
export async function checkSchemaRevision(kg: Pick<KnowledgeGraph, 'schemaRevision'>, log: Logger) {
  const stored = await kg.schemaRevision()
  if (stored === null) {
    log.warn('knowledge graph has no schema revision (alembic_version missing or empty)', {
      expected: EXPECTED_SCHEMA_REVISION,
    })
  } else if (stored !== EXPECTED_SCHEMA_REVISION) {
    const expected = EXPECTED_SCHEMA_REVISION
    log.warn('knowledge graph schema revision differs from the expected one', { stored, expected })
  }
  return stored
}
