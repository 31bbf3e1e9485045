/**
 * `investigator halt|resume <topic>` and `investigator status`: the HTTP controls of a running
 * deployment (§3), called over HTTP so they act exactly like /halt, /resume and /_health.
 */
import type { Env } from '../config.ts'
import { EXIT, UsageError, errorText, intOption, parseCommand, resolveBaseName, table, type Io } from './common.ts'

const TARGET = `  --url URL      the deployment's HTTP address (default http://127.0.0.1:<THOTH_INVESTIGATOR_PORT or 6066>)
  --token TOKEN  admin token (default THOTH_INVESTIGATOR_ADMIN_TOKEN), sent as Authorization: Bearer
  --timeout S    seconds to wait for the answer (default 10)`

/** Help texts of `halt`, `resume` and `status`. */
export const CONTROL_HELP = {
  halt: `Usage: investigator halt <topic> [--url URL] [--token TOKEN] [--timeout S]

Halts consumption of a topic on every replica (GET /halt/<base name>): its partitions are paused
and the halt is recorded on the control topic, so it survives restarts. <topic> is a base name
(thoth.solver.solved-package), a handler name (solved-package) or a full topic name.
${TARGET}

Exit status: 0 halted, 1 refused or unreachable, 2 bad arguments.`,
  resume: `Usage: investigator resume <topic> [--url URL] [--token TOKEN] [--timeout S]

Resumes a halted topic on every replica (GET /resume/<base name>); the record that caused a
failure halt is handled first. <topic> as for halt.
${TARGET}

Exit status: 0 resumed, 1 refused or unreachable, 2 bad arguments.`,
  status: `Usage: investigator status [--url URL] [--timeout S] [--quiet]

Prints readiness (GET /_health), halted topics and consumer lag (from GET /metrics) of a running
deployment. --quiet prints nothing (for health checks).
${TARGET}

Exit status: 0 ready, 1 not ready or unreachable, 2 bad arguments.`,
} as const

const OPTIONS = { url: { type: 'string' }, token: { type: 'string' }, timeout: { type: 'string' }, quiet: { type: 'boolean' } } as const

/** Where the deployment answers, from --url or the port variable. */
function target(values: { url?: string; token?: string; timeout?: string }, env: Env) {
  const port = env.THOTH_INVESTIGATOR_PORT?.trim() || '6066'
  const url = (values.url ?? `http://127.0.0.1:${port}`).replace(/\/+$/, '')
  if (!URL.canParse(url)) throw new UsageError(`--url is not a URL: ${url}`)
  const token = values.token ?? env.THOTH_INVESTIGATOR_ADMIN_TOKEN
  return { url, token: token || undefined, timeoutMs: intOption(values.timeout, 'timeout', 10) * 1000 }
}

/** `halt <topic>` / `resume <topic>`. */
export async function haltOrResume(verb: 'halt' | 'resume', args: string[], env: Env, io: Io): Promise<number> {
  const { values, positionals } = parseCommand(args, OPTIONS, 1)
  const [topicArg] = positionals
  if (topicArg === undefined) throw new UsageError(`${verb} needs <topic>`)
  const t = target(values, env)
  const base = resolveBaseName(topicArg, env.THOTH_DEPLOYMENT_NAME) ?? topicArg // the server answers 422 for unknown names
  const headers: Record<string, string> = t.token ? { authorization: `Bearer ${t.token}` } : {}
  let res: Response
  try {
    res = await fetch(`${t.url}/${verb}/${encodeURIComponent(base)}`, { method: 'POST', headers, signal: AbortSignal.timeout(t.timeoutMs) })
  } catch (err) {
    io.err(`${verb}: cannot reach ${t.url}: ${errorText(err)}\n`)
    return EXIT.failed
  }
  const text = await res.text()
  let message = text
  try {
    message = String((JSON.parse(text) as { message?: unknown }).message ?? text)
  } catch {
    // not JSON: print the text as it is
  }
  if (res.ok) {
    io.out(`${message}\n`)
    return EXIT.ok
  }
  io.err(`${verb} refused (HTTP ${res.status}): ${message}\n`)
  return EXIT.failed
}

/** Samples of one Prometheus series: labels and value. */
export function metricSamples(text: string, name: string): { labels: Record<string, string>; value: number }[] {
  const out: { labels: Record<string, string>; value: number }[] = []
  for (const line of text.split('\n')) {
    if (!line.startsWith(`${name}{`) && !line.startsWith(`${name} `)) continue
    const m = /^[^{ ]+(?:\{(.*)\})?\s+(\S+)/.exec(line)
    if (!m) continue
    const labels: Record<string, string> = {}
    for (const l of (m[1] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)) labels[l[1] as string] = (l[2] as string).replace(/\\(.)/g, '$1')
    out.push({ labels, value: Number(m[2]) })
  }
  return out
}

/** `status`. */
export async function status(args: string[], env: Env, io: Io): Promise<number> {
  const { values } = parseCommand(args, OPTIONS, 0)
  const t = target(values, env)
  const print = values.quiet ? () => {} : (s: string) => io.out(s)
  let health: { status?: string; version?: string; reason?: string }
  let metrics = ''
  try {
    const signal = AbortSignal.timeout(t.timeoutMs)
    const res = await fetch(`${t.url}/_health`, { signal })
    health = (await res.json()) as typeof health
    const m = await fetch(`${t.url}/metrics`, { signal })
    if (m.ok) metrics = await m.text()
  } catch (err) {
    if (!values.quiet) io.err(`status: cannot reach ${t.url}: ${errorText(err)}\n`)
    return EXIT.failed
  }
  const ready = health.status === 'ready'
  print(`${t.url}: ${health.status ?? 'unknown'} (version ${health.version ?? '?'})${health.reason ? `: ${health.reason}` : ''}\n`)
  const halted = metricSamples(metrics, 'thoth_investigator_halted_topics').filter((s) => s.value === 1)
  print(`halted topics: ${halted.length ? halted.map((s) => s.labels.base_topic_name).join(', ') : 'none'}\n`)
  const lag = metricSamples(metrics, 'thoth_investigator_consumer_lag').filter((s) => s.value > 0)
  if (lag.length) print(table(['TOPIC', 'PARTITION', 'LAG'], lag.map((s) => [s.labels.topic_name ?? '', s.labels.partition ?? '', String(s.value)])))
  else print('consumer lag: 0\n')
  return ready ? EXIT.ok : EXIT.failed
}
