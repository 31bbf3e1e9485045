/**
 * Error classes with a code and a `retryable` flag. The consume loop decides retry / ack / halt
 * from these (lib/policy.ts); ports wrap SDK failures so the loop never inspects SDK errors.
 */

/** Stable error codes, logged and put into dead-letter headers via the class name. */
export type ErrorCode =
  | 'CONFIG_INVALID'
  | 'MESSAGE_INVALID'
  | 'UPSTREAM'
  | 'MISCONFIGURED'
  | 'NAME_CONFLICT'
  | 'ABORTED'
  | 'UNEXPECTED'

/** Base class of every error the service raises on purpose. */
export class ServiceError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly retryable: boolean,
    options?: ErrorOptions,
  ) {
    super(message, options)
    this.name = new.target.name
  }
}

/** Start-up configuration is invalid; `problems` names every bad variable. */
export class ConfigError extends ServiceError {
  constructor(readonly problems: readonly string[]) {
    super('CONFIG_INVALID', `invalid configuration:\n  - ${problems.join('\n  - ')}`, false)
  }
}

/** Invalid reasons of spec/operations.md §6.3 (also metric and dead-letter reason values). */
export type InvalidReason =
  | 'empty_value'
  | 'not_utf8'
  | 'not_json'
  | 'not_object'
  | 'schema'
  | 'missing_handler'

/** A record that can never be handled: no retries, failure policy at once. */
export class InvalidMessageError extends ServiceError {
  constructor(
    readonly reason: InvalidReason,
    message: string,
  ) {
    super('MESSAGE_INVALID', message, false)
  }
}

/** Which remote system failed. */
export type Upstream = 'postgres' | 'kubernetes' | 'github' | 'gitlab' | 'package-index' | 'kafka'

/** A remote call failed; retryable unless the remote said the request itself is wrong. */
export class UpstreamError extends ServiceError {
  constructor(
    readonly upstream: Upstream,
    message: string,
    retryable: boolean,
    options?: ErrorOptions & { status?: number },
  ) {
    super('UPSTREAM', `${upstream}: ${message}`, retryable, options)
    this.status = options?.status
  }
  readonly status: number | undefined
}

/** The deployment is wrong (missing template, RBAC): retrying does not help. */
export class MisconfiguredError extends ServiceError {
  constructor(message: string, options?: ErrorOptions) {
    super('MISCONFIGURED', message, false, options)
  }
}

/** A workflow name is taken by another message (D-6): fails the attempt, goes through retries. */
export class NameConflictError extends ServiceError {
  constructor(name: string, namespace: string) {
    super('NAME_CONFLICT', `workflow name \`${name}\` in \`${namespace}\` is already used by another message`, true)
  }
}

/** The attempt was abandoned (shutdown, revocation, halt). Never counts as a failure. */
export class AbortedError extends ServiceError {
  constructor(message = 'aborted') {
    super('ABORTED', message, false)
  }
}

/** Like graphile/worker's coerceError: errors that are not ours are retryable, up to the cap. */
export function toServiceError(err: unknown): ServiceError {
  if (err instanceof ServiceError) return err
  const message = err instanceof Error ? err.message : String(err)
  return new ServiceError('UNEXPECTED', message, true, { cause: err })
}
