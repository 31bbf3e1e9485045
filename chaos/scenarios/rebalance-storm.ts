/**
 * 6. Rebalance storm: a second, third and fourth instance join and leave while traffic flows and
 * missing-package-version is halted by the operator. Invariant: the halt holds on every owner
 * (no effect of a halted record, every ready instance reports the halt, nothing committed),
 * repo-init is handled exactly once through every rebalance, and after /resume the halted
 * records are handled exactly once too.
 */
import { runScenario, type ChaosContext, type Scenario } from '../context.ts'
import * as fx from '../effects.ts'
import { isHalted, until, type Instance } from '../harness.ts'
import { check } from '../report.ts'

const PARTITIONS = 6

export const rebalanceStorm: Scenario = {
  id: 6,
  name: '6 rebalance storm with a halted topic',
  inShort: true,
  run: (ctx: ChaosContext) =>
    runScenario(ctx, '6 rebalance storm', async ({ result: r, deployment, log }) => {
      const [nRepo, nMpv] = ctx.short ? [2000, 1000] : [8000, 4000]
      const dep = await deployment()
      const [repo, mpv] = [dep.topic(fx.REPO), dep.topic(fx.MPV)]
      await fx.createTopics(dep.admin, [repo, mpv], PARTITIONS)
      const repoIds = fx.range(0, nRepo)
      const mpvIds = fx.range(nRepo, nMpv)
      await fx.seedPackages(dep.db.sql, mpvIds)
      const a = await dep.start('storm-a')
      const halt = await a.get(`/halt/${fx.MPV}`)
      check(r, halt.status === 200, `/halt answered ${halt.status}`)
      r.sent = nRepo + nMpv
      const running = new Set<Instance>([a])
      const steps: [string, () => Promise<void>][] = [
        ['b joins', async () => void running.add(await dep.start('storm-b'))],
        ['c joins', async () => void running.add(await dep.start('storm-c'))],
        ['b leaves (SIGTERM)', () => leave('storm-b', 'SIGTERM')],
        ['d joins', async () => void running.add(await dep.start('storm-d'))],
        ...(ctx.short ? [] : ([['c is killed (SIGKILL)', () => leave('storm-c', 'SIGKILL')]] as [string, () => Promise<void>][])),
        ['e joins', async () => void running.add(await dep.start('storm-e'))],
        ...(ctx.short ? ([['c leaves (SIGTERM)', () => leave('storm-c', 'SIGTERM')]] as [string, () => Promise<void>][]) : []),
        ['d leaves (SIGTERM)', () => leave('storm-d', 'SIGTERM')],
        ['e leaves (SIGTERM)', () => leave('storm-e', 'SIGTERM')],
      ]
      async function leave(name: string, signal: 'SIGTERM' | 'SIGKILL') {
        const inst = [...running].find((i) => i.name === name) as Instance
        running.delete(inst)
        const code = await inst.kill(signal)
        if (signal === 'SIGTERM') check(r, code === 0, `${name} exited ${code} after SIGTERM`)
      }
      let storming = true
      let breaches = 0
      let notHalted = 0
      const watch = (async () => {
        while (storming) {
          const effects = fx.workflowsPerId(dep.kube, fx.BACKEND, 'kebechet-administrator').size + (await fx.flagged(dep.db.sql, 'is_missing', true)).size
          if (effects > 0) breaches++
          for (const inst of running) {
            if ((await inst.get('/_health')).status === 200 && (await isHalted(inst, fx.MPV)) === false) notHalted++
          }
          await Bun.sleep(500)
        }
      })()
      const pause = ctx.short ? 2000 : 5000
      const stormMs = steps.length * (pause + 3000) // a join takes about 3 s
      const traffic = Promise.all([
        fx.trickle(dep.producer, repo, repoIds.map(fx.repoInit), { partitions: PARTITIONS, chunk: 100, pauseMs: stormMs / (nRepo / 100) }),
        fx.trickle(dep.producer, mpv, mpvIds.map(fx.missingVersion), { partitions: PARTITIONS, chunk: 100, pauseMs: stormMs / (nMpv / 100) }),
      ])
      for (const [what, step] of steps) {
        await step()
        log(`${what}; ${running.size} running`)
        await Bun.sleep(pause)
      }
      await traffic
      await until(() => fx.workflowsPerId(dep.kube, fx.BACKEND, 'thoth-repo-init').size >= nRepo, 120_000, 'repo-init handled', 250)
      storming = false
      await watch
      check(r, breaches === 0, `a halted record had an effect in ${breaches} samples (the halt did not hold on some owner)`)
      check(r, notHalted === 0, `a ready instance did not report the halt in ${notHalted} samples`)
      const held = await fx.committedTotal(dep.admin, dep.group, mpv)
      check(r, held === 0, `${held} halted records were committed`)
      const resume = await a.get(`/resume/${fx.MPV}`)
      check(r, resume.status === 200, `/resume answered ${resume.status}`)
      const kebechet = () => fx.workflowsPerId(dep.kube, fx.BACKEND, 'kebechet-administrator')
      await until(() => kebechet().size >= nMpv, 120_000, 'halted records handled after /resume', 250)
      await until(async () => (await fx.committedTotal(dep.admin, dep.group, repo)) + (await fx.committedTotal(dep.admin, dep.group, mpv)) >= r.sent, 30_000, 'all committed', 250).catch(() => {})
      fx.account(r, 'repo-init', repoIds, [fx.workflowsPerId(dep.kube, fx.BACKEND, 'thoth-repo-init')])
      fx.account(r, 'missing-package-version (halted, then resumed)', mpvIds, [kebechet(), await fx.flagged(dep.db.sql, 'is_missing', true)])
      for (const t of [repo, mpv]) {
        const [c, e] = [await fx.committedTotal(dep.admin, dep.group, t), await fx.endTotal(dep.admin, t)]
        check(r, c === e, `${t}: committed ${c}, end offsets ${e}`)
      }
      const answers = fx.createAnswers(dep.kube)
      r.notes.push(`${steps.length} joins/leaves over ${PARTITIONS} partitions per topic; halt held throughout; creates answered ${JSON.stringify(answers)}`)
    }),
}
