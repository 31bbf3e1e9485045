/**
 * Joins the calls made in one turn of the event loop into one. The partition workers handling
 * one fetch each call the knowledge graph in the same turn; at a steady 1,000 records/s a fetch
 * brings a record or two per partition, so each flag update was one statement per record. Joined,
 * they are one statement per fetch and column (bench/README.md). Each caller's promise settles
 * with the joint run; when that fails, every call runs again on its own, so one caller's bad
 * input fails only that caller.
 */
interface Call<T> {
  items: readonly T[]
  resolve: () => void
  reject: (err: unknown) => void
}

/** Wraps `run` (which takes items in call order; later items win where it dedups). */
export function coalesceCalls<T>(run: (items: readonly T[]) => Promise<void>): (items: readonly T[]) => Promise<void> {
  let pending: Call<T>[] = []
  const alone = (c: Call<T>) => void run(c.items).then(c.resolve, c.reject)
  const flush = async () => {
    const calls = pending
    pending = []
    if (calls.length === 1) return alone(calls[0] as Call<T>)
    try {
      await run(calls.flatMap((c) => c.items))
    } catch {
      for (const c of calls) alone(c)
      return
    }
    for (const c of calls) c.resolve()
  }
  return (items) =>
    new Promise<void>((resolve, reject) => {
      if (pending.length === 0) setImmediate(flush)
      pending.push({ items, resolve, reject })
    })
}
