/**
 * The knowledge-graph port against real PostgreSQL: every query of spec/knowledge-graph.md.
 *
 * Schema source (a parameter of this file, never skipped):
 * - default (`THOTH_TEST_KG_SCHEMA` unset or `minimal`): a scratch database named with
 *   randomUUID(), created on THOTH_TEST_PG_ADMIN_URL and loaded with db/schema.sql, dropped at
 *   the end;
 * - THOTH_TEST_KG_URL set (required with `THOTH_TEST_KG_SCHEMA=real`): that database as it is,
 *   e.g. one created by thoth-storages' initialize_schema(). Every row seeded here carries a
 *   random token, assertions only look at those rows, and they are deleted at the end.
 * A-1 "missing/empty table" and connection failures always use scratch databases / a closed port.
 */
import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { randomUUID } from 'node:crypto'
import { createServer } from 'node:net'
import postgres from 'postgres'
import type { FlagUpdate } from '../../lib/context.ts'
import { UpstreamError } from '../../lib/errors.ts'
import {
  createKnowledgeGraph,
  type KnowledgeGraphClient,
  type KnowledgeGraphOptions,
} from '../../lib/knowledge-graph.ts'
import { SolverNameError } from '../../lib/knowledge-graph-keys.ts'
import { memoryLogger } from '../../lib/log.ts'
import { SI_COUNTERS } from '../helpers/kg.ts'

const ADMIN_URL =
  process.env.THOTH_TEST_PG_ADMIN_URL ?? 'postgres://postgres:test@127.0.0.1:55432/postgres'
const SCHEMA_FILE = new URL('../../db/schema.sql', import.meta.url).pathname

/** Where the queries run: a fresh scratch database with db/schema.sql, or a given database. */
type SchemaSource = { kind: 'minimal' } | { kind: 'existing'; url: string; label: string }

function schemaSource(env: Record<string, string | undefined>): SchemaSource {
  const schema = env.THOTH_TEST_KG_SCHEMA ?? 'minimal'
  const url = env.THOTH_TEST_KG_URL
  if (url) return { kind: 'existing', url, label: schema }
  if (schema !== 'minimal')
    throw new Error(`THOTH_TEST_KG_SCHEMA=${schema} needs THOTH_TEST_KG_URL`)
  return { kind: 'minimal' }
}

function withDatabase(url: string, database: string): string {
  const u = new URL(url)
  u.pathname = `/${database}`
  return u.toString()
}

/** Creates `kg_<uuid>` on the admin server, optionally runs DDL in it; `drop()` removes it. */
async function scratchDatabase(ddl?: (db: postgres.Sql) => Promise<unknown>) {
  const name = `kg_${randomUUID().replaceAll('-', '')}`
  const admin = postgres(ADMIN_URL, { max: 1, onnotice: () => {} })
  await admin.unsafe(`CREATE DATABASE "${name}"`)
  const url = withDatabase(ADMIN_URL, name)
  if (ddl) {
    const db = postgres(url, { max: 1, onnotice: () => {} })
    await ddl(db)
    await db.end()
  }
  return {
    url,
    async drop() {
      await admin.unsafe(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`)
      await admin.end()
    },
  }
}

function optionsFromUrl(url: string, extra: Partial<KnowledgeGraphOptions> = {}) {
  const u = new URL(url)
  return {
    host: u.hostname,
    port: Number(u.port || 5432),
    user: decodeURIComponent(u.username),
    password: decodeURIComponent(u.password),
    database: decodeURIComponent(u.pathname.slice(1)),
    sslDisabled: false, // libpq `prefer`; the local server offers no TLS: covers the fallback
    debugQueries: false,
    maxConnections: 3,
    connectTimeoutSeconds: 5,
    ...extra,
  } satisfies KnowledgeGraphOptions
}

const SOURCE = schemaSource(process.env)
const T = randomUUID().replaceAll('-', '').slice(0, 12) // row token: isolates this run's rows
const PYPI = 'https://pypi.org/simple'
const PYPI_LEGACY = 'https://pypi.python.org/simple'
const idx = (name: string) => `https://${name}-${T}.example/simple`
const pkg = (name: string) => `kgt${T}-${name}`
const RHEL = ['rhel', '8', '3.8'] as const
const FEDORA = ['fedora', '34', '3.9'] as const
type Env = readonly [string, string, string]

let target: { url: string; cleanup(): Promise<void> }
let db: postgres.Sql
let kg: KnowledgeGraphClient
const createdIndexIds: number[] = []
const createdStackIds: number[] = []

beforeAll(async () => {
  if (SOURCE.kind === 'minimal') {
    const scratch = await scratchDatabase((d) => d.file(SCHEMA_FILE))
    target = { url: scratch.url, cleanup: scratch.drop }
  } else {
    target = { url: SOURCE.url, cleanup: () => deleteSeededRows() }
  }
  db = postgres(target.url, { max: 2, onnotice: () => {} })
  kg = createKnowledgeGraph(optionsFromUrl(target.url), memoryLogger('warn'))
})

afterAll(async () => {
  await kg?.close()
  await target?.cleanup()
  await db?.end()
})

async function deleteSeededRows() {
  const like = `%${T}%`
  await db`DELETE FROM adviser_run WHERE adviser_document_id LIKE ${like}`
  if (createdStackIds.length)
    await db`DELETE FROM external_python_software_stack WHERE id IN ${db(createdStackIds)}`
  await db`DELETE FROM external_python_requirements_lock WHERE requirements_lock_hash LIKE ${like}`
  await db`DELETE FROM si_aggregated_run WHERE si_aggregated_run_document_id LIKE ${like}`
  await db`DELETE FROM python_artifact WHERE artifact_name LIKE ${like}`
  await db`DELETE FROM python_package_version WHERE package_name LIKE ${like}`
  await db`DELETE FROM python_package_version_entity WHERE package_name LIKE ${like}`
  if (createdIndexIds.length)
    await db`DELETE FROM python_package_index WHERE id IN ${db(createdIndexIds)}`
}

// ---- seeding (rows as thoth-storages stores them: normalised names and versions) ----

async function index(url: string, enabled: boolean | null = true): Promise<number> {
  const [created] = await db<{ id: number }[]>`
    INSERT INTO python_package_index (url, verify_ssl, enabled) VALUES (${url}, true, ${enabled})
    ON CONFLICT (url) DO NOTHING RETURNING id`
  if (created) {
    createdIndexIds.push(created.id)
    return created.id
  }
  const [row] = await db<{ id: number }[]>`SELECT id FROM python_package_index WHERE url = ${url}`
  return row!.id
}

async function entity(name: string, version: string | null, indexId: number | null) {
  const [row] = await db<{ id: number }[]>`
    INSERT INTO python_package_version_entity
      (package_name, package_version, python_package_index_id)
    VALUES (${name}, ${version}, ${indexId}) RETURNING id`
  return row!.id
}

/** One entity plus one python_package_version row per environment; returns the row ids. */
async function solved(name: string, version: string | null, indexId: number, envs: Env[] = [RHEL]) {
  const entityId = await entity(name, version, indexId)
  const ids: number[] = []
  for (const [os, osVersion, py] of envs) {
    const [row] = await db<{ id: number }[]>`
      INSERT INTO python_package_version (package_name, package_version, os_name, os_version,
        python_version, entity_id, python_package_index_id)
      VALUES (${name}, ${version}, ${os}, ${osVersion}, ${py}, ${entityId}, ${indexId})
      RETURNING id`
    ids.push(row!.id)
  }
  return { entityId, ids }
}

async function flags(ids: number[]) {
  const rows = await db<{ id: number; is_missing: boolean; provides_source_distro: boolean }[]>`
    SELECT id, is_missing, provides_source_distro FROM python_package_version
    WHERE id IN ${db(ids)} ORDER BY id`
  return rows.map((r) => [r.is_missing, r.provides_source_distro])
}


async function siResult(entityId: number, versionId: number) {
  const run = Object.fromEntries(SI_COUNTERS.map((c) => [c, 0]))
  Object.assign(run, {
    si_aggregated_run_document_id: `si-${T}-${randomUUID()}`,
    datetime: new Date(),
  })
  const [row] = await db<{ id: number }[]>`INSERT INTO si_aggregated_run ${db(run)} RETURNING id`
  await db`INSERT INTO si_aggregated (si_aggregated_run_id, python_package_version_entity_id,
    python_package_version_id) VALUES (${row!.id}, ${entityId}, ${versionId})`
}

// ---- Q-1, Q-2, Q-3 ----

const SOURCE_LABEL = SOURCE.kind === 'minimal' ? 'db/schema.sql' : SOURCE.label

describe(`knowledge graph queries (${SOURCE_LABEL})`, () => {
  test('Q-1 matches normalised name and version on that index only (D-11)', async () => {
    const a = await index(idx('q1a'))
    const b = await index(idx('q1b'))
    await solved(pkg('flask-sqlalchemy'), '1.0.0rc1', a)
    await solved(pkg('flask-sqlalchemy'), '2.0', b)
    const msgName = `KGT${T.toUpperCase()}_Flask.SQLAlchemy`
    expect(await kg.packageVersionExists(msgName, '1.0.0RC1', idx('q1a'))).toBe(true)
    expect(await kg.packageVersionExists(msgName, '1.0.0rc1', idx('q1b'))).toBe(false)
    expect(await kg.packageVersionExists(msgName, '2.0', idx('q1a'))).toBe(false)
    expect(await kg.packageVersionExists(msgName, 'v2.0', idx('q1b'))).toBe(true)
    expect(await kg.packageVersionExists(msgName, '3.0', idx('q1b'))).toBe(false)
    expect(await kg.packageVersionExists(msgName, '2.0', `${idx('q1b')}/`)).toBe(false)
    // an empty index drops the index condition, as upstream
    expect(await kg.packageVersionExists(msgName, '2.0', '')).toBe(true)
    expect(await kg.packageVersionExists(msgName, null, '')).toBe(false)
  })

  test('Q-1 maps the legacy PyPI URL', async () => {
    const pypi = await index(PYPI)
    await solved(pkg('legacy'), '1.0', pypi)
    expect(await kg.packageVersionExists(pkg('legacy'), '1.0', PYPI_LEGACY)).toBe(true)
    expect(await kg.packageVersionExists(pkg('legacy'), '1.0', `${PYPI}/`)).toBe(false)
  })

  test('Q-2 lists URLs by id, optionally only enabled ones (D-13)', async () => {
    const [c, a, d, b] = [idx('q2-c'), idx('q2-a'), idx('q2-d'), idx('q2-b')]
    await index(c, true)
    await index(a, false)
    await index(d, null) // NULL counts as disabled, but `enabled = false` does not match it
    await index(b, true)
    const mine = (xs: string[]) => xs.filter((u) => [a, b, c, d].includes(u))
    expect(mine(await kg.indexUrls())).toEqual([c, a, d, b])
    expect(mine(await kg.indexUrls(true))).toEqual([c, b])
    expect(mine(await kg.indexUrls(false))).toEqual([a])
    const all = await db<{ url: string }[]>`SELECT url FROM python_package_index ORDER BY id`
    expect(await kg.indexUrls()).toEqual(all.map((r) => r.url))
  })

  test('Q-3 filters by the solver environment parsed as upstream does', async () => {
    const i = await index(idx('q3'))
    await solved(pkg('q3'), '1.0', i, [['rhel', '8.2', '3.8'], ['RHEL', '8', '3.10'], FEDORA])
    const q3 = (solver: string, version = '1.0') =>
      kg.solvedBy(pkg('q3'), version, idx('q3'), solver)
    expect(await q3('solver-ubi-8.2-py38')).toBe(true) // ubi -> rhel, version kept
    expect(await q3('solver-rhel-8.2-py38')).toBe(false) // rhel -> version cut to 8
    expect(await q3('solver-RHEL-8.5-py310')).toBe(true) // case kept, cut to 8
    expect(await q3('solver-fedora-34-py39')).toBe(true)
    expect(await q3('solver-fedora-35-py39')).toBe(false)
    expect(await q3('solver-fedora-34-py39', '2.0')).toBe(false)
    expect(await q3('')).toBe(true) // no solver name: any solver, as upstream
    await expect(q3('solver-fedora-34')).rejects.toBeInstanceOf(SolverNameError)
  })

  // ---- Q-4, Q-5 ----

  test('Q-4 looks for results on the requested index only (D-19)', async () => {
    const a = await index(idx('q4a'))
    const b = await index(idx('q4b'))
    const onA = await solved(pkg('q4'), '1.0', a)
    await solved(pkg('q4'), '1.0', b)
    await solved(pkg('q4'), '2.0', a)
    await siResult(onA.entityId, onA.ids[0]!)
    expect(await kg.securityIndicatorsExist(`KGT${T}_Q4`, 'V1.0', idx('q4a'))).toBe(true)
    expect(await kg.securityIndicatorsExist(pkg('q4'), '1.0', idx('q4b'))).toBe(false)
    expect(await kg.securityIndicatorsExist(pkg('q4'), '2.0', idx('q4a'))).toBe(false)
  })

  test('Q-5 returns one row per environment, NULL versions included, that index only', async () => {
    const a = await index(idx('q5a'))
    const b = await index(idx('q5b'))
    await solved(pkg('q5'), '1.0', a, [RHEL, FEDORA])
    await solved(pkg('q5'), null, a)
    await solved(pkg('q5'), '2.0', b)
    await solved(pkg('q5-other'), '1.0', a)
    const rows = await kg.packageVersions(`KGT${T}.Q5`, idx('q5a'))
    expect(rows).toEqual([
      { package_name: pkg('q5'), package_version: '1.0', index_url: idx('q5a') },
      { package_name: pkg('q5'), package_version: '1.0', index_url: idx('q5a') },
      { package_name: pkg('q5'), package_version: null, index_url: idx('q5a') },
    ])
    expect(await kg.packageVersions(pkg('q5'), idx('missing'))).toEqual([])
  })

  // ---- U-1, U-1b, U-2, U-3 ----

  test('U-1 updates every environment of the version on the index (D-11)', async () => {
    const a = await index(idx('u1a'))
    const b = await index(idx('u1b'))
    const target = await solved(pkg('u1'), '1.0.0rc1', a, [RHEL, FEDORA])
    const otherIndex = await solved(pkg('u1'), '1.0.0rc1', b)
    const otherVersion = await solved(pkg('u1'), '1.0', a)
    await kg.setMissing([
      { name: `KGT${T}__U1`, version: '1.0.0RC1', index: idx('u1a'), value: true },
    ])
    expect(await flags(target.ids)).toEqual([
      [true, true],
      [true, true],
    ])
    expect(await flags([...otherIndex.ids, ...otherVersion.ids])).toEqual([
      [false, true],
      [false, true],
    ])
    await kg.setMissing([]) // no statement, no error
    await kg.setMissing([{ name: pkg('nothing'), version: '1', index: idx('u1a'), value: true }])
  })

  test('U-1 / U-2 calls of one turn (the partitions of one fetch) are one statement per column', async () => {
    const a = await index(idx('u1turn'))
    const one = await solved(pkg('turn1'), '1', a)
    const two = await solved(pkg('turn2'), '1', a)
    const log = memoryLogger('debug')
    const client = createKnowledgeGraph(optionsFromUrl(target.url, { debugQueries: true }), log)
    try {
      await client.ping()
      const before = log.lines.length
      await Promise.all([
        client.setMissing([{ name: pkg('turn1'), version: '1', index: idx('u1turn'), value: true }]),
        client.setMissing([{ name: pkg('turn2'), version: '1', index: idx('u1turn'), value: true }]),
        client.setProvidesSourceDistro([{ name: pkg('turn1'), version: '1', index: idx('u1turn'), value: false }]),
        client.setProvidesSourceDistro([{ name: pkg('turn2'), version: '1', index: idx('u1turn'), value: false }]),
      ])
      const statements = log.lines.slice(before).filter((l) => l.msg === 'sql').map((l) => String(l.query))
      expect(statements.filter((q) => q.includes('UPDATE python_package_version'))).toHaveLength(2)
      expect(await flags([...one.ids, ...two.ids])).toEqual([
        [true, false],
        [true, false],
      ])
    } finally {
      await client.close()
    }
  })

  test('warm() opens every pool connection and runs U-1 and U-2 on each, changing no row', async () => {
    const a = await index(idx('warm'))
    const row = await solved(pkg('warm'), '1', a)
    const before = await flags(row.ids)
    const log = memoryLogger('debug')
    const client = createKnowledgeGraph(optionsFromUrl(target.url, { debugQueries: true, maxConnections: 3 }), log)
    try {
      await client.warm()
      const updates = log.lines.filter((l) => l.msg === 'sql' && String(l.query).includes('UPDATE python_package_version'))
      const columns = new Map<unknown, Set<string>>()
      for (const l of updates) {
        const column = String(l.query).includes('"is_missing"') ? 'is_missing' : String(l.query).includes('"provides_source_distro"') ? 'provides_source_distro' : '?'
        columns.set(l.connection, (columns.get(l.connection) ?? new Set()).add(column))
      }
      expect(columns.size).toBe(3)
      for (const cols of columns.values()) expect([...cols].sort()).toEqual(['is_missing', 'provides_source_distro'])
      expect(await flags(row.ids)).toEqual(before)
      expect(log.lines.filter((l) => l.level === 'warn')).toEqual([])
    } finally {
      await client.close()
    }
  })

  test('warm() never throws: an unreachable database is a warning', async () => {
    const log = memoryLogger('debug')
    const port = await closedPort()
    const client = createKnowledgeGraph(optionsFromUrl(`postgres://nobody:x@127.0.0.1:${port}/none`, { maxConnections: 2, connectTimeoutSeconds: 2 }), log)
    try {
      await client.warm()
      expect(log.lines.filter((l) => l.msg === 'pool warm-up failed')).toHaveLength(1)
    } finally {
      await client.close()
    }
  })

  test('U-1 batches: duplicate keys keep the last value, several chunks', async () => {
    const i = await index(idx('u1batch'))
    const n = 2500 // three statements of at most 1000 rows
    await db`
      WITH e AS (
        INSERT INTO python_package_version_entity
          (package_name, package_version, python_package_index_id)
        SELECT ${pkg('bulk')}, g::text, ${i} FROM generate_series(1, ${n}) g
        RETURNING id, package_version)
      INSERT INTO python_package_version (package_name, package_version, os_name, os_version,
        python_version, entity_id, python_package_index_id)
      SELECT ${pkg('bulk')}, package_version, 'rhel', '8', '3.8', id, ${i} FROM e`
    const updates: FlagUpdate[] = []
    for (let v = 1; v <= n; v++)
      updates.push({ name: pkg('bulk'), version: String(v), index: idx('u1batch'), value: true })
    // later duplicates (other spellings of the same key) win: versions 1..10 end up false
    for (let v = 1; v <= 10; v++)
      updates.push({ name: `KGT${T}-Bulk`, version: `v${v}`, index: idx('u1batch'), value: false })
    await kg.setMissing(updates)
    const rows = await db<{ missing: number; present: number }[]>`
      SELECT count(*) FILTER (WHERE is_missing)::int AS missing,
             count(*) FILTER (WHERE NOT is_missing)::int AS present
      FROM python_package_version WHERE package_name = ${pkg('bulk')}`
    expect(rows[0]).toEqual({ missing: n - 10, present: 10 })
  })

  test('U-1b flags every row of the package on that index, NULL versions included', async () => {
    const a = await index(idx('u1ba'))
    const b = await index(idx('u1bb'))
    const hit = [
      ...(await solved(pkg('u1b'), '1.0', a, [RHEL, FEDORA])).ids,
      ...(await solved(pkg('u1b'), null, a)).ids,
    ]
    const miss = [
      ...(await solved(pkg('u1b'), '1.0', b)).ids,
      ...(await solved(pkg('u1b-other'), '1.0', a)).ids,
    ]
    await kg.setPackageMissing(`KGT${T}.U1B`, idx('u1ba'))
    expect(await flags(hit)).toEqual([
      [true, true],
      [true, true],
      [true, true],
    ])
    expect(await flags(miss)).toEqual([
      [false, true],
      [false, true],
    ])
  })

  test('U-2 sets provides_source_distro like U-1, batched, last value wins', async () => {
    const a = await index(idx('u2a'))
    const b = await index(idx('u2b'))
    const target = await solved(pkg('u2'), '2.0', a, [RHEL, FEDORA])
    const other = await solved(pkg('u2'), '2.0', b)
    await kg.setProvidesSourceDistro([
      { name: pkg('u2'), version: '2.0', index: idx('u2a'), value: true },
      { name: `KGT${T}_U2`, version: 'V2.0', index: idx('u2a'), value: false },
    ])
    expect(await flags(target.ids)).toEqual([
      [false, false],
      [false, false],
    ])
    expect(await flags(other.ids)).toEqual([[false, true]])
    await kg.setProvidesSourceDistro([
      { name: pkg('u2'), version: '2.0', index: idx('u2a'), value: true },
    ])
    expect(await flags(target.ids)).toEqual([
      [false, true],
      [false, true],
    ])
  })

  test('U-3 marks only the matching hash of that entity on that index', async () => {
    const a = await index(idx('u3a'))
    const b = await index(idx('u3b'))
    const onA = await entity(pkg('u3'), '1.0', a)
    const onB = await entity(pkg('u3'), '1.0', b)
    const otherVersion = await entity(pkg('u3'), '2.0', a)
    const artifact = async (hash: string, ...entityIds: number[]) => {
      const [row] = await db<{ id: number }[]>`
        INSERT INTO python_artifact (artifact_hash_sha256, artifact_name)
        VALUES (${hash}, ${`${pkg('u3')}-${randomUUID()}.whl`}) RETURNING id`
      for (const e of entityIds) {
        await db`INSERT INTO has_artifact (python_package_version_entity_id, python_artifact_id)
          VALUES (${e}, ${row!.id})`
      }
      return row!.id
    }
    const bad = `${T}${'a'.repeat(52)}`
    const hit = await artifact(bad, onA)
    const sameHashOtherIndex = await artifact(bad, onB)
    const sameHashOtherVersion = await artifact(bad, otherVersion)
    const otherHash = await artifact(`${T}${'b'.repeat(52)}`, onA)
    await kg.markHashNotPresent(`KGT${T}-U3`, 'v1.0', idx('u3a'), bad)
    const rows = await db<{ id: number; present: boolean }[]>`
      SELECT id, present FROM python_artifact
      WHERE id IN ${db([hit, sameHashOtherIndex, sameHashOtherVersion, otherHash])} ORDER BY id`
    expect(rows.map((r) => r.present)).toEqual([false, true, true, true])
    await kg.markHashNotPresent(pkg('u3'), '9.9', idx('u3a'), bad) // zero rows: no error
  })

  // ---- Q-G, A-1 ----

  test('Q-G: distinct non-empty origins in byte order, index and version scoped', async () => {
    const a = await index(idx('qga'))
    const b = await index(idx('qgb'))
    const v1 = await entity(pkg('qg'), '1.0', a)
    const v2 = await entity(pkg('qg'), '2.0', a)
    const vNull = await entity(pkg('qg'), null, a)
    const otherIndex = await entity(pkg('qg'), '1.0', b)
    const noIndex = await entity(pkg('qg'), '1.0', null)
    const lock = async (...entityIds: number[]) => {
      const [row] = await db<{ id: number }[]>`
        INSERT INTO external_python_requirements_lock (requirements_lock_hash)
        VALUES (${`${T}-${randomUUID()}`}) RETURNING id`
      for (const e of entityIds) {
        await db`INSERT INTO has_external_python_requirement_lock
          (external_python_requirements_locked_id, python_package_version_entity_id)
          VALUES (${row!.id}, ${e})`
      }
      return row!.id
    }
    const stack = async (lockId: number | null) => {
      const [row] = await db<{ id: number }[]>`
        INSERT INTO external_python_software_stack (external_python_requirements_lock_id)
        VALUES (${lockId}) RETURNING id`
      createdStackIds.push(row!.id)
      return row!.id
    }
    const run = async (origin: string | null, stackId: number | null) => {
      await db`
        INSERT INTO adviser_run (adviser_document_id, datetime, adviser_version, adviser_name,
          debug, adviser_error, recommendation_type, requirements_format,
          advised_configuration_changes, additional_stack_info, origin, user_software_stack_id)
        VALUES (${`adviser-${T}-${randomUUID()}`}, now(), '0.1', 'adviser', false, false, 'STABLE',
          'PIPENV', false, false, ${origin}, ${stackId})`
    }
    const withV1 = await stack(await lock(v1))
    await run('https://github.com/b/repo', withV1)
    await run('https://github.com/B/repo', withV1)
    await run('https://github.com/b/repo', withV1) // same origin twice: listed once
    await run('https://github.com/a/repo.git', await stack(await lock(v1, v2)))
    await run('https://github.com/v2-only', await stack(await lock(v2)))
    await run('https://github.com/null-version', await stack(await lock(vNull)))
    await run('https://github.com/other-index', await stack(await lock(otherIndex)))
    await run('https://github.com/no-index', await stack(await lock(noIndex)))
    await run(null, withV1)
    await run('', withV1)
    await run('https://github.com/no-stack', null)
    await run('https://github.com/no-lock', await stack(null))

    expect(await kg.adviserRunOrigins(`KGT${T}_QG`, 'v1.0', idx('qga'))).toEqual([
      'https://github.com/B/repo',
      'https://github.com/a/repo.git',
      'https://github.com/b/repo',
    ])
    expect(await kg.adviserRunOrigins(pkg('qg'), null, idx('qga'))).toEqual([
      'https://github.com/B/repo',
      'https://github.com/a/repo.git',
      'https://github.com/b/repo',
      'https://github.com/null-version',
      'https://github.com/v2-only',
    ])
    expect(await kg.adviserRunOrigins(pkg('qg'), '1.0', idx('qgb'))).toEqual([
      'https://github.com/other-index',
    ])
    expect(await kg.adviserRunOrigins(pkg('qg'), '1.0', `${idx('qga')}/`)).toEqual([])
  })

  test('A-1 reads the stored revision', async () => {
    expect(await kg.schemaRevision()).toBe('bf9ea2a38b01')
  })
})

// ---- always on scratch databases / closed ports ----

describe('knowledge graph edge cases', () => {
  const withScratch = async (
    ddl: string | null,
    fn: (kg: KnowledgeGraphClient) => Promise<void>,
  ) => {
    const scratch = await scratchDatabase(ddl === null ? undefined : (d) => d.unsafe(ddl).simple())
    const client = createKnowledgeGraph(optionsFromUrl(scratch.url), memoryLogger('warn'))
    try {
      await fn(client)
    } finally {
      await client.close()
      await scratch.drop()
    }
  }

  test('A-1 gives null for a missing alembic_version table (D-37)', async () => {
    await withScratch(null, async (c) => expect(await c.schemaRevision()).toBeNull())
  })

  test('A-1 gives null for an empty alembic_version table (D-37)', async () => {
    const ddl = 'CREATE TABLE alembic_version (version_num varchar(32) PRIMARY KEY)'
    await withScratch(ddl, async (c) => expect(await c.schemaRevision()).toBeNull())
  })

  test('a statement the server rejects is a non-retryable UpstreamError', async () => {
    await withScratch('CREATE TABLE alembic_version (x integer)', async (c) => {
      const err = await c.schemaRevision().catch((e: unknown) => e)
      expect(err).toBeInstanceOf(UpstreamError)
      expect(err).toMatchObject({ upstream: 'postgres', retryable: false })
      expect((err as UpstreamError).message).toContain('A-1')
    })
  })

  test('an unreachable server gives a retryable UpstreamError', async () => {
    const port = await closedPort()
    const url = `postgres://postgres:x@127.0.0.1:${port}/postgres`
    const client = createKnowledgeGraph(
      optionsFromUrl(url, { connectTimeoutSeconds: 2 }),
      memoryLogger(),
    )
    try {
      for (const call of [() => client.ping(), () => client.packageVersionExists('a', '1', PYPI)]) {
        const err = await call().catch((e: unknown) => e)
        expect(err).toBeInstanceOf(UpstreamError)
        expect(err).toMatchObject({ upstream: 'postgres', retryable: true })
      }
    } finally {
      await client.close()
    }
  })

  test('debug queries logs statement text, never parameter values', async () => {
    const log = memoryLogger('debug')
    const client = createKnowledgeGraph(optionsFromUrl(target.url, { debugQueries: true }), log)
    try {
      await client.packageVersions(`secret-${T}`, PYPI)
    } finally {
      await client.close()
    }
    const sqlLines = log.lines.filter((l) => l.msg === 'sql')
    expect(sqlLines.some((l) => String(l.query).includes('python_package_version'))).toBe(true)
    expect(JSON.stringify(log.lines)).not.toContain(`secret-${T}`)
  })
})

/** A local port with nothing listening (bound, then released). */
async function closedPort(): Promise<number> {
  const server = createServer()
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as { port: number }
  await new Promise<void>((resolve) => server.close(() => resolve()))
  return port
}
