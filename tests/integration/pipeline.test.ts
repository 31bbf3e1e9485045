/**
 * All 19 message handlers through the whole pipeline (issue "All 19 message handlers"): real
 * broker -> consume loop -> real handlers -> scratch PostgreSQL knowledge graph and the real
 * workflow port against the Kubernetes API test server.
 * 1. every type and handled version: exact database changes, workflows (kind, namespace,
 *    template parameters, labels with the record label, deterministic names) and metrics;
 * 2. re-delivery creates no second workflow (409 + K-6, not counted again);
 * 3. a retry after a partial failure does not repeat completed submissions;
 * 4. the pending limit holds submissions back while other topics flow;
 * 5. switches through the environment.
 */
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from 'bun:test'
import { createHash } from 'node:crypto'
import type { WorkflowKind } from '../../lib/context.ts'
import { RECORD_LABEL } from '../../lib/workflow-render.ts'
import { kindFixture } from '../fixtures/templates.ts'
import { testKafka, waitFor } from '../helpers/engine.ts'
import { seedArtifact, seedIndex, seedPackageVersion, seedSecurityIndicators } from '../helpers/kg.ts'
import { PIPELINE_SOLVERS, startPipeline, type Pipeline, type Produced } from '../helpers/pipeline.ts'
import { startPackageIndexServer, type PackageIndexServer } from '../servers/package-index.ts'

setDefaultTimeout(60_000)

const BACKEND = 'thoth-backend'
const MIDDLE = 'thoth-middletier'
const PYPI = 'https://pypi.org/simple'
const MIRROR = 'https://mirror.example.com/simple'
const DISABLED = 'https://disabled.example.com/simple'
const SOLVERS = [...PIPELINE_SOLVERS]

const B = {
  adviseJustification: 'thoth.advise-reporter.advise-justification',
  adviser: 'thoth.adviser-trigger',
  buildAnalysis: 'thoth.build-analysis-trigger',
  cve: 'thoth.cve-update.cve-provided',
  hashMismatch: 'thoth.package-update.hash-mismatch',
  inspection: 'thoth.inspection-completed',
  runUrl: 'thoth.kebechet-run-url-trigger',
  kebechet: 'thoth.kebechet-trigger',
  missingPackage: 'thoth.package-update.missing-package',
  missingVersion: 'thoth.package-update.missing-package-version',
  packageExtract: 'thoth.package-extract-trigger',
  released: 'thoth.package-release.package-released',
  provenance: 'thoth.provenance-checker-trigger',
  si: 'thoth.investigator.si-unanalyzed-package',
  solved: 'thoth.solver.solved-package',
  repoInit: 'thoth.repo-init',
  unresolved: 'thoth.investigator.unresolved-package',
  unrevsolved: 'thoth.investigator.unrevsolved-package',
  upsd: 'thoth.update-provides-source-distro',
} as const

// ---------------------------------------------------------------- expectations, computed independently

/** `yymmddHHMMSS` of a record timestamp in UTC. */
function stamp(ms: string): string {
  const d = new Date(Number(ms))
  const two = (n: number) => String(n).padStart(2, '0')
  return [d.getUTCFullYear() % 100, d.getUTCMonth() + 1, d.getUTCDate(), d.getUTCHours(), d.getUTCMinutes(), d.getUTCSeconds()].map(two).join('')
}

/** The generated id of workflows.md "Workflow id" (D-6, D-18). */
function genId(r: Produced, kind: WorkflowKind, position: number, prefix: string, param = kindFixture(kind).idParam): string {
  const text = [r.topic, String(r.partition), r.offset, kind, String(position), param].join('\n')
  return `${prefix}-${stamp(r.timestamp)}-${createHash('sha256').update(text, 'utf8').digest('hex').slice(0, 16)}`
}

/** A parameter whose value is JSON text, compared parsed (formatting is free). */
const json = (value: unknown) => ({ json: value })
type ParamExpectation = string | { json: unknown }

/** One workflow a record must create. */
interface Expected {
  kind: WorkflowKind
  namespace: string
  name: string
  /** Template parameters the handler sets (the id parameter is checked against `name`). */
  params: Record<string, ParamExpectation>
}

const CEPH = { ceph_bucket_prefix: 'data/thoth', ceph_bucket_name: 'thoth', ceph_host: 's3.example.com:8443' }

/** The record's workflows are exactly `expected`, each created once, rendered with exactly these parameters. */
function expectWorkflows(p: Pipeline, r: Produced, expected: Expected[]): void {
  expect(p.workflowsOf(r).map((w) => w.metadata.name).sort()).toEqual(expected.map((e) => e.name).sort())
  for (const e of expected) {
    const f = kindFixture(e.kind)
    const wf = p.kube.workflow(e.namespace, e.name)
    expect(wf, `${e.kind} ${e.name} in ${e.namespace}`).toBeDefined()
    expect(wf?.metadata.labels).toEqual({ app: 'thoth', component: f.component, [RECORD_LABEL]: r.hash })
    expect(wf?.spec.entrypoint).toBe(f.entrypoint)
    expect(wf?.status).toBeUndefined()
    const creates = p.kube.calls('K-4').filter((c) => c.body?.metadata?.name === e.name)
    expect(creates.map((c) => [c.namespace, c.status])).toEqual([[e.namespace, 201]])
    // The template parameters sent to processing (K-3): set ones as expected, all others at the template default.
    const renders = p.kube.calls('K-3').filter(
      (c) => c.body?.metadata?.labels?.template === e.kind && c.body.parameters.some((x: any) => x.name === f.idParam && x.value === e.name),
    )
    expect(renders.length).toBe(1)
    const sent: Record<string, string> = Object.fromEntries(renders[0]?.body.parameters.map((x: any) => [x.name, x.value ?? '']))
    expect(Object.keys(sent).sort()).toEqual(f.params.map(([n]) => n).sort()) // nothing appended
    const want: Record<string, ParamExpectation> = Object.fromEntries(f.params.map(([n, , d]) => [n, d ?? '']))
    Object.assign(want, e.params, { [f.idParam]: e.name })
    for (const [name, value] of Object.entries(want)) {
      if (typeof value === 'string') expect([name, sent[name]]).toEqual([name, value])
      else expect([name, JSON.parse(sent[name] ?? 'undefined')]).toEqual([name, value.json])
    }
    const args: Record<string, string> = Object.fromEntries(wf?.spec.arguments.parameters.map((a: any) => [a.name, a.value]))
    if (f.ceph) expect(args).toMatchObject({ ...CEPH, deployment_name: p.prefix })
    else expect(args.ceph_host).toBeUndefined()
  }
}

// Spec helpers (handlers.md shared procedures).
const solverParams = (pkg: string, version: string, index: string, solver: string, dependencyIndexes = '') => ({
  THOTH_SOLVER_NAME: solver,
  THOTH_SOLVER_PACKAGES: `${pkg}===${version}`,
  THOTH_SOLVER_NO_TRANSITIVE: '1',
  THOTH_SOLVER_INDEXES: index,
  THOTH_SOLVER_DEPENDENCY_INDEXES: dependencyIndexes,
  THOTH_FORCE_SYNC: '0',
  THOTH_LOG_SOLVER: 'INFO',
})
const allSolvers = (r: Produced, pkg: string, version: string, index: string, first = 0): Expected[] =>
  SOLVERS.map((solver, i) => ({
    kind: 'solver',
    namespace: MIDDLE,
    name: genId(r, 'solver', first + i, solver),
    params: solverParams(pkg, version, index, solver),
  }))
const revsolver = (r: Produced, pkg: string, version: string): Expected => ({
  kind: 'revsolver',
  namespace: MIDDLE,
  name: genId(r, 'revsolver', 0, 'revsolver'),
  params: { THOTH_REVSOLVER_PACKAGE_NAME: pkg, THOTH_REVSOLVER_PACKAGE_VERSION: version, THOTH_LOG_REVSOLVER: 'INFO' },
})
const securityIndicators = (r: Produced, pkg: string, version: string, index: string): Expected => ({
  kind: 'security-indicators',
  namespace: MIDDLE,
  name: genId(r, 'security-indicators', 0, 'security-indicator'),
  params: {
    THOTH_SECURITY_INDICATORS_PACKAGE_NAME: pkg,
    THOTH_SECURITY_INDICATORS_PACKAGE_VERSION: version,
    THOTH_SECURITY_INDICATORS_PACKAGE_INDEX: index,
    THOTH_SECURITY_INDICATORS_AGGREGATION_FUNCTION: 'process_data',
  },
})
const kebechetAdmin = (r: Produced, base: string, pkg: string, version: string, index: string, solver = ''): Expected => ({
  kind: 'kebechet-administrator',
  namespace: BACKEND,
  name: genId(r, 'kebechet-administrator', 0, 'kebechet-administrator'),
  params: { THOTH_PACKAGE_NAME: pkg, THOTH_PACKAGE_VERSION: version, THOTH_PACKAGE_INDEX: index, THOTH_SOLVER_NAME: solver, THOTH_MESSAGE_TYPE: base },
})

// ---------------------------------------------------------------- the example payloads of messages.md

const envelope = (component: string, version: string) => ({ component_name: component, service_version: '0.30.0', version })

const KM_NEW_RELEASE = { message_justification: 5, package_name: 'flask', package_version: '2.3.2', package_index: PYPI }
const JUSTIFICATION = [{ type: 'INFO', message: 'New release of flask', link: 'https://thoth-station.ninja/j/new_release' }]
const STACK_INFO = [{ type: 'INFO', message: 'Using Python 3.8', link: 'https://thoth-station.ninja/j/python' }]

/** A message to send and what it must create. */
interface Case {
  title: string
  base: string
  payload: Record<string, unknown>
  workflows: (r: Produced) => Expected[]
}

const adviserMetadata = (m: Record<string, unknown>) =>
  json({
    origin: m.origin ?? null,
    re_run_adviser_id: m.re_run_adviser_id ?? null,
    source_type: m.source_type ?? null,
    kebechet_metadata: m.kebechet_metadata ?? null,
    'thoth.adviser': { justification: m.justification ?? null, stack_info: m.stack_info ?? null },
  })

const ADVISER: Record<string, Record<string, unknown>> = {
  v1: {
    ...envelope('user-api', 'v1'), recommendation_type: 'latest', dev: true, debug: true, count: null, limit: null, origin: null,
    job_id: null, re_run_adviser_id: null, source_type: 'CLI', application_stack: { requirements: 'flask' }, runtime_environment: {}, library_usage: null,
  },
  v2: {
    ...envelope('user-api', 'v2'), recommendation_type: 'stable', dev: false, debug: false, count: 3, limit: 10,
    origin: 'https://github.com/thoth-station/v2', job_id: 'adviser-v2-job', re_run_adviser_id: 'adviser-old', source_type: 'S2I',
    github_event_type: null, github_check_run_id: null, github_installation_id: null, github_base_repo_url: null,
  },
  v3: {
    ...envelope('user-api', 'v3'), recommendation_type: 'performance', origin: 'https://github.com/thoth-station/v3', job_id: null,
    source_type: 'KEBECHET', kebechet_metadata: { message_justification: 1 }, justification: [], stack_info: null,
  },
  v4: {
    ...envelope('user-api', 'v4'), recommendation_type: 'security', dev: null, authenticated: true, origin: null,
    job_id: 'adviser-v4-job', source_type: 'JUPYTER_NOTEBOOK', kebechet_metadata: null,
  },
  v5: {
    ...envelope('user-api', 'v5'), recommendation_type: 'stable', dev: false, debug: false, authenticated: true, count: 1, limit: 100000,
    origin: 'https://github.com/thoth-station/jupyterlab-requirements', job_id: 'adviser-230601120000-0123456789abcdef',
    limit_latest_versions: null, re_run_adviser_id: null, source_type: 'KEBECHET', kebechet_metadata: KM_NEW_RELEASE,
    justification: JUSTIFICATION, stack_info: STACK_INFO,
  },
}
const ADVISER_PARAMS: Record<string, Record<string, ParamExpectation>> = {
  v1: { THOTH_ADVISER_DEV: '1', THOTH_LOG_ADVISER: 'DEBUG', THOTH_ADVISER_RECOMMENDATION_TYPE: 'latest', THOTH_AUTHENTICATED_ADVISE: '0' },
  v2: { THOTH_ADVISER_DEV: '0', THOTH_LOG_ADVISER: 'INFO', THOTH_ADVISER_RECOMMENDATION_TYPE: 'stable', THOTH_AUTHENTICATED_ADVISE: '0', THOTH_ADVISER_LIMIT: '10', THOTH_ADVISER_COUNT: '3' },
  v3: { THOTH_ADVISER_DEV: '0', THOTH_LOG_ADVISER: 'INFO', THOTH_ADVISER_RECOMMENDATION_TYPE: 'performance', THOTH_AUTHENTICATED_ADVISE: '0' },
  v4: { THOTH_ADVISER_DEV: '0', THOTH_LOG_ADVISER: 'INFO', THOTH_ADVISER_RECOMMENDATION_TYPE: 'security', THOTH_AUTHENTICATED_ADVISE: '1' },
  v5: {
    THOTH_ADVISER_DEV: '0', THOTH_LOG_ADVISER: 'INFO', THOTH_ADVISER_RECOMMENDATION_TYPE: 'stable', THOTH_AUTHENTICATED_ADVISE: '1',
    THOTH_ADVISER_LIMIT: '100000', THOTH_ADVISER_COUNT: '1',
    THOTH_ADVISER_DEPLOYMENT_PACKAGE_UPDATE: json({ package_name: 'flask', package_version: '2.3.2', index_url: PYPI }),
  },
}

const PROVENANCE: Record<string, Record<string, unknown>> = {
  v1: {
    ...envelope('user-api', 'v1'), debug: false, origin: 'https://github.com/thoth-station/p1', whitelisted_sources: [PYPI, MIRROR],
    job_id: null, application_stack: { requirements: 'flask' },
  },
  v2: { ...envelope('user-api', 'v2'), debug: true, origin: null, whitelisted_sources: null, job_id: 'provenance-checker-v2-job' },
  v3: {
    ...envelope('user-api', 'v3'), debug: false, origin: 'https://github.com/thoth-station/p3', whitelisted_sources: [], job_id: null,
    kebechet_metadata: { message_justification: 1 }, justification: JUSTIFICATION, stack_info: STACK_INFO,
  },
  v4: {
    ...envelope('user-api', 'v4'), debug: false, authenticated: false, origin: 'https://github.com/thoth-station/elyra-aidevsecops-tutorial',
    whitelisted_sources: [PYPI], job_id: 'provenance-checker-230601120000-0123456789abcdef', kebechet_metadata: null, justification: null, stack_info: null,
  },
}

function provenanceCase(v: string): Case {
  const m = PROVENANCE[v] as Record<string, any>
  return {
    title: `provenance-checker-trigger ${v}`,
    base: B.provenance,
    payload: m,
    workflows: (r) => {
      const name = m.job_id ?? genId(r, 'provenance-checker', 0, 'provenance-checker')
      const params = {
        THOTH_ADVISER_METADATA: json({ origin: m.origin, kebechet_metadata: m.kebechet_metadata ?? null, 'thoth.adviser': { justification: m.justification ?? null, stack_info: m.stack_info ?? null } }),
        THOTH_AUTHENTICATED_PROVENANCE_CHECK: m.authenticated ? '1' : '0',
        THOTH_WHITELISTED_SOURCES: (m.whitelisted_sources ?? []).join(','),
        THOTH_LOG_ADVISER: m.debug ? 'DEBUG' : 'INFO',
        THOTH_DOCUMENT_ID: name,
      }
      return [{ kind: 'provenance-checker', namespace: BACKEND, name, params }]
    },
  }
}

const BUILD_ANALYSIS = {
  ...envelope('user-api', 'v1'), base_image: 'quay.io/thoth-station/s2i-thoth-ubi8-py38:v0.35.0', base_image_analysis_id: null,
  buildlog_document_id: 'buildlog-0c1a2b3c', buildlog_parser_id: null, environment_type: 'runtime', debug: false,
  job_id: 'build-analysis-230601120000-abcdef12', origin: 'https://github.com/thoth-station/s2i-example', output_image: null,
  output_image_analysis_id: null, base_registry_password: null, base_registry_user: null, base_registry_verify_tls: true,
  output_registry_password: null, output_registry_user: null, output_registry_verify_tls: true,
}

const PACKAGE_EXTRACT_V2 = {
  ...envelope('user-api', 'v2'), image: 'quay.io/thoth-station/s2i-thoth-ubi8-py38:v0.35.0', environment_type: 'runtime',
  is_external: true, verify_tls: true, debug: false, job_id: 'package-extract-230601120000-0123456789abcdef', origin: null,
  registry_user: null, registry_password: null, graph_sync: false,
}
const PACKAGE_EXTRACT_V1 = {
  ...envelope('user-api', 'v1'), image: 'registry.example.com/private/image:1', environment_type: 'buildtime', is_external: false,
  verify_tls: false, debug: true, job_id: null, origin: 'https://github.com/thoth-station/pe1', registry_user: 'robot', registry_password: 's3cretpass',
}

const WEBHOOK = {
  action: 'opened',
  repository: { full_name: 'thoth-station/kebechet', html_url: 'https://github.com/thoth-station/kebechet' },
  installation: { id: 12345678 },
}

const HASH_A = 'a8f3c4e1b2d3f4a5b6c7d8e9f0a1b2c3d4e5f6a7b8c9d0e1f2a3b4c5d6e7f8a9'
const HASH_B = 'b'.repeat(64)

/** Every handled (type, version) of the middletier and backend modes, with the spec's examples. */
function cases(localIndex: string): Case[] {
  return [
    ...Object.keys(ADVISER).map(
      (v): Case => ({
        title: `adviser-trigger ${v}`,
        base: B.adviser,
        payload: ADVISER[v] as Record<string, unknown>,
        workflows: (r) => {
          const m = ADVISER[v] as Record<string, any>
          const name = m.job_id ?? genId(r, 'adviser', 0, 'adviser')
          const params = { ...ADVISER_PARAMS[v], THOTH_ADVISER_PREDICTOR_CONFIG: '{}', THOTH_ADVISER_METADATA: adviserMetadata(m) }
          return [{ kind: 'adviser', namespace: BACKEND, name, params }]
        },
      }),
    ),
    {
      title: 'build-analysis-trigger v1',
      base: B.buildAnalysis,
      payload: BUILD_ANALYSIS,
      workflows: (r) => {
        const P = 'THOTH_BUILD_ANALYSIS_'
        const baseId = genId(r, 'build-analysis', 0, 'package-extract', `${P}BASE_IMAGE_ANALYSIS_ID`)
        const parserId = genId(r, 'build-analysis', 0, 'buildlog-parser', `${P}BUILDLOG_PARSER_ID`)
        const job = BUILD_ANALYSIS.job_id
        const params = {
          [`${P}BASE_IMAGE`]: BUILD_ANALYSIS.base_image, [`${P}BASE_IMAGE_ANALYSIS_ID`]: baseId, [`${P}BASE_IMAGE_DOCUMENT_ID`]: baseId,
          [`${P}BASE_REGISTRY_CREDENTIALS`]: '', [`${P}BASE_REGISTRY_NO_TLS_VERIFY`]: '0', [`${P}OUTPUT_IMAGE`]: '',
          [`${P}OUTPUT_IMAGE_ANALYSIS_ID`]: '', [`${P}OUTPUT_IMAGE_DOCUMENT_ID`]: '', [`${P}OUTPUT_REGISTRY_CREDENTIALS`]: '',
          [`${P}OUTPUT_REGISTRY_NO_TLS_VERIFY`]: '0', [`${P}BUILDLOG_DOCUMENT_ID`]: 'buildlog-0c1a2b3c', [`${P}BUILDLOG_PARSER_ID`]: parserId,
          [`${P}ENVIRONMENT_TYPE`]: 'runtime', [`${P}ORIGIN`]: BUILD_ANALYSIS.origin, [`${P}LOG`]: 'INFO',
          [`${P}METADATA`]: json({
            origin: BUILD_ANALYSIS.origin, environment_type: 'runtime', base_image_analysis_id: baseId, output_image_analysis_id: null,
            buildlog_document_id: 'buildlog-0c1a2b3c', build_analysis_job_id: job, is_external: true,
          }),
        }
        return [{ kind: 'build-analysis', namespace: MIDDLE, name: job, params }]
      },
    },
    {
      title: 'cve-provided v1',
      base: B.cve,
      payload: { component_name: 'cve-update-job', service_version: '0.3.0', version: 'v1', package_name: 'urllib3', package_version: '1.26.4', index_url: PYPI },
      workflows: (r) => [kebechetAdmin(r, B.cve, 'urllib3', '1.26.4', PYPI)],
    },
    {
      title: 'hash-mismatch v1 (middletier and backend)',
      base: B.hashMismatch,
      payload: {
        component_name: 'package-update', service_version: '0.9.0', version: 'v1', index_url: PYPI, package_name: 'urllib3',
        package_version: '1.26.16', missing_from_source: [HASH_A], missing_from_database: [],
      },
      workflows: (r) => [...allSolvers(r, 'urllib3', '1.26.16', PYPI), kebechetAdmin(r, B.hashMismatch, 'urllib3', '1.26.16', PYPI)],
    },
    {
      title: 'inspection-completed v1',
      base: B.inspection,
      payload: { component_name: 'amun', service_version: '0.12.0', version: 'v1', inspection_id: 'inspection-tensorflow-230601-1a2b3c4d', force_sync: false },
      workflows: (r) => [
        {
          kind: 'graph-sync', namespace: MIDDLE, name: genId(r, 'graph-sync', 0, 'graph-sync'),
          params: { THOTH_SYNC_DOCUMENT_ID: 'inspection-tensorflow-230601-1a2b3c4d', THOTH_FORCE_SYNC: 'False' },
        },
      ],
    },
    {
      title: 'kebechet-run-url-trigger v1',
      base: B.runUrl,
      payload: { component_name: 'kebechet-administrator', service_version: '0.7.0', version: 'v1', url: 'https://gitlab.com/group/project', service_name: 'gitlab', installation_id: null, job_id: null },
      workflows: (r) => [
        {
          kind: 'kebechet-run-url', namespace: BACKEND, name: genId(r, 'kebechet-run-url', 0, 'kebechet-run-url'),
          params: { KEBECHET_REPO_URL: 'https://gitlab.com/group/project', KEBECHET_SERVICE_NAME: 'gitlab', KEBECHET_METADATA: json(null) },
        },
      ],
    },
    {
      title: 'kebechet-run-url-trigger v2',
      base: B.runUrl,
      payload: {
        component_name: 'kebechet-administrator', service_version: '0.8.0', version: 'v2', url: 'https://github.com/thoth-station/kebechet',
        service_name: 'github', installation_id: '12345678', job_id: 'kebechet-run-url-230601120000-0a1b2c3d4e5f6a7b',
        metadata: { message_justification: null, package_name: null, package_version: null, package_index: null },
        kebechet_metadata: { message_justification: 1 },
      },
      workflows: () => [
        {
          kind: 'kebechet-run-url', namespace: BACKEND, name: 'kebechet-run-url-230601120000-0a1b2c3d4e5f6a7b',
          params: { KEBECHET_REPO_URL: 'https://github.com/thoth-station/kebechet', KEBECHET_SERVICE_NAME: 'github', KEBECHET_METADATA: json({ message_justification: 1 }) },
        },
      ],
    },
    {
      title: 'kebechet-trigger v1',
      base: B.kebechet,
      payload: { ...envelope('user-api', 'v1'), webhook_payload: WEBHOOK, job_id: 'kebechet-job-230601120000-0123456789abcdef' },
      workflows: () => [
        {
          kind: 'kebechet', namespace: BACKEND, name: 'kebechet-job-230601120000-0123456789abcdef',
          params: { WEBHOOK_PAYLOAD: json(WEBHOOK), KEBECHET_SLUG: 'thoth-station/kebechet' },
        },
      ],
    },
    {
      title: 'missing-package v1',
      base: B.missingPackage,
      payload: { component_name: 'package-update', service_version: '0.9.0', version: 'v1', index_url: PYPI, package_name: 'six' },
      workflows: (r) => [kebechetAdmin(r, B.missingPackage, 'six', '', PYPI)],
    },
    {
      title: 'missing-package-version v1',
      base: B.missingVersion,
      payload: { component_name: 'package-update', service_version: '0.9.0', version: 'v1', index_url: PYPI, package_name: 'numpy', package_version: '1.24.3' },
      workflows: (r) => [kebechetAdmin(r, B.missingVersion, 'numpy', '1.24.3', PYPI)],
    },
    {
      title: 'package-extract-trigger v1',
      base: B.packageExtract,
      payload: PACKAGE_EXTRACT_V1,
      workflows: (r) => {
        const name = genId(r, 'package-extract', 0, 'package-extract')
        const params = {
          THOTH_LOG_PACKAGE_EXTRACT: 'DEBUG', THOTH_ANALYZED_IMAGE: PACKAGE_EXTRACT_V1.image, THOTH_ANALYZER_NO_TLS_VERIFY: '1',
          THOTH_SYNC_PACKAGE_EXTRACT: '0', THOTH_DOCUMENT_ID: name, THOTH_REGISTRY_CREDENTIALS: 'robot:s3cretpass',
          THOTH_PACKAGE_EXTRACT_METADATA: json({ origin: PACKAGE_EXTRACT_V1.origin, environment_type: 'buildtime', is_external: false }),
        }
        return [{ kind: 'package-extract', namespace: MIDDLE, name, params }]
      },
    },
    {
      title: 'package-extract-trigger v2',
      base: B.packageExtract,
      payload: PACKAGE_EXTRACT_V2,
      workflows: () => {
        const name = PACKAGE_EXTRACT_V2.job_id
        const params = {
          THOTH_LOG_PACKAGE_EXTRACT: 'INFO', THOTH_ANALYZED_IMAGE: PACKAGE_EXTRACT_V2.image, THOTH_ANALYZER_NO_TLS_VERIFY: '0',
          THOTH_SYNC_PACKAGE_EXTRACT: '0', THOTH_DOCUMENT_ID: name,
          THOTH_PACKAGE_EXTRACT_METADATA: json({ origin: null, environment_type: 'runtime', is_external: true }),
        }
        return [{ kind: 'package-extract', namespace: MIDDLE, name, params }]
      },
    },
    {
      title: 'package-released v1',
      base: B.released,
      payload: { component_name: 'package-releases-job', service_version: '0.6.0', version: 'v1', index_url: PYPI, package_name: 'flask', package_version: '2.3.2' },
      workflows: (r) => [...allSolvers(r, 'flask', '2.3.2', PYPI), revsolver(r, 'flask', '2.3.2')],
    },
    ...Object.keys(PROVENANCE).map(provenanceCase),
    {
      title: 'si-unanalyzed-package v1 (no results yet)',
      base: B.si,
      payload: { component_name: 'graph-refresh', service_version: '0.11.0', version: 'v1', package_name: 'requests', package_version: '2.31.0', index_url: PYPI },
      workflows: (r) => [securityIndicators(r, 'requests', '2.31.0', PYPI)],
    },
    {
      title: 'si-unanalyzed-package v1 (results exist: nothing)',
      base: B.si,
      payload: { component_name: 'graph-refresh', service_version: '0.11.0', version: 'v1', package_name: 'numpy', package_version: '1.24.2', index_url: PYPI },
      workflows: () => [],
    },
    {
      title: 'solved-package v1',
      base: B.solved,
      payload: { component_name: 'solver', service_version: '1.11.0', version: 'v1', package_name: 'flask', package_version: '2.3.2', index_url: PYPI, solver: 'solver-rhel-8-py38' },
      workflows: (r) => [securityIndicators(r, 'flask', '2.3.2', PYPI), kebechetAdmin(r, B.solved, 'flask', '2.3.2', PYPI, 'solver-rhel-8-py38')],
    },
    {
      title: 'repo-init v1 (the message job_id is ignored)',
      base: B.repoInit,
      payload: { ...envelope('user-api', 'v1'), project_url: 'https://github.com/thoth-station/sefkhet-abwy', job_id: 'repo-init-given-id' },
      workflows: (r) => [
        {
          kind: 'thoth-repo-init', namespace: BACKEND, name: genId(r, 'thoth-repo-init', 0, 'thoth-repo-init'),
          params: { PROJECT_URL: 'https://github.com/thoth-station/sefkhet-abwy' },
        },
      ],
    },
    {
      title: 'unresolved-package v1 (known version, one solver that has not solved it)',
      base: B.unresolved,
      payload: { component_name: 'adviser', service_version: '0.43.0', version: 'v1', package_name: 'requests', index_url: PYPI, package_version: '2.31.0', solver: 'solver-rhel-8-py38' },
      workflows: (r) => [
        {
          kind: 'solver', namespace: MIDDLE, name: genId(r, 'solver', 0, 'solver-rhel-8-py38'),
          params: solverParams('requests', '2.31.0', PYPI, 'solver-rhel-8-py38', [PYPI, MIRROR, localIndex].join(',')),
        },
      ],
    },
    {
      title: 'unresolved-package v1 (no version: the index listing, newest first, all solvers)',
      base: B.unresolved,
      payload: { component_name: 'graph-refresh', service_version: '0.11.0', version: 'v1', package_name: 'pkgx', index_url: localIndex, package_version: null, solver: null },
      workflows: (r) => [...allSolvers(r, 'pkgx', '2.0rc1', localIndex, 0), ...allSolvers(r, 'pkgx', '1.0', localIndex, SOLVERS.length)],
    },
    {
      title: 'unrevsolved-package v1 (nothing by default, D-10)',
      base: B.unrevsolved,
      payload: { component_name: 'graph-refresh', service_version: '0.11.0', version: 'v1', package_name: 'flask', package_version: '2.3.2' },
      workflows: () => [],
    },
    {
      title: 'update-provides-source-distro v1',
      base: B.upsd,
      payload: { component_name: 'security-indicators', service_version: '0.5.0', version: 'v1', package_name: 'numpy', package_version: '1.24.3', index_url: PYPI, value: false },
      workflows: () => [],
    },
  ]
}

// ---------------------------------------------------------------- knowledge graph seeding and snapshots

interface Seeded {
  hashA_1_26_16: number
}

async function seedGraph(p: Pipeline, localIndex: string): Promise<Seeded> {
  const pypi = await seedIndex(p.sql, PYPI, true)
  const mirror = await seedIndex(p.sql, MIRROR, true)
  await seedIndex(p.sql, DISABLED, false)
  await seedIndex(p.sql, localIndex, true)
  const rhel = { os: 'rhel', osVersion: '8', python: '3.8' }
  const fedora = { os: 'fedora', osVersion: '34', python: '3.9' }
  // hash-mismatch: HASH_A of urllib3 1.26.16 on pypi only
  const u16 = await seedPackageVersion(p.sql, { name: 'urllib3', version: '1.26.16', indexId: pypi, ...rhel })
  const u15 = await seedPackageVersion(p.sql, { name: 'urllib3', version: '1.26.15', indexId: pypi, ...rhel })
  const hashA_1_26_16 = await seedArtifact(p.sql, u16.entityId, HASH_A)
  await seedArtifact(p.sql, u16.entityId, HASH_B)
  await seedArtifact(p.sql, u15.entityId, HASH_A)
  // missing-package: every six row on pypi (NULL version included), not the mirror's
  for (const env of [rhel, fedora]) await seedPackageVersion(p.sql, { name: 'six', version: '1.16.0', indexId: pypi, ...env })
  await seedPackageVersion(p.sql, { name: 'six', version: '1.15.0', indexId: pypi, ...rhel })
  await seedPackageVersion(p.sql, { name: 'six', version: null, indexId: pypi, ...rhel })
  await seedPackageVersion(p.sql, { name: 'six', version: '1.16.0', indexId: mirror, ...rhel })
  // missing-version and update-provides-source-distro: numpy 1.24.3 on pypi
  for (const env of [rhel, fedora]) await seedPackageVersion(p.sql, { name: 'numpy', version: '1.24.3', indexId: pypi, ...env })
  await seedPackageVersion(p.sql, { name: 'numpy', version: '1.24.3', indexId: mirror, ...rhel })
  const n242 = await seedPackageVersion(p.sql, { name: 'numpy', version: '1.24.2', indexId: pypi, ...rhel })
  await seedSecurityIndicators(p.sql, n242) // si-unanalyzed numpy 1.24.2: Q-4 true
  // unresolved-package requests 2.31.0: known, solved on fedora 34 / py3.9 only (Q-3 false for rhel-8-py38)
  await seedPackageVersion(p.sql, { name: 'requests', version: '2.31.0', indexId: pypi, ...fedora })
  return { hashA_1_26_16 }
}

async function snapshot(p: Pipeline) {
  const versions = await p.sql<{ id: number; name: string; version: string | null; url: string; is_missing: boolean; provides_source_distro: boolean }[]>`
    SELECT pv.id, pv.package_name AS name, pv.package_version AS version, i.url, pv.is_missing, pv.provides_source_distro
    FROM python_package_version pv JOIN python_package_index i ON i.id = pv.python_package_index_id ORDER BY pv.id`
  const artifacts = await p.sql<{ id: number; present: boolean }[]>`SELECT id, present FROM python_artifact ORDER BY id`
  return { versions: [...versions], artifacts: [...artifacts] }
}

// ---------------------------------------------------------------- 1. every type and version

describe('1. every message type and handled version through the whole pipeline', () => {
  let p: Pipeline
  let index: PackageIndexServer
  let localIndex: string
  let seeded: Seeded
  let before: Awaited<ReturnType<typeof snapshot>>
  const sent: { c: Case; r: Produced }[] = []

  beforeAll(async () => {
    index = startPackageIndexServer({ pkgx: { releases: ['1.0', '2.0rc1'] } })
    localIndex = `${index.url}/simple`
    p = await startPipeline()
    seeded = await seedGraph(p, localIndex)
    before = await snapshot(p)
    const start = Date.UTC(2023, 5, 1, 12, 0, 0)
    for (const [i, c] of cases(localIndex).entries()) {
      sent.push({ c, r: await p.produce(c.base, c.payload, { timestamp: start + i * 3_723_000 }) })
    }
    for (const { r } of sent) await p.waitCommitted(r)
  })
  afterAll(async () => {
    await p?.close()
    await index?.stop()
  })

  test('no failures: every handler succeeded at its first attempt, nothing dead-lettered', async () => {
    const errors = p.log.lines.filter((l) => l.level === 'error')
    expect(errors).toEqual([])
    expect(await p.metric('thoth_investigator_dead_letters_total')).toBeUndefined()
    for (const v of (await p.metrics.exceptions.get()).values) expect([v.labels.message_type, v.value]).toEqual([v.labels.message_type, 0])
  })

  test('each record: exactly its workflows, kind, namespace, parameters, labels and deterministic name', () => {
    for (const { c, r } of sent) {
      try {
        expectWorkflows(p, r, c.workflows(r))
      } catch (err) {
        throw new Error(`${c.title}: ${(err as Error).message}`)
      }
    }
    const all = sent.flatMap(({ c, r }) => c.workflows(r))
    expect(p.workflows(BACKEND).length).toBe(all.filter((e) => e.namespace === BACKEND).length)
    expect(p.workflows(MIDDLE).length).toBe(all.filter((e) => e.namespace === MIDDLE).length)
    // Generated names carry the record timestamp, UTC.
    const graphSync = sent.find(({ c }) => c.base === B.inspection)
    expect(graphSync?.r.timestamp).toBeDefined()
    expect(p.workflowsOf(graphSync!.r)[0]?.metadata.name).toStartWith(`graph-sync-${stamp(graphSync!.r.timestamp)}-`)
    // No pending limit configured: no listing.
    expect(p.kube.calls('K-5')).toEqual([])
    // Every call authenticated with the kubeconfig's token.
    expect(p.kube.requests.every((q) => q.authorization === 'Bearer pipeline-sa-token')).toBe(true)
  })

  test('the unversioned unresolved-package listed the local index (PEP 503 page)', () => {
    expect(index.requests.map((q) => q.path)).toEqual(['/simple/pkgx/'])
  })

  test('knowledge graph: exactly U-1, U-1b, U-2 and U-3 of the messages, nothing else', async () => {
    const after = await snapshot(p)
    const expectedVersions = before.versions.map((v) => ({
      ...v,
      is_missing: v.is_missing || (v.url === PYPI && (v.name === 'six' || (v.name === 'numpy' && v.version === '1.24.3'))),
      provides_source_distro: v.url === PYPI && v.name === 'numpy' && v.version === '1.24.3' ? false : v.provides_source_distro,
    }))
    expect(after.versions).toEqual(expectedVersions)
    expect(after.artifacts).toEqual(before.artifacts.map((a) => ({ ...a, present: a.id === seeded.hashA_1_26_16 ? false : a.present })))
    expect(before.versions.every((v) => !v.is_missing && v.provides_source_distro)).toBe(true)
  })

  test('metrics: processed per handler label, scheduled_workflows with upstream labels', async () => {
    const processed: Record<string, number> = {
      advise_justification: 0, adviser_trigger: 5, build_analysis_trigger: 1, cve_provided: 1, hash_mismatch: 1,
      inspection_completed: 1, kebechet_run_url_trigger: 2, kebechet_trigger: 1, missing_package: 1, missing_version: 1,
      package_extract_trigger: 2, package_released: 1, provenance_checker_trigger: 4, si_unanalyzed_package: 2, solved_package: 1,
      thoth_repo_init: 1, unresolved_package: 2, unrevsolved_package: 1, update_provide_source_distro: 1,
    }
    for (const [label, n] of Object.entries(processed)) {
      expect([label, await p.metric('thoth_investigator_processed_total', { message_type: label })]).toEqual([label, n])
    }
    const scheduled: [string, string, number][] = [
      [B.hashMismatch, 'solver', 3], [B.hashMismatch, 'kebechet-administrator', 1],
      [B.cve, 'kebechet-administrator', 1], [B.missingPackage, 'kebechet-administrator', 1], [B.missingVersion, 'kebechet-administrator', 1],
      [B.released, 'solver', 3], [B.released, 'revsolver', 1],
      [B.si, 'security-indicator', 1], [B.solved, 'security-indicator', 1], [B.solved, 'kebechet-administrator', 1],
      [B.unresolved, 'solver', 7], [B.unrevsolved, 'revsolver', 0],
    ]
    const series = (await p.metrics.scheduledWorkflows.get()).values
    expect(series.map((v) => [v.labels.message_type, v.labels.workflow_type, v.value]).sort()).toEqual(scheduled.sort())
  })

  test('secrets of the record stay out of the log', () => {
    expect(JSON.stringify(p.log.lines)).not.toContain('s3cretpass')
  })
})

describe('1b. advise-justification in the metrics mode', () => {
  let p: Pipeline
  beforeAll(async () => {
    p = await startPipeline({ env: { THOTH_CONSUMER_MODE: '["metrics"]' } })
  })
  afterAll(async () => {
    await p?.close()
  })

  test('adds count to the justification gauge; other topics only count messages; no workflow, no database', async () => {
    const example = {
      component_name: 'advise-reporter', service_version: '0.5.0', version: 'v1',
      message: 'Package flask in version 2.3.2 has a known vulnerability', justification_type: 'WARNING', count: 3, adviser_version: '0.43.0',
    }
    const records = [
      await p.produce(B.adviseJustification, example),
      await p.produce(B.adviseJustification, { ...example, count: -1 }),
      await p.produce(B.released, { component_name: 'package-releases-job', service_version: '0.6.0', version: 'v1', index_url: PYPI, package_name: 'flask', package_version: '2.3.2' }),
    ]
    for (const r of records) await p.waitCommitted(r)
    const labels = { advise_message: example.message, justification_type: 'WARNING', thoth_environment: p.prefix }
    expect(await p.metric('thoth_advise_justification_type_number', labels)).toBe(2)
    expect(await p.metric('thoth_investigator_processed_total', { message_type: 'advise_justification' })).toBe(2)
    expect(await p.metric('message_count_by_version_total', { message_type: 'advise_justification' })).toBeUndefined()
    expect(await p.metric('message_count_by_version_total', { message_type: 'package_released', message_version: 'v1' })).toBe(1)
    expect(await p.metric('thoth_investigator_processed_total', { message_type: 'package_released' })).toBe(0)
    expect(p.kube.requests).toEqual([])
  })
})

// ---------------------------------------------------------------- 2. re-delivery

describe('2. re-delivery of a record creates no second workflow', () => {
  let p: Pipeline
  beforeAll(async () => {
    p = await startPipeline()
  })
  afterAll(async () => {
    await p?.close()
  })

  const released = { component_name: 'package-releases-job', service_version: '0.6.0', version: 'v1', index_url: PYPI, package_name: 'flask', package_version: '2.3.2' }
  const adviser = ADVISER.v5 as Record<string, unknown>

  test('group offsets reset while stopped, then a second consumer group: 409, K-6 read, counted as done once', async () => {
    const r1 = await p.produce(B.released, released)
    const r2 = await p.produce(B.adviser, adviser)
    await p.waitCommitted(r1)
    await p.waitCommitted(r2)
    const names = [...p.workflowsOf(r1), ...p.workflowsOf(r2)].map((w) => w.metadata.name).sort()
    expect(names.length).toBe(SOLVERS.length + 2)
    const created = p.kube.calls('K-4').length
    expect(await p.metric('thoth_investigator_scheduled_workflows_total', { message_type: B.released, workflow_type: 'solver' })).toBe(3)

    const redeliver = async () => {
      await p.waitCommitted(r1)
      await p.waitCommitted(r2)
      const conflicts = p.kube.calls('K-4').slice(created).filter((c) => c.status === 409)
      return conflicts
    }

    // (a) Same group, offsets set back to 0 while the service is stopped.
    await p.stop()
    const admin = testKafka().admin()
    await admin.connect()
    try {
      for (const topic of [r1.topic, r2.topic]) await admin.setOffsets({ groupId: p.config.kafka.groupId, topic, partitions: [{ partition: 0, offset: '0' }] })
    } finally {
      await admin.disconnect()
    }
    const readsBefore = p.kube.calls('K-6').length
    await p.start()
    await waitFor(() => p.kube.calls('K-4').slice(created).length === SOLVERS.length + 2, 30_000, 're-delivered creates')
    const conflictsA = await redeliver()
    expect(conflictsA.map((c) => c.body.metadata.name).sort()).toEqual(names)
    expect(p.kube.calls('K-6').length - readsBefore).toBe(names.length)

    // (b) A second consumer group over the same topics reads them from the beginning.
    await p.stop()
    await p.start({ KAFKA_CONSUMER_GROUP_ID: `${p.config.kafka.groupId}-second` })
    await waitFor(() => p.kube.calls('K-4').slice(created).length === 2 * (SOLVERS.length + 2), 30_000, 'second group creates')
    const conflictsB = await redeliver()
    expect(conflictsB.length).toBe(2 * names.length)

    // Still one workflow per name; nothing counted again; the info log names each existing workflow.
    expect([...p.workflowsOf(r1), ...p.workflowsOf(r2)].map((w) => w.metadata.name).sort()).toEqual(names)
    expect(p.workflows(MIDDLE).length + p.workflows(BACKEND).length).toBe(names.length)
    expect(await p.metric('thoth_investigator_scheduled_workflows_total', { message_type: B.released, workflow_type: 'solver' })).toBe(3)
    expect(await p.metric('thoth_investigator_scheduled_workflows_total', { message_type: B.released, workflow_type: 'revsolver' })).toBe(1)
    expect(await p.metric('thoth_investigator_processed_total', { message_type: 'package_released' })).toBe(3)
    expect(await p.metric('thoth_investigator_processed_total', { message_type: 'adviser_trigger' })).toBe(3)
    expect(await p.metric('thoth_investigator_exceptions_total', { message_type: 'package_released' })).toBe(0)
    const existing = p.log.lines.filter((l) => l.msg === 'workflow of this record already exists' && l.level === 'info')
    expect(new Set(existing.map((l) => l.workflow))).toEqual(new Set(names))
  })
})

// ---------------------------------------------------------------- 3. retry after a partial failure

describe('3. a retry after a partial failure does not repeat completed submissions', () => {
  let p: Pipeline
  beforeAll(async () => {
    p = await startPipeline()
  })
  afterAll(async () => {
    await p?.close()
  })

  test('the 2nd create of package-released fails once with 500: the first solver is created once, the rest after the retry', async () => {
    p.kube.fault({ op: 'K-4', times: 1 }) // the 1st create is answered normally
    p.kube.fault({ op: 'K-4', status: 500, times: 1 }) // the 2nd fails once
    const r = await p.produce(B.released, { component_name: 'package-releases-job', service_version: '0.6.0', version: 'v1', index_url: PYPI, package_name: 'flask', package_version: '2.3.2' })
    await p.waitCommitted(r)
    const expected = [...allSolvers(r, 'flask', '2.3.2', PYPI), revsolver(r, 'flask', '2.3.2')]
    const [s0, s1, s2, rev] = expected.map((e) => e.name)
    expect(p.kube.calls('K-4').map((c) => [c.body.metadata.name, c.status])).toEqual([
      [s0, 201], [s1, 500], [s1, 201], [s2, 201], [rev, 201],
    ])
    expect(p.workflows(MIDDLE).map((w) => w.metadata.name).sort()).toEqual([s0, s1, s2, rev].sort())
    for (const w of p.workflows(MIDDLE)) expect(w.metadata.labels[RECORD_LABEL]).toBe(r.hash)
    expect(await p.metric('thoth_investigator_exceptions_total', { message_type: 'package_released' })).toBe(1)
    expect(await p.metric('thoth_investigator_processed_total', { message_type: 'package_released' })).toBe(1)
    expect(await p.metric('thoth_investigator_scheduled_workflows_total', { message_type: B.released, workflow_type: 'solver' })).toBe(3)
    expect(await p.metric('thoth_investigator_scheduled_workflows_total', { message_type: B.released, workflow_type: 'revsolver' })).toBe(1)
    expect(p.log.lines.filter((l) => l.msg === 'handler attempt failed').map((l) => l.attempt)).toEqual([1])
  })
})

// ---------------------------------------------------------------- 4. pending limit

describe('4. pending-workflow limit with the engine', () => {
  let p: Pipeline
  beforeAll(async () => {
    p = await startPipeline({ env: { ARGO_PENDING_WORKFLOW_LIMIT: '2' } })
  })
  afterAll(async () => {
    await p?.close()
  })

  test('over the limit submissions wait (gauge 1, nothing created) while other topics flow; then they proceed', async () => {
    const waiting = () => p.metric('thoth_investigator_pending_limit_waiting', { namespace: MIDDLE })
    p.kube.scriptPending(MIDDLE, [5])
    const r = await p.produce(B.released, { component_name: 'package-releases-job', service_version: '0.6.0', version: 'v1', index_url: PYPI, package_name: 'flask', package_version: '2.3.2' })
    await waitFor(async () => (await waiting()) === 1, 20_000, 'a submission waiting')
    // Other topics keep flowing: a backend workflow and a database-only message.
    const cve = await p.produce(B.cve, { component_name: 'cve-update-job', service_version: '0.3.0', version: 'v1', package_name: 'urllib3', package_version: '1.26.4', index_url: PYPI })
    const upsd = await p.produce(B.upsd, { component_name: 'security-indicators', service_version: '0.5.0', version: 'v1', package_name: 'numpy', package_version: '1.24.3', index_url: PYPI, value: false })
    await p.waitCommitted(cve)
    await p.waitCommitted(upsd)
    expectWorkflows(p, cve, [kebechetAdmin(cve, B.cve, 'urllib3', '1.26.4', PYPI)])
    expect(await waiting()).toBe(1)
    expect(p.kube.calls('K-4').filter((c) => c.namespace === MIDDLE)).toEqual([])
    expect(p.workflows(MIDDLE)).toEqual([])
    expect(p.service.consumer.control.partitions().find((x) => x.topic === r.topic)?.waiting).toBe(true)
    const listings = p.kube.calls('K-5').filter((c) => c.namespace === MIDDLE).length
    await Bun.sleep(300)
    expect(p.kube.calls('K-5').filter((c) => c.namespace === MIDDLE).length).toBeGreaterThan(listings) // still counting

    p.kube.scriptPending(MIDDLE, [0])
    await p.waitCommitted(r)
    expect(await waiting()).toBe(0)
    expectWorkflows(p, r, [...allSolvers(r, 'flask', '2.3.2', PYPI), revsolver(r, 'flask', '2.3.2')])
    expect(p.log.lines.some((l) => l.msg === 'pending workflow limit reached, waiting' && l.namespace === MIDDLE && l.limit === 2)).toBe(true)
  })
})

// ---------------------------------------------------------------- 5. switches

describe('5. switches through the environment', () => {
  let p: Pipeline
  beforeAll(async () => {
    p = await startPipeline({
      env: {
        THOTH_INVESTIGATOR_SCHEDULE_KEBECHET_ADMIN: '0',
        THOTH_INVESTIGATOR_SCHEDULE_SOLVER: '0',
        THOTH_INVESTIGATOR_SCHEDULE_UNREVSOLVED: '1',
      },
    })
  })
  afterAll(async () => {
    await p?.close()
  })

  test('no Kebechet administrator, no solvers; unrevsolved schedules a reverse solver (D-10)', async () => {
    const solved = await p.produce(B.solved, { component_name: 'solver', service_version: '1.11.0', version: 'v1', package_name: 'flask', package_version: '2.3.2', index_url: PYPI, solver: 'solver-rhel-8-py38' })
    const cve = await p.produce(B.cve, { component_name: 'cve-update-job', service_version: '0.3.0', version: 'v1', package_name: 'urllib3', package_version: '1.26.4', index_url: PYPI })
    const released = await p.produce(B.released, { component_name: 'package-releases-job', service_version: '0.6.0', version: 'v1', index_url: PYPI, package_name: 'flask', package_version: '2.3.2' })
    // Solver switch off: no index check either (this index is not registered).
    const unresolved = await p.produce(B.unresolved, { component_name: 'adviser', service_version: '0.43.0', version: 'v1', package_name: 'requests', index_url: 'https://unregistered.example.com/simple', package_version: '2.31.0', solver: null })
    const unrevsolved = await p.produce(B.unrevsolved, { component_name: 'graph-refresh', service_version: '0.11.0', version: 'v1', package_name: 'flask', package_version: '2.3.2' })
    for (const r of [solved, cve, released, unresolved, unrevsolved]) await p.waitCommitted(r)

    expectWorkflows(p, solved, [securityIndicators(solved, 'flask', '2.3.2', PYPI)])
    expectWorkflows(p, cve, [])
    expectWorkflows(p, released, [revsolver(released, 'flask', '2.3.2')])
    expectWorkflows(p, unresolved, [])
    expectWorkflows(p, unrevsolved, [revsolver(unrevsolved, 'flask', '2.3.2')])
    expect(p.workflows(BACKEND)).toEqual([])
    expect(p.kube.calls('K-1')).toEqual([]) // the solvers ConfigMap is never read

    for (const label of ['solved_package', 'cve_provided', 'package_released', 'unresolved_package', 'unrevsolved_package']) {
      expect([label, await p.metric('thoth_investigator_processed_total', { message_type: label })]).toEqual([label, 1])
    }
    const series = (await p.metrics.scheduledWorkflows.get()).values
    expect(series.map((v) => [v.labels.message_type, v.labels.workflow_type, v.value]).sort()).toEqual(
      [[B.solved, 'security-indicator', 1], [B.released, 'revsolver', 1], [B.unrevsolved, 'revsolver', 1]].sort(),
    )
    expect(p.log.lines.filter((l) => l.level === 'error')).toEqual([])
  })
})
