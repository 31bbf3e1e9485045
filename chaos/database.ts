/**
 * The knowledge graph of one deployment: a scratch database on the shared test PostgreSQL (as
 * the investigator role, tests/helpers/stack.ts) or on a server of the run's own (as its
 * superuser), with db/schema.sql loaded; the service's KNOWLEDGE_GRAPH_* env and a connection
 * for seeding and checking.
 */
import { randomUUID } from 'node:crypto'
import { readFileSync } from 'node:fs'
import postgres from 'postgres'
import type { Env } from '../lib/config.ts'
import { createScratchDatabase, schemaPath } from '../tests/helpers/stack.ts'

/** A knowledge graph for one deployment: the service's env and a seeding connection. */
export interface Database {
  readonly env: Env
  readonly sql: postgres.Sql
  drop(): Promise<void>
}

/** A scratch database on the shared test PostgreSQL (tests/helpers/stack.ts), as the investigator role. */
export async function sharedDatabase(): Promise<Database> {
  let db: Awaited<ReturnType<typeof createScratchDatabase>> | undefined
  for (let attempt = 1; !db; attempt++) {
    // The shared server is busy with other engineers' tests: retry a failed creation twice.
    db = await createScratchDatabase().catch((err: unknown) => {
      if (attempt >= 3) throw err
      return Bun.sleep(2000).then(() => undefined)
    })
  }
  const sql = postgres(db.url, { max: 2, onnotice: () => {} })
  return { env: kgEnv(db.url), sql, drop: async () => void (await sql.end(), await db.drop()) }
}

/** A scratch database on a server of our own (superuser URL), schema loaded, used as that superuser. */
export async function ownDatabase(adminUrl: string): Promise<Database> {
  const name = `chaos_${randomUUID().replaceAll('-', '_')}`
  const admin = postgres(adminUrl, { max: 1, onnotice: () => {} })
  await admin.unsafe(`create database "${name}"`)
  await admin.end()
  const url = new URL(adminUrl)
  url.pathname = `/${name}`
  const sql = postgres(url.toString(), { max: 2, onnotice: () => {} })
  await sql.begin((tx) => tx.unsafe(readFileSync(schemaPath, 'utf8')))
  return { env: kgEnv(url.toString()), sql, drop: () => sql.end({ timeout: 1 }) }
}

function kgEnv(dbUrl: string): Env {
  const u = new URL(dbUrl)
  return {
    KNOWLEDGE_GRAPH_HOST: u.hostname,
    KNOWLEDGE_GRAPH_PORT: u.port,
    KNOWLEDGE_GRAPH_USER: decodeURIComponent(u.username),
    KNOWLEDGE_GRAPH_PASSWORD: decodeURIComponent(u.password),
    KNOWLEDGE_GRAPH_DATABASE: u.pathname.slice(1),
    KNOWLEDGE_GRAPH_SSL_DISABLED: '1',
  }
}
