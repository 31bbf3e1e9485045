/**
 * Glossary and the ports handlers see.
 * - record: one Kafka record (topic, partition, offset) being handled.
 * - attempt: one run of a record's handlers; up to THOTH_INVESTIGATOR_MAX_RETRIES attempts.
 * - port: an interface a handler calls (knowledge graph, workflows, git services, package index);
 *   the real implementation lives in lib/, an in-memory twin in tests/fakes/.
 * - submission: one workflow a handler creates; its name is deterministic per (record, kind,
 *   position) so retries and re-deliveries never create a second one (D-6).
 */
import type { Config } from './config.ts'
import type { Logger } from './log.ts'
import type { Metrics } from './metrics.ts'
import type { Redactor } from './redact.ts'

/** Where a record came from; fixed for all attempts of the record. */
export interface RecordInfo {
  readonly topic: string
  readonly partition: number
  /** Kafka offset, decimal. */
  readonly offset: string
  /** Record timestamp in ms since the epoch, decimal; `-1` when absent. */
  readonly timestamp: string
  readonly baseName: string
  /** Version used for handler lookup (`v1` when absent). */
  readonly version: string
  /** First 32 hex digits of SHA-256 of the value bytes (record label, D-6). */
  readonly valueHash: string
}

/** A row of Q-5. */
export interface PackageVersionRow {
  readonly package_name: string
  readonly package_version: string | null
  readonly index_url: string
}

/** A flag update of U-1 / U-2 (name, version, index as received; normalised by the port). */
export interface FlagUpdate {
  readonly name: string
  readonly version: string
  readonly index: string
  readonly value: boolean
}

/** Knowledge-graph queries of spec/knowledge-graph.md; each a short transaction. */
export interface KnowledgeGraph {
  /** package version known on an index (any solver). */
  packageVersionExists(name: string, version: string | null, index: string): Promise<boolean>
  /** registered index URLs ordered by id; `enabled` filters. */
  indexUrls(enabled?: boolean): Promise<string[]>
  /** package version solved by the given solver on an index. Throws on a bad solver name. */
  solvedBy(name: string, version: string | null, index: string, solver: string): Promise<boolean>
  /** aggregated security-indicator results exist on that index (D-19). */
  securityIndicatorsExist(name: string, version: string, index: string): Promise<boolean>
  /** all known versions of a package on an index (one row per environment). */
  packageVersions(name: string, index: string): Promise<PackageVersionRow[]>
  /** U-1, batched: set `is_missing`; later entries for the same key win. */
  setMissing(updates: readonly FlagUpdate[]): Promise<void>
  /** U-1b: set `is_missing` on every version of a package on an index. */
  setPackageMissing(name: string, index: string): Promise<void>
  /** U-2, batched: set `provides_source_distro`; later entries for the same key win. */
  setProvidesSourceDistro(updates: readonly FlagUpdate[]): Promise<void>
  /** U-3: mark an artifact hash as not present (D-9). */
  markHashNotPresent(name: string, version: string, index: string, sha256: string): Promise<void>
  /** stored schema revision, or null when the table is missing or empty (D-37). */
  schemaRevision(): Promise<string | null>
  /** Q-G: distinct adviser-run origins whose input lock pins the package (version) on the index. */
  adviserRunOrigins(name: string, version: string | null, index: string): Promise<string[]>
}

/** Workflow kinds: the `template=` label values (spec/README.md). */
export type WorkflowKind =
  | 'solver'
  | 'revsolver'
  | 'security-indicators'
  | 'adviser'
  | 'provenance-checker'
  | 'package-extract'
  | 'build-analysis'
  | 'graph-sync'
  | 'kebechet'
  | 'kebechet-run-url'
  | 'kebechet-administrator'
  | 'thoth-repo-init'

/** A template parameter value before conversion to text (workflows.md). */
export type ParamValue = string | number | boolean | null

/** How the workflow-name parameter is filled. */
export interface SubmitOptions {
  /** Prefix of the generated id (`solver-rhel-8-py38`, `adviser`, ...). */
  readonly idPrefix: string
  /** The message's own job id; used unchanged when non-empty (workflows.md "Workflow id"). */
  readonly jobId?: string | null
}

/** Result of one submission. */
export interface Submission {
  readonly name: string
  readonly namespace: string
  /** true: created now (201); false: this record's workflow already existed (409 + label). */
  readonly created: boolean
}

/**
 * Workflow scheduling bound to the record being handled. `submit` fills the kind's id
 * parameter, waits for the pending limit in the workflow namespace (D-7), renders the template
 * and creates the Workflow; a submission done in an earlier attempt is not sent again.
 */
export interface RecordWorkflows {
  /** Solver names from the `solvers` ConfigMap (trimmed, blank lines skipped; cached <= 60 s). */
  solverNames(): Promise<string[]>
  submit(kind: WorkflowKind, params: Record<string, ParamValue>, opts: SubmitOptions): Promise<Submission>
  /** A deterministic generated id for another id parameter of the `position`-th submission of `kind`. */
  generatedId(kind: WorkflowKind, prefix: string, paramName: string, position?: number): string
}

/** The package change a git notification is about (handlers.md, Git services). */
export interface GitNotification {
  readonly kind: 'hash-mismatch' | 'missing-package' | 'missing-version'
  readonly baseName: string
  readonly packageName: string
  readonly packageVersion: string | null
  readonly indexUrl: string
  /** hash-mismatch only: digests missing from the source. */
  readonly missingFromSource?: readonly string[]
}

/** Opt-in direct issue notifications (D-15). Never throws; off means no calls. */
export interface GitNotifier {
  readonly enabled: boolean
  notify(n: GitNotification, log: import('./log.ts').Logger, signal: AbortSignal): Promise<void>
}

/** Version listing of a Python package index (handlers.md §17). */
export interface PackageIndex {
  /** Versions newest first (PEP 440, legacy last); [] on 404/403. */
  listVersions(indexUrl: string, packageName: string, signal: AbortSignal): Promise<string[]>
}

/** Built once in main.ts. Handlers see ports (interfaces), never raw SDK clients. */
export interface Deps {
  readonly config: Config
  readonly log: Logger
  readonly metrics: Metrics
  readonly kg: KnowledgeGraph
  readonly git: GitNotifier
  readonly packageIndex: PackageIndex
}

/** One per record attempt: a scoped logger, the record, its workflows and an abort signal. */
export type HandlerContext = Omit<Deps, 'log'> & {
  readonly log: Logger
  readonly record: RecordInfo
  readonly workflows: RecordWorkflows
  /** Aborts on shutdown, revocation or halt; long waits MUST honour it. */
  readonly signal: AbortSignal
  /** Redacts this record's secrets (D-36) from texts a handler builds. */
  readonly redact: Redactor
}
