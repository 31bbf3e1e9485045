/**
 * The handler contract: one file per message type under handlers/, each exporting one or more
 * handlers built with {@link defineHandler}. The consume loop owns parsing, retries and commits.
 */
import type { z } from 'zod'
import type { HandlerContext } from './context.ts'

/** Consumer modes (THOTH_CONSUMER_MODE). */
export type Mode = 'backend' | 'middletier' | 'metrics'

/** One record of a batch given to {@link Handler.handleBatch}. */
export interface BatchItem<T> {
  readonly message: T
  readonly ctx: HandlerContext
}

/** A message handler of one consumer mode for one message type. */
export interface Handler<S extends z.ZodType = z.ZodType> {
  /** File stem of the message type (`missing-package-version`): registry key with `mode`. */
  readonly name: string
  /** Consumer mode whose handler table holds this handler. */
  readonly mode: Mode
  /** Message versions this handler takes (`v1`...); any other version has no handler. */
  readonly versions: readonly string[]
  /** Validation of the fields the handler reads (messages.md, D-4); extra keys allowed. */
  readonly schema: S
  /** When false, success does not increment processed_total (middletier hash-mismatch, 5a). */
  readonly countsProcessed?: boolean
  // Method syntax keeps the parameter bivariant, so every Handler<X> fits in a Handler[].
  /** Applies the message's effects. Idempotent per record: retries and re-deliveries happen. */
  handle(message: z.infer<S>, ctx: HandlerContext): Promise<void>
  /**
   * Optional: applies the effects of consecutive records of ONE partition in one go, in order
   * (e.g. one `UPDATE ... FROM unnest(...)`). MUST be equivalent to calling `handle` for each
   * item in order. When it throws, the loop falls back to `handle` per record with retries.
   */
  handleBatch?(items: readonly BatchItem<z.infer<S>>[]): Promise<void>
}

/** Identity helper that keeps the schema's type on `handle`. */
export const defineHandler = <S extends z.ZodType>(h: Handler<S>): Handler<S> => h
