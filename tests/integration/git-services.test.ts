import { afterAll, beforeEach, describe, expect, test } from 'bun:test'
import type { GitNotification } from '../../lib/context.ts'
import { createGitNotifier, type GitNotifierOptions } from '../../lib/git-services.ts'
import { createLogger, type Fields } from '../../lib/log.ts'
import { createMetrics } from '../../lib/metrics.ts'
import { startGithubServer } from '../servers/github.ts'
import { startGitlabServer } from '../servers/gitlab.ts'

const GH_TOKEN = 'ghp_TEST_github_token_0123456789'
const GL_TOKEN = 'glpat-TEST-gitlab-token-9876'
const gh = startGithubServer({ token: GH_TOKEN })
const gl = startGitlabServer({ token: GL_TOKEN })
afterAll(async () => {
  await gh.stop()
  await gl.stop()
})

const INDEX = 'https://pypi.org/simple'
const HASH: GitNotification = {
  kind: 'hash-mismatch',
  baseName: 'thoth.investigator.hash-mismatch',
  packageName: 'flask',
  packageVersion: '1.0.0',
  indexUrl: INDEX,
  missingFromSource: Array.from({ length: 12 }, (_, i) => `sha256:${String(i).padStart(4, '0')}`),
}
const MISSING: GitNotification = {
  kind: 'missing-package',
  baseName: 'thoth.investigator.missing-package',
  packageName: 'Flask_Login',
  packageVersion: null,
  indexUrl: INDEX,
}
const TITLE = 'Hash mismatch for flask==1.0.0 on https://pypi.org/simple'

/** A notifier wired to the test servers, with captured log lines, fake sleep and fake origins. */
function setup(origins: string[], extra: Partial<GitNotifierOptions> = {}) {
  const lines: string[] = []
  const log = createLogger({ level: 'debug', write: (l) => lines.push(l) })
  const metrics = createMetrics()
  const sleeps: number[] = []
  const queries: [string, string | null, string][] = []
  const kg = {
    adviserRunOrigins: async (name: string, version: string | null, index: string) => {
      queries.push([name, version, index])
      return origins
    },
  }
  const opts: GitNotifierOptions = {
    enabled: true,
    maxIssues: 20,
    githubToken: GH_TOKEN,
    gitlabToken: GL_TOKEN,
    githubApiUrl: gh.url,
    gitlabUrl: gl.url,
    timeoutMs: 300,
    ...extra,
  }
  let clock = Date.now() // a fake clock that only sleeping advances
  const sleep = async (ms: number) => {
    sleeps.push(ms)
    clock += ms
  }
  const notifier = createGitNotifier(opts, { kg, metrics, log, sleep, now: () => clock })
  const notify = (n: GitNotification = HASH, signal = new AbortController().signal) =>
    notifier.notify(n, log, signal)
  const counts = async () => {
    const { values } = await metrics.gitNotifications.get()
    return Object.fromEntries(
      values.map((v) => [`${v.labels.service}/${v.labels.outcome}`, v.value]),
    )
  }
  const logged = () => lines.map((l) => JSON.parse(l) as Fields)
  return { notifier, notify, counts, sleeps, queries, lines, logged }
}

const calls = (server: typeof gh | typeof gl) => server.requests.map((r) => `${r.method} ${r.path}`)

beforeEach(() => {
  gh.reset()
  gl.reset()
  gh.repos.clear()
  gl.projects.clear()
})

describe('off', () => {
  test('makes no calls and queries nothing when disabled', async () => {
    const t = setup(['https://github.com/o/r'], {
      enabled: false,
      githubToken: undefined,
      gitlabToken: undefined,
    })
    gh.repos.set('o/r', {})
    await t.notify()
    expect(t.notifier.enabled).toBe(false)
    expect(t.queries).toEqual([])
    expect(gh.requests).toEqual([])
    expect(await t.counts()).toEqual({})
  })
})

describe('issues', () => {
  test('opens one issue per repository, GitHub or GitLab by host; other hosts skipped', async () => {
    const t = setup([
      'https://github.com/o/r',
      'git@github.com:O/R.git',
      `${gl.url}/group/sub/proj/-/tree/main`,
      'https://bitbucket.org/x/y',
      'not a url',
    ])
    gh.repos.set('o/r', {})
    gl.projects.set('group/sub/proj', {})
    await t.notify()
    expect(t.queries).toEqual([['flask', '1.0.0', INDEX]])
    expect(calls(gh)).toEqual(['GET /repos/o/r', 'GET /repos/o/r/issues', 'POST /repos/o/r/issues'])
    expect(gh.requests[1]?.query).toMatchObject({ state: 'open', per_page: '100', page: '1' })
    const ghBody = gh.requests[2]?.body as { title: string; body: string }
    expect(ghBody.title).toBe(TITLE)
    expect(ghBody.body).toContain('`sha256:0009`')
    expect(ghBody.body).not.toContain('sha256:0010')
    expect(ghBody.body).toContain('and 2 more')
    expect(ghBody.body).toContain('thoth.investigator.hash-mismatch')
    expect(Object.keys(ghBody).sort()).toEqual(['body', 'title'])
    expect(calls(gl)).toEqual([
      'GET /api/v4/projects/group%2Fsub%2Fproj',
      'GET /api/v4/projects/group%2Fsub%2Fproj/issues',
      'POST /api/v4/projects/group%2Fsub%2Fproj/issues',
    ])
    expect(gl.requests[1]?.query).toMatchObject({ state: 'opened', per_page: '100', page: '1' })
    expect(gl.requests[2]?.body).toMatchObject({
      title: TITLE,
      description: expect.stringContaining('re-lock'),
    })
    expect(await t.counts()).toEqual({
      'github/created': 1,
      'gitlab/created': 1,
      'none/skipped': 2,
    })
  })

  test('does not open a second issue when an open issue with the title exists (paged)', async () => {
    const t = setup(['https://github.com/o/r', `${gl.url}/g/p`])
    const filler = Array.from({ length: 150 }, (_, i) => ({ title: `other ${i}` }))
    gh.repos.set('o/r', { issues: [...filler, { title: TITLE }] })
    gl.projects.set('g/p', { issues: [...filler, { title: TITLE }] })
    await t.notify()
    expect(calls(gh)).toEqual(['GET /repos/o/r', 'GET /repos/o/r/issues', 'GET /repos/o/r/issues'])
    expect(gh.requests[2]?.query.page).toBe('2')
    expect(calls(gl).filter((c) => c.startsWith('POST'))).toEqual([])
    expect(await t.counts()).toEqual({ 'github/exists': 1, 'gitlab/exists': 1 })
    await t.notify()
    expect(await t.counts()).toEqual({ 'github/exists': 2, 'gitlab/exists': 2 })
  })

  test('ignores closed issues and pull requests with the title', async () => {
    const t = setup(['https://github.com/o/r'])
    gh.repos.set('o/r', {
      issues: [
        { title: TITLE, state: 'closed' },
        { title: TITLE, pull_request: true },
      ],
    })
    await t.notify()
    expect(await t.counts()).toEqual({ 'github/created': 1 })
  })

  test('skips archived repositories and those with issues off', async () => {
    const t = setup([
      'https://github.com/o/archived',
      'https://github.com/o/noissues',
      `${gl.url}/g/archived`,
      `${gl.url}/g/noissues`,
    ])
    gh.repos.set('o/archived', { archived: true })
    gh.repos.set('o/noissues', { has_issues: false })
    gl.projects.set('g/archived', { archived: true })
    gl.projects.set('g/noissues', { issues_enabled: false })
    await t.notify()
    expect(calls(gh)).toEqual(['GET /repos/o/archived', 'GET /repos/o/noissues'])
    expect(await t.counts()).toEqual({ 'github/skipped': 2, 'gitlab/skipped': 2 })
  })

  test('missing-package only where the Pipfile lists the package', async () => {
    const t = setup([
      'https://github.com/o/listed',
      'https://github.com/o/dev',
      'https://github.com/o/other',
      'https://github.com/o/nopipfile',
      'https://github.com/o/broken',
      `${gl.url}/g/listed`,
      `${gl.url}/g/empty`,
    ])
    gh.repos.set('o/listed', { pipfile: '[packages]\nflask-login = "*"\n' })
    gh.repos.set('o/dev', { pipfile: '[dev-packages]\n"flask.login" = {version = "*"}\n' })
    gh.repos.set('o/other', { pipfile: '[packages]\nflask = "*"\n# Flask_Login\n' })
    gh.repos.set('o/nopipfile', {})
    gh.repos.set('o/broken', { pipfile: '[packages\nFlask_Login = *\n' })
    gl.projects.set('g/listed', {
      default_branch: 'stable',
      pipfile: '[packages]\nFlask-Login = "*"\n',
    })
    gl.projects.set('g/empty', { default_branch: null })
    await t.notify(MISSING)
    expect(t.queries).toEqual([['Flask_Login', null, INDEX]])
    const created = [...gh.repos].filter(([, r]) => r.issues?.length).map(([k]) => k)
    expect(created).toEqual(['o/listed', 'o/dev', 'o/broken'])
    expect(gh.repos.get('o/listed')?.issues?.[0]?.title).toBe(
      'Missing package Flask_Login on https://pypi.org/simple',
    )
    expect(gh.requests.find((r) => r.path === '/repos/o/listed/contents/Pipfile')?.query).toEqual(
      {},
    )
    expect(gl.requests.find((r) => r.path.endsWith('/raw'))?.query).toEqual({ ref: 'stable' })
    expect(await t.counts()).toEqual({
      'github/created': 3,
      'github/skipped': 2,
      'gitlab/created': 1,
      'gitlab/skipped': 1,
    })
  })

  test('caps the issues created for one message', async () => {
    const t = setup(['https://github.com/o/a', `${gl.url}/g/b`, 'https://github.com/o/c'], {
      maxIssues: 2,
    })
    gh.repos.set('o/a', {})
    gh.repos.set('o/c', {})
    gl.projects.set('g/b', {})
    await t.notify()
    expect(calls(gh).some((c) => c.includes('/o/c'))).toBe(false)
    expect(await t.counts()).toEqual({
      'github/created': 1,
      'gitlab/created': 1,
      'github/capped': 1,
    })
  })

  test('spaces issue creations on one service at least 1 s apart', async () => {
    const t = setup(['https://github.com/o/a', 'https://github.com/o/b'])
    gh.repos.set('o/a', {})
    gh.repos.set('o/b', {})
    await t.notify()
    expect(t.sleeps).toEqual([1000])
  })

  test('a service without a token is skipped without calls', async () => {
    const t = setup(['https://github.com/o/r', `${gl.url}/g/p`], { gitlabToken: undefined })
    gh.repos.set('o/r', {})
    gl.projects.set('g/p', {})
    await t.notify()
    expect(gl.requests).toEqual([])
    expect(await t.counts()).toEqual({ 'github/created': 1, 'gitlab/skipped': 1 })
  })
})

describe('errors', () => {
  test('401, 403, 404 and 410 are unreachable, never thrown, and the next repository goes on', async () => {
    const t = setup([
      'https://github.com/o/missing',
      'https://github.com/o/forbidden',
      'https://github.com/o/gone',
      `${gl.url}/g/forbidden`,
      'https://github.com/o/ok',
    ])
    gh.repos.set('o/forbidden', {})
    gh.repos.set('o/gone', {})
    gh.repos.set('o/ok', {})
    gl.projects.set('g/forbidden', {})
    gh.script({
      path: /\/o\/forbidden$/,
      answers: [{ status: 403, body: { message: 'Resource not accessible' } }],
    })
    gh.script({ path: /\/o\/gone$/, answers: [{ status: 410 }] })
    gl.script({ path: /g%2Fforbidden$/, answers: [{ status: 403 }] })
    await t.notify()
    expect(await t.counts()).toEqual({
      'github/unreachable': 3,
      'gitlab/unreachable': 1,
      'github/created': 1,
    })
    expect(t.sleeps).toEqual([])
    const warn = t.logged().find((l) => l.level === 'warn' && l.repository === 'github:o/forbidden')
    expect(warn).toMatchObject({
      base_name: HASH.baseName,
      step: 'repository',
      status: 403,
      outcome: 'unreachable',
    })
  })

  test('a wrong token is unreachable', async () => {
    const t = setup(['https://github.com/o/r', `${gl.url}/g/p`], {
      githubToken: 'wrong-token-1',
      gitlabToken: 'wrong-token-2',
    })
    gh.repos.set('o/r', {})
    gl.projects.set('g/p', {})
    await t.notify()
    expect(await t.counts()).toEqual({ 'github/unreachable': 1, 'gitlab/unreachable': 1 })
  })

  test('5xx is retried: 3 attempts, 1 s then 2 s apart, then failed', async () => {
    const t = setup(['https://github.com/o/r', `${gl.url}/g/p`])
    gh.repos.set('o/r', {})
    gl.projects.set('g/p', {})
    gh.script({
      method: 'GET',
      path: /^\/repos\/o\/r\/issues$/,
      answers: [{ status: 502, times: 3 }],
    })
    gl.script({ method: 'POST', path: /issues$/, answers: [{ status: 500 }, { status: 503 }] })
    await t.notify()
    expect(calls(gh)).toEqual([
      'GET /repos/o/r',
      'GET /repos/o/r/issues',
      'GET /repos/o/r/issues',
      'GET /repos/o/r/issues',
    ])
    expect(calls(gl).filter((c) => c.startsWith('POST'))).toHaveLength(3)
    expect(t.sleeps).toEqual([1000, 2000, 1000, 2000])
    expect(await t.counts()).toEqual({ 'github/failed': 1, 'gitlab/created': 1 })
    expect(t.logged().find((l) => l.level === 'warn')).toMatchObject({
      step: 'issues',
      status: 502,
      outcome: 'failed',
    })
  })

  test('timeouts and connection errors are retried, then failed', async () => {
    const dead = startGitlabServer({ token: GL_TOKEN })
    const deadUrl = dead.url
    await dead.stop()
    const t = setup(['https://github.com/o/slow', `${deadUrl}/g/p`], { gitlabUrl: deadUrl })
    gh.repos.set('o/slow', {})
    gh.script({ path: /\/o\/slow$/, answers: [{ status: 200, delayMs: 1000, times: 3 }] })
    await t.notify()
    expect(calls(gh)).toHaveLength(3)
    expect(t.sleeps).toEqual([1000, 2000, 1000, 2000])
    expect(await t.counts()).toEqual({ 'github/failed': 1, 'gitlab/failed': 1 })
  })

  test('other 4xx answers are failed without retry', async () => {
    const t = setup(['https://github.com/o/r'])
    gh.repos.set('o/r', {})
    gh.script({ method: 'POST', path: /issues$/, answers: [{ status: 422 }] })
    await t.notify()
    expect(await t.counts()).toEqual({ 'github/failed': 1 })
  })

  test('a failing repository query is logged and never thrown', async () => {
    const t = setup([])
    const notifier = createGitNotifier(
      {
        enabled: true,
        maxIssues: 1,
        githubToken: GH_TOKEN,
        githubApiUrl: gh.url,
        gitlabUrl: gl.url,
      },
      {
        kg: { adviserRunOrigins: () => Promise.reject(new Error('db down')) },
        metrics: createMetrics(),
        log: createLogger({ level: 'debug', write: (l) => t.lines.push(l) }),
      },
    )
    await notifier.notify(
      HASH,
      createLogger({ level: 'debug', write: (l) => t.lines.push(l) }),
      new AbortController().signal,
    )
    expect(t.logged().find((l) => l.level === 'warn')?.msg).toBe('git notifications failed')
  })

  test('an aborted message stops quietly', async () => {
    const t = setup(['https://github.com/o/r'])
    gh.repos.set('o/r', {})
    gh.script({ path: /\/o\/r$/, answers: [{ status: 500, times: 3 }] })
    const ac = new AbortController()
    ac.abort()
    await t.notify(HASH, ac.signal)
    expect(await t.counts()).toEqual({})
  })
})

describe('rate limits', () => {
  const inSeconds = (s: number) => String(Math.floor(Date.now() / 1000) + s)

  test('GitHub 403 with remaining 0 and a reset within 60 s: wait, then go on', async () => {
    const t = setup(['https://github.com/o/r'])
    gh.repos.set('o/r', {})
    gh.script({
      path: /\/o\/r$/,
      answers: [
        {
          status: 403,
          headers: { 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': inSeconds(30) },
        },
      ],
    })
    await t.notify()
    expect(t.sleeps).toHaveLength(1)
    expect(t.sleeps[0]).toBeGreaterThan(28_000)
    expect(t.sleeps[0]).toBeLessThanOrEqual(30_000)
    expect(await t.counts()).toEqual({ 'github/created': 1 })
  })

  test('429 with retry-after beyond 60 s stops the service for the message; others go on', async () => {
    const t = setup(['https://github.com/o/a', `${gl.url}/g/p`, 'https://github.com/o/b'])
    gh.repos.set('o/a', {})
    gh.repos.set('o/b', {})
    gl.projects.set('g/p', {})
    gh.script({ path: /\/o\/a$/, answers: [{ status: 429, headers: { 'retry-after': '120' } }] })
    await t.notify()
    expect(calls(gh)).toEqual(['GET /repos/o/a'])
    expect(t.sleeps).toEqual([])
    expect(await t.counts()).toEqual({ 'github/rate_limited': 2, 'gitlab/created': 1 })
  })

  test('a GitHub 403 with retry-after is a rate limit; waits when short', async () => {
    const t = setup(['https://github.com/o/r'])
    gh.repos.set('o/r', {})
    gh.script({ path: /\/o\/r$/, answers: [{ status: 403, headers: { 'retry-after': '5' } }] })
    await t.notify()
    expect(t.sleeps).toEqual([5000])
    expect(await t.counts()).toEqual({ 'github/created': 1 })
  })

  test('an exhausted limit seen on a success answer stops further calls when the reset is far', async () => {
    const t = setup(['https://github.com/o/a', 'https://github.com/o/b'])
    gh.repos.set('o/a', {})
    gh.repos.set('o/b', {})
    gh.script({
      path: /\/o\/a$/,
      answers: [
        {
          status: 200,
          body: { archived: true },
          headers: { 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': inSeconds(3600) },
        },
      ],
    })
    await t.notify()
    expect(calls(gh)).toEqual(['GET /repos/o/a'])
    expect(await t.counts()).toEqual({ 'github/skipped': 1, 'github/rate_limited': 1 })
    await t.notify()
    expect(calls(gh)).toEqual(['GET /repos/o/a'])
  })

  test('GitLab 429 with RateLimit-Reset within 60 s: wait, then go on', async () => {
    const t = setup([`${gl.url}/g/p`])
    gl.projects.set('g/p', {})
    gl.script({
      method: 'GET',
      path: /issues$/,
      answers: [
        { status: 429, headers: { 'RateLimit-Remaining': '0', 'RateLimit-Reset': inSeconds(10) } },
      ],
    })
    await t.notify()
    expect(t.sleeps).toHaveLength(1)
    expect(t.sleeps[0]).toBeGreaterThan(8_000)
    expect(await t.counts()).toEqual({ 'gitlab/created': 1 })
  })

  test('a GitLab 403 is no rate limit', async () => {
    const t = setup([`${gl.url}/g/p`])
    gl.projects.set('g/p', {})
    gl.script({ path: /g%2Fp$/, answers: [{ status: 403, headers: { 'retry-after': '5' } }] })
    await t.notify()
    expect(await t.counts()).toEqual({ 'gitlab/unreachable': 1 })
  })
})

describe('secrets', () => {
  test('tokens travel only in auth headers, never in logs, bodies or URLs', async () => {
    const t = setup([
      'https://github.com/o/r',
      `${gl.url}/g/p`,
      'https://github.com/o/denied',
      `https://x:${GH_TOKEN}@bitbucket.org/a/b`,
    ])
    gh.repos.set('o/r', {})
    gh.repos.set('o/denied', {})
    gl.projects.set('g/p', {})
    gh.script({
      path: /\/o\/denied$/,
      answers: [{ status: 401, body: { message: `bad ${GH_TOKEN}` } }],
    })
    await t.notify()
    expect(gh.requests[0]?.headers.authorization).toBe(`token ${GH_TOKEN}`)
    expect(gl.requests[0]?.headers['private-token']).toBe(GL_TOKEN)
    const all = [...gh.requests, ...gl.requests]
    expect(JSON.stringify(all.map((r) => [r.path, r.query, r.body]))).not.toMatch(/TEST/)
    expect(t.lines.length).toBeGreaterThan(0)
    for (const line of t.lines) {
      expect(line).not.toContain(GH_TOKEN)
      expect(line).not.toContain(GL_TOKEN)
    }
  })
})

describe('test servers', () => {
  test('reject malformed requests and wrong tokens', async () => {
    gh.repos.set('o/r', {})
    gl.projects.set('g/p', {})
    const ghPost = (body: unknown, token = GH_TOKEN) =>
      fetch(`${gh.url}/repos/o/r/issues`, {
        method: 'POST',
        headers: { authorization: `token ${token}`, 'content-type': 'application/json' },
        body: JSON.stringify(body),
      })
    expect((await ghPost({ body: 'no title' })).status).toBe(422)
    expect((await ghPost({ title: 't', labels: ['x'] })).status).toBe(422)
    expect((await ghPost({ title: 't' }, 'other')).status).toBe(401)
    const tooMany = await fetch(`${gh.url}/repos/o/r/issues?per_page=101`, {
      headers: { authorization: `token ${GH_TOKEN}` },
    })
    expect(tooMany.status).toBe(422)
    const glPost = await fetch(`${gl.url}/api/v4/projects/g%2Fp/issues`, {
      method: 'POST',
      headers: { 'private-token': GL_TOKEN, 'content-type': 'application/json' },
      body: JSON.stringify({ description: 'no title' }),
    })
    expect(glPost.status).toBe(400)
    const unencoded = await fetch(`${gl.url}/api/v4/projects/g/p`, {
      headers: { 'private-token': GL_TOKEN },
    })
    expect(unencoded.status).toBe(404)
    const noRef = await fetch(`${gl.url}/api/v4/projects/g%2Fp/repository/files/Pipfile/raw`, {
      headers: { 'private-token': GL_TOKEN },
    })
    expect(noRef.status).toBe(400)
  })
})
