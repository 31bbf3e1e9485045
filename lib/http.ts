/**
 * The HTTP surface on port 6066 (§3): /_health, /metrics, /halt/{base}, /resume/{base}, with
 * upstream's bodies and status codes (D-20, D-21). Tests use `app.request()`.
 */
import { Hono, type Context } from 'hono'
import type { ConsumerControl } from './consumer.ts'
import { mountConsole, type ConsoleDeps } from './console/index.tsx'
import { ControlWriteError } from './halts.ts'
import type { Logger } from './log.ts'
import type { Metrics } from './metrics.ts'
import { BASE_NAMES, topicName } from './topics.ts'

const UNKNOWN = { message: 'No corresponding message type found in `thoth-messaging`. No action taken.' }

/** What the HTTP app needs; `consumer` is undefined until the consumer exists. */
export interface HttpDeps {
  metrics: Metrics
  log: Logger
  version: string
  deploymentName: string
  /** THOTH_INVESTIGATOR_ADMIN_TOKEN: when set, halt and resume require `Authorization: Bearer`. */
  adminToken?: string
  consumer: () => ConsumerControl | undefined
  /** Extra readiness reason before the consumer exists (e.g. "connecting to PostgreSQL"). */
  startupReason?: () => string | undefined
  /** The operator console (/, /ui/..., /api/...); absent: not mounted. */
  console?: ConsoleDeps
}

/** Builds the Hono app. */
export function createHttpApp(d: HttpDeps): Hono {
  const app = new Hono()
  const { registry } = d.metrics

  app.get('/_health', (c) => {
    const consumer = d.consumer()
    const health = consumer?.health() ?? { ready: false, reason: d.startupReason?.() ?? 'starting' }
    if (health.ready) return c.json({ status: 'ready', version: d.version })
    return c.json({ status: 'not ready', version: d.version, reason: health.reason }, 503)
  })

  app.get('/metrics', async () => {
    return new Response(await registry.metrics(), { headers: { 'Content-Type': 'text/plain; version=0.0.4; charset=utf-8' } })
  })

  const action = (verb: 'halt' | 'resume') => async (c: Context) => {
    const base = c.req.param('topic') ?? ''
    if (!BASE_NAMES.has(base)) return c.json(UNKNOWN, 422)
    if (d.adminToken && c.req.header('authorization') !== `Bearer ${d.adminToken}`) {
      d.metrics.operatorActions.inc({ action: verb, outcome: 'unauthorized' })
      return c.json({ message: 'This action requires the admin token (Authorization: Bearer <THOTH_INVESTIGATOR_ADMIN_TOKEN>).' }, 401)
    }
    const consumer = d.consumer()
    const full = topicName(d.deploymentName, base)
    const past = verb === 'halt' ? 'halted' : 'resumed'
    if (!consumer) return c.json({ message: `Could not record the ${verb} of ${full}: the consumer is not running yet` }, 503)
    try {
      await (verb === 'halt' ? consumer.halt(base) : consumer.resume(base))
    } catch (err) {
      d.metrics.operatorActions.inc({ action: verb, outcome: 'failed' })
      if (err instanceof ControlWriteError) return c.json({ message: `Could not record the ${verb} of ${full}: ${err.message}` }, 503)
      throw err
    }
    d.metrics.operatorActions.inc({ action: verb, outcome: 'ok' })
    d.log.info(`operator ${verb}`, { base_name: base, remote: c.req.header('x-forwarded-for') ?? 'direct' })
    return c.json({ message: `Successfully ${past} consumption of ${full}.` })
  }
  for (const verb of ['halt', 'resume'] as const) {
    app.get(`/${verb}/:topic`, action(verb))
    app.post(`/${verb}/:topic`, action(verb))
  }

  for (const path of ['/_health', '/metrics', '/halt/:topic', '/resume/:topic']) {
    app.all(path, (c) => c.text('405: Method Not Allowed', 405))
  }
  if (d.console) mountConsole(app, d.console)
  app.notFound((c) => c.text('404: Not Found', 404))
  app.onError((err, c) => {
    d.log.error('HTTP handler failed', { path: c.req.path, error: err })
    return c.json({ message: 'internal error' }, 500)
  })
  return app
}
