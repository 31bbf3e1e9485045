/**
 * 5. Kubernetes API faults while traffic flows: bursts of 500/503, slow answers, one answer later
 * than the 30 s request timeout, 403s, workflows that already exist (409, same record label) and
 * one name taken by another message (409, other label). repo-init acknowledges failures
 * (dead letters), missing-package-version halts. Invariant: retryable errors are retried (no
 * dead letter, no halt from them), 403s are dead-lettered (repo-init) or halt the topic with the
 * reason logged (missing-package-version, handled after /resume), 409 of the same record counts
 * as done, the foreign name is dead-lettered as a conflict, no workflow exists twice, none lost.
 */
import { createHash } from 'node:crypto'
import type { RecordInfo } from '../../lib/context.ts'
import { generatedId, RECORD_LABEL } from '../../lib/workflow-render.ts'
import type { Fault } from '../../tests/servers/kube-api.ts'
import { runScenario, type ChaosContext, type Scenario } from '../context.ts'
import * as fx from '../effects.ts'
import { isHalted, until, type Deployment } from '../harness.ts'
import { check } from '../report.ts'

const PARTITIONS = 2
const TIMEOUT_DELAY_MS = 31_000 // the workflow port gives up after 30 s

/** A workflow as an earlier run (or another message) would have left it. */
function existing(name: string, hash: string, projectUrl: string) {
  return {
    apiVersion: 'argoproj.io/v1alpha1',
    kind: 'Workflow',
    metadata: { name, labels: { [RECORD_LABEL]: hash } },
    spec: { entrypoint: 'main', arguments: { parameters: [{ name: 'project-url', value: projectUrl }] } },
  }
}

/** Sends repo-init records with one fixed timestamp, so their workflow names can be computed. */
async function sendRepo(dep: Deployment, ids: number[], timestamp: string, chunkPauseMs: number): Promise<void> {
  for (let at = 0; at < ids.length; at += 20) {
    const messages = ids.slice(at, at + 20).map((i) => ({ partition: i % PARTITIONS, value: JSON.stringify(fx.repoInit(i)), timestamp }))
    await dep.producer.send({ topic: dep.topic(fx.REPO), acks: -1, messages })
    await Bun.sleep(chunkPauseMs)
  }
}

export const kubeFaults: Scenario = {
  id: 5,
  name: '5 Kubernetes API faults',
  inShort: true,
  run: (ctx: ChaosContext) =>
    runScenario(ctx, '5 kube faults', async ({ result: r, deployment, log }) => {
      const n = ctx.short ? 600 : 3000
      const m = ctx.short ? 200 : 1000
      const dep = await deployment({
        env: { THOTH_INVESTIGATOR_ACK_ON_FAIL: JSON.stringify([fx.REPO]), THOTH_INVESTIGATOR_MAX_RETRIES: '8', THOTH_INVESTIGATOR_BACKOFF: '0.2' },
      })
      const repo = dep.topic(fx.REPO)
      await fx.createTopics(dep.admin, [repo], PARTITIONS)
      const ids = fx.range(0, n)
      const mpvIds = fx.range(n, m)
      await fx.seedPackages(dep.db.sql, mpvIds)
      const timestamp = String(Date.now())
      const nameOf = (i: number) => {
        const rec = { topic: repo, partition: i % PARTITIONS, offset: String(Math.floor(i / PARTITIONS)), timestamp } as RecordInfo
        return generatedId(rec, 'thoth-repo-init', 0, 'thoth-repo-init', 'WORKFLOW_ID')
      }
      const hashOf = (i: number) => createHash('sha256').update(JSON.stringify(fx.repoInit(i))).digest('hex').slice(0, 32)
      const preexisting = ids.filter((i) => i % 25 === 7)
      for (const i of preexisting) dep.kube.seedWorkflow(fx.BACKEND, existing(nameOf(i), hashOf(i), fx.repoInit(i).project_url))
      const conflict = 13
      dep.kube.seedWorkflow(fx.BACKEND, existing(nameOf(conflict), 'f'.repeat(32), 'https://github.com/another/message'))
      const inst = await dep.start('faults')
      const spread = ctx.short ? 150 : 250
      const traffic = Promise.all([
        sendRepo(dep, ids, timestamp, spread),
        fx.trickle(dep.producer, dep.topic(fx.MPV), mpvIds.map(fx.missingVersion), { chunk: 10, pauseMs: (spread * 20) / 10 }),
      ])
      r.sent = n + m
      const faults = async () => {
        const add = (f: Fault) => dep.kube.fault(f)
        add({ op: 'K-3', delayMs: 2000, times: 4 }) // slow, within the timeout
        add({ op: 'K-4', kind: 'thoth-repo-init', delayMs: TIMEOUT_DELAY_MS, times: 1 }) // later than the timeout
        for (let k = 0; k < (ctx.short ? 4 : 10); k++) {
          // At most 3 failures per burst, 1.5 s apart: no record can use up its 8 attempts on them.
          add({ op: 'K-4', status: 500, times: 2 })
          add({ op: 'K-3', status: 503, times: 1 })
          if (k === 1) add({ op: 'K-4', kind: 'thoth-repo-init', status: 403, times: 3 })
          if (k === 2) {
            const forbidden: Fault = { op: 'K-4', kind: 'kebechet-administrator', status: 403 }
            add(forbidden)
            await until(async () => (await isHalted(inst, fx.MPV)) === true, 60_000, 'missing-package-version halted by the 403', 100)
            forbidden.times = 0
            log('missing-package-version halted on 403; fault lifted, resuming')
            const res = await inst.get(`/resume/${fx.MPV}`)
            check(r, res.status === 200, `/resume answered ${res.status}: ${res.body}`)
          }
          await Bun.sleep(1500)
        }
      }
      await Promise.all([traffic, faults()])
      const wf = () => fx.workflowsPerId(dep.kube, fx.BACKEND, 'thoth-repo-init')
      const kwf = () => fx.workflowsPerId(dep.kube, fx.BACKEND, 'kebechet-administrator')
      await until(async () => (await fx.committedTotal(dep.admin, dep.group, repo)) >= n && kwf().size >= m, 120_000, 'all records finished', 250)
      const letters = await fx.readTopic(dep.kafka, dep.admin, `${dep.prefix}.thoth.investigator.dead-letter`)
      r.deadLettered = letters.length
      const lettered = new Map(letters.map((l) => [fx.idIn(String(l.value)), l.headers]))
      const forbidden = letters.filter((l) => /forbidden \(403\)/.test(l.headers['thoth.dl.error_message'] ?? ''))
      check(r, forbidden.length === 3, `${forbidden.length} repo-init records dead-lettered for the 403, expected 3`)
      const classes = [...new Set(forbidden.map((l) => l.headers['thoth.dl.error_class']))]
      check(r, classes.length === 1 && classes[0] === 'MisconfiguredError', `403 dead letters carry thoth.dl.error_class ${JSON.stringify(classes)}, expected "MisconfiguredError" (class names minified away in the binary?)`)
      check(r, lettered.has(conflict), 'the record whose workflow name another message holds was not dead-lettered')
      check(r, letters.length === 4, `${letters.length} dead letters, expected 4 (3 x 403, 1 name conflict): ${letters.map((l) => l.headers['thoth.dl.error_message']).slice(0, 3).join(' | ')}`)
      check(r, preexisting.every((i) => !lettered.has(i)), 'a record whose workflow already existed (409, same label) was dead-lettered')
      fx.account(r, 'repo-init', ids.filter((i) => !lettered.has(i)), [wf()])
      fx.account(r, 'missing-package-version', mpvIds, [kwf(), await fx.flagged(dep.db.sql, 'is_missing', true)])
      const logs = inst.logs()
      const halt = logs.find((l) => l.msg === 'topic halted after a failed record' && l.base_name === fx.MPV)
      check(r, halt?.reason === 'handler_error', `missing-package-version halt reason ${String(halt?.reason)}`)
      const failedText = logs.filter((l) => l.msg === 'handler attempt failed').map((l) => JSON.stringify(l.error))
      check(r, failedText.some((t) => t.includes('forbidden (403)')), 'no logged attempt names the 403')
      check(r, failedText.some((t) => t.includes('is already used by another message')), 'no logged attempt names the workflow name conflict')
      check(r, failedText.some((t) => t.includes('timed out')), 'no logged attempt timed out')
      const statuses: Record<number, number> = {}
      for (const q of dep.kube.requests) if (q.op === 'K-3' || q.op === 'K-4') statuses[q.status] = (statuses[q.status] ?? 0) + 1
      check(r, (statuses[409] ?? 0) >= preexisting.length + 1, `${statuses[409] ?? 0} creates answered 409, expected at least ${preexisting.length + 1}`)
      check(r, inst.exitCode === null, 'the instance is not running')
      r.notes.push(`K-3/K-4 answers ${JSON.stringify(statuses)}; ${preexisting.length} workflows existed before (409 = done); 1 answer after ${TIMEOUT_DELAY_MS / 1000} s (timeout, retried); missing-package-version halted on 403 and resumed`)
    }),
}
