/** unrevsolved-package (middletier, v1): reverse solver, only with the D-10 switch. */
import { z } from 'zod'
import { defineHandler } from '../lib/handler.ts'
import { revsolver, touchScheduled } from '../lib/procedures.ts'

const BASE_NAME = 'thoth.investigator.unrevsolved-package'

/** Fields read (messages.md §18). */
export const UnrevsolvedPackageSchema = z.object({
  package_name: z.string(),
  package_version: z.string(),
})
/** A validated unrevsolved-package payload. */
export type UnrevsolvedPackage = z.infer<typeof UnrevsolvedPackageSchema>

/**
 * Upstream never schedules here (W-11); the project schedules REVSOLVER only when both the
 * revsolver switch and THOTH_INVESTIGATOR_SCHEDULE_UNREVSOLVED are on (D-10), handlers.md §18.
 */
export const unrevsolvedPackage = defineHandler({
  name: 'unrevsolved-package',
  mode: 'middletier',
  versions: ['v1'],
  schema: UnrevsolvedPackageSchema,
  async handle(msg, ctx) {
    const { schedule } = ctx.config
    if (!schedule.revsolver) return
    if (schedule.unrevsolved) await revsolver(ctx, msg.package_name, msg.package_version, BASE_NAME)
    else touchScheduled(ctx, BASE_NAME, 'revsolver')
  },
})
