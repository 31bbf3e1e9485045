/**
 * A local GitLab REST API (v4) for the notification tests: get project, raw file, list issues
 * with paging, create issue. Checks the PRIVATE-TOKEN header, rejects malformed requests.
 */
import { pageOf, positiveInt, Scripted, validIssueBody } from './scripted.ts'

/** One stored issue. */
export interface GitlabIssue {
  title: string
  description?: string
  state?: 'opened' | 'closed'
}

/** One stored project. */
export interface GitlabProject {
  archived?: boolean
  issues_enabled?: boolean
  issues_access_level?: 'enabled' | 'private' | 'disabled'
  default_branch?: string | null
  /** Text of the Pipfile at the root of the default branch; absent when undefined. */
  pipfile?: string
  issues?: GitlabIssue[]
}

/** A running GitLab test server. */
export interface GitlabServer extends Scripted {
  readonly url: string
  /** Keyed by the project's full path (lower case). */
  readonly projects: Map<string, GitlabProject>
  stop(): Promise<void>
}

/** Starts the server on 127.0.0.1 with a free port; requests must carry `token`. */
export function startGitlabServer(opts: { token: string }): GitlabServer {
  const s = new Scripted()
  const projects = new Map<string, GitlabProject>()
  const server = Bun.serve({
    hostname: '127.0.0.1',
    port: 0,
    async fetch(req) {
      const url = new URL(req.url)
      const rec = await s.record(req, url)
      if (req.headers.get('private-token') !== opts.token)
        return s.json({ message: '401 Unauthorized' }, 401)
      const scripted = await s.answer(req.method, url.pathname)
      if (scripted) return scripted
      // The project id MUST arrive URL-encoded (`group%2Fproject`), as GitLab requires.
      const m = /^\/api\/v4\/projects\/([^/]+)(\/.*)?$/.exec(url.pathname)
      const id = m ? decodeURIComponent(m[1] as string) : ''
      const project = projects.get(id.toLowerCase())
      if (!m || !project) return s.json({ message: '404 Project Not Found' }, 404)
      const rest = m[2] ?? ''
      const defaultBranch = project.default_branch === undefined ? 'main' : project.default_branch
      if (req.method === 'GET' && rest === '') {
        const issuesOn = project.issues_enabled ?? true
        return s.json({
          id: 1,
          path_with_namespace: id,
          archived: project.archived ?? false,
          issues_enabled: issuesOn,
          issues_access_level: project.issues_access_level ?? (issuesOn ? 'enabled' : 'disabled'),
          default_branch: defaultBranch,
        })
      }
      if (req.method === 'GET' && rest === '/repository/files/Pipfile/raw') {
        if (!rec.query.ref) return s.json({ error: 'ref is missing' }, 400)
        if (project.pipfile === undefined || rec.query.ref !== defaultBranch)
          return s.json({ message: '404 File Not Found' }, 404)
        return s.text(project.pipfile)
      }
      if (rest === '/issues')
        return req.method === 'GET'
          ? list(project, m[1] as string, rec.query)
          : create(project, rec.body)
      return s.json({ error: '404 Not Found' }, 404)
    },
  })
  const url = `http://127.0.0.1:${server.port}`

  function list(project: GitlabProject, rawId: string, q: Record<string, string>): Response {
    const perPage = positiveInt(q.per_page, 20, 100)
    const page = positiveInt(q.page, 1)
    const state = q.state ?? 'all'
    if (perPage === null || page === null || !['opened', 'closed', 'all'].includes(state))
      return s.json({ error: 'state does not have a valid value' }, 400)
    const all = (project.issues ?? []).filter(
      (i) => state === 'all' || (i.state ?? 'opened') === state,
    )
    const { items, last } = pageOf(all, page, perPage)
    const next = page < last ? String(page + 1) : ''
    const headers: Record<string, string> = {
      'x-page': String(page),
      'x-per-page': String(perPage),
      'x-next-page': next,
      'x-total': String(all.length),
      'x-total-pages': String(last),
    }
    if (next)
      headers.link = `<${url}/api/v4/projects/${rawId}/issues?page=${next}&per_page=${perPage}&state=${state}>; rel="next"`
    return s.json(
      items.map((i, n) => ({ iid: n + 1, title: i.title, state: i.state ?? 'opened' })),
      200,
      headers,
    )
  }

  function create(project: GitlabProject, body: unknown): Response {
    if (typeof (body as { title?: unknown } | undefined)?.title !== 'string')
      return s.json({ error: 'title is missing' }, 400)
    if (!validIssueBody(body, ['title', 'description']))
      return s.json({ error: 'title is invalid' }, 400)
    const { title, description } = body as { title: string; description?: string }
    project.issues = [...(project.issues ?? []), { title, description, state: 'opened' }]
    return s.json(
      { iid: project.issues.length, title, description: description ?? null, state: 'opened' },
      201,
    )
  }

  return Object.assign(s, { url, projects, stop: () => server.stop(true) })
}
