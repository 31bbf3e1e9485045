/**
 * 9. Slow handler: one missing-package-version record's database update blocks on a row lock
 * this scenario holds for longer than the group's session timeout (30 s). Invariant: no
 * eviction loop (one join, same member), other topics keep flowing meanwhile, and after the lock
 * is released every record is handled exactly once, none twice (no create answered 409).
 */
import { runScenario, type ChaosContext, type Scenario } from '../context.ts'
import * as fx from '../effects.ts'
import { until } from '../harness.ts'
import { check } from '../report.ts'
import { watchGroup } from './pending-storm.ts'

const SESSION_TIMEOUT_S = 30 // lib/consumer.ts

export const slowHandler: Scenario = {
  id: 9,
  name: '9 slow handler > session timeout',
  inShort: true,
  run: (ctx: ChaosContext) =>
    runScenario(ctx, '9 slow handler', async ({ result: r, deployment, log }) => {
      const holdMs = (SESSION_TIMEOUT_S + (ctx.short ? 5 : 15)) * 1000
      const [nMpv, nRepo] = ctx.short ? [100, 600] : [400, 3000]
      const dep = await deployment()
      const repo = dep.topic(fx.REPO)
      await fx.createTopics(dep.admin, [repo], 2)
      const mpvIds = fx.range(0, nMpv)
      const repoIds = fx.range(nMpv, nRepo)
      await fx.seedPackages(dep.db.sql, mpvIds)
      const inst = await dep.start('slow')
      const lock = await dep.db.sql.reserve()
      r.sent = nMpv + nRepo
      try {
        await lock`BEGIN`
        await lock`SELECT id FROM python_package_version WHERE package_name = ${fx.marker(mpvIds[0] as number)} FOR UPDATE`
        await fx.produce(dep.producer, dep.topic(fx.MPV), mpvIds.map(fx.missingVersion))
        const blocked = async () =>
          Number((await dep.db.sql<{ n: string }[]>`SELECT count(*) AS n FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'`)[0]?.n) > 0
        await until(blocked, 30_000, 'the handler blocked on the row lock', 100)
        const since = performance.now()
        const hold = (async () => {
          await fx.trickle(dep.producer, repo, repoIds.map(fx.repoInit), { partitions: 2, chunk: 50, pauseMs: holdMs / 2 / (nRepo / 50) })
          await Bun.sleep(Math.max(0, holdMs - (performance.now() - since)))
        })()
        await watchGroup(r, inst, dep.admin, dep.group, hold, false)
        const kebechet = fx.workflowsPerId(dep.kube, fx.BACKEND, 'kebechet-administrator').size
        const repoDuring = fx.workflowsPerId(dep.kube, fx.BACKEND, 'thoth-repo-init').size
        check(r, kebechet === 0, `${kebechet} missing-package-version records finished while their batch was blocked`)
        check(r, repoDuring === nRepo, `only ${repoDuring} of ${nRepo} repo-init records handled while the handler was blocked`)
        log(`handler blocked for ${Math.round((performance.now() - since) / 1000)} s; releasing the lock`)
        r.notes.push(`handler blocked ${Math.round((performance.now() - since) / 1000)} s (session timeout ${SESSION_TIMEOUT_S} s); repo-init handled ${repoDuring}/${nRepo} meanwhile`)
      } finally {
        await lock`ROLLBACK`.catch(() => {})
        lock.release()
      }
      await until(() => fx.workflowsPerId(dep.kube, fx.BACKEND, 'kebechet-administrator').size >= nMpv, 60_000, 'blocked records handled', 250)
      await Bun.sleep(1000)
      fx.account(r, 'missing-package-version', mpvIds, [fx.workflowsPerId(dep.kube, fx.BACKEND, 'kebechet-administrator'), await fx.flagged(dep.db.sql, 'is_missing', true)])
      fx.account(r, 'repo-init', repoIds, [fx.workflowsPerId(dep.kube, fx.BACKEND, 'thoth-repo-init')])
      const answers = fx.createAnswers(dep.kube)
      check(r, !answers[409], `${answers[409]} records were handled twice (create answered 409)`)
      check(r, inst.count('partitions assigned') === 1, 'the instance rejoined the group after the slow handler')
      check(r, inst.exitCode === null, 'the instance is not running')
    }),
}
