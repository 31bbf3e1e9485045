/** Advise justification (messages.md §1, handlers.md §1): accumulates justification counts. */
import { z } from 'zod'
import { defineHandler } from '../lib/handler.ts'

/** Fields the metrics-mode handler reads; `adviser_version` is not read, so not checked. */
export const AdviseJustificationSchema = z.object({
  message: z.string(),
  justification_type: z.string(),
  count: z.number().int(),
})
export type AdviseJustification = z.infer<typeof AdviseJustificationSchema>

/** Adds `count` to the justification gauge (an increment; negative counts decrease it). */
export const adviseJustification = defineHandler({
  name: 'advise-justification',
  mode: 'metrics',
  versions: ['v1'],
  schema: AdviseJustificationSchema,
  async handle(msg, { metrics, config, log }) {
    const labels = {
      advise_message: msg.message,
      justification_type: msg.justification_type,
      thoth_environment: config.deploymentName,
    }
    metrics.adviseJustification.inc(labels, msg.count)
    log.info('advise justification counted', {
      advise_message: msg.message,
      justification_type: msg.justification_type,
      count: msg.count,
    })
  },
})
