/**
 * Where the local test stack lives, for integration tests: the Kafka broker and PostgreSQL server
 * that scripts/stack.sh starts (scripts/test.sh exports its `env` output before `bun test`).
 * Each value falls back to the stack's default, so a bare `bun test` works while the stack is up.
 * This module is the test-side composition root: the only test code that reads process.env.
 */
import { randomUUID } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import postgres from 'postgres'

const env = process.env

/** PLAINTEXT bootstrap servers of the test broker. */
export const brokers: string[] = (env.KAFKA_BOOTSTRAP_SERVERS ?? '127.0.0.1:9092').split(',')

/** SASL_PLAINTEXT (mechanism PLAIN) bootstrap servers of the same broker. */
export const saslBrokers: string[] = (env.THOTH_TEST_KAFKA_SASL_BROKERS ?? '127.0.0.1:9094').split(',')

/** SASL_SSL (mechanism PLAIN, same login) bootstrap servers of the same broker. */
export const sslBrokers: string[] = (env.THOTH_TEST_KAFKA_SSL_BROKERS ?? '127.0.0.1:9095').split(',')

/** SSL bootstrap servers of the same broker that require a client certificate (mTLS). */
export const mtlsBrokers: string[] = (env.THOTH_TEST_KAFKA_MTLS_BROKERS ?? '127.0.0.1:9096').split(',')

/** The test TLS files, made on every broker start: the CA, and the client certificate for mTLS. */
const tlsDir = env.THOTH_TEST_KAFKA_TLS_DIR ?? join(import.meta.dir, '..', '..', 'stack', '.run', 'tls')
export const tlsFiles = Object.freeze({
  ca: join(tlsDir, 'ca.pem'),
  clientCert: join(tlsDir, 'client.pem'),
  clientKey: join(tlsDir, 'client.key'),
  /** The client key's passphrase (the file holds it). */
  clientKeyPassword: () => readFileSync(join(tlsDir, 'client.pass'), 'utf8').trim(),
})

/** The one SASL/PLAIN login the test broker accepts. */
export const saslCredentials = Object.freeze({
  username: env.THOTH_TEST_KAFKA_SASL_USER ?? 'test',
  password: env.THOTH_TEST_KAFKA_SASL_PASSWORD ?? 'test-secret',
})

/** Superuser URL (database `postgres`), for creating and dropping scratch databases. */
export const pgAdminUrl: string =
  env.THOTH_TEST_PG_ADMIN_URL ?? 'postgres://postgres:test@127.0.0.1:55432/postgres'

const kgHost = env.KNOWLEDGE_GRAPH_HOST ?? '127.0.0.1'
const kgPort = env.KNOWLEDGE_GRAPH_PORT ?? '55432'
const kgUser = env.KNOWLEDGE_GRAPH_USER ?? 'investigator'
const kgPassword = env.KNOWLEDGE_GRAPH_PASSWORD ?? 'local-kg-secret'

/** URL of database `name` on the test server, as the investigator's role. */
export function pgUrlFor(name: string): string {
  const auth = `${encodeURIComponent(kgUser)}:${encodeURIComponent(kgPassword)}`
  return `postgres://${auth}@${kgHost}:${kgPort}/${encodeURIComponent(name)}`
}

/** URL of the investigator's own database (`thoth`), which scripts/stack.sh sets up. */
export const pgUrl: string = pgUrlFor(env.KNOWLEDGE_GRAPH_DATABASE ?? 'thoth')

/** Path of the knowledge-graph schema that scratch databases get by default. */
export const schemaPath: string = join(import.meta.dir, '..', '..', 'db', 'schema.sql')

/** A unique, Kafka- and SQL-safe name for a topic, group or database: `<prefix>-<uuid>`. */
export function uniqueName(prefix: string): string {
  return `${prefix}-${randomUUID()}`
}

/** A database of its own for one test file, owned by the investigator's role. */
export interface ScratchDatabase {
  readonly name: string
  readonly url: string
  /** Drops the database, closing any connection still open to it. */
  drop(): Promise<void>
}

/**
 * Creates a uniquely named database and loads `schemaSql` into it as the investigator's role
 * (default: db/schema.sql; pass '' for an empty database). The SQL runs through postgres.js in one
 * transaction, so it must be plain SQL: psql meta-commands (`\connect`, ...) are not understood.
 */
export async function createScratchDatabase(schemaSql?: string): Promise<ScratchDatabase> {
  const sqlText = schemaSql ?? readFileSync(schemaPath, 'utf8')
  const name = `scratch_${randomUUID().replaceAll('-', '_')}`
  await withAdmin((sql) => sql.unsafe(`create database "${name}" owner "${kgUser}"`))
  const url = pgUrlFor(name)
  if (sqlText.trim() !== '') {
    const sql = postgres(url, { max: 1, onnotice: () => {} })
    try {
      await sql.begin((tx) => tx.unsafe(sqlText))
    } catch (err) {
      await sql.end()
      await dropDatabase(name)
      throw new Error(`loading the schema into scratch database ${name} failed`, { cause: err })
    }
    await sql.end()
  }
  return { name, url, drop: () => dropDatabase(name) }
}

async function dropDatabase(name: string): Promise<void> {
  await withAdmin((sql) => sql.unsafe(`drop database if exists "${name}" with (force)`))
}

async function withAdmin<T>(fn: (sql: postgres.Sql) => Promise<T>): Promise<T> {
  const sql = postgres(pgAdminUrl, { max: 1, onnotice: () => {} })
  try {
    return await fn(sql)
  } finally {
    await sql.end()
  }
}
