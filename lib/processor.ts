/**
 * One record from bytes to outcome: decode, look up, validate (§6.3), attempts with linear
 * backoff (§6.4), failure policy (§6.5). It never throws: every path ends in an outcome the
 * partition worker acts on. Commits are not made here.
 */
import { createHash } from 'node:crypto'
import type { KafkaMessage } from 'kafkajs'
import type { Config } from './config.ts'
import type { Deps, HandlerContext, RecordInfo, RecordWorkflows } from './context.ts'
import type { DeadLetterWriter } from './dead-letter.ts'
import { AbortedError, InvalidMessageError, toServiceError, type ServiceError } from './errors.ts'
import { decodeValue } from './decode.ts'
import type { Handler } from './handler.ts'
import type { Logger } from './log.ts'
import type { Metrics } from './metrics.ts'
import { decide, failurePolicy } from './policy.ts'
import { createRedactor, secretValues, type Redactor } from './redact.ts'
import type { Registry } from './registry.ts'
import { derivedLabel, MESSAGE_TYPES } from './topics.ts'

/** How a record ended. `halt` keeps it uncommitted; `aborted` means: not finished, not committed. */
export type RecordOutcome = { kind: 'done' } | { kind: 'acked' } | { kind: 'halt'; reason: string } | { kind: 'aborted' }

/** Pending workflows of one namespace as the pending-limit gate last counted them. */
export interface PendingCount {
  namespace: string
  pending: number
  /** ISO time of the count. */
  countedAt: string
}

/** Builds the per-record workflows port; memory survives the attempts of one record. */
export interface WorkflowFactory {
  newMemory(): unknown
  /** Latest pending counts per namespace (operator console); absent when not tracked. */
  quota?(): PendingCount[]
  forRecord(record: RecordInfo, memory: unknown, scope: { signal: AbortSignal; log: Logger; redact: Redactor; onWaiting?: (waiting: boolean) => void }): RecordWorkflows
}

/** Hooks the partition worker gives to know about waits (stuck detection, concurrency). */
export interface WaitHooks {
  onWaiting(waiting: boolean): void
  /** Backoff sleep; resolves early (returning false) when the signal aborts. */
  backoff(ms: number, signal: AbortSignal): Promise<boolean>
}

/** A failed handler attempt (attempt >= 1) or an invalid record (attempt 0); message redacted. */
export interface FailedAttempt {
  topic: string
  partition: number
  offset: string
  baseName: string
  errorClass: string
  message: string
  attempt: number
  /** Set for invalid records (decode, lookup, validation). */
  invalidReason?: string
}

/** The record a failure halt stopped at. */
export interface HaltedRecord {
  topic: string
  partition: number
  offset: string
  baseName: string
  reason: string
}

/** Observer of failures (the operator console's last-error view); never sees a payload. */
export interface LastErrorHook {
  failed(f: FailedAttempt): void
  halted(h: HaltedRecord): void
}

/** Everything the processor needs; built once. */
export interface ProcessorDeps {
  config: Config
  log: Logger
  metrics: Metrics
  registry: Registry
  deps: Deps
  workflows: WorkflowFactory
  deadLetter: DeadLetterWriter | null
  /** Told about every failed attempt and invalid record (operator console). */
  lastError?: LastErrorHook
}

/** A record that passed decoding, lookup and validation. */
export interface ValidRecord {
  info: RecordInfo
  handlers: readonly Handler[]
  messages: unknown[]
  redact: Redactor
  log: Logger
}

/** The coordinates of a raw record. */
export interface RawRecord {
  topic: string
  partition: number
  baseName: string
  message: KafkaMessage
}

/** Metric label of a handler, undefined for the generic metrics counter. */
const STEM_LABELS = new Map(MESSAGE_TYPES.map((t) => [t.stem, t.handlerLabel]))
export const handlerLabel = (h: Handler): string | undefined => STEM_LABELS.get(h.name)

const IDENTITY: Redactor = (text) => text
// Registry answers per base name and version: the lookup is pure, and it runs for every record.
type Lookup = ReturnType<Registry['lookup']>
const lookups = new WeakMap<Registry, Map<string, Map<string, Lookup>>>()

function lookupCached(registry: Registry, baseName: string, version: string): Lookup {
  let byBase = lookups.get(registry)
  if (!byBase) lookups.set(registry, (byBase = new Map()))
  let byVersion = byBase.get(baseName)
  if (!byVersion) byBase.set(baseName, (byVersion = new Map()))
  let found = byVersion.get(version)
  if (!found) {
    found = registry.lookup(baseName, version)
    if (byVersion.size < 100) byVersion.set(version, found) // versions come from the payload: bounded
  }
  return found
}

/** Decodes, looks up and validates; InvalidMessageError otherwise. */
export function prepare(p: ProcessorDeps, raw: RawRecord): ValidRecord {
  const { message: m } = raw
  const decoded = decodeValue(m.value)
  const lookup = lookupCached(p.registry, raw.baseName, decoded.version)
  if (lookup.kind !== 'handlers') {
    p.metrics.missingHandler.set({ base_topic_name: raw.baseName, message_version: decoded.version }, 1)
    throw new InvalidMessageError('missing_handler', `no handler for ${raw.baseName} version ${decoded.version}`)
  }
  const secrets = secretValues(decoded.payload)
  const redact = secrets.size === 0 ? IDENTITY : createRedactor(secrets)
  const messages = lookup.handlers.map((h) => {
    const parsed = h.schema.safeParse(decoded.payload)
    if (!parsed.success) {
      const what = parsed.error.issues.slice(0, 5).map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`)
      throw new InvalidMessageError('schema', redact(`invalid ${h.name} message: ${what.join('; ')}`))
    }
    return parsed.data
  })
  let valueHash: string | undefined
  const info: RecordInfo = {
    topic: raw.topic,
    partition: raw.partition,
    offset: m.offset,
    timestamp: m.timestamp ?? '-1',
    baseName: raw.baseName,
    version: decoded.version,
    // Only workflow submissions read it: hashed on first use.
    get valueHash() {
      return (valueHash ??= createHash('sha256').update(m.value ?? Buffer.alloc(0)).digest('hex').slice(0, 32))
    },
  }
  let log: Logger | undefined
  return {
    info,
    handlers: lookup.handlers,
    messages,
    redact,
    // Built on first use: most records of a batch never log.
    get log() {
      const base = { topic: raw.topic, partition: raw.partition, offset: m.offset, base_name: raw.baseName, version: decoded.version }
      return (log ??= p.log.child(base, redact === IDENTITY ? undefined : redact))
    },
  }
}

/**
 * Builds the handler context of one attempt. The workflows port is built on first use (most
 * records of the database-only types never submit); `memory` is then asked for once.
 */
export function contextFor(p: ProcessorDeps, v: ValidRecord, memory: unknown | (() => unknown), signal: AbortSignal, hooks?: WaitHooks, handler?: Handler): HandlerContext {
  let log: Logger | undefined
  let workflows: RecordWorkflows | undefined
  return {
    ...p.deps,
    get log() {
      return (log ??= handler ? v.log.child({ handler: handler.name }) : v.log)
    },
    record: v.info,
    get workflows() {
      const scope = { signal, log: this.log, redact: v.redact, onWaiting: hooks?.onWaiting }
      return (workflows ??= p.workflows.forRecord(v.info, typeof memory === 'function' ? memory() : memory, scope))
    },
    signal,
    redact: v.redact,
  }
}

/** Decodes, looks up and validates without throwing. */
export function tryPrepare(p: ProcessorDeps, raw: RawRecord): ValidRecord | InvalidMessageError {
  try {
    return prepare(p, raw)
  } catch (err) {
    return err instanceof InvalidMessageError ? err : new InvalidMessageError('schema', String(err))
  }
}

/**
 * Runs one record to its outcome (attempts, backoff, failure policy). Never throws. `memory`
 * carries completed submissions over from an earlier failed batch of the same record.
 */
export async function processRecord(
  p: ProcessorDeps,
  raw: RawRecord,
  signal: AbortSignal,
  hooks: WaitHooks,
  prepared: ValidRecord | InvalidMessageError = tryPrepare(p, raw),
  memory: unknown = p.workflows.newMemory(),
): Promise<RecordOutcome> {
  if (prepared instanceof InvalidMessageError) return invalid(p, raw, prepared, signal)
  const v = prepared
  const succeeded = new Set<number>() // handlers done in an earlier attempt are not run again
  for (let attempt = 1; ; attempt++) {
    const err = await attemptOnce(p, v, memory, succeeded, attempt, signal, hooks)
    if (!err) return { kind: 'done' }
    if (err instanceof AbortedError || signal.aborted) return { kind: 'aborted' }
    const outcome = decide(err, attempt, p.config, raw.baseName)
    if (outcome.kind === 'retry') {
      if (!(await hooks.backoff(outcome.delayMs, signal))) return { kind: 'aborted' }
      continue
    }
    if (outcome.kind === 'halt') return { kind: 'halt', reason: 'handler_error' }
    return ack(p, raw, 'handler_error', err, attempt, v.info.version, v.redact, signal)
  }
}

async function attemptOnce(p: ProcessorDeps, v: ValidRecord, memory: unknown, succeeded: Set<number>, attempt: number, signal: AbortSignal, hooks: WaitHooks): Promise<ServiceError | undefined> {
  for (const [i, handler] of v.handlers.entries()) {
    if (succeeded.has(i)) continue
    const label = handlerLabel(handler)
    const ctx = contextFor(p, v, memory, signal, hooks, handler)
    if (label) p.metrics.inProgress.inc({ message_type: label })
    const stop = label ? p.metrics.handlerDuration.startTimer({ message_type: label }) : undefined
    try {
      await handler.handle(v.messages[i], ctx)
      succeeded.add(i)
      if (label && handler.countsProcessed !== false) p.metrics.processed.inc({ message_type: label })
    } catch (e) {
      const err = signal.aborted ? new AbortedError() : toServiceError(e)
      if (!(err instanceof AbortedError)) {
        if (label) p.metrics.exceptions.inc({ message_type: label })
        ctx.log.error('handler attempt failed', { attempt, max_attempts: p.config.maxRetries, error: redactError(err, v.redact) })
        const { topic, partition, offset, baseName } = v.info
        p.lastError?.failed({ topic, partition, offset, baseName, errorClass: err.name, message: v.redact(err.message), attempt })
      }
      return err
    } finally {
      if (label) p.metrics.inProgress.dec({ message_type: label })
      stop?.()
    }
  }
  return undefined
}

function redactError(err: ServiceError, redact: Redactor) {
  return { name: err.name, code: err.code, retryable: err.retryable, message: redact(err.message), stack: err.stack ? redact(err.stack) : undefined }
}

async function invalid(p: ProcessorDeps, raw: RawRecord, err: InvalidMessageError, signal: AbortSignal): Promise<RecordOutcome> {
  p.metrics.invalidMessages.inc({ base_topic_name: raw.baseName, reason: err.reason })
  p.log.error('invalid message', { topic: raw.topic, partition: raw.partition, offset: raw.message.offset, base_name: raw.baseName, reason: err.reason, description: err.message })
  p.lastError?.failed({ topic: raw.topic, partition: raw.partition, offset: raw.message.offset, baseName: raw.baseName, errorClass: err.name, message: err.message, attempt: 0, invalidReason: err.reason })
  if (failurePolicy(p.config, raw.baseName).kind === 'halt') return { kind: 'halt', reason: err.reason }
  let version = ''
  try {
    version = decodeValue(raw.message.value).version
  } catch {
    // value not decodable: empty version header
  }
  return ack(p, raw, err.reason, err, 0, version, (t) => t, signal)
}

/** Acknowledge: dead-letter first (if on), then count; `dead_letter_unavailable` halts instead. */
async function ack(p: ProcessorDeps, raw: RawRecord, reason: string, err: ServiceError, attempts: number, version: string, redact: Redactor, signal: AbortSignal): Promise<RecordOutcome> {
  const m = raw.message
  if (p.deadLetter) {
    const ok = await p.deadLetter(
      {
        topic: raw.topic,
        partition: raw.partition,
        offset: m.offset,
        timestamp: m.timestamp ?? '-1',
        key: m.key ?? null,
        value: m.value ?? null,
        headers: m.headers,
        baseName: raw.baseName,
        version,
        reason,
        errorClass: err.name,
        errorMessage: redact(err.message),
        attempts,
      },
      signal,
    )
    if (!ok) return signal.aborted ? { kind: 'aborted' } : { kind: 'halt', reason: 'dead_letter_unavailable' }
    p.metrics.deadLetters.inc({ base_topic_name: raw.baseName, reason })
  }
  p.metrics.failures.inc({ message_type: derivedLabel(raw.baseName) })
  p.log.error(p.deadLetter ? 'message dead-lettered and acknowledged' : 'message acknowledged after failure', {
    topic: raw.topic,
    partition: raw.partition,
    offset: m.offset,
    base_name: raw.baseName,
    reason,
    attempts,
  })
  return { kind: 'acked' }
}
