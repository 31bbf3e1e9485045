/**
 * 1. Hard kill: SIGKILL the investigator three times while traffic flows, restart it each time.
 * Invariant: every record's effect exists exactly once (one workflow per record, its database
 * flag set), none lost, and the group has committed every record in the end.
 */
import { runScenario, type ChaosContext, type Scenario } from '../context.ts'
import * as fx from '../effects.ts'
import { until } from '../harness.ts'
import { check } from '../report.ts'

const PARTITIONS = 3

export const hardKill: Scenario = {
  id: 1,
  name: '1 hard kill (SIGKILL x3)',
  inShort: true,
  run: (ctx: ChaosContext) =>
    runScenario(ctx, '1 hard kill', async ({ result: r, deployment, log }) => {
      const perTopic = ctx.short ? 1500 : 10_000 // two topics: 3,000 / 20,000 records
      const dep = await deployment()
      const ids = fx.range(0, perTopic)
      await fx.seedPackages(dep.db.sql, ids)
      const [repo, mpv] = [dep.topic(fx.REPO), dep.topic(fx.MPV)]
      await fx.createTopics(dep.admin, [repo, mpv], PARTITIONS)
      const done = () => fx.workflowsPerId(dep.kube, fx.BACKEND, 'thoth-repo-init').size + fx.workflowsPerId(dep.kube, fx.BACKEND, 'kebechet-administrator').size
      let inst = await dep.start('kill-0')
      const traffic = Promise.all([
        fx.trickle(dep.producer, repo, ids.map(fx.repoInit), { partitions: PARTITIONS, chunk: 500, pauseMs: 100 }),
        fx.trickle(dep.producer, mpv, ids.map(fx.missingVersion), { partitions: PARTITIONS, chunk: 500, pauseMs: 100 }),
      ])
      r.sent = 2 * perTopic
      for (const [k, share] of [0.2, 0.45, 0.7].entries()) {
        await until(() => done() >= share * r.sent, 180_000, `${share * 100} % handled`, 20)
        await inst.kill('SIGKILL')
        log(`SIGKILL ${k + 1} at ${done()} of ${r.sent} effects`)
        inst = await dep.start(`kill-${k + 1}`)
      }
      await traffic
      await until(() => done() >= r.sent, 300_000, 'every record handled', 200)
      await until(async () => (await fx.committedTotal(dep.admin, dep.group, repo)) + (await fx.committedTotal(dep.admin, dep.group, mpv)) >= r.sent, 60_000, 'everything committed', 250).catch(() => {})
      fx.account(r, 'repo-init', ids, [fx.workflowsPerId(dep.kube, fx.BACKEND, 'thoth-repo-init')])
      fx.account(r, 'missing-package-version', ids, [fx.workflowsPerId(dep.kube, fx.BACKEND, 'kebechet-administrator'), await fx.flagged(dep.db.sql, 'is_missing', true)])
      for (const t of [repo, mpv]) {
        const [c, e] = [await fx.committedTotal(dep.admin, dep.group, t), await fx.endTotal(dep.admin, t)]
        check(r, c === e, `${t}: committed ${c}, end offsets ${e}`)
      }
      const answers = fx.createAnswers(dep.kube)
      r.notes.push(`3 SIGKILLs; workflow creates answered ${JSON.stringify(answers)} (409 = record re-delivered after a kill, recognised by its label)`)
      check(r, inst.exitCode === null, 'the last instance is not running')
    }),
}
