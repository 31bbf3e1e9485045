/**
 * deploy/: `kustomize build` of the base and the example overlay (kustomize from
 * scripts/kustomize.sh), every object validated against its schema (kubernetes-models, and
 * @kubernetes-models/prometheus-operator for ServiceMonitor and PrometheusRule), the shape
 * Thoth deploys the investigator in (one Deployment per consumer mode, the upstream variable
 * names from a ConfigMap and a Secret, port 6066, /_health probes, resources, non-root), and the
 * monitoring: alerts with runbook sections, and every metric an alert or the dashboard uses
 * exists in lib/metrics.ts's registry with the type its use needs.
 */
import { beforeAll, describe, expect, test } from 'bun:test'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { loadConfig } from '../../lib/config.ts'
import { createMetrics } from '../../lib/metrics.ts'

const ROOT = join(import.meta.dir, '..', '..')
const MODES = ['backend', 'middletier', 'metrics'] as const
const ALERTS = [
  'ThothInvestigatorTopicHalted',
  'ThothInvestigatorConsumerStuck',
  'ThothInvestigatorLagGrowing',
  'ThothInvestigatorDeadLetters',
  'ThothInvestigatorPendingWorkflowWait',
  'ThothInvestigatorMissingHandler',
]

type Obj = Record<string, any>
let kustomize: string
let base: Obj[]
let example: Obj[]

async function run(cmd: string[]): Promise<string> {
  const proc = Bun.spawn(cmd, { cwd: ROOT, stdout: 'pipe', stderr: 'pipe' })
  const [out, err, code] = await Promise.all([
    new Response(proc.stdout).text(),
    new Response(proc.stderr).text(),
    proc.exited,
  ])
  if (code !== 0) throw new Error(`${cmd.join(' ')} exited with ${code}:\n${err}${out}`)
  return out
}

async function build(dir: string): Promise<Obj[]> {
  const docs = Bun.YAML.parse(await run([kustomize, 'build', dir])) as Obj | Obj[]
  return (Array.isArray(docs) ? docs : [docs]).filter((d) => d !== null)
}

beforeAll(async () => {
  // Installs kustomize into .tools/bin on the first run (Go module proxy), then reuses it.
  kustomize = (await run(['bash', 'scripts/kustomize.sh'])).trim().split('\n').at(-1)!
  base = await build('deploy/base')
  example = await build('deploy/overlays/example')
}, 600_000)

const of = (objs: Obj[], kind: string) => objs.filter((o) => o.kind === kind)
const one = (objs: Obj[], kind: string, name?: string) => {
  const found = of(objs, kind).filter((o) => name === undefined || o.metadata.name === name)
  expect(found).toHaveLength(1)
  return found[0]!
}
const deployment = (objs: Obj[], mode: string) => one(objs, 'Deployment', `investigator-consumer-${mode}`)
const container = (d: Obj) => d.spec.template.spec.containers[0]
const subset = (small: Obj, big: Obj) => Object.entries(small).every(([k, v]) => big?.[k] === v)

/** The model class of an object: kubernetes-models, or the prometheus-operator models. */
async function modelOf(apiVersion: string, kind: string): Promise<new (data: Obj) => { validate(): void }> {
  const path = apiVersion.startsWith('monitoring.coreos.com/')
    ? `@kubernetes-models/prometheus-operator/${apiVersion}/${kind}`
    : `kubernetes-models/${apiVersion}/${kind}`
  const mod = await import(path)
  return mod[kind]
}

describe('kustomize build', () => {
  test('base and example overlay build; every object validates against its schema', async () => {
    for (const objs of [base, example]) {
      expect(objs.length).toBeGreaterThan(5)
      for (const o of objs) {
        const Model = await modelOf(o.apiVersion, o.kind)
        expect(() => new Model(o).validate()).not.toThrow()
      }
    }
    expect(of(example, 'ServiceMonitor')).toHaveLength(1)
    expect(of(example, 'PrometheusRule')).toHaveLength(1)
    expect(of(base, 'ServiceMonitor')).toHaveLength(0) // monitoring is an opt-in Component
  })

  test('one Deployment per consumer mode, as Thoth runs it', () => {
    for (const objs of [base, example]) {
      expect(of(objs, 'Deployment').map((d) => d.metadata.name).sort()).toEqual(
        MODES.map((m) => `investigator-consumer-${m}`).sort(),
      )
      for (const mode of MODES) {
        const env = Object.fromEntries(container(deployment(objs, mode)).env.map((e: Obj) => [e.name, e.value]))
        expect(JSON.parse(env.THOTH_CONSUMER_MODE)).toEqual([mode])
        expect(env.KAFKA_CONSUMER_GROUP_ID).toBe(mode === 'metrics' ? 'thoth.message-metrics' : 'thoth.investigator')
      }
    }
  })

  test('port 6066, liveness/readiness/startup on /_health, resources, non-root', () => {
    for (const d of of(example, 'Deployment')) {
      const c = container(d)
      expect(c.ports).toEqual([{ name: 'http', containerPort: 6066, protocol: 'TCP' }])
      for (const probe of ['livenessProbe', 'readinessProbe', 'startupProbe'])
        expect(c[probe].httpGet).toEqual({ path: '/_health', port: 'http' })
      for (const k of ['requests', 'limits']) expect(Object.keys(c.resources[k]).sort()).toEqual(['cpu', 'memory'])
      expect(d.spec.template.spec.securityContext).toMatchObject({ runAsNonRoot: true })
      expect(c.securityContext).toEqual({
        allowPrivilegeEscalation: false,
        readOnlyRootFilesystem: true,
        capabilities: { drop: ['ALL'] },
      })
      expect(c.image).toBe('quay.io/thoth-station/investigator:v0.1.0')
    }
  })

  test('settings: the upstream variable names from a ConfigMap and a Secret, valid for loadConfig', () => {
    const configSource = readFileSync(join(ROOT, 'lib/config.ts'), 'utf8')
    for (const mode of MODES) {
      const d = deployment(example, mode)
      const c = container(d)
      const refs = c.envFrom.map((e: Obj) => (e.configMapRef ? ['ConfigMap', e.configMapRef.name] : ['Secret', e.secretRef.name]))
      expect(refs.map((r: string[]) => r[0])).toEqual(['ConfigMap', 'Secret'])
      const cm = one(example, 'ConfigMap', refs[0][1]).data as Record<string, string>
      const secret = Object.fromEntries(
        Object.entries(one(example, 'Secret', refs[1][1]).data as Record<string, string>).map(([k, v]) => [
          k,
          Buffer.from(v, 'base64').toString('utf8'),
        ]),
      )
      const own = Object.fromEntries(c.env.map((e: Obj) => [e.name, e.value]))
      const env = { ...cm, ...secret, ...own }
      for (const name of Object.keys(env)) expect({ name, declared: configSource.includes(`${name}:`) }).toEqual({ name, declared: true })
      for (const name of Object.keys(cm)) expect(name).not.toMatch(/PASSWORD|TOKEN|SECRET/)
      expect(Object.keys(secret).sort()).toEqual(['KNOWLEDGE_GRAPH_PASSWORD', 'KNOWLEDGE_GRAPH_USER', 'THOTH_INVESTIGATOR_ADMIN_TOKEN'])
      const config = loadConfig(env)
      expect(config.modes).toEqual([mode])
      expect(config.httpPort).toBe(6066)
    }
  })

  test('Service and ServiceMonitor reach every pod on port http, path /metrics', () => {
    const svc = one(example, 'Service', 'investigator')
    expect(svc.spec.ports).toEqual([{ name: 'http', port: 6066, targetPort: 'http', protocol: 'TCP' }])
    for (const d of of(example, 'Deployment')) expect(subset(svc.spec.selector, d.spec.template.metadata.labels)).toBe(true)
    const sm = one(example, 'ServiceMonitor')
    expect(subset(sm.spec.selector.matchLabels, svc.metadata.labels)).toBe(true)
    expect(sm.spec.endpoints).toEqual([expect.objectContaining({ port: 'http', path: '/metrics' })])
  })

  test('example overlay: its namespace, and workflow rights only in the three Thoth namespaces', () => {
    for (const o of example.filter((x) => !['ClusterRole', 'RoleBinding'].includes(x.kind)))
      expect({ kind: o.kind, ns: o.metadata.namespace }).toEqual({ kind: o.kind, ns: 'thoth-infra-example' })
    const cm = of(example, 'ConfigMap').find((c) => c.data?.THOTH_DEPLOYMENT_NAME)!.data
    const bindings = of(example, 'RoleBinding')
    expect(bindings.map((b) => b.metadata.namespace).sort()).toEqual(
      [cm.THOTH_BACKEND_NAMESPACE, cm.THOTH_INFRA_NAMESPACE, cm.THOTH_MIDDLETIER_NAMESPACE].sort(),
    )
    for (const b of bindings) {
      expect(b.roleRef).toEqual({ apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'thoth-investigator' })
      expect(b.subjects).toEqual([{ kind: 'ServiceAccount', name: 'investigator', namespace: 'thoth-infra-example' }])
    }
    expect(of(example, 'ClusterRoleBinding')).toEqual([])
  })
})

/** GitHub's heading anchors: lower case, spaces to `-`, other punctuation dropped. */
const anchor = (heading: string) => heading.trim().toLowerCase().replace(/[^\w\- ]/g, '').replace(/ /g, '-')

describe('alerts', () => {
  const rules = () => one(example, 'PrometheusRule').spec.groups.flatMap((g: Obj) => g.rules) as Obj[]
  const rule = (name: string) => rules().find((r) => r.alert === name)!

  test('the alerts an on-call operator needs, each with summary, description and a runbook section', () => {
    expect(rules().map((r) => r.alert)).toEqual(ALERTS)
    const runbook = readFileSync(join(ROOT, 'docs/runbook.md'), 'utf8')
    const anchors = [...runbook.matchAll(/^## (.+)$/gm)].map((m) => anchor(m[1]!))
    for (const r of rules()) {
      expect(r.annotations.summary.length).toBeGreaterThan(10)
      expect(r.annotations.description.length).toBeGreaterThan(30)
      expect(r.annotations.runbook_url).toBe(`docs/runbook.md#${anchor(r.alert)}`)
      expect(anchors).toContain(anchor(r.alert))
      expect(['critical', 'warning']).toContain(r.labels.severity)
    }
  })

  test('thresholds: halted 5 min, lag growing 15 min, dead letters in 1 h, waits 30 min', () => {
    expect(rule('ThothInvestigatorTopicHalted')).toMatchObject({ for: '5m' })
    expect(rule('ThothInvestigatorLagGrowing')).toMatchObject({ for: '15m' })
    expect(rule('ThothInvestigatorLagGrowing').expr).toContain('[15m]')
    expect(rule('ThothInvestigatorDeadLetters').expr).toContain('increase(thoth_investigator_dead_letters_total[1h])')
    expect(rule('ThothInvestigatorPendingWorkflowWait')).toMatchObject({ for: '30m' })
    expect(rule('ThothInvestigatorConsumerStuck').expr).toContain('[15m]')
  })
})

// ---- metric names in PromQL ----

const AGGREGATIONS = new Set(['sum', 'max', 'min', 'avg', 'count', 'topk', 'bottomk', 'quantile', 'stddev', 'stdvar', 'group', 'abs', 'clamp_min', 'histogram_quantile', 'printf', 'vector', 'scalar'])
const COUNTER_FNS = new Set(['rate', 'irate', 'increase'])
const GAUGE_FNS = new Set(['deriv', 'changes', 'delta', 'idelta', 'max_over_time', 'min_over_time', 'avg_over_time'])
const KEYWORDS = new Set(['and', 'or', 'unless', 'bool', 'offset', 'inf', 'nan'])

/** Metric names of a PromQL (or Grafana `label_values`) expression, with the innermost function around each. */
function metricUses(expr: string): Array<{ name: string; fn: string | null }> {
  const e = expr
    .replace(/"(?:[^"\\]|\\.)*"/g, '""')
    .replace(/\{[^}]*\}/g, '')
    .replace(/\[[^\]]*\]/g, '')
    .replace(/\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, '')
  const uses: Array<{ name: string; fn: string | null }> = []
  const stack: Array<string | null> = []
  const re = /([A-Za-z_:][\w:]*)\s*(\()?|(\()|(\))/g
  for (let m = re.exec(e); m; m = re.exec(e)) {
    if (m[1] && m[2]) stack.push(AGGREGATIONS.has(m[1]) ? null : m[1])
    else if (m[1] && !KEYWORDS.has(m[1]) && !/^\d/.test(m[1])) {
      const fn = [...stack].reverse().find((f) => f !== null) ?? null
      uses.push({ name: m[1], fn })
    } else if (m[3]) stack.push(null)
    else if (m[4]) stack.pop()
  }
  return uses
}

describe('metric names used by alerts and the dashboard', () => {
  const dashboard = JSON.parse(readFileSync(join(ROOT, 'deploy/monitoring/grafana-dashboard.json'), 'utf8'))
  const panelExprs = (): string[] => dashboard.panels.flatMap((p: Obj) => p.targets.map((t: Obj) => t.expr))
  /** Variable queries are `label_values(<series selector>, <label>)`: the selector's metric. */
  const variableExprs = (): string[] =>
    dashboard.templating.list
      .filter((v: Obj) => v.type === 'query')
      .map((v: Obj) => /^label_values\((.+),\s*\w+\)$/.exec(v.query.query)?.[1] ?? v.query.query)

  test('the parser finds names and their functions', () => {
    expect(metricUses('sum by (a) (rate(x_total{a="b"}[5m])) > 0 unless on (p) max(y) > 0')).toEqual([
      { name: 'x_total', fn: 'rate' },
      { name: 'y', fn: null },
    ])
    expect(metricUses('histogram_quantile(0.5, sum by (le) (rate(h_bucket[$__rate_interval])))')).toEqual([
      { name: 'h_bucket', fn: 'rate' },
    ])
  })

  test('every name exists in createMetrics().registry with the type its use needs', async () => {
    const registry = createMetrics({ processMetrics: true }).registry
    const typeOf = async (name: string) => (await registry.getSingleMetric(name)?.get())?.type as string | undefined
    const rulesExprs = one(example, 'PrometheusRule').spec.groups.flatMap((g: Obj) => g.rules.map((r: Obj) => r.expr))
    const problems: string[] = []
    let checked = 0
    for (const expr of [...rulesExprs, ...panelExprs(), ...variableExprs()]) {
      for (const { name, fn } of metricUses(expr)) {
        checked++
        const hist = /^(.*)_(bucket|sum|count)$/.exec(name)
        const type = (await typeOf(name)) ?? (hist ? await typeOf(hist[1]!).then((t) => (t === 'histogram' ? 'histogram' : undefined)) : undefined)
        if (type === undefined) problems.push(`${name}: not in the registry (${expr})`)
        else if (type === 'histogram' && !(hist && COUNTER_FNS.has(fn ?? ''))) problems.push(`${name}: histogram series outside rate()`)
        else if (type === 'counter' && !COUNTER_FNS.has(fn ?? '')) problems.push(`${name}: counter used without rate/increase`)
        else if (type === 'gauge' && fn !== null && !GAUGE_FNS.has(fn)) problems.push(`${name}: gauge inside ${fn}()`)
      }
    }
    expect(problems).toEqual([])
    expect(checked).toBeGreaterThan(15)
  })

  test('dashboard: the required panels, each with queries; shipped as a ConfigMap', () => {
    expect(dashboard.panels.map((p: Obj) => p.title)).toEqual([
      'Messages/s by topic',
      'Lag by partition',
      'Halted topics',
      'Failures and dead letters',
      'Handler duration p50 / p99',
      'Quota wait (pending-workflow limit)',
      'Process memory',
    ])
    for (const e of panelExprs()) expect(e.length).toBeGreaterThan(10)
    const cm = one(example, 'ConfigMap', 'investigator-grafana-dashboard')
    expect(JSON.parse(cm.data['investigator.json'])).toEqual(dashboard)
    expect(cm.metadata.labels.grafana_dashboard).toBe('1')
  })
})
