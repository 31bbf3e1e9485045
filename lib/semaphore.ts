/**
 * Counting semaphore for THOTH_CONSUMER_WORKERS: at most N records are handled at once across
 * partitions. Waits (backoff, pending limit) give their slot back so other topics keep flowing.
 */
export class Semaphore {
  private waiters: (() => void)[] = []
  private used = 0

  constructor(private readonly size: number) {}

  /** Slots in use (may briefly exceed the size after {@link forceAcquire}). */
  get inUse(): number {
    return this.used
  }

  /** Waits for a free slot. */
  async acquire(): Promise<void> {
    if (this.used < this.size) {
      this.used++
      return
    }
    await new Promise<void>((resolve) => this.waiters.push(resolve))
  }

  /** Takes a slot at once, even over the size (leaving a pending-limit wait must not block). */
  forceAcquire(): void {
    this.used++
  }

  /** Gives a slot back, handing it to the oldest waiter. */
  release(): void {
    const next = this.waiters.shift()
    if (next) next()
    else this.used = Math.max(0, this.used - 1)
  }
}
