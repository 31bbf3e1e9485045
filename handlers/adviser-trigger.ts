/** Adviser trigger (messages.md §2, handlers.md §2): schedules an adviser workflow (backend). */
import { z } from 'zod'
import { adviserParams, checkIntegration } from '../lib/adviser.ts'
import { defineHandler } from '../lib/handler.ts'

const JsonObject = z.record(z.string(), z.unknown())

/** Fields the handler reads (v1-v5); `null` in dev/debug/authenticated means false (D-4). */
export const AdviserTriggerSchema = z.object({
  recommendation_type: z.string(),
  dev: z.boolean().nullable().default(false),
  debug: z.boolean().nullable().default(false),
  authenticated: z.boolean().nullable().default(false),
  count: z.number().int().nullable().default(null),
  limit: z.number().int().nullable().default(null),
  origin: z.string().nullable().default(null),
  job_id: z.string().nullable().default(null),
  re_run_adviser_id: z.string().nullable().default(null),
  source_type: z.string().nullable().default(null),
  kebechet_metadata: JsonObject.nullable().default(null),
  justification: z.array(JsonObject).nullable().default(null),
  stack_info: z.array(JsonObject).nullable().default(null),
})
export type AdviserTrigger = z.infer<typeof AdviserTriggerSchema>

/** Checks the integration, then submits adviser with `job_id` or a generated id. */
export const adviserTrigger = defineHandler({
  name: 'adviser-trigger',
  mode: 'backend',
  versions: ['v1', 'v2', 'v3', 'v4', 'v5'],
  schema: AdviserTriggerSchema,
  async handle(msg, { workflows, log }) {
    checkIntegration(msg.source_type, msg.origin)
    const opts = { idPrefix: 'adviser', jobId: msg.job_id }
    const s = await workflows.submit('adviser', adviserParams(msg), opts)
    log.debug('adviser scheduled', { workflow: s.name, created: s.created })
  },
})
