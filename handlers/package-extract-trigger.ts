/** Package extract trigger (messages.md §11, handlers.md §11): schedules package-extract. */
import { z } from 'zod'
import { ServiceError } from '../lib/errors.ts'
import { defineHandler } from '../lib/handler.ts'
import { KINDS } from '../lib/workflow-render.ts'

const ENVIRONMENT_TYPES: readonly string[] = ['runtime', 'buildtime']

/**
 * Fields the handler reads (v1, v2). Explicit `null` keeps upstream's effect (D-4): `verify_tls`
 * turns TLS verification off, `is_external` is sent as null, `debug` means false, `graph_sync`
 * fails every attempt. `registry_user` / `registry_password` are secrets: never logged.
 */
export const PackageExtractTriggerSchema = z.object({
  image: z.string(),
  environment_type: z.string(),
  is_external: z.boolean().nullable().default(true),
  verify_tls: z.boolean().nullable().default(true),
  debug: z.boolean().nullable().default(false),
  job_id: z.string().nullable().default(null),
  origin: z.string().nullable().default(null),
  registry_user: z.string().nullable().default(null),
  registry_password: z.string().nullable().default(null),
  graph_sync: z.boolean().nullable().default(false),
})
export type PackageExtractTrigger = z.infer<typeof PackageExtractTriggerSchema>

const failAttempt = (message: string) => new ServiceError('UNEXPECTED', message, true)

/** Template parameters (id parameter filled by submit); the job id is also the document id. */
export function packageExtractParams(msg: PackageExtractTrigger, jobId: string) {
  if (!ENVIRONMENT_TYPES.includes(msg.environment_type)) {
    throw failAttempt('environment_type must be "runtime" or "buildtime"')
  }
  if (msg.graph_sync === null) throw failAttempt('graph_sync is null, expected a boolean')
  const { origin, environment_type, is_external } = msg
  const metadata = { origin, environment_type, is_external }
  const params: Record<string, string> = {
    THOTH_LOG_PACKAGE_EXTRACT: msg.debug ? 'DEBUG' : 'INFO',
    THOTH_ANALYZED_IMAGE: msg.image,
    THOTH_ANALYZER_NO_TLS_VERIFY: msg.verify_tls === true ? '0' : '1',
    THOTH_SYNC_PACKAGE_EXTRACT: msg.graph_sync ? '1' : '0',
    THOTH_DOCUMENT_ID: jobId,
    THOTH_PACKAGE_EXTRACT_METADATA: JSON.stringify(metadata),
  }
  if (msg.registry_user && msg.registry_password) {
    params.THOTH_REGISTRY_CREDENTIALS = `${msg.registry_user}:${msg.registry_password}`
  }
  return params
}

/** Submits package-extract; the kind's namespace is middletier (workflows.md, Kinds). */
export const packageExtractTrigger = defineHandler({
  name: 'package-extract-trigger',
  mode: 'backend',
  versions: ['v1', 'v2'],
  schema: PackageExtractTriggerSchema,
  async handle(msg, { workflows, log }) {
    const idPrefix = 'package-extract'
    const idParam = KINDS['package-extract'].idParam
    const jobId = msg.job_id || workflows.generatedId('package-extract', idPrefix, idParam)
    const params = packageExtractParams(msg, jobId)
    const s = await workflows.submit('package-extract', params, { idPrefix, jobId })
    const { name: workflow, namespace, created } = s
    log.debug('package-extract scheduled', { workflow, namespace, created })
  },
})
