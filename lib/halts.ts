/**
 * Halt state of the 19 topics (§6.6, D-32): applied locally at once, shared through the control
 * topic, re-applied on every assignment, optional auto-resume with doubling delays.
 */
import type { Config } from './config.ts'
import type { ControlChannel, ControlRecord } from './control.ts'
import type { Logger } from './log.ts'
import type { Metrics } from './metrics.ts'
import { BASE_NAMES } from './topics.ts'

/** The control record could not be written (HTTP 503). */
export class ControlWriteError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options)
    this.name = 'ControlWriteError'
  }
}

const RETRY_WRITE_MS = 30_000
const MAX_AUTO_RESUME_S = 3600

/** Halt bookkeeping; `apply` pauses or resumes this replica's partitions of a base name. */
export function createHalts(o: {
  config: Config
  log: Logger
  metrics: Metrics
  control: ControlChannel
  now: () => number
  apply: (baseName: string, halted: boolean) => void
}) {
  const { config, log, metrics, control } = o
  const halted = new Set<string>()
  const succeededSinceAutoResume = new Set<string>()
  const timers = new Map<string, ReturnType<typeof setTimeout>>()
  const pending = new Set<Promise<unknown>>()
  for (const b of BASE_NAMES) metrics.haltedTopics.set({ base_topic_name: b }, 0)

  const setLocal = (b: string, on: boolean) => {
    if (on) halted.add(b)
    else halted.delete(b)
    metrics.haltedTopics.set({ base_topic_name: b }, on ? 1 : 0)
    o.apply(b, on)
  }

  const armAutoResume = (b: string, rec: ControlRecord) => {
    clearTimeout(timers.get(b))
    timers.delete(b)
    const d = rec.auto_resume_seconds
    if (!rec.halted || d === undefined || rec.reason === 'operator') return
    const delay = Math.max(0, Date.parse(rec.since) + d * 1000 - o.now())
    const t = setTimeout(() => {
      const latest = control.latest(b)
      if (!latest?.halted || latest.since !== rec.since || latest.by !== rec.by) return
      track(control.write(b, { halted: false, reason: 'auto_resume', auto_resume_seconds: d })).catch((err: unknown) =>
        log.error('auto-resume could not be written', { base_name: b, error: err }),
      )
    }, delay)
    t.unref?.()
    timers.set(b, t)
  }

  control.onRecord((b, rec) => {
    if (!rec.halted && rec.reason === 'auto_resume') succeededSinceAutoResume.delete(b)
    if (rec.halted !== halted.has(b)) {
      log.info(rec.halted ? 'topic halted (control topic)' : 'topic resumed (control topic)', { base_name: b, reason: rec.reason, by: rec.by })
      setLocal(b, rec.halted)
    }
    armAutoResume(b, rec)
  })

  function track<T>(p: Promise<T>): Promise<T> {
    pending.add(p)
    void p.finally(() => pending.delete(p)).catch(() => {})
    return p
  }

  /** Delay of a failure halt: S, doubled after an auto-resume without success since (<= 1 h). */
  function autoResumeSeconds(b: string): number | undefined {
    const s = config.haltAutoResumeSeconds
    if (s <= 0) return undefined
    const prev = control.latest(b)
    if (prev && !prev.halted && prev.reason === 'auto_resume' && prev.auto_resume_seconds && !succeededSinceAutoResume.has(b)) {
      return Math.min(prev.auto_resume_seconds * 2, Math.max(MAX_AUTO_RESUME_S, s))
    }
    return s
  }

  async function writeHalt(b: string, reason: string, background: boolean): Promise<void> {
    const ars = reason === 'operator' ? undefined : autoResumeSeconds(b)
    const rec = { halted: true, reason, ...(ars !== undefined ? { auto_resume_seconds: ars } : {}) }
    for (;;) {
      try {
        await track(control.write(b, rec))
        return
      } catch (err) {
        log.error('halt could not be written to the control topic; the local halt stays', { base_name: b, error: err, retry_in_ms: RETRY_WRITE_MS })
        if (!background) {
          void writeHalt(b, reason, true)
          throw new ControlWriteError(String((err as Error).message ?? err), { cause: err })
        }
        await Bun.sleep(RETRY_WRITE_MS)
        if (!halted.has(b)) return
      }
    }
  }

  return {
    isHalted: (b: string) => halted.has(b),
    halted: () => [...halted],
    succeeded: (b: string) => void succeededSinceAutoResume.add(b),
    /** A record failed under the halt policy: halt now, record it in the background. */
    haltByFailure(b: string, reason: string, _at: { partition: number; offset: string }) {
      setLocal(b, true)
      void writeHalt(b, reason, true)
    },
    /** `/halt`: halt now; resolves when the control record is acknowledged. */
    async haltByOperator(b: string) {
      setLocal(b, true)
      await writeHalt(b, 'operator', false)
    },
    /** `/resume`: write the resume; every replica (this one too) applies it when read back. */
    async resumeByOperator(b: string) {
      try {
        await track(control.write(b, { halted: false, reason: 'operator' }))
      } catch (err) {
        throw new ControlWriteError(String((err as Error).message ?? err), { cause: err })
      }
    },
    /** Waits for control writes in flight (shutdown). */
    async flush() {
      await Promise.allSettled([...pending])
      for (const t of timers.values()) clearTimeout(t)
    },
  }
}

/** The halt bookkeeping built by {@link createHalts}. */
export type Halts = ReturnType<typeof createHalts>
