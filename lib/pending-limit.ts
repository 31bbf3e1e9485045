/**
 * WAIT (handlers.md, D-7): before a submission, wait while more than ARGO_PENDING_WORKFLOW_LIMIT
 * workflows are pending in its namespace. A namespace's count is shared for a short time by
 * all submissions (plus the submissions let through since), so a burst does not list the
 * namespace once per workflow.
 */
import { AbortedError } from './errors.ts'
import type { Logger } from './log.ts'
import type { Metrics } from './metrics.ts'

/** What one waiting submission needs from its attempt. */
export interface WaitScope {
  readonly signal: AbortSignal
  readonly log: Logger
  /** Called with true when the submission starts waiting and false when it stops. */
  readonly onWaiting?: (waiting: boolean) => void
}

/** Options of {@link createPendingGate}. */
export interface PendingGateOptions {
  /** Unset: never wait. */
  readonly limit?: number
  readonly sleepMs: number
  /** How long a count is reused while under the limit. */
  readonly freshMs: number
  /** Counts the pending workflows of a namespace (K-5, all pages). */
  readonly count: (namespace: string) => Promise<number>
  readonly metrics: Pick<Metrics, 'pendingLimitWaiting'>
}

/** The pending-limit gate shared by all records. */
export interface PendingGate {
  wait(namespace: string, scope: WaitScope): Promise<void>
  /** Latest count per namespace (operator console): listed pending plus those let through since. */
  counts(): { namespace: string; pending: number; countedAt: string }[]
}

interface NamespaceCount {
  count: number
  /** When the listing behind `count` started (ms); 0 = never. */
  at: number
  /** Submissions let through since that listing started. */
  since: number
  inflight?: Promise<void>
}

/** Builds the gate; with no limit `wait` returns at once without listing. */
export function createPendingGate(o: PendingGateOptions): PendingGate {
  const state = new Map<string, NamespaceCount>()

  const refresh = (ns: string, s: NamespaceCount): Promise<void> => {
    if (!s.inflight) {
      const started = Date.now()
      const sinceAtStart = s.since
      s.inflight = o
        .count(ns)
        .then((n) => {
          s.count = n
          s.at = started
          s.since = Math.max(0, s.since - sinceAtStart)
        })
        .finally(() => (s.inflight = undefined))
    }
    return s.inflight
  }

  const estimate = async (ns: string, notBefore: number, signal: AbortSignal): Promise<number> => {
    let s = state.get(ns)
    if (!s) state.set(ns, (s = { count: 0, at: 0, since: 0 }))
    const now = Date.now()
    if (s.at === 0 || s.at < notBefore || now - s.at >= o.freshMs) await abortable(refresh(ns, s), signal)
    return s.count + s.since
  }

  return {
    counts: () =>
      [...state].filter(([, s]) => s.at > 0).map(([namespace, s]) => ({ namespace, pending: s.count + s.since, countedAt: new Date(s.at).toISOString() })),
    async wait(ns, scope) {
      if (o.limit === undefined) return
      let waiting = false
      let notBefore = 0
      try {
        for (;;) {
          if (scope.signal.aborted) throw new AbortedError('pending-limit wait aborted')
          const pending = await estimate(ns, notBefore, scope.signal)
          if (pending <= o.limit) {
            const s = state.get(ns)
            if (s) s.since += 1
            return
          }
          if (!waiting) {
            waiting = true
            o.metrics.pendingLimitWaiting.inc({ namespace: ns })
            scope.onWaiting?.(true)
            scope.log.info('pending workflow limit reached, waiting', { namespace: ns, pending, limit: o.limit })
          }
          notBefore = Date.now()
          await sleep(o.sleepMs, scope.signal)
        }
      } finally {
        if (waiting) {
          o.metrics.pendingLimitWaiting.dec({ namespace: ns })
          scope.onWaiting?.(false)
        }
      }
    },
  }
}

/** Resolves after `ms`, or rejects with AbortedError when `signal` aborts first. */
export function sleep(ms: number, signal: AbortSignal): Promise<void> {
  if (signal.aborted) return Promise.reject(new AbortedError('pending-limit wait aborted'))
  return new Promise<void>((resolve, reject) => {
    const onAbort = () => {
      clearTimeout(timer)
      reject(new AbortedError('pending-limit wait aborted'))
    }
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort)
      resolve()
    }, ms)
    signal.addEventListener('abort', onAbort, { once: true })
  })
}

function abortable<T>(p: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(new AbortedError('pending-limit wait aborted'))
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(new AbortedError('pending-limit wait aborted'))
    signal.addEventListener('abort', onAbort, { once: true })
    void p.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort))
  })
}
