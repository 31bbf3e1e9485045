/**
 * The REST calls K-1..K-6 of workflows.md through @kubernetes/client-node (CoreV1Api,
 * CustomObjectsApi) on our Bun-fetch httpApi, with every failure mapped to an error class:
 * 403/404 -> MisconfiguredError, other 4xx -> UpstreamError not retryable, 401/429/5xx/timeouts/
 * connection errors -> UpstreamError retryable. Error texts pass through the caller's redactor.
 */
import { ApiException, CoreV1Api, CustomObjectsApi } from '@kubernetes/client-node'
import { AbortedError, MisconfiguredError, ServiceError, UpstreamError } from './errors.ts'
import { callOptions, createKubeConfiguration, KubeTransportError, type KubeConnection } from './kube-http.ts'
import type { Redactor } from './redact.ts'
import type { TemplateParameter, WorkflowObject } from './workflow-render.ts'

/** Per-call context: the attempt's abort signal and redactor. */
export interface Call {
  readonly signal: AbortSignal
  readonly redact: Redactor
}

/** An OpenShift Template as listed (K-2) or processed (K-3). */
export interface TemplateObject {
  apiVersion?: string
  kind?: string
  metadata?: { name?: string; [key: string]: unknown }
  parameters?: TemplateParameter[]
  objects?: WorkflowObject[]
  [key: string]: unknown
}

/** Typed wrappers of K-1..K-6. */
export type WorkflowApi = ReturnType<typeof createWorkflowApi>

const TEMPLATES = { group: 'template.openshift.io', version: 'v1' } as const
const WORKFLOWS = { group: 'argoproj.io', version: 'v1alpha1', plural: 'workflows' } as const
const NOT_COMPLETED = 'workflows.argoproj.io/completed!=true'
const PAGE = 500

interface What {
  readonly verb: string
  readonly resource: string
  readonly namespace: string
  readonly name?: string
}

/** Builds the API wrappers; K-3 goes to `openshiftApiUrl` when set. */
export function createWorkflowApi(
  conn: KubeConnection,
  o: { infraNamespace: string; timeoutMs: number; openshiftApiUrl?: string },
) {
  const core = new CoreV1Api(createKubeConfiguration(conn, o))
  const custom = new CustomObjectsApi(createKubeConfiguration(conn, o))
  const openshift = new CustomObjectsApi(createKubeConfiguration(conn, { ...o, baseUrl: o.openshiftApiUrl }))
  const infra = o.infraNamespace
  const opts = (call: Call) => callOptions(conn, o.timeoutMs, call.signal)
  const run = async <T>(what: What, call: Call, fn: () => Promise<T>): Promise<T> => {
    try {
      return await fn()
    } catch (err) {
      throw kubeError(err, what, call.redact, conn)
    }
  }
  const pageOf = (ns: string, call: Call, cont?: string, limit = PAGE) =>
    run({ verb: 'list', resource: 'workflows.argoproj.io', namespace: ns }, call, () =>
      custom.listNamespacedCustomObject(
        { ...WORKFLOWS, namespace: ns, labelSelector: NOT_COMPLETED, limit, _continue: cont },
        opts(call),
      ) as Promise<{ items?: WorkflowObject[]; metadata?: { continue?: string } }>,
    )

  return {
    /** K-1: `data` of the `solvers` ConfigMap. */
    solversData: (call: Call) =>
      run({ verb: 'get', resource: 'configmaps', namespace: infra, name: 'solvers' }, call, async () => {
        const cm = await core.readNamespacedConfigMap({ name: 'solvers', namespace: infra }, opts(call))
        return cm.data ?? {}
      }),
    /** K-2: templates labelled `template=<kind>`. */
    templates: (kind: string, call: Call) =>
      run({ verb: 'list', resource: 'templates.template.openshift.io', namespace: infra }, call, async () => {
        const list = (await custom.listNamespacedCustomObject(
          { ...TEMPLATES, namespace: infra, plural: 'templates', labelSelector: `template=${kind}` },
          opts(call),
        )) as { items?: TemplateObject[] }
        return list.items ?? []
      }),
    /** K-3: render a template with its parameters set. */
    process: (template: TemplateObject, call: Call) =>
      run({ verb: 'create', resource: 'processedtemplates.template.openshift.io', namespace: infra }, call, () =>
        openshift.createNamespacedCustomObject(
          { ...TEMPLATES, namespace: infra, plural: 'processedtemplates', body: template },
          opts(call),
        ) as Promise<TemplateObject>,
      ),
    /** K-4: create a Workflow; `exists` on 409. */
    create: (ns: string, wf: WorkflowObject, call: Call) =>
      run({ verb: 'create', resource: 'workflows.argoproj.io', namespace: ns, name: wf.metadata?.name }, call, async () => {
        try {
          await custom.createNamespacedCustomObject({ ...WORKFLOWS, namespace: ns, body: wf }, opts(call))
          return 'created' as const
        } catch (err) {
          if (err instanceof ApiException && err.code === 409) return 'exists' as const
          throw err
        }
      }),
    /** K-6: read one Workflow; 404 (deleted since the 409) is retryable. */
    get: (ns: string, name: string, call: Call) =>
      run({ verb: 'get', resource: 'workflows.argoproj.io', namespace: ns, name }, call, async () => {
        try {
          return (await custom.getNamespacedCustomObject({ ...WORKFLOWS, namespace: ns, name }, opts(call))) as WorkflowObject
        } catch (err) {
          if (!(err instanceof ApiException) || err.code !== 404) throw err
          const text = `workflow "${name}" in "${ns}" answered 409 on create but is gone now`
          throw new UpstreamError('kubernetes', call.redact(text), true, { status: 404 })
        }
      }),
    /** K-5: pending workflows (no status or no status.startedAt), all pages. */
    async countPending(ns: string, call: Call): Promise<number> {
      let pending = 0
      let cont: string | undefined
      do {
        const page = await pageOf(ns, call, cont)
        for (const wf of page.items ?? []) {
          const status = wf.status as { startedAt?: unknown } | undefined | null
          if (!status || !status.startedAt) pending += 1
        }
        cont = page.metadata?.continue || undefined
      } while (cont)
      return pending
    },
    /** A cheap authenticated call per resource the service uses (the `check` command). */
    async check(namespaces: readonly string[], call: Call): Promise<void> {
      await run({ verb: 'list', resource: 'templates.template.openshift.io', namespace: infra }, call, () =>
        custom.listNamespacedCustomObject({ ...TEMPLATES, namespace: infra, plural: 'templates', limit: 1 }, opts(call)),
      )
      for (const ns of namespaces) await pageOf(ns, call, undefined, 1)
    },
  }
}

/** Maps any failure of a call to a ServiceError whose text names what failed, redacted. */
export function kubeError(err: unknown, what: What, redact: Redactor, conn?: KubeConnection): ServiceError {
  if (err instanceof ServiceError) return err
  const target = `${what.verb} ${what.resource}${what.name ? ` "${what.name}"` : ''} in namespace "${what.namespace}"`
  if (err instanceof KubeTransportError) {
    if (err.failure === 'aborted') return new AbortedError(`kubernetes: ${target}: aborted`)
    const text = redact(`${target}: ${err.failure === 'timeout' ? 'timed out' : `cannot reach ${err.url}`}: ${err.message}`)
    return new UpstreamError('kubernetes', text, true, { cause: new Error(text) })
  }
  if (!(err instanceof ApiException)) {
    const text = redact(`${target}: ${err instanceof Error ? err.message : String(err)}`)
    return new UpstreamError('kubernetes', text, true, { cause: new Error(text) })
  }
  const status = err.code
  const detail = statusMessage(err.body)
  const cause = new Error(redact(`HTTP ${status}: ${detail}`))
  const suffix = detail ? `: ${detail}` : ''
  if (status === 401) {
    conn?.invalidate()
    const text = redact(`${target}: unauthorized (401), credentials rejected${suffix}`)
    return new UpstreamError('kubernetes', text, true, { cause, status })
  }
  if (status === 403) {
    const rbac = `grant the service account "${what.verb}" on ${what.resource} in namespace "${what.namespace}" (RBAC)`
    return new MisconfiguredError(redact(`kubernetes: ${target}: forbidden (403); ${rbac}${suffix}`), { cause })
  }
  if (status === 404) return new MisconfiguredError(redact(`kubernetes: ${target}: not found (404)${suffix}`), { cause })
  const retryable = status === 429 || status >= 500
  return new UpstreamError('kubernetes', redact(`${target}: HTTP ${status}${suffix}`), retryable, { cause, status })
}

/** `message` of a Kubernetes Status body, else the first 500 characters of the body. */
function statusMessage(body: unknown): string {
  let value = body
  if (typeof body === 'string') {
    try {
      value = JSON.parse(body)
    } catch {
      return body.slice(0, 500)
    }
  }
  const message = (value as { message?: unknown } | null)?.message
  if (typeof message === 'string') return message.slice(0, 2000)
  return value === undefined ? '' : JSON.stringify(value).slice(0, 500)
}
