/**
 * The real knowledge-graph port on a scratch PostgreSQL database, plus seeding helpers for handler
 * tests. Scratch databases come from tests/helpers/stack.ts.
 *
 * Schema source: db/schema.sql by default; with THOTH_TEST_KG_SCHEMA=real and
 * THOTH_TEST_KG_TEMPLATE=<database>, a copy of that database, which
 * tests/integration/real-schema.test.ts creates with thoth-storages' initialize_schema() and then
 * runs the handler tests against.
 */
import { randomUUID } from 'node:crypto'
import postgres from 'postgres'
import { createKnowledgeGraph, type KnowledgeGraphClient } from '../../lib/knowledge-graph.ts'
import { memoryLogger } from '../../lib/log.ts'
import { createScratchDatabase, pgAdminUrl, pgUrlFor, type ScratchDatabase } from './stack.ts'

/** Where scratch knowledge graphs come from: db/schema.sql, or a copy of a template database. */
export type KgSchema = { readonly kind: 'minimal' } | { readonly kind: 'template'; readonly database: string }

/** The schema source selected by THOTH_TEST_KG_SCHEMA / THOTH_TEST_KG_TEMPLATE (default: minimal). */
export function kgSchemaFromEnv(env: Record<string, string | undefined>): KgSchema {
  const schema = env.THOTH_TEST_KG_SCHEMA ?? 'minimal'
  if (schema === 'minimal') return { kind: 'minimal' }
  const database = env.THOTH_TEST_KG_TEMPLATE
  if (schema !== 'real' || !database)
    throw new Error(`THOTH_TEST_KG_SCHEMA=${schema}: expected minimal, or real with THOTH_TEST_KG_TEMPLATE`)
  return { kind: 'template', database }
}

/**
 * A scratch database copied from `template` (CREATE DATABASE ... TEMPLATE), owned by the
 * investigator's role like every scratch database. The template must have no open connections.
 */
export async function cloneDatabase(template: string): Promise<ScratchDatabase> {
  const name = `scratch_${randomUUID().replaceAll('-', '_')}`
  const owner = decodeURIComponent(new URL(pgUrlFor(name)).username)
  const admin = () => postgres(pgAdminUrl, { max: 1, onnotice: () => {} })
  const sql = admin()
  try {
    await sql.unsafe(`create database "${name}" template "${template}" owner "${owner}"`)
  } finally {
    await sql.end()
  }
  return {
    name,
    url: pgUrlFor(name),
    async drop() {
      const s = admin()
      try {
        await s.unsafe(`drop database if exists "${name}" with (force)`)
      } finally {
        await s.end()
      }
    },
  }
}

/** A real port, a seeding connection, and cleanup (drops the database). */
export interface RealKnowledgeGraph {
  readonly kg: KnowledgeGraphClient
  readonly sql: postgres.Sql
  close(): Promise<void>
}

/** Creates a scratch database (default schema: see the header) and the real port on it. */
export async function realKnowledgeGraph(
  schema: KgSchema = kgSchemaFromEnv(process.env),
): Promise<RealKnowledgeGraph> {
  const db = schema.kind === 'minimal' ? await createScratchDatabase() : await cloneDatabase(schema.database)
  const url = new URL(db.url)
  const kg = createKnowledgeGraph(
    {
      host: url.hostname,
      port: Number(url.port),
      user: decodeURIComponent(url.username),
      password: decodeURIComponent(url.password),
      database: db.name,
      sslDisabled: true,
      debugQueries: false,
      maxConnections: 2,
    },
    memoryLogger(),
  )
  const sql = postgres(db.url, { max: 1, onnotice: () => {} })
  return {
    kg,
    sql,
    async close() {
      await sql.end()
      await kg.close()
      await db.drop()
    },
  }
}

/** Inserts an index row; returns its id. */
export async function seedIndex(sql: postgres.Sql, url: string, enabled: boolean | null = true): Promise<number> {
  const [row] = await sql<{ id: number }[]>`
    INSERT INTO python_package_index (url, verify_ssl, enabled) VALUES (${url}, true, ${enabled}) RETURNING id`
  return row!.id
}

/** One solved package version: entity (reused when it exists) and a python_package_version row. */
export interface SeedVersion {
  readonly name: string
  readonly version: string | null
  readonly indexId: number
  readonly os?: string
  readonly osVersion?: string
  readonly python?: string
}

/** Inserts an environment row of a package version; returns the entity and version ids. */
export async function seedPackageVersion(sql: postgres.Sql, v: SeedVersion) {
  const [entity] = await sql<{ id: number }[]>`
    INSERT INTO python_package_version_entity (package_name, package_version, python_package_index_id)
    VALUES (${v.name}, ${v.version}, ${v.indexId})
    ON CONFLICT (package_name, package_version, python_package_index_id)
      DO UPDATE SET package_name = EXCLUDED.package_name
    RETURNING id`
  const [pv] = await sql<{ id: number }[]>`
    INSERT INTO python_package_version
      (package_name, package_version, os_name, os_version, python_version, entity_id, python_package_index_id)
    VALUES (${v.name}, ${v.version}, ${v.os ?? 'rhel'}, ${v.osVersion ?? '8'}, ${v.python ?? '3.8'},
      ${entity!.id}, ${v.indexId})
    RETURNING id`
  return { entityId: entity!.id, versionId: pv!.id }
}

/** Inserts an artifact linked to an entity; returns its id. */
export async function seedArtifact(sql: postgres.Sql, entityId: number, sha256: string): Promise<number> {
  const [a] = await sql<{ id: number }[]>`
    INSERT INTO python_artifact (artifact_hash_sha256, artifact_name) VALUES (${sha256}, ${`${sha256}.whl`})
    RETURNING id`
  await sql`INSERT INTO has_artifact (python_package_version_entity_id, python_artifact_id) VALUES (${entityId}, ${a!.id})`
  return a!.id
}

/** Inserts an aggregated security-indicator run for a package version row (Q-4 true). */
export async function seedSecurityIndicators(sql: postgres.Sql, ids: { entityId: number; versionId: number }) {
  const counters = Object.fromEntries(SI_COUNTERS.map((c) => [c, 0]))
  const run = { si_aggregated_run_document_id: 'si-1', ...counters, datetime: new Date('2023-06-01T00:00:00Z') }
  const [r] = await sql<{ id: number }[]>`INSERT INTO si_aggregated_run ${sql(run)} RETURNING id`
  await sql`
    INSERT INTO si_aggregated (si_aggregated_run_id, python_package_version_entity_id, python_package_version_id)
    VALUES (${r!.id}, ${ids.entityId}, ${ids.versionId})`
}

/** The NOT NULL counter columns of si_aggregated_run (seeding needs a value for each). */
export const SI_COUNTERS = [
  ...['high', 'low', 'medium'].flatMap((s) =>
    ['high', 'low', 'medium', 'undefined'].map((c) => `severity_${s}_confidence_${c}`),
  ),
  'number_of_analyzed_files',
  'number_of_files_total',
  'number_of_files_with_severities',
  'number_of_filtered_files',
  'number_of_python_files',
  'number_of_lines_with_comments_in_python_files',
  'number_of_blank_lines_in_python_files',
  'number_of_lines_with_code_in_python_files',
  'total_number_of_files',
  'total_number_of_lines',
  'total_number_of_lines_with_comments',
  'total_number_of_blank_lines',
  'total_number_of_lines_with_code',
]
