/** What the operator console is built from (lib/service.ts assembles it). */
import type { Logger } from '../log.ts'
import type { DeadLetterPort } from './dead-letters.ts'
import type { StatusSource } from './status.ts'

/** The console's dependencies: the status sources plus logging, the admin token and dead letters. */
export interface ConsoleDeps extends StatusSource {
  log: Logger
  /** THOTH_INVESTIGATOR_ADMIN_TOKEN: when set, every action requires it. */
  adminToken?: string
  /** null when dead letters are off. */
  deadLetters: DeadLetterPort | null
}
