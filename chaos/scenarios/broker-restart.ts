/**
 * 3. Broker restart: a broker of the run's own is stopped mid-run and started again on the same
 * data. Invariant: the investigator reconnects by itself (same process, no restart), /_health
 * answers 503 while the broker is gone and 200 after it is back, no record is lost or has a
 * duplicate effect, and everything is committed in the end.
 */
import { join } from 'node:path'
import { runScenario, type ChaosContext, type Scenario } from '../context.ts'
import * as fx from '../effects.ts'
import { until } from '../harness.ts'
import { startOwnBroker } from '../own-servers.ts'
import { check } from '../report.ts'

const PARTITIONS = 3

export const brokerRestart: Scenario = {
  id: 3,
  name: '3 broker restart',
  inShort: true,
  run: (ctx: ChaosContext) =>
    runScenario(ctx, '3 broker restart', async ({ result: r, deployment, defer, log }) => {
      const perTopic = ctx.short ? 500 : 3000
      const broker = await startOwnBroker(join(ctx.workDir, 'kafka'), ctx.ownPorts)
      defer(() => broker.destroy())
      log(`own broker up on ${broker.brokers.join(',')}`)
      const dep = await deployment({ brokers: broker.brokers })
      const [repo, mpv] = [dep.topic(fx.REPO), dep.topic(fx.MPV)]
      await fx.createTopics(dep.admin, [repo, mpv], PARTITIONS)
      const ids = fx.range(0, perTopic)
      await fx.seedPackages(dep.db.sql, ids)
      const cut = Math.floor(perTopic * 0.8)
      const [first, second] = [ids.slice(0, cut), ids.slice(cut)]
      dep.kube.fault({ op: 'K-4', delayMs: 30 }) // slower creates: records are still in flight when the broker stops
      const inst = await dep.start('broker')
      r.sent = 2 * perTopic
      const done = () => fx.workflowsPerId(dep.kube, fx.BACKEND, 'thoth-repo-init').size + fx.workflowsPerId(dep.kube, fx.BACKEND, 'kebechet-administrator').size
      await fx.produce(dep.producer, repo, first.map(fx.repoInit), PARTITIONS)
      await fx.produce(dep.producer, mpv, first.map(fx.missingVersion), PARTITIONS)
      await until(() => done() >= 0.2 * r.sent, 60_000, '20 % handled', 20)
      const downAt = performance.now()
      await broker.stop()
      log(`broker stopped at ${done()} of ${r.sent} handled`)
      let reason = ''
      await until(async () => {
        const h = await inst.get('/_health')
        reason = h.body
        return h.status === 503
      }, 120_000, '/_health 503 while the broker is down', 500).catch((err: unknown) => check(r, false, String(err)))
      const unhealthyAfter = (performance.now() - downAt) / 1000
      log(`/_health 503 after ${unhealthyAfter.toFixed(0)} s: ${reason}`)
      await Bun.sleep(5000)
      const upAt = performance.now()
      await broker.restart()
      log(`broker back after ${((performance.now() - downAt) / 1000).toFixed(0)} s down`)
      await until(async () => (await inst.get('/_health')).status === 200, 180_000, '/_health 200 after the broker is back', 500).catch((err: unknown) => check(r, false, String(err)))
      const healthyAfter = (performance.now() - upAt) / 1000
      await fx.produce(dep.producer, repo, second.map(fx.repoInit), PARTITIONS)
      await fx.produce(dep.producer, mpv, second.map(fx.missingVersion), PARTITIONS)
      await until(() => done() >= r.sent, 180_000, 'every record handled', 250)
      await until(async () => (await fx.committedTotal(dep.admin, dep.group, repo)) + (await fx.committedTotal(dep.admin, dep.group, mpv)) >= r.sent, 60_000, 'all committed', 250).catch(() => {})
      fx.account(r, 'repo-init', ids, [fx.workflowsPerId(dep.kube, fx.BACKEND, 'thoth-repo-init')])
      fx.account(r, 'missing-package-version', ids, [fx.workflowsPerId(dep.kube, fx.BACKEND, 'kebechet-administrator'), await fx.flagged(dep.db.sql, 'is_missing', true)])
      for (const t of [repo, mpv]) {
        const [c, e] = [await fx.committedTotal(dep.admin, dep.group, t), await fx.endTotal(dep.admin, t)]
        check(r, c === e, `${t}: committed ${c}, end offsets ${e}`)
      }
      check(r, inst.exitCode === null && dep.instances.length === 1, 'the investigator did not survive the broker restart by itself')
      const health = JSON.parse(reason || '{}') as { reason?: string }
      r.notes.push(`/_health 503 ${unhealthyAfter.toFixed(0)} s after the stop (${health.reason ?? '?'}); 200 again ${healthyAfter.toFixed(0)} s after the broker was back; same process throughout; creates answered ${JSON.stringify(fx.createAnswers(dep.kube))}`)
    }),
}
