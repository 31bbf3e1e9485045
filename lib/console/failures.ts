/**
 * The console's memory of failures: the last error of each topic and the record that halted
 * it. The processor feeds it (the `lastError` hook of ProcessorDeps); it keeps coordinates,
 * error class and a redacted message, never a payload.
 */
import type { FailedAttempt, HaltedRecord, LastErrorHook } from '../processor.ts'

/** The last failed attempt of a topic, as the console shows it. */
export interface LastError {
  readonly at: string
  readonly topic: string
  readonly partition: number
  readonly offset: string
  readonly errorClass: string
  readonly message: string
  readonly attempt: number
}

/** The record a failure halt stopped at. */
export interface HaltCause {
  readonly at: string
  readonly topic: string
  readonly partition: number
  readonly offset: string
  readonly reason: string
  readonly attempts: number
  readonly errorClass?: string
  readonly message?: string
}

/** The failure log; `lastError` is handed to the processor as its hook. */
export interface FailureLog {
  readonly hook: LastErrorHook
  lastError(baseName: string): LastError | undefined
  haltCause(baseName: string): HaltCause | undefined
}

const MAX_MESSAGE = 500

/** Invalid-record texts that can quote the value (a JSON parse error does) are cut to their label. */
function safeMessage(f: FailedAttempt): string {
  const text = f.invalidReason === 'not_json' ? f.message.split(':')[0] ?? f.message : f.message
  return text.length > MAX_MESSAGE ? `${text.slice(0, MAX_MESSAGE)}…` : text
}

/** Builds an empty failure log. */
export function createFailureLog(now: () => number = Date.now): FailureLog {
  const last = new Map<string, LastError>()
  const causes = new Map<string, HaltCause>()
  return {
    hook: {
      failed(f) {
        const at = new Date(now()).toISOString()
        last.set(f.baseName, { at, topic: f.topic, partition: f.partition, offset: f.offset, errorClass: f.errorClass, message: safeMessage(f), attempt: f.attempt })
      },
      halted(h: HaltedRecord) {
        const e = last.get(h.baseName)
        const same = e && e.partition === h.partition && e.offset === h.offset
        causes.set(h.baseName, {
          at: new Date(now()).toISOString(),
          topic: h.topic,
          partition: h.partition,
          offset: h.offset,
          reason: h.reason,
          attempts: same ? e.attempt : 0,
          ...(same ? { errorClass: e.errorClass, message: e.message } : {}),
        })
      },
    },
    lastError: (b) => last.get(b),
    haltCause: (b) => causes.get(b),
  }
}
