/**
 * Knowledge-graph keys: how names, versions and index URLs are normalised before they reach a
 * statement (the stored forms of thoth-storages), solver names parsed into an environment, and
 * flag updates turned into deduplicated columns.
 */
import { explain } from '@renovatebot/pep440'
import type { FlagUpdate } from './context.ts'
import { ServiceError } from './errors.ts'

/** OS and Python of a solver environment, as stored in python_package_version. */
export interface SolverEnvironment {
  readonly osName: string
  readonly osVersion: string
  readonly pythonVersion: string
}

/** A solver name not of the form `solver-<os>-<os_version>-py<X...>`; retried, as upstream. */
export class SolverNameError extends ServiceError {
  constructor(readonly solver: string) {
    const form = 'solver-<os>-<os_version>-py<version>'
    super('MISCONFIGURED', `solver name \`${solver}\` is not of the form ${form}`, true)
  }
}

/** PEP 503 name: lower-case, every run of `-`, `_`, `.` becomes one `-`. */
export function normalizePackageName(name: string): string {
  return name.replace(/[-_.]+/g, '-').toLowerCase()
}

/**
 * PEP 440 normal form of a valid version, other text unchanged; `*` and null give `*`. Numbers
 * are rendered by @renovatebot/pep440 except the local segment (its own rendering joins parts
 * with commas and reads `0x1` as a number); a public part with a number beyond 2^53 is kept as
 * written rather than rounded.
 */
export function normalizeVersion(version: string | null): string {
  if (version === null || version === '*') return '*'
  let normal = versionMemo.get(version)
  if (normal === undefined) {
    normal = normalizeVersionText(version)
    if (versionMemo.size >= VERSION_MEMO_SIZE) versionMemo.clear()
    versionMemo.set(version, normal)
  }
  return normal
}

// normalizeVersion runs for every U-1/U-2 row and query; PEP 440 parsing dominates it and the
// same versions recur across packages, so results are kept (bounded: cleared when full).
const VERSION_MEMO_SIZE = 10_000
const versionMemo = new Map<string, string>()

function normalizeVersionText(version: string): string {
  const text = version.trim()
  const parsed = explain(text)
  if (!parsed) return version
  const plus = text.indexOf('+')
  const publicText = plus < 0 ? text : text.slice(0, plus)
  if (/[1-9]\d{15}/.test(publicText)) return version
  if (plus < 0) return parsed.public
  const local = text
    .slice(plus + 1)
    .split(/[-_.]/)
    .map((part) => (/^\d+$/.test(part) ? part.replace(/^0+(?=\d)/, '') : part.toLowerCase()))
  return `${parsed.public}+${local.join('.')}`
}

/** Only `https://pypi.python.org/simple` changes (to `https://pypi.org/simple`); no trimming. */
export function normalizeIndexUrl(url: string): string {
  return url === 'https://pypi.python.org/simple' ? 'https://pypi.org/simple' : url
}

/**
 * Upstream's solver-name parsing: `solver-<os>-<os_version>-py<X><rest>`. The version is cut at
 * its first `.` when the raw os is `rhel` in any case; then exactly `ubi` becomes `rhel`; Python
 * is `<X>.<rest>` with no digit check. Returns null when the name does not parse.
 */
export function parseSolverName(solver: string): SolverEnvironment | null {
  if (!solver.startsWith('solver-')) return null
  const parts = solver.slice('solver-'.length).split('-')
  if (parts.length !== 3) return null
  const [os = '', osVersion = '', py = ''] = parts
  if (!py.startsWith('py') || py.length < 3) return null
  return {
    osName: os === 'ubi' ? 'rhel' : os,
    osVersion: os.toLowerCase() === 'rhel' ? (osVersion.split('.')[0] ?? '') : osVersion,
    pythonVersion: `${py.slice(2, 3)}.${py.slice(3)}`,
  }
}

/** U-1/U-2 parameters as columns: keys normalised, duplicate keys dropped (last wins), sorted. */
export function flagUpdateColumns(updates: readonly FlagUpdate[]) {
  const byKey = new Map<string, [string, string, string, boolean]>()
  for (const u of updates) {
    const row: [string, string, string, boolean] = [
      normalizePackageName(u.name),
      normalizeVersion(u.version),
      normalizeIndexUrl(u.index),
      u.value,
    ]
    byKey.set(`${row[0]}\0${row[1]}\0${row[2]}`, row)
  }
  const keys = [...byKey.keys()].sort()
  const rows = keys.map((k) => byKey.get(k) as [string, string, string, boolean])
  return {
    names: rows.map((r) => r[0]),
    versions: rows.map((r) => r[1]),
    indexes: rows.map((r) => r[2]),
    values: rows.map((r) => r[3]),
  }
}
