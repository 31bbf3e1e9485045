/**
 * A local Kubernetes/OpenShift API server for tests and benchmarks (workflows.md "Test double
 * requirements"): K-1..K-6 over HTTPS (own CA, optional client-certificate requirement) or plain
 * HTTP, the twelve Thoth templates, label selectors, `${NAME}` / `${{NAME}}` processing with the
 * required-parameter check, Argo-schema validation of created Workflows, 409 on duplicates,
 * paging, scripted pending counts, seeded workflows, injected faults and a request log.
 */
import { randomUUID } from 'node:crypto'
import { Workflow } from '@kubernetes-models/argo-workflows/argoproj.io/v1alpha1/Workflow'
import type { WorkflowKind } from '../../lib/context.ts'
import { thothTemplates } from '../fixtures/templates.ts'
import { testPki, type TestPki } from './tls.ts'

/** The REST calls of workflows.md. */
export type KubeOp = 'K-1' | 'K-2' | 'K-3' | 'K-4' | 'K-5' | 'K-6'

/** One request as the server saw it. */
export interface RecordedRequest {
  readonly op: KubeOp | undefined
  readonly method: string
  readonly path: string
  readonly query: Readonly<Record<string, string>>
  readonly namespace: string | undefined
  readonly kind: string | undefined
  readonly authorization: string | null
  readonly accept: string | null
  readonly body: any
  status: number
}

/** An injected answer: the first matching fault with `times` left wins. */
export interface Fault {
  readonly op?: KubeOp
  readonly kind?: WorkflowKind
  readonly namespace?: string
  readonly path?: string | RegExp
  /** Answer with this status (a Status body unless `body` is given); absent = answer normally. */
  readonly status?: number
  readonly body?: unknown
  /** Wait this long before answering. */
  readonly delayMs?: number
  /** How many requests it applies to (default: all). */
  times?: number
}

/** Options of {@link startKubeApiServer}. */
export interface KubeApiServerOptions {
  readonly infraNamespace?: string
  /** Templates in the infra namespace; the twelve Thoth templates by default. */
  readonly templates?: Array<Record<string, any>>
  /** Text of the `solvers` key; null = ConfigMap without the key; undefined = no ConfigMap. */
  readonly solvers?: string | null
  /** Plain HTTP instead of HTTPS (benchmarks). */
  readonly plainHttp?: boolean
  /** Refuse clients without a certificate signed by the test CA. */
  readonly requireClientCert?: boolean
  /** Accepted bearer tokens; absent = no token check. */
  readonly tokens?: readonly string[]
  /** Validate created Workflows against the Argo schema (default true). */
  readonly validate?: boolean
  /** Keep the request log (default true; benchmarks turn it off). */
  readonly recordRequests?: boolean
}

/** A running test server. */
export type KubeApiServer = Awaited<ReturnType<typeof startKubeApiServer>>

type Obj = Record<string, any>

const ROUTES: ReadonlyArray<[KubeOp, string, RegExp]> = [
  ['K-1', 'GET', /^\/api\/v1\/namespaces\/([^/]+)\/configmaps\/([^/]+)$/],
  ['K-2', 'GET', /^\/apis\/template\.openshift\.io\/v1\/namespaces\/([^/]+)\/templates$/],
  ['K-3', 'POST', /^\/apis\/template\.openshift\.io\/v1\/namespaces\/([^/]+)\/processedtemplates$/],
  ['K-4', 'POST', /^\/apis\/argoproj\.io\/v1alpha1\/namespaces\/([^/]+)\/workflows$/],
  ['K-5', 'GET', /^\/apis\/argoproj\.io\/v1alpha1\/namespaces\/([^/]+)\/workflows$/],
  ['K-6', 'GET', /^\/apis\/argoproj\.io\/v1alpha1\/namespaces\/([^/]+)\/workflows\/([^/]+)$/],
]

const REASONS: Record<number, string> = {
  400: 'BadRequest', 401: 'Unauthorized', 403: 'Forbidden', 404: 'NotFound', 409: 'AlreadyExists',
  422: 'Invalid', 429: 'TooManyRequests', 500: 'InternalError', 503: 'ServiceUnavailable', 504: 'Timeout',
}

/** A Kubernetes `Status` answer. */
export function statusResponse(code: number, message: string, reason = REASONS[code] ?? 'Unknown'): Response {
  return Response.json({ kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message, reason, code }, { status: code })
}

/** Starts the server on a free 127.0.0.1 port. */
export async function startKubeApiServer(opts: KubeApiServerOptions = {}) {
  const infra = opts.infraNamespace ?? 'thoth-infra'
  const pki: TestPki | undefined = opts.plainHttp ? undefined : await testPki()
  const templates: Obj[] = opts.templates ?? thothTemplates(infra)
  const requests: RecordedRequest[] = []
  const faults: Fault[] = []
  const workflows = new Map<string, Map<string, Obj>>()
  const scripts = new Map<string, number[]>()
  const kindByName = new Map<string, string>()
  let solvers = opts.solvers
  let tokens = opts.tokens ? new Set(opts.tokens) : undefined
  let resourceVersion = 1000
  const nsWorkflows = (ns: string) => {
    let m = workflows.get(ns)
    if (!m) workflows.set(ns, (m = new Map()))
    return m
  }

  const handle = async (req: Request): Promise<Response> => {
    const url = new URL(req.url)
    const route = ROUTES.find(([, method, re]) => method === req.method && re.test(url.pathname))
    const m = route ? route[2].exec(url.pathname) : null
    const op = route?.[0]
    const ns = m?.[1] ? decodeURIComponent(m[1]) : undefined
    const name = m?.[2] ? decodeURIComponent(m[2]) : undefined
    let body: any
    if (req.method === 'POST') {
      try {
        body = await req.json()
      } catch {
        return statusResponse(400, 'the request body is not valid JSON')
      }
    }
    const entry: RecordedRequest = {
      op, method: req.method, path: url.pathname, query: Object.fromEntries(url.searchParams), namespace: ns,
      kind: kindOf(op, url, body, name, kindByName), authorization: req.headers.get('authorization'),
      accept: req.headers.get('accept'), body, status: 0,
    }
    if (opts.recordRequests !== false) requests.push(entry)
    const answer = await respond(entry, ns, name, body, url)
    entry.status = answer.status
    return answer
  }

  const respond = async (e: RecordedRequest, ns: string | undefined, name: string | undefined, body: any, url: URL) => {
    if (tokens && !tokens.has((e.authorization ?? '').replace(/^Bearer /, ''))) return statusResponse(401, 'Unauthorized')
    const fault = faults.find((f) => matches(f, e))
    if (fault) {
      if (fault.times !== undefined) fault.times -= 1
      if (fault.delayMs) await Bun.sleep(fault.delayMs)
      if (fault.status !== undefined) {
        return fault.body !== undefined
          ? Response.json(fault.body, { status: fault.status })
          : statusResponse(fault.status, `injected ${fault.status} for ${e.method} ${e.path}`)
      }
    }
    if (!e.op || !ns) return statusResponse(404, 'the server could not find the requested resource')
    const q = url.searchParams
    switch (e.op) {
      case 'K-1':
        if (ns !== infra || name !== 'solvers' || solvers === undefined) return statusResponse(404, `configmaps "${name}" not found`)
        return Response.json({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace: ns }, data: solvers === null ? {} : { solvers } })
      case 'K-2': {
        const match = selector(q.get('labelSelector'))
        const items = templates.filter((t) => t.metadata?.namespace === ns && match(t.metadata?.labels))
        return Response.json(page(items, q, 'TemplateList', 'template.openshift.io/v1'))
      }
      case 'K-3':
        return processTemplate(body, kindByName)
      case 'K-4':
        return createWorkflow(ns, body)
      case 'K-5':
        return Response.json(listWorkflows(ns, q))
      case 'K-6': {
        const wf = nsWorkflows(ns).get(name ?? '')
        return wf ? Response.json(wf) : statusResponse(404, `workflows.argoproj.io "${name}" not found`)
      }
    }
  }

  const createWorkflow = (ns: string, body: any): Response => {
    if (body?.apiVersion !== 'argoproj.io/v1alpha1' || body?.kind !== 'Workflow') {
      return statusResponse(400, 'the body must be an argoproj.io/v1alpha1 Workflow')
    }
    const name: unknown = body.metadata?.name
    if (typeof name !== 'string' || name.length > 253 || !/^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/.test(name)) {
      return statusResponse(422, `Workflow.argoproj.io "${String(name)}" is invalid: metadata.name: Invalid value`)
    }
    if (body.metadata.namespace && body.metadata.namespace !== ns) {
      return statusResponse(400, 'the namespace of the provided object does not match the namespace sent on the request')
    }
    if (opts.validate !== false) {
      try {
        new Workflow(body).validate()
      } catch (err) {
        return statusResponse(422, `Workflow.argoproj.io "${name}" is invalid: ${(err as Error).message}`)
      }
    }
    const store = nsWorkflows(ns)
    if (store.has(name)) return statusResponse(409, `workflows.argoproj.io "${name}" already exists`)
    const stored = {
      ...body,
      metadata: { ...body.metadata, namespace: ns, uid: randomUUID(), resourceVersion: String(++resourceVersion), creationTimestamp: new Date().toISOString() },
    }
    store.set(name, stored)
    return Response.json(stored, { status: 201 })
  }

  const listWorkflows = (ns: string, q: URLSearchParams): Obj => {
    const script = scripts.get(ns)
    const token = q.get('continue') ? decodeToken(q.get('continue') ?? '') : undefined
    if (script && script.length > 0) {
      const total = token?.n ?? (script.length > 1 ? (script.shift() as number) : (script[0] as number))
      const offset = token?.o ?? 0
      const limit = Number(q.get('limit') ?? total) || total
      const end = Math.min(total, offset + limit)
      const items = []
      for (let i = offset; i < end; i++) items.push(syntheticPending(ns, i))
      const metadata: Obj = { resourceVersion: String(resourceVersion) }
      if (end < total) Object.assign(metadata, { continue: encodeToken({ o: end, n: total }), remainingItemCount: total - end })
      return { apiVersion: 'argoproj.io/v1alpha1', kind: 'WorkflowList', metadata, items }
    }
    const match = selector(q.get('labelSelector'))
    const all = [...nsWorkflows(ns).values()].filter((w) => match(w.metadata?.labels))
    return page(all, q, 'WorkflowList', 'argoproj.io/v1alpha1')
  }

  const server = Bun.serve({
    hostname: '127.0.0.1',
    port: 0,
    idleTimeout: 120,
    fetch: handle,
    ...(pki
      ? {
          tls: {
            cert: pki.serverCert,
            key: pki.serverKey,
            ...(opts.requireClientCert ? { ca: pki.caCert, requestCert: true, rejectUnauthorized: true } : {}),
          },
        }
      : {}),
  })

  return {
    url: `${pki ? 'https' : 'http'}://127.0.0.1:${server.port}`,
    port: server.port as number,
    pki,
    infraNamespace: infra,
    requests,
    /** Templates in the infra namespace; tests may change the array. */
    templates,
    /** Requests of one call type. */
    calls: (op: KubeOp) => requests.filter((r) => r.op === op),
    setSolvers: (text: string | null | undefined) => void (solvers = text),
    setTokens: (list?: readonly string[]) => void (tokens = list ? new Set(list) : undefined),
    fault: (f: Fault) => void faults.push(f),
    clearFaults: () => void faults.splice(0),
    /** Successive listings of `namespace` see these pending counts (the last one repeats). */
    scriptPending: (namespace: string, counts: number[]) => void scripts.set(namespace, [...counts]),
    seedWorkflow: (namespace: string, wf: Obj) => void nsWorkflows(namespace).set(wf.metadata.name, { ...wf, metadata: { ...wf.metadata, namespace } }),
    workflow: (namespace: string, name: string): Obj | undefined => nsWorkflows(namespace).get(name),
    workflows: (namespace: string): Obj[] => [...nsWorkflows(namespace).values()],
    stop: () => server.stop(true),
  }
}

function matches(f: Fault, e: RecordedRequest): boolean {
  if (f.times !== undefined && f.times <= 0) return false
  if (f.op && f.op !== e.op) return false
  if (f.kind && f.kind !== e.kind) return false
  if (f.namespace && f.namespace !== e.namespace) return false
  if (typeof f.path === 'string' && !e.path.includes(f.path)) return false
  if (f.path instanceof RegExp && !f.path.test(e.path)) return false
  return true
}

function kindOf(op: KubeOp | undefined, url: URL, body: any, name: string | undefined, byName: Map<string, string>) {
  if (op === 'K-2') return /(?:^|,)template=([^,]+)/.exec(url.searchParams.get('labelSelector') ?? '')?.[1]
  if (op === 'K-3') return body?.metadata?.labels?.template
  if (op === 'K-4') return byName.get(body?.metadata?.name)
  if (op === 'K-6') return byName.get(name ?? '')
  return undefined
}

/** Kubernetes label selector: `k=v`, `k==v`, `k!=v`, `k`, `!k`, comma-separated. */
export function selector(text: string | null): (labels: Obj | undefined) => boolean {
  const tests = (text ?? '').split(',').map((t) => t.trim()).filter(Boolean).map((term) => {
    const ne = /^([^!=]+)!=(.*)$/.exec(term)
    if (ne) return (l: Obj) => l[ne[1] as string] !== ne[2]
    const eq = /^([^!=]+)==?(.*)$/.exec(term)
    if (eq) return (l: Obj) => l[eq[1] as string] === eq[2]
    if (term.startsWith('!')) return (l: Obj) => !(term.slice(1) in l)
    return (l: Obj) => term in l
  })
  return (labels) => tests.every((t) => t(labels ?? {}))
}

function encodeToken(t: { o: number; n?: number }): string {
  return Buffer.from(JSON.stringify(t)).toString('base64url')
}

function decodeToken(s: string): { o: number; n?: number } {
  return JSON.parse(Buffer.from(s, 'base64url').toString('utf8'))
}

function page(all: Obj[], q: URLSearchParams, kind: string, apiVersion: string): Obj {
  const offset = q.get('continue') ? decodeToken(q.get('continue') ?? '').o : 0
  const limit = Number(q.get('limit') ?? 0) || all.length
  const items = all.slice(offset, offset + limit)
  const metadata: Obj = { resourceVersion: '1' }
  if (offset + limit < all.length) {
    Object.assign(metadata, { continue: encodeToken({ o: offset + limit }), remainingItemCount: all.length - offset - limit })
  }
  return { apiVersion, kind, metadata, items }
}

function syntheticPending(ns: string, i: number): Obj {
  return { apiVersion: 'argoproj.io/v1alpha1', kind: 'Workflow', metadata: { name: `pending-${i}`, namespace: ns }, spec: { entrypoint: 'main' } }
}

/** OpenShift processing: required check, `${NAME}` / `${{NAME}}` substitution, top-level labels. */
function processTemplate(t: any, kindByName: Map<string, string>): Response {
  if (t?.kind !== 'Template' || t?.apiVersion !== 'template.openshift.io/v1') {
    return statusResponse(400, 'the body must be a template.openshift.io/v1 Template')
  }
  const values = new Map<string, string>()
  const params: Obj[] = Array.isArray(t.parameters) ? t.parameters : []
  for (const [i, p] of params.entries()) {
    const value = p.value === undefined || p.value === null ? '' : String(p.value)
    if (p.required && value === '') {
      const at = `template.parameters[${i}]`
      return statusResponse(422, `Template.template.openshift.io "${t.metadata?.name}" is invalid: ${at}: Required value: ${at}: parameter ${p.name} is required and must be specified`)
    }
    values.set(p.name, value)
  }
  const substitute = (v: unknown): unknown => {
    if (typeof v === 'string') {
      const whole = /^\$\{\{([A-Za-z0-9_]+)\}\}$/.exec(v)
      if (whole && values.has(whole[1] as string)) {
        const raw = values.get(whole[1] as string) as string
        try {
          return JSON.parse(raw)
        } catch {
          return raw
        }
      }
      return v.replace(/\$\{([A-Za-z0-9_]+)\}/g, (all, n: string) => values.get(n) ?? all)
    }
    if (Array.isArray(v)) return v.map(substitute)
    if (v && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, substitute(x)]))
    return v
  }
  const objects = (Array.isArray(t.objects) ? t.objects : []).map((o: Obj) => {
    const out = substitute(o) as Obj
    if (t.labels) out.metadata = { ...out.metadata, labels: { ...out.metadata?.labels, ...t.labels } }
    return out
  })
  const kind = t.metadata?.labels?.template
  const first = objects[0]?.metadata?.name
  if (kind && first) {
    if (kindByName.size > 200_000) kindByName.clear()
    kindByName.set(first, kind)
  }
  return Response.json({ ...t, objects }, { status: 201 })
}
