/**
 * One assigned partition: a queue of fetched records handled strictly in offset order (D-35),
 * batched where the handler allows it, and a commit watermark that never passes a record that
 * is not finished (handled or acknowledged).
 */
import type { KafkaMessage } from 'kafkajs'
import { InvalidMessageError } from './errors.ts'
import type { Handler } from './handler.ts'
import { contextFor, handlerLabel, processRecord, tryPrepare, type ProcessorDeps, type RawRecord, type RecordOutcome, type ValidRecord, type WaitHooks } from './processor.ts'
import type { Semaphore } from './semaphore.ts'

/**
 * Records buffered per partition before fetching pauses (memory bound); it resumes below half.
 * The consumer shares QUEUE_BUDGET records among its partitions (bench/README.md: 4000 per
 * partition held ~100k records of a backlog in memory, peak RSS 280 MiB).
 */
export const QUEUE_BUDGET = 6000
export const MIN_HIGH_WATER = 50
export const MAX_HIGH_WATER = 1000

/** The high-water mark of each of `partitions` assigned partitions. */
export function highWaterFor(partitions: number): number {
  return Math.min(MAX_HIGH_WATER, Math.max(MIN_HIGH_WATER, Math.floor(QUEUE_BUDGET / Math.max(1, partitions))))
}
/** Most records given to one handleBatch call (250: a fifth less peak RSS than 500, bench/README.md). */
export const MAX_BATCH = 250

/** What a worker asks of the consumer around it. */
export interface PartitionHost {
  processor: ProcessorDeps
  semaphore: Semaphore
  /** The watermark moved: schedule a commit. */
  finished(w: PartitionWorker, kind: 'done' | 'acked', count: number): void
  /** A record failed under the halt policy: halt its topic. */
  halt(w: PartitionWorker, reason: string, offset: string): void
  /** Records this partition may buffer before fetching pauses (see highWaterFor). */
  highWater(): number
  /** Backpressure: pause (true) or resume (false) fetching of this partition. */
  throttle(w: PartitionWorker, paused: boolean): void
  now(): number
}

/** One partition's queue, state and watermark. */
export class PartitionWorker {
  private queue: KafkaMessage[] = []
  private head = 0
  private running: Promise<void> | undefined
  private abort = new AbortController()
  private throttled = false
  /** Next offset expected from the fetcher; older ones are re-deliveries already queued. */
  expected: bigint | null = null
  /** Commit position: offset after the last finished record. */
  finishedAt: bigint | null = null
  committedAt: bigint | null = null
  /** Offset of the last record handled successfully (current_partition_offsets). */
  lastHandled: string | null = null
  /** Where to seek on resume: the first record not handled because of a halt. */
  resumeFrom: bigint | null = null
  halted = false
  stopped = false
  waiting = false
  inBackoff = false
  /** Last time the partition finished a record or changed state (stuck detection). */
  progressAt: number
  lag = 0
  /** End offset seen by the last lag refresh. */
  endOffset: bigint | null = null

  constructor(
    readonly topic: string,
    readonly partition: number,
    readonly baseName: string,
    private readonly host: PartitionHost,
  ) {
    this.progressAt = host.now()
  }

  /** Records waiting in the queue. */
  get queued(): number {
    return this.queue.length - this.head
  }

  /** True while a drain loop runs. */
  get busy(): boolean {
    return this.running !== undefined
  }

  /** Adds fetched records; re-deliveries (offset < expected) are skipped. */
  enqueue(messages: readonly KafkaMessage[]): void {
    for (const m of messages) {
      const off = BigInt(m.offset)
      if (this.expected !== null && off < this.expected) continue
      this.expected = off + 1n
      if (this.halted || this.stopped) {
        this.resumeFrom ??= off
        continue
      }
      this.queue.push(m)
    }
    if (!this.throttled && this.queued > this.host.highWater()) this.setThrottle(true)
    this.kick()
  }

  /** Stops starting records; the running one finishes. Unstarted ones are re-fetched on resume. */
  haltLocal(): void {
    if (this.halted) return
    this.halted = true
    this.progressAt = this.host.now()
    if (!this.running) this.dropQueue()
  }

  /** Clears the halt; returns the offset to seek to (null: the fetch position is right). */
  resumeLocal(): bigint | null {
    this.halted = false
    this.progressAt = this.host.now()
    const from = this.resumeFrom
    this.resumeFrom = null
    if (from !== null) this.expected = from
    this.kick()
    return from
  }

  /** Revocation or shutdown: abandon waits, stop for good. */
  stop(): void {
    this.stopped = true
    this.abort.abort()
    this.queue = []
    this.head = 0
  }

  /** Resolves when the drain loop is idle. */
  async idle(): Promise<void> {
    await this.running
  }

  /** Lag > 0, not halted/waiting/backing off, and no progress for `stuckMs`. */
  isStuck(now: number, stuckMs: number): boolean {
    if (stuckMs <= 0 || this.halted || this.waiting || this.inBackoff || this.stopped) return false
    return this.lag > 0 && now - this.progressAt > stuckMs
  }

  private dropQueue(): void {
    const next = this.queue[this.head]
    if (next) this.resumeFrom ??= BigInt(next.offset)
    this.queue = []
    this.head = 0
    if (this.throttled) this.setThrottle(false)
  }

  private setThrottle(paused: boolean): void {
    this.throttled = paused
    this.host.throttle(this, paused)
  }

  private kick(): void {
    if (this.running || this.halted || this.stopped || this.queued === 0) return
    this.running = this.drain().finally(() => {
      this.running = undefined
      if (this.halted) this.dropQueue()
      else this.kick()
    })
  }

  private raw(m: KafkaMessage): RawRecord {
    return { topic: this.topic, partition: this.partition, baseName: this.baseName, message: m }
  }

  // MUST handle records strictly in offset order and advance the watermark only past finished ones.
  private async drain(): Promise<void> {
    const p = this.host.processor
    while (!this.halted && !this.stopped && this.queued > 0) {
      // The slot first, then the batch: partitions waiting for a slot hold no prepared records.
      await this.host.semaphore.acquire()
      try {
        if (this.halted || this.stopped || this.queued === 0) return
        const first = this.queue[this.head] as KafkaMessage
        const prepared = tryPrepare(p, this.raw(first))
        const handler = batchable(prepared)
        const batch: ValidRecord[] = handler ? [prepared as ValidRecord] : []
        while (handler && batch.length < MAX_BATCH && this.head + batch.length < this.queue.length) {
          const next = tryPrepare(p, this.raw(this.queue[this.head + batch.length] as KafkaMessage))
          if (batchable(next) !== handler) break
          batch.push(next as ValidRecord)
        }
        if (!handler || batch.length < 2) {
          const outcome = await processRecord(p, this.raw(first), this.abort.signal, this.hooks(), prepared)
          if (!this.settle(outcome, first.offset)) return
          continue
        }
        const memories: unknown[] = new Array(batch.length) // made on first use (most batches never submit)
        if (await this.runBatch(handler, batch, memories)) {
          this.advance(batch.length, 'done', batch.at(-1)?.info.offset ?? first.offset)
          continue
        }
        // Fallback: record by record with retries; submissions the batch completed are remembered.
        for (const [i, v] of batch.entries()) {
          if (this.halted || this.stopped) return
          const m = this.queue[this.head] as KafkaMessage
          const outcome = await processRecord(p, this.raw(m), this.abort.signal, this.hooks(), v, memories[i] ?? p.workflows.newMemory())
          if (!this.settle(outcome, m.offset)) return
        }
      } finally {
        this.host.semaphore.release()
      }
    }
  }

  /** Acts on one record's outcome; false stops the loop. */
  private settle(outcome: RecordOutcome, offset: string): boolean {
    if (outcome.kind === 'aborted') return false
    if (outcome.kind === 'halt') {
      this.resumeFrom = BigInt(offset)
      this.halted = true
      this.queue = []
      this.head = 0
      this.host.halt(this, outcome.reason, offset)
      return false
    }
    this.advance(1, outcome.kind, offset)
    return true
  }

  private advance(count: number, kind: 'done' | 'acked', lastOffset: string): void {
    this.head += count
    // Drop finished records once they are half the array (amortised O(1)). Waiting for 1024 of
    // them kept up to 1024 handled records per partition, and the fetch buffers they slice, alive
    // at low rates (bench/README.md: live heap 17 -> 37 MiB at 1,000 messages/s).
    if (this.head * 2 >= this.queue.length) {
      this.queue = this.queue.slice(this.head)
      this.head = 0
    }
    if (kind === 'done') this.lastHandled = lastOffset
    this.finishedAt = BigInt(lastOffset) + 1n
    this.progressAt = this.host.now()
    if (this.throttled && this.queued < this.host.highWater() / 2) this.setThrottle(false)
    this.host.finished(this, kind, count)
  }

  /** One handleBatch call for consecutive records; false falls back to record by record. */
  private async runBatch(handler: Handler, batch: ValidRecord[], memories: unknown[]): Promise<boolean> {
    const p = this.host.processor
    const label = handlerLabel(handler)
    const hooks = this.hooks()
    const memory = (i: number) => () => (memories[i] ??= p.workflows.newMemory())
    const items = batch.map((v, i) => ({ message: v.messages[0], ctx: contextFor(p, v, memory(i), this.abort.signal, hooks, handler) }))
    const started = performance.now()
    if (label) p.metrics.inProgress.inc({ message_type: label }, batch.length)
    try {
      await handler.handleBatch?.(items)
      if (label) {
        const each = (performance.now() - started) / 1000 / batch.length
        const duration = p.metrics.handlerDuration.labels({ message_type: label })
        for (let i = 0; i < batch.length; i++) duration.observe(each)
        if (handler.countsProcessed !== false) p.metrics.processed.inc({ message_type: label }, batch.length)
      }
      return true
    } catch (err) {
      p.log.warn('batch failed; handling its records one by one', { topic: this.topic, partition: this.partition, first_offset: batch[0]?.info.offset, size: batch.length, error: err })
      return false
    } finally {
      if (label) p.metrics.inProgress.dec({ message_type: label }, batch.length)
    }
  }

  private waitHooks: WaitHooks | undefined

  /** The wait hooks of this worker (one object, shared by its records). */
  private hooks(): WaitHooks {
    return (this.waitHooks ??= {
      onWaiting: (waiting) => {
        this.waiting = waiting
        this.progressAt = this.host.now()
        if (waiting) this.host.semaphore.release()
        else this.host.semaphore.forceAcquire()
      },
      backoff: async (ms, signal) => {
        this.inBackoff = true
        this.host.semaphore.release()
        try {
          if (ms > 0) await abortableSleep(ms, signal)
        } finally {
          this.inBackoff = false
          this.progressAt = this.host.now()
          await this.host.semaphore.acquire()
        }
        return !signal.aborted
      },
    })
  }
}

/** The single handler of a valid record when it can be batched. */
function batchable(v: ValidRecord | InvalidMessageError): Handler | undefined {
  if (v instanceof InvalidMessageError || v.handlers.length !== 1) return undefined
  const h = v.handlers[0]
  return h?.handleBatch ? h : undefined
}

/** Sleeps `ms`, ending early when the signal aborts. */
export function abortableSleep(ms: number, signal: AbortSignal): Promise<void> {
  if (signal.aborted) return Promise.resolve()
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms)
    function done() {
      clearTimeout(timer)
      signal.removeEventListener('abort', done)
      resolve()
    }
    signal.addEventListener('abort', done, { once: true })
  })
}
