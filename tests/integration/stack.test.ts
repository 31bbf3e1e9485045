// The local stack works as the service will use it: a real Kafka broker (PLAINTEXT,
// SASL_PLAINTEXT/PLAIN, SASL_SSL/PLAIN and SSL with client certificates) and a real PostgreSQL
// with db/schema.sql. Never skipped.
import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { readFileSync } from 'node:fs'
import { Kafka, logLevel, type KafkaConfig } from 'kafkajs'
import postgres from 'postgres'
import {
  brokers,
  createScratchDatabase,
  saslBrokers,
  saslCredentials,
  mtlsBrokers,
  sslBrokers,
  tlsFiles,
  uniqueName,
  type ScratchDatabase,
} from '../helpers/stack.ts'

/** Creates a fresh topic, produces one message and consumes it back; returns the received value. */
async function roundTrip(config: KafkaConfig, value: string): Promise<string> {
  const kafka = new Kafka({ clientId: uniqueName('it'), logLevel: logLevel.NOTHING, ...config })
  const topic = uniqueName('it-stack')
  const admin = kafka.admin()
  const producer = kafka.producer()
  const consumer = kafka.consumer({ groupId: uniqueName('it-stack'), maxWaitTimeInMs: 500 })
  await admin.connect()
  try {
    await admin.createTopics({ topics: [{ topic, numPartitions: 1 }], waitForLeaders: true })
    await producer.connect()
    await producer.send({ topic, messages: [{ key: 'k', value }] })
    await consumer.connect()
    await consumer.subscribe({ topic, fromBeginning: true })
    const received = new Promise<string>((resolve) => {
      void consumer.run({
        eachMessage: async ({ message }) => resolve(message.value?.toString() ?? ''),
      })
    })
    return await received
  } finally {
    await consumer.disconnect()
    await producer.disconnect()
    await admin.deleteTopics({ topics: [topic] }).catch(() => {})
    await admin.disconnect()
  }
}

/** The error of an admin connect with `config` (null when it connected). */
async function connectError(config: KafkaConfig): Promise<unknown> {
  const admin = new Kafka({ clientId: uniqueName('it'), logLevel: logLevel.NOTHING, retry: { retries: 0 }, ...config }).admin()
  const err: unknown = await admin.connect().then(
    () => null,
    (e: unknown) => e,
  )
  await admin.disconnect()
  return err
}

describe('kafka', () => {
  test('PLAINTEXT: a produced message is consumed from a fresh topic', async () => {
    const value = `plain ${crypto.randomUUID()}`
    expect(await roundTrip({ brokers }, value)).toBe(value)
  })

  test('SASL_PLAINTEXT: a round trip with the PLAIN login', async () => {
    const value = `sasl ${crypto.randomUUID()}`
    const sasl = { mechanism: 'plain' as const, ...saslCredentials }
    expect(await roundTrip({ brokers: saslBrokers, sasl }, value)).toBe(value)
  })

  test('SASL_PLAINTEXT: a wrong password fails authentication', async () => {
    const err = await connectError({
      brokers: saslBrokers,
      sasl: { mechanism: 'plain', username: saslCredentials.username, password: 'wrong-password' },
    })
    expect(err).toBeInstanceOf(Error)
    expect((err as Error).name).toBe('KafkaJSSASLAuthenticationError')
  })
})

describe('kafka over TLS (certificates signed by a CA made at broker start)', () => {
  const sasl = { mechanism: 'plain' as const, ...saslCredentials }
  const ca = () => [readFileSync(tlsFiles.ca, 'utf8')]
  const clientCert = () => ({ cert: readFileSync(tlsFiles.clientCert, 'utf8'), key: readFileSync(tlsFiles.clientKey, 'utf8'), passphrase: tlsFiles.clientKeyPassword() })

  test('SASL_SSL: a round trip when the CA is trusted', async () => {
    const value = `tls ${crypto.randomUUID()}`
    expect(await roundTrip({ brokers: sslBrokers, sasl, ssl: { ca: ca(), rejectUnauthorized: true } }, value)).toBe(value)
  })

  test('SASL_SSL: no connection when the CA is not trusted', async () => {
    const err = await connectError({ brokers: sslBrokers, sasl, ssl: { rejectUnauthorized: true } })
    expect(err).toBeInstanceOf(Error)
    expect(String((err as Error).message)).toContain('certificate')
  })

  test('SSL with a client certificate (encrypted key and its passphrase): a round trip', async () => {
    const value = `mtls ${crypto.randomUUID()}`
    expect(await roundTrip({ brokers: mtlsBrokers, ssl: { ca: ca(), ...clientCert(), rejectUnauthorized: true } }, value)).toBe(value)
  })

  test('SSL without a client certificate: the broker refuses the handshake', async () => {
    const err = await connectError({ brokers: mtlsBrokers, ssl: { ca: ca(), rejectUnauthorized: true } })
    expect(err).toBeInstanceOf(Error)
    expect(String((err as Error).message)).toContain('BAD_CERTIFICATE') // the broker's TLS alert
  })
})

describe('postgres', () => {
  let db: ScratchDatabase
  let sql: postgres.Sql

  beforeAll(async () => {
    db = await createScratchDatabase()
    sql = postgres(db.url, { max: 1 })
  })
  afterAll(async () => {
    await sql?.end()
    await db?.drop()
  })

  test('db/schema.sql is loaded: a python_package_version row is written and read back', async () => {
    const [index] = await sql<{ id: number }[]>`
      insert into python_package_index (url, verify_ssl, enabled)
      values ('https://pypi.org/simple', true, true) returning id`
    const [entity] = await sql<{ id: number }[]>`
      insert into python_package_version_entity (package_name, package_version, python_package_index_id)
      values ('flask', '3.0.0', ${index!.id}) returning id`
    await sql`
      insert into python_package_version
        (package_name, package_version, os_name, os_version, python_version, entity_id, python_package_index_id)
      values ('flask', '3.0.0', 'rhel', '9', '3.11', ${entity!.id}, ${index!.id})`

    const rows = await sql`
      select package_name, package_version, os_name, is_missing, provides_source_distro
      from python_package_version where package_name = 'flask' and package_version = '3.0.0'`
    expect([...rows]).toEqual([
      {
        package_name: 'flask',
        package_version: '3.0.0',
        os_name: 'rhel',
        is_missing: false,
        provides_source_distro: true,
      },
    ])
  })

  test('the scratch database is owned by the role the service logs in as', async () => {
    const [row] = await sql<{ me: string; owner: string }[]>`
      select current_user as me, pg_get_userbyid(datdba) as owner
      from pg_database where datname = current_database()`
    expect(row?.owner).toBe(row!.me)
  })
})
