/**
 * Structured logging: one JSON object per line (`{time, level, msg, ...bound, ...fields}`), or
 * plain text with THOTH_LOGGING_NO_JSON=1. The write function is injected so tests capture output.
 */
import { ServiceError } from './errors.ts'
import type { Redactor } from './redact.ts'

/** Log levels, lowest first. */
export type Level = 'debug' | 'info' | 'warn' | 'error'
const ORDER: Record<Level, number> = { debug: 10, info: 20, warn: 30, error: 40 }

/** Key/value pairs attached to a log line. */
export type Fields = Record<string, unknown>

/** The logger handed to every component. */
export interface Logger {
  debug(msg: string, fields?: Fields): void
  info(msg: string, fields?: Fields): void
  warn(msg: string, fields?: Fields): void
  error(msg: string, fields?: Fields): void
  /** A logger that adds `bindings` to every line; `redact` (if given) filters every string. */
  child(bindings: Fields, redact?: Redactor): Logger
}

/** Options of {@link createLogger}. */
export interface LoggerOptions {
  level: Level
  json?: boolean
  write?: (line: string) => void
  /** Service secrets (passwords, tokens) removed from every line. */
  redact?: Redactor
}

/** Serialises an error as `{name, code, retryable, message, stack, cause}` (D-28). */
export function serializeError(err: unknown, depth = 0): unknown {
  if (!(err instanceof Error)) return { message: String(err) }
  const out: Fields = { name: err.name, message: err.message }
  if (err instanceof ServiceError) {
    out.code = err.code
    out.retryable = err.retryable
  }
  if (err.stack) out.stack = err.stack
  if (err.cause !== undefined && depth < 3) out.cause = serializeError(err.cause, depth + 1)
  return out
}

function normalize(value: unknown): unknown {
  if (value instanceof Error) return serializeError(value)
  if (typeof value === 'bigint') return value.toString()
  return value
}

/** What every logger of one tree shares. */
interface Sink {
  readonly write: (line: string) => void
  readonly min: number
  readonly json: boolean
}

/**
 * One logger: its bindings and redactors. A class, so a child costs one object (children are
 * made per record and per attempt on the hot path), not a set of closures.
 */
class JsonLogger implements Logger {
  constructor(
    private readonly sink: Sink,
    private readonly bound: Fields,
    private readonly redactors: readonly Redactor[],
  ) {}

  debug(msg: string, fields?: Fields): void {
    this.emit('debug', msg, fields)
  }
  info(msg: string, fields?: Fields): void {
    this.emit('info', msg, fields)
  }
  warn(msg: string, fields?: Fields): void {
    this.emit('warn', msg, fields)
  }
  error(msg: string, fields?: Fields): void {
    this.emit('error', msg, fields)
  }
  child(bindings: Fields, redact?: Redactor): Logger {
    return new JsonLogger(this.sink, { ...this.bound, ...bindings }, redact ? [...this.redactors, redact] : this.redactors)
  }

  private emit(level: Level, msg: string, fields?: Fields): void {
    if (ORDER[level] < this.sink.min) return
    const record: Fields = { time: new Date().toISOString(), level, msg, ...this.bound }
    if (fields) for (const k of Object.keys(fields)) record[k] = normalize(fields[k])
    // Redact each string value BEFORE serialising: JSON escaping (`"`, `\`) would hide a
    // secret from a pass over the finished line, and short secrets only match whole values.
    const redactors = this.redactors
    const replacer = (_key: string, value: unknown): unknown => {
      if (typeof value !== 'string') return jsonReplacer(_key, value)
      let text = value
      for (const r of redactors) text = r(text)
      return text
    }
    this.sink.write(this.sink.json ? JSON.stringify(record, replacer) : plain(record, replacer))
  }
}

/** Creates the root logger. */
export function createLogger(opts: LoggerOptions): Logger {
  const write = opts.write ?? ((line: string) => process.stdout.write(`${line}\n`))
  return new JsonLogger({ write, min: ORDER[opts.level], json: opts.json !== false }, {}, opts.redact ? [opts.redact] : [])
}

function jsonReplacer(_key: string, value: unknown): unknown {
  return typeof value === 'bigint' ? value.toString() : value
}

function plain(record: Fields, replacer: (key: string, value: unknown) => unknown): string {
  const { time, level, msg, ...rest } = record
  const tail = Object.keys(rest).length ? ` ${JSON.stringify(rest, replacer)}` : ''
  return `${String(time)} ${String(level).toUpperCase()} ${String(replacer('msg', msg))}${tail}`
}

/** A logger that keeps lines in memory, for tests. */
export function memoryLogger(level: Level = 'debug'): Logger & { lines: Fields[] } {
  const lines: Fields[] = []
  const log = createLogger({ level, write: (l) => lines.push(JSON.parse(l) as Fields) })
  return Object.assign(log, { lines })
}
