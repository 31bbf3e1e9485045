/**
 * Versions of a package index listing (handlers.md §17): PEP 440 normal forms via
 * @renovatebot/pep440, newest first with legacy versions last (packaging 21.3's order), and
 * the parsers of Warehouse JSON answers and PEP 503 simple pages. Pure functions.
 */
import { compare, explain } from '@renovatebot/pep440'

/** PEP 440 normal form of a version, or null for a legacy (invalid) version. */
export function normalVersion(version: string): string | null {
  const v = explain(version.trim())
  if (!v) return null
  return v.local ? `${v.public}+${v.local}` : v.public
}

const LEGACY_REPLACE = new Map([
  ['pre', 'c'],
  ['preview', 'c'],
  ['-', 'final-'],
  ['rc', 'c'],
  ['dev', '@'],
])

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
    const code =
      name[1] === 'x' || name[1] === 'X' ? parseInt(name.slice(2), 16) : Number(name.slice(1))
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
  new HTMLRewriter()
    .on('a', { element: (el) => void hrefs.push(el.getAttribute('href')) })
    .transform(html)
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
