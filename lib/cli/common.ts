/**
 * Shared pieces of the operator commands (lib/cli/*): exit codes, argument parsing that turns
 * mistakes into usage errors, output that is flushed before the process exits, a plain-text
 * table, error texts with their causes, and Kafka clients whose retries end within seconds.
 */
import { parseArgs, type ParseArgsOptionsConfig } from 'node:util'
import { Kafka, type KafkaConfig } from 'kafkajs'
import { configSecrets, type Config, type Env } from '../config.ts'
import { kafkaClientConfig } from '../kafka.ts'
import { createLogger, type Logger } from '../log.ts'
import { createRedactor } from '../redact.ts'
import { BASE_NAMES, MESSAGE_TYPES } from '../topics.ts'

/** Exit codes of every command: 0 done, 1 failed (a check, a remote call), 2 bad usage or input. */
export const EXIT = Object.freeze({ ok: 0, failed: 1, usage: 2 })

/** Wrong arguments or input: the command prints the message and exits with EXIT.usage. */
export class UsageError extends Error {
  override readonly name = 'UsageError'
}

/** Where a command writes; `flush()` resolves once everything written has left the process. */
export interface Io {
  out(text: string): void
  err(text: string): void
  flush(): Promise<void>
}

/** stdout/stderr; output to a slow pipe is kept until flushed (process.exit would cut it). */
export function processIo(): Io {
  let last: Promise<void> = Promise.resolve()
  const write = (stream: NodeJS.WriteStream) => (text: string) => {
    last = new Promise((resolve) => stream.write(text, () => resolve()))
  }
  return { out: write(process.stdout), err: write(process.stderr), flush: () => last }
}

/** An Io that keeps the text, for tests. */
export function memoryIo(): Io & { stdout: string; stderr: string } {
  const io = { stdout: '', stderr: '', out: (t: string) => void (io.stdout += t), err: (t: string) => void (io.stderr += t), flush: async () => {} }
  return io
}

/** node:util parseArgs in strict mode; unknown options and extra positionals are UsageErrors. */
export function parseCommand<O extends ParseArgsOptionsConfig>(args: string[], options: O, maxPositionals: number) {
  let parsed
  try {
    parsed = parseArgs({ args, options, allowPositionals: true, strict: true })
  } catch (err) {
    throw new UsageError((err as Error).message)
  }
  if (parsed.positionals.length > maxPositionals) {
    throw new UsageError(`unexpected argument "${parsed.positionals[maxPositionals]}"`)
  }
  return parsed
}

/** A positive integer option value, or `fallback` when absent. */
export function intOption(value: string | undefined, name: string, fallback: number, min = 1): number {
  if (value === undefined) return fallback
  if (!/^\d+$/.test(value.trim()) || Number(value) < min) throw new UsageError(`--${name} must be an integer >= ${min}, got "${value}"`)
  return Number(value)
}

/** Logs of a command go to stderr only with --verbose; otherwise nowhere (results are printed). */
export function commandLogger(env: Env, io: Io, verbose: boolean): Logger {
  return createLogger({
    level: verbose ? 'debug' : 'error',
    json: false,
    write: verbose ? (line) => io.err(`${line}\n`) : () => {},
    redact: createRedactor(configSecrets(env)),
  })
}

/** A Kafka client for commands: the service's connection settings, failing within seconds. */
export function commandKafka(config: Config, log: Logger, overrides: Partial<KafkaConfig> = {}): Kafka {
  return new Kafka({
    ...kafkaClientConfig(config, log),
    connectionTimeout: 5_000,
    retry: { retries: 2, initialRetryTime: 300, maxRetryTime: 2_000 },
    ...overrides,
  })
}

/**
 * A base topic name from a base name (`thoth.solver.solved-package`), a handler stem
 * (`solved-package`) or a full topic name (`<deployment>.<base name>`); undefined otherwise.
 */
export function resolveBaseName(arg: string, deploymentName?: string): string | undefined {
  if (BASE_NAMES.has(arg)) return arg
  const byStem = MESSAGE_TYPES.find((t) => t.stem === arg)
  if (byStem) return byStem.baseName
  if (deploymentName && arg.startsWith(`${deploymentName}.`)) {
    const rest = arg.slice(deploymentName.length + 1)
    if (BASE_NAMES.has(rest)) return rest
  }
  return undefined
}

/** The message of an error followed by the messages of its causes that add something. */
export function errorText(err: unknown): string {
  const parts: string[] = []
  for (let e: unknown = err, depth = 0; e !== undefined && e !== null && depth < 5; depth++) {
    const text = e instanceof Error ? e.message : String(e)
    if (text && !parts.some((p) => p.includes(text))) parts.push(text)
    e = e instanceof Error ? e.cause : undefined
  }
  return parts.join(': ') || 'unknown error'
}

/** Rejects with `what timed out after N s` unless `p` settles first. */
export async function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} timed out after ${ms / 1000} s`)), ms)
  })
  try {
    return await Promise.race([p, timeout])
  } finally {
    clearTimeout(timer)
  }
}

/** Left-aligned columns separated by two spaces; a cell may hold several lines. */
export function table(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const all = [header, ...rows]
  const widths = header.map((_, i) => Math.max(...all.map((r) => Math.max(...(r[i] ?? '').split('\n').map((l) => l.length)))))
  const lines: string[] = []
  for (const row of all) {
    const cells = header.map((_, i) => (row[i] ?? '').split('\n'))
    const height = Math.max(...cells.map((c) => c.length))
    for (let l = 0; l < height; l++) {
      const parts = cells.map((c, i) => (i === cells.length - 1 ? (c[l] ?? '') : (c[l] ?? '').padEnd(widths[i] ?? 0)))
      lines.push(parts.join('  ').trimEnd())
    }
  }
  return `${lines.join('\n')}\n`
}
