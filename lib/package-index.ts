/**
 * Version listing of Python package indexes for unresolved-package (handlers.md §17, D-34):
 * the Warehouse JSON API for THOTH_PYTHON_WAREHOUSES, PEP 503 simple pages otherwise (parsed
 * and sorted by lib/package-versions.ts); 30 s timeout, proxies, cached up to 5 minutes.
 */
import type { PackageIndex } from './context.ts'
import { AbortedError, UpstreamError } from './errors.ts'
import type { Logger } from './log.ts'
import {
  sortVersions,
  versionsFromSimplePage,
  versionsFromWarehouseJson,
} from './package-versions.ts'

/** Options of {@link createPackageIndex}; proxy values come from HTTPS_PROXY/HTTP_PROXY/NO_PROXY. */
export interface PackageIndexOptions {
  warehouses: string[]
  proxy?: { https?: string; http?: string; noProxy?: string }
  /** Per request; 30 s by default. */
  timeoutMs?: number
  /** How long a successful listing is reused; 5 minutes by default (and at most). */
  cacheTtlMs?: number
  /** Clock for the cache, injectable for tests. */
  now?: () => number
}

const PYPI_LEGACY = 'https://pypi.python.org/simple'
const PYPI = 'https://pypi.org/simple'
const MAX_TTL_MS = 5 * 60_000

/** Index identity for the warehouse check and the listing cache: trailing `/` dropped, pypi.python.org -> pypi.org. Not the knowledge graph's rule (lib/knowledge-graph.ts normalizeIndexUrl keeps `/`). */
export function canonicalIndexUrl(url: string): string {
  const trimmed = url.replace(/\/+$/, '')
  return trimmed === PYPI_LEGACY ? PYPI : trimmed
}

/** The proxy for a URL per HTTPS_PROXY/HTTP_PROXY/NO_PROXY, or undefined for a direct call. */
export function proxyFor(url: URL, proxy: PackageIndexOptions['proxy'] = {}): string | undefined {
  const chosen = url.protocol === 'https:' ? proxy.https : proxy.http
  if (!chosen) return undefined
  const host = url.hostname.toLowerCase()
  for (const entry of (proxy.noProxy ?? '').split(',').map((e) => e.trim().toLowerCase())) {
    if (entry === '*') return undefined
    const bare = entry.replace(/^\*?\./, '')
    if (bare === '') continue
    if (host === bare || host.endsWith(`.${bare}`) || url.host.toLowerCase() === bare)
      return undefined
  }
  return chosen
}

/** The URL without user info, for error texts. */
function shown(url: URL): string {
  const copy = new URL(url)
  copy.username = ''
  copy.password = ''
  return copy.toString()
}

/** Creates the package-index port. */
export function createPackageIndex(opts: PackageIndexOptions, log: Logger): PackageIndex {
  const warehouses = new Set(opts.warehouses.map(canonicalIndexUrl))
  const timeoutMs = opts.timeoutMs ?? 30_000
  const ttl = Math.min(opts.cacheTtlMs ?? MAX_TTL_MS, MAX_TTL_MS)
  const now = opts.now ?? Date.now
  const cache = new Map<string, { expires: number; versions: string[] }>()

  async function get(url: URL, accept: string, signal: AbortSignal): Promise<Response | null> {
    url.username = ''
    url.password = '' // MUST never send credentials (handlers.md §17)
    const timeout = AbortSignal.timeout(timeoutMs)
    let res: Response
    try {
      res = await fetch(url, {
        headers: { accept },
        redirect: 'follow',
        signal: AbortSignal.any([signal, timeout]),
        proxy: proxyFor(url, opts.proxy),
      })
    } catch (err) {
      if (signal.aborted) throw new AbortedError()
      const what = timeout.aborted ? `timed out after ${timeoutMs} ms` : 'connection failed'
      throw new UpstreamError('package-index', `GET ${shown(url)} ${what}`, true, { cause: err })
    }
    if (res.status === 404 || res.status === 403) return null
    if (!res.ok) {
      const retryable = res.status >= 500 || res.status === 429
      throw new UpstreamError(
        'package-index',
        `GET ${shown(url)} answered ${res.status}`,
        retryable,
        {
          status: res.status,
        },
      )
    }
    return res
  }

  async function fetchVersions(
    index: string,
    name: string,
    signal: AbortSignal,
  ): Promise<string[]> {
    const json = warehouses.has(index)
    const url = json
      ? new URL(`${index.replace(/\/simple$/, '')}/pypi/${encodeURIComponent(name)}/json`)
      : new URL(`${index}/${encodeURIComponent(name)}/`)
    const res = await get(url, json ? 'application/json' : 'text/html', signal)
    if (res === null) return []
    try {
      const text = await res.text()
      return json ? versionsFromWarehouseJson(JSON.parse(text)) : versionsFromSimplePage(text, name)
    } catch (err) {
      if (signal.aborted) throw new AbortedError()
      throw new UpstreamError('package-index', `unusable listing at ${shown(url)}`, false, {
        cause: err,
      })
    }
  }

  return {
    async listVersions(indexUrl, packageName, signal) {
      const index = canonicalIndexUrl(indexUrl)
      const key = `${index}\n${packageName}`
      const hit = cache.get(key)
      if (hit && hit.expires > now()) return [...hit.versions]
      cache.delete(key)
      const versions = sortVersions(await fetchVersions(index, packageName, signal))
      for (const [k, v] of cache) if (v.expires <= now()) cache.delete(k)
      cache.set(key, { expires: now() + ttl, versions })
      log.debug('package versions listed', { index, package: packageName, count: versions.length })
      return [...versions]
    },
  }
}
