/**
 * The workflow port against the local HTTPS Kubernetes API test server, with the real
 * @kubernetes/client-node on our Bun-fetch httpApi (workflows.md, D-6, D-7, D-17, D-18, D-36).
 */
import { afterEach, describe, expect, test } from 'bun:test'
import { createHash } from 'node:crypto'
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { ParamValue, RecordInfo, WorkflowKind } from '../../lib/context.ts'
import { AbortedError, ConfigError, MisconfiguredError, NameConflictError, ServiceError, UpstreamError } from '../../lib/errors.ts'
import { memoryLogger } from '../../lib/log.ts'
import { createMetrics } from '../../lib/metrics.ts'
import { createRedactor } from '../../lib/redact.ts'
import { RECORD_LABEL } from '../../lib/workflow-render.ts'
import { createSubmissionMemory, createWorkflowService, type WorkflowServiceOptions } from '../../lib/workflows.ts'
import { CEPH_ARGS, declaredArguments, KIND_FIXTURES, kindFixture } from '../fixtures/templates.ts'
import { startKubeApiServer, type KubeApiServer, type KubeApiServerOptions } from '../servers/kube-api.ts'
import { writeKubeconfig, type KubeconfigSpec } from '../servers/kubeconfig.ts'

const INFRA = 'thoth-infra'
const BACKEND = 'thoth-backend'
const MIDDLE = 'thoth-middletier'
const TOKEN = 'sa-token-1'
const S3 = 'https://S3.Example.com:443/bucket?x=1'

const servers: KubeApiServer[] = []
afterEach(() => {
  for (const s of servers.splice(0)) void s.stop()
})

function makeRecord(over: Partial<RecordInfo> = {}, value = '{"package_name":"flask"}'): RecordInfo {
  return {
    topic: 'thoth.package-release.package-released',
    partition: 3,
    offset: '42',
    timestamp: '1685620800000', // 2023-06-01T12:00:00Z
    baseName: 'thoth.package-release.package-released',
    version: 'v1',
    valueHash: createHash('sha256').update(value).digest('hex').slice(0, 32),
    ...over,
  }
}

async function server(opts: KubeApiServerOptions = {}): Promise<KubeApiServer> {
  const s = await startKubeApiServer({ tokens: [TOKEN], solvers: 'solver-rhel-8-py38\n', ...opts })
  servers.push(s)
  return s
}

async function setup(
  srvOpts: KubeApiServerOptions = {},
  svcOpts: Partial<WorkflowServiceOptions> = {},
  kc: Partial<KubeconfigSpec> = {},
) {
  const srv = await server(srvOpts)
  const kubeconfigPath = await writeKubeconfig({ server: srv.url, ca: srv.pki?.caCert, token: TOKEN, ...kc })
  const log = memoryLogger('debug')
  const metrics = createMetrics()
  const svc = createWorkflowService(
    {
      infraNamespace: INFRA, backendNamespace: BACKEND, middletierNamespace: MIDDLE, deploymentName: 'ocp-stage',
      cephBucket: 'thoth', cephBucketPrefix: 'data/thoth', s3EndpointUrl: S3, verifyTls: true, kubeconfigPath,
      pendingSleepSeconds: 0.01, ...svcOpts,
    },
    { log, metrics },
  )
  const redact = createRedactor(['s3cretpass', 'robot:s3cretpass'])
  const forRecord = (record = makeRecord(), memory = createSubmissionMemory(), scope: { signal?: AbortSignal; onWaiting?: (w: boolean) => void } = {}) =>
    svc.forRecord(record, memory, { signal: scope.signal ?? new AbortController().signal, log, redact, onWaiting: scope.onWaiting })
  return { srv, svc, log, metrics, forRecord }
}

const SOLVER_PARAMS: Record<string, ParamValue> = {
  THOTH_SOLVER_NAME: 'solver-rhel-8-py38', THOTH_SOLVER_PACKAGES: 'flask===3.0.0', THOTH_SOLVER_NO_TRANSITIVE: '1',
  THOTH_SOLVER_INDEXES: 'https://pypi.org/simple', THOTH_SOLVER_DEPENDENCY_INDEXES: '', THOTH_FORCE_SYNC: '0', THOTH_LOG_SOLVER: 'INFO',
}
const solverOpts = { idPrefix: 'solver-rhel-8-py38' }

async function rejection(p: Promise<unknown>): Promise<ServiceError> {
  try {
    await p
  } catch (err) {
    expect(err).toBeInstanceOf(ServiceError)
    return err as ServiceError
  }
  throw new Error('expected a rejection')
}

describe('submit: every kind renders exactly the expected Workflow', () => {
  for (const f of KIND_FIXTURES) {
    test(f.kind, async () => {
      const { srv, forRecord } = await setup()
      const record = makeRecord()
      const params: Record<string, ParamValue> = {}
      for (const [name] of f.params) if (name !== f.idParam) params[name] = `v-${name.toLowerCase()}`
      const wf = forRecord(record)
      const expectedId = wf.generatedId(f.kind, f.kind, f.idParam)
      const sub = await wf.submit(f.kind, params, { idPrefix: f.kind })
      const ns = ['adviser', 'provenance-checker', 'kebechet', 'kebechet-run-url', 'kebechet-administrator', 'thoth-repo-init'].includes(f.kind) ? BACKEND : MIDDLE
      expect(sub).toEqual({ name: expectedId, namespace: ns, created: true })
      expect(expectedId).toMatch(new RegExp(`^${f.kind}-230601120000-[0-9a-f]{16}$`))
      const stored = srv.workflow(ns, expectedId)
      expect(stored).toBeDefined()
      expect(stored?.metadata.labels).toEqual({ app: 'thoth', component: f.component, [RECORD_LABEL]: record.valueHash })
      expect(stored?.spec.entrypoint).toBe(f.entrypoint)
      expect(stored?.spec.serviceAccountName).toBe(f.serviceAccount)
      expect(stored?.status).toBeUndefined()
      const values: Record<string, string> = { ...(params as Record<string, string>), [f.idParam]: expectedId }
      for (const [name, , def] of f.params) if (values[name] === undefined) values[name] = def ?? ''
      const own = declaredArguments(f)
        .filter((a) => !(CEPH_ARGS as readonly string[]).includes(a.name))
        .map((a) => ({ name: a.name, value: (a.value ?? '').replace(/\$\{([A-Z_]+)\}/g, (_, n: string) => values[n] ?? '') }))
      const ceph = [
        { name: 'ceph_bucket_prefix', value: 'data/thoth' }, { name: 'ceph_bucket_name', value: 'thoth' },
        { name: 'ceph_host', value: 'S3.Example.com:443' }, { name: 'deployment_name', value: 'ocp-stage' },
      ]
      expect(stored?.spec.arguments.parameters).toEqual(f.ceph ? [...ceph, ...own] : own)
      const k3 = srv.calls('K-3')[0]
      expect(k3?.body.apiVersion).toBe('template.openshift.io/v1')
      expect(k3?.body.kind).toBe('Template')
      expect(k3?.namespace).toBe(INFRA)
      expect(srv.calls('K-2')[0]?.query.labelSelector).toBe(`template=${f.kind}`)
      for (const r of srv.requests) {
        expect(r.authorization).toBe(`Bearer ${TOKEN}`)
        expect(r.accept).toBe('application/json')
      }
    })
  }

  test('solver: literal arguments, parameter text rules and the literal ceph netloc', async () => {
    const { srv, forRecord } = await setup()
    const sub = await forRecord().submit('solver', { ...SOLVER_PARAMS, THOTH_FORCE_SYNC: true, THOTH_SOLVER_INDEXES: null, THOTH_LOG_SOLVER: 7 }, solverOpts)
    expect(srv.workflow(MIDDLE, sub.name)?.spec.arguments.parameters).toEqual([
      { name: 'ceph_bucket_prefix', value: 'data/thoth' },
      { name: 'ceph_bucket_name', value: 'thoth' },
      { name: 'ceph_host', value: 'S3.Example.com:443' },
      { name: 'deployment_name', value: 'ocp-stage' },
      { name: 'THOTH_SOLVER_NAME', value: 'solver-rhel-8-py38' },
      { name: 'THOTH_SOLVER_WORKFLOW_ID', value: sub.name },
      { name: 'THOTH_LOG_SOLVER', value: '7' },
      { name: 'THOTH_SOLVER_NO_TRANSITIVE', value: '1' },
      { name: 'THOTH_SOLVER_PACKAGES', value: 'flask===3.0.0' },
      { name: 'THOTH_SOLVER_INDEXES', value: '' },
      { name: 'THOTH_SOLVER_DEPENDENCY_INDEXES', value: '' },
      { name: 'THOTH_FORCE_SYNC', value: 'True' },
    ])
  })

  test('graph-sync gets the Ceph arguments appended; kebechet-administrator gets none', async () => {
    const { srv, forRecord } = await setup()
    const wf = forRecord()
    const gs = await wf.submit('graph-sync', { THOTH_SYNC_DOCUMENT_ID: 'inspection-1', THOTH_FORCE_SYNC: false }, { idPrefix: 'graph-sync' })
    expect(srv.workflow(MIDDLE, gs.name)?.spec.arguments.parameters.map((p: { name: string }) => p.name)).toEqual([
      ...CEPH_ARGS, 'THOTH_SYNC_JOB_ID', 'THOTH_SYNC_DOCUMENT_ID', 'THOTH_FORCE_SYNC',
    ])
    const ka = await wf.submit('kebechet-administrator', { THOTH_PACKAGE_NAME: 'flask', THOTH_PACKAGE_INDEX: 'https://pypi.org/simple', THOTH_MESSAGE_TYPE: 'thoth.cve-update.cve-provided' }, { idPrefix: 'kebechet-administrator' })
    expect(srv.workflow(BACKEND, ka.name)?.spec.arguments.parameters.map((p: { name: string }) => p.name)).toEqual(
      declaredArguments(kindFixture('kebechet-administrator')).map((a) => a.name),
    )
  })

  test('a parameter the template does not declare is appended with a warning', async () => {
    const { srv, log, forRecord } = await setup()
    await forRecord().submit('solver', { ...SOLVER_PARAMS, EXTRA_PARAM: 'x' }, solverOpts)
    expect(srv.calls('K-3')[0]?.body.parameters.at(-1)).toEqual({ name: 'EXTRA_PARAM', value: 'x' })
    expect(log.lines.some((l) => l.level === 'warn' && l.parameter === 'EXTRA_PARAM')).toBe(true)
  })

  test('a job id is used unchanged; templates are cached, K-3 and K-4 are sent every time', async () => {
    const { srv, forRecord } = await setup()
    const wf = forRecord()
    const a = await wf.submit('adviser', { THOTH_ADVISER_METADATA: '{}' }, { idPrefix: 'adviser', jobId: 'adviser-given-1' })
    const b = await wf.submit('adviser', { THOTH_ADVISER_METADATA: '{}' }, { idPrefix: 'adviser', jobId: '' })
    expect(a.name).toBe('adviser-given-1')
    expect(b.name).toMatch(/^adviser-230601120000-[0-9a-f]{16}$/)
    expect(srv.calls('K-2')).toHaveLength(1)
    expect(srv.calls('K-3')).toHaveLength(2)
    expect(srv.calls('K-4')).toHaveLength(2)
  })

  test('K-3 goes to OPENSHIFT_API_URL when set', async () => {
    const openshift = await server()
    const { srv, forRecord } = await setup({}, { openshiftApiUrl: `${openshift.url}/` })
    await forRecord().submit('solver', SOLVER_PARAMS, solverOpts)
    expect(openshift.calls('K-3')).toHaveLength(1)
    expect(srv.calls('K-3')).toHaveLength(0)
    expect(srv.calls('K-4')).toHaveLength(1)
  })
})

describe('deterministic ids (D-6, D-18)', () => {
  test('same record -> same name; another offset, position or kind -> another name', async () => {
    const { forRecord } = await setup()
    const id = (r: RecordInfo, kind: WorkflowKind = 'solver', position = 0) => forRecord(r).generatedId(kind, 'solver-x', 'THOTH_SOLVER_WORKFLOW_ID', position)
    const text = ['thoth.package-release.package-released', '3', '42', 'solver', '0', 'THOTH_SOLVER_WORKFLOW_ID'].join('\n')
    const hex = createHash('sha256').update(text).digest('hex').slice(0, 16)
    expect(id(makeRecord())).toBe(`solver-x-230601120000-${hex}`)
    expect(id(makeRecord())).toBe(id(makeRecord()))
    expect(id(makeRecord({ offset: '43' }))).not.toBe(id(makeRecord()))
    expect(id(makeRecord(), 'solver', 1)).not.toBe(id(makeRecord()))
    expect(id(makeRecord({ timestamp: '-1' }))).toBe(`solver-x-000000000000-${hex}`)
  })

  test('positions count per kind within an attempt and restart with the next attempt', async () => {
    const { forRecord } = await setup()
    const memory = createSubmissionMemory()
    const first = forRecord(makeRecord(), memory)
    const a = await first.submit('solver', SOLVER_PARAMS, solverOpts)
    const b = await first.submit('solver', SOLVER_PARAMS, solverOpts)
    expect(a.name).not.toBe(b.name)
    expect(first.generatedId('solver', 'solver-rhel-8-py38', 'THOTH_SOLVER_WORKFLOW_ID', 1)).toBe(b.name)
    const again = forRecord(makeRecord(), createSubmissionMemory())
    expect((await again.submit('solver', SOLVER_PARAMS, solverOpts)).name).toBe(a.name)
  })
})

describe('409 and retries (D-6)', () => {
  test('409 with this record label is done (created=false, info log)', async () => {
    const { srv, log, forRecord } = await setup()
    const first = await forRecord().submit('solver', SOLVER_PARAMS, solverOpts)
    const again = await forRecord().submit('solver', SOLVER_PARAMS, solverOpts)
    expect(again).toEqual({ ...first, created: false })
    expect(srv.calls('K-6')).toHaveLength(1)
    expect(log.lines.some((l) => l.level === 'info' && l.workflow === first.name)).toBe(true)
  })

  for (const labels of [{ [RECORD_LABEL]: 'another-hash' }, {}]) {
    test(`409 with ${Object.keys(labels).length ? 'another' : 'no'} record label is a name conflict`, async () => {
      const { srv, forRecord } = await setup()
      const wf = forRecord()
      const name = wf.generatedId('solver', 'solver-rhel-8-py38', 'THOTH_SOLVER_WORKFLOW_ID')
      srv.seedWorkflow(MIDDLE, { apiVersion: 'argoproj.io/v1alpha1', kind: 'Workflow', metadata: { name, labels }, spec: {} })
      const err = await rejection(wf.submit('solver', SOLVER_PARAMS, solverOpts))
      expect(err).toBeInstanceOf(NameConflictError)
      expect(err.message).toBe(`workflow name \`${name}\` in \`${MIDDLE}\` is already used by another message`)
    })
  }

  test('a retry after a partial failure does not send completed submissions again', async () => {
    const { srv, forRecord } = await setup()
    const memory = createSubmissionMemory()
    const attempt1 = forRecord(makeRecord(), memory)
    const a = await attempt1.submit('revsolver', { THOTH_REVSOLVER_PACKAGE_NAME: 'flask', THOTH_REVSOLVER_PACKAGE_VERSION: '3.0.0' }, { idPrefix: 'revsolver' })
    expect(a.created).toBe(true)
    srv.fault({ op: 'K-4', status: 503, times: 1 })
    const err = await rejection(attempt1.submit('solver', SOLVER_PARAMS, solverOpts))
    expect(err.retryable).toBe(true)
    const k4Before = srv.calls('K-4').length
    const attempt2 = forRecord(makeRecord(), memory)
    const a2 = await attempt2.submit('revsolver', { THOTH_REVSOLVER_PACKAGE_NAME: 'flask', THOTH_REVSOLVER_PACKAGE_VERSION: '3.0.0' }, { idPrefix: 'revsolver' })
    expect(a2).toEqual({ ...a, created: false })
    expect(srv.calls('K-4').length).toBe(k4Before) // nothing sent for the done revsolver
    const s2 = await attempt2.submit('solver', SOLVER_PARAMS, solverOpts)
    expect(s2.created).toBe(true)
    expect(srv.calls('K-4').length).toBe(k4Before + 1)
    expect(memory.size).toBe(2)
  })
})

describe('errors', () => {
  test('403 on templates: misconfiguration naming namespace, resource and RBAC', async () => {
    const { srv, forRecord } = await setup()
    srv.fault({ op: 'K-2', status: 403 })
    const err = await rejection(forRecord().submit('solver', SOLVER_PARAMS, solverOpts))
    expect(err).toBeInstanceOf(MisconfiguredError)
    expect(err.retryable).toBe(false)
    expect(err.message).toContain('forbidden (403)')
    expect(err.message).toContain(`"${INFRA}"`)
    expect(err.message).toContain('templates.template.openshift.io')
    expect(err.message).toContain('RBAC')
  })

  test('404 on workflows create: misconfiguration, not retryable', async () => {
    const { srv, forRecord } = await setup()
    srv.fault({ op: 'K-4', status: 404 })
    const err = await rejection(forRecord().submit('kebechet', { WEBHOOK_PAYLOAD: '{}' }, { idPrefix: 'kebechet-job' }))
    expect(err).toBeInstanceOf(MisconfiguredError)
    expect(err.message).toContain(`create workflows.argoproj.io`)
    expect(err.message).toContain(`"${BACKEND}"`)
  })

  test('missing or duplicated template: misconfiguration', async () => {
    const { srv, forRecord } = await setup()
    const i = srv.templates.findIndex((t) => t.metadata.labels.template === 'adviser')
    srv.templates.push(srv.templates[i] as Record<string, unknown>)
    let err = await rejection(forRecord().submit('adviser', {}, { idPrefix: 'adviser' }))
    expect(err).toBeInstanceOf(MisconfiguredError)
    expect(err.message).toContain('2 templates labelled template=adviser')
    srv.templates.splice(i, 1)
    srv.templates.pop()
    err = await rejection(forRecord().submit('adviser', {}, { idPrefix: 'adviser' }))
    expect(err.message).toContain('no template labelled template=adviser')
  })

  test('422 from processing (required parameter empty): not retryable, names the parameter', async () => {
    const { forRecord } = await setup()
    const err = await rejection(forRecord().submit('graph-sync', { THOTH_SYNC_DOCUMENT_ID: 'x', THOTH_FORCE_SYNC: null }, { idPrefix: 'graph-sync' }))
    expect(err).toBeInstanceOf(UpstreamError)
    expect(err.retryable).toBe(false)
    expect((err as UpstreamError).status).toBe(422)
    expect(err.message).toContain('THOTH_FORCE_SYNC is required')
  })

  test('422 from the Argo schema validation of the Workflow: not retryable', async () => {
    const { srv, forRecord } = await setup()
    const t = srv.templates.find((x) => x.metadata.labels.template === 'revsolver') as { objects: Array<{ spec: Record<string, unknown> }> }
    ;(t.objects[0] as { spec: Record<string, unknown> }).spec.entrypoint = '${{THOTH_REVSOLVER_PACKAGE_VERSION}}'
    const err = await rejection(forRecord().submit('revsolver', { THOTH_REVSOLVER_PACKAGE_NAME: 'a', THOTH_REVSOLVER_PACKAGE_VERSION: '3' }, { idPrefix: 'revsolver' }))
    expect((err as UpstreamError).status).toBe(422)
    expect(err.retryable).toBe(false)
    expect(err.message).toContain('entrypoint must be string')
  })

  test('5xx, 429 and 401 are retryable', async () => {
    const { srv, forRecord } = await setup()
    for (const status of [500, 503, 429, 401]) {
      srv.clearFaults()
      srv.fault({ op: 'K-4', status, times: 1 })
      const err = await rejection(forRecord().submit('solver', SOLVER_PARAMS, solverOpts))
      expect(err).toBeInstanceOf(UpstreamError)
      expect(err.retryable).toBe(true)
    }
  })

  test('a request slower than the timeout is retryable', async () => {
    const { srv, forRecord } = await setup({}, { requestTimeoutMs: 150 })
    srv.fault({ op: 'K-3', delayMs: 600, times: 1 })
    const err = await rejection(forRecord().submit('solver', SOLVER_PARAMS, solverOpts))
    expect(err).toBeInstanceOf(UpstreamError)
    expect(err.retryable).toBe(true)
    expect(err.message).toContain('timed out')
  })

  test('a closed port is a retryable connection error', async () => {
    const srv = await server()
    const port = srv.port
    await srv.stop()
    const { forRecord } = await setup({}, { connection: undefined }, { server: `https://127.0.0.1:${port}` })
    const err = await rejection(forRecord().submit('solver', SOLVER_PARAMS, solverOpts))
    expect(err).toBeInstanceOf(UpstreamError)
    expect(err.retryable).toBe(true)
    expect(err.message).toContain('cannot reach')
  })

  test('secrets are redacted from error texts and logs', async () => {
    const { srv, log, forRecord } = await setup()
    const params = { THOTH_ANALYZED_IMAGE: 'quay.io/x', THOTH_PACKAGE_EXTRACT_METADATA: '{}', THOTH_REGISTRY_CREDENTIALS: 'robot:s3cretpass', SECRET_EXTRA: 'robot:s3cretpass' }
    srv.fault({ op: 'K-3', status: 422, times: 1, body: { kind: 'Status', code: 422, message: 'bad value robot:s3cretpass for THOTH_REGISTRY_CREDENTIALS' } })
    const err = await rejection(forRecord().submit('package-extract', params, { idPrefix: 'package-extract' }))
    expect(err.message).toContain('[redacted]')
    expect(err.message).not.toContain('s3cretpass')
    expect(JSON.stringify((err as Error).cause)).not.toContain('s3cretpass')
    srv.fault({ op: 'K-4', status: 500, times: 1, body: 'internal error echoing robot:s3cretpass' })
    const err2 = await rejection(forRecord().submit('package-extract', params, { idPrefix: 'package-extract' }))
    expect(err2.message).not.toContain('s3cretpass')
    expect(err2.message).toContain('[redacted]')
    await forRecord().submit('package-extract', params, { idPrefix: 'package-extract' })
    expect(JSON.stringify(log.lines)).not.toContain('s3cretpass')
  })
})

describe('solverNames (K-1, D-12)', () => {
  test('trimmed, blank lines skipped, cached', async () => {
    const { srv, forRecord } = await setup({ solvers: '  solver-rhel-8-py38 \n\n solver-fedora-35-py310\r\n  \n' })
    expect(await forRecord().solverNames()).toEqual(['solver-rhel-8-py38', 'solver-fedora-35-py310'])
    expect(await forRecord().solverNames()).toEqual(['solver-rhel-8-py38', 'solver-fedora-35-py310'])
    expect(srv.calls('K-1')).toHaveLength(1)
    expect(srv.calls('K-1')[0]?.path).toBe(`/api/v1/namespaces/${INFRA}/configmaps/solvers`)
  })

  test('a ConfigMap without the key gives [] and a warning; a missing ConfigMap fails', async () => {
    const a = await setup({ solvers: null })
    expect(await a.forRecord().solverNames()).toEqual([])
    expect(a.log.lines.some((l) => l.level === 'warn')).toBe(true)
    const b = await setup({ solvers: undefined })
    b.srv.setSolvers(undefined)
    const err = await rejection(b.forRecord().solverNames())
    expect(err).toBeInstanceOf(MisconfiguredError)
    expect(err.message).toContain('configmaps "solvers"')
  })
})

describe('WAIT: pending-workflow limit (D-7)', () => {
  test('no limit: no listing', async () => {
    const { srv, forRecord } = await setup()
    await forRecord().submit('solver', SOLVER_PARAMS, solverOpts)
    expect(srv.calls('K-5')).toHaveLength(0)
  })

  test('waits while over the limit, then submits; onWaiting and the gauge follow', async () => {
    const { srv, metrics, forRecord } = await setup({}, { pendingLimit: 900 })
    srv.scriptPending(MIDDLE, [905])
    const events: boolean[] = []
    const p = forRecord(makeRecord(), createSubmissionMemory(), { onWaiting: (w) => events.push(w) }).submit('solver', SOLVER_PARAMS, solverOpts)
    while (srv.calls('K-5').length < 3) await Bun.sleep(5)
    expect(events).toEqual([true])
    expect((await metrics.pendingLimitWaiting.get()).values).toEqual([{ value: 1, labels: { namespace: MIDDLE } }])
    expect(srv.calls('K-4')).toHaveLength(0)
    srv.scriptPending(MIDDLE, [900])
    const sub = await p
    expect(sub.created).toBe(true)
    expect(events).toEqual([true, false])
    expect((await metrics.pendingLimitWaiting.get()).values[0]?.value).toBe(0)
    const q = srv.calls('K-5')[0]?.query
    expect(q?.limit).toBe('500')
    expect(q?.labelSelector).toBe('workflows.argoproj.io/completed!=true')
    expect(srv.calls('K-5').every((r) => r.namespace === MIDDLE)).toBe(true)
  })

  test('pages through the list with limit and continue; waits in the workflow namespace of the kind', async () => {
    const { srv, forRecord } = await setup({}, { pendingLimit: 1000 })
    srv.scriptPending(BACKEND, [1200, 1000])
    await forRecord().submit('kebechet', { WEBHOOK_PAYLOAD: '{}' }, { idPrefix: 'kebechet-job' })
    const lists = srv.calls('K-5')
    expect(lists.map((r) => r.query.continue === undefined)).toEqual([true, false, false, true, false])
    expect(lists.every((r) => r.namespace === BACKEND)).toBe(true)
  })

  test('counts pending workflows: no status or no startedAt; completed ones are skipped', async () => {
    const { srv, forRecord } = await setup({}, { pendingLimit: 1 })
    const wf = (name: string, extra: Record<string, unknown>, labels: Record<string, string> = {}) =>
      srv.seedWorkflow(MIDDLE, { apiVersion: 'argoproj.io/v1alpha1', kind: 'Workflow', metadata: { name, labels }, spec: {}, ...extra })
    wf('a', {})
    wf('b', { status: { startedAt: null } })
    wf('c', { status: { startedAt: '2024-01-01T00:00:00Z' } })
    wf('d', {}, { 'workflows.argoproj.io/completed': 'true' })
    const ac = new AbortController()
    const p = forRecord(makeRecord(), createSubmissionMemory(), { signal: ac.signal }).submit('solver', SOLVER_PARAMS, solverOpts)
    while (srv.calls('K-5').length < 2) await Bun.sleep(5)
    srv.workflow(MIDDLE, 'b')!.status = { startedAt: '2024-01-01T00:00:01Z' }
    expect((await p).created).toBe(true)
  })

  test('the wait is abortable', async () => {
    const { srv, metrics, forRecord } = await setup({}, { pendingLimit: 0 })
    srv.scriptPending(MIDDLE, [3])
    const ac = new AbortController()
    const events: boolean[] = []
    const p = forRecord(makeRecord(), createSubmissionMemory(), { signal: ac.signal, onWaiting: (w) => events.push(w) }).submit('solver', SOLVER_PARAMS, solverOpts)
    while (events.length === 0) await Bun.sleep(5)
    ac.abort()
    const err = await rejection(p)
    expect(err).toBeInstanceOf(AbortedError)
    expect(events).toEqual([true, false])
    expect((await metrics.pendingLimitWaiting.get()).values[0]?.value).toBe(0)
    expect(srv.calls('K-4')).toHaveLength(0)
  })

  test('a burst under the limit shares one count', async () => {
    const { srv, forRecord } = await setup({}, { pendingLimit: 100, pendingCountCacheMs: 10_000 })
    const wf = forRecord()
    await Promise.all(Array.from({ length: 20 }, () => wf.submit('solver', SOLVER_PARAMS, solverOpts)))
    expect(srv.calls('K-5')).toHaveLength(1)
    expect(srv.calls('K-4')).toHaveLength(20)
  })
})

describe('connection, TLS and credentials (D-17)', () => {
  test('verifyTls=false works against a certificate no CA vouches for', async () => {
    const { forRecord } = await setup({}, { verifyTls: false }, { ca: undefined })
    expect((await forRecord().submit('solver', SOLVER_PARAMS, solverOpts)).created).toBe(true)
  })

  test('without the CA, or with the wrong CA, the call fails', async () => {
    for (const ca of [undefined, 'other']) {
      const srv = await server()
      const { forRecord } = await setup({}, {}, { server: srv.url, ca: ca ? srv.pki?.otherCaCert : undefined })
      const err = await rejection(forRecord().submit('solver', SOLVER_PARAMS, solverOpts))
      expect(err).toBeInstanceOf(UpstreamError)
      expect(err.message).toContain('TLS')
    }
  })

  test('insecure-skip-tls-verify in the kubeconfig is honoured', async () => {
    const { forRecord } = await setup({}, {}, { ca: undefined, insecureSkipTlsVerify: true })
    expect((await forRecord().submit('solver', SOLVER_PARAMS, solverOpts)).created).toBe(true)
  })

  test('a server requiring a client certificate accepts the kubeconfig client certificate', async () => {
    const srv = await server({ requireClientCert: true, tokens: undefined })
    const pki = srv.pki!
    const { forRecord } = await setup({}, {}, { server: srv.url, ca: pki.caCert, token: undefined, clientCert: pki.clientCert, clientKey: pki.clientKey })
    expect((await forRecord().submit('solver', SOLVER_PARAMS, solverOpts)).created).toBe(true)
    expect(srv.calls('K-4')).toHaveLength(1)
    const noCert = await setup({}, {}, { server: srv.url, ca: pki.caCert, token: 'x' })
    const err = await rejection(noCert.forRecord().submit('solver', SOLVER_PARAMS, solverOpts))
    expect(err.retryable).toBe(true)
    expect(srv.calls('K-4')).toHaveLength(1)
  })

  test('an exec credential plugin provides the token', async () => {
    const cred = JSON.stringify({ apiVersion: 'client.authentication.k8s.io/v1', kind: 'ExecCredential', status: { token: TOKEN } })
    const { srv, forRecord } = await setup({}, {}, { token: undefined, exec: { command: 'sh', args: ['-c', `printf '%s' '${cred}'`] } })
    await forRecord().submit('solver', SOLVER_PARAMS, solverOpts)
    expect(srv.calls('K-4')[0]?.authorization).toBe(`Bearer ${TOKEN}`)
  })

  test('in cluster: token and CA from the service-account files; a rotated token is re-read', async () => {
    const srv = await server({ tokens: ['token-a'] })
    const dir = mkdtempSync(join(tmpdir(), 'sa-'))
    writeFileSync(join(dir, 'token'), 'token-a\n')
    writeFileSync(join(dir, 'ca.crt'), srv.pki!.caCert)
    const { forRecord, svc } = await setup({}, {
      kubeconfigPath: '/nonexistent/kubeconfig',
      inCluster: { serviceHost: '127.0.0.1', servicePort: srv.port, tokenPath: join(dir, 'token'), caPath: join(dir, 'ca.crt') },
      credentialsRereadMs: 50,
    })
    expect((await svc.load()).source).toBe('in-cluster')
    await forRecord().submit('solver', SOLVER_PARAMS, solverOpts)
    writeFileSync(join(dir, 'token'), 'token-b\n')
    srv.setTokens(['token-b'])
    await Bun.sleep(80)
    await forRecord(makeRecord({ offset: '7' })).submit('solver', SOLVER_PARAMS, solverOpts)
    expect(srv.calls('K-4').map((r) => r.authorization)).toEqual(['Bearer token-a', 'Bearer token-b'])
  })

  test('in cluster without a token file: warns and falls back to the kubeconfig', async () => {
    const { svc, log, forRecord } = await setup({}, { inCluster: { serviceHost: '127.0.0.1', tokenPath: '/nonexistent/token' } })
    expect((await svc.load()).source).toBe('kubeconfig')
    expect(log.lines.some((l) => l.level === 'warn' && String(l.msg).includes('falling back'))).toBe(true)
    expect((await forRecord().submit('solver', SOLVER_PARAMS, solverOpts)).created).toBe(true)
  })

  test('neither in-cluster files nor a kubeconfig: load() and every call reject with the start-up error', async () => {
    const svc = createWorkflowService(
      { infraNamespace: INFRA, backendNamespace: BACKEND, middletierNamespace: MIDDLE, deploymentName: 'd', cephBucket: 'b',
        cephBucketPrefix: 'p', s3EndpointUrl: S3, verifyTls: true, kubeconfigPath: '/nonexistent/config', pendingSleepSeconds: 2 },
      { log: memoryLogger(), metrics: createMetrics() },
    )
    const err = await rejection(svc.load())
    expect(err).toBeInstanceOf(ConfigError)
    expect(err.message).toMatch(/no kubeconfig/)
    const scope = { signal: new AbortController().signal, log: memoryLogger(), redact: (t: string) => t }
    expect((await rejection(svc.forRecord(makeRecord(), createSubmissionMemory(), scope).submit('solver', SOLVER_PARAMS, solverOpts))).message).toMatch(/no kubeconfig/)
  })

  test('check() lists each resource once; a 403 names the RBAC problem', async () => {
    const { srv, svc } = await setup()
    expect(await svc.check()).toEqual({ server: srv.url, source: 'kubeconfig' })
    expect(srv.requests.map((r) => `${r.op} ${r.namespace}`)).toEqual([`K-2 ${INFRA}`, `K-5 ${BACKEND}`, `K-5 ${MIDDLE}`])
    srv.fault({ op: 'K-5', namespace: MIDDLE, status: 403 })
    const err = await rejection(svc.check())
    expect(err).toBeInstanceOf(MisconfiguredError)
    expect(err.message).toContain(`"list" on workflows.argoproj.io in namespace "${MIDDLE}"`)
  })
})

describe('many submissions', () => {
  test('1,000 concurrent submissions over plain HTTP all arrive (speed: bench/, not here)', async () => {
    const { srv, forRecord } = await setup({ plainHttp: true, recordRequests: false }, { pendingLimit: 1_000_000 }, { ca: undefined, insecureSkipTlsVerify: true })
    const wf = forRecord()
    await Promise.all(Array.from({ length: 1000 }, () => wf.submit('solver', SOLVER_PARAMS, solverOpts)))
    expect(srv.workflows(MIDDLE)).toHaveLength(1000)
  })
})
