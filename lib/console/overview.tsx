/** The overview: service facts, halted topics on top, every enabled topic, the workflow quota. */
import { ActionButton, DataAge } from './layout.tsx'
import { count, duration, seconds, time } from './format.ts'
import type { Status, TopicStatus } from './status.ts'

const enc = encodeURIComponent

function Facts({ s }: { s: Status }) {
  const fact = (label: string, value: unknown) => (
    <div>
      <span>{label}</span>
      {value}
    </div>
  )
  return (
    <section class="facts" aria-label="service">
      {fact('health', <><b class={`badge ${s.health.status === 'ready' ? 'ready' : 'not-ready'}`} data-testid="health">{s.health.status}</b> {s.health.reason ?? ''}</>)}
      {fact('version', s.version)}
      {fact('consumer mode(s)', s.modes.join(', '))}
      {fact('consumer group', s.group)}
      {fact('deployment', s.deployment)}
      {fact('uptime', `${duration(s.uptimeSeconds)} (since ${time(s.startedAt)})`)}
    </section>
  )
}

function Halted({ t }: { t: TopicStatus }) {
  const h = t.halt
  const r = h?.record
  return (
    <article data-testid="halted-topic" data-topic={t.baseName}>
      <h3>{t.baseName} is halted</h3>
      <p>
        Reason <b>{h?.reason}</b>
        {h?.since ? ` since ${time(h.since)}` : ''}
        {h?.by ? ` (by ${h.by})` : ''}
        {h?.autoResumeSeconds ? `; resumes automatically ${h.autoResumeSeconds} s after the halt` : ''}.
      </p>
      {r ? (
        <p data-testid="halt-record">
          Stopped at <b>{r.topic}</b> partition <b data-testid="halt-partition">{r.partition}</b> offset <b data-testid="halt-offset">{r.offset}</b>: {r.reason} after {r.attempts} attempt(s)
          {r.errorClass ? <>; {r.errorClass}: {r.message}</> : null}. Resuming handles this record first.
        </p>
      ) : (
        <p class="muted">
          {t.partitions.filter((p) => p.halted && p.resumeFrom !== null).map((p) => `partition ${p.partition} resumes at offset ${p.resumeFrom}`).join('; ') ||
            'No partition of this topic is assigned to this replica.'}
        </p>
      )}
      <ActionButton post={`/api/topics/${enc(t.baseName)}/resume`} label="Resume" kind="primary" testid="resume" />
    </article>
  )
}

function TopicRow({ t }: { t: TopicStatus }) {
  const e = t.lastError
  return (
    <tr data-topic={t.baseName} data-state={t.state}>
      <td>
        <b>{t.baseName}</b>
        <div class="muted">{t.topic}</div>
      </td>
      <td>
        <b class={`badge ${t.state}`}>{t.state}</b>
      </td>
      <td>
        <ul class="parts">
          {t.partitions.length === 0 ? <li class="muted">none assigned here</li> : null}
          {t.partitions.map((p) => (
            <li data-partition={p.partition}>
              p{p.partition}: {p.committed ?? '–'} / {p.end ?? '–'}, lag <b data-testid="lag">{p.end === null ? '–' : p.lag}</b>
              {p.halted ? ' (halted)' : ''}
              {p.waiting ? ' (waiting for quota)' : ''}
            </li>
          ))}
        </ul>
      </td>
      <td class="n" data-testid="handled">{count(t.counters.handled)}</td>
      <td class="n">{count(t.counters.failedAttempts)}</td>
      <td class="n">{count(t.counters.acknowledged)}</td>
      <td class="n" data-testid="dead-lettered">{count(t.counters.deadLettered)}</td>
      <td class="n">{seconds(t.durationSeconds.p50)} / {seconds(t.durationSeconds.p99)}</td>
      <td>
        {e ? (
          <span class="err">
            {time(e.at)} p{e.partition}@{e.offset} {e.errorClass}: {e.message}
          </span>
        ) : (
          <span class="muted">none</span>
        )}
      </td>
      <td>{t.state === 'flowing' ? <ActionButton post={`/api/topics/${enc(t.baseName)}/halt`} label="Halt" kind="danger" confirm={`Halt ${t.baseName} on every replica?`} testid="halt" /> : null}</td>
    </tr>
  )
}

function Quota({ q }: { q: Status['quota'] }) {
  return (
    <section aria-label="workflow quota">
      <h2>Workflow quota {q.limit === null ? <span class="muted">(ARGO_PENDING_WORKFLOW_LIMIT unset: no limit)</span> : `(limit ${q.limit} pending per namespace)`}</h2>
      {q.namespaces.length === 0 ? (
        <p class="muted">No namespace counted yet.</p>
      ) : (
        <table>
          <thead><tr><th>namespace</th><th>pending</th><th>limit</th><th>submissions waiting</th><th>counted at</th></tr></thead>
          <tbody>
            {q.namespaces.map((n) => (
              <tr><td>{n.namespace}</td><td class="n">{n.pending ?? '–'}</td><td class="n">{q.limit ?? '–'}</td><td class="n">{n.waiting}</td><td>{time(n.countedAt)}</td></tr>
            ))}
          </tbody>
        </table>
      )}
      <p>
        Partitions paused for the quota:{' '}
        {q.pausedPartitions.length ? q.pausedPartitions.map((p) => `${p.topic} p${p.partition}`).join(', ') : <span class="muted">none</span>}
      </p>
    </section>
  )
}

/** The live part of the overview (also served alone as the refresh fragment). */
export function Overview({ s }: { s: Status }) {
  const halted = s.topics.filter((t) => t.state === 'halted')
  return (
    <>
      <DataAge generatedAt={s.generatedAt} />
      {halted.length ? (
        <section class="warning" id="halted" aria-label="halted topics">
          {halted.map((t) => <Halted t={t} />)}
        </section>
      ) : null}
      <Facts s={s} />
      <h2>Topics ({s.topics.length} enabled)</h2>
      <table id="topics">
        <thead>
          <tr>
            <th>topic</th><th>state</th><th>partitions: committed / end, lag</th><th>handled</th><th>failed attempts</th><th>acked failures</th>
            <th>dead-lettered</th><th>p50 / p99</th><th>last error</th><th></th>
          </tr>
        </thead>
        <tbody>{s.topics.map((t) => <TopicRow t={t} />)}</tbody>
      </table>
      <Quota q={s.quota} />
      <p>
        Dead letters: {s.deadLetterTopic ? <a href="/ui/dead-letters">{s.deadLetterTopic}</a> : <span class="muted">off</span>}
      </p>
    </>
  )
}
