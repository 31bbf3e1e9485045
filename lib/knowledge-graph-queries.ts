/**
 * The knowledge-graph statements of spec/knowledge-graph.md (Q-1..Q-5, U-1, U-1b, U-2, U-3, A-1,
 * Q-G), each one parameterised statement (its own short transaction). `lib/knowledge-graph.ts`
 * builds the port on them.
 */
import postgres from 'postgres'
import type { FlagUpdate, PackageVersionRow } from './context.ts'
import { flagUpdateColumns, normalizeIndexUrl, normalizePackageName, normalizeVersion, type SolverEnvironment } from './knowledge-graph-keys.ts'

/** Rows per U-1/U-2 statement; larger batches run as several statements in one transaction. */
export const FLAG_UPDATE_CHUNK = 1000

export type Sql = postgres.Sql | postgres.TransactionSql
type Found = { found: boolean }[]

/** Q-1 (env null) and Q-3 (env given); an empty index drops the index condition, as upstream. */
export async function packageVersionExists(
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
export async function indexUrls(sql: Sql, enabled: boolean | undefined): Promise<string[]> {
  const rows = await sql<{ url: string }[]>`
    SELECT url FROM python_package_index
    ${enabled === undefined ? sql`` : sql`WHERE enabled = ${enabled}`}
    ORDER BY id`
  return rows.map((r) => r.url)
}

/** Q-4, scoped to the requested index (D-19). */
export async function securityIndicatorsExist(sql: Sql, name: string, version: string, index: string) {
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
export async function packageVersions(sql: Sql, name: string, index: string) {
  const rows = await sql<PackageVersionRow[]>`
    SELECT pv.package_name, pv.package_version, i.url AS index_url
    FROM python_package_version pv
    JOIN python_package_index i ON i.id = pv.python_package_index_id
    WHERE pv.package_name = ${normalizePackageName(name)} AND i.url = ${normalizeIndexUrl(index)}
    ORDER BY pv.id`
  return [...rows]
}

export type FlagColumn = 'is_missing' | 'provides_source_distro'
export type FlagColumns = ReturnType<typeof flagUpdateColumns>

// Array type oids (text[], bool[]), given explicitly: postgres.js infers `bool` for a boolean
// array, and maps element oids to array oids only once a connection has fetched its types.
const [TEXT_ARRAY, BOOL_ARRAY] = [1009, 1000]

/** U-1 / U-2 for one chunk of deduplicated, normalised updates; rows already right are skipped. */
export async function setFlagChunk(sql: Sql, column: FlagColumn, c: FlagColumns): Promise<void> {
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
export async function setFlag(sql: postgres.Sql, column: FlagColumn, updates: readonly FlagUpdate[]) {
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
export async function setPackageMissing(sql: Sql, name: string, index: string): Promise<void> {
  await sql`
    UPDATE python_package_version SET is_missing = true
    WHERE NOT is_missing AND id IN (
      SELECT pv.id FROM python_package_version pv
      JOIN python_package_index i ON i.id = pv.python_package_index_id
      WHERE pv.package_name = ${normalizePackageName(name)}
        AND i.url = ${normalizeIndexUrl(index)})`
}

/** U-3 (D-9): only the artifacts with that digest linked to that entity on that index. */
export async function markHashNotPresent(
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
export async function schemaRevision(sql: Sql): Promise<string | null> {
  try {
    const rows = await sql<{ version_num: string }[]>`SELECT version_num FROM alembic_version`
    return rows[0]?.version_num ?? null
  } catch (err) {
    if (err instanceof postgres.PostgresError && err.code === '42P01') return null
    throw err
  }
}

/** Q-G: distinct non-empty origins in byte order; version null = missing-package form. */
export async function adviserRunOrigins(
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
