import { describe, expect, test } from 'bun:test'
import { register, type Counter, type Gauge, type Histogram } from 'prom-client'
import { createMetrics, SCHEMA_REVISION } from '../../lib/metrics.ts'

type Kind = 'counter' | 'gauge' | 'histogram'

/** operations.md §5: the upstream series, then the project extensions (D-2, D-31, D-15, ...). */
const SERIES: [name: string, kind: Kind, labels: string[]][] = [
  ['thoth_investigator_consumer_info', 'gauge', ['version']],
  ['thoth_investigator_in_progress', 'gauge', ['message_type']],
  ['thoth_investigator_exceptions_total', 'counter', ['message_type']],
  ['thoth_investigator_processed_total', 'counter', ['message_type']],
  ['thoth_investigator_failures_total', 'counter', ['message_type']],
  ['thoth_investigator_scheduled_workflows_total', 'counter', ['message_type', 'workflow_type']],
  ['thoth_investigator_halted_topics', 'gauge', ['base_topic_name']],
  ['thoth_investigator_missing_handler', 'gauge', ['base_topic_name', 'message_version']],
  ['thoth_database_schema_revision_script', 'gauge', ['component', 'revision', 'env']],
  ['message_count_by_version_total', 'counter', ['message_type', 'message_version']],
  ['current_partition_offsets', 'gauge', ['topic_name', 'partition']],
  ['thoth_advise_justification_type_number', 'gauge', ['advise_message', 'justification_type', 'thoth_environment']],
  // project extensions
  ['thoth_investigator_invalid_messages_total', 'counter', ['base_topic_name', 'reason']],
  ['thoth_investigator_dead_letters_total', 'counter', ['base_topic_name', 'reason']],
  ['thoth_investigator_git_notifications_total', 'counter', ['service', 'outcome']],
  ['thoth_investigator_handler_duration_seconds', 'histogram', ['message_type']],
  ['thoth_investigator_consumer_lag', 'gauge', ['topic_name', 'partition']],
  ['thoth_investigator_pending_limit_waiting', 'gauge', ['namespace']],
]

/** The 19 handler labels of in_progress / exceptions / processed (§5, spelled as upstream). */
const HANDLER_LABELS = [
  'advise_justification',
  'adviser_trigger',
  'build_analysis_trigger',
  'cve_provided',
  'hash_mismatch',
  'inspection_completed',
  'kebechet_run_url_trigger',
  'kebechet_trigger',
  'missing_package',
  'missing_version',
  'package_extract_trigger',
  'package_released',
  'provenance_checker_trigger',
  'si_unanalyzed_package',
  'solved_package',
  'thoth_repo_init',
  'unresolved_package',
  'unrevsolved_package',
  'update_provide_source_distro',
]

interface Sample {
  name: string
  labels: Record<string, string>
  value: string
}

/** Parses the sample lines of a text exposition. */
function samples(text: string): Sample[] {
  const out: Sample[] = []
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/.exec(line)
    if (!m) throw new Error(`unparsable exposition line: ${line}`)
    const labels: Record<string, string> = {}
    for (const [, k, v] of (m[2] ?? '').matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)) labels[k!] = v!
    out.push({ name: m[1]!, labels, value: m[3]! })
  }
  return out
}

/** `# TYPE` lines as name -> type. */
const types = (text: string) =>
  Object.fromEntries([...text.matchAll(/^# TYPE (\S+) (\S+)$/gm)].map((m) => [m[1]!, m[2]!]))

/** Gives every series one sample, with every label set to `v`. */
function touchAll(metrics: ReturnType<typeof createMetrics>) {
  for (const [name, kind, labels] of SERIES) {
    const metric = metrics.registry.getSingleMetric(name)
    if (!metric) throw new Error(`no metric ${name}`)
    const values = Object.fromEntries(labels.map((l) => [l, 'v']))
    if (kind === 'counter') (metric as Counter<string>).inc(values)
    else if (kind === 'gauge') (metric as Gauge<string>).set(values, 1)
    else (metric as Histogram<string>).observe(values, 0.2)
  }
}

describe('exposition', () => {
  test('every series of §5 with its exact name and # TYPE', async () => {
    const text = await createMetrics().registry.metrics()
    const t = types(text)
    for (const [name, kind] of SERIES) expect(`${name} ${t[name]}`).toBe(`${name} ${kind}`)
  })

  test('every series has exactly the label names of §5', async () => {
    const metrics = createMetrics()
    touchAll(metrics)
    const all = samples(await metrics.registry.metrics())
    for (const [name, kind, labels] of SERIES) {
      const own = all.filter((s) => s.name === name || (kind === 'histogram' && s.name.startsWith(`${name}_`)))
      const withV = own.filter((s) => Object.values(s.labels).every((v) => v === 'v' || s.labels.le === v))
      expect(withV.length).toBeGreaterThan(0)
      for (const s of withV) {
        const names = Object.keys(s.labels).filter((l) => !(kind === 'histogram' && l === 'le'))
        expect(`${name} ${names.sort().join(',')}`).toBe(`${name} ${[...labels].sort().join(',')}`)
      }
    }
  })

  test('counters are exposed with _total, without a _created series', async () => {
    const metrics = createMetrics()
    touchAll(metrics)
    const names = new Set(samples(await metrics.registry.metrics()).map((s) => s.name))
    for (const [name, kind] of SERIES) {
      if (kind === 'counter') expect(name).toEndWith('_total')
    }
    expect([...names].filter((n) => n.endsWith('_created'))).toEqual([])
  })

  test('handler duration buckets 0.05 ... 300 s', async () => {
    const metrics = createMetrics()
    metrics.handlerDuration.observe({ message_type: 'hash_mismatch' }, 0.07)
    const le = samples(await metrics.registry.metrics())
      .filter((s) => s.name === 'thoth_investigator_handler_duration_seconds_bucket')
      .map((s) => s.labels.le)
    expect(le).toEqual(['0.05', '0.1', '0.25', '0.5', '1', '2.5', '5', '10', '30', '60', '300', '+Inf'])
  })

  test('schema revision constant (D-27)', () => {
    expect(SCHEMA_REVISION).toBe('bf9ea2a38b01')
  })
})

describe('series present from creation', () => {
  test.each(['thoth_investigator_in_progress', 'thoth_investigator_exceptions_total', 'thoth_investigator_processed_total'])(
    '%s is 0 for all 19 handler labels',
    async (name) => {
      const own = samples(await createMetrics().registry.metrics()).filter((s) => s.name === name)
      expect(own.map((s) => s.labels.message_type).sort()).toEqual([...HANDLER_LABELS].sort())
      for (const s of own) {
        expect(Object.keys(s.labels)).toEqual(['message_type'])
        expect(s.value).toBe('0')
      }
    },
  )

  test('no other series has a sample before it is used', async () => {
    const names = new Set(samples(await createMetrics().registry.metrics()).map((s) => s.name))
    expect([...names].sort()).toEqual([
      'thoth_investigator_exceptions_total',
      'thoth_investigator_in_progress',
      'thoth_investigator_processed_total',
    ])
  })
})

describe('registry', () => {
  test("our own registry; prom-client's global register stays empty", async () => {
    const a = createMetrics({ processMetrics: true })
    const b = createMetrics() // a second set never collides with the first
    a.failures.inc({ message_type: 'repo_init' })
    expect(register.getMetricsAsArray()).toEqual([])
    expect((await register.metrics()).trim()).toBe('')
    expect(a.registry).not.toBe(register)
    expect(await b.registry.metrics()).not.toContain('thoth_investigator_failures_total{')
  })

  test('process metrics only on request', async () => {
    expect(await createMetrics().registry.metrics()).not.toContain('process_')
    expect(await createMetrics({ processMetrics: true }).registry.metrics()).toContain('process_resident_memory_bytes')
  })
})
