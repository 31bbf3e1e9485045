/** Repo init (messages.md §16, handlers.md §16): schedules a thoth-repo-init workflow. */
import { z } from 'zod'
import { defineHandler } from '../lib/handler.ts'

/** `job_id` is not read (upstream always generates a new id), so it is not checked. */
export const RepoInitSchema = z.object({
  project_url: z.string(),
})
export type RepoInit = z.infer<typeof RepoInitSchema>

/** Submits thoth-repo-init (backend) with a generated id; the message's job_id is ignored. */
export const repoInit = defineHandler({
  name: 'repo-init',
  mode: 'backend',
  versions: ['v1'],
  schema: RepoInitSchema,
  async handle(msg, { workflows, log }) {
    const params = { PROJECT_URL: msg.project_url }
    const s = await workflows.submit('thoth-repo-init', params, { idPrefix: 'thoth-repo-init' })
    log.debug('thoth-repo-init scheduled', { workflow: s.name, created: s.created })
  },
})
