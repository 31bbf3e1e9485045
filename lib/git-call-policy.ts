/**
 * The rules every git-service call follows (handlers.md, Git services: "Errors", "Rate
 * limits"): 3 attempts 1 s then 2 s apart on timeouts, connection errors and 5xx; 401, 403,
 * 404, 410 unreachable; rate limits waited out when they reset within 60 s, else the service
 * is stopped for the message; issue creations on one service at least 1 s apart.
 */
import { AbortedError } from './errors.ts'
import { type FetchFn, ForgeHttpError, ForgeNetworkError } from './git-forge-types.ts'
import type { GitService } from './git-repository-url.ts'
import type { Logger } from './log.ts'

/** Counter outcome of one repository. */
export type GitOutcome =
  'created' | 'exists' | 'skipped' | 'unreachable' | 'failed' | 'rate_limited' | 'capped'

/** The step of a repository a call belongs to (logged with failures). */
export type Step = 'repository' | 'pipfile' | 'issues' | 'create'

/** Ends the steps of one repository with an outcome. */
export class StepEnd extends Error {
  constructor(
    readonly outcome: GitOutcome,
    readonly step: Step,
    readonly status?: number,
  ) {
    super(outcome)
  }
}

/** One message: its signal, logger, issues created so far, services stopped by rate limits. */
export interface Run {
  signal: AbortSignal
  log: Logger
  created: number
  stopped: Set<GitService>
}

/** A classified failure; `waitMs` is how long a rate limit lasts, when the answer says. */
export interface ForgeFailure {
  kind: 'rate' | 'unreachable' | 'transient' | 'other'
  status?: number
  waitMs: number | null
}

/** Prefix of the rate-limit headers: GitHub `x-ratelimit-*`, GitLab `RateLimit-*`. */
export const rateLimitPrefix = (service: GitService) =>
  service === 'github' ? 'x-ratelimit-' : 'ratelimit-'

/** A number from a header value, or null. */
export function headerNumber(text: string | null | undefined): number | null {
  if (text === null || text === undefined || text.trim() === '') return null
  const n = Number(text)
  return Number.isNaN(n) ? null : n
}

function retryAfterMs(text: string | undefined, now: number): number | null {
  if (text === undefined) return null
  const seconds = headerNumber(text)
  if (seconds !== null) return seconds * 1000
  const date = Date.parse(text)
  return Number.isNaN(date) ? null : date - now
}

/** Status and response headers of an Octokit or GitLab-requester failure, if it has an answer. */
function answerOf(
  err: unknown,
): { status: number; header: (n: string) => string | undefined } | null {
  if (err instanceof ForgeHttpError) {
    return { status: err.status, header: (n) => err.headers.get(n) ?? undefined }
  }
  const e = err as { status?: unknown; response?: { headers?: Record<string, unknown> } } | null
  if (typeof e?.status !== 'number' || e.response === undefined) return null
  const headers = e.response.headers ?? {}
  return {
    status: e.status,
    header: (n) => (headers[n] === undefined ? undefined : String(headers[n])),
  }
}

/**
 * 429, or a GitHub 403 with remaining 0 or retry-after: rate limit. 401/403/404/410:
 * unreachable. 5xx, timeouts and connection errors: transient. Anything else: other.
 */
export function classifyFailure(service: GitService, err: unknown, now: number): ForgeFailure {
  if (err instanceof ForgeNetworkError) return { kind: 'transient', waitMs: null }
  const answer = answerOf(err)
  const octokitNoAnswer = typeof (err as { status?: unknown } | null)?.status === 'number'
  if (answer === null) return { kind: octokitNoAnswer ? 'transient' : 'other', waitMs: null }
  const { status, header } = answer
  const retryAfter = header('retry-after')
  const remaining = headerNumber(header(`${rateLimitPrefix(service)}remaining`))
  const githubLimit = service === 'github' && (remaining === 0 || retryAfter !== undefined)
  if (status === 429 || (status === 403 && githubLimit)) {
    const reset = headerNumber(header(`${rateLimitPrefix(service)}reset`))
    const wait = retryAfterMs(retryAfter, now) ?? (reset === null ? null : reset * 1000 - now)
    return { kind: 'rate', status, waitMs: wait === null ? null : Math.max(0, wait) }
  }
  if ([401, 403, 404, 410].includes(status)) return { kind: 'unreachable', status, waitMs: null }
  return { kind: status >= 500 ? 'transient' : 'other', status, waitMs: null }
}

const RATE_WAIT_MAX_MS = 60_000
const CREATE_SPACING_MS = 1_000
const ATTEMPTS = 3

/** Clock, sleep and per-request timeout of {@link createCallPolicy}. */
export interface CallPolicyOptions {
  sleep: (ms: number) => Promise<void>
  now: () => number
  timeoutMs: number
}

/**
 * Builds the call rules. The last rate limit seen per service and the last creation slot are
 * shared by all messages; which services are stopped belongs to one message ({@link Run}).
 */
export function createCallPolicy({ sleep, now, timeoutMs }: CallPolicyOptions) {
  const limits = { github: { remaining: -1, resetAt: 0 }, gitlab: { remaining: -1, resetAt: 0 } }
  const lastCreate: Record<GitService, number> = { github: -Infinity, gitlab: -Infinity }

  /** A fetch that records the rate-limit headers of every answer of a service. */
  const watching =
    (service: GitService): FetchFn =>
    async (input, init) => {
      const res = await fetch(input, init)
      const remaining = headerNumber(res.headers.get(`${rateLimitPrefix(service)}remaining`))
      const reset = headerNumber(res.headers.get(`${rateLimitPrefix(service)}reset`))
      if (remaining !== null) limits[service] = { remaining, resetAt: (reset ?? 0) * 1000 }
      return res
    }

  async function pause(run: Run, ms: number): Promise<void> {
    if (ms > 0 && !run.signal.aborted) {
      let onAbort = () => {}
      const aborted = new Promise<void>((resolve) => (onAbort = resolve))
      run.signal.addEventListener('abort', onAbort, { once: true })
      await Promise.race([sleep(ms), aborted])
      run.signal.removeEventListener('abort', onAbort)
    }
    if (run.signal.aborted) throw new AbortedError()
  }

  /** Stops the service for this message, remembering how long its limit lasts. */
  function stop(
    run: Run,
    service: GitService,
    step: Step,
    waitMs: number | null,
    status?: number,
  ): never {
    if (waitMs !== null) limits[service] = { remaining: 0, resetAt: now() + waitMs }
    run.stopped.add(service)
    throw new StepEnd('rate_limited', step, status)
  }

  /** Before a call: waits for an exhausted limit resetting within 60 s, else stops. */
  async function gate(run: Run, service: GitService, step: Step): Promise<void> {
    if (run.stopped.has(service)) throw new StepEnd('rate_limited', step)
    const wait = limits[service].resetAt - now()
    if (limits[service].remaining !== 0 || wait <= 0) return
    if (wait > RATE_WAIT_MAX_MS) stop(run, service, step, null)
    await pause(run, wait)
    limits[service].remaining = -1
  }

  /** One call under the rules; throws StepEnd with the outcome when it gives up. */
  async function call<T>(
    run: Run,
    service: GitService,
    step: Step,
    fn: (signal: AbortSignal) => Promise<T>,
    before?: () => Promise<void>,
  ): Promise<T> {
    for (let failures = 0, rateWaits = 0; ;) {
      await gate(run, service, step)
      if (before) await before()
      try {
        return await fn(AbortSignal.any([run.signal, AbortSignal.timeout(timeoutMs)]))
      } catch (err) {
        if (run.signal.aborted) throw new AbortedError()
        const f = classifyFailure(service, err, now())
        if (f.kind === 'rate') {
          if (f.waitMs === null || f.waitMs > RATE_WAIT_MAX_MS || rateWaits++ >= ATTEMPTS) {
            stop(run, service, step, f.waitMs, f.status)
          }
          await pause(run, f.waitMs)
          limits[service].remaining = -1
        } else if (f.kind === 'transient' && ++failures < ATTEMPTS) {
          await pause(run, failures * 1000)
        } else {
          throw new StepEnd(f.kind === 'unreachable' ? 'unreachable' : 'failed', step, f.status)
        }
      }
    }
  }

  /** Reserves the next creation slot of a service (>= 1 s after the last) and waits for it. */
  const spaced = (run: Run, service: GitService) => async () => {
    const slot = Math.max(now(), lastCreate[service] + CREATE_SPACING_MS)
    lastCreate[service] = slot
    await pause(run, slot - now())
  }

  return { watching, call, spaced }
}
