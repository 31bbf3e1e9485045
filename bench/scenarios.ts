/**
 * The five scenarios: which topics get which messages, what the knowledge graph is seeded with,
 * and which effects must exist afterwards. Every message names its partition (a package's
 * messages always land in the same partition, so their order is checked through the final
 * database state).
 */
import type postgres from 'postgres'
import { MESSAGE_TYPES } from '../lib/topics.ts'
import { metricSum } from './harness.ts'

/** Index every package message names (seeded, enabled). */
export const INDEX_URL = 'https://pypi.org/simple'
/** The solvers ConfigMap of the Kubernetes test server: ALL_SOLVERS submits one workflow each. */
export const SOLVERS = ['solver-rhel-8-py38', 'solver-rhel-9-py39'] as const

/** Scenario names, in the order `all` runs them. */
export const SCENARIOS = ['db-flags', 'workflows', 'mixed', 'latency', 'backlog'] as const
export type ScenarioName = (typeof SCENARIOS)[number]

/** Parameters every scenario takes (rate and duration: latency only). */
export interface Params {
  count: number
  partitions: number
  workers: number
  rate: number
  durationS: number
  /**
   * Steady runs: seconds produced at `rate` before the measured `durationS` (0: none). Their
   * records are handled and verified like the rest; their latency is reported apart (cold start).
   */
  warmupS?: number
}

/** Messages of a steady run: warm-up plus measured window. */
export const steadyCount = (p: Params) => p.rate * ((p.warmupS ?? 0) + p.durationS)

/** One message type's share of a run: `count` messages, payload of the i-th, expected workflows. */
export interface Load {
  stem: string
  count: number
  payload(i: number): Record<string, unknown>
  /** Partition key: messages with the same key go to the same partition, in order. */
  row(i: number): number
  workflowsEach: number
}

/** A verification result: `expected` and `actual` must be equal. */
export interface Check {
  name: string
  expected: number
  actual: number
}

/** What verify() can look at once every offset is committed. */
export interface VerifyContext {
  sql: postgres.Sql
  metrics: string
  deploymentName: string
}

/** A scenario definition. */
export interface Scenario {
  name: ScenarioName
  description: string
  /** pre-loaded topics, or a steady producer after the service is ready. */
  kind: 'preload' | 'steady'
  defaults: Params
  /** Service environment on top of the common one. */
  env: Record<string, string>
  /** True when the run needs the Kubernetes API test server. */
  kube: boolean
  loads(p: Params): Load[]
  seed(sql: postgres.Sql, p: Params): Promise<void>
  verify(ctx: VerifyContext, p: Params): Promise<Check[]>
}

const COMMON = { component_name: 'bench', service_version: '0.0.0', version: 'v1' }
/** Version of row i: 273 distinct values, as versions recur across packages. Same as VERSION_SQL. */
const versionOf = (i: number) => `${i % 7}.${i % 13}.${i % 3}`
const VERSION_SQL = `(g % 7) || '.' || (g % 13) || '.' || (g % 3)`
const pkg = (name: string, i: number) => ({ package_name: name, package_version: versionOf(i), index_url: INDEX_URL })

/** Rows `<prefix>0..<prefix>n-1` of python_package_version (one shared entity), versions as versionOf(). */
async function seedRows(sql: postgres.Sql, prefix: string, n: number): Promise<void> {
  if (n <= 0) return
  const [e] = await sql<{ id: number }[]>`
    INSERT INTO python_package_version_entity (package_name, package_version, python_package_index_id)
    VALUES (${`${prefix}-entity`}, '1.0.0', (SELECT id FROM python_package_index WHERE url = ${INDEX_URL})) RETURNING id`
  await sql`
    INSERT INTO python_package_version
      (package_name, package_version, os_name, os_version, python_version, entity_id, python_package_index_id)
    SELECT ${prefix} || g, ${sql.unsafe(VERSION_SQL)}, 'rhel', '8', '3.8', ${e?.id ?? 0}, (SELECT id FROM python_package_index WHERE url = ${INDEX_URL})
    FROM generate_series(0, ${n - 1}::int) g`
}

async function seedIndex(sql: postgres.Sql): Promise<void> {
  await sql`INSERT INTO python_package_index (url, verify_ssl, enabled) VALUES (${INDEX_URL}, true, true) ON CONFLICT (url) DO NOTHING`
}

/**
 * The db-flag load: missing-package-version sets is_missing on one row per message;
 * update-provides-source-distro sends `false` for rows 0..r-1, then `true` again for rows 0..d-1
 * (same partition, later offset): the final value proves both the effect and the order.
 */
function flagLoads(count: number, prefix: string, kebechet: boolean): Load[] {
  const missing = Math.ceil(count / 2)
  const provides = count - missing
  const doubled = Math.floor(provides / 3)
  const rows = provides - doubled
  return [
    {
      stem: 'missing-package-version',
      count: missing,
      payload: (i) => ({ ...COMMON, ...pkg(`${prefix}mv${i}`, i) }),
      row: (i) => i,
      workflowsEach: kebechet ? 1 : 0,
    },
    {
      stem: 'update-provides-source-distro',
      count: provides,
      payload: (i) => ({ ...COMMON, ...pkg(`${prefix}ps${i < rows ? i : i - rows}`, i < rows ? i : i - rows), value: i >= rows }),
      row: (i) => (i < rows ? i : i - rows),
      workflowsEach: 0,
    },
  ]
}

async function seedFlags(sql: postgres.Sql, count: number, prefix: string): Promise<void> {
  const missing = Math.ceil(count / 2)
  const provides = count - missing
  await seedRows(sql, `${prefix}mv`, missing)
  await seedRows(sql, `${prefix}ps`, provides - Math.floor(provides / 3))
}

/** Rows whose flags are not what the messages sent (0 when nothing was lost or reordered). */
async function verifyFlags(sql: postgres.Sql, count: number, prefix: string): Promise<Check[]> {
  const missing = Math.ceil(count / 2)
  const provides = count - missing
  const doubled = Math.floor(provides / 3)
  const mv = `${prefix}mv`
  const ps = `${prefix}ps`
  const [r] = await sql<{ missing: number; wrong: number; doubled_ok: number }[]>`
    SELECT
      count(*) FILTER (WHERE package_name LIKE ${`${mv}%`} AND is_missing)::int AS missing,
      count(*) FILTER (WHERE package_name LIKE ${`${ps}%`} AND provides_source_distro <> (substr(package_name, ${ps.length + 1})::int < ${doubled}))::int AS wrong,
      count(*) FILTER (WHERE package_name LIKE ${`${ps}%`} AND substr(package_name, ${ps.length + 1})::int < ${doubled} AND provides_source_distro)::int AS doubled_ok
    FROM python_package_version`
  return [
    { name: 'missing-package-version rows flagged is_missing', expected: missing, actual: r?.missing ?? -1 },
    { name: 'update-provides-source-distro rows with a wrong final value (loss or reorder)', expected: 0, actual: r?.wrong ?? -1 },
    { name: 'update-provides-source-distro rows set twice ending on the later value', expected: doubled, actual: r?.doubled_ok ?? -1 },
  ]
}

const DB_FLAGS: Scenario = {
  name: 'db-flags',
  description: 'missing-package-version + update-provides-source-distro, database updates only (Kebechet switch off)',
  kind: 'preload',
  defaults: { count: 100_000, partitions: 6, workers: 6, rate: 0, durationS: 0 },
  env: { THOTH_INVESTIGATOR_KEBECHET_ADMINISTRATOR: '0' },
  kube: false,
  loads: (p) => flagLoads(p.count, '', false),
  seed: async (sql, p) => {
    await seedIndex(sql)
    await seedFlags(sql, p.count, '')
  },
  verify: async ({ sql }, p) => verifyFlags(sql, p.count, ''),
}

const BACKLOG: Scenario = {
  ...DB_FLAGS,
  name: 'backlog',
  description: 'the db-flags load, 10x larger, all pre-loaded before start: memory must stay bounded',
  defaults: { ...DB_FLAGS.defaults, count: 1_000_000 },
}

const LATENCY: Scenario = {
  ...DB_FLAGS,
  name: 'latency',
  description: 'db-flag messages at a steady rate after the service is ready; produce timestamp -> covering commit',
  kind: 'steady',
  defaults: { count: 0, partitions: 6, workers: 6, rate: 1000, durationS: 60, warmupS: 5 },
  loads: (p) => flagLoads(steadyCount(p), '', false),
  seed: async (sql, p) => {
    await seedIndex(sql)
    await seedFlags(sql, steadyCount(p), '')
  },
  verify: async ({ sql }, p) => verifyFlags(sql, steadyCount(p), ''),
}

const WORKFLOWS: Scenario = {
  name: 'workflows',
  description: 'solved-package (security indicators + Kebechet administrator) and unresolved-package (two solvers): 2 workflows each',
  kind: 'preload',
  defaults: { count: 20_000, partitions: 6, workers: 6, rate: 0, durationS: 0 },
  env: {},
  kube: true,
  loads: (p) => [
    {
      stem: 'solved-package',
      count: Math.ceil(p.count / 2),
      payload: (i) => ({ ...COMMON, ...pkg(`sp${i}`, i), solver: SOLVERS[0] }),
      row: (i) => i,
      workflowsEach: 2,
    },
    {
      stem: 'unresolved-package',
      count: Math.floor(p.count / 2),
      payload: (i) => ({ ...COMMON, ...pkg(`up${i}`, i), solver: null }),
      row: (i) => i,
      workflowsEach: SOLVERS.length,
    },
  ],
  seed: seedIndex,
  verify: async () => [],
}

/**
 * Shares of the 19 types in the mixed run (percent). No production traffic figures are public;
 * this follows Thoth's flow: solver results and package-index updates dominate, user-facing
 * triggers are a few percent each.
 */
export const MIXED_WEIGHTS: Record<string, number> = {
  'update-provides-source-distro': 18,
  'solved-package': 14,
  'missing-package-version': 12,
  'unresolved-package': 12,
  'si-unanalyzed-package': 8,
  'advise-justification': 8,
  'package-released': 6,
  'adviser-trigger': 5,
  'hash-mismatch': 2,
  'missing-package': 2,
  'cve-provided': 2,
  'provenance-checker-trigger': 2,
  'kebechet-trigger': 2,
  'unrevsolved-package': 2,
  'kebechet-run-url-trigger': 1,
  'inspection-completed': 1,
  'package-extract-trigger': 1,
  'build-analysis-trigger': 1,
  'repo-init': 1,
}

const REPO = 'https://github.com/thoth-station/bench'
const SHA = (i: number) => i.toString(16).padStart(64, '0')

/** Payload and expected workflows (switches: defaults, Kebechet on, 2 solvers) per type. */
const MIXED_TYPES: Record<string, { payload: (i: number) => Record<string, unknown>; workflowsEach: number }> = {
  'update-provides-source-distro': { payload: (i) => ({ ...COMMON, ...pkg(`xps${i}`, i), value: false }), workflowsEach: 0 },
  'solved-package': { payload: (i) => ({ ...COMMON, ...pkg(`xsp${i}`, i), solver: SOLVERS[1] }), workflowsEach: 2 },
  'missing-package-version': { payload: (i) => ({ ...COMMON, ...pkg(`xmv${i}`, i) }), workflowsEach: 1 },
  'unresolved-package': { payload: (i) => ({ ...COMMON, ...pkg(`xup${i}`, i), solver: null }), workflowsEach: SOLVERS.length },
  'si-unanalyzed-package': { payload: (i) => ({ ...COMMON, ...pkg(`xsi${i}`, i) }), workflowsEach: 1 },
  'advise-justification': {
    payload: (i) => ({ ...COMMON, message: `justification ${i % 5}`, justification_type: ['INFO', 'WARNING', 'ERROR'][i % 3], count: 1 + (i % 4), adviser_version: '0.0.0' }),
    workflowsEach: 0,
  },
  'package-released': { payload: (i) => ({ ...COMMON, ...pkg(`xpr${i}`, i) }), workflowsEach: SOLVERS.length + 1 },
  'adviser-trigger': {
    payload: (i) => ({ ...COMMON, recommendation_type: 'stable', dev: false, debug: false, authenticated: false, count: 1, limit: 100, origin: `${REPO}-${i}`, source_type: 'CLI', job_id: null }),
    workflowsEach: 1,
  },
  'hash-mismatch': { payload: (i) => ({ ...COMMON, ...pkg(`xhm${i}`, i), missing_from_source: [SHA(i)] }), workflowsEach: SOLVERS.length + 1 },
  'missing-package': { payload: (i) => ({ ...COMMON, package_name: `xmp${i}`, index_url: INDEX_URL }), workflowsEach: 1 },
  'cve-provided': { payload: (i) => ({ ...COMMON, ...pkg(`xcv${i}`, i) }), workflowsEach: 1 },
  'provenance-checker-trigger': {
    payload: (i) => ({ ...COMMON, debug: false, authenticated: false, origin: `${REPO}-${i}`, whitelisted_sources: [INDEX_URL], job_id: null, kebechet_metadata: null, justification: [], stack_info: [] }),
    workflowsEach: 1,
  },
  'kebechet-trigger': { payload: (i) => ({ ...COMMON, webhook_payload: { action: 'opened', repository: { full_name: `thoth-station/bench-${i}` } }, job_id: null }), workflowsEach: 1 },
  'unrevsolved-package': { payload: (i) => ({ ...COMMON, package_name: `xur${i}`, package_version: '1.0.0' }), workflowsEach: 0 },
  'kebechet-run-url-trigger': {
    payload: (i) => ({ ...COMMON, url: `${REPO}-${i}`, service_name: 'github', job_id: null, kebechet_metadata: { id: i } }),
    workflowsEach: 1,
  },
  'inspection-completed': { payload: (i) => ({ ...COMMON, inspection_id: `inspection-bench-${i}`, force_sync: false }), workflowsEach: 1 },
  'package-extract-trigger': {
    payload: (i) => ({ ...COMMON, image: `quay.io/thoth-station/bench:${i}`, environment_type: 'runtime', is_external: true, verify_tls: true, debug: false, job_id: null, origin: null, graph_sync: false }),
    workflowsEach: 1,
  },
  'build-analysis-trigger': {
    payload: (i) => ({ ...COMMON, base_image: 'quay.io/thoth-station/s2i-thoth-ubi8-py38:v0.35.1', output_image: `quay.io/thoth-station/bench:${i}`, environment_type: 'runtime', origin: REPO, debug: false, job_id: null }),
    workflowsEach: 1,
  },
  'repo-init': { payload: (i) => ({ ...COMMON, project_url: `${REPO}-${i}` }), workflowsEach: 1 },
}

/** Messages per type: floor of the share, the remainder to the largest shares. */
export function mixedCounts(total: number): Map<string, number> {
  const entries = Object.entries(MIXED_WEIGHTS)
  const sum = entries.reduce((s, [, w]) => s + w, 0)
  const counts = new Map(entries.map(([stem, w]) => [stem, Math.floor((total * w) / sum)]))
  let rest = total - [...counts.values()].reduce((s, c) => s + c, 0)
  for (const [stem] of entries.sort((a, b) => b[1] - a[1])) {
    if (rest-- <= 0) break
    counts.set(stem, (counts.get(stem) ?? 0) + 1)
  }
  return counts
}

const MIXED: Scenario = {
  name: 'mixed',
  description: 'all 19 message types in the shares of MIXED_WEIGHTS, all three modes, Kebechet on',
  kind: 'preload',
  defaults: { count: 50_000, partitions: 6, workers: 6, rate: 0, durationS: 0 },
  env: { THOTH_CONSUMER_MODE: '["backend","middletier","metrics"]' },
  kube: true,
  loads: (p) =>
    [...mixedCounts(p.count)].map(([stem, count]) => ({
      stem,
      count,
      payload: (MIXED_TYPES[stem] as (typeof MIXED_TYPES)[string]).payload,
      row: (i: number) => i,
      workflowsEach: (MIXED_TYPES[stem] as (typeof MIXED_TYPES)[string]).workflowsEach,
    })),
  async seed(sql, p) {
    await seedIndex(sql)
    const c = mixedCounts(p.count)
    await seedRows(sql, 'xmv', c.get('missing-package-version') ?? 0)
    await seedRows(sql, 'xps', c.get('update-provides-source-distro') ?? 0)
    await seedRows(sql, 'xmp', c.get('missing-package') ?? 0)
    const hm = c.get('hash-mismatch') ?? 0
    if (hm > 0) {
      await sql`
        WITH e AS (
          INSERT INTO python_package_version_entity (package_name, package_version, python_package_index_id)
          SELECT 'xhm' || g, ${sql.unsafe(VERSION_SQL)}, (SELECT id FROM python_package_index WHERE url = ${INDEX_URL}) FROM generate_series(0, ${hm - 1}::int) g
          RETURNING id, substr(package_name, 4)::int AS i),
        a AS (
          INSERT INTO python_artifact (artifact_hash_sha256, artifact_name)
          SELECT lpad(to_hex(g), 64, '0'), 'xhm' || g || '.whl' FROM generate_series(0, ${hm - 1}::int) g
          RETURNING id, substr(artifact_name, 4, length(artifact_name) - 7)::int AS i)
        INSERT INTO has_artifact (python_package_version_entity_id, python_artifact_id) SELECT e.id, a.id FROM e JOIN a USING (i)`
    }
  },
  async verify({ sql, metrics, deploymentName }, p) {
    const c = mixedCounts(p.count)
    const [r] = await sql<{ mv: number; ps: number; mp: number; hm: number }[]>`
      SELECT
        (SELECT count(*)::int FROM python_package_version WHERE package_name LIKE 'xmv%' AND is_missing) AS mv,
        (SELECT count(*)::int FROM python_package_version WHERE package_name LIKE 'xps%' AND NOT provides_source_distro) AS ps,
        (SELECT count(*)::int FROM python_package_version WHERE package_name LIKE 'xmp%' AND is_missing) AS mp,
        (SELECT count(*)::int FROM python_artifact WHERE artifact_name LIKE 'xhm%' AND NOT present) AS hm`
    let justification = 0
    const aj = MIXED_TYPES['advise-justification'] as (typeof MIXED_TYPES)[string]
    for (let i = 0; i < (c.get('advise-justification') ?? 0); i++) justification += aj.payload(i).count as number
    return [
      { name: 'missing-package-version rows flagged', expected: c.get('missing-package-version') ?? 0, actual: r?.mv ?? -1 },
      { name: 'update-provides-source-distro rows flagged', expected: c.get('update-provides-source-distro') ?? 0, actual: r?.ps ?? -1 },
      { name: 'missing-package rows flagged', expected: c.get('missing-package') ?? 0, actual: r?.mp ?? -1 },
      { name: 'hash-mismatch artifacts marked not present', expected: c.get('hash-mismatch') ?? 0, actual: r?.hm ?? -1 },
      {
        name: 'advise justification counts (metric)',
        expected: justification,
        actual: metricSum(metrics, 'thoth_advise_justification_type_number', { thoth_environment: deploymentName }),
      },
    ]
  },
}

/** Every scenario by name. */
export const SCENARIO_DEFS: Record<ScenarioName, Scenario> = {
  'db-flags': DB_FLAGS,
  workflows: WORKFLOWS,
  mixed: MIXED,
  latency: LATENCY,
  backlog: BACKLOG,
}

/** Base name of a handler stem. */
export function baseNameOf(stem: string): string {
  const t = MESSAGE_TYPES.find((m) => m.stem === stem)
  if (!t) throw new Error(`unknown message type ${stem}`)
  return t.baseName
}
