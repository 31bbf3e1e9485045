/**
 * Who may act (halt, resume, replay): reading is open like /metrics; every action is a POST
 * that passes a same-origin check (CSRF) and, when THOTH_INVESTIGATOR_ADMIN_TOKEN is set,
 * carries `Authorization: Bearer <token>`. Browsers never attach that header on their own, so
 * a cross-site page can neither read the token nor forge an action with it.
 */
import { createHash, timingSafeEqual } from 'node:crypto'
import type { Context } from 'hono'

/** Outcome of the checks of one action request. */
export type Verdict = { ok: true; who: string } | { ok: false; status: 401 | 403; outcome: 'unauthorized' | 'forbidden'; message: string }

const digest = (s: string) => createHash('sha256').update(s).digest()

/** Constant-time comparison of the presented bearer token with the admin token. */
export function tokenMatches(header: string | undefined, token: string): boolean {
  const m = /^Bearer\s+(.+)$/i.exec(header?.trim() ?? '')
  return !!m && timingSafeEqual(digest(m[1] ?? ''), digest(token))
}

/**
 * CSRF: a browser sends `Origin` (and `Sec-Fetch-Site`) with every POST; a request another site
 * made is refused. Clients that are not browsers (curl, scripts) send neither and pass.
 */
export function sameOrigin(c: Context): boolean {
  const site = c.req.header('sec-fetch-site')
  if (site !== undefined && site !== 'same-origin' && site !== 'none') return false
  const origin = c.req.header('origin')
  if (origin === undefined) return true
  const host = c.req.header('host') ?? new URL(c.req.url).host
  try {
    return new URL(origin).host === host
  } catch {
    return false // "null" (sandboxed frames, file://) or garbage
  }
}

/** Checks an action request. */
export function checkAction(c: Context, adminToken: string | undefined): Verdict {
  if (!sameOrigin(c)) return { ok: false, status: 403, outcome: 'forbidden', message: 'Cross-site request refused (Origin / Sec-Fetch-Site is not this service).' }
  if (!adminToken) return { ok: true, who: 'anonymous (no admin token configured)' }
  if (!tokenMatches(c.req.header('authorization'), adminToken)) {
    return { ok: false, status: 401, outcome: 'unauthorized', message: 'This action requires the admin token (Authorization: Bearer <THOTH_INVESTIGATOR_ADMIN_TOKEN>).' }
  }
  return { ok: true, who: 'admin token holder' }
}

/** Address of the client: X-Forwarded-For when a proxy set it, else the socket's peer. */
export function remoteAddress(c: Context): string {
  const fwd = c.req.header('x-forwarded-for')
  if (fwd) return fwd.split(',')[0]?.trim() ?? fwd
  const server = c.env as { requestIP?: (r: Request) => { address: string } | null } | undefined
  try {
    return server?.requestIP?.(c.req.raw)?.address ?? 'unknown'
  } catch {
    return 'unknown'
  }
}
