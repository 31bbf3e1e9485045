/** Dead-letter pages: the newest N with filters, and one record with its masked payload. */
import { MESSAGE_TYPES } from '../topics.ts'
import type { DeadLetterDetail, DeadLetterSummary } from './dead-letters.ts'
import { time } from './format.ts'
import { ActionButton, DataAge } from './layout.tsx'

/** What the list page shows. */
export interface DeadLetterListView {
  generatedAt: string
  topic: string | null
  total: number
  limit: number
  baseName?: string
  deadLetters: DeadLetterSummary[]
  error?: string
}

const original = (d: DeadLetterSummary) => `${d.original.topic ?? '?'} p${d.original.partition ?? '?'}@${d.original.offset ?? '?'}`
const replayOne = (d: DeadLetterSummary, label = 'Replay') => (
  <ActionButton post={`/api/dead-letters/${d.partition}/${d.offset}/replay`} label={label} kind="primary" confirm={`Replay dead letter ${d.partition}@${d.offset} to ${d.original.topic ?? '?'}?`} testid="replay" />
)

function Filter(v: DeadLetterListView) {
  return (
    <form method="get" action="/ui/dead-letters" class="inline">
      <label>
        topic{' '}
        <select name="topic">
          <option value="">all</option>
          {MESSAGE_TYPES.map((m) => (m.baseName === v.baseName ? <option value={m.baseName} selected>{m.baseName}</option> : <option value={m.baseName}>{m.baseName}</option>))}
        </select>
      </label>
      <label>
        newest <input name="limit" type="number" min="1" max="500" value={String(v.limit)} size={4} />
      </label>
      <button type="submit">Show</button>
    </form>
  )
}

/** The live part of the list page. */
export function DeadLetterList(v: DeadLetterListView) {
  if (!v.topic) return <p>Dead letters are off (THOTH_INVESTIGATOR_DEAD_LETTER_TOPIC is empty).</p>
  return (
    <>
      <DataAge generatedAt={v.generatedAt} />
      <h2>
        Newest {v.deadLetters.length} of {v.total} dead letter(s) in {v.topic}
        {v.baseName ? ` from ${v.baseName}` : ''}
      </h2>
      {v.error ? <p class="err">Could not read the dead-letter topic: {v.error}</p> : null}
      <table id="dead-letters">
        <thead><tr><th>dead letter</th><th>dead-lettered at</th><th>original record</th><th>reason</th><th>attempts</th><th>error</th><th></th></tr></thead>
        <tbody>
          {v.deadLetters.map((d) => (
            <tr data-dead-letter={d.id} data-original-offset={d.original.offset ?? ''}>
              <td><a href={`/ui/dead-letters/${d.partition}/${d.offset}`}>{d.partition}@{d.offset}</a></td>
              <td>{time(d.deadLetteredAt)}</td>
              <td>{original(d)}</td>
              <td>{d.reason ?? '–'}</td>
              <td class="n">{d.attempts ?? '–'}</td>
              <td>{d.errorClass ?? ''}{d.errorMessage ? `: ${d.errorMessage}` : ''}</td>
              <td>{replayOne(d)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </>
  )
}

/** The list page body: filter form (outside the live part) and the list. */
export function DeadLetterFilters(v: DeadLetterListView & { canReplayAll: boolean }) {
  return (
    <p>
      <Filter {...v} />{' '}
      {v.canReplayAll && v.baseName ? (
        <ActionButton post="/api/dead-letters/replay" body={{ topic: v.baseName }} label={`Replay all pending of ${v.baseName}`} confirm={`Replay every not yet replayed dead letter of ${v.baseName}?`} testid="replay-all" />
      ) : null}
    </p>
  )
}

/** One dead letter. */
export function DeadLetterView({ d }: { d: DeadLetterDetail }) {
  const row = (label: string, value: unknown) => (
    <tr>
      <th>{label}</th>
      <td class="pre">{value}</td>
    </tr>
  )
  return (
    <>
      <h2>Dead letter {d.partition}@{d.offset}</h2>
      <table id="dead-letter">
        <tbody>
          {row('original record', original(d))}
          {row('base name', d.original.baseName ?? '–')}
          {row('reason', d.reason ?? '–')}
          {row('attempts', d.attempts ?? '–')}
          {row('error', `${d.errorClass ?? ''}${d.errorMessage ? `: ${d.errorMessage}` : ''}`)}
          {row('dead-lettered at', time(d.deadLetteredAt))}
          {row('key', d.key ?? '(none)')}
          {row('original headers', Object.keys(d.headers).length ? Object.entries(d.headers).map(([k, v]) => `${k}: ${v}`).join('\n') : '(none)')}
        </tbody>
      </table>
      <p>{replayOne(d, `Replay to ${d.original.topic ?? '?'}`)}</p>
      <h3>Payload {d.payload.kind === 'json' ? '(secret fields masked)' : `(${d.payload.kind})`}</h3>
      <pre data-testid="payload">
        {d.payload.kind === 'json' || d.payload.kind === 'text' ? d.payload.text : d.payload.kind === 'binary' ? `${d.payload.bytes} bytes, not UTF-8:\n${d.payload.hex}` : '(no value: tombstone)'}
      </pre>
    </>
  )
}
