/**
 * The workflow port (workflows.md): per record attempt a RecordWorkflows that waits for the
 * pending limit (D-7), renders the kind's OpenShift template and creates the Argo Workflow with
 * a deterministic name and the record label (D-6). A SubmissionMemory, owned by the consume
 * loop per record, keeps later attempts from sending a done submission again.
 */
import type { RecordInfo, RecordWorkflows, Submission, WorkflowKind } from './context.ts'
import { AbortedError, MisconfiguredError, NameConflictError, UpstreamError } from './errors.ts'
import type { KubeConnectionOptions } from './kube-connection.ts'
import type { KubeConnection } from './kube-http.ts'
import type { Config } from './config.ts'
import type { Logger } from './log.ts'
import type { WorkflowFactory } from './processor.ts'
import type { Metrics } from './metrics.ts'
import { createPendingGate } from './pending-limit.ts'
import type { Redactor } from './redact.ts'
import type { Call, TemplateObject, WorkflowApi } from './workflow-api.ts'
import { generatedId, KINDS, prepareWorkflow, RECORD_LABEL, setParameters, type CephArguments } from './workflow-render.ts'

/** Settings of the workflow port; main.ts fills them from lib/config.ts. */
export interface WorkflowServiceOptions extends KubeConnectionOptions, CephArguments {
  readonly infraNamespace: string
  readonly backendNamespace: string
  readonly middletierNamespace: string
  /** OPENSHIFT_API_URL: base URL of K-3 only; the API server when absent. */
  readonly openshiftApiUrl?: string
  /** ARGO_PENDING_WORKFLOW_LIMIT; unset = never wait. */
  readonly pendingLimit?: number
  /** ARGO_PENDING_SLEEP_TIME (seconds; fractions allowed for tests). */
  readonly pendingSleepSeconds: number
  /** Per-request timeout; 30 s by default. */
  readonly requestTimeoutMs?: number
  /** How long K-2 results are reused (default 10 s). */
  readonly templateCacheMs?: number
  /** How long the solvers ConfigMap is reused (default and maximum 60 s). */
  readonly solverCacheMs?: number
  /** How long a pending count is reused while under the limit (default 1 s). */
  readonly pendingCountCacheMs?: number
  /** A ready connection (tests, benchmarks) instead of in-cluster / kubeconfig loading. */
  readonly connection?: KubeConnection
}

/** What a record attempt hands to {@link WorkflowService.forRecord}. */
export interface RecordScope {
  readonly signal: AbortSignal
  readonly log: Logger
  readonly redact: Redactor
  readonly onWaiting?: (waiting: boolean) => void
}

/**
 * Done submissions of one record, by (kind, position); survives the record's attempts. A done
 * submission asked for again is not sent: `submit` returns it with `created: false`, so a
 * workflow is counted (scheduled_workflows) only in the attempt that created it.
 */
export class SubmissionMemory {
  #done: Map<string, Submission> | undefined // made on the first set (most records submit nothing)
  get(kind: WorkflowKind, position: number): Submission | undefined {
    return this.#done?.get(`${kind}#${position}`)
  }
  set(kind: WorkflowKind, position: number, submission: Submission): void {
    ;(this.#done ??= new Map()).set(`${kind}#${position}`, submission)
  }
  get size(): number {
    return this.#done?.size ?? 0
  }
}

/** A fresh memory for a new record. */
export const createSubmissionMemory = (): SubmissionMemory => new SubmissionMemory()

/** The workflow port built once in main.ts. */
export type WorkflowService = ReturnType<typeof createWorkflowService>

const IDENTITY: Redactor = (t) => t
const SHARED: Call = { signal: new AbortController().signal, redact: IDENTITY }

interface Cached<T> {
  at: number
  value: Promise<T>
}

/** Reuses `load()` for `ttlMs`; a failed load is forgotten at once. */
function cache<K, T>(ttlMs: number) {
  const entries = new Map<K, Cached<T>>()
  return {
    get(key: K, load: () => Promise<T>): Promise<T> {
      const now = Date.now()
      const hit = entries.get(key)
      if (hit && now - hit.at < ttlMs) return hit.value
      const entry = { at: now, value: load() }
      entries.set(key, entry)
      void entry.value.catch(() => entries.get(key) === entry && entries.delete(key))
      return entry.value
    },
    clear: () => entries.clear(),
  }
}

/** The Kubernetes side of the port: the connection and the API over it. */
interface Kube {
  readonly conn: KubeConnection
  readonly api: WorkflowApi
}

/**
 * Builds the port. @kubernetes/client-node (~20 ms of module start-up, most of the binary's) and
 * the connection it loads come with `load()`, which the service calls once it is ready, or with
 * the first call; a bad kubeconfig rejects `load()` (and every call) with a ConfigError.
 */
export function createWorkflowService(o: WorkflowServiceOptions, deps: { log: Logger; metrics: Metrics }) {
  let kube: Promise<Kube> | undefined
  const load = () =>
    (kube ??= Promise.all([import('./kube-connection.ts'), import('./workflow-api.ts')]).then(([c, w]) => {
      const conn = o.connection ?? c.loadKubeConnection(o, deps.log)
      return { conn, api: w.createWorkflowApi(conn, { ...o, timeoutMs: o.requestTimeoutMs ?? 30_000 }) }
    }))
  const gate = createPendingGate({
    limit: o.pendingLimit,
    sleepMs: o.pendingSleepSeconds * 1000,
    freshMs: o.pendingCountCacheMs ?? 1000,
    count: async (ns) => (await load()).api.countPending(ns, SHARED),
    metrics: deps.metrics,
  })
  const templates = cache<WorkflowKind, TemplateObject>(o.templateCacheMs ?? 10_000)
  const solvers = cache<'solvers', string[]>(Math.min(o.solverCacheMs ?? 60_000, 60_000))
  const namespaceOf = (kind: WorkflowKind) =>
    KINDS[kind].namespace === 'backend' ? o.backendNamespace : o.middletierNamespace

  const template = (kind: WorkflowKind) =>
    templates.get(kind, async () => {
      const items = await (await load()).api.templates(kind, SHARED)
      const first = items[0]
      if (items.length !== 1 || !first) {
        const found = items.length === 0 ? 'no template' : `${items.length} templates`
        throw new MisconfiguredError(
          `kubernetes: ${found} labelled template=${kind} in namespace "${o.infraNamespace}"; exactly one is required`,
        )
      }
      return first
    })

  const solverNames = (log: Logger) =>
    solvers.get('solvers', async () => {
      const { api } = await load()
      const text = (await api.solversData(SHARED)).solvers
      if (text === undefined) {
        log.warn('ConfigMap "solvers" has no key "solvers"; no solvers', { namespace: o.infraNamespace })
        return []
      }
      return text.split('\n').map((s) => s.trim()).filter((s) => s !== '')
    })

  return {
    /** Loads client-node and the connection (once); rejects with the ConfigError of a bad kubeconfig. */
    load: async (): Promise<KubeConnection> => (await load()).conn,
    /** Latest pending counts per namespace, as the pending-limit gate last saw them. */
    quota: () => gate.counts(),
    /** One RecordWorkflows per attempt; positions restart at 0 for every attempt. */
    forRecord(record: RecordInfo, memory: SubmissionMemory, scope: RecordScope): RecordWorkflows {
      const log = scope.log.child({}, scope.redact)
      const call: Call = { signal: scope.signal, redact: scope.redact }
      const positions = new Map<WorkflowKind, number>()
      return {
        solverNames: async () => [...(await solverNames(log))],
        generatedId: (kind, prefix, paramName, position = positions.get(kind) ?? 0) =>
          generatedId(record, kind, position, prefix, paramName),
        async submit(kind, params, opts): Promise<Submission> {
          const position = positions.get(kind) ?? 0
          positions.set(kind, position + 1)
          const done = memory.get(kind, position)
          if (done) {
            log.debug('workflow done in an earlier attempt, not sent again', { kind, position, workflow: done.name })
            return { ...done, created: false }
          }
          if (scope.signal.aborted) throw new AbortedError()
          const spec = KINDS[kind]
          const namespace = namespaceOf(kind)
          const id = opts.jobId ? opts.jobId : generatedId(record, kind, position, opts.idPrefix, spec.idParam)
          await gate.wait(namespace, { signal: scope.signal, log, onWaiting: scope.onWaiting })
          const tpl = await template(kind)
          const { api } = await load()
          const parameters = setParameters(tpl.parameters ?? [], { ...params, [spec.idParam]: id }, (parameter) =>
            log.warn('parameter not declared by the template, appended', { kind, parameter }),
          )
          const processed = await api.process({ ...tpl, apiVersion: 'template.openshift.io/v1', kind: 'Template', parameters }, call)
          const object = processed.objects?.[0]
          if (!object) throw new UpstreamError('kubernetes', `processed template "${kind}" has no objects`, false)
          const wf = prepareWorkflow(object, record.valueHash, spec.ceph ? o : null)
          const name = wf.metadata?.name || id
          const created = (await api.create(namespace, wf, call)) === 'created'
          if (created) {
            log.debug('workflow created', { kind, workflow: name, namespace, parameters: parameters.map((p) => p.name) })
          } else {
            const existing = await api.get(namespace, name, call)
            if (existing.metadata?.labels?.[RECORD_LABEL] !== record.valueHash) throw new NameConflictError(name, namespace)
            log.info('workflow of this record already exists', { kind, workflow: name, namespace })
          }
          const submission: Submission = { name, namespace, created }
          memory.set(kind, position, submission)
          return submission
        },
      }
    },
    /** Lists each resource the service uses once (the `check` command); throws the first failure. */
    async check(signal: AbortSignal = SHARED.signal): Promise<{ server: string; source: string }> {
      const { conn, api } = await load()
      await api.check([o.backendNamespace, o.middletierNamespace], { signal, redact: IDENTITY })
      return { server: conn.server, source: conn.source }
    },
    /** Drops the caches; the service holds no sockets of its own. */
    close(): void {
      templates.clear()
      solvers.clear()
    },
  }
}

/** The service's options from the configuration (main.ts, the `check` command, tests). */
export function workflowOptionsFromConfig(config: Config, overrides: Partial<WorkflowServiceOptions> = {}): WorkflowServiceOptions {
  return {
    infraNamespace: config.namespaces.infra,
    backendNamespace: config.namespaces.backend,
    middletierNamespace: config.namespaces.middletier,
    deploymentName: config.deploymentName,
    cephBucket: config.ceph.bucket,
    cephBucketPrefix: config.ceph.bucketPrefix,
    s3EndpointUrl: config.ceph.s3EndpointUrl,
    verifyTls: config.kubernetes.verifyTls,
    openshiftApiUrl: config.kubernetes.openshiftApiUrl,
    kubeconfigPath: config.kubernetes.kubeconfig,
    inCluster: { serviceHost: config.kubernetes.serviceHost, servicePort: config.kubernetes.servicePort?.toString() },
    pendingLimit: config.pendingLimit,
    pendingSleepSeconds: config.pendingSleepSeconds,
    ...overrides,
  }
}

/** The consume loop's factory over a workflow service (one SubmissionMemory per record). */
export function workflowFactory(svc: WorkflowService): WorkflowFactory {
  return { newMemory: createSubmissionMemory, quota: svc.quota, forRecord: (r, m, s) => svc.forRecord(r, m as SubmissionMemory, s) }
}
