/**
 * Version listing of Python package indexes for unresolved-package (handlers.md §17, D-34):
 * the Warehouse JSON API for THOTH_PYTHON_WAREHOUSES, PEP 503 simple pages otherwise; versions
 * in PEP 440 normal form, newest first, legacy (invalid) versions last; cached up to 5 minutes.
 */
import { compare, explain } from '@renovatebot/pep440'
import type { PackageIndex } from './context.ts'
import { AbortedError, UpstreamError } from './errors.ts'
import type { Logger } from './log.ts'

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

/** Drops trailing `/` and maps pypi.python.org to pypi.org (upstream's normalisation). */
export function normalizeIndexUrl(url: string): string {
  const trimmed = url.replace(/\/+$/, '')
  return trimmed === PYPI_LEGACY ? PYPI : trimmed
}

/** PEP 440 normal form of a version, or null for a legacy (invalid) version. */
export function normalVersion(version: string): string | null {
  const v = explain(version.trim())
  if (!v) return null
  return v.local ? `${v.public}+${v.local}` : v.public
}

const LEGACY_REPLACE = new Map([['pre', 'c'], ['preview', 'c'], ['-', 'final-'], ['rc', 'c'], ['dev', '@']])

/** Sort key of a legacy version, as packaging 21.3's LegacyVersion computes it. */
function legacyKey(version: string): string[] {
  const parts: string[] = []
  const pieces = version.toLowerCase().split(/(\d+|[a-z]+|\.|-)/)
  for (const raw of [...pieces, 'final']) {
    const piece = LEGACY_REPLACE.get(raw) ?? raw
    if (piece === '' || piece === '.') continue
    const part = /^[0-9]/.test(piece) ? piece.padStart(8, '0') : `*${piece}`
    if (part.startsWith('*')) {
      if (part < '*final') while (parts.at(-1) === '*final-') parts.pop()
      while (parts.at(-1) === '00000000') parts.pop()
    }
    parts.push(part)
  }
  return parts
}

function compareKeys(a: string[], b: string[]): number {
  for (let i = 0; i < Math.min(a.length, b.length); i++) {
    if (a[i] !== b[i]) return (a[i] as string) < (b[i] as string) ? -1 : 1
  }
  return a.length - b.length
}

/**
 * Replaces valid versions by their normal form, keeps the first of equal normal forms (D-34)
 * and sorts newest first: valid versions by PEP 440, then legacy ones in their legacy order.
 */
export function sortVersions(listed: readonly string[]): string[] {
  const seen = new Set<string>()
  const valid: string[] = []
  const legacy: string[] = []
  for (const raw of listed) {
    const normal = normalVersion(raw)
    const text = normal ?? raw
    if (seen.has(text)) continue
    seen.add(text)
    ;(normal === null ? legacy : valid).push(text)
  }
  valid.sort((a, b) => compare(b, a))
  const keys = new Map(legacy.map((v) => [v, legacyKey(v)]))
  legacy.sort((a, b) => compareKeys(keys.get(b) ?? [], keys.get(a) ?? []))
  return [...valid, ...legacy]
}

const ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" }

function decodeEntities(text: string): string {
  return text.replace(/&(#x[0-9a-f]+|#[0-9]+|[a-z]+);/gi, (whole, name: string) => {
    if (name[0] !== '#') return ENTITIES[name.toLowerCase()] ?? whole
    const code = name[1] === 'x' || name[1] === 'X' ? parseInt(name.slice(2), 16) : Number(name.slice(1))
    return code <= 0x10ffff ? String.fromCodePoint(code) : whole
  })
}

function lenientDecode(text: string): string {
  try {
    return decodeURIComponent(text)
  } catch {
    return text
  }
}

/**
 * Versions named by the artifact links of a PEP 503 simple page (handlers.md §17), distinct,
 * in page order. Throws on an `<a>` without href or a wheel name with fewer than two `-`.
 */
export function versionsFromSimplePage(html: string, packageName: string): string[] {
  const hrefs: (string | null)[] = []
  new HTMLRewriter().on('a', { element: (el) => void hrefs.push(el.getAttribute('href')) }).transform(html)
  const versions = new Set<string>()
  for (const href of hrefs) {
    if (href === null) throw new Error('link without href')
    const path = decodeEntities(href).split('#')[0] as string
    const raw = path.slice(path.lastIndexOf('/') + 1)
    if (raw.endsWith('.tar.gz')) {
      versions.add(lenientDecode(raw).slice(packageName.length + 1, -'.tar.gz'.length))
    } else if (raw.endsWith('.whl')) {
      const fields = lenientDecode(raw).split('-')
      if (fields.length < 3) throw new Error(`wheel name without version: ${raw}`)
      versions.add(fields[1] as string)
    }
  }
  return [...versions]
}

/** Release keys of a Warehouse JSON API answer. */
export function versionsFromWarehouseJson(body: unknown): string[] {
  const releases = (body as { releases?: unknown } | null)?.releases
  if (releases === null || typeof releases !== 'object' || Array.isArray(releases)) {
    throw new Error('answer has no releases object')
  }
  return Object.keys(releases)
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
    if (host === bare || host.endsWith(`.${bare}`) || url.host.toLowerCase() === bare) return undefined
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
  const warehouses = new Set(opts.warehouses.map(normalizeIndexUrl))
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
      throw new UpstreamError('package-index', `GET ${shown(url)} answered ${res.status}`, retryable, {
        status: res.status,
      })
    }
    return res
  }

  async function fetchVersions(index: string, name: string, signal: AbortSignal): Promise<string[]> {
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
      throw new UpstreamError('package-index', `unusable listing at ${shown(url)}`, false, { cause: err })
    }
  }

  return {
    async listVersions(indexUrl, packageName, signal) {
      const index = normalizeIndexUrl(indexUrl)
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
