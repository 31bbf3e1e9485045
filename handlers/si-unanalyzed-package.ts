/** si-unanalyzed-package (middletier, v1): security indicators for a package version. */
import { z } from 'zod'
import { defineHandler } from '../lib/handler.ts'
import { security } from '../lib/procedures.ts'

const BASE_NAME = 'thoth.investigator.si-unanalyzed-package'

/** Fields read (messages.md §14). */
export const SiUnanalyzedPackageSchema = z.object({
  package_name: z.string(),
  package_version: z.string(),
  index_url: z.string(),
})
/** A validated si-unanalyzed-package payload. */
export type SiUnanalyzedPackage = z.infer<typeof SiUnanalyzedPackageSchema>

/** Schedules a security-indicator workflow unless results exist (security switch), handlers.md §14. */
export const siUnanalyzedPackage = defineHandler({
  name: 'si-unanalyzed-package',
  mode: 'middletier',
  versions: ['v1'],
  schema: SiUnanalyzedPackageSchema,
  async handle(msg, ctx) {
    if (!ctx.config.schedule.security) return
    const pkg = { name: msg.package_name, version: msg.package_version, index: msg.index_url }
    await security(ctx, pkg, BASE_NAME)
  },
})
