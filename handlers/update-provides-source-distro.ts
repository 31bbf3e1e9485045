/** update-provides-source-distro (middletier, v1): sets the provides_source_distro flag (U-2). */
import { z } from 'zod'
import type { FlagUpdate, HandlerContext } from '../lib/context.ts'
import { defineHandler } from '../lib/handler.ts'

/** Fields read (messages.md §19). */
export const UpdateProvidesSourceDistroSchema = z.object({
  package_name: z.string(),
  package_version: z.string(),
  index_url: z.string(),
  value: z.boolean(),
})
/** A validated update-provides-source-distro payload. */
export type UpdateProvidesSourceDistro = z.infer<typeof UpdateProvidesSourceDistroSchema>

const toUpdate = (m: UpdateProvidesSourceDistro): FlagUpdate => ({
  name: m.package_name,
  version: m.package_version,
  index: m.index_url,
  value: m.value,
})

const logDone = (m: UpdateProvidesSourceDistro, ctx: HandlerContext) =>
  ctx.log.info('provides_source_distro updated', {
    package_name: m.package_name,
    package_version: m.package_version,
    index_url: m.index_url,
    value: m.value,
  })

/** U-2 for one message, or one batched U-2 for consecutive records (handlers.md §19). */
export const updateProvidesSourceDistro = defineHandler({
  name: 'update-provides-source-distro',
  mode: 'middletier',
  versions: ['v1'],
  schema: UpdateProvidesSourceDistroSchema,
  async handle(msg, ctx) {
    await ctx.kg.setProvidesSourceDistro([toUpdate(msg)])
    logDone(msg, ctx)
  },
  async handleBatch(items) {
    const first = items[0]
    if (!first) return
    // One statement for the whole batch; later items for the same key win, as in sequence.
    await first.ctx.kg.setProvidesSourceDistro(items.map((i) => toUpdate(i.message)))
    for (const i of items) logDone(i.message, i.ctx)
  },
})
