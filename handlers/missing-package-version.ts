/** Missing version (messages.md §10, handlers.md §10): a package version left an index. */
import { z } from 'zod'
import type { FlagUpdate, HandlerContext } from '../lib/context.ts'
import { defineHandler } from '../lib/handler.ts'
import { kebechetAdmin } from '../lib/procedures.ts'
import { messageTypeByStem } from '../lib/topics.ts'

const BASE_NAME = messageTypeByStem('missing-package-version').baseName

/** Fields the handler reads. */
export const MissingPackageVersionSchema = z.object({
  index_url: z.string(),
  package_name: z.string(),
  package_version: z.string(),
})
export type MissingPackageVersion = z.infer<typeof MissingPackageVersionSchema>

const missingFlag = (m: MissingPackageVersion): FlagUpdate => ({
  name: m.package_name,
  version: m.package_version,
  index: m.index_url,
  value: true,
})

/** The steps after U-1: Kebechet administrator (switch), then the opt-in git notification. */
async function afterUpdate(msg: MissingPackageVersion, ctx: HandlerContext): Promise<void> {
  if (ctx.config.schedule.kebechetAdmin) await kebechetAdmin(ctx, msg, BASE_NAME)
  if (!ctx.git.enabled) return
  const n = {
    kind: 'missing-version',
    baseName: BASE_NAME,
    packageName: msg.package_name,
    packageVersion: msg.package_version,
    indexUrl: msg.index_url,
  } as const
  await ctx.git.notify(n, ctx.log, ctx.signal)
}

/** U-1 (`is_missing = true`), Kebechet admin, git; batches share ONE U-1 statement. */
export const missingPackageVersion = defineHandler({
  name: 'missing-package-version',
  mode: 'backend',
  versions: ['v1'],
  schema: MissingPackageVersionSchema,
  async handle(msg, ctx) {
    await ctx.kg.setMissing([missingFlag(msg)])
    await afterUpdate(msg, ctx)
  },
  async handleBatch(items) {
    const first = items[0]
    if (!first) return
    await first.ctx.kg.setMissing(items.map((i) => missingFlag(i.message)))
    for (const { message, ctx } of items) await afterUpdate(message, ctx)
  },
})
