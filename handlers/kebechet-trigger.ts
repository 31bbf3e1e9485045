/** Kebechet trigger (messages.md §8, handlers.md §8): a Kebechet workflow for a webhook. */
import { z } from 'zod'
import { defineHandler } from '../lib/handler.ts'

const JsonObject = z.record(z.string(), z.unknown())

/** Fields the handler reads. */
export const KebechetTriggerSchema = z.object({
  webhook_payload: JsonObject,
  job_id: z.string().nullable().default(null),
})
export type KebechetTrigger = z.infer<typeof KebechetTriggerSchema>

const isObject = (v: unknown): v is Record<string, unknown> =>
  v !== null && typeof v === 'object' && !Array.isArray(v)

/** `repository.full_name` when it is a string inside an object; otherwise no slug (D-14). */
export function kebechetSlug(payload: Record<string, unknown>): string | undefined {
  const repository = payload.repository
  if (!isObject(repository)) return undefined
  return typeof repository.full_name === 'string' ? repository.full_name : undefined
}

/** Submits kebechet (backend); KEBECHET_SLUG only when the payload names its repository. */
export const kebechetTrigger = defineHandler({
  name: 'kebechet-trigger',
  mode: 'backend',
  versions: ['v1'],
  schema: KebechetTriggerSchema,
  async handle(msg, { workflows, log }) {
    const params: Record<string, string> = { WEBHOOK_PAYLOAD: JSON.stringify(msg.webhook_payload) }
    const slug = kebechetSlug(msg.webhook_payload)
    if (slug !== undefined) params.KEBECHET_SLUG = slug
    const opts = { idPrefix: 'kebechet-job', jobId: msg.job_id }
    const s = await workflows.submit('kebechet', params, opts)
    log.debug('kebechet scheduled', { workflow: s.name, created: s.created })
  },
})
