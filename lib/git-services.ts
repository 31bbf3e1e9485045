/**
 * Opt-in issue notifications on GitHub and GitLab (handlers.md "Git services", D-15): per
 * repository of Q-G, read it, check the Pipfile (missing-package), look for an open issue with
 * the title, create one. Only the spec's retry, rate-limit and spacing rules apply (the clients'
 * own are off, lib/git-forges.ts). Tokens travel only in auth headers (D-36).
 */
import type { GitNotification, GitNotifier, KnowledgeGraph } from './context.ts'
import { createCallPolicy, type GitOutcome, type Run, StepEnd } from './git-call-policy.ts'
import type { ForgeCalls } from './git-forge-types.ts'
import { issueBody, issueTitle, pipfileMentions } from './git-issue-text.ts'
import {
  type GitService,
  parseRepositoryUrl,
  type RepositoryRef,
  repositoryKey,
  repositoryName,
  serviceHosts,
} from './git-repository-url.ts'
import type { Logger } from './log.ts'
import type { Metrics } from './metrics.ts'
import { createRedactor } from './redact.ts'

export type { GitOutcome } from './git-call-policy.ts'
export { parseRepositoryUrl } from './git-repository-url.ts'

/** Settings (THOTH_INVESTIGATOR_GIT_NOTIFICATIONS*, THOTH_GITHUB_*, THOTH_GITLAB_*). */
export interface GitNotifierOptions {
  enabled: boolean
  maxIssues: number
  githubToken?: string
  gitlabToken?: string
  githubApiUrl: string
  gitlabUrl: string
  /** The Kebechet switch; only for the start-up warning about duplicate notifications. */
  kebechetEnabled?: boolean
  /** Per request; 10 s by default. */
  timeoutMs?: number
}

/** Collaborators; `sleep` and `now` are injectable for tests. */
export interface GitNotifierDeps {
  kg: Pick<KnowledgeGraph, 'adviserRunOrigins'>
  metrics: Metrics
  log: Logger
  sleep?: (ms: number) => Promise<void>
  now?: () => number
}

/** Creates the notifier; with `enabled` false it builds no client and never calls anything. */
export function createGitNotifier(opts: GitNotifierOptions, deps: GitNotifierDeps): GitNotifier {
  if (!opts.enabled) return { enabled: false, notify: async () => {} }
  const sleep = deps.sleep ?? ((ms: number) => Bun.sleep(ms))
  const now = deps.now ?? Date.now
  const timeoutMs = opts.timeoutMs ?? 10_000
  const hosts = serviceHosts(opts.githubApiUrl, opts.gitlabUrl)
  const redact = createRedactor([opts.githubToken ?? '', opts.gitlabToken ?? ''])
  const policy = createCallPolicy({ sleep, now, timeoutMs })
  const { call, spaced } = policy
  // The forge clients are loaded on first use: a deployment with notifications off never loads them.
  let forges: Promise<Record<GitService, ForgeCalls | undefined>> | undefined
  const loadForges = () =>
    (forges ??= import('./git-forges.ts').then(({ githubCalls, gitlabCalls }) => ({
      github: opts.githubToken ? githubCalls({ baseUrl: opts.githubApiUrl, token: opts.githubToken }, policy.watching('github')) : undefined,
      gitlab: opts.gitlabToken ? gitlabCalls({ baseUrl: opts.gitlabUrl, token: opts.gitlabToken }, policy.watching('gitlab')) : undefined,
    })))

  async function steps(run: Run, n: GitNotification, service: GitService, slug: string) {
    const forge = (await loadForges())[service]
    if (forge === undefined) return 'skipped'
    if (run.created >= opts.maxIssues) return 'capped'
    if (run.stopped.has(service)) return 'rate_limited'
    const repo = await call(run, service, 'repository', (s) => forge.repository(slug, s))
    if (repo.archived || !repo.issuesEnabled) return 'skipped'
    if (n.kind === 'missing-package') {
      const ref = repo.defaultBranch
      if (ref === null) return 'skipped'
      const text = await call(run, service, 'pipfile', (s) => forge.pipfile(slug, ref, s))
      if (text === null || !pipfileMentions(text, n.packageName)) return 'skipped'
    }
    const title = issueTitle(n)
    for (let page = 1, next = true; next; page++) {
      const listed = await call(run, service, 'issues', (s) => forge.openIssues(slug, page, s))
      if (listed.titles.includes(title)) return 'exists'
      next = listed.next
    }
    const create = (s: AbortSignal) => forge.createIssue(slug, title, issueBody(n), s)
    await call(run, service, 'create', create, spaced(run, service))
    run.created++
    return 'created'
  }

  async function repository(run: Run, n: GitNotification, ref: RepositoryRef): Promise<void> {
    const { service, slug } = ref
    const fields = { base_name: n.baseName, repository: repositoryName(ref), service }
    let outcome: GitOutcome = 'skipped'
    try {
      if (service !== 'none' && slug !== null) outcome = await steps(run, n, service, slug)
      run.log.info('git notification', { ...fields, outcome })
    } catch (err) {
      if (!(err instanceof StepEnd)) throw err
      outcome = err.outcome
      const status = err.status ?? null
      run.log.warn('git notification not delivered', { ...fields, outcome, step: err.step, status })
    }
    deps.metrics.gitNotifications.inc({ service, outcome })
  }

  return {
    enabled: true,
    async notify(n, log, signal) {
      const run: Run = { signal, log: log.child({}, redact), created: 0, stopped: new Set() }
      try {
        const version = n.kind === 'missing-package' ? null : n.packageVersion
        const origins = await deps.kg.adviserRunOrigins(n.packageName, version, n.indexUrl)
        const seen = new Set<string>()
        for (const origin of origins) {
          const ref = parseRepositoryUrl(origin, hosts)
          const key = repositoryKey(ref, origin)
          if (seen.has(key)) continue
          seen.add(key)
          await repository(run, n, ref)
        }
      } catch (err) {
        const fields = { base_name: n.baseName }
        if (signal.aborted) run.log.info('git notifications interrupted', fields)
        else run.log.warn('git notifications failed', { ...fields, error: err })
      }
    },
  }
}
