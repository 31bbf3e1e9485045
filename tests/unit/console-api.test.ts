/**
 * The operator console through `app.request()`: every /api route, the pages, and the access
 * rules (reading open; actions need the admin token when set, and a same-origin request).
 */
import { describe, expect, test } from 'bun:test'
import type { DeadLetter } from '../../lib/cli/dead-letter-reader.ts'
import { NoReplayPositionError, type ReplaySummary } from '../../lib/cli/replay.ts'
import { detail, summarize, type DeadLetterPort } from '../../lib/console/dead-letters.ts'
import type { ConsoleDeps } from '../../lib/console/deps.ts'
import { createFailureLog } from '../../lib/console/failures.ts'
import { showPayload } from '../../lib/console/mask.ts'
import { histogramQuantile } from '../../lib/console/quantile.ts'
import type { ConsumerControl, PartitionStatus } from '../../lib/consumer.ts'
import type { ControlRecord } from '../../lib/control.ts'
import { ControlWriteError } from '../../lib/halts.ts'
import { createHttpApp } from '../../lib/http.ts'
import { memoryLogger } from '../../lib/log.ts'
import { createMetrics } from '../../lib/metrics.ts'

const HASH = 'thoth.package-update.hash-mismatch'
const SOLVED = 'thoth.solver.solved-package'
const TOKEN = 's3cret-admin-token'
const DLT = 'prod.thoth.investigator.dead-letter'
const T0 = Date.parse('2026-11-27T06:00:00.000Z')

const part = (baseName: string, partition: number, o: Partial<PartitionStatus> = {}): PartitionStatus => ({
  topic: `prod.${baseName}`, baseName, partition, committed: '10', end: '12', lag: 2, queued: 0, halted: false, waiting: false, resumeFrom: null, ...o,
})

/** A ConsumerControl whose state and action outcomes the test sets. */
function fakeConsumer() {
  const c = {
    calls: [] as string[],
    failWith: undefined as Error | undefined,
    haltedNow: [] as string[],
    parts: [part(HASH, 0), part(SOLVED, 0, { lag: 0, committed: '5', end: '5' })],
    records: new Map<string, ControlRecord>(),
    health: () => ({ ready: true }),
    async halt(b: string) {
      c.calls.push(`halt ${b}`)
      if (c.failWith) throw c.failWith
    },
    async resume(b: string) {
      c.calls.push(`resume ${b}`)
      if (c.failWith) throw c.failWith
    },
    halted: () => c.haltedNow,
    partitions: () => c.parts,
    haltRecord: (b: string) => c.records.get(b),
  }
  return c satisfies ConsumerControl
}

const dlRecord = (offset: string, o: Partial<DeadLetter> = {}): DeadLetter => ({
  partition: 0, offset, key: Buffer.from('k1'), headers: { trace: Buffer.from('abc') },
  value: Buffer.from(JSON.stringify({ package_name: 'flask', registry_password: 'hunter22', url: 'https://u:hunter22@r.example/x' })),
  topic: `prod.${HASH}`, baseName: HASH, originalPartition: '0', originalOffset: '7', reason: 'handler_error',
  errorClass: 'ServiceError', errorMessage: 'boom', attempts: '3', deadLetteredAt: '2026-11-27T05:59:00.000Z', ...o,
})

/** In-memory dead-letter port over the real summary/detail code. */
function fakeDeadLetters(records: DeadLetter[] = [dlRecord('0'), dlRecord('1', { baseName: SOLVED, topic: `prod.${SOLVED}` })]) {
  const port = {
    topic: DLT,
    replayed: [] as string[],
    replayError: undefined as Error | undefined,
    async list({ limit, baseName }: { limit: number; baseName?: string }) {
      const kept = records.filter((r) => !baseName || r.baseName === baseName).reverse()
      return { total: records.length, deadLetters: kept.slice(0, limit).map(summarize) }
    },
    async get(p: number, o: string) {
      const r = records.find((x) => x.partition === p && x.offset === o)
      return r && detail(r)
    },
    async replayOne(p: number, o: string) {
      const r = records.find((x) => x.partition === p && x.offset === o)
      if (!r) return undefined
      port.replayed.push(`${p}@${o}`)
      return { topic: r.topic as string }
    },
    async replayTopic(b: string, fromBeginning: boolean): Promise<ReplaySummary> {
      if (port.replayError) throw port.replayError
      port.replayed.push(`all ${b} ${fromBeginning}`)
      return { group: 'g', pending: 1, read: 1, replayed: 1, byTopic: { [`prod.${b}`]: 1 }, skippedOtherTopics: 0, skippedAlreadyReplayed: 0, expired: 0, blocked: [], complete: true, dryRun: false }
    },
    async close() {},
  }
  return port satisfies DeadLetterPort
}

function setup(o: { adminToken?: string; consumer?: ReturnType<typeof fakeConsumer> | null; deadLetters?: DeadLetterPort | null } = {}) {
  const metrics = createMetrics()
  const log = memoryLogger()
  const consumer = o.consumer === null ? undefined : (o.consumer ?? fakeConsumer())
  const failures = createFailureLog(() => T0)
  const deadLetters = o.deadLetters === undefined ? fakeDeadLetters() : o.deadLetters
  const console: ConsoleDeps = {
    metrics, log, version: '0.1.0-test', modes: ['middletier'], groupId: 'thoth.investigator', deploymentName: 'prod',
    topics: [HASH, SOLVED], pendingLimit: 5, deadLetterTopic: DLT, startedAt: T0 - 3_725_000, now: () => T0,
    adminToken: o.adminToken, consumer: () => consumer, startupReason: () => 'connecting to the knowledge graph', failures,
    quota: () => [{ namespace: 'thoth-middletier', pending: 7, countedAt: '2026-11-27T05:59:59.000Z' }], deadLetters,
  }
  const app = createHttpApp({ metrics, log, version: '0.1.0-test', deploymentName: 'prod', adminToken: o.adminToken, consumer: () => consumer, console })
  return { app, metrics, log, consumer, failures, deadLetters }
}

const post = (path: string, headers: Record<string, string> = {}, body?: unknown) =>
  new Request(`http://console.test${path}`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: body === undefined ? undefined : JSON.stringify(body) })
const bearer = (t: string) => ({ authorization: `Bearer ${t}` })
async function actions(metrics: ReturnType<typeof createMetrics>) {
  return Object.fromEntries((await metrics.operatorActions.get()).values.map((v) => [`${v.labels.action}|${v.labels.outcome}`, v.value]))
}

describe('GET /api/status', () => {
  test('service facts, topics with partitions, counters, durations, last error, quota', async () => {
    const s = setup()
    s.metrics.processed.inc({ message_type: 'hash_mismatch' }, 4)
    s.metrics.exceptions.inc({ message_type: 'hash_mismatch' }, 2)
    s.metrics.failures.inc({ message_type: 'hash_mismatch' }, 1)
    s.metrics.deadLetters.inc({ base_topic_name: HASH, reason: 'handler_error' }, 1)
    for (const v of [0.07, 0.08, 0.09, 2]) s.metrics.handlerDuration.observe({ message_type: 'hash_mismatch' }, v)
    s.metrics.pendingLimitWaiting.inc({ namespace: 'thoth-middletier' }, 2)
    s.consumer?.parts.push(part(HASH, 1, { waiting: true }))
    s.failures.hook.failed({ topic: `prod.${HASH}`, partition: 1, offset: '9', baseName: HASH, errorClass: 'UpstreamError', message: 'argo call failed', attempt: 2 })
    const res = await s.app.request('/api/status')
    expect(res.status).toBe(200)
    const body = (await res.json()) as Record<string, any>
    expect(body).toMatchObject({ version: '0.1.0-test', modes: ['middletier'], group: 'thoth.investigator', uptimeSeconds: 3725, health: { status: 'ready', reason: null }, deadLetterTopic: DLT })
    const hash = body.topics.find((t: any) => t.baseName === HASH)
    expect(hash).toMatchObject({ state: 'flowing', halt: null, lag: 4, counters: { handled: 4, failedAttempts: 2, acknowledged: 1, deadLettered: 1 } })
    expect(hash.partitions[0]).toEqual({ partition: 0, committed: '10', end: '12', lag: 2, queued: 0, halted: false, waiting: false, resumeFrom: null })
    expect(hash.durationSeconds.count).toBe(4)
    expect(hash.durationSeconds.p50).toBeCloseTo(0.05 + 0.05 * (2 / 3), 9) // rank 2 of the 3 in (0.05, 0.1]
    expect(hash.durationSeconds.p99).toBeCloseTo(1 + 1.5 * 0.96, 9) // inside (1, 2.5]
    expect(hash.lastError).toEqual({ at: '2026-11-27T06:00:00.000Z', topic: `prod.${HASH}`, partition: 1, offset: '9', errorClass: 'UpstreamError', message: 'argo call failed', attempt: 2 })
    expect(body.quota).toEqual({
      limit: 5,
      namespaces: [{ namespace: 'thoth-middletier', pending: 7, countedAt: '2026-11-27T05:59:59.000Z', waiting: 2 }],
      pausedPartitions: [{ topic: `prod.${HASH}`, partition: 1 }],
    })
  })

  test('halted topics come first with the record that halted them', async () => {
    const s = setup()
    const c = s.consumer as ReturnType<typeof fakeConsumer>
    c.haltedNow = [SOLVED]
    c.parts = [part(HASH, 0), part(SOLVED, 0, { halted: true, resumeFrom: '3' })]
    c.records.set(SOLVED, { halted: true, reason: 'handler_error', since: '2026-11-27T05:58:00.000Z', by: 'pod-1' })
    s.failures.hook.failed({ topic: `prod.${SOLVED}`, partition: 0, offset: '3', baseName: SOLVED, errorClass: 'ServiceError', message: 'boom', attempt: 3 })
    s.failures.hook.halted({ topic: `prod.${SOLVED}`, partition: 0, offset: '3', baseName: SOLVED, reason: 'handler_error' })
    const body = (await (await s.app.request('/api/status')).json()) as Record<string, any>
    expect(body.topics.map((t: any) => t.baseName)).toEqual([SOLVED, HASH])
    expect(body.topics[0].halt).toEqual({
      reason: 'handler_error', since: '2026-11-27T05:58:00.000Z', by: 'pod-1', autoResumeSeconds: null,
      record: { at: '2026-11-27T06:00:00.000Z', topic: `prod.${SOLVED}`, partition: 0, offset: '3', reason: 'handler_error', attempts: 3, errorClass: 'ServiceError', message: 'boom' },
    })
    // Once the partition moved past that record (resumed and halted again by an operator) the cause is stale.
    c.parts = [part(SOLVED, 0, { halted: true, resumeFrom: '8' })]
    c.records.set(SOLVED, { halted: true, reason: 'operator', since: '2026-11-27T05:59:00.000Z', by: 'pod-2' })
    const again = (await (await s.app.request('/api/status')).json()) as Record<string, any>
    expect(again.topics[0].halt).toMatchObject({ reason: 'operator', record: null })
  })

  test('before the consumer exists: not ready with the start-up reason', async () => {
    const body = (await (await setup({ consumer: null }).app.request('/api/status')).json()) as Record<string, any>
    expect(body.health).toEqual({ status: 'not ready', reason: 'connecting to the knowledge graph' })
    expect(body.topics.every((t: any) => t.partitions.length === 0)).toBe(true)
  })
})

describe('dead letters API', () => {
  test('GET /api/dead-letters lists the newest N without payloads, filtered by topic', async () => {
    const s = setup()
    const body = (await (await s.app.request('/api/dead-letters?limit=1')).json()) as Record<string, any>
    expect(body).toMatchObject({ topic: DLT, total: 2, limit: 1 })
    expect(body.deadLetters).toEqual([
      { id: '0-1', partition: 0, offset: '1', original: { topic: `prod.${SOLVED}`, baseName: SOLVED, partition: 0, offset: '7' }, reason: 'handler_error', errorClass: 'ServiceError', errorMessage: 'boom', attempts: 3, deadLetteredAt: '2026-11-27T05:59:00.000Z' },
    ])
    const only = (await (await s.app.request(`/api/dead-letters?topic=${HASH}`)).json()) as Record<string, any>
    expect(only.deadLetters.map((d: any) => d.id)).toEqual(['0-0'])
    expect((await s.app.request('/api/dead-letters?limit=0')).status).toBe(400)
    expect((await s.app.request('/api/dead-letters?limit=x')).status).toBe(400)
    expect((await s.app.request('/api/dead-letters?topic=nope')).status).toBe(422)
    expect((await setup({ deadLetters: null }).app.request('/api/dead-letters')).status).toBe(404)
  })

  test('GET /api/dead-letters/:partition/:offset pretty-prints the payload with secrets masked', async () => {
    const s = setup()
    const res = await s.app.request('/api/dead-letters/0/0')
    expect(res.status).toBe(200)
    const body = (await res.json()) as Record<string, any>
    expect(body).toMatchObject({ id: '0-0', key: 'k1', headers: { trace: 'abc' }, payload: { kind: 'json' } })
    expect(body.payload.text).toContain('"package_name": "flask"')
    expect(body.payload.text).toContain('"registry_password": "[redacted]"')
    expect(JSON.stringify(body)).not.toContain('hunter22')
    expect((await s.app.request('/api/dead-letters/0/99')).status).toBe(404)
    expect((await s.app.request('/api/dead-letters/x/1')).status).toBe(400)
  })
})

describe('actions without an admin token', () => {
  test('halt and resume act, answer like /halt and /resume, and are logged and counted', async () => {
    const s = setup()
    const res = await s.app.request(post(`/api/topics/${HASH}/halt`, { 'x-forwarded-for': '10.1.2.3' }))
    expect(res.status).toBe(200)
    expect(await res.json()).toEqual({ message: `Successfully halted consumption of prod.${HASH}.` })
    expect((await s.app.request(post(`/api/topics/${HASH}/resume`))).status).toBe(200)
    expect(s.consumer?.calls).toEqual([`halt ${HASH}`, `resume ${HASH}`])
    const line = s.log.lines.find((l) => l.msg === 'operator action' && l.action === 'halt')
    expect(line).toMatchObject({ target: HASH, outcome: 'ok', remote: '10.1.2.3', who: 'anonymous (no admin token configured)' })
    expect(line?.time).toBeDefined()
    expect(await actions(s.metrics)).toMatchObject({ 'halt|ok': 1, 'resume|ok': 1 })
  })

  test('unknown topic 422, control write failure 503, no consumer 503', async () => {
    const s = setup()
    expect((await s.app.request(post('/api/topics/nope/halt'))).status).toBe(422)
    ;(s.consumer as ReturnType<typeof fakeConsumer>).failWith = new ControlWriteError('broker down')
    const res = await s.app.request(post(`/api/topics/${HASH}/resume`))
    expect(res.status).toBe(503)
    expect(await res.json()).toEqual({ message: `Could not record the resume of prod.${HASH}: broker down` })
    expect((await setup({ consumer: null }).app.request(post(`/api/topics/${HASH}/halt`))).status).toBe(503)
    expect(await actions(s.metrics)).toMatchObject({ 'halt|rejected': 1, 'resume|failed': 1 })
  })

  test('replay one dead letter, and all of a topic', async () => {
    const s = setup()
    const port = s.deadLetters as ReturnType<typeof fakeDeadLetters>
    const one = await s.app.request(post('/api/dead-letters/0/0/replay'))
    expect(one.status).toBe(200)
    expect(await one.json()).toEqual({ message: `Replayed dead letter 0@0 to prod.${HASH}.`, topic: `prod.${HASH}` })
    expect((await s.app.request(post('/api/dead-letters/0/42/replay'))).status).toBe(404)
    const all = await s.app.request(post('/api/dead-letters/replay', {}, { topic: HASH }))
    expect(all.status).toBe(200)
    expect(((await all.json()) as Record<string, any>).summary.replayed).toBe(1)
    expect((await s.app.request(post('/api/dead-letters/replay', {}, { topic: 'nope' }))).status).toBe(422)
    port.replayError = new NoReplayPositionError('g', [0])
    const conflict = await s.app.request(post('/api/dead-letters/replay', {}, { topic: HASH }))
    expect(conflict.status).toBe(409)
    expect(await conflict.json()).toMatchObject({ code: 'no_replay_position' })
    port.replayError = undefined
    expect((await s.app.request(post('/api/dead-letters/replay', {}, { topic: HASH, fromBeginning: true }))).status).toBe(200)
    expect(port.replayed).toEqual(['0@0', `all ${HASH} false`, `all ${HASH} true`])
    expect(await actions(s.metrics)).toMatchObject({ 'replay|ok': 3, 'replay|rejected': 3 })
  })

  test('a cross-site browser request is refused (CSRF)', async () => {
    const s = setup()
    const evil = await s.app.request(post(`/api/topics/${HASH}/halt`, { origin: 'https://evil.example', host: 'console.test' }))
    expect(evil.status).toBe(403)
    expect((await s.app.request(post(`/api/topics/${HASH}/halt`, { 'sec-fetch-site': 'cross-site' }))).status).toBe(403)
    expect((await s.app.request(post(`/api/topics/${HASH}/halt`, { origin: 'null' }))).status).toBe(403)
    expect(s.consumer?.calls).toEqual([])
    const same = await s.app.request(post(`/api/topics/${HASH}/halt`, { origin: 'http://console.test', host: 'console.test', 'sec-fetch-site': 'same-origin' }))
    expect(same.status).toBe(200)
    expect(await actions(s.metrics)).toMatchObject({ 'halt|forbidden': 3, 'halt|ok': 1 })
  })

  test('actions are POST only', async () => {
    const s = setup()
    for (const path of [`/api/topics/${HASH}/halt`, `/api/topics/${HASH}/resume`, '/api/dead-letters/0/0/replay', '/api/dead-letters/replay']) {
      expect((await s.app.request(path)).status).toBe(405)
    }
    expect(s.consumer?.calls).toEqual([])
  })
})

describe('actions with an admin token', () => {
  const routes: [string, unknown?][] = [[`/api/topics/${HASH}/halt`], [`/api/topics/${HASH}/resume`], ['/api/dead-letters/0/0/replay'], ['/api/dead-letters/replay', { topic: HASH }]]

  test('no token and a wrong token: 401 with WWW-Authenticate, nothing done', async () => {
    const s = setup({ adminToken: TOKEN })
    for (const [path, body] of routes) {
      for (const headers of [{}, bearer('wrong'), bearer(`${TOKEN}x`), { authorization: TOKEN }]) {
        const res = await s.app.request(post(path, headers, body))
        expect(res.status).toBe(401)
        expect(res.headers.get('www-authenticate')).toStartWith('Bearer')
      }
    }
    expect(s.consumer?.calls).toEqual([])
    expect((s.deadLetters as ReturnType<typeof fakeDeadLetters>).replayed).toEqual([])
    expect(await actions(s.metrics)).toMatchObject({ 'halt|unauthorized': 4, 'resume|unauthorized': 4, 'replay|unauthorized': 8 })
    expect(s.log.lines.filter((l) => l.msg === 'operator action refused').length).toBe(16)
  })

  test('the right token: every action is done', async () => {
    const s = setup({ adminToken: TOKEN })
    for (const [path, body] of routes) expect((await s.app.request(post(path, bearer(TOKEN), body))).status).toBe(200)
    expect(s.consumer?.calls).toEqual([`halt ${HASH}`, `resume ${HASH}`])
    expect((s.deadLetters as ReturnType<typeof fakeDeadLetters>).replayed).toEqual(['0@0', `all ${HASH} false`])
    expect(s.log.lines.find((l) => l.msg === 'operator action')).toMatchObject({ who: 'admin token holder' })
  })

  test('reading stays open: pages, status, dead letters, /metrics', async () => {
    const s = setup({ adminToken: TOKEN })
    for (const path of ['/', '/?fragment=1', '/ui/dead-letters', '/ui/dead-letters/0/0', '/api/status', '/api/dead-letters', '/api/dead-letters/0/0', '/metrics']) {
      expect([path, (await s.app.request(path)).status]).toEqual([path, 200])
    }
  })

  test('the upstream GET /halt and /resume need the token too (documented deviation)', async () => {
    const s = setup({ adminToken: TOKEN })
    expect((await s.app.request(`/halt/${HASH}`)).status).toBe(401)
    expect((await s.app.request(`/resume/${HASH}`, { headers: bearer(TOKEN) })).status).toBe(200)
  })
})

describe('pages', () => {
  test('the overview is server-rendered, self-contained and marks halted topics', async () => {
    const s = setup()
    const c = s.consumer as ReturnType<typeof fakeConsumer>
    c.haltedNow = [HASH]
    c.parts = [part(HASH, 0, { halted: true, resumeFrom: '12' }), part(SOLVED, 0)]
    s.failures.hook.halted({ topic: `prod.${HASH}`, partition: 0, offset: '12', baseName: HASH, reason: 'schema' })
    const res = await s.app.request('/')
    expect(res.status).toBe(200)
    expect(res.headers.get('content-type')).toStartWith('text/html')
    const csp = res.headers.get('content-security-policy') ?? ''
    expect(csp).toContain("default-src 'none'")
    expect(csp).toContain("connect-src 'self'")
    const html = await res.text()
    expect(html).toStartWith('<!DOCTYPE html>')
    const nonce = /script-src 'nonce-([^']+)'/.exec(csp)?.[1]
    expect(html).toContain(`<script nonce="${nonce}">`)
    expect(html).toContain('data-testid="halted-topic" data-topic="thoth.package-update.hash-mismatch"')
    expect(html).toMatch(/data-testid="halt-offset">12</)
    expect(html).toContain(`data-topic="${SOLVED}" data-state="flowing"`)
    expect(html).not.toMatch(/(src|href|action)="(https?:)?\/\//) // nothing from another host
    const fragment = await (await s.app.request('/?fragment=1')).text()
    expect(fragment).not.toContain('<html')
    expect(fragment).toContain('id="generated"')
  })

  test('dead-letter list and detail pages; the payload is masked, a missing one is 404', async () => {
    const s = setup()
    const list = await (await s.app.request(`/ui/dead-letters?topic=${HASH}`)).text()
    expect(list).toContain('href="/ui/dead-letters/0/0"')
    expect(list).toContain('data-testid="replay-all"')
    const page = await (await s.app.request('/ui/dead-letters/0/0')).text()
    expect(page).toContain('&quot;registry_password&quot;: &quot;[redacted]&quot;')
    expect(page).not.toContain('hunter22')
    expect((await s.app.request('/ui/dead-letters/0/99')).status).toBe(404)
  })
})

describe('helpers', () => {
  test('histogramQuantile interpolates like PromQL', () => {
    const b = [{ le: 0.1, count: 2 }, { le: 1, count: 4 }, { le: Infinity, count: 4 }]
    expect(histogramQuantile(0.5, b)).toBeCloseTo(0.1, 9)
    expect(histogramQuantile(0.75, b)).toBeCloseTo(0.55, 9)
    expect(histogramQuantile(0.5, [{ le: 1, count: 0 }, { le: Infinity, count: 0 }])).toBeNull()
    expect(histogramQuantile(0.99, [{ le: 1, count: 0 }, { le: Infinity, count: 3 }])).toBe(1)
  })

  test('showPayload masks secret fields in JSON and in text that is not JSON', () => {
    const json = showPayload(Buffer.from('{"a":{"registry_password":"pw12345","token":42},"u":"x pw12345 y"}'))
    expect(json).toEqual({ kind: 'json', text: expect.not.stringContaining('pw12345') })
    expect(JSON.stringify(json)).not.toContain('42')
    const text = showPayload(Buffer.from('{"registry_password": "pw12345", broken'))
    expect(text).toEqual({ kind: 'text', text: '{"registry_password": "[redacted]", broken' })
    expect(showPayload(Buffer.from([0xff, 0x00]))).toEqual({ kind: 'binary', hex: 'ff 00', bytes: 2 })
    expect(showPayload(null)).toEqual({ kind: 'empty' })
  })

  test('the last error of an undecodable record never quotes its value', () => {
    const f = createFailureLog(() => T0)
    f.hook.failed({ topic: 't', partition: 0, offset: '1', baseName: HASH, errorClass: 'InvalidMessageError', message: 'value is not JSON: JSON Parse error: Unexpected identifier "hunter"', attempt: 0, invalidReason: 'not_json' })
    expect(f.lastError(HASH)?.message).toBe('value is not JSON')
  })
})
