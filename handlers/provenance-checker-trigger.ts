/** Provenance checker trigger (messages.md §13, handlers.md §13): a provenance check. */
import { z } from 'zod'
import { defineHandler } from '../lib/handler.ts'
import { KINDS } from '../lib/workflow-render.ts'

const JsonObject = z.record(z.string(), z.unknown())

/** Fields the handler reads (v1-v4); `null` in debug/authenticated means false (D-4). */
export const ProvenanceCheckerTriggerSchema = z.object({
  debug: z.boolean().nullable().default(false),
  authenticated: z.boolean().nullable().default(false),
  origin: z.string().nullable().default(null),
  whitelisted_sources: z.array(z.string()).nullable().default(null),
  job_id: z.string().nullable().default(null),
  kebechet_metadata: JsonObject.nullable().default(null),
  justification: z.array(JsonObject).nullable().default(null),
  stack_info: z.array(JsonObject).nullable().default(null),
})
export type ProvenanceCheckerTrigger = z.infer<typeof ProvenanceCheckerTriggerSchema>

/** Template parameters; the job id is also the document id. */
export function provenanceParams(msg: ProvenanceCheckerTrigger, jobId: string) {
  const metadata = {
    origin: msg.origin,
    kebechet_metadata: msg.kebechet_metadata,
    'thoth.adviser': { justification: msg.justification, stack_info: msg.stack_info },
  }
  return {
    THOTH_ADVISER_METADATA: JSON.stringify(metadata),
    THOTH_AUTHENTICATED_PROVENANCE_CHECK: msg.authenticated ? '1' : '0',
    THOTH_WHITELISTED_SOURCES: (msg.whitelisted_sources ?? []).join(','),
    THOTH_LOG_ADVISER: msg.debug ? 'DEBUG' : 'INFO',
    THOTH_DOCUMENT_ID: jobId,
  }
}

/** Submits provenance-checker (backend) with `job_id` or a generated id. */
export const provenanceCheckerTrigger = defineHandler({
  name: 'provenance-checker-trigger',
  mode: 'backend',
  versions: ['v1', 'v2', 'v3', 'v4'],
  schema: ProvenanceCheckerTriggerSchema,
  async handle(msg, { workflows, log }) {
    const idPrefix = 'provenance-checker'
    const idParam = KINDS['provenance-checker'].idParam
    const jobId = msg.job_id || workflows.generatedId('provenance-checker', idPrefix, idParam)
    const params = provenanceParams(msg, jobId)
    const s = await workflows.submit('provenance-checker', params, { idPrefix, jobId })
    log.debug('provenance-checker scheduled', { workflow: s.name, created: s.created })
  },
})
