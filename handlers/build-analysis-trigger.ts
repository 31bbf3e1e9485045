/** build-analysis-trigger (middletier, v1): a build-analysis workflow for a user build. */
import { z } from 'zod'
import { buildAnalysisIds, buildAnalysisParams, checkBuildAnalysis } from '../lib/build-analysis.ts'
import { defineHandler } from '../lib/handler.ts'

const optText = z.string().nullable().default(null)

/** Fields read (messages.md §3); `null` in the booleans means false (D-4 table). */
export const BuildAnalysisTriggerSchema = z.object({
  base_image: optText,
  base_image_analysis_id: optText,
  buildlog_document_id: optText,
  buildlog_parser_id: optText,
  environment_type: optText,
  debug: z.boolean().nullable().default(false),
  job_id: optText,
  origin: optText,
  output_image: optText,
  output_image_analysis_id: optText,
  base_registry_password: optText,
  base_registry_user: optText,
  base_registry_verify_tls: z.boolean().nullable().default(true),
  output_registry_password: optText,
  output_registry_user: optText,
  output_registry_verify_tls: z.boolean().nullable().default(true),
})
/** A validated build-analysis-trigger payload. */
export type BuildAnalysisTrigger = z.infer<typeof BuildAnalysisTriggerSchema>

/** Checks the inputs, derives ids and credentials, submits build-analysis (handlers.md §3). */
export const buildAnalysisTrigger = defineHandler({
  name: 'build-analysis-trigger',
  mode: 'middletier',
  versions: ['v1'],
  schema: BuildAnalysisTriggerSchema,
  async handle(msg, ctx) {
    checkBuildAnalysis(msg)
    const ids = buildAnalysisIds(msg, ctx.workflows)
    const params = buildAnalysisParams(msg, ids)
    const s = await ctx.workflows.submit('build-analysis', params, { idPrefix: 'build-analysis', jobId: ids.job })
    // MUST NOT log params: they hold the registry credentials.
    ctx.log.info('build analysis scheduled', { workflow: s.name, namespace: s.namespace })
  },
})
