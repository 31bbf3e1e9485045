/**
 * In-memory twins of the handler ports (lib/context.ts), for pure handler logic tests.
 * Real PostgreSQL and the Kubernetes API test server are used by the integration tests.
 */
import type { Config } from '../../lib/config.ts'
import type {
  FlagUpdate,
  GitNotification,
  GitNotifier,
  HandlerContext,
  KnowledgeGraph,
  PackageIndex,
  PackageVersionRow,
  ParamValue,
  RecordInfo,
  RecordWorkflows,
  SubmitOptions,
  Submission,
  WorkflowKind,
} from '../../lib/context.ts'
import { memoryLogger } from '../../lib/log.ts'
import { createMetrics } from '../../lib/metrics.ts'
import { testConfig } from './config.ts'

/** A knowledge graph whose answers a test sets and whose writes it reads. */
export function fakeKnowledgeGraph() {
  const calls: { method: string; args: unknown[] }[] = []
  const state = {
    known: new Set<string>(), // `${name}|${version}|${index}` for Q-1
    solved: new Set<string>(), // `${name}|${version}|${index}|${solver}` for Q-3
    securityIndicators: new Set<string>(), // `${name}|${version}|${index}` for Q-4
    indexes: [] as { url: string; enabled: boolean }[],
    versions: [] as PackageVersionRow[],
    origins: [] as string[],
    revision: 'bf9ea2a38b01' as string | null,
  }
  const record = (method: string, ...args: unknown[]) => calls.push({ method, args })
  const kg: KnowledgeGraph = {
    async packageVersionExists(name, version, index) {
      record('packageVersionExists', name, version, index)
      return state.known.has(`${name}|${version}|${index}`)
    },
    async indexUrls(enabled) {
      record('indexUrls', enabled)
      return state.indexes.filter((i) => enabled === undefined || i.enabled === enabled).map((i) => i.url)
    },
    async solvedBy(name, version, index, solver) {
      record('solvedBy', name, version, index, solver)
      return state.solved.has(`${name}|${version}|${index}|${solver}`)
    },
    async securityIndicatorsExist(name, version, index) {
      record('securityIndicatorsExist', name, version, index)
      return state.securityIndicators.has(`${name}|${version}|${index}`)
    },
    async packageVersions(name, index) {
      record('packageVersions', name, index)
      return state.versions.filter((v) => v.package_name === name && v.index_url === index)
    },
    async setMissing(updates: readonly FlagUpdate[]) {
      record('setMissing', updates)
    },
    async setPackageMissing(name, index) {
      record('setPackageMissing', name, index)
    },
    async setProvidesSourceDistro(updates: readonly FlagUpdate[]) {
      record('setProvidesSourceDistro', updates)
    },
    async markHashNotPresent(name, version, index, sha256) {
      record('markHashNotPresent', name, version, index, sha256)
    },
    async schemaRevision() {
      return state.revision
    },
    async adviserRunOrigins(name, version, index) {
      record('adviserRunOrigins', name, version, index)
      return state.origins
    },
  }
  return { ...kg, calls, state }
}

/** One submission recorded by {@link fakeWorkflows}. */
export interface FakeSubmission {
  kind: WorkflowKind
  params: Record<string, ParamValue>
  opts: SubmitOptions
}

/** Workflows that record submissions; `failOn` makes the n-th submit call throw. */
export function fakeWorkflows(solvers: string[] = ['solver-rhel-8-py38', 'solver-fedora-34-py39']) {
  const submitted: FakeSubmission[] = []
  let fail: ((s: FakeSubmission, n: number) => Error | undefined) | undefined
  const wf: RecordWorkflows = {
    async solverNames() {
      return [...solvers]
    },
    async submit(kind, params, opts): Promise<Submission> {
      const s = { kind, params, opts }
      const err = fail?.(s, submitted.length)
      if (err) throw err
      submitted.push(s)
      const name = opts.jobId || `${opts.idPrefix}-000000000000-${submitted.length.toString(16).padStart(16, '0')}`
      return { name, namespace: 'ns', created: true }
    },
    generatedId(kind, prefix, paramName, position = 0) {
      return `${prefix}-000000000000-${Bun.hash(`${kind}|${paramName}|${position}`).toString(16).padStart(16, '0').slice(0, 16)}`
    },
  }
  return {
    ...wf,
    submitted,
    failWhen(f: (s: FakeSubmission, n: number) => Error | undefined) {
      fail = f
    },
  }
}

/** Git notifier that records notifications. */
export function fakeGit(enabled = false) {
  const notified: GitNotification[] = []
  const git: GitNotifier = {
    enabled,
    async notify(n) {
      if (enabled) notified.push(n)
    },
  }
  return { ...git, notified }
}

/** Package index with fixed listings per `${index}|${name}`. */
export function fakePackageIndex(listings: Record<string, string[]> = {}) {
  const calls: string[] = []
  const pi: PackageIndex = {
    async listVersions(indexUrl, packageName) {
      calls.push(`${indexUrl}|${packageName}`)
      return listings[`${indexUrl}|${packageName}`] ?? []
    },
  }
  return { ...pi, calls }
}

/** A record for tests. */
export function fakeRecord(overrides: Partial<RecordInfo> = {}): RecordInfo {
  return {
    topic: 'test.thoth.solver.solved-package',
    partition: 0,
    offset: '42',
    timestamp: '1685620800000',
    baseName: 'thoth.solver.solved-package',
    version: 'v1',
    valueHash: '0123456789abcdef0123456789abcdef',
    ...overrides,
  }
}

/** A full handler context of fakes; every part can be replaced. */
export function fakeContext(
  o: {
    config?: Config
    kg?: ReturnType<typeof fakeKnowledgeGraph>
    workflows?: ReturnType<typeof fakeWorkflows>
    git?: ReturnType<typeof fakeGit>
    packageIndex?: ReturnType<typeof fakePackageIndex>
    record?: Partial<RecordInfo>
  } = {},
) {
  const log = memoryLogger()
  const ctx = {
    config: o.config ?? testConfig(),
    log,
    metrics: createMetrics(),
    kg: o.kg ?? fakeKnowledgeGraph(),
    workflows: o.workflows ?? fakeWorkflows(),
    git: o.git ?? fakeGit(),
    packageIndex: o.packageIndex ?? fakePackageIndex(),
    record: fakeRecord(o.record),
    signal: new AbortController().signal,
    redact: (t: string) => t,
  } satisfies HandlerContext
  return ctx
}
