/**
 * hash-mismatch (v1), two handlers: middletier (5a: all solvers, U-3 per missing digest) and
 * backend (5b: Kebechet administrator, then the opt-in git notification).
 */
import { z } from 'zod'
import { defineHandler } from '../lib/handler.ts'
import { allSolvers, kebechetAdmin } from '../lib/procedures.ts'

const BASE_NAME = 'thoth.package-update.hash-mismatch'

const common = {
  index_url: z.string(),
  package_name: z.string(),
  package_version: z.string(),
}

/** Fields read by the middletier handler (messages.md §5). */
export const HashMismatchSchema = z.object({ ...common, missing_from_source: z.array(z.string()) })
/** A validated hash-mismatch payload (middletier). */
export type HashMismatch = z.infer<typeof HashMismatchSchema>

/**
 * Fields read by the backend handler. `missing_from_source` is not validated here (D-4); the
 * string digests it holds are passed to the git notification when it is a list.
 */
export const HashMismatchBackendSchema = z.object({
  ...common,
  missing_from_source: z
    .unknown()
    .optional()
    .transform((v) => (Array.isArray(v) ? v.filter((d): d is string => typeof d === 'string') : [])),
})
/** A validated hash-mismatch payload (backend). */
export type HashMismatchBackend = z.infer<typeof HashMismatchBackendSchema>

/** 5a: ALL_SOLVERS (solver switch), then U-3 per missing digest (D-9). No processed count. */
export const hashMismatchMiddletier = defineHandler({
  name: 'hash-mismatch',
  mode: 'middletier',
  versions: ['v1'],
  schema: HashMismatchSchema,
  countsProcessed: false,
  async handle(msg, ctx) {
    const pkg = { name: msg.package_name, version: msg.package_version, index: msg.index_url }
    if (ctx.config.schedule.solver) await allSolvers(ctx, pkg, BASE_NAME)
    for (const sha256 of msg.missing_from_source) {
      await ctx.kg.markHashNotPresent(pkg.name, pkg.version, pkg.index, sha256)
    }
  },
})

/** 5b: KEBECHET_ADMIN (Kebechet switch), then the git notification when enabled (D-15). */
export const hashMismatchBackend = defineHandler({
  name: 'hash-mismatch',
  mode: 'backend',
  versions: ['v1'],
  schema: HashMismatchBackendSchema,
  async handle(msg, ctx) {
    if (ctx.config.schedule.kebechetAdmin) await kebechetAdmin(ctx, msg, BASE_NAME)
    if (!ctx.git.enabled) return
    const notification = {
      kind: 'hash-mismatch' as const,
      baseName: BASE_NAME,
      packageName: msg.package_name,
      packageVersion: msg.package_version,
      indexUrl: msg.index_url,
      missingFromSource: msg.missing_from_source,
    }
    await ctx.git.notify(notification, ctx.log, ctx.signal)
  },
})
