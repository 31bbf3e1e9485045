/**
 * Opt-in issue notifications on GitHub and GitLab (handlers.md "Git services", D-15) through
 * @octokit/rest and @gitbeaker/rest with their own retry and throttling off: only the spec's
 * retry, rate-limit and spacing rules apply. Tokens travel only in auth headers (D-36).
 */
import { Issues, Projects, RepositoryFiles } from '@gitbeaker/rest'
import { Octokit } from '@octokit/rest'
import type { GitNotification, GitNotifier, KnowledgeGraph } from './context.ts'
import { AbortedError, ConfigError } from './errors.ts'
import { type GitService, parseRepositoryUrl, type RepositoryRef, repositoryKey, repositoryName, serviceHosts } from './git-repository-url.ts'
import type { Logger } from './log.ts'
import type { Metrics } from './metrics.ts'
import { createRedactor } from './redact.ts'

export { parseRepositoryUrl, serviceHosts } from './git-repository-url.ts'

/** Settings of the notifier (THOTH_INVESTIGATOR_GIT_NOTIFICATIONS*, tokens, base URLs). */
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

/** Collaborators of the notifier; `sleep` and `now` are injectable for tests. */
export interface GitNotifierDeps {
  kg: Pick<KnowledgeGraph, 'adviserRunOrigins'>
  metrics: Metrics
  log: Logger
  sleep?: (ms: number) => Promise<void>
  now?: () => number
}

/** Counter outcomes of one repository. */
export type GitOutcome = 'created' | 'exists' | 'skipped' | 'unreachable' | 'failed' | 'rate_limited' | 'capped'
type Step = 'repository' | 'pipfile' | 'issues' | 'create'

/** Repository facts the steps need. */
interface RepoInfo {
  archived: boolean
  issuesEnabled: boolean
  defaultBranch: string | null
}

/** The calls of one service; a missing Pipfile is null, every other failure throws. */
interface ForgeCalls {
  repository(slug: string, signal: AbortSignal): Promise<RepoInfo>
  pipfile(slug: string, ref: string, signal: AbortSignal): Promise<string | null>
  openIssues(slug: string, page: number, signal: AbortSignal): Promise<{ titles: string[]; next: boolean }>
  createIssue(slug: string, title: string, body: string, signal: AbortSignal): Promise<void>
}

/** An HTTP answer >= 400 from our GitLab requester (no URL or headers of the request inside). */
class ForgeHttpError extends Error {
  constructor(
    readonly status: number,
    readonly headers: Headers,
  ) {
    super(`HTTP ${status}`)
  }
}

/** The fetch itself failed (connection, timeout). */
class ForgeNetworkError extends Error {}

/** Ends the steps of one repository with an outcome. */
class StepEnd extends Error {
  constructor(
    readonly outcome: GitOutcome,
    readonly step: Step,
    readonly status?: number,
  ) {
    super(outcome)
  }
}

const SILENT = { debug() {}, info() {}, warn() {}, error() {} } // MUST stay silent: client logs carry headers
const RATE_WAIT_MAX_MS = 60_000
const CREATE_SPACING_MS = 1_000

/** Issue title of a notification (upstream's wording; values as received). */
export function issueTitle(n: GitNotification): string {
  const pin = `${n.packageName}==${n.packageVersion ?? ''}`
  if (n.kind === 'hash-mismatch') return `Hash mismatch for ${pin} on ${n.indexUrl}`
  if (n.kind === 'missing-version') return `Missing package version ${pin} on ${n.indexUrl}`
  return `Missing package ${n.packageName} on ${n.indexUrl}`
}

const code = (text: string) => `\`${text.replace(/`/g, "'")}\``

/** Markdown body: what was found, the package, why this repository, what to do. */
export function issueBody(n: GitNotification): string {
  const found = {
    'hash-mismatch': `The package index now serves artifacts of ${code(`${n.packageName}==${n.packageVersion ?? ''}`)} whose SHA-256 hashes differ from those Thoth recorded.`,
    'missing-version': `Version ${code(n.packageVersion ?? '')} of ${code(n.packageName)} is no longer available on the package index.`,
    'missing-package': `The package ${code(n.packageName)} is no longer available on the package index.`,
  }[n.kind]
  const lines = [found, '']
  const digests = n.kind === 'hash-mismatch' ? (n.missingFromSource ?? []) : []
  if (digests.length > 0) {
    lines.push('Recorded digests the index no longer serves:', ...digests.slice(0, 10).map((d) => `- ${code(d)}`))
    if (digests.length > 10) lines.push(`- and ${digests.length - 10} more`)
    lines.push('')
  }
  lines.push(
    `- Package: ${code(n.packageName)}`,
    `- Version: ${n.packageVersion === null ? '(any)' : code(n.packageVersion)}`,
    `- Index: ${code(n.indexUrl)}`,
    '',
    'A Thoth adviser run for this repository used a lock file containing this package.',
    'Please re-lock your dependencies (for example `pipenv lock`, or ask Thoth for a new advise) so that the lock file only points to artifacts the index serves.',
    '',
    '---',
    `_Opened automatically by thoth-investigator after a ${code(n.baseName)} message._`,
  )
  return lines.join('\n')
}

const pep503 = (name: string) => name.replace(/[-_.]+/g, '-').toLowerCase()

/** Whether a Pipfile lists the package in [packages] or [dev-packages] (PEP 503 names). */
export function pipfileMentions(text: string, packageName: string): boolean {
  let doc: Record<string, unknown>
  try {
    doc = Bun.TOML.parse(text) as Record<string, unknown>
  } catch {
    return text.split(/[\n ]/).includes(packageName) // upstream's rule for unparsable files
  }
  const want = pep503(packageName)
  return ['packages', 'dev-packages'].some((section) => {
    const table = doc[section]
    return typeof table === 'object' && table !== null && Object.keys(table).some((k) => pep503(k) === want)
  })
}

/** Start-up problems (errors stop start-up, D-16) and warnings of the notification settings. */
export function gitNotifierStartupIssues(opts: GitNotifierOptions): { errors: string[]; warnings: string[] } {
  const errors: string[] = []
  const warnings: string[] = []
  if (!opts.enabled) return { errors, warnings }
  if (!Number.isInteger(opts.maxIssues) || opts.maxIssues < 1) {
    errors.push('THOTH_INVESTIGATOR_GIT_NOTIFICATIONS_MAX_ISSUES: must be a positive integer')
  }
  for (const [name, url] of [['THOTH_GITHUB_API_URL', opts.githubApiUrl], ['THOTH_GITLAB_URL', opts.gitlabUrl]] as const) {
    if (!/^https?:\/\/[^/]/i.test(url) || !URL.canParse(url)) errors.push(`${name}: must be an http(s) URL`)
  }
  if (!opts.githubToken && !opts.gitlabToken) {
    errors.push('THOTH_INVESTIGATOR_GIT_NOTIFICATIONS: on, but neither THOTH_GITHUB_PRIVATE_TOKEN nor THOTH_GITLAB_PRIVATE_TOKEN is set')
  } else if (!opts.githubToken || !opts.gitlabToken) {
    const missing = opts.githubToken ? 'THOTH_GITLAB_PRIVATE_TOKEN' : 'THOTH_GITHUB_PRIVATE_TOKEN'
    warnings.push(`${missing} is not set: repositories on that service are skipped`)
  }
  if (opts.kebechetEnabled) {
    warnings.push('git notifications and the Kebechet administrator are both on: repositories may be told twice')
  }
  return { errors, warnings }
}

/** Logs the warnings of {@link gitNotifierStartupIssues}; throws ConfigError on its errors. */
export function checkGitNotifierStartup(opts: GitNotifierOptions, log: Logger): void {
  const { errors, warnings } = gitNotifierStartupIssues(opts)
  for (const w of warnings) log.warn(w)
  if (errors.length > 0) throw new ConfigError(errors)
}

function headerGetter(h: Headers | Record<string, string | number | undefined> | undefined) {
  return (name: string): string | undefined => {
    if (h === undefined) return undefined
    if (h instanceof Headers) return h.get(name) ?? undefined
    const v = h[name]
    return v === undefined ? undefined : String(v)
  }
}

const num = (text: string | undefined) => (text === undefined || text.trim() === '' || Number.isNaN(Number(text)) ? null : Number(text))

/** Classified failure of one call. */
interface Failure {
  kind: 'rate' | 'unreachable' | 'transient' | 'other'
  status?: number
  /** For rate limits: how long until calls may go on, when the answer says so. */
  waitMs: number | null
}

/** Creates the notifier; with `enabled` false it builds no client and never calls anything. */
export function createGitNotifier(opts: GitNotifierOptions, deps: GitNotifierDeps): GitNotifier {
  if (!opts.enabled) return { enabled: false, notify: async () => {} }
  const sleep = deps.sleep ?? ((ms: number) => Bun.sleep(ms))
  const now = deps.now ?? Date.now
  const timeoutMs = opts.timeoutMs ?? 10_000
  const hosts = serviceHosts(opts.githubApiUrl, opts.gitlabUrl)
  const redact = createRedactor([opts.githubToken ?? '', opts.gitlabToken ?? ''])
  const limits: Record<GitService, { remaining: number | null; resetAt: number | null }> = {
    github: { remaining: null, resetAt: null },
    gitlab: { remaining: null, resetAt: null },
  }
  const lastCreate: Record<GitService, number> = { github: -Infinity, gitlab: -Infinity }

  const prefix = (service: GitService) => (service === 'github' ? 'x-ratelimit-' : 'ratelimit-')
  const observe = (service: GitService, headers: Headers) => {
    const remaining = num(headers.get(`${prefix(service)}remaining`) ?? undefined)
    const reset = num(headers.get(`${prefix(service)}reset`) ?? undefined)
    if (remaining !== null) limits[service] = { remaining, resetAt: reset === null ? null : reset * 1000 }
  }
  const observingFetch =
    (service: GitService) =>
    async (input: RequestInfo | URL, init?: RequestInit): Promise<Response> => {
      const res = await fetch(input, init)
      observe(service, res.headers)
      return res
    }

  function classify(service: GitService, err: unknown): Failure {
    const e = err as { status?: unknown; response?: { headers?: Record<string, string> }; headers?: Headers }
    if (err instanceof ForgeNetworkError) return { kind: 'transient', waitMs: null }
    if (typeof e?.status !== 'number') return { kind: 'other', waitMs: null }
    const status = e.status
    if (!(err instanceof ForgeHttpError) && e.response === undefined) return { kind: 'transient', waitMs: null }
    const header = headerGetter(err instanceof ForgeHttpError ? err.headers : e.response?.headers)
    const retryAfter = header('retry-after')
    const remaining = num(header(`${prefix(service)}remaining`))
    const isRate = status === 429 || (service === 'github' && status === 403 && (remaining === 0 || retryAfter !== undefined))
    if (isRate) {
      const reset = num(header(`${prefix(service)}reset`))
      const afterMs = retryAfter === undefined ? null : num(retryAfter) !== null ? num(retryAfter)! * 1000 : Date.parse(retryAfter) - now()
      const waitMs = afterMs !== null && !Number.isNaN(afterMs) ? afterMs : reset !== null ? reset * 1000 - now() : null
      return { kind: 'rate', status, waitMs: waitMs === null ? null : Math.max(0, waitMs) }
    }
    if ([401, 403, 404, 410].includes(status)) return { kind: 'unreachable', status, waitMs: null }
    return { kind: status >= 500 ? 'transient' : 'other', status, waitMs: null }
  }

  const github = opts.githubToken ? githubCalls(opts, observingFetch('github')) : undefined
  const gitlab = opts.gitlabToken ? gitlabCalls(opts, observingFetch('gitlab')) : undefined
  const forges: Record<GitService, ForgeCalls | undefined> = { github, gitlab }

  /** One message: its signal, logger, issues created so far and services stopped by rate limits. */
  interface Run {
    signal: AbortSignal
    log: Logger
    created: number
    stopped: Set<GitService>
  }

  async function pause(run: Run, ms: number): Promise<void> {
    if (ms > 0) {
      let onAbort = () => {}
      const aborted = new Promise<void>((resolve) => {
        onAbort = resolve
        run.signal.addEventListener('abort', onAbort, { once: true })
      })
      await Promise.race([sleep(ms), aborted])
      run.signal.removeEventListener('abort', onAbort)
    }
    if (run.signal.aborted) throw new AbortedError()
  }

  /** Waits for an exhausted limit that resets within 60 s; otherwise stops the service. */
  async function gate(run: Run, service: GitService, step: Step): Promise<void> {
    if (run.stopped.has(service)) throw new StepEnd('rate_limited', step)
    const limit = limits[service]
    if (limit.remaining !== 0 || limit.resetAt === null) return
    const wait = limit.resetAt - now()
    if (wait <= 0) return
    if (wait > RATE_WAIT_MAX_MS) {
      run.stopped.add(service)
      throw new StepEnd('rate_limited', step)
    }
    await pause(run, wait)
    limit.remaining = null
  }

  /** One call with the spec's retries (3 attempts, 1 s then 2 s apart) and rate-limit waits. */
  async function call<T>(run: Run, service: GitService, step: Step, fn: (s: AbortSignal) => Promise<T>, before?: () => Promise<void>): Promise<T> {
    let failures = 0
    let rateWaits = 0
    for (;;) {
      await gate(run, service, step)
      if (before) await before()
      try {
        return await fn(AbortSignal.any([run.signal, AbortSignal.timeout(timeoutMs)]))
      } catch (err) {
        if (run.signal.aborted) throw new AbortedError()
        const f = classify(service, err)
        if (f.kind === 'rate') {
          if (f.waitMs !== null && f.waitMs <= RATE_WAIT_MAX_MS && rateWaits++ < 3) {
            await pause(run, f.waitMs)
            continue
          }
          if (f.waitMs !== null) limits[service] = { remaining: 0, resetAt: now() + f.waitMs }
          run.stopped.add(service)
          throw new StepEnd('rate_limited', step, f.status)
        }
        if (f.kind === 'transient' && ++failures < 3) {
          await pause(run, failures * 1000)
          continue
        }
        throw new StepEnd(f.kind === 'unreachable' ? 'unreachable' : 'failed', step, f.status)
      }
    }
  }

  /** Reserves the next creation slot on a service (>= 1 s after the previous) and waits for it. */
  const spaced = (run: Run, service: GitService) => async () => {
    const slot = Math.max(now(), lastCreate[service] + CREATE_SPACING_MS)
    lastCreate[service] = slot
    await pause(run, slot - now())
  }

  async function steps(run: Run, n: GitNotification, service: GitService, slug: string): Promise<GitOutcome> {
    const calls = forges[service]
    if (calls === undefined) return 'skipped'
    if (run.created >= opts.maxIssues) return 'capped'
    if (run.stopped.has(service)) return 'rate_limited'
    const repo = await call(run, service, 'repository', (s) => calls.repository(slug, s))
    if (repo.archived || !repo.issuesEnabled) return 'skipped'
    if (n.kind === 'missing-package') {
      const ref = repo.defaultBranch
      const text = ref === null ? null : await call(run, service, 'pipfile', (s) => calls.pipfile(slug, ref, s))
      if (text === null || !pipfileMentions(text, n.packageName)) return 'skipped'
    }
    const title = issueTitle(n)
    for (let page = 1, next = true; next; page++) {
      const listed = await call(run, service, 'issues', (s) => calls.openIssues(slug, page, s))
      if (listed.titles.includes(title)) return 'exists'
      next = listed.next
    }
    await call(run, service, 'create', (s) => calls.createIssue(slug, title, issueBody(n), s), spaced(run, service))
    run.created++
    return 'created'
  }

  async function repository(run: Run, n: GitNotification, ref: RepositoryRef): Promise<void> {
    const service = ref.service
    const fields = { base_name: n.baseName, repository: repositoryName(ref), service }
    let outcome: GitOutcome = 'skipped'
    try {
      if (service !== 'none' && ref.slug !== null) outcome = await steps(run, n, service, ref.slug)
      run.log.info('git notification', { ...fields, outcome })
    } catch (err) {
      if (!(err instanceof StepEnd)) throw err
      outcome = err.outcome
      run.log.warn('git notification not delivered', { ...fields, outcome, step: err.step, status: err.status ?? null })
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
        if (err instanceof AbortedError || signal.aborted) run.log.info('git notifications interrupted', { base_name: n.baseName })
        else run.log.warn('git notifications failed', { base_name: n.baseName, error: err })
      }
    },
  }
}

type FetchFn = (input: RequestInfo | URL, init?: RequestInit) => Promise<Response>
type GitlabRequesterFn = NonNullable<NonNullable<ConstructorParameters<typeof Projects>[0]>['requesterFn']>

const snake = (key: string) => key.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`)

/** A Gitbeaker requester with one fetch per call: no built-in retries or rate limiter. */
function gitlabRequester(signal: AbortSignal, fetchFn: FetchFn): GitlabRequesterFn {
  return (resource) => {
    const send = (method: string) => async (endpoint: string, options?: { searchParams?: Record<string, unknown>; body?: unknown }) => {
      const url = new URL(`${resource.url.replace(/\/+$/, '')}/${endpoint}`)
      for (const [k, v] of Object.entries(options?.searchParams ?? {})) {
        if (v !== undefined && v !== null) url.searchParams.set(snake(k), String(v))
      }
      const headers: Record<string, string> = { ...resource.headers }
      for (const [name, value] of Object.entries(resource.authHeaders)) headers[name] = await value()
      let body: string | undefined
      if (options?.body !== undefined) {
        body = JSON.stringify(Object.fromEntries(Object.entries(options.body as object).map(([k, v]) => [snake(k), v])))
        headers['content-type'] = 'application/json'
      }
      let res: Response
      try {
        res = await fetchFn(url, { method, headers, body, signal })
      } catch (err) {
        throw new ForgeNetworkError('request failed', { cause: err })
      }
      if (!res.ok) {
        await res.body?.cancel()
        throw new ForgeHttpError(res.status, res.headers)
      }
      const text = await res.text()
      const isJson = (res.headers.get('content-type') ?? '').includes('json')
      return { body: isJson ? (text === '' ? {} : JSON.parse(text)) : text, headers: Object.fromEntries(res.headers), status: res.status }
    }
    const requester = { get: send('GET'), post: send('POST'), put: send('PUT'), patch: send('PATCH'), delete: send('DELETE') }
    return requester as ReturnType<GitlabRequesterFn>
  }
}

function gitlabCalls(opts: GitNotifierOptions, fetchFn: FetchFn): ForgeCalls {
  const config = (signal: AbortSignal) => ({
    host: opts.gitlabUrl.replace(/\/+$/, ''),
    token: opts.gitlabToken ?? '',
    queryTimeout: null,
    rateLimits: {},
    requesterFn: gitlabRequester(signal, fetchFn),
  })
  return {
    async repository(slug, signal) {
      const p = (await new Projects(config(signal)).show(slug)) as Record<string, unknown>
      const issuesOff = p.issues_enabled === false || p.issues_access_level === 'disabled'
      return { archived: p.archived === true, issuesEnabled: !issuesOff, defaultBranch: typeof p.default_branch === 'string' ? p.default_branch : null }
    },
    async pipfile(slug, ref, signal) {
      try {
        const raw = await new RepositoryFiles(config(signal)).showRaw(slug, 'Pipfile', ref)
        return typeof raw === 'string' ? raw : null
      } catch (err) {
        if (err instanceof ForgeHttpError && err.status === 404) return null
        throw err
      }
    },
    async openIssues(slug, page, signal) {
      const res = await new Issues(config(signal)).all({ projectId: slug, state: 'opened', perPage: 100, page, showExpanded: true })
      return { titles: res.data.map((i) => String(i.title)), next: res.paginationInfo.next !== null }
    },
    async createIssue(slug, title, body, signal) {
      await new Issues(config(signal)).create(slug, title, { description: body })
    },
  }
}

function githubCalls(opts: GitNotifierOptions, fetchFn: FetchFn): ForgeCalls {
  const octokit = new Octokit({ auth: opts.githubToken, baseUrl: opts.githubApiUrl.replace(/\/+$/, ''), log: SILENT, request: { fetch: fetchFn } })
  const split = (slug: string) => {
    const [owner = '', repo = ''] = slug.split('/')
    return { owner, repo }
  }
  return {
    async repository(slug, signal) {
      const { data } = await octokit.rest.repos.get({ ...split(slug), request: { signal } })
      return { archived: data.archived, issuesEnabled: data.has_issues, defaultBranch: data.default_branch }
    },
    async pipfile(slug, _ref, signal) {
      try {
        const { data } = await octokit.rest.repos.getContent({ ...split(slug), path: 'Pipfile', mediaType: { format: 'raw' }, request: { signal } })
        const raw: unknown = data
        if (typeof raw === 'string') return raw
        return raw instanceof ArrayBuffer ? new TextDecoder().decode(raw) : null
      } catch (err) {
        if ((err as { status?: unknown }).status === 404 && (err as { response?: unknown }).response) return null
        throw err
      }
    },
    async openIssues(slug, page, signal) {
      const res = await octokit.rest.issues.listForRepo({ ...split(slug), state: 'open', per_page: 100, page, request: { signal } })
      const titles = res.data.filter((i) => !i.pull_request).map((i) => i.title)
      return { titles, next: /rel="next"/.test(res.headers.link ?? '') }
    },
    async createIssue(slug, title, body, signal) {
      await octokit.rest.issues.create({ ...split(slug), title, body, request: { signal } })
    },
  }
}
