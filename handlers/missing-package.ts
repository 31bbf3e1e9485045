/** Missing package (messages.md §9, handlers.md §9): a whole package is gone from an index. */
import { z } from 'zod'
import type { HandlerContext } from '../lib/context.ts'
import { defineHandler } from '../lib/handler.ts'
import { kebechetAdmin } from '../lib/procedures.ts'
import { messageTypeByStem } from '../lib/topics.ts'

const BASE_NAME = messageTypeByStem('missing-package').baseName

/** Fields the handler reads. */
export const MissingPackageSchema = z.object({
  index_url: z.string(),
  package_name: z.string(),
})
export type MissingPackage = z.infer<typeof MissingPackageSchema>

/** Opt-in issue notification (D-15): last step, after every other step succeeded; never throws. */
async function notifyGit(msg: MissingPackage, ctx: HandlerContext): Promise<void> {
  if (!ctx.git.enabled) return
  const n = {
    kind: 'missing-package',
    baseName: BASE_NAME,
    packageName: msg.package_name,
    packageVersion: null,
    indexUrl: msg.index_url,
  } as const
  await ctx.git.notify(n, ctx.log, ctx.signal)
}

/** U-1b flags every version of the package on the index; then Kebechet admin; then git. */
export const missingPackage = defineHandler({
  name: 'missing-package',
  mode: 'backend',
  versions: ['v1'],
  schema: MissingPackageSchema,
  async handle(msg, ctx) {
    await ctx.kg.setPackageMissing(msg.package_name, msg.index_url)
    if (ctx.config.schedule.kebechetAdmin) {
      const info = { package_name: msg.package_name, index_url: msg.index_url }
      await kebechetAdmin(ctx, info, BASE_NAME)
    }
    await notifyGit(msg, ctx)
  },
})
