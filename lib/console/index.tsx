/**
 * The operator console, served by the service's own Hono app on port 6066: server-rendered
 * pages (hono/jsx, inline CSS and script, nothing fetched from elsewhere) and the JSON API
 * behind them. Reading is open like /metrics; actions need the admin token when one is set.
 */
import { randomBytes } from 'node:crypto'
import type { Context, Hono } from 'hono'
import type { Child } from 'hono/jsx'
import { BASE_NAMES } from '../topics.ts'
import { listLimit, mountApi } from './api.ts'
import { DeadLetterFilters, DeadLetterList, DeadLetterView, type DeadLetterListView } from './dead-letter-pages.tsx'
import type { ConsoleDeps } from './deps.ts'
import { Layout, type LayoutProps } from './layout.tsx'
import { Overview } from './overview.tsx'
import { buildStatus } from './status.ts'

export type { ConsoleDeps } from './deps.ts'

const csp = (nonce: string) =>
  [`default-src 'none'`, `script-src 'nonce-${nonce}'`, `style-src 'nonce-${nonce}'`, `connect-src 'self'`, `img-src 'self' data:`, `form-action 'self'`, `frame-ancestors 'none'`, `base-uri 'none'`].join('; ')

/** Renders a whole page, or only its live part when `?fragment=1` (the script's refresh). */
function page(c: Context, d: ConsoleDeps, p: Omit<LayoutProps, 'nonce' | 'tokenRequired' | 'children'>, live: Child, above?: Child) {
  c.header('Cache-Control', 'no-store')
  c.header('X-Content-Type-Options', 'nosniff')
  c.header('Referrer-Policy', 'no-referrer')
  if (c.req.query('fragment') === '1') return c.html(<>{live}</>)
  const nonce = randomBytes(16).toString('base64')
  c.header('Content-Security-Policy', csp(nonce))
  const doc = (
    <Layout {...p} nonce={nonce} tokenRequired={!!d.adminToken}>
      {above}
      <div id="live" data-fragment={p.fragment ?? ''}>
        {live}
      </div>
    </Layout>
  )
  return c.html(`<!DOCTYPE html>${doc.toString()}`)
}

async function listView(d: ConsoleDeps, c: Context): Promise<DeadLetterListView> {
  const limit = listLimit(c.req.query('limit')) ?? 50
  const b = c.req.query('topic')
  const baseName = b && BASE_NAMES.has(b) ? b : undefined
  const base = { generatedAt: new Date(d.now()).toISOString(), topic: d.deadLetters?.topic ?? null, limit, baseName }
  if (!d.deadLetters) return { ...base, total: 0, deadLetters: [] }
  try {
    return { ...base, ...(await d.deadLetters.list({ limit, baseName })) }
  } catch (err) {
    return { ...base, total: 0, deadLetters: [], error: err instanceof Error ? err.message : String(err) }
  }
}

/** Mounts the pages (/, /ui/...) and the API (/api/...) on the service's app. */
export function mountConsole(app: Hono, d: ConsoleDeps): void {
  mountApi(app, d)
  app.get('/', async (c) => page(c, d, { title: 'thoth-investigator', current: 'overview', fragment: '/?fragment=1' }, <Overview s={await buildStatus(d)} />))
  app.get('/ui/dead-letters', async (c) => {
    const v = await listView(d, c)
    const q = new URLSearchParams({ limit: String(v.limit), ...(v.baseName ? { topic: v.baseName } : {}), fragment: '1' })
    return page(c, d, { title: 'Dead letters · thoth-investigator', current: 'dead-letters', fragment: `/ui/dead-letters?${q}` }, <DeadLetterList {...v} />, <DeadLetterFilters {...v} canReplayAll={!!d.deadLetters} />)
  })
  app.get('/ui/dead-letters/:partition/:offset', async (c) => {
    const { partition, offset } = c.req.param()
    const dl = /^\d+$/.test(partition) && /^\d+$/.test(offset) && d.deadLetters ? await d.deadLetters.get(Number(partition), offset) : undefined
    if (!dl) c.status(404)
    const body = dl ? <DeadLetterView d={dl} /> : <p>No dead letter at partition {partition} offset {offset}.</p>
    return page(c, d, { title: `Dead letter ${partition}@${offset} · thoth-investigator`, current: 'dead-letters' }, body)
  })
  for (const path of ['/', '/ui/dead-letters', '/ui/dead-letters/:partition/:offset', '/api/status', '/api/dead-letters', '/api/dead-letters/:partition/:offset']) {
    app.all(path, (c) => c.text('405: Method Not Allowed', 405))
  }
  for (const path of ['/api/topics/:topic/halt', '/api/topics/:topic/resume', '/api/dead-letters/replay', '/api/dead-letters/:partition/:offset/replay']) {
    app.all(path, (c) => c.json({ message: 'Actions are POST requests.' }, 405))
  }
}
