/**
 * Traffic and its effects: message builders whose every effect carries the message id
 * (`chaos-msg-<id>` in the package name or project URL), producing in bulk, seeding the knowledge
 * graph, and counting what happened: workflows per id on the API test server, database flags,
 * committed positions, dead letters.
 */
import type { Admin, Kafka, Producer } from 'kafkajs'
import type postgres from 'postgres'
import type { KubeApiServer } from '../tests/servers/kube-api.ts'
import type { Result } from './report.ts'

export const PYPI = 'https://pypi.org/simple'
export const BACKEND = 'thoth-backend'
export const MIDDLETIER = 'thoth-middletier'

/** Base names the scenarios use. */
export const REPO = 'thoth.repo-init'
export const MPV = 'thoth.package-update.missing-package-version'
export const UPSD = 'thoth.update-provides-source-distro'
export const SOLVED = 'thoth.solver.solved-package'

/** The id marker in every effect; never part of a deployment prefix (`chaos-<hex>`). */
export const marker = (i: number) => `chaos-msg-${i}`
/** Finds the id in a text that holds a {@link marker}. */
export function idIn(text: string): number | undefined {
  const m = /chaos-msg-(\d+)/.exec(text)
  return m ? Number(m[1]) : undefined
}

/** repo-init: one thoth-repo-init workflow (backend). */
export const repoInit = (i: number) => ({ project_url: `https://github.com/chaos/${marker(i)}`, component_name: 'chaos', service_version: '0' })
/** missing-package-version: is_missing = true (U-1), then one kebechet-administrator workflow (backend). */
export const missingVersion = (i: number) => ({ index_url: PYPI, package_name: marker(i), package_version: '1.0.0' })
/** update-provides-source-distro: provides_source_distro = false (U-2), no workflow. */
export const sourceDistro = (i: number) => ({ index_url: PYPI, package_name: marker(i), package_version: '1.0.0', value: false })
/** solved-package: security-indicators (middletier) and kebechet-administrator (backend). */
export const solvedPackage = (i: number) => ({ index_url: PYPI, package_name: marker(i), package_version: '1.0.0', solver: 'solver-rhel-8-py38' })

/** ids from..from+count-1. */
export const range = (from: number, count: number) => Array.from({ length: count }, (_, k) => from + k)

/** Creates topics with `partitions` partitions (before the service creates them with one). */
export async function createTopics(admin: Admin, topics: string[], partitions: number): Promise<void> {
  await admin.createTopics({ topics: topics.map((topic) => ({ topic, numPartitions: partitions })), waitForLeaders: true })
}

/** Sends values in order, record k to partition k % partitions; objects as JSON, strings, Buffers and null as they are. */
export async function produce(producer: Producer, topic: string, values: unknown[], partitions = 1): Promise<void> {
  for (let at = 0; at < values.length; at += 1000) await produceFrom(producer, topic, values.slice(at, at + 1000), at, partitions)
}

/** One python_package_version row (1.0.0 on PyPI) per id, both flags at their defaults. */
export async function seedPackages(sql: postgres.Sql, ids: number[]): Promise<void> {
  const [index] = await sql<{ id: number }[]>`
    INSERT INTO python_package_index (url, verify_ssl, enabled) VALUES (${PYPI}, true, true)
    ON CONFLICT (url) DO UPDATE SET enabled = true RETURNING id`
  const names = ids.map(marker)
  await sql`
    WITH e AS (
      INSERT INTO python_package_version_entity (package_name, package_version, python_package_index_id)
      SELECT n, '1.0.0', ${index!.id} FROM unnest(${sql.array(names)}::text[]) AS n
      ON CONFLICT DO NOTHING RETURNING id, package_name)
    INSERT INTO python_package_version (package_name, package_version, os_name, os_version, python_version, entity_id, python_package_index_id)
    SELECT e.package_name, '1.0.0', 'rhel', '8', '3.8', e.id, ${index!.id} FROM e`
}

/** ids whose row has the flag at `value`. */
export async function flagged(sql: postgres.Sql, column: 'is_missing' | 'provides_source_distro', value: boolean): Promise<Set<number>> {
  const rows = await sql<{ n: string }[]>`SELECT package_name AS n FROM python_package_version WHERE ${sql(column)} = ${value} AND package_name LIKE 'chaos-msg-%'`
  return new Set(rows.map((r) => idIn(r.n) as number))
}

/** Workflows stored in `namespace` whose name starts with `kind`, counted per message id. */
export function workflowsPerId(kube: KubeApiServer, namespace: string, kind: string): Map<number, number> {
  const out = new Map<number, number>()
  for (const wf of kube.workflows(namespace)) {
    if (!String(wf.metadata?.name).startsWith(`${kind}-`)) continue
    const id = idIn(JSON.stringify(wf.spec?.arguments ?? {}))
    if (id === undefined) continue
    out.set(id, (out.get(id) ?? 0) + 1)
  }
  return out
}

/** K-4 (create workflow) answers by status code. */
export function createAnswers(kube: KubeApiServer): Record<number, number> {
  const out: Record<number, number> = {}
  for (const r of kube.calls('K-4')) out[r.status] = (out[r.status] ?? 0) + 1
  return out
}

/** Lost (no effect) and duplicated (more than one) counts of `ids` in a per-id tally. */
export function tallyIds(ids: number[], counts: Map<number, number> | Set<number>): { handled: number; lost: number[]; duplicates: number } {
  const lost: number[] = []
  let duplicates = 0
  for (const i of ids) {
    const c = counts instanceof Set ? (counts.has(i) ? 1 : 0) : (counts.get(i) ?? 0)
    if (c === 0) lost.push(i)
    if (c > 1) duplicates += c - 1
  }
  return { handled: ids.length - lost.length, lost, duplicates }
}

/** Sum over partitions of the group's committed offsets of a topic (partitions without a commit count 0). */
export async function committedTotal(admin: Admin, group: string, topic: string): Promise<number> {
  const res = await admin.fetchOffsets({ groupId: group, topics: [topic] })
  return (res[0]?.partitions ?? []).reduce((s, p) => s + Math.max(0, Number(p.offset)), 0)
}

/** Sum over partitions of the topic's end offsets. */
export async function endTotal(admin: Admin, topic: string): Promise<number> {
  return (await admin.fetchTopicOffsets(topic)).reduce((s, p) => s + Number(p.high), 0)
}

/** A record read back from a topic. */
export interface ReadRecord {
  readonly partition: number
  readonly offset: string
  readonly value: Buffer | null
  readonly headers: Record<string, string>
}

/** Reads a topic from the beginning up to its current end offsets. */
export async function readTopic(kafka: Kafka, admin: Admin, topic: string, timeoutMs = 60_000): Promise<ReadRecord[]> {
  const ends = new Map((await admin.fetchTopicOffsets(topic)).map((p) => [p.partition, BigInt(p.high)]))
  const pending = new Set([...ends].filter(([, h]) => h > 0n).map(([p]) => p))
  const out: ReadRecord[] = []
  if (!pending.size) return out
  const c = kafka.consumer({ groupId: `chaos-reader-${crypto.randomUUID()}`, maxWaitTimeInMs: 200 })
  await c.connect()
  await c.subscribe({ topic, fromBeginning: true })
  let done: () => void = () => {}
  const finished = new Promise<void>((r) => (done = r))
  await c.run({
    eachBatch: async ({ batch }) => {
      for (const m of batch.messages) {
        const headers = Object.fromEntries(Object.entries(m.headers ?? {}).map(([k, v]) => [k, String(v)]))
        out.push({ partition: batch.partition, offset: m.offset, value: m.value, headers })
        if (BigInt(m.offset) + 1n >= (ends.get(batch.partition) ?? 0n)) pending.delete(batch.partition)
      }
      if (!pending.size) done()
    },
  })
  let t: ReturnType<typeof setTimeout> | undefined
  const timer = new Promise<void>((_, reject) => (t = setTimeout(() => reject(new Error(`reading ${topic} timed out`)), timeoutMs)))
  try {
    await Promise.race([finished, timer])
  } finally {
    clearTimeout(t)
    await c.disconnect()
  }
  return out
}

/** Sends `values` in chunks with a pause between them (traffic while things break). */
export async function trickle(producer: Producer, topic: string, values: unknown[], o: { partitions?: number; chunk?: number; pauseMs?: number } = {}): Promise<void> {
  const chunk = o.chunk ?? 250
  for (let at = 0; at < values.length; at += chunk) {
    await produceFrom(producer, topic, values.slice(at, at + chunk), at, o.partitions ?? 1)
    await Bun.sleep(o.pauseMs ?? 50)
  }
}

async function produceFrom(producer: Producer, topic: string, values: unknown[], first: number, partitions: number): Promise<void> {
  const enc = (v: unknown) => (v === null || typeof v === 'string' || Buffer.isBuffer(v) ? (v as string | Buffer | null) : JSON.stringify(v))
  const messages = values.map((v, k) => ({ partition: (first + k) % partitions, value: enc(v) }))
  await producer.send({ topic, acks: -1, messages })
}

/**
 * Adds one message type's outcome to a result: a record is handled when every effect tally has
 * it, lost when one lacks it; every extra effect is a duplicate. Both are failures.
 */
export function account(r: Result, what: string, ids: number[], effects: (Map<number, number> | Set<number>)[]): void {
  const lost = new Set<number>()
  let duplicates = 0
  for (const e of effects) {
    const t = tallyIds(ids, e)
    for (const i of t.lost) lost.add(i)
    duplicates += t.duplicates
  }
  r.handled += ids.length - lost.size
  r.lost += lost.size
  r.duplicates += duplicates
  if (lost.size) r.failures.push(`${what}: ${lost.size} of ${ids.length} records have no effect (ids ${[...lost].slice(0, 8).join(', ')}${lost.size > 8 ? ', ...' : ''})`)
  if (duplicates) r.failures.push(`${what}: ${duplicates} duplicate effects`)
}
