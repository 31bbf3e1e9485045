/**
 * The chaos suite: runs the fault-injection scenarios against the real broker, PostgreSQL, the
 * compiled binary and the Kubernetes API test server, and prints one table row per scenario.
 *
 *   bun chaos/run.ts [--short] [--only 1,2,5] [--jobs N] [--binary PATH] [--keep-logs]
 *
 * --short is the CI variant (smaller counts, shorter outages, the scenarios marked inShort).
 * Exit status 1 when any scenario failed. scripts/chaos.sh is the documented entry point.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import type { ChaosContext, Scenario } from './context.ts'
import { buildBinary, type Binary } from './binary.ts'
import { formatTable, passed, type Result } from './report.ts'
import { brokerRestart } from './scenarios/broker-restart.ts'
import { cleanRestart } from './scenarios/clean-restart.ts'
import { databaseOutage } from './scenarios/database-outage.ts'
import { hardKill } from './scenarios/hard-kill.ts'
import { kubeFaults } from './scenarios/kube-faults.ts'
import { pendingStorm } from './scenarios/pending-storm.ts'
import { poisonFlood } from './scenarios/poison.ts'
import { rebalanceStorm } from './scenarios/rebalance-storm.ts'
import { slowHandler } from './scenarios/slow-handler.ts'

/** Every scenario, in the order. */
export const SCENARIOS: readonly Scenario[] = [hardKill, cleanRestart, brokerRestart, databaseOutage, kubeFaults, rebalanceStorm, poisonFlood, pendingStorm, slowHandler]

/** Longest first, so that parallel lanes end together (the waits dominate: session timeouts, outages). */
const START_ORDER = [1, 3, 4, 5, 9, 8, 6, 7, 2]

/** Options of {@link runChaos}. */
export interface ChaosOptions {
  readonly short: boolean
  /** Scenarios run at the same time (default 3 with short, else 1); each has its own deployment. */
  readonly jobs?: number
  /** Scenario ids; default: all (or all inShort ones with short). */
  readonly only?: readonly number[]
  /** Use this command instead of building the binary. */
  readonly binary?: Binary
  readonly brokers?: readonly string[]
  readonly keepLogs?: boolean
  readonly log?: (msg: string) => void
}

/** Runs the scenarios one after another; results in order. */
export async function runChaos(o: ChaosOptions): Promise<{ results: Result[]; binary: Binary }> {
  const workDir = mkdtempSync(join(tmpdir(), 'chaos-run-'))
  const log = o.log ?? ((m: string) => process.stderr.write(`chaos: ${m}\n`))
  try {
    const binary = o.binary ?? (await buildBinary(workDir))
    log(binary.note)
    const ctx: ChaosContext = {
      binary,
      brokers: o.brokers ?? ['127.0.0.1:9092'],
      short: o.short,
      workDir,
      ownPorts: { kafka: 19092, controller: 19093, sasl: 19094, ssl: 19095, mtls: 19096, pg: 15432 },
      keepLogs: o.keepLogs,
      log,
    }
    const chosen = SCENARIOS.filter((s) => (o.only ? o.only.includes(s.id) : !o.short || s.inShort))
    const queue = [...chosen].sort((a, b) => START_ORDER.indexOf(a.id) - START_ORDER.indexOf(b.id))
    const results = new Map<number, Result>()
    const lane = async () => {
      for (let s = queue.shift(); s; s = queue.shift()) results.set(s.id, await s.run(ctx))
    }
    await Promise.all(Array.from({ length: Math.max(1, o.jobs ?? (o.short ? 3 : 1)) }, lane))
    return { results: chosen.map((s) => results.get(s.id) as Result), binary }
  } finally {
    rmSync(workDir, { recursive: true, force: true })
  }
}

if (import.meta.main) {
  const { values } = parseArgs({
    args: process.argv.slice(2),
    options: { short: { type: 'boolean' }, only: { type: 'string' }, binary: { type: 'string' }, 'keep-logs': { type: 'boolean' }, jobs: { type: 'string' } },
  })
  const only = values.only ? values.only.split(',').map((s) => Number(s.trim())) : undefined
  const binary = values.binary ? { cmd: [values.binary], note: `given binary ${values.binary}` } : undefined
  const brokers = process.env.KAFKA_BOOTSTRAP_SERVERS?.split(',')
  const { results, binary: used } = await runChaos({ short: !!values.short, only, binary, brokers, keepLogs: !!values['keep-logs'], jobs: values.jobs ? Number(values.jobs) : undefined })
  process.stdout.write(`\nChaos ${values.short ? 'short' : 'full'} run, ${used.note}\n\n${formatTable(results)}\n`)
  process.exit(results.every(passed) ? 0 : 1)
}
