/**
 * Scenario results and the table `scripts/chaos.sh` prints. A lost message, a duplicate effect
 * or a crash always makes the row FAIL: there are no warnings.
 */

/** What one scenario measured. */
export interface Result {
  readonly scenario: string
  /** Records produced (good and bad). */
  sent: number
  /** Records whose effect exists (workflow / database flag), or that the invariant expects handled. */
  handled: number
  /** Records acknowledged into the dead-letter topic (expected there by the invariant). */
  deadLettered: number
  lost: number
  duplicates: number
  /** Investigator processes that exited without being told to. */
  crashes: number
  /** Broken invariants, one line each; empty = the invariant held. */
  failures: string[]
  /** What was observed besides the counts (restarts, halts, 409s...). */
  notes: string[]
  seconds: number
}

/** A fresh result for a scenario. */
export function newResult(scenario: string): Result {
  return { scenario, sent: 0, handled: 0, deadLettered: 0, lost: 0, duplicates: 0, crashes: 0, failures: [], notes: [], seconds: 0 }
}

/** PASS only when no invariant broke and nothing was lost, duplicated or crashed. */
export function passed(r: Result): boolean {
  return r.failures.length === 0 && r.lost === 0 && r.duplicates === 0 && r.crashes === 0
}

/** Records a broken invariant unless `ok`. */
export function check(r: Result, ok: boolean, failure: string): boolean {
  if (!ok) r.failures.push(failure)
  return ok
}

const COLUMNS = ['scenario', 'sent', 'handled', 'dead-lettered', 'lost', 'dup effects', 'crashes', 'time', 'result'] as const

/** The results as a plain-text table, then the failures and notes of every row. */
export function formatTable(results: readonly Result[]): string {
  const rows = results.map((r) => [
    r.scenario,
    String(r.sent),
    String(r.handled),
    String(r.deadLettered),
    String(r.lost),
    String(r.duplicates),
    String(r.crashes),
    `${Math.round(r.seconds)} s`,
    passed(r) ? 'PASS' : 'FAIL',
  ])
  const widths = COLUMNS.map((c, i) => Math.max(c.length, ...rows.map((row) => (row[i] ?? '').length)))
  const line = (cells: readonly string[]) => `| ${cells.map((c, i) => (i === 0 ? c.padEnd(widths[i] ?? 0) : c.padStart(widths[i] ?? 0))).join(' | ')} |`
  const out = [line(COLUMNS), `|${widths.map((w, i) => (i === 0 ? `-${'-'.repeat(w)}-` : `-${'-'.repeat(w)}:`)).join('|')}|`, ...rows.map(line)]
  for (const r of results) {
    for (const f of r.failures) out.push(`FAIL ${r.scenario}: ${f}`)
    for (const n of r.notes) out.push(`note ${r.scenario}: ${n}`)
  }
  return out.join('\n')
}
