/**
 * The pure decisions of the consume loop: retry with linear backoff, or apply the failure
 * policy (ack = dead-letter then commit; halt = pause the topic until resumed).
 */
import { acksOnFail, type Config } from './config.ts'
import type { ServiceError } from './errors.ts'

/** What to do after a failed attempt. */
export type Outcome = { kind: 'retry'; delayMs: number } | { kind: 'ack' } | { kind: 'halt' }

/** The parts of the config the decisions read. */
export type FailurePolicy = Pick<Config, 'maxRetries' | 'backoffMs' | 'ackOnFail'>

/**
 * Decides after failed attempt `attempt` (1-based). Before attempt k >= 2 the loop waits
 * BACKOFF x (k - 2): attempt 2 at once, 3 after BACKOFF, ... (§6.4); never after the last (D-29).
 */
export function decide(err: ServiceError, attempt: number, policy: FailurePolicy, baseName: string): Outcome {
  if (err.retryable && attempt < policy.maxRetries) return { kind: 'retry', delayMs: (attempt - 1) * policy.backoffMs }
  return failurePolicy(policy, baseName)
}

/** ack or halt for a record of this base name (invalid records go straight here). */
export function failurePolicy(policy: Pick<Config, 'ackOnFail'>, baseName: string): Outcome {
  return acksOnFail(policy, baseName) ? { kind: 'ack' } : { kind: 'halt' }
}
