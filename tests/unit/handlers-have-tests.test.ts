import { describe, expect, test } from 'bun:test'
import { existsSync, readdirSync } from 'node:fs'
import { basename, join } from 'node:path'
import { handlers } from '../../handlers/index.ts'
import type { Handler } from '../../lib/handler.ts'
import { MESSAGE_TYPES } from '../../lib/topics.ts'

const ROOT = join(import.meta.dir, '..', '..')
const stems = readdirSync(join(ROOT, 'handlers'))
  .filter((f) => f.endsWith('.ts') && f !== 'index.ts')
  .map((f) => basename(f, '.ts'))
  .sort()

/** Every handler object a handler file exports. */
async function exportedHandlers(stem: string): Promise<Handler[]> {
  const mod = (await import(join(ROOT, 'handlers', `${stem}.ts`))) as Record<string, unknown>
  return Object.values(mod).filter(
    (v): v is Handler =>
      typeof v === 'object' && v !== null && 'handle' in v && typeof v.handle === 'function' && 'name' in v,
  )
}

describe('handler files', () => {
  test('one file per message type (19)', () => {
    expect(stems).toEqual(MESSAGE_TYPES.map((t) => t.stem).sort())
  })

  test.each(stems)('handlers/%s.ts has tests/handlers/%s.test.ts', (stem) => {
    expect(existsSync(join(ROOT, 'tests', 'handlers', `${stem}.test.ts`))).toBe(true)
  })

  test.each(stems)('every handler exported by handlers/%s.ts is named after its file and registered', async (stem) => {
    const exported = await exportedHandlers(stem)
    expect(exported.length).toBeGreaterThan(0)
    for (const h of exported) {
      expect(h.name).toBe(stem)
      expect(handlers).toContain(h)
    }
  })
})

describe('handlers/index.ts', () => {
  test('every registered handler has a name equal to an existing file stem', () => {
    for (const h of handlers) expect(stems).toContain(h.name)
  })

  test('each handler is listed once and every file contributes', () => {
    expect(new Set(handlers).size).toBe(handlers.length)
    expect([...new Set(handlers.map((h) => h.name))].sort()).toEqual(stems)
  })

  test('every handler declares at least one version and a valid mode', () => {
    for (const h of handlers) {
      expect(h.versions.length).toBeGreaterThan(0)
      expect(['backend', 'middletier', 'metrics']).toContain(h.mode)
    }
  })
})
