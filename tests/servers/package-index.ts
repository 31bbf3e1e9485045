/**
 * A local Python package index for tests: Warehouse JSON at `/pypi/<name>/json` and PEP 503
 * simple pages at `<prefix>/<name>/` for any prefix. Answers are scripted per package name.
 */

/** How the server answers for one package. */
export interface FakePackage {
  /** Release keys of the JSON API; also rendered as sdist links on simple pages. */
  releases?: string[]
  /** Raw hrefs for the simple page (instead of links built from `releases`). */
  hrefs?: (string | null)[]
  /** A whole simple page body, served as is. */
  html?: string
  /** A JSON API body, served as is. */
  json?: string
  /** Answer with this status and no listing. */
  status?: number
  /** Wait this long before answering. */
  delayMs?: number
}

/** One request the server saw. */
export interface SeenRequest {
  method: string
  /** Full request URL as received (absolute form when the request came through as a proxy). */
  url: string
  path: string
  headers: Record<string, string>
}

/** A running test index. */
export interface PackageIndexServer {
  readonly url: string
  readonly packages: Map<string, FakePackage>
  readonly requests: SeenRequest[]
  stop(): Promise<void>
}

function simplePage(name: string, pkg: FakePackage): string {
  if (pkg.html !== undefined) return pkg.html
  const hrefs =
    pkg.hrefs ?? (pkg.releases ?? []).map((v) => `../../packages/${name}-${v}.tar.gz#sha256=00`)
  const links = hrefs.map((h) => (h === null ? '<a>no link</a>' : `<a href="${h}">${h}</a>`))
  return `<!DOCTYPE html><html><body><h1>Links for ${name}</h1>${links.join('<br/>\n')}</body></html>`
}

function jsonBody(pkg: FakePackage): string {
  if (pkg.json !== undefined) return pkg.json
  const releases = Object.fromEntries((pkg.releases ?? []).map((v) => [v, []]))
  return JSON.stringify({ info: {}, releases })
}

/** Starts the server on 127.0.0.1 with a free port. */
export function startPackageIndexServer(
  initial: Record<string, FakePackage> = {},
): PackageIndexServer {
  const packages = new Map(Object.entries(initial))
  const requests: SeenRequest[] = []
  const server = Bun.serve({
    hostname: '127.0.0.1',
    port: 0,
    async fetch(req) {
      const url = new URL(req.url)
      requests.push({
        method: req.method,
        url: req.url,
        path: url.pathname,
        headers: Object.fromEntries(req.headers),
      })
      if (req.method !== 'GET') return new Response('method not allowed', { status: 405 })
      const json = /^\/pypi\/([^/]+)\/json$/.exec(url.pathname)
      const simple = /\/([^/]+)\/$/.exec(url.pathname)
      const name = decodeURIComponent((json ?? simple)?.[1] ?? '')
      const pkg = packages.get(name)
      if (pkg?.delayMs) await Bun.sleep(pkg.delayMs)
      if (!pkg || (!json && !simple)) return new Response('not found', { status: 404 })
      if (pkg.status) return new Response(`status ${pkg.status}`, { status: pkg.status })
      if (json)
        return new Response(jsonBody(pkg), { headers: { 'content-type': 'application/json' } })
      return new Response(simplePage(name, pkg), { headers: { 'content-type': 'text/html' } })
    },
  })
  return {
    url: `http://127.0.0.1:${server.port}`,
    packages,
    requests,
    stop: () => server.stop(true),
  }
}
