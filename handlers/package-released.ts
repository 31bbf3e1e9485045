/** package-released (middletier, v1): all solvers and one reverse solver for a new release. */
import { z } from 'zod'
import { defineHandler } from '../lib/handler.ts'
import { allSolvers, revsolver } from '../lib/procedures.ts'

const BASE_NAME = 'thoth.package-release.package-released'

/** Fields read (messages.md §12). */
export const PackageReleasedSchema = z.object({
  index_url: z.string(),
  package_name: z.string(),
  package_version: z.string(),
})
/** A validated package-released payload. */
export type PackageReleased = z.infer<typeof PackageReleasedSchema>

/** Schedules every solver (solver switch) and a reverse solver (revsolver switch), handlers.md §12. */
export const packageReleased = defineHandler({
  name: 'package-released',
  mode: 'middletier',
  versions: ['v1'],
  schema: PackageReleasedSchema,
  async handle(msg, ctx) {
    const { schedule } = ctx.config
    const pkg = { name: msg.package_name, version: msg.package_version, index: msg.index_url }
    if (schedule.solver) await allSolvers(ctx, pkg, BASE_NAME)
    if (schedule.revsolver) await revsolver(ctx, pkg.name, pkg.version, BASE_NAME)
  },
})
