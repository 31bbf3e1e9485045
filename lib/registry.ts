/**
 * Handler lookup per consumer mode (spec/operations.md §4, D-1, D-3): for each active mode in
 * THOTH_CONSUMER_MODE order, the handler of (message type, version); modes whose table lacks
 * the topic are skipped; a table that has the topic but not the version is a missing handler.
 */
import { z } from 'zod'
import { defineHandler, type Handler, type Mode } from './handler.ts'
import { derivedLabel, messageTypeByBaseName, MESSAGE_TYPES } from './topics.ts'

/** Result of a lookup. */
export type Lookup =
  | { kind: 'handlers'; handlers: readonly Handler[] }
  | { kind: 'missing' } // a consulted mode has the topic but not this version
  | { kind: 'none' } // no active mode has the topic (not subscribed; defensive)

/** Name of the generic metrics-mode handler (not a message type stem). */
export const MESSAGE_COUNT = 'message-count'

/** Metrics mode: every (topic, version) without its own handler counts the message (handlers.md). */
export const messageCount = defineHandler({
  name: MESSAGE_COUNT,
  mode: 'metrics',
  versions: [],
  schema: z.looseObject({}),
  async handle(message, { metrics, record }) {
    const label = 'version' in message ? String(message.version) : 'None'
    metrics.messageCountByVersion.inc({ message_type: derivedLabel(record.baseName), message_version: label })
  },
})

/** The lookup table of the active modes. */
export interface Registry {
  lookup(baseName: string, version: string): Lookup
  /** Base names subscribed by the active modes (the union of their tables). */
  readonly baseNames: readonly string[]
}

/** Builds the registry; throws on two handlers for the same (mode, type, version). */
export function createRegistry(handlers: readonly Handler[], modes: readonly Mode[]): Registry {
  const tables = new Map<Mode, Map<string, Map<string, Handler>>>() // mode -> stem -> version -> handler
  for (const h of handlers) {
    const byStem = tables.get(h.mode) ?? new Map<string, Map<string, Handler>>()
    tables.set(h.mode, byStem)
    const byVersion = byStem.get(h.name) ?? new Map<string, Handler>()
    byStem.set(h.name, byVersion)
    for (const v of h.versions) {
      if (byVersion.has(v)) throw new Error(`duplicate handler for ${h.mode} ${h.name} ${v}`)
      byVersion.set(v, h)
    }
  }
  const hasTopic = (mode: Mode, stem: string) => mode === 'metrics' || (tables.get(mode)?.has(stem) ?? false)
  const baseNames = MESSAGE_TYPES.filter((t) => modes.some((m) => hasTopic(m, t.stem))).map((t) => t.baseName)
  return {
    baseNames,
    lookup(baseName, version) {
      const type = messageTypeByBaseName(baseName)
      if (!type) return { kind: 'none' }
      const found: Handler[] = []
      for (const mode of modes) {
        if (!hasTopic(mode, type.stem)) continue
        const handler = tables.get(mode)?.get(type.stem)?.get(version) ?? (mode === 'metrics' ? messageCount : undefined)
        if (!handler) return { kind: 'missing' }
        found.push(handler)
      }
      return found.length ? { kind: 'handlers', handlers: found } : { kind: 'none' }
    },
  }
}
