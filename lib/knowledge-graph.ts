/**
 * Knowledge-graph port on postgres.js: every query of spec/knowledge-graph.md (Q-1..Q-5, U-1,
 * U-1b, U-2, U-3, A-1, Q-G) as one parameterised statement (its own short transaction), and the
 * normalisation helpers they share. The service never creates or migrates tables.
 */
import { explain } from '@renovatebot/pep440'
import postgres from 'postgres'
import type { FlagUpdate, KnowledgeGraph, PackageVersionRow } from './context.ts'
import { coalesceCalls } from './coalesce.ts'
import { ServiceError, UpstreamError } from './errors.ts'
import type { Logger } from './log.ts'

/** Alembic head of thoth-storages 0.74.1; A-1 is compared with it at start-up. */
export const EXPECTED_SCHEMA_REVISION = 'bf9ea2a38b01'
/** Rows per U-1/U-2 statement; larger batches run as several statements in one transaction. */
export const FLAG_UPDATE_CHUNK = 1000

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

/** OS and Python of a solver environment, as stored in python_package_version. */
export interface SolverEnvironment {
  readonly osName: string
  readonly osVersion: string
  readonly pythonVersion: string
}

/** A solver name not of the form `solver-<os>-<os_version>-py<X...>`; retried, as upstream. */
export class SolverNameError extends ServiceError {
  constructor(readonly solver: string) {
    const form = 'solver-<os>-<os_version>-py<version>'
    super('MISCONFIGURED', `solver name \`${solver}\` is not of the form ${form}`, true)
  }
}

/** PEP 503 name: lower-case, every run of `-`, `_`, `.` becomes one `-`. */
export function normalizePackageName(name: string): string {
  return name.replace(/[-_.]+/g, '-').toLowerCase()
}

/**
 * PEP 440 normal form of a valid version, other text unchanged; `*` and null give `*`. Numbers
 * are rendered by @renovatebot/pep440 except the local segment (its own rendering joins parts
 * with commas and reads `0x1` as a number); a public part with a number beyond 2^53 is kept as
 * written rather than rounded.
 */
export function normalizeVersion(version: string | null): string {
  if (version === null || version === '*') return '*'
  let normal = versionMemo.get(version)
  if (normal === undefined) {
    normal = normalizeVersionText(version)
    if (versionMemo.size >= VERSION_MEMO_SIZE) versionMemo.clear()
    versionMemo.set(version, normal)
  }
  return normal
}

// normalizeVersion runs for every U-1/U-2 row and query; PEP 440 parsing dominates it and the
// same versions recur across packages, so results are kept (bounded: cleared when full).
const VERSION_MEMO_SIZE = 10_000
const versionMemo = new Map<string, string>()

function normalizeVersionText(version: string): string {
  const text = version.trim()
  const parsed = explain(text)
  if (!parsed) return version
  const plus = text.indexOf('+')
  const publicText = plus < 0 ? text : text.slice(0, plus)
  if (/[1-9]\d{15}/.test(publicText)) return version
  if (plus < 0) return parsed.public
  const local = text
    .slice(plus + 1)
    .split(/[-_.]/)
    .map((part) => (/^\d+$/.test(part) ? part.replace(/^0+(?=\d)/, '') : part.toLowerCase()))
  return `${parsed.public}+${local.join('.')}`
}

/** Only `https://pypi.python.org/simple` changes (to `https://pypi.org/simple`); no trimming. */
export function normalizeIndexUrl(url: string): string {
  return url === 'https://pypi.python.org/simple' ? 'https://pypi.org/simple' : url
}

/**
 * Upstream's solver-name parsing: `solver-<os>-<os_version>-py<X><rest>`. The version is cut at
 * its first `.` when the raw os is `rhel` in any case; then exactly `ubi` becomes `rhel`; Python
 * is `<X>.<rest>` with no digit check. Returns null when the name does not parse.
 */
export function parseSolverName(solver: string): SolverEnvironment | null {
  if (!solver.startsWith('solver-')) return null
  const parts = solver.slice('solver-'.length).split('-')
  if (parts.length !== 3) return null
  const [os = '', osVersion = '', py = ''] = parts
  if (!py.startsWith('py') || py.length < 3) return null
  return {
    osName: os === 'ubi' ? 'rhel' : os,
    osVersion: os.toLowerCase() === 'rhel' ? (osVersion.split('.')[0] ?? '') : osVersion,
    pythonVersion: `${py.slice(2, 3)}.${py.slice(3)}`,
  }
}

/** U-1/U-2 parameters as columns: keys normalised, duplicate keys dropped (last wins), sorted. */
export function flagUpdateColumns(updates: readonly FlagUpdate[]) {
  const byKey = new Map<string, [string, string, string, boolean]>()
  for (const u of updates) {
    const row: [string, string, string, boolean] = [
      normalizePackageName(u.name),
      normalizeVersion(u.version),
      normalizeIndexUrl(u.index),
      u.value,
    ]
    byKey.set(`${row[0]}\0${row[1]}\0${row[2]}`, row)
  }
  const keys = [...byKey.keys()].sort()
  const rows = keys.map((k) => byKey.get(k) as [string, string, string, boolean])
  return {
    names: rows.map((r) => r[0]),
    versions: rows.map((r) => r[1]),
    indexes: rows.map((r) => r[2]),
    values: rows.map((r) => r[3]),
  }
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

type Sql = postgres.Sql | postgres.TransactionSql
type Found = { found: boolean }[]

/** Q-1 (env null) and Q-3 (env given); an empty index drops the index condition, as upstream. */
async function packageVersionExists(
  sql: Sql,
  name: string,
  version: string | null,
  index: string,
  env: SolverEnvironment | null,
): Promise<boolean> {
  const url = normalizeIndexUrl(index)
  const [row] = await sql<Found>`
    SELECT EXISTS (
      SELECT 1 FROM python_package_version pv
      ${url === '' ? sql`` : sql`JOIN python_package_index i ON i.id = pv.python_package_index_id`}
      WHERE pv.package_name = ${normalizePackageName(name)}
        AND pv.package_version = ${normalizeVersion(version)}
        ${url === '' ? sql`` : sql`AND i.url = ${url}`}
        ${
          env === null
            ? sql``
            : sql`AND pv.os_name = ${env.osName}
          AND pv.os_version = ${env.osVersion} AND pv.python_version = ${env.pythonVersion}`
        }
    ) AS found`
  return row?.found === true
}

/** Q-2 (D-13: ordered by id). */
async function indexUrls(sql: Sql, enabled: boolean | undefined): Promise<string[]> {
  const rows = await sql<{ url: string }[]>`
    SELECT url FROM python_package_index
    ${enabled === undefined ? sql`` : sql`WHERE enabled = ${enabled}`}
    ORDER BY id`
  return rows.map((r) => r.url)
}

/** Q-4, scoped to the requested index (D-19). */
async function securityIndicatorsExist(sql: Sql, name: string, version: string, index: string) {
  const [row] = await sql<Found>`
    SELECT EXISTS (
      SELECT 1 FROM si_aggregated sa
      JOIN python_package_version pv ON pv.id = sa.python_package_version_id
      JOIN python_package_index i ON i.id = pv.python_package_index_id
      WHERE pv.package_name = ${normalizePackageName(name)}
        AND pv.package_version = ${normalizeVersion(version)}
        AND i.url = ${normalizeIndexUrl(index)}
    ) AS found`
  return row?.found === true
}

/** Q-5: one row per environment, NULL versions included (ordered by row id). */
async function packageVersions(sql: Sql, name: string, index: string) {
  const rows = await sql<PackageVersionRow[]>`
    SELECT pv.package_name, pv.package_version, i.url AS index_url
    FROM python_package_version pv
    JOIN python_package_index i ON i.id = pv.python_package_index_id
    WHERE pv.package_name = ${normalizePackageName(name)} AND i.url = ${normalizeIndexUrl(index)}
    ORDER BY pv.id`
  return [...rows]
}

type FlagColumn = 'is_missing' | 'provides_source_distro'
type FlagColumns = ReturnType<typeof flagUpdateColumns>

// Array type oids (text[], bool[]), given explicitly: postgres.js infers `bool` for a boolean
// array, and maps element oids to array oids only once a connection has fetched its types.
const [TEXT_ARRAY, BOOL_ARRAY] = [1009, 1000]

/** U-1 / U-2 for one chunk of deduplicated, normalised updates; rows already right are skipped. */
async function setFlagChunk(sql: Sql, column: FlagColumn, c: FlagColumns): Promise<void> {
  await sql`
    UPDATE python_package_version pv SET ${sql(column)} = u.value
    FROM unnest(
      ${sql.array(c.names, TEXT_ARRAY)}::text[], ${sql.array(c.versions, TEXT_ARRAY)}::text[],
      ${sql.array(c.indexes, TEXT_ARRAY)}::text[], ${sql.array(c.values, BOOL_ARRAY)}::bool[]
    ) AS u(name, version, url, value)
    JOIN python_package_index i ON i.url = u.url
    WHERE pv.python_package_index_id = i.id
      AND pv.package_name = u.name AND pv.package_version = u.version
      AND pv.${sql(column)} IS DISTINCT FROM u.value`
}

/** U-1 / U-2: one statement per FLAG_UPDATE_CHUNK rows; several chunks share one transaction. */
async function setFlag(sql: postgres.Sql, column: FlagColumn, updates: readonly FlagUpdate[]) {
  const all = flagUpdateColumns(updates)
  const chunks: FlagColumns[] = []
  for (let at = 0; at < all.names.length; at += FLAG_UPDATE_CHUNK) {
    const cut = <T>(xs: T[]) => xs.slice(at, at + FLAG_UPDATE_CHUNK)
    const [names, versions] = [cut(all.names), cut(all.versions)]
    chunks.push({ names, versions, indexes: cut(all.indexes), values: cut(all.values) })
  }
  const [first, ...rest] = chunks
  if (first === undefined) return
  if (rest.length === 0) return setFlagChunk(sql, column, first)
  await sql.begin(async (tx) => {
    for (const c of chunks) await setFlagChunk(tx, column, c)
  })
}

/** U-1b: every row of the package on the index, NULL versions included (no version in it). */
async function setPackageMissing(sql: Sql, name: string, index: string): Promise<void> {
  await sql`
    UPDATE python_package_version SET is_missing = true
    WHERE NOT is_missing AND id IN (
      SELECT pv.id FROM python_package_version pv
      JOIN python_package_index i ON i.id = pv.python_package_index_id
      WHERE pv.package_name = ${normalizePackageName(name)}
        AND i.url = ${normalizeIndexUrl(index)})`
}

/** U-3 (D-9): only the artifacts with that digest linked to that entity on that index. */
async function markHashNotPresent(
  sql: Sql,
  name: string,
  version: string,
  index: string,
  sha256: string,
): Promise<void> {
  await sql`
    UPDATE python_artifact SET present = false
    WHERE present AND id IN (
      SELECT a.id FROM python_package_version_entity e
      JOIN python_package_index i ON i.id = e.python_package_index_id
      JOIN has_artifact h ON h.python_package_version_entity_id = e.id
      JOIN python_artifact a ON a.id = h.python_artifact_id
      WHERE e.package_name = ${normalizePackageName(name)}
        AND e.package_version = ${normalizeVersion(version)}
        AND i.url = ${normalizeIndexUrl(index)} AND a.artifact_hash_sha256 = ${sha256})`
}

/** A-1: null for a missing (42P01) or empty alembic_version (D-37). */
async function schemaRevision(sql: Sql): Promise<string | null> {
  try {
    const rows = await sql<{ version_num: string }[]>`SELECT version_num FROM alembic_version`
    return rows[0]?.version_num ?? null
  } catch (err) {
    if (err instanceof postgres.PostgresError && err.code === '42P01') return null
    throw err
  }
}

/** Q-G: distinct non-empty origins in byte order; version null = missing-package form. */
async function adviserRunOrigins(
  sql: Sql,
  name: string,
  version: string | null,
  index: string,
): Promise<string[]> {
  const rows = await sql<{ origin: string }[]>`
    SELECT DISTINCT ar.origin COLLATE "C" AS origin
    FROM adviser_run ar
    JOIN external_python_software_stack s ON s.id = ar.user_software_stack_id
    JOIN has_external_python_requirement_lock h
      ON h.external_python_requirements_locked_id = s.external_python_requirements_lock_id
    JOIN python_package_version_entity e ON e.id = h.python_package_version_entity_id
    JOIN python_package_index i ON i.id = e.python_package_index_id
    WHERE e.package_name = ${normalizePackageName(name)}
      ${version === null ? sql`` : sql`AND e.package_version = ${normalizeVersion(version)}`}
      AND i.url = ${normalizeIndexUrl(index)}
      AND ar.origin IS NOT NULL AND ar.origin <> ''
    ORDER BY 1`
  return rows.map((r) => r.origin)
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
