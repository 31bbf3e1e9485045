/**
 * A local GitHub REST API for the notification tests: get repository, contents (raw or
 * base64), list issues with paging, create issue. Checks the token, rejects malformed requests.
 */
import { pageOf, positiveInt, Scripted, validIssueBody } from './scripted.ts'

/** One stored issue; `pull_request` marks pull requests, which the issues API also lists. */
export interface GithubIssue {
  title: string
  body?: string
  state?: 'open' | 'closed'
  pull_request?: boolean
}

/** One stored repository. */
export interface GithubRepo {
  archived?: boolean
  has_issues?: boolean
  default_branch?: string
  /** Text of the Pipfile at the root of the default branch; absent when undefined. */
  pipfile?: string
  issues?: GithubIssue[]
}

/** A running GitHub test server. */
export interface GithubServer extends Scripted {
  readonly url: string
  /** Keyed by `owner/repo` (lower case). */
  readonly repos: Map<string, GithubRepo>
  stop(): Promise<void>
}

/** Starts the server on 127.0.0.1 with a free port; requests must carry `token`. */
export function startGithubServer(opts: { token: string }): GithubServer {
  const s = new Scripted()
  const repos = new Map<string, GithubRepo>()
  const server = Bun.serve({
    hostname: '127.0.0.1',
    port: 0,
    async fetch(req) {
      const url = new URL(req.url)
      const rec = await s.record(req, url)
      const auth = req.headers.get('authorization')
      if (auth !== `token ${opts.token}` && auth !== `Bearer ${opts.token}`)
        return s.json({ message: 'Bad credentials' }, 401)
      const scripted = await s.answer(req.method, url.pathname)
      if (scripted) return scripted
      const m = /^\/repos\/([^/]+)\/([^/]+)(\/.*)?$/.exec(url.pathname)
      const repo = m ? repos.get(`${m[1]}/${m[2]}`.toLowerCase()) : undefined
      if (!m || !repo) return s.json({ message: 'Not Found' }, 404)
      const rest = m[3] ?? ''
      const base = `${m[1]}/${m[2]}`
      if (req.method === 'GET' && rest === '') {
        return s.json({
          full_name: base,
          archived: repo.archived ?? false,
          has_issues: repo.has_issues ?? true,
          default_branch: repo.default_branch ?? 'main',
        })
      }
      if (req.method === 'GET' && rest === '/contents/Pipfile') {
        if (repo.pipfile === undefined) return s.json({ message: 'Not Found' }, 404)
        if ((req.headers.get('accept') ?? '').includes('raw')) return s.text(repo.pipfile)
        return s.json({
          type: 'file',
          name: 'Pipfile',
          encoding: 'base64',
          content: Buffer.from(repo.pipfile).toString('base64'),
        })
      }
      if (rest === '/issues')
        return req.method === 'GET' ? list(repo, base, rec.query) : create(repo, rec.body)
      return s.json({ message: 'Not Found' }, 404)
    },
  })
  const url = `http://127.0.0.1:${server.port}`

  function list(repo: GithubRepo, base: string, q: Record<string, string>): Response {
    const perPage = positiveInt(q.per_page, 30, 100)
    const page = positiveInt(q.page, 1)
    const state = q.state ?? 'open'
    if (perPage === null || page === null || !['open', 'closed', 'all'].includes(state))
      return s.json({ message: 'Validation Failed' }, 422)
    const all = (repo.issues ?? []).filter((i) => state === 'all' || (i.state ?? 'open') === state)
    const { items, last } = pageOf(all, page, perPage)
    const link = `<${url}/repos/${base}/issues?state=${state}&per_page=${perPage}&page=${page + 1}>; rel="next"`
    const body = items.map((i, n) => ({
      number: n + 1,
      title: i.title,
      state: i.state ?? 'open',
      ...(i.pull_request ? { pull_request: {} } : {}),
    }))
    return s.json(body, 200, page < last ? { link } : {})
  }

  function create(repo: GithubRepo, body: unknown): Response {
    if (!validIssueBody(body, ['title', 'body']))
      return s.json({ message: 'Validation Failed' }, 422)
    const { title, body: text } = body as { title: string; body?: string }
    repo.issues = [...(repo.issues ?? []), { title, body: text, state: 'open' }]
    return s.json({ number: repo.issues.length, title, body: text ?? null, state: 'open' }, 201)
  }

  return Object.assign(s, { url, repos, stop: () => server.stop(true) })
}
