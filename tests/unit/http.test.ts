import { describe, expect, test } from 'bun:test'
import type { ConsumerControl, Health } from '../../lib/consumer.ts'
import { ControlWriteError } from '../../lib/halts.ts'
import { createHttpApp, type HttpDeps } from '../../lib/http.ts'
import { memoryLogger } from '../../lib/log.ts'
import { createMetrics } from '../../lib/metrics.ts'
import { BASE_NAMES } from '../../lib/topics.ts'

const VERSION = '0.1.0-test'
const BASE = 'thoth.package-update.hash-mismatch'
const FULL = `prod.${BASE}`
const UNKNOWN = { message: 'No corresponding message type found in `thoth-messaging`. No action taken.' }

/** A ConsumerControl whose health and halt/resume outcomes the test sets. */
interface TestConsumer extends ConsumerControl {
  readonly calls: string[]
  healthNow: Health
  failWith?: Error
}

function controlledConsumer(): TestConsumer {
  const c: TestConsumer = {
    calls: [],
    healthNow: { ready: true },
    health: () => c.healthNow,
    async halt(base) {
      c.calls.push(`halt ${base}`)
      if (c.failWith) throw c.failWith
    },
    async resume(base) {
      c.calls.push(`resume ${base}`)
      if (c.failWith) throw c.failWith
    },
    halted: () => [],
    partitions: () => [],
  }
  return c
}

function setup(o: { consumer?: TestConsumer | null; adminToken?: string; startupReason?: string } = {}) {
  const consumer = o.consumer === null ? undefined : (o.consumer ?? controlledConsumer())
  const metrics = createMetrics()
  const log = memoryLogger()
  const deps: HttpDeps = {
    metrics,
    log,
    version: VERSION,
    deploymentName: 'prod',
    adminToken: o.adminToken,
    consumer: () => consumer,
    startupReason: o.startupReason === undefined ? undefined : () => o.startupReason,
  }
  return { app: createHttpApp(deps), consumer, metrics, log }
}

async function actions(metrics: ReturnType<typeof createMetrics>) {
  const { values } = await metrics.operatorActions.get()
  return Object.fromEntries(values.map((v) => [`${v.labels.action}|${v.labels.outcome}`, v.value]))
}

describe('/_health', () => {
  test('503 before the consumer exists, with version and reason', async () => {
    const res = await setup({ consumer: null }).app.request('/_health')
    expect(res.status).toBe(503)
    expect(res.headers.get('content-type')).toStartWith('application/json')
    const body = (await res.json()) as Record<string, unknown>
    expect(body).toEqual({ status: 'not ready', version: VERSION, reason: expect.any(String) })
    expect(body.reason).not.toBe('')
  })

  test('503 before the consumer exists carries the start-up reason', async () => {
    const res = await setup({ consumer: null, startupReason: 'connecting to PostgreSQL' }).app.request('/_health')
    expect(res.status).toBe(503)
    expect(await res.json()).toEqual({ status: 'not ready', version: VERSION, reason: 'connecting to PostgreSQL' })
  })

  test('503 when the consumer is not ready (stuck partition)', async () => {
    const consumer = controlledConsumer()
    consumer.healthNow = { ready: false, reason: 'partition 0 of prod.thoth.adviser-trigger is stuck' }
    const res = await setup({ consumer }).app.request('/_health')
    expect(res.status).toBe(503)
    expect(await res.json()).toEqual({
      status: 'not ready',
      version: VERSION,
      reason: 'partition 0 of prod.thoth.adviser-trigger is stuck',
    })
  })

  test('200 ready with the version once the consumer is running', async () => {
    const res = await setup().app.request('/_health')
    expect(res.status).toBe(200)
    expect(res.headers.get('content-type')).toStartWith('application/json')
    expect(await res.json()).toEqual({ status: 'ready', version: VERSION })
  })

  test('readiness follows the consumer', async () => {
    const { app, consumer } = setup()
    expect((await app.request('/_health')).status).toBe(200)
    consumer!.healthNow = { ready: false, reason: 'stopping' }
    expect((await app.request('/_health')).status).toBe(503)
  })
})

describe('/metrics', () => {
  test('Prometheus text exposition of our registry', async () => {
    const { app, metrics } = setup()
    metrics.failures.inc({ message_type: 'hash_mismatch' })
    const res = await app.request('/metrics')
    expect(res.status).toBe(200)
    expect(res.headers.get('content-type')).toBe('text/plain; version=0.0.4; charset=utf-8')
    const text = await res.text()
    expect(text).toContain('# TYPE thoth_investigator_failures_total counter')
    expect(text).toContain('thoth_investigator_failures_total{message_type="hash_mismatch"} 1')
  })

  test('also answers while the consumer does not exist', async () => {
    expect((await setup({ consumer: null }).app.request('/metrics')).status).toBe(200)
  })
})

describe.each(['halt', 'resume'] as const)('/%s', (verb) => {
  const past = verb === 'halt' ? 'halted' : 'resumed'

  test.each(['GET', 'POST'])('%s on a known base name: 200 with the full topic name', async (method) => {
    const { app, consumer, metrics, log } = setup()
    const res = await app.request(`/${verb}/${BASE}`, { method })
    expect(res.status).toBe(200)
    expect(res.headers.get('content-type')).toStartWith('application/json')
    expect(await res.json()).toEqual({ message: `Successfully ${past} consumption of ${FULL}.` })
    expect(consumer!.calls).toEqual([`${verb} ${BASE}`])
    expect(await actions(metrics)).toEqual({ [`${verb}|ok`]: 1 })
    expect(log.lines.some((l) => l.level === 'info' && l.base_name === BASE)).toBe(true)
  })

  test('every one of the 19 base names is accepted', async () => {
    const { app, consumer } = setup()
    for (const base of BASE_NAMES) {
      const res = await app.request(`/${verb}/${base}`)
      expect(res.status).toBe(200)
      expect(await res.json()).toEqual({ message: `Successfully ${past} consumption of prod.${base}.` })
    }
    expect(consumer!.calls).toHaveLength(19)
  })

  test.each(['hash-mismatch', 'prod.thoth.package-update.hash-mismatch', 'thoth.unknown', 'THOTH.ADVISER-TRIGGER'])(
    'unknown name %s: 422 with the upstream body, nothing done',
    async (name) => {
      const { app, consumer } = setup()
      for (const method of ['GET', 'POST']) {
        const res = await app.request(`/${verb}/${name}`, { method })
        expect(res.status).toBe(422)
        const text = await res.text()
        expect(JSON.parse(text)).toEqual(UNKNOWN)
        expect(text).toContain('`thoth-messaging`')
      }
      expect(consumer!.calls).toEqual([])
    },
  )

  test('503 when the control record cannot be written', async () => {
    const consumer = controlledConsumer()
    consumer.failWith = new ControlWriteError('broker not available')
    const { app, metrics } = setup({ consumer })
    const res = await app.request(`/${verb}/${BASE}`)
    expect(res.status).toBe(503)
    expect(await res.json()).toEqual({ message: `Could not record the ${verb} of ${FULL}: broker not available` })
    expect(await actions(metrics)).toEqual({ [`${verb}|failed`]: 1 })
  })

  test('503 before the consumer exists', async () => {
    const res = await setup({ consumer: null }).app.request(`/${verb}/${BASE}`)
    expect(res.status).toBe(503)
    const body = (await res.json()) as { message: string }
    expect(body.message).toStartWith(`Could not record the ${verb} of ${FULL}: `)
  })

  test('any other error: 500, logged', async () => {
    const consumer = controlledConsumer()
    consumer.failWith = new Error('boom')
    const { app, log } = setup({ consumer })
    const res = await app.request(`/${verb}/${BASE}`)
    expect(res.status).toBe(500)
    expect(log.lines.some((l) => l.level === 'error')).toBe(true)
  })

  describe('admin token', () => {
    test('not configured: open', async () => {
      expect((await setup().app.request(`/${verb}/${BASE}`)).status).toBe(200)
    })

    test('configured: 401 without or with a wrong bearer token, nothing done', async () => {
      const { app, consumer, metrics } = setup({ adminToken: 's3cret-admin' })
      const tries: Record<string, string>[] = [{}, { Authorization: 'Bearer wrong' }, { Authorization: 's3cret-admin' }, { Authorization: 'Basic s3cret-admin' }]
      for (const headers of tries) {
        const res = await app.request(`/${verb}/${BASE}`, { method: 'POST', headers })
        expect(res.status).toBe(401)
        expect(await res.text()).not.toContain('s3cret-admin')
      }
      expect(consumer!.calls).toEqual([])
      expect(await actions(metrics)).toEqual({ [`${verb}|unauthorized`]: 4 })
    })

    test('configured: 200 with the right bearer token', async () => {
      const { app, consumer } = setup({ adminToken: 's3cret-admin' })
      const res = await app.request(`/${verb}/${BASE}`, { headers: { Authorization: 'Bearer s3cret-admin' } })
      expect(res.status).toBe(200)
      expect(await res.json()).toEqual({ message: `Successfully ${past} consumption of ${FULL}.` })
      expect(consumer!.calls).toEqual([`${verb} ${BASE}`])
    })
  })
})

describe('other routes', () => {
  test.each(['/', '/health', '/halt', '/resume', '/metrics/x', '/_health/x', '/halt/a/b'])('%s: 404 text', async (path) => {
    const res = await setup().app.request(path)
    expect(res.status).toBe(404)
    expect(res.headers.get('content-type')).toStartWith('text/plain')
    expect(await res.text()).toBe('404: Not Found')
  })

  test.each([
    ['POST', '/_health'],
    ['DELETE', '/metrics'],
    ['PUT', `/halt/${BASE}`],
    ['DELETE', `/resume/${BASE}`],
    ['PATCH', '/halt/unknown'],
  ])('%s %s: 405, nothing done', async (method, path) => {
    const { app, consumer } = setup()
    const res = await app.request(path, { method })
    expect(res.status).toBe(405)
    expect(consumer!.calls).toEqual([])
  })
})
