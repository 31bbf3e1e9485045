/**
 * Crash (SIGKILL) while record N retries and N+1 (on another partition) finished: after a
 * restart N is handled (nothing lost) and N+1 is at most handled again, never skipped.
 */
import { afterAll, beforeAll, expect, setDefaultTimeout, test } from 'bun:test'
import { readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Admin, Producer } from 'kafkajs'
import { committed, createTopics, send, testKafka, waitFor } from '../helpers/engine.ts'
import { uniqueName } from '../helpers/stack.ts'

setDefaultTimeout(90_000)
const kafka = testKafka()
let admin: Admin
let producer: Producer
beforeAll(async () => {
  admin = kafka.admin()
  producer = kafka.producer()
  await Promise.all([admin.connect(), producer.connect()])
})
afterAll(async () => {
  await Promise.all([admin.disconnect(), producer.disconnect()])
})

interface Line {
  partition?: number
  offset?: string
  id?: number
  attempt?: number
  ready?: boolean
}

function startChild(env: Record<string, string>) {
  return Bun.spawn(['node_modules/.bin/bun', 'tests/helpers/child-service.ts'], {
    env: { ...process.env, ...env, KAFKAJS_NO_PARTITIONER_WARNING: '1' },
    stdout: 'ignore',
    stderr: 'ignore',
  })
}

test('SIGKILL while record N retries and N+1 on another partition finished: N handled after restart, N+1 never skipped', async () => {
  const prefix = uniqueName('crash')
  const group = uniqueName('group')
  const topic = `${prefix}.thoth.solver.solved-package`
  const file = join(tmpdir(), `${prefix}.jsonl`)
  writeFileSync(file, '')
  const lines = () => readFileSync(file, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as Line)
  await createTopics(admin, [topic], 2)
  const env = { TEST_PREFIX: prefix, TEST_GROUP: group, TEST_SEEN_FILE: file }
  const first = startChild({ ...env, TEST_FAIL_P0: '1' })
  await waitFor(() => lines().some((l) => l.ready), 60_000, 'child ready')
  await send(producer, topic, [{ id: 1 }], 0) // N: retries forever in the first process
  await send(producer, topic, [{ id: 2 }], 1) // N+1: finishes
  await waitFor(() => lines().some((l) => l.id === 1 && (l.attempt ?? 0) >= 3) && lines().some((l) => l.id === 2), 30_000, 'N retrying, N+1 done')
  await waitFor(async () => (await committed(admin, group, topic, 1)) === 1, 10_000, 'N+1 committed')
  first.kill('SIGKILL')
  await first.exited
  expect(await committed(admin, group, topic, 0)).toBe(-1) // N was never committed
  writeFileSync(file, '')
  const second = startChild(env)
  try {
    await waitFor(() => lines().some((l) => l.id === 1), 60_000, 'N handled after restart')
    await waitFor(async () => (await committed(admin, group, topic, 0)) === 1, 20_000, 'N committed')
    expect(lines().filter((l) => l.id === 2).length).toBeLessThanOrEqual(1) // at most re-handled
    expect(await committed(admin, group, topic, 1)).toBe(1)
  } finally {
    second.kill('SIGTERM')
    await second.exited
  }
})
