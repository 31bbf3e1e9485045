/** inspection-completed (middletier, v1): graph sync of a finished Amun inspection. */
import { z } from 'zod'
import { defineHandler } from '../lib/handler.ts'

/** Fields read (messages.md §6); `force_sync: null` is kept and sent empty (D-4 table). */
export const InspectionCompletedSchema = z.object({
  inspection_id: z.string(),
  force_sync: z.boolean().nullable().default(false),
})
/** A validated inspection-completed payload. */
export type InspectionCompleted = z.infer<typeof InspectionCompletedSchema>

/** Upstream renders a Python boolean: `True` / `False`; null is the empty string. */
const pythonBool = (v: boolean | null) => (v === null ? '' : v ? 'True' : 'False')

/** Submits a graph-sync workflow for the inspection, handlers.md §6. Not counted. */
export const inspectionCompleted = defineHandler({
  name: 'inspection-completed',
  mode: 'middletier',
  versions: ['v1'],
  schema: InspectionCompletedSchema,
  async handle(msg, ctx) {
    const params = {
      THOTH_SYNC_DOCUMENT_ID: msg.inspection_id,
      THOTH_FORCE_SYNC: pythonBool(msg.force_sync),
    }
    const s = await ctx.workflows.submit('graph-sync', params, { idPrefix: 'graph-sync' })
    ctx.log.info('graph sync scheduled', { workflow: s.name, inspection_id: msg.inspection_id })
  },
})
