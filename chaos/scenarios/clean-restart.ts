/**
 * 2. Clean restart: SIGTERM the investigator mid-run, start it again. Invariant: it exits 0
 * within the grace period, the committed position equals what was handled at that moment, no
 * record is handled twice (no create answered 409 afterwards), none is lost.
 */
import { runScenario, type ChaosContext, type Scenario } from '../context.ts'
import * as fx from '../effects.ts'
import { until } from '../harness.ts'
import { check } from '../report.ts'

const PARTITIONS = 3

export const cleanRestart: Scenario = {
  id: 2,
  name: '2 clean restart (SIGTERM)',
  inShort: true,
  run: (ctx: ChaosContext) =>
    runScenario(ctx, '2 clean restart', async ({ result: r, deployment, log }) => {
      const perTopic = ctx.short ? 1500 : 5000
      const dep = await deployment()
      const ids = fx.range(0, perTopic)
      await fx.seedPackages(dep.db.sql, ids)
      const [repo, mpv] = [dep.topic(fx.REPO), dep.topic(fx.MPV)]
      await fx.createTopics(dep.admin, [repo, mpv], PARTITIONS)
      const repoDone = () => fx.workflowsPerId(dep.kube, fx.BACKEND, 'thoth-repo-init')
      const mpvDone = () => fx.workflowsPerId(dep.kube, fx.BACKEND, 'kebechet-administrator')
      const first = await dep.start('term-0')
      const traffic = Promise.all([
        fx.trickle(dep.producer, repo, ids.map(fx.repoInit), { partitions: PARTITIONS, chunk: 250, pauseMs: 100 }),
        fx.trickle(dep.producer, mpv, ids.map(fx.missingVersion), { partitions: PARTITIONS, chunk: 250, pauseMs: 100 }),
      ])
      r.sent = 2 * perTopic
      await until(() => repoDone().size + mpvDone().size >= 0.4 * r.sent, 180_000, '40 % handled', 20)
      const t0 = performance.now()
      const code = await first.kill('SIGTERM')
      const secs = (performance.now() - t0) / 1000
      log(`SIGTERM: exit ${code} after ${secs.toFixed(1)} s`)
      check(r, code === 0, `exit status after SIGTERM was ${code}, expected 0`)
      check(r, secs < 25, `shutdown took ${secs.toFixed(1)} s (grace is 20 s)`)
      const handledRepo = repoDone().size
      const handledMpv = mpvDone().size
      const [cRepo, cMpv] = [await fx.committedTotal(dep.admin, dep.group, repo), await fx.committedTotal(dep.admin, dep.group, mpv)]
      check(r, cRepo === handledRepo, `repo-init: committed ${cRepo} after SIGTERM, but ${handledRepo} handled`)
      check(r, cMpv === handledMpv, `missing-package-version: committed ${cMpv} after SIGTERM, but ${handledMpv} handled`)
      r.notes.push(`SIGTERM at ${handledRepo + handledMpv} of ${r.sent} handled: exit ${code} in ${secs.toFixed(1)} s, committed ${cRepo + cMpv}`)
      const second = await dep.start('term-1')
      await traffic
      await until(() => repoDone().size + mpvDone().size >= r.sent, 300_000, 'every record handled', 200)
      await until(async () => (await fx.committedTotal(dep.admin, dep.group, repo)) + (await fx.committedTotal(dep.admin, dep.group, mpv)) >= r.sent, 30_000, 'all committed', 250).catch(() => {})
      fx.account(r, 'repo-init', ids, [repoDone()])
      fx.account(r, 'missing-package-version', ids, [mpvDone(), await fx.flagged(dep.db.sql, 'is_missing', true)])
      const answers = fx.createAnswers(dep.kube)
      check(r, !answers[409], `${answers[409]} records were handled twice (workflow create answered 409)`)
      for (const t of [repo, mpv]) {
        const [c, e] = [await fx.committedTotal(dep.admin, dep.group, t), await fx.endTotal(dep.admin, t)]
        check(r, c === e, `${t}: committed ${c}, end offsets ${e}`)
      }
      check(r, second.exitCode === null, 'the restarted instance is not running')
    }),
}
