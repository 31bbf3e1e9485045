/**
 * The console's only style sheet and script, inlined into every page (no second request, no
 * build step). The script refreshes the live part, ticks the data age and sends the actions.
 */

/** Plain CSS; no web fonts or images (the page requests nothing but this service). */
export const CSS = `
:root{--fg:#1d232a;--muted:#5b6570;--line:#d7dce1;--ok:#1b7f3b;--warn:#a35a00;--bad:#b3261e;--bg:#f6f7f9}
*{box-sizing:border-box}body{margin:0;font:14px/1.45 system-ui,sans-serif;color:var(--fg);background:var(--bg)}
header{display:flex;gap:1.5rem;align-items:baseline;padding:.6rem 1.2rem;background:#1d232a;color:#fff}
header a{color:#cfe3ff;text-decoration:none}header a[aria-current]{color:#fff;font-weight:600}header .name{font-weight:700}
main{padding:0 1.2rem 2rem}h2{font-size:1.05rem;margin:1.4rem 0 .5rem}h3{margin:.2rem 0 .4rem;font-size:1rem}
table{border-collapse:collapse;width:100%;background:#fff}th,td{border:1px solid var(--line);padding:.3rem .45rem;text-align:left;vertical-align:top}
th{background:#eef1f4;font-weight:600}td.n{text-align:right;font-variant-numeric:tabular-nums}
.facts{display:grid;grid-template-columns:repeat(auto-fill,minmax(13rem,1fr));gap:.4rem 1rem;background:#fff;border:1px solid var(--line);padding:.6rem .8rem;margin-top:1rem}
.facts div span{display:block;color:var(--muted);font-size:.8rem}
.badge{display:inline-block;padding:0 .45rem;border-radius:.6rem;font-size:.8rem;font-weight:600;color:#fff}
.flowing,.ready{background:var(--ok)}.halted,.not-ready{background:var(--bad)}
.warning{border:2px solid var(--bad);background:#fff4f2;padding:.6rem .9rem;margin-top:1rem}
.warning article{border-top:1px solid #f0c8c2;padding:.5rem 0}.warning article:first-of-type{border-top:0}
.muted,.age{color:var(--muted)}.stale{color:var(--warn);font-weight:600}.err{color:var(--bad)}
.parts{margin:0;padding:0;list-style:none;font-size:.85rem;font-variant-numeric:tabular-nums}
button{font:inherit;padding:.15rem .7rem;border:1px solid #8893a0;border-radius:.3rem;background:#fff;cursor:pointer}
button.primary{background:#1f5fbf;border-color:#1f5fbf;color:#fff}button.danger{border-color:var(--bad);color:var(--bad)}
button:disabled{opacity:.5;cursor:wait}pre{background:#fff;border:1px solid var(--line);padding:.7rem;overflow:auto;max-height:40rem}
#flash{margin:.6rem 1.2rem 0}#flash:empty{display:none}#flash p{margin:0;padding:.4rem .7rem;border:1px solid var(--line);background:#fff}
#flash p.error{border-color:var(--bad);color:var(--bad)}body.offline .age::after{content:" – service unreachable";color:var(--bad)}
form.inline{display:inline}td.pre{white-space:pre-wrap}label{margin-right:.6rem}
`

/** Inline script: refresh without a page reload, data age, actions with the admin token. */
export const SCRIPT = `
(() => {
  const KEY = 'thoth-investigator-admin-token'
  const live = document.getElementById('live')
  const flash = document.getElementById('flash')
  const tokenRequired = document.body.dataset.tokenRequired === '1'
  let last = ''
  const tick = () => {
    const t = document.getElementById('generated'), a = document.getElementById('age')
    if (!t || !a) return
    const s = Math.max(0, Math.round((Date.now() - Date.parse(t.getAttribute('datetime'))) / 1000))
    a.textContent = '(' + s + ' s ago)'
    a.className = s > 15 ? 'stale' : ''
  }
  const refresh = async () => {
    if (!live || !live.dataset.fragment) return tick()
    try {
      const res = await fetch(live.dataset.fragment, { cache: 'no-store' })
      if (!res.ok) throw new Error('HTTP ' + res.status)
      const html = await res.text()
      if (html !== last) { live.innerHTML = html; last = html }
      document.body.classList.remove('offline')
    } catch { document.body.classList.add('offline') }
    tick()
  }
  const show = (text, bad) => {
    const p = document.createElement('p')
    p.textContent = new Date().toLocaleTimeString() + ': ' + text
    if (bad) p.className = 'error'
    flash.replaceChildren(p)
  }
  const token = (ask) => {
    let t = sessionStorage.getItem(KEY)
    if (tokenRequired && (!t || ask)) {
      t = prompt('Admin token (THOTH_INVESTIGATOR_ADMIN_TOKEN); kept for this browser tab only')
      if (t) sessionStorage.setItem(KEY, t)
    }
    return t
  }
  const act = async (btn) => {
    if (btn.dataset.confirm && !confirm(btn.dataset.confirm)) return
    let body = JSON.parse(btn.dataset.body || '{}')
    for (let i = 0; i < 3; i++) {
      const t = token(i > 0)
      if (tokenRequired && !t) return show('No admin token given: nothing was done.', true)
      const headers = { 'content-type': 'application/json' }
      if (t) headers.authorization = 'Bearer ' + t
      btn.disabled = true
      let res, data = {}
      try {
        res = await fetch(btn.dataset.post, { method: 'POST', headers, body: JSON.stringify(body) })
        data = await res.json().catch(() => ({}))
      } catch (e) { btn.disabled = false; return show('Request failed: ' + e.message, true) }
      btn.disabled = false
      if (res.status === 401) { sessionStorage.removeItem(KEY); if (i === 0) continue }
      if (res.status === 409 && data.code === 'no_replay_position' && !body.fromBeginning
          && confirm(data.message + '\\n\\nReplay every dead letter of this topic the dead-letter topic still holds?')) {
        body = { ...body, fromBeginning: true }
        continue
      }
      show(data.message || 'HTTP ' + res.status, !res.ok)
      break
    }
    await refresh()
  }
  document.addEventListener('click', (e) => {
    const b = e.target.closest && e.target.closest('button[data-post]')
    if (b) { e.preventDefault(); void act(b) }
  })
  setInterval(refresh, 3000)
  setInterval(tick, 1000)
  tick()
})()
`
