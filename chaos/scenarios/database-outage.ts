/**
 * 4. Database outage: a PostgreSQL of the run's own is stopped for 20 s mid-run (longer, up to
 * 60 s, until both policies acted) and started again on the same data. missing-package-version
 * halts after its retries (default policy); update-provides-source-distro acknowledges into the
 * dead-letter topic (ACK_ON_FAIL lists it);
 * repo-init needs no database. Invariant: both policies act (halt, dead letters), repo-init keeps
 * flowing during the outage, and after the database is back, /resume and replaying the dead
 * letters (as `investigator replay` does) every record is handled exactly once; nothing is lost.
 */
import { chmodSync, mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { runScenario, type ChaosContext, type Scenario } from '../context.ts'
import * as fx from '../effects.ts'
import { isHalted, until } from '../harness.ts'
import { startOwnPostgres } from '../own-servers.ts'
import { check } from '../report.ts'

const OUTAGE_MS = 20_000

export const databaseOutage: Scenario = {
  id: 4,
  name: '4 database outage (20 s)',
  inShort: true,
  run: (ctx: ChaosContext) =>
    runScenario(ctx, '4 database outage', async ({ result: r, deployment, defer, log }) => {
      const [nMpv, nUpsd, nRepo] = ctx.short ? [600, 600, 1200] : [3000, 3000, 6000]
      const dir = mkdtempSync(join(tmpdir(), 'chaos-pg-'))
      chmodSync(dir, 0o755) // the postgres OS user runs the server
      const pg = await startOwnPostgres(dir, ctx.ownPorts.pg)
      defer(() => pg.destroy())
      log(`own PostgreSQL up on port ${ctx.ownPorts.pg}`)
      const dep = await deployment({
        pgAdminUrl: pg.adminUrl,
        env: { THOTH_INVESTIGATOR_ACK_ON_FAIL: JSON.stringify([fx.UPSD]), THOTH_INVESTIGATOR_MAX_RETRIES: '3', THOTH_INVESTIGATOR_BACKOFF: '0.5' },
      })
      const [mpv, upsd, repo] = [dep.topic(fx.MPV), dep.topic(fx.UPSD), dep.topic(fx.REPO)]
      await fx.createTopics(dep.admin, [mpv, upsd, repo], 2)
      const mpvIds = fx.range(0, nMpv)
      const upsdIds = fx.range(nMpv, nUpsd)
      const repoIds = fx.range(nMpv + nUpsd, nRepo)
      await fx.seedPackages(dep.db.sql, [...mpvIds, ...upsdIds])
      const inst = await dep.start('outage')
      r.sent = nMpv + nUpsd + nRepo
      const spanMs = OUTAGE_MS + 10_000 // traffic before, during and after the outage
      const trickle = (topic: string, values: unknown[]) => fx.trickle(dep.producer, topic, values, { partitions: 2, chunk: 50, pauseMs: spanMs / (values.length / 50) })
      const traffic = Promise.all([trickle(mpv, mpvIds.map(fx.missingVersion)), trickle(upsd, upsdIds.map(fx.sourceDistro)), trickle(repo, repoIds.map(fx.repoInit))])
      const repoDone = () => fx.workflowsPerId(dep.kube, fx.BACKEND, 'thoth-repo-init').size
      await Bun.sleep(4000)
      await pg.stop()
      const repoAtStop = repoDone()
      log(`PostgreSQL stopped; down for ${OUTAGE_MS / 1000} s`)
      // Down for OUTAGE_MS, longer (up to 3x) until both policies have acted: on a loaded machine
      // the three attempts of a record may not fit in OUTAGE_MS, and the check is about the policy.
      let haltSeen = false
      let letterSeen = false
      const down = performance.now()
      for (;;) {
        haltSeen ||= (await isHalted(inst, fx.MPV)) === true
        letterSeen ||= inst.logs().some((l) => l.msg === 'message dead-lettered and acknowledged' && l.base_name === fx.UPSD)
        const elapsed = performance.now() - down
        if (elapsed >= 3 * OUTAGE_MS || (elapsed >= OUTAGE_MS && haltSeen && letterSeen)) break
        await Bun.sleep(500)
      }
      const repoDuring = repoDone() - repoAtStop
      await pg.restart()
      log(`PostgreSQL back after ${((performance.now() - down) / 1000).toFixed(0)} s`)
      check(r, haltSeen, 'missing-package-version never halted during the outage (policy halt)')
      check(r, repoDuring > 0, 'repo-init made no progress during the outage')
      await traffic
      const kebechet = () => fx.workflowsPerId(dep.kube, fx.BACKEND, 'kebechet-administrator')
      let resumes = 0
      await until(async () => {
        if ((await isHalted(inst, fx.MPV)) === true) {
          resumes++
          await inst.get(`/resume/${fx.MPV}`)
        }
        return kebechet().size >= nMpv && repoDone() >= nRepo && (await fx.committedTotal(dep.admin, dep.group, upsd)) >= nUpsd
      }, 180_000, 'halted records handled after /resume', 2000)
      const letters = await fx.readTopic(dep.kafka, dep.admin, `${dep.prefix}.thoth.investigator.dead-letter`)
      r.deadLettered = letters.length
      check(r, letterSeen && letters.length > 0, 'no update-provides-source-distro record was dead-lettered during the outage (policy ack)')
      check(r, letters.every((l) => l.headers['thoth.dl.base_name'] === fx.UPSD), 'a record of another topic was dead-lettered')
      await dep.producer.send({ topic: upsd, acks: -1, messages: letters.map((l) => ({ value: l.value })) }) // the replay
      await until(async () => (await fx.flagged(dep.db.sql, 'provides_source_distro', false)).size >= nUpsd, 60_000, 'replayed dead letters handled', 500).catch(() => {})
      fx.account(r, 'missing-package-version (halted, resumed)', mpvIds, [kebechet(), await fx.flagged(dep.db.sql, 'is_missing', true)])
      fx.account(r, 'update-provides-source-distro (dead-lettered, replayed)', upsdIds, [await fx.flagged(dep.db.sql, 'provides_source_distro', false)])
      fx.account(r, 'repo-init', repoIds, [fx.workflowsPerId(dep.kube, fx.BACKEND, 'thoth-repo-init')])
      const halts = inst.logs().filter((l) => l.msg === 'topic halted after a failed record').map((l) => `${String(l.base_name)}: ${String(l.reason)}`)
      check(r, inst.exitCode === null, 'the instance is not running')
      r.notes.push(`halts: ${[...new Set(halts)].join(', ') || 'none'} (${halts.length}, ${resumes} resumes); ${letters.length} dead letters replayed; repo-init handled ${repoDuring} records during the outage`)
    }),
}
