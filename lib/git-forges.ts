/**
 * The four REST calls the git notifications make (handlers.md, Git services: "Per
 * repository"), on @octokit/rest and @gitbeaker/rest. Neither client retries or throttles here: Octokit's REST build has no such plugin, and
 * Gitbeaker gets a one-fetch-per-call requester instead of its retrying, rate-limited one.
 */
import { Issues, Projects, RepositoryFiles } from '@gitbeaker/rest'
import { Octokit } from '@octokit/rest'

import { ForgeHttpError, ForgeNetworkError, type FetchFn, type ForgeAccess, type ForgeCalls, type RepoInfo } from './git-forge-types.ts'

const SILENT = { debug() {}, info() {}, warn() {}, error() {} } // MUST stay silent: logs carry headers

/** GitHub through Octokit (`baseUrl` = THOTH_GITHUB_API_URL). */
export function githubCalls(access: ForgeAccess, fetchFn: FetchFn): ForgeCalls {
  const octokit = new Octokit({
    auth: access.token,
    baseUrl: access.baseUrl.replace(/\/+$/, ''),
    log: SILENT,
    request: { fetch: fetchFn, log: SILENT }, // request.log: deprecation notices
  })
  const split = (slug: string) => {
    const [owner = '', repo = ''] = slug.split('/')
    return { owner, repo }
  }
  return {
    async repository(slug, signal) {
      const { data } = await octokit.rest.repos.get({ ...split(slug), request: { signal } })
      return {
        archived: data.archived,
        issuesEnabled: data.has_issues,
        defaultBranch: data.default_branch,
      }
    },
    async pipfile(slug, _ref, signal) {
      const where = {
        ...split(slug),
        path: 'Pipfile',
        mediaType: { format: 'raw' },
        request: { signal },
      }
      try {
        const raw: unknown = (await octokit.rest.repos.getContent(where)).data
        if (typeof raw === 'string') return raw
        return raw instanceof ArrayBuffer ? new TextDecoder().decode(raw) : null
      } catch (err) {
        const e = err as { status?: unknown; response?: unknown }
        if (e.status === 404 && e.response !== undefined) return null
        throw err
      }
    },
    async openIssues(slug, page, signal) {
      const params = {
        ...split(slug),
        state: 'open' as const,
        per_page: 100,
        page,
        request: { signal },
      }
      const res = await octokit.rest.issues.listForRepo(params)
      const titles = res.data.filter((i) => !i.pull_request).map((i) => i.title)
      return { titles, next: /rel="next"/.test(res.headers.link ?? '') }
    },
    async createIssue(slug, title, body, signal) {
      await octokit.rest.issues.create({ ...split(slug), title, body, request: { signal } })
    },
  }
}

type GitlabRequesterFn = NonNullable<
  NonNullable<ConstructorParameters<typeof Projects>[0]>['requesterFn']
>
type GitlabRequestOptions = { searchParams?: Record<string, unknown>; body?: unknown }

const snake = (key: string) => key.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`)

/** A Gitbeaker requester doing exactly one fetch per call: no retries, no rate limiter. */
function gitlabRequester(signal: AbortSignal, fetchFn: FetchFn): GitlabRequesterFn {
  return (resource) => {
    const send = (method: string) => async (endpoint: string, options?: GitlabRequestOptions) => {
      const url = new URL(`${resource.url.replace(/\/+$/, '')}/${endpoint}`)
      for (const [k, v] of Object.entries(options?.searchParams ?? {})) {
        if (v !== undefined && v !== null) url.searchParams.set(snake(k), String(v))
      }
      const headers: Record<string, string> = { ...resource.headers }
      for (const [name, value] of Object.entries(resource.authHeaders))
        headers[name] = await value()
      let body: string | undefined
      if (options?.body !== undefined) {
        const entries = Object.entries(options.body as object).map(([k, v]) => [snake(k), v])
        body = JSON.stringify(Object.fromEntries(entries))
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
      const json = (res.headers.get('content-type') ?? '').includes('json')
      const parsed: unknown = json ? (text === '' ? {} : JSON.parse(text)) : text
      return { body: parsed, headers: Object.fromEntries(res.headers), status: res.status }
    }
    const methods = ['get', 'post', 'put', 'patch', 'delete'] as const
    const requester = Object.fromEntries(methods.map((m) => [m, send(m.toUpperCase())]))
    return requester as unknown as ReturnType<GitlabRequesterFn>
  }
}

/** GitLab through Gitbeaker (`baseUrl` = THOTH_GITLAB_URL; the API lives below /api/v4). */
export function gitlabCalls(access: ForgeAccess, fetchFn: FetchFn): ForgeCalls {
  const config = (signal: AbortSignal) => ({
    host: access.baseUrl.replace(/\/+$/, ''),
    token: access.token,
    queryTimeout: null,
    rateLimits: {},
    requesterFn: gitlabRequester(signal, fetchFn),
  })
  return {
    async repository(slug, signal) {
      const p = (await new Projects(config(signal)).show(slug)) as Record<string, unknown>
      const issuesOff = p.issues_enabled === false || p.issues_access_level === 'disabled'
      const branch = typeof p.default_branch === 'string' ? p.default_branch : null
      return { archived: p.archived === true, issuesEnabled: !issuesOff, defaultBranch: branch }
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
      const query = { projectId: slug, state: 'opened' as const, perPage: 100, page }
      const res = await new Issues(config(signal)).all({ ...query, showExpanded: true })
      return {
        titles: res.data.map((i) => String(i.title)),
        next: res.paginationInfo.next !== null,
      }
    },
    async createIssue(slug, title, body, signal) {
      await new Issues(config(signal)).create(slug, title, { description: body })
    },
  }
}
