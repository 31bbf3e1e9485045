/** unresolved-package (middletier, v1): solvers for package versions not yet solved. */
import { z } from 'zod'
import type { HandlerContext } from '../lib/context.ts'
import { defineHandler } from '../lib/handler.ts'
import { learnSolver, touchScheduled } from '../lib/procedures.ts'

const BASE_NAME = 'thoth.investigator.unresolved-package'

/** Fields read (messages.md §17). */
export const UnresolvedPackageSchema = z.object({
  package_name: z.string(),
  index_url: z.string(),
  package_version: z.string().nullable().default(null),
  solver: z.string().nullable().default(null),
})
/** A validated unresolved-package payload. */
export type UnresolvedPackage = z.infer<typeof UnresolvedPackageSchema>

/** The given version, or every version the index offers (newest first; [] on listing errors). */
async function versionsOf(msg: UnresolvedPackage, ctx: HandlerContext): Promise<string[]> {
  const v = msg.package_version
  if (v && v !== '*') return [v]
  try {
    return await ctx.packageIndex.listVersions(msg.index_url, msg.package_name, ctx.signal)
  } catch (err) {
    if (ctx.signal.aborted) throw err
    ctx.log.warn('cannot list package versions', { package: msg.package_name, index: msg.index_url, err })
    return []
  }
}

/** Index check, versions, then LEARN_SOLVER per version, handlers.md §17. */
export const unresolvedPackage = defineHandler({
  name: 'unresolved-package',
  mode: 'middletier',
  versions: ['v1'],
  schema: UnresolvedPackageSchema,
  async handle(msg, ctx) {
    if (!ctx.config.schedule.solver) return
    const { package_name: name, index_url: index } = msg
    if (!(await ctx.kg.indexUrls()).includes(index)) throw new Error(`index ${index} not registered`)
    touchScheduled(ctx, BASE_NAME, 'solver')
    for (const version of await versionsOf(msg, ctx)) {
      const isPresent = await ctx.kg.packageVersionExists(name, version, index)
      await learnSolver(ctx, isPresent, { name, version, index }, msg.solver, BASE_NAME)
    }
  },
})
