/**
 * junit-summary.ts: counts the results of one `bun test` run and prints `N passed, N failed, N
 * skipped` as its last line. scripts/test.sh runs it after `bun test --reporter=junit`.
 *
 * Usage: bun scripts/junit-summary.ts <junit.xml> [<bun test console log> [<bun test exit code>]]
 *
 * Why not trust bun's exit code alone: a test file with zero tests exits 0, so "nothing ran" must be
 * counted. Why not trust the JUnit file alone: a file that fails to load (a throw at import time) is
 * missing from it, though the console summary counts it under "fail". So failed = the larger of
 * the two counts, and a non-zero bun exit with no failure found counts as one failure.
 *
 * Bun 1.4.5's JUnit shape: nested <testsuite>s; each <testcase .../> passed, or holds <failure>
 * (assertion, timeout, a throwing hook: "(unnamed)") or <skipped/> (test.skip, test.todo).
 * Exit code: 0 only when at least one test ran (passed or failed, not skipped) and none failed.
 */
import { existsSync, readFileSync } from 'node:fs'

/** One <testcase> element, its outcome decided from its children. */
export interface TestCase {
  readonly name: string
  readonly classname: string
  readonly file: string
  readonly outcome: 'passed' | 'failed' | 'skipped'
  readonly message: string
}

const ENTITIES: Readonly<Record<string, string>> = {
  '&lt;': '<',
  '&gt;': '>',
  '&quot;': '"',
  '&apos;': "'",
  '&amp;': '&',
}

/** Undoes XML escaping in an attribute value (named and numeric entities). */
export function unescapeXml(s: string): string {
  return s.replace(/&(#x[0-9a-f]+|#\d+|[a-z]+);/gi, (m, body: string) => {
    if (body.startsWith('#x') || body.startsWith('#X')) return String.fromCodePoint(parseInt(body.slice(2), 16))
    if (body.startsWith('#')) return String.fromCodePoint(parseInt(body.slice(1), 10))
    return ENTITIES[m] ?? m
  })
}

function attr(attrs: string, name: string): string {
  const m = new RegExp(`\\s${name}="([^"]*)"`).exec(attrs)
  return m?.[1] === undefined ? '' : unescapeXml(m[1])
}

/** Every <testcase> in a JUnit document. Attribute values never hold a raw `>` (it is escaped). */
export function parseJunit(xml: string): TestCase[] {
  const cases: TestCase[] = []
  for (const m of xml.matchAll(/<testcase\b([^>]*?)(?:\/>|>([\s\S]*?)<\/testcase>)/g)) {
    const attrs = m[1] ?? ''
    const body = m[2] ?? ''
    const failure = /<(failure|error)\b([^>]*)/.exec(body)
    const outcome = failure ? 'failed' : /<skipped\b/.test(body) ? 'skipped' : 'passed'
    cases.push({
      name: attr(attrs, 'name'),
      classname: attr(attrs, 'classname'),
      file: attr(attrs, 'file'),
      outcome,
      message: failure ? attr(failure[2] ?? '', 'message').split('\n')[0] ?? '' : '',
    })
  }
  return cases
}

/** The "N fail" count of bun's console summary (0 when absent). */
export function consoleFailCount(log: string): number {
  const plain = log.replace(/\x1b\[[0-9;]*m/g, '')
  const m = /^\s*(\d+) fail\s*$/m.exec(plain)
  return m?.[1] === undefined ? 0 : Number(m[1])
}

/** Counts for the summary line. */
export interface Summary {
  readonly passed: number
  readonly failed: number
  readonly skipped: number
}

/** Combines the JUnit cases, the console's fail count and bun's exit code into one summary. */
export function summarize(cases: readonly TestCase[], consoleFails: number, bunExit: number): Summary {
  const count = (o: TestCase['outcome']) => cases.filter((c) => c.outcome === o).length
  let failed = Math.max(count('failed'), consoleFails)
  if (bunExit !== 0 && failed === 0) failed = 1
  return { passed: count('passed'), failed, skipped: count('skipped') }
}

function label(c: TestCase): string {
  return [c.file, c.classname, c.name].filter((s) => s !== '').join(' > ')
}

function main(argv: readonly string[]): number {
  const [junitPath, logPath, exitArg] = argv
  if (junitPath === undefined) {
    process.stderr.write('usage: bun scripts/junit-summary.ts <junit.xml> [<console log> [<exit code>]]\n')
    return 2
  }
  const cases = existsSync(junitPath) ? parseJunit(readFileSync(junitPath, 'utf8')) : []
  const log = logPath !== undefined && existsSync(logPath) ? readFileSync(logPath, 'utf8') : ''
  const bunExit = exitArg === undefined ? 0 : Number(exitArg)
  const s = summarize(cases, consoleFailCount(log), bunExit)
  const out: string[] = []
  for (const c of cases.filter((c) => c.outcome === 'failed')) {
    out.push(`FAILED  ${label(c)}${c.message ? `: ${c.message}` : ''}`)
  }
  const junitFails = cases.filter((c) => c.outcome === 'failed').length
  if (s.failed > junitFails) {
    out.push(`FAILED  ${s.failed - junitFails} outside any test (a file that failed to load? see the log above)`)
  }
  for (const c of cases.filter((c) => c.outcome === 'skipped')) out.push(`skipped ${label(c)}`)
  const ran = s.passed + junitFails
  if (ran === 0) out.push('no tests ran (no test file matched, every file has zero tests, or all were skipped)')
  out.push(`${s.passed} passed, ${s.failed} failed, ${s.skipped} skipped`)
  process.stdout.write(out.join('\n') + '\n')
  return s.failed === 0 && ran > 0 ? 0 : 1
}

if (import.meta.main) process.exit(main(process.argv.slice(2)))
