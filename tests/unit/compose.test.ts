/**
 * compose.yaml, parsed with Bun's YAML parser (no engine runs here): the services, images, ports,
 * health checks and start order, and that the investigator's environment is one the service
 * accepts (the same validation as at start-up), with a kubeconfig it can load and sample
 * messages its handlers accept.
 */
import { describe, expect, test } from 'bun:test'
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { handlers } from '../../handlers/index.ts'
import { validateMessage } from '../../lib/cli/produce.ts'
import { loadConfig } from '../../lib/config.ts'
import { loadKubeConnection } from '../../lib/kube-connection.ts'
import { memoryLogger } from '../../lib/log.ts'

const ROOT = join(import.meta.dir, '..', '..')

interface Service {
  image?: string
  build?: { context: string; dockerfile: string }
  command?: string[]
  environment?: Record<string, string>
  ports?: string[]
  volumes?: string[]
  configs?: { source: string; target: string }[]
  depends_on?: Record<string, { condition: string }>
  healthcheck?: { test: string[] }
  restart?: string
}
interface Compose {
  services: Record<string, Service>
  configs?: Record<string, { content?: string }>
}

const compose = Bun.YAML.parse(readFileSync(join(ROOT, 'compose.yaml'), 'utf8')) as Compose
const svc = (name: string): Service => {
  const s = compose.services[name]
  if (!s) throw new Error(`compose.yaml has no service ${name}`)
  return s
}
const { kafka, postgres, investigator } = { kafka: svc('kafka'), postgres: svc('postgres'), investigator: svc('investigator') }
const producer = svc('produce-samples')
const env = investigator.environment ?? {}

describe('compose.yaml', () => {
  test('has Kafka, PostgreSQL, the investigator and a one-shot producer', () => {
    expect(Object.keys(compose.services).sort()).toEqual(['investigator', 'kafka', 'postgres', 'produce-samples'])
    expect(kafka.image).toMatch(/^(docker\.io\/)?apache\/kafka:3\.9\.\d+$/)
    expect(postgres.image).toMatch(/^(docker\.io\/)?(library\/)?postgres:15(\.\d+)?$/)
  })

  test('Kafka is a single KRaft node whose advertised listener is the one the investigator uses', () => {
    const k = kafka.environment ?? {}
    expect(k.KAFKA_PROCESS_ROLES).toBe('broker,controller')
    expect(k.KAFKA_CONTROLLER_QUORUM_VOTERS).toBe(`${k.KAFKA_NODE_ID}@kafka:9093`)
    expect(k.KAFKA_OFFSETS_TOPIC_REPLICATION_FACTOR).toBe('1')
    expect(k.CLUSTER_ID).toMatch(/^[A-Za-z0-9_-]{22}$/) // a base64 UUID, as kafka-storage format wants
    expect(k.KAFKA_ADVERTISED_LISTENERS?.split(',')).toContain(`PLAINTEXT://${env.KAFKA_BOOTSTRAP_SERVERS}`)
    expect(kafka.ports).toEqual(['127.0.0.1:19092:19092'])
    expect(k.KAFKA_ADVERTISED_LISTENERS).toContain('HOST://127.0.0.1:19092')
  })

  test('PostgreSQL loads db/schema.sql and has the credentials the investigator uses', () => {
    expect(postgres.volumes).toContain('./db/schema.sql:/docker-entrypoint-initdb.d/10-schema.sql:ro,z')
    const p = postgres.environment ?? {}
    expect([p.POSTGRES_USER, p.POSTGRES_PASSWORD, p.POSTGRES_DB]).toEqual([env.KNOWLEDGE_GRAPH_USER, env.KNOWLEDGE_GRAPH_PASSWORD, env.KNOWLEDGE_GRAPH_DATABASE])
    expect([env.KNOWLEDGE_GRAPH_HOST, env.KNOWLEDGE_GRAPH_PORT]).toEqual(['postgres', '5432'])
    expect(postgres.healthcheck?.test).toContain('pg_isready')
    expect(postgres.healthcheck?.test).toContain('127.0.0.1') // TCP answers only after the schema load
  })

  test('the investigator is built from the Containerfile and published on 6066', () => {
    expect(investigator.build).toEqual({ context: '.', dockerfile: 'Containerfile' })
    expect(investigator.command).toEqual(['serve'])
    expect(investigator.ports).toEqual(['127.0.0.1:6066:6066'])
    expect(env.THOTH_INVESTIGATOR_PORT).toBe('6066')
    expect(investigator.healthcheck?.test).toEqual(['CMD', '/usr/local/bin/investigator', 'status', '--quiet'])
  })

  test('start order: brokers and database healthy, then the investigator, then the samples', () => {
    for (const s of [kafka, postgres, investigator]) expect(s.healthcheck?.test[0]).toBe('CMD')
    expect(investigator.depends_on).toEqual({ kafka: { condition: 'service_healthy' }, postgres: { condition: 'service_healthy' } })
    expect(producer.depends_on).toEqual({ investigator: { condition: 'service_healthy' } })
  })

  test('the investigator environment is valid for the service and names only variables it knows', () => {
    const configSource = readFileSync(join(ROOT, 'lib', 'config.ts'), 'utf8')
    for (const name of Object.keys(env)) expect({ name, known: configSource.includes(name) }).toEqual({ name, known: true })
    for (const v of Object.values(env)) expect(typeof v).toBe('string') // numbers in YAML would need quotes
    const config = loadConfig(env)
    expect(config.modes).toEqual(['middletier', 'backend'])
    expect(config.deadLetterTopic).toBe('local.thoth.investigator.dead-letter')
    for (const required of ['THOTH_INFRA_NAMESPACE', 'THOTH_CEPH_BUCKET', 'THOTH_CEPH_BUCKET_PREFIX', 'THOTH_S3_ENDPOINT_URL', 'KAFKA_CONSUMER_GROUP_ID']) {
      expect(env[required]).toBeTruthy()
    }
  })

  test('the kubeconfig it mounts loads (start-up needs one in the scheduling modes)', () => {
    const mount = investigator.configs?.find((c) => c.target === env.KUBECONFIG)
    expect(mount).toBeDefined()
    const content = compose.configs?.[mount?.source ?? '']?.content ?? ''
    const path = join(mkdtempSync(join(tmpdir(), 'compose-kubeconfig-')), 'config')
    writeFileSync(path, content)
    const conn = loadKubeConnection({ verifyTls: true, kubeconfigPath: path }, memoryLogger())
    expect(conn.server).toBe('https://kubernetes.invalid:6443')
  })

  test('the one-shot producer runs the investigator image with valid sample messages', () => {
    expect(producer.image).toBe(investigator.image)
    expect(producer.build).toBeUndefined()
    expect(producer.restart).toBe('no')
    expect(producer.environment).toEqual(env)
    const [command, topic, messages] = producer.command ?? []
    expect(command).toBe('produce')
    const samples = JSON.parse(messages ?? '') as unknown[]
    expect(samples.length).toBeGreaterThan(1)
    for (const m of samples) expect(validateMessage(handlers, topic ?? '', JSON.stringify(m))).toEqual([])
  })
})
