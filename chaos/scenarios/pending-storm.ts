/**
 * 8. Pending-limit storm: the middletier namespace reports more pending workflows than
 * ARGO_PENDING_WORKFLOW_LIMIT for several max poll intervals. Invariant: the consumer is never
 * evicted from the group (one member, one join, same member id), /_health stays 200 (a
 * pending-limit wait is not "stuck"), topics whose workflows go elsewhere keep flowing, and once
 * the count drops every waiting record is handled exactly once.
 */
import type { Admin } from 'kafkajs'
import { runScenario, type ChaosContext, type Scenario } from '../context.ts'
import * as fx from '../effects.ts'
import { until, type Instance } from '../harness.ts'
import { check, type Result } from '../report.ts'

/** Member ids of the group (the consumer's own members only). */
export async function members(admin: Admin, group: string): Promise<string[]> {
  const { groups } = await admin.describeGroups([group])
  return (groups[0]?.members ?? []).map((m) => m.memberId).sort()
}

/** Samples health and group membership every second while `busy` runs; records deviations. */
export async function watchGroup(r: Result, inst: Instance, admin: Admin, group: string, busy: Promise<unknown>, health = true): Promise<void> {
  const before = await members(admin, group)
  let running = true
  void busy.finally(() => (running = false))
  let unhealthy = 0
  let changed = 0
  while (running) {
    if (health && (await inst.get('/_health')).status !== 200) unhealthy++
    if ((await members(admin, group).catch(() => before)).join() !== before.join()) changed++
    await Bun.sleep(1000)
  }
  await busy
  check(r, before.length === 1, `group had ${before.length} members at the start, expected 1`)
  check(r, changed === 0, `group membership changed in ${changed} samples (eviction or rejoin)`)
  check(r, unhealthy === 0, `/_health was not 200 in ${unhealthy} samples`)
  const joins = inst.count('partitions assigned')
  check(r, joins === 1, `the instance joined the group ${joins} times, expected once`)
}

export const pendingStorm: Scenario = {
  id: 8,
  name: '8 pending-limit storm',
  inShort: true,
  run: (ctx: ChaosContext) =>
    runScenario(ctx, '8 pending storm', async ({ result: r, deployment, log }) => {
      const pollMs = ctx.short ? 10_000 : 15_000
      const stormMs = ctx.short ? 25_000 : 60_000
      const [nSolved, nRepo] = ctx.short ? [50, 1500] : [200, 6000]
      const dep = await deployment({
        env: { ARGO_PENDING_WORKFLOW_LIMIT: '1000', ARGO_PENDING_SLEEP_TIME: '1', KAFKA_CONSUMER_MAX_POLL_INTERVAL_MS: String(pollMs), THOTH_INVESTIGATOR_STUCK_SECONDS: '5' },
      })
      // The gate adds the submissions it let through since the last listing (D-7), so the limit is
      // high enough for the backend namespace (always listed empty) to flow at full speed.
      dep.kube.scriptPending(fx.MIDDLETIER, [5000]) // over the limit until the storm ends
      dep.kube.scriptPending(fx.BACKEND, [0])
      const repo = dep.topic(fx.REPO)
      await fx.createTopics(dep.admin, [repo], 3)
      const solvedIds = fx.range(0, nSolved)
      const repoIds = fx.range(nSolved, nRepo)
      await fx.seedPackages(dep.db.sql, solvedIds)
      const inst = await dep.start('storm')
      r.sent = nSolved + nRepo
      const security = () => fx.workflowsPerId(dep.kube, fx.MIDDLETIER, 'security-indicator')
      const storm = (async () => {
        await fx.produce(dep.producer, dep.topic(fx.SOLVED), solvedIds.map(fx.solvedPackage))
        await fx.trickle(dep.producer, repo, repoIds.map(fx.repoInit), { partitions: 3, chunk: 100, pauseMs: stormMs / 2 / (nRepo / 100) })
        await Bun.sleep(stormMs / 2)
      })()
      await until(async () => /pending_limit_waiting\{namespace="thoth-middletier"\} [1-9]/.test((await inst.get('/metrics')).body), 30_000, 'a record waiting for the pending limit', 250)
      await watchGroup(r, inst, dep.admin, dep.group, storm)
      const repoDuring = fx.workflowsPerId(dep.kube, fx.BACKEND, 'thoth-repo-init').size
      check(r, security().size === 0, `${security().size} security-indicators workflows created while over the limit`)
      check(r, repoDuring === nRepo, `only ${repoDuring} of ${nRepo} repo-init records handled during the storm (other topics must keep flowing)`)
      log(`storm over after ${stormMs / 1000} s (max poll interval ${pollMs / 1000} s); lifting the pending count`)
      dep.kube.scriptPending(fx.MIDDLETIER, [0])
      const kebechet = () => fx.workflowsPerId(dep.kube, fx.BACKEND, 'kebechet-administrator')
      await until(() => security().size >= nSolved && kebechet().size >= nSolved, 120_000, 'waiting records handled', 250).catch((err: unknown) => {
        const names = dep.kube.workflows(fx.MIDDLETIER).map((w) => String(w.metadata?.name)).slice(0, 3)
        throw new Error(`${String(err)}: ${security().size} security-indicators, ${kebechet().size} kebechet-administrator (middletier: ${names.join(', ')})`)
      })
      await Bun.sleep(1000)
      fx.account(r, 'solved-package', solvedIds, [security(), fx.workflowsPerId(dep.kube, fx.BACKEND, 'kebechet-administrator')])
      fx.account(r, 'repo-init', repoIds, [fx.workflowsPerId(dep.kube, fx.BACKEND, 'thoth-repo-init')])
      check(r, inst.exitCode === null, 'the instance is not running')
      r.notes.push(`over the limit for ${stormMs / 1000} s = ${(stormMs / pollMs).toFixed(1)} x max poll interval; repo-init handled ${repoDuring}/${nRepo} meanwhile; one join, no eviction`)
    }),
}
