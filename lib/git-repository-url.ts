/**
 * Which git service and repository an adviser-run origin names (handlers.md, Git services:
 * "Host" and "Slug"). Pure functions; the notifier in lib/git-services.ts uses them.
 */

/** A git service the notifications can talk to. */
export type GitService = 'github' | 'gitlab'

/** Normalised hosts that belong to each service. */
export interface ServiceHosts {
  readonly github: readonly string[]
  readonly gitlab: string | null
}

/** A parsed origin; `slug` is null when the origin names no usable repository. */
export interface RepositoryRef {
  readonly service: GitService | 'none'
  /** Lower-case host without `www.` and default port; null when the origin is not a URL. */
  readonly host: string | null
  /** GitHub `owner/repo`; GitLab `group/.../project` (the project id before URL-encoding). */
  readonly slug: string | null
}

const DEFAULT_PORTS: Record<string, string> = { 'http:': '80', 'https:': '443', 'ssh:': '22' }

function normalHost(hostname: string, port: string, protocol: string): string {
  const name = hostname.toLowerCase().replace(/^www\./, '')
  return port === '' || DEFAULT_PORTS[protocol] === port ? name : `${name}:${port}`
}

/** The normalised host of a configured base URL, or null when it is no URL. */
function hostOf(url: string): string | null {
  try {
    const u = new URL(url)
    return normalHost(u.hostname, u.port, u.protocol)
  } catch {
    return null
  }
}

/** github.com, plus the host of THOTH_GITHUB_API_URL unless it is api.github.com; GitLab's host. */
export function serviceHosts(githubApiUrl: string, gitlabUrl: string): ServiceHosts {
  const api = hostOf(githubApiUrl)
  return {
    github: api === null || api === 'api.github.com' ? ['github.com'] : ['github.com', api],
    gitlab: hostOf(gitlabUrl),
  }
}

/** Host and raw path of an `http(s)://`, `ssh://` or `user@host:path` origin. */
function splitOrigin(origin: string): { host: string; path: string } | null {
  const text = origin.trim()
  if (/^(https?|ssh):\/\//i.test(text)) {
    try {
      const u = new URL(text)
      if (u.hostname === '') return null
      return { host: normalHost(u.hostname, u.port, u.protocol), path: u.pathname }
    } catch {
      return null
    }
  }
  const scp = /^[^@/\s:]+@([^:/\s]+):([^?#]*)/.exec(text)
  return scp ? { host: normalHost(scp[1] as string, '', 'ssh:'), path: scp[2] as string } : null
}

function decodeSegment(segment: string): string {
  try {
    return decodeURIComponent(segment)
  } catch {
    return segment
  }
}

/** The path without leading/trailing `/` and a final `.git`, split into decoded segments. */
function segments(path: string): string[] {
  const trimmed = path
    .replace(/^\/+|\/+$/g, '')
    .replace(/\.git$/, '')
    .replace(/\/+$/, '')
  return trimmed === '' ? [] : trimmed.split('/').map(decodeSegment)
}

/**
 * Parses an origin: GitHub takes the first two path segments, GitLab every segment before a
 * `-` segment (at least two); any other host is service `none`.
 */
export function parseRepositoryUrl(origin: string, hosts: ServiceHosts): RepositoryRef {
  const parts = splitOrigin(origin)
  if (parts === null) return { service: 'none', host: null, slug: null }
  const { host } = parts
  const segs = segments(parts.path)
  if (hosts.github.includes(host)) {
    const slug = segs.slice(0, 2)
    const ok = slug.length === 2 && slug.every((s) => s !== '')
    return { service: 'github', host, slug: ok ? slug.join('/') : null }
  }
  if (host === hosts.gitlab) {
    const end = segs.indexOf('-')
    const slug = end === -1 ? segs : segs.slice(0, end)
    const ok = slug.length >= 2 && slug.every((s) => s !== '')
    return { service: 'gitlab', host, slug: ok ? slug.join('/') : null }
  }
  return { service: 'none', host, slug: null }
}

/** The key under which one repository is handled once per message (case-insensitive). */
export function repositoryKey(ref: RepositoryRef, origin: string): string {
  if (ref.slug !== null) return `${ref.service}:${ref.slug.toLowerCase()}`
  return `${ref.service}:?${origin.trim().toLowerCase()}`
}

/** A loggable name: service and slug, or the host; never user info or the raw origin. */
export function repositoryName(ref: RepositoryRef): string {
  if (ref.slug !== null) return `${ref.service}:${ref.slug}`
  return ref.host === null ? '(not a repository URL)' : `${ref.service}:${ref.host}`
}
