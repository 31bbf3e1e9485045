/**
 * What every scenario gets (binary, brokers, size) and the frame it runs in: timing, cleanup in
 * reverse order, crashes of its instances added to the result, and any exception turned into a
 * failed invariant (a scenario never throws past the runner).
 */
import type { Binary } from './binary.ts'
import type { Deployment, DeploymentOptions } from './harness.ts'
import { openDeployment } from './harness.ts'
import { newResult, passed, type Result } from './report.ts'

/** Shared by all scenarios of one run. */
export interface ChaosContext {
  readonly binary: Binary
  /** The shared test broker (scenarios that restart a broker start their own). */
  readonly brokers: readonly string[]
  /** The CI variant: smaller counts, shorter outages. */
  readonly short: boolean
  /** Where own brokers and database servers get their run dirs (reachable by the postgres user). */
  readonly workDir: string
  /** Ports of the own broker (PLAINTEXT, controller, SASL) and own PostgreSQL. */
  readonly ownPorts: { kafka: number; controller: number; sasl: number; ssl: number; mtls: number; pg: number }
  /** Keep every deployment's logs (default: only those of failed scenarios). */
  readonly keepLogs?: boolean
  log(msg: string): void
}

/** One fault-injection scenario. */
export interface Scenario {
  readonly id: number
  readonly name: string
  /** Also part of the short (CI) variant. */
  readonly inShort: boolean
  run(ctx: ChaosContext): Promise<Result>
}

/** The frame a scenario body runs in. */
export interface Run {
  readonly result: Result
  readonly ctx: ChaosContext
  /** Opens a deployment on the shared broker (or `brokers`), closed when the scenario ends. */
  deployment(o?: Partial<DeploymentOptions>): Promise<Deployment>
  /** Registers cleanup, run in reverse order at the end. */
  defer(fn: () => Promise<unknown> | unknown): void
  log(msg: string): void
}

/** Runs `body` as scenario `name`; never throws. */
export async function runScenario(ctx: ChaosContext, name: string, body: (run: Run) => Promise<void>): Promise<Result> {
  const result = newResult(name)
  const started = performance.now()
  const cleanups: (() => Promise<unknown> | unknown)[] = []
  const deployments: Deployment[] = []
  const log = (msg: string) => ctx.log(`[${name}] ${msg}`)
  const run: Run = {
    result,
    ctx,
    async deployment(o = {}) {
      const dep = await openDeployment({ binary: ctx.binary, brokers: ctx.brokers, ...o })
      deployments.push(dep)
      cleanups.push(() => dep.close(ctx.keepLogs || !passed(result)))
      return dep
    },
    defer: (fn) => void cleanups.push(fn),
    log,
  }
  log('start')
  try {
    await body(run)
  } catch (err) {
    result.failures.push(`scenario aborted: ${describe(err)}`)
  }
  for (const dep of deployments) {
    result.crashes += dep.crashes.length
    result.notes.push(...dep.crashes)
    for (const inst of dep.instances) {
      // A consumer that crashed for good leaves the process running but consuming nothing.
      const dead = inst.logs().filter((l) => l.msg === 'consumer crashed' && l.restart === false)
      result.crashes += dead.length
      for (const l of dead) result.notes.push(`${inst.name}: consumer crashed without restart: ${JSON.stringify(l.error).slice(0, 300)}`)
    }
  }
  if (ctx.keepLogs || !passed(result)) result.notes.push(...deployments.map((d) => `logs kept in ${d.dir}`))
  for (const fn of cleanups.reverse()) {
    try {
      await fn()
    } catch (err) {
      log(`cleanup failed: ${String(err)}`)
    }
  }
  result.seconds = (performance.now() - started) / 1000
  log(`${passed(result) ? 'PASS' : 'FAIL'} in ${Math.round(result.seconds)} s`)
  return result
}

/** An error's message and the messages of its causes. */
function describe(err: unknown): string {
  const parts: string[] = []
  for (let e: unknown = err; e !== undefined && parts.length < 4; e = e instanceof Error ? e.cause : undefined) {
    parts.push(e instanceof Error ? e.message : String(e))
  }
  return parts.join(': ')
}
