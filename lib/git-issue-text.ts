/**
 * Texts of the opt-in git notifications (handlers.md, Git services: "Title", "Body") and the
 * missing-package Pipfile check. Pure functions.
 */
import type { GitNotification } from './context.ts'

/** Issue title of a notification (upstream's wording; name, version, index as received). */
export function issueTitle(n: GitNotification): string {
  const pin = `${n.packageName}==${n.packageVersion ?? ''}`
  if (n.kind === 'hash-mismatch') return `Hash mismatch for ${pin} on ${n.indexUrl}`
  if (n.kind === 'missing-version') return `Missing package version ${pin} on ${n.indexUrl}`
  return `Missing package ${n.packageName} on ${n.indexUrl}`
}

const code = (text: string) => `\`${text.replace(/`/g, "'")}\``

function finding(n: GitNotification): string {
  const pin = code(`${n.packageName}==${n.packageVersion ?? ''}`)
  if (n.kind === 'hash-mismatch') {
    return `The package index now serves artifacts of ${pin} whose SHA-256 hashes differ from those Thoth recorded.`
  }
  if (n.kind === 'missing-version') {
    return `Version ${code(n.packageVersion ?? '')} of ${code(n.packageName)} is no longer available on the package index.`
  }
  return `The package ${code(n.packageName)} is no longer available on the package index.`
}

/** Markdown body: what was found, package, version, index, why this repository, what to do. */
export function issueBody(n: GitNotification): string {
  const lines = [finding(n), '']
  const digests = n.kind === 'hash-mismatch' ? (n.missingFromSource ?? []) : []
  if (digests.length > 0) {
    lines.push('Recorded digests the index no longer serves:')
    lines.push(...digests.slice(0, 10).map((d) => `- ${code(d)}`))
    if (digests.length > 10) lines.push(`- and ${digests.length - 10} more`)
    lines.push('')
  }
  lines.push(
    `- Package: ${code(n.packageName)}`,
    `- Version: ${n.packageVersion === null ? '(any)' : code(n.packageVersion)}`,
    `- Index: ${code(n.indexUrl)}`,
    '',
    'A Thoth adviser run for this repository used a lock file containing this package.',
    'Please re-lock your dependencies (for example `pipenv lock`, or ask Thoth for a new advise)',
    'so that the lock file only points to artifacts the index serves.',
    '',
    '---',
    `_Opened automatically by thoth-investigator after a ${code(n.baseName)} message._`,
  )
  return lines.join('\n')
}

const pep503 = (name: string) => name.replace(/[-_.]+/g, '-').toLowerCase()

/**
 * Whether a Pipfile lists the package as a key of [packages] or [dev-packages] (PEP 503 names).
 * An unparsable file falls back to upstream's rule: the name is a piece of the text split at
 * newlines and single spaces.
 */
export function pipfileMentions(text: string, packageName: string): boolean {
  let doc: Record<string, unknown>
  try {
    doc = Bun.TOML.parse(text) as Record<string, unknown>
  } catch {
    return text.split(/[\n ]/).includes(packageName)
  }
  const want = pep503(packageName)
  return ['packages', 'dev-packages'].some((section) => {
    const table = doc[section]
    if (typeof table !== 'object' || table === null) return false
    return Object.keys(table).some((key) => pep503(key) === want)
  })
}
