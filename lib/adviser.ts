/**
 * Adviser workflow inputs (spec/handlers.md §2): the scheduling-time integration check and the
 * template parameters built from an adviser trigger. Pure functions.
 */
import type { ParamValue } from './context.ts'
import { ServiceError } from './errors.ts'

/** Integrations an adviser run may come from (`source_type`). */
export const SOURCE_TYPES: readonly string[] = ['CLI', 'KEBECHET', 'S2I', 'JUPYTER_NOTEBOOK']
/** `kebechet_metadata.message_justification` of a "new release" Kebechet trigger. */
const NEW_RELEASE = 5

type JsonObject = Record<string, unknown>

/** The adviser-trigger fields the workflow needs (defaults already applied, D-4). */
export interface AdviserInput {
  readonly recommendation_type: string
  readonly dev: boolean | null
  readonly debug: boolean | null
  readonly authenticated: boolean | null
  readonly count: number | null
  readonly limit: number | null
  readonly origin: string | null
  readonly re_run_adviser_id: string | null
  readonly source_type: string | null
  readonly kebechet_metadata: JsonObject | null
  readonly justification: JsonObject[] | null
  readonly stack_info: JsonObject[] | null
}

/** Steps 2-3 of handlers.md §2; a failure fails the attempt (retried, then failure policy). */
export function checkIntegration(sourceType: string | null, origin: string | null): void {
  if (sourceType !== null && !SOURCE_TYPES.includes(sourceType)) {
    throw new ServiceError('UNEXPECTED', `integration not known: ${sourceType}`, true)
  }
  if (sourceType === 'KEBECHET' && !origin) {
    throw new ServiceError('UNEXPECTED', 'Kebechet inputs missing: origin is not set', true)
  }
}

/** JSON text of THOTH_ADVISER_METADATA (key order as upstream). */
function metadataText(m: AdviserInput): string {
  return JSON.stringify({
    origin: m.origin,
    re_run_adviser_id: m.re_run_adviser_id,
    source_type: m.source_type,
    kebechet_metadata: m.kebechet_metadata,
    'thoth.adviser': { justification: m.justification, stack_info: m.stack_info },
  })
}

/** THOTH_ADVISER_DEPLOYMENT_PACKAGE_UPDATE for new-release triggers, else undefined. */
export function packageUpdateText(km: JsonObject | null): string | undefined {
  if (km?.message_justification !== NEW_RELEASE) return undefined
  return JSON.stringify({
    package_name: km.package_name ?? null,
    package_version: km.package_version ?? null,
    index_url: km.package_index ?? null,
  })
}

/** Template parameters of the adviser workflow; the id parameter is filled by submit. */
export function adviserParams(m: AdviserInput): Record<string, ParamValue> {
  const params: Record<string, ParamValue> = {
    THOTH_ADVISER_DEV: m.dev ? '1' : '0',
    THOTH_LOG_ADVISER: m.debug ? 'DEBUG' : 'INFO',
    THOTH_ADVISER_RECOMMENDATION_TYPE: m.recommendation_type,
    THOTH_AUTHENTICATED_ADVISE: m.authenticated ? '1' : '0',
    THOTH_ADVISER_PREDICTOR_CONFIG: '{}',
    THOTH_ADVISER_METADATA: metadataText(m),
  }
  if (m.limit !== null) params.THOTH_ADVISER_LIMIT = String(m.limit)
  if (m.count !== null) params.THOTH_ADVISER_COUNT = String(m.count)
  const update = packageUpdateText(m.kebechet_metadata)
  if (update !== undefined) params.THOTH_ADVISER_DEPLOYMENT_PACKAGE_UPDATE = update
  return params
}
