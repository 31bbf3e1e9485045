/**
 * Shared parts of the GitHub and GitLab test servers: request recording, scripted answers
 * (status codes, headers, delays) that take precedence over the normal routes, and JSON replies.
 */

/** One request a test server saw. */
export interface RecordedRequest {
  method: string
  /** Raw path, percent-encoding kept. */
  path: string
  query: Record<string, string>
  headers: Record<string, string>
  body: unknown
}

/** A scripted answer; `times` (default 1) says how many matching requests it answers. */
export interface ScriptedAnswer {
  status: number
  headers?: Record<string, string>
  body?: unknown
  delayMs?: number
  times?: number
}

/** Which requests a scripted answer is for. */
export interface ScriptRule {
  method?: string
  /** Matched against the raw path. */
  path: RegExp
  answers: ScriptedAnswer[]
}

/** The scripting and recording half of a test server. */
export class Scripted {
  readonly requests: RecordedRequest[] = []
  private readonly rules: ScriptRule[] = []
  /** Headers added to every answer (e.g. rate-limit headers). */
  headers: Record<string, string> = {}

  /** Queues answers for matching requests, in order. */
  script(rule: ScriptRule): void {
    this.rules.push({ ...rule, answers: rule.answers.map((a) => ({ ...a })) })
  }

  /** Records a request and returns its parsed JSON body (undefined when none or not JSON). */
  async record(req: Request, url: URL): Promise<RecordedRequest> {
    const text = req.method === 'GET' ? '' : await req.text()
    let body: unknown
    try {
      body = text === '' ? undefined : JSON.parse(text)
    } catch {
      body = text
    }
    const entry: RecordedRequest = {
      method: req.method,
      path: url.pathname,
      query: Object.fromEntries(url.searchParams),
      headers: Object.fromEntries(req.headers),
      body,
    }
    this.requests.push(entry)
    return entry
  }

  /** The scripted answer for a request, if any; consumes one use of it. */
  async answer(method: string, path: string): Promise<Response | undefined> {
    for (const rule of this.rules) {
      if ((rule.method && rule.method !== method) || !rule.path.test(path)) continue
      const next = rule.answers[0]
      if (!next) continue
      next.times = (next.times ?? 1) - 1
      if (next.times <= 0) rule.answers.shift()
      if (next.delayMs) await Bun.sleep(next.delayMs)
      return this.json(
        next.body ?? { message: `scripted ${next.status}` },
        next.status,
        next.headers,
      )
    }
    return undefined
  }

  /** A JSON answer with the default headers. */
  json(body: unknown, status = 200, headers: Record<string, string> = {}): Response {
    return Response.json(body, { status, headers: { ...this.headers, ...headers } })
  }

  /** A plain-text answer with the default headers. */
  text(body: string, status = 200): Response {
    return new Response(body, {
      status,
      headers: { ...this.headers, 'content-type': 'text/plain; charset=utf-8' },
    })
  }

  /** Clears recorded requests, scripts and default headers. */
  reset(): void {
    this.requests.length = 0
    this.rules.length = 0
    this.headers = {}
  }
}

/** Whether a create-issue body has a non-empty string title and only the allowed keys. */
export function validIssueBody(body: unknown, allowed: readonly string[]): boolean {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return false
  const b = body as Record<string, unknown>
  if (typeof b.title !== 'string' || b.title.trim() === '') return false
  return Object.entries(b).every(([k, v]) => allowed.includes(k) && typeof v === 'string')
}

/** Page `page` (1-based) of `items`, `perPage` per page. */
export function pageOf<T>(items: T[], page: number, perPage: number): { items: T[]; last: number } {
  return {
    items: items.slice((page - 1) * perPage, page * perPage),
    last: Math.max(1, Math.ceil(items.length / perPage)),
  }
}

/** A positive integer query value, the default when absent, or null when malformed. */
export function positiveInt(
  value: string | undefined,
  fallback: number,
  max = Infinity,
): number | null {
  if (value === undefined) return fallback
  const n = Number(value)
  return Number.isInteger(n) && n >= 1 && n <= max ? n : null
}
