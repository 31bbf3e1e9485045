/**
 * Build-analysis parameters (spec/handlers.md §3): checks, derived credentials and ids, and the
 * seventeen THOTH_BUILD_ANALYSIS_* values. Registry credentials are secrets: they only ever
 * appear in the returned parameters, never in error texts.
 */
import type { ParamValue, RecordWorkflows } from './context.ts'

/** The build-analysis-trigger fields these functions read. */
export interface BuildAnalysisInput {
  readonly base_image: string | null
  readonly base_image_analysis_id: string | null
  readonly buildlog_document_id: string | null
  readonly buildlog_parser_id: string | null
  readonly environment_type: string | null
  readonly debug: boolean | null
  readonly job_id: string | null
  readonly origin: string | null
  readonly output_image: string | null
  readonly output_image_analysis_id: string | null
  readonly base_registry_user: string | null
  readonly base_registry_password: string | null
  readonly base_registry_verify_tls: boolean | null
  readonly output_registry_user: string | null
  readonly output_registry_password: string | null
  readonly output_registry_verify_tls: boolean | null
}

const KIND = 'build-analysis'
const P = 'THOTH_BUILD_ANALYSIS_'

/** Fails the attempt on inputs upstream rejects (steps 2 and 3). */
export function checkBuildAnalysis(m: BuildAnalysisInput): void {
  if (!m.base_image && !m.output_image && !m.buildlog_document_id) {
    throw new Error('build analysis needs base_image, output_image or buildlog_document_id')
  }
  for (const side of ['base', 'output'] as const) {
    if (m[`${side}_registry_user`] && !m[`${side}_registry_password`]) {
      throw new Error(`${side}_registry_user is set but ${side}_registry_password is not`)
    }
  }
}

/** `user:password` when a user is set, else null. */
const credentials = (user: string | null, password: string | null) => (user ? `${user}:${password ?? ''}` : null)
/** `0` only when verification is explicitly true; false and null turn it off (D-4 table). */
const noTlsVerify = (verify: boolean | null) => (verify === true ? '0' : '1')

/** The derived ids (step 4): given, else generated when the matching input is set, else null. */
export function buildAnalysisIds(m: BuildAnalysisInput, wf: Pick<RecordWorkflows, 'generatedId'>) {
  const gen = (prefix: string, param: string) => wf.generatedId(KIND, prefix, `${P}${param}`)
  return {
    base: m.base_image_analysis_id || (m.base_image ? gen('package-extract', 'BASE_IMAGE_ANALYSIS_ID') : null),
    output: m.output_image_analysis_id || (m.output_image ? gen('package-extract', 'OUTPUT_IMAGE_ANALYSIS_ID') : null),
    parser: m.buildlog_parser_id || (m.buildlog_document_id ? gen('buildlog-parser', 'BUILDLOG_PARSER_ID') : null),
    job: m.job_id || gen('build-analysis', 'JOB_ID'),
  }
}

/** Template parameters of step 5 except the id parameter, which `submit` fills from `jobId`. */
export function buildAnalysisParams(m: BuildAnalysisInput, ids: ReturnType<typeof buildAnalysisIds>) {
  const metadata = {
    origin: m.origin,
    environment_type: m.environment_type,
    base_image_analysis_id: ids.base,
    output_image_analysis_id: ids.output,
    buildlog_document_id: m.buildlog_document_id,
    build_analysis_job_id: ids.job,
    is_external: true,
  }
  const params: Record<string, ParamValue> = {
    [`${P}BASE_IMAGE`]: m.base_image ?? '',
    [`${P}BASE_IMAGE_ANALYSIS_ID`]: ids.base ?? '',
    [`${P}BASE_IMAGE_DOCUMENT_ID`]: ids.base ?? '',
    [`${P}BASE_REGISTRY_CREDENTIALS`]: credentials(m.base_registry_user, m.base_registry_password) ?? '',
    [`${P}BASE_REGISTRY_NO_TLS_VERIFY`]: noTlsVerify(m.base_registry_verify_tls),
    [`${P}OUTPUT_IMAGE`]: m.output_image ?? '',
    [`${P}OUTPUT_IMAGE_ANALYSIS_ID`]: ids.output ?? '',
    [`${P}OUTPUT_IMAGE_DOCUMENT_ID`]: ids.output ?? '',
    [`${P}OUTPUT_REGISTRY_CREDENTIALS`]: credentials(m.output_registry_user, m.output_registry_password) ?? '',
    [`${P}OUTPUT_REGISTRY_NO_TLS_VERIFY`]: noTlsVerify(m.output_registry_verify_tls),
    [`${P}BUILDLOG_DOCUMENT_ID`]: m.buildlog_document_id ?? '',
    [`${P}BUILDLOG_PARSER_ID`]: ids.parser ?? '',
    [`${P}ENVIRONMENT_TYPE`]: m.environment_type ?? '',
    [`${P}ORIGIN`]: m.origin ?? '',
    [`${P}LOG`]: m.debug === true ? 'DEBUG' : 'INFO',
    [`${P}METADATA`]: JSON.stringify(metadata),
  }
  return params
}
