/**
 * Pure pieces of a submission (workflows.md): the kinds table, deterministic workflow ids
 * (D-6, D-18), template parameter values, the Ceph argument merge and the record label.
 */
import { createHash } from 'node:crypto'
import type { ParamValue, RecordInfo, WorkflowKind } from './context.ts'

/** Label carrying the record's value hash on every Workflow the project creates (D-6). */
export const RECORD_LABEL = 'thoth-station.ninja/investigator-record'

/** Where a kind's workflows go, which parameter names them, whether Ceph arguments are merged. */
export interface KindSpec {
  readonly namespace: 'backend' | 'middletier'
  readonly idParam: string
  readonly ceph: boolean
}

/** The table "Kinds" of workflows.md. */
export const KINDS: Readonly<Record<WorkflowKind, KindSpec>> = {
  solver: { namespace: 'middletier', idParam: 'THOTH_SOLVER_WORKFLOW_ID', ceph: true },
  revsolver: { namespace: 'middletier', idParam: 'THOTH_REVSOLVER_WORKFLOW_ID', ceph: true },
  'security-indicators': { namespace: 'middletier', idParam: 'THOTH_SECURITY_INDICATORS_JOB_ID', ceph: true },
  adviser: { namespace: 'backend', idParam: 'THOTH_ADVISER_JOB_ID', ceph: true },
  'provenance-checker': { namespace: 'backend', idParam: 'THOTH_PROVENANCE_CHECKER_JOB_ID', ceph: true },
  'package-extract': { namespace: 'middletier', idParam: 'THOTH_PACKAGE_EXTRACT_JOB_ID', ceph: true },
  'build-analysis': { namespace: 'middletier', idParam: 'THOTH_BUILD_ANALYSIS_JOB_ID', ceph: true },
  'graph-sync': { namespace: 'middletier', idParam: 'THOTH_SYNC_JOB_ID', ceph: true },
  kebechet: { namespace: 'backend', idParam: 'WORKFLOW_ID', ceph: false },
  'kebechet-run-url': { namespace: 'backend', idParam: 'WORKFLOW_ID', ceph: false },
  'kebechet-administrator': { namespace: 'backend', idParam: 'WORKFLOW_ID', ceph: false },
  'thoth-repo-init': { namespace: 'backend', idParam: 'WORKFLOW_ID', ceph: false },
}

/** `yymmddHHMMSS` of the record timestamp in UTC; twelve zeros without a timestamp. */
export function idTimestamp(timestamp: string): string {
  const ms = Number(timestamp)
  if (!Number.isFinite(ms) || ms < 0 || timestamp.trim() === '') return '000000000000'
  const iso = new Date(ms).toISOString() // 2023-06-01T12:00:00.000Z
  return iso.slice(2, 4) + iso.slice(5, 7) + iso.slice(8, 10) + iso.slice(11, 13) + iso.slice(14, 16) + iso.slice(17, 19)
}

/** Deterministic generated id `<prefix>-<yymmddHHMMSS>-<16 hex>` (workflows.md "Workflow id"). */
export function generatedId(
  record: RecordInfo,
  kind: WorkflowKind,
  position: number,
  prefix: string,
  paramName: string,
): string {
  const text = [record.topic, record.partition, record.offset, kind, position, paramName].join('\n')
  const hex = createHash('sha256').update(text, 'utf8').digest('hex').slice(0, 16)
  return `${prefix}-${idTimestamp(record.timestamp)}-${hex}`
}

/** Template parameter text: strings as is, numbers in decimal, `True`/`False`, null as empty. */
export function paramText(value: ParamValue): string {
  if (value === null) return ''
  if (typeof value === 'boolean') return value ? 'True' : 'False'
  return String(value)
}

/** A template parameter entry. */
export interface TemplateParameter {
  name: string
  value?: string
  [key: string]: unknown
}

/**
 * The template's parameters with the given values set; names the template does not declare are
 * appended and reported through `onUnknown`. Returns a new array; the template is not changed.
 */
export function setParameters(
  declared: readonly TemplateParameter[],
  values: Readonly<Record<string, ParamValue>>,
  onUnknown: (name: string) => void,
): TemplateParameter[] {
  const out = declared.map((p) => ({ ...p }))
  const byName = new Map(out.map((p) => [p.name, p]))
  for (const [name, value] of Object.entries(values)) {
    const existing = byName.get(name)
    if (existing) {
      existing.value = paramText(value)
    } else {
      onUnknown(name)
      const added = { name, value: paramText(value) }
      out.push(added)
      byName.set(name, added)
    }
  }
  return out
}

/**
 * `netloc` of a URL as written: the text between `scheme://` and the next `/`, `?` or `#`
 * (case, default ports and userinfo kept); empty without a `scheme://`.
 */
export function cephHost(url: string): string {
  return /^[A-Za-z][A-Za-z0-9+.-]*:\/\/([^/?#]*)/.exec(url)?.[1] ?? ''
}

/** The four Ceph workflow arguments, in the order they are merged. */
export interface CephArguments {
  readonly cephBucketPrefix: string
  readonly cephBucket: string
  readonly s3EndpointUrl: string
  readonly deploymentName: string
}

/** A rendered Workflow object (only the parts we touch are typed). */
export interface WorkflowObject {
  metadata?: { name?: string; labels?: Record<string, string>; [key: string]: unknown }
  spec?: { arguments?: { parameters?: Array<{ name: string; value?: string; [k: string]: unknown }> }; [key: string]: unknown }
  status?: unknown
  [key: string]: unknown
}

/** Ceph arguments first, then the object's own arguments whose names are not Ceph names. */
export function mergeCephArguments(wf: WorkflowObject, ceph: CephArguments): void {
  const first = [
    { name: 'ceph_bucket_prefix', value: ceph.cephBucketPrefix },
    { name: 'ceph_bucket_name', value: ceph.cephBucket },
    { name: 'ceph_host', value: cephHost(ceph.s3EndpointUrl) },
    { name: 'deployment_name', value: ceph.deploymentName },
  ]
  const names = new Set(first.map((p) => p.name))
  const spec = (wf.spec ??= {})
  const args = (spec.arguments ??= {})
  args.parameters = [...first, ...(args.parameters ?? []).filter((p) => !names.has(p.name))]
}

/** Prepares `objects[0]` of a processed template for K-4: no status, record label, Ceph args. */
export function prepareWorkflow(wf: WorkflowObject, valueHash: string, ceph: CephArguments | null): WorkflowObject {
  delete wf.status
  const metadata = (wf.metadata ??= {})
  metadata.labels = { ...(metadata.labels ?? {}), [RECORD_LABEL]: valueHash }
  if (ceph) mergeCephArguments(wf, ceph)
  return wf
}
