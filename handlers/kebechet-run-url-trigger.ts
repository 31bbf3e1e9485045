/** Kebechet run-url trigger (messages.md §7, handlers.md §7): schedules kebechet-run-url. */
import { z } from 'zod'
import { defineHandler } from '../lib/handler.ts'

/**
 * Fields the handler reads. `kebechet_metadata` is not in the model but is what upstream reads
 * (the Kebechet administrator writes it); the model's `metadata` is never read, so not checked.
 */
export const KebechetRunUrlTriggerSchema = z.object({
  url: z.string().nullable().default(null),
  service_name: z.string().nullable().default(null),
  job_id: z.string().nullable().default(null),
  kebechet_metadata: z.record(z.string(), z.unknown()).nullable().default(null),
})
export type KebechetRunUrlTrigger = z.infer<typeof KebechetRunUrlTriggerSchema>

/** Submits kebechet-run-url (backend). A null url or service name fails at template processing. */
export const kebechetRunUrlTrigger = defineHandler({
  name: 'kebechet-run-url-trigger',
  mode: 'backend',
  versions: ['v1', 'v2'],
  schema: KebechetRunUrlTriggerSchema,
  async handle(msg, { workflows, log }) {
    const params = {
      KEBECHET_REPO_URL: msg.url ?? '',
      KEBECHET_SERVICE_NAME: msg.service_name ?? '',
      KEBECHET_METADATA: JSON.stringify(msg.kebechet_metadata),
    }
    const opts = { idPrefix: 'kebechet-run-url', jobId: msg.job_id }
    const s = await workflows.submit('kebechet-run-url', params, opts)
    log.debug('kebechet-run-url scheduled', { workflow: s.name, created: s.created })
  },
})
