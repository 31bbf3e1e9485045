/**
 * The wire format by evidence: thoth-messaging 0.16.2's own message classes and producer
 * (tests/python/produce_messages.py, in the venv of scripts/python-venv.sh) publish one valid
 * message of each of the 19 types to the local broker, and the whole service (lib/service.ts, all
 * real handlers, modes middletier + backend + metrics) handles every one: rows of the real
 * knowledge-graph schema (made by thoth-storages' initialize_schema()), workflows created on the
 * Kubernetes API test server through the real workflow port, and metrics. A record the Python
 * producer writes that our schemas reject fails this test (a bug in our schemas, messages.md).
 */
import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import postgres from 'postgres'
import { handlers } from '../../handlers/index.ts'
import type { Config } from '../../lib/config.ts'
import { createKnowledgeGraph, type KnowledgeGraphClient } from '../../lib/knowledge-graph.ts'
import { memoryLogger } from '../../lib/log.ts'
import { createMetrics, type Metrics } from '../../lib/metrics.ts'
import type { WorkflowFactory } from '../../lib/processor.ts'
import { startService, type RunningService } from '../../lib/service.ts'
import { MESSAGE_TYPES } from '../../lib/topics.ts'
import { createSubmissionMemory, createWorkflowService, type SubmissionMemory } from '../../lib/workflows.ts'
import { fakeGit, fakePackageIndex } from '../fakes/context.ts'
import { testConfig } from '../fakes/config.ts'
import { engineEnv, waitFor } from '../helpers/engine.ts'
import { seedArtifact, seedIndex, seedPackageVersion } from '../helpers/kg.ts'
import { createRealSchemaDatabase, runPython } from '../helpers/python.ts'
import { brokers, type ScratchDatabase } from '../helpers/stack.ts'
import { startKubeApiServer, type KubeApiServer } from '../servers/kube-api.ts'
import { writeKubeconfig } from '../servers/kubeconfig.ts'

const PYPI = 'https://pypi.org/simple'
const TOKEN = 'sa-token-thoth-messaging'
const SOLVERS = ['solver-rhel-8-py38', 'solver-fedora-34-py39']
const SHA = 'a8f3c4e1b2d3f4a5b6c7d8e9f0a1b2c3d4e5f6a7b8c9d0e1f2a3b4c5d6e7f8a9'
const RHEL = { os: 'rhel', osVersion: '8', python: '3.8' }
const FEDORA = { os: 'fedora', osVersion: '34', python: '3.9' }

/** Envelope fields every thoth-messaging model requires. */
const envelope = (component: string) => ({ component_name: component, service_version: '0.1.0' })

/**
 * One message per type: the fields its model requires, plus the optional ones a handler needs to
 * do something observable (messages.md examples). Versions are left to the models' defaults.
 */
const MESSAGES: Record<string, Record<string, unknown>> = {
  'thoth.advise-reporter.advise-justification': {
    ...envelope('advise-reporter'),
    message: 'Package flask in version 2.3.2 has a known vulnerability',
    justification_type: 'WARNING',
    count: 3,
    adviser_version: '0.43.0',
  },
  'thoth.adviser-trigger': {
    ...envelope('user-api'),
    recommendation_type: 'stable',
    origin: 'https://github.com/thoth-station/jupyterlab-requirements',
    source_type: 'KEBECHET',
  },
  'thoth.build-analysis-trigger': {
    ...envelope('user-api'),
    base_image: 'quay.io/thoth-station/s2i-thoth-ubi8-py38:v0.35.0',
    buildlog_document_id: 'buildlog-0c1a2b3c',
    environment_type: 'runtime',
    origin: 'https://github.com/thoth-station/s2i-example',
  },
  'thoth.cve-update.cve-provided': {
    ...envelope('cve-update-job'),
    package_name: 'urllib3',
    package_version: '1.26.4',
    index_url: PYPI,
  },
  'thoth.package-update.hash-mismatch': {
    ...envelope('package-update'),
    index_url: PYPI,
    package_name: 'urllib3',
    package_version: '1.26.16',
    missing_from_source: [SHA],
    missing_from_database: [],
  },
  'thoth.inspection-completed': { ...envelope('amun'), inspection_id: 'inspection-tensorflow-230601-1a2b3c4d' },
  'thoth.kebechet-run-url-trigger': {
    ...envelope('kebechet-administrator'),
    url: 'https://github.com/thoth-station/kebechet',
    service_name: 'github',
  },
  'thoth.kebechet-trigger': {
    ...envelope('user-api'),
    webhook_payload: { action: 'opened', repository: { full_name: 'thoth-station/kebechet' } },
  },
  'thoth.package-update.missing-package': { ...envelope('package-update'), index_url: PYPI, package_name: 'six' },
  'thoth.package-update.missing-package-version': {
    ...envelope('package-update'),
    index_url: PYPI,
    package_name: 'numpy',
    package_version: '1.24.3',
  },
  'thoth.package-extract-trigger': {
    ...envelope('user-api'),
    image: 'quay.io/thoth-station/s2i-thoth-ubi8-py38:v0.35.0',
    environment_type: 'runtime',
  },
  'thoth.package-release.package-released': {
    ...envelope('package-releases-job'),
    index_url: PYPI,
    package_name: 'flask',
    package_version: '2.3.3',
  },
  'thoth.provenance-checker-trigger': {
    ...envelope('user-api'),
    origin: 'https://github.com/thoth-station/elyra-aidevsecops-tutorial',
    whitelisted_sources: [PYPI],
  },
  'thoth.investigator.si-unanalyzed-package': {
    ...envelope('graph-refresh'),
    package_name: 'requests',
    package_version: '2.31.0',
    index_url: PYPI,
  },
  'thoth.solver.solved-package': {
    ...envelope('solver'),
    package_name: 'flask',
    package_version: '2.3.2',
    index_url: PYPI,
    solver: 'solver-rhel-8-py38',
  },
  'thoth.repo-init': { ...envelope('user-api'), project_url: 'https://github.com/thoth-station/sefkhet-abwy' },
  'thoth.investigator.unresolved-package': {
    ...envelope('adviser'),
    package_name: 'tensorflow',
    index_url: PYPI,
    package_version: '2.13.0',
    solver: 'solver-rhel-8-py38',
  },
  'thoth.investigator.unrevsolved-package': {
    ...envelope('graph-refresh'),
    package_name: 'flask',
    package_version: '2.3.2',
  },
  'thoth.update-provides-source-distro': {
    ...envelope('security-indicators'),
    package_name: 'numpy',
    package_version: '1.24.3',
    index_url: PYPI,
    value: false,
  },
}

/** Model default versions of thoth-messaging 0.16.2 (messages.md). */
const DEFAULT_VERSIONS: Record<string, string> = {
  'thoth.adviser-trigger': 'v5',
  'thoth.kebechet-run-url-trigger': 'v2',
  'thoth.package-extract-trigger': 'v2',
  'thoth.provenance-checker-trigger': 'v4',
}

let db: ScratchDatabase
let sql: postgres.Sql
let kg: KnowledgeGraphClient
let kube: KubeApiServer
let service: RunningService
let metrics: Metrics
let config: Config
let sent: Array<{ base_name: string; topic: string; value: string }>
const log = memoryLogger('info')
const versions: Record<string, number[]> = {}

async function metricValues(name: string) {
  return (await metrics.registry.getSingleMetric(name)?.get())?.values ?? []
}

async function metric(name: string, labels: Record<string, string>): Promise<number | undefined> {
  const values = await metricValues(name)
  return values.find((v) => Object.entries(labels).every(([k, val]) => String(v.labels[k]) === val))?.value
}

/** The workflow port on the Kubernetes API test server, as main.ts builds it. */
function workflowFactory(kubeconfigPath: string): WorkflowFactory {
  const svc = createWorkflowService(
    {
      infraNamespace: kube.infraNamespace,
      backendNamespace: config.namespaces.backend,
      middletierNamespace: config.namespaces.middletier,
      deploymentName: config.deploymentName,
      cephBucket: 'thoth',
      cephBucketPrefix: 'data/thoth',
      s3EndpointUrl: 'https://s3.example.com:8443/',
      verifyTls: true,
      kubeconfigPath,
      pendingSleepSeconds: 0.01,
    },
    { log, metrics },
  )
  return { newMemory: createSubmissionMemory, forRecord: (r, m, s) => svc.forRecord(r, m as SubmissionMemory, s) }
}

async function seed() {
  const pypi = await seedIndex(sql, PYPI)
  for (const v of ['1.16.0', '1.15.0']) await seedPackageVersion(sql, { name: 'six', version: v, indexId: pypi })
  for (const env of [RHEL, FEDORA]) {
    const ids = await seedPackageVersion(sql, { name: 'numpy', version: '1.24.3', indexId: pypi, ...env })
    versions.numpy = [...(versions.numpy ?? []), ids.versionId]
  }
  await seedPackageVersion(sql, { name: 'numpy', version: '1.24.2', indexId: pypi })
  const urllib3 = await seedPackageVersion(sql, { name: 'urllib3', version: '1.26.16', indexId: pypi })
  await seedArtifact(sql, urllib3.entityId, SHA)
  await seedArtifact(sql, urllib3.entityId, SHA.replace('a', 'b'))
  await seedPackageVersion(sql, { name: 'flask', version: '2.3.2', indexId: pypi })
  // known, but not solved by the solver the unresolved-package message names: that one is scheduled
  await seedPackageVersion(sql, { name: 'tensorflow', version: '2.13.0', indexId: pypi, ...FEDORA })
}

beforeAll(async () => {
  db = await createRealSchemaDatabase()
  sql = postgres(db.url, { max: 1, onnotice: () => {} })
  await seed()
  kube = await startKubeApiServer({ tokens: [TOKEN], solvers: `${SOLVERS.join('\n')}\n` })
  const kubeconfigPath = await writeKubeconfig({ server: kube.url, ca: kube.pki?.caCert, token: TOKEN })
  config = testConfig(
    engineEnv({
      THOTH_CONSUMER_MODE: '["middletier", "backend", "metrics"]',
      THOTH_INVESTIGATOR_SCHEDULE_UNREVSOLVED: '1',
    }),
  )
  metrics = createMetrics()
  const u = new URL(db.url)
  kg = createKnowledgeGraph(
    {
      host: u.hostname,
      port: Number(u.port),
      user: decodeURIComponent(u.username),
      password: decodeURIComponent(u.password),
      database: db.name,
      sslDisabled: true,
      debugQueries: false,
      maxConnections: config.workers + 1,
    },
    log,
  )
  service = await startService({
    config,
    log,
    metrics,
    handlers,
    kg,
    workflows: workflowFactory(kubeconfigPath),
    git: fakeGit(),
    packageIndex: fakePackageIndex(),
    maxWaitTimeInMs: 100,
    port: 0,
  })
  await waitFor(() => service.consumer.control.health().ready, 30_000, 'service ready')
  const items = Object.entries(MESSAGES).map(([base_name, fields]) => ({ base_name, fields }))
  const out = await runPython(
    'produce_messages.py',
    { KAFKA_BOOTSTRAP_SERVERS: brokers.join(','), THOTH_DEPLOYMENT_NAME: config.deploymentName },
    { stdin: JSON.stringify(items) },
  )
  sent = out.stdout.trim().split('\n').map((l) => JSON.parse(l))
  const done = async () => {
    const processed = await metricValues('thoth_investigator_processed_total')
    return MESSAGE_TYPES.every((t) => processed.some((v) => v.labels.message_type === t.handlerLabel && v.value >= 1))
  }
  await waitFor(done, 60_000, 'every message type processed').catch((err: unknown) => {
    throw new Error(`${String(err)}\nlogs:\n${JSON.stringify(log.lines.filter((l) => l.level !== 'info' && l.level !== 'debug'), null, 1).slice(0, 6000)}`)
  })
}, 150_000)

afterAll(async () => {
  await service?.stop()
  await kube?.stop()
  await sql?.end()
  await db?.drop()
})

describe('thoth-messaging 0.16.2 producer -> the service', () => {
  test('the Python producer sent all 19 types, each a full model with its default version', () => {
    expect(sent.map((s) => s.base_name).sort()).toEqual(MESSAGE_TYPES.map((t) => t.baseName).sort())
    for (const s of sent) {
      expect(s.topic).toBe(`${config.deploymentName}.${s.base_name}`)
      const value = JSON.parse(s.value)
      expect(value.version).toBe(DEFAULT_VERSIONS[s.base_name] ?? 'v1')
      expect(value).toMatchObject(MESSAGES[s.base_name]!) // plus every optional field of the model
    }
  })

  test('every record was handled: one success per handler, no failure, no invalid record', async () => {
    for (const t of MESSAGE_TYPES) {
      expect({ type: t.handlerLabel, n: await metric('thoth_investigator_processed_total', { message_type: t.handlerLabel }) })
        .toEqual({ type: t.handlerLabel, n: 1 })
      expect(await metric('thoth_investigator_exceptions_total', { message_type: t.handlerLabel })).toBe(0)
    }
    expect(await metricValues('thoth_investigator_invalid_messages_total')).toEqual([])
    expect(await metricValues('thoth_investigator_failures_total')).toEqual([])
    expect(await metricValues('thoth_investigator_dead_letters_total')).toEqual([])
    expect(await metricValues('thoth_investigator_missing_handler')).toEqual([])
    const halted = await metricValues('thoth_investigator_halted_topics')
    expect(halted.filter((v) => v.value !== 0)).toEqual([])
  })

  test('metrics mode: the justification gauge and the per-version counter', async () => {
    const j = MESSAGES['thoth.advise-reporter.advise-justification']!
    const labels = { advise_message: String(j.message), justification_type: 'WARNING', thoth_environment: config.deploymentName }
    expect(await metric('thoth_advise_justification_type_number', labels)).toBe(3)
    const counted = (await metricValues('message_count_by_version_total')).map((v) => `${v.labels.message_type}@${v.labels.message_version}=${v.value}`)
    const expected = MESSAGE_TYPES.filter((t) => t.stem !== 'advise-justification').map((t) => {
      const derived = t.baseName.split('.').at(-1)!.replaceAll('-', '_')
      return `${derived}@${DEFAULT_VERSIONS[t.baseName] ?? 'v1'}=1`
    })
    expect(counted.sort()).toEqual(expected.sort())
  })

  test('workflows created on the Kubernetes API server, per namespace and kind', () => {
    const created = kube
      .calls('K-4')
      .filter((r) => r.status === 201)
      .map((r) => `${r.namespace === config.namespaces.backend ? 'backend' : 'middletier'}/${r.kind}`)
    const count = (xs: string[]) => Object.fromEntries([...new Set(xs)].sort().map((x) => [x, xs.filter((y) => y === x).length]))
    expect(count(created)).toEqual({
      'backend/adviser': 1,
      // cve-provided, hash-mismatch (backend), missing-package, missing-version, solved-package
      'backend/kebechet-administrator': 5,
      'backend/kebechet': 1,
      'backend/kebechet-run-url': 1,
      'backend/provenance-checker': 1,
      'backend/thoth-repo-init': 1,
      'middletier/build-analysis': 1,
      'middletier/graph-sync': 1,
      'middletier/package-extract': 1,
      // package-released and unrevsolved-package (THOTH_INVESTIGATOR_SCHEDULE_UNREVSOLVED=1)
      'middletier/revsolver': 2,
      // si-unanalyzed-package and solved-package (no aggregated results stored)
      'middletier/security-indicators': 2,
      // hash-mismatch and package-released: both solvers; unresolved-package: the one it names
      'middletier/solver': 5,
    })
    expect(kube.calls('K-4').filter((r) => r.status !== 201)).toEqual([])
  })

  test('scheduled_workflows_total counts the solver, revsolver, security and Kebechet steps', async () => {
    const rows = (await metricValues('thoth_investigator_scheduled_workflows_total'))
      .filter((v) => v.value > 0)
      .map((v) => `${v.labels.message_type}:${v.labels.workflow_type}=${v.value}`)
    expect(rows.sort()).toEqual(
      [
        'thoth.cve-update.cve-provided:kebechet-administrator=1',
        'thoth.investigator.si-unanalyzed-package:security-indicator=1',
        'thoth.investigator.unresolved-package:solver=1',
        'thoth.investigator.unrevsolved-package:revsolver=1',
        'thoth.package-release.package-released:revsolver=1',
        'thoth.package-release.package-released:solver=2',
        'thoth.package-update.hash-mismatch:kebechet-administrator=1',
        'thoth.package-update.hash-mismatch:solver=2',
        'thoth.package-update.missing-package:kebechet-administrator=1',
        'thoth.package-update.missing-package-version:kebechet-administrator=1',
        'thoth.solver.solved-package:kebechet-administrator=1',
        'thoth.solver.solved-package:security-indicator=1',
      ].sort(),
    )
  })

  test('knowledge graph rows: missing flags, source-distro flag, artifact presence', async () => {
    const flags = await sql<{ n: string; v: string; m: boolean; s: boolean }[]>`
      SELECT package_name AS n, package_version AS v, is_missing AS m, provides_source_distro AS s
      FROM python_package_version ORDER BY package_name, package_version, os_name`
    expect(flags.map((r) => `${r.n} ${r.v} missing=${r.m} sdist=${r.s}`)).toEqual([
      'flask 2.3.2 missing=false sdist=true',
      'numpy 1.24.2 missing=false sdist=true',
      'numpy 1.24.3 missing=true sdist=false', // fedora: missing-version, update-provides-source-distro
      'numpy 1.24.3 missing=true sdist=false', // rhel
      'six 1.15.0 missing=true sdist=true', // missing-package: every version
      'six 1.16.0 missing=true sdist=true',
      'tensorflow 2.13.0 missing=false sdist=true',
      'urllib3 1.26.16 missing=false sdist=true',
    ])
    const artifacts = await sql<{ h: string; p: boolean }[]>`
      SELECT artifact_hash_sha256 AS h, present AS p FROM python_artifact ORDER BY artifact_hash_sha256`
    expect(artifacts.map((a) => [a.h === SHA, a.p])).toEqual([
      [true, false], // hash-mismatch (middletier): the digest missing from the source
      [false, true],
    ])
  })
})
