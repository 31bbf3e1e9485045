/**
 * The console's JSON API (docs/console-api.md): reading routes are open like /metrics; actions
 * are POSTs checked by lib/console/auth.ts, logged with who, what and when, and counted in
 * thoth_investigator_operator_actions_total{action, outcome}.
 */
import type { Context, Hono } from 'hono'
import { NoReplayPositionError } from '../cli/replay.ts'
import { ControlWriteError } from '../halts.ts'
import { BASE_NAMES, topicName } from '../topics.ts'
import { checkAction, remoteAddress } from './auth.ts'
import type { ConsoleDeps } from './deps.ts'
import { buildStatus } from './status.ts'

type Action = 'halt' | 'resume' | 'replay'
const UNKNOWN = { message: 'No corresponding message type found in `thoth-messaging`. No action taken.' }
const DIGITS = /^\d+$/
const NO_DEAD_LETTERS = { message: 'Dead letters are off (THOTH_INVESTIGATOR_DEAD_LETTER_TOPIC is empty).' }

/** Runs an action after the checks; logs and counts it whatever the outcome. */
async function act(c: Context, d: ConsoleDeps, action: Action, target: string, run: () => Promise<Response>): Promise<Response> {
  const who = { action, target, remote: remoteAddress(c), user_agent: c.req.header('user-agent') ?? '' }
  const verdict = checkAction(c, d.adminToken)
  if (!verdict.ok) {
    d.metrics.operatorActions.inc({ action, outcome: verdict.outcome })
    d.log.warn('operator action refused', { ...who, outcome: verdict.outcome })
    if (verdict.status === 401) c.header('WWW-Authenticate', 'Bearer realm="thoth-investigator"')
    return c.json({ message: verdict.message }, verdict.status)
  }
  let res: Response
  try {
    res = await run()
  } catch (err) {
    const status = err instanceof NoReplayPositionError || /another replay is running/.test(String(err)) ? 409 : 503
    res = c.json({ message: `Could not ${action} ${target}: ${err instanceof Error ? err.message : String(err)}`, ...(err instanceof NoReplayPositionError ? { code: 'no_replay_position' } : {}) }, status)
    d.log.error('operator action failed', { ...who, who: verdict.who, error: err })
  }
  const outcome = res.status < 300 ? 'ok' : res.status < 500 ? 'rejected' : 'failed'
  d.metrics.operatorActions.inc({ action, outcome })
  d.log.info('operator action', { ...who, who: verdict.who, outcome, status: res.status })
  return res
}

function topicAction(d: ConsoleDeps, verb: 'halt' | 'resume') {
  return (c: Context) => {
    const base = c.req.param('topic') ?? ''
    return act(c, d, verb, base, async () => {
      if (!BASE_NAMES.has(base)) return c.json(UNKNOWN, 422)
      const full = topicName(d.deploymentName, base)
      const consumer = d.consumer()
      if (!consumer) return c.json({ message: `Could not record the ${verb} of ${full}: the consumer is not running yet` }, 503)
      try {
        await (verb === 'halt' ? consumer.halt(base) : consumer.resume(base))
      } catch (err) {
        if (err instanceof ControlWriteError) return c.json({ message: `Could not record the ${verb} of ${full}: ${err.message}` }, 503)
        throw err
      }
      return c.json({ message: `Successfully ${verb === 'halt' ? 'halted' : 'resumed'} consumption of ${full}.` })
    })
  }
}

/** `?limit=` of the list: 1..500, default 50. */
export function listLimit(raw: string | undefined): number | undefined {
  if (raw === undefined || raw === '') return 50
  return DIGITS.test(raw) && Number(raw) >= 1 && Number(raw) <= 500 ? Number(raw) : undefined
}

/** Mounts /api/* on the app. */
export function mountApi(app: Hono, d: ConsoleDeps): void {
  app.get('/api/status', async (c) => c.json(await buildStatus(d)))

  app.get('/api/dead-letters', async (c) => {
    if (!d.deadLetters) return c.json(NO_DEAD_LETTERS, 404)
    const limit = listLimit(c.req.query('limit'))
    const baseName = c.req.query('topic') || undefined
    if (limit === undefined) return c.json({ message: 'limit must be an integer from 1 to 500' }, 400)
    if (baseName !== undefined && !BASE_NAMES.has(baseName)) return c.json(UNKNOWN, 422)
    const r = await d.deadLetters.list({ limit, baseName })
    return c.json({ topic: d.deadLetters.topic, total: r.total, limit, deadLetters: r.deadLetters })
  })

  app.get('/api/dead-letters/:partition/:offset', async (c) => {
    const { partition, offset } = c.req.param()
    if (!DIGITS.test(partition) || !DIGITS.test(offset)) return c.json({ message: 'partition and offset must be integers' }, 400)
    if (!d.deadLetters) return c.json(NO_DEAD_LETTERS, 404)
    const dl = await d.deadLetters.get(Number(partition), offset)
    return dl ? c.json(dl) : c.json({ message: `no dead letter at partition ${partition} offset ${offset}` }, 404)
  })

  app.post('/api/topics/:topic/halt', topicAction(d, 'halt'))
  app.post('/api/topics/:topic/resume', topicAction(d, 'resume'))

  app.post('/api/dead-letters/:partition/:offset/replay', (c) => {
    const { partition, offset } = c.req.param()
    return act(c, d, 'replay', `${d.deadLetters?.topic ?? 'dead letters'} ${partition}@${offset}`, async () => {
      if (!DIGITS.test(partition) || !DIGITS.test(offset)) return c.json({ message: 'partition and offset must be integers' }, 400)
      if (!d.deadLetters) return c.json(NO_DEAD_LETTERS, 404)
      const r = await d.deadLetters.replayOne(Number(partition), offset)
      if (!r) return c.json({ message: `no dead letter at partition ${partition} offset ${offset}` }, 404)
      return c.json({ message: `Replayed dead letter ${partition}@${offset} to ${r.topic}.`, topic: r.topic })
    })
  })

  app.post('/api/dead-letters/replay', async (c) => {
    const body = (await c.req.json().catch(() => ({}))) as { topic?: unknown; fromBeginning?: unknown }
    const base = typeof body.topic === 'string' ? body.topic : (c.req.query('topic') ?? '')
    return act(c, d, 'replay', base || '(no topic)', async () => {
      if (!BASE_NAMES.has(base)) return c.json(UNKNOWN, 422)
      if (!d.deadLetters) return c.json(NO_DEAD_LETTERS, 404)
      const s = await d.deadLetters.replayTopic(base, body.fromBeginning === true || c.req.query('fromBeginning') === 'true')
      return c.json({ message: `Replayed ${s.replayed} dead letter(s) of ${base}.`, summary: s })
    })
  })
}
