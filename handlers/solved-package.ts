/** solved-package (middletier, v1): security indicators and a Kebechet administrator run. */
import { z } from 'zod'
import { defineHandler } from '../lib/handler.ts'
import { kebechetAdmin, security } from '../lib/procedures.ts'

const BASE_NAME = 'thoth.solver.solved-package'

/** Fields read (messages.md §15). */
export const SolvedPackageSchema = z.object({
  package_name: z.string(),
  package_version: z.string(),
  index_url: z.string(),
  solver: z.string(),
})
/** A validated solved-package payload. */
export type SolvedPackage = z.infer<typeof SolvedPackageSchema>

/** SECURITY (security switch), then KEBECHET_ADMIN (Kebechet switch), handlers.md §15. */
export const solvedPackage = defineHandler({
  name: 'solved-package',
  mode: 'middletier',
  versions: ['v1'],
  schema: SolvedPackageSchema,
  async handle(msg, ctx) {
    const { schedule } = ctx.config
    const pkg = { name: msg.package_name, version: msg.package_version, index: msg.index_url }
    if (schedule.security) await security(ctx, pkg, BASE_NAME)
    if (schedule.kebechetAdmin) await kebechetAdmin(ctx, msg, BASE_NAME)
  },
})
