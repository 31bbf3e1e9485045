/**
 * The chaos suite's short variant (chaos/README.md) as a CI test: all nine fault-injection
 * scenarios with smaller counts, three at a time, against the real broker and PostgreSQL, the
 * binary built as package.json builds it and the Kubernetes API test server. Scenarios 3 and 4
 * stop and start a broker and a PostgreSQL of their own, never the shared ones. Any lost record,
 * duplicate effect, crash or broken invariant fails the test.
 */
import { expect, setDefaultTimeout, test } from 'bun:test'
import { formatTable, passed } from '../../chaos/report.ts'
import { runChaos } from '../../chaos/run.ts'
import { brokers } from '../helpers/stack.ts'

setDefaultTimeout(295_000) // the CI budget is 5 minutes; the run takes about 2-3

test('chaos short variant: no loss, no duplicate effect, no crash under every fault', async () => {
  const { results, binary } = await runChaos({ short: true, brokers })
  process.stderr.write(`\n${binary.note}\n${formatTable(results)}\n`)
  expect(results.map((r) => r.scenario.split(' ')[0])).toEqual(['1', '2', '3', '4', '5', '6', '7', '8', '9'])
  expect(results.filter((r) => !passed(r)).map((r) => `${r.scenario}: ${r.failures.join('; ')} (lost ${r.lost}, duplicates ${r.duplicates}, crashes ${r.crashes})`)).toEqual([])
  expect(results.reduce((n, r) => n + r.lost + r.duplicates + r.crashes, 0)).toBe(0)
})
