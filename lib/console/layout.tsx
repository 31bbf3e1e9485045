/** The page frame of the operator console: head, navigation, flash area, live region, script. */
import type { Child } from 'hono/jsx'
import { CSS, SCRIPT } from './assets.ts'

/** Properties of {@link Layout}. */
export interface LayoutProps {
  title: string
  nonce: string
  tokenRequired: boolean
  /** Navigation entry to mark as current. */
  current: 'overview' | 'dead-letters'
  /** URL of the live part's HTML (div#live); no auto-refresh when absent. */
  fragment?: string
  children?: Child
}

/** A whole page; reading works without JavaScript (the script only refreshes and acts). */
export function Layout(p: LayoutProps) {
  const nav = (id: LayoutProps['current'], href: string, label: string) =>
    p.current === id ? <a href={href} aria-current="page">{label}</a> : <a href={href}>{label}</a>
  return (
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <title>{p.title}</title>
        <link rel="icon" href="data:," />
        <style nonce={p.nonce} dangerouslySetInnerHTML={{ __html: CSS }} />
        {p.fragment ? (
          <noscript>
            <meta http-equiv="refresh" content="15" />
          </noscript>
        ) : null}
      </head>
      <body data-token-required={p.tokenRequired ? '1' : '0'}>
        <header>
          <span class="name">thoth-investigator</span>
          {nav('overview', '/', 'Overview')}
          {nav('dead-letters', '/ui/dead-letters', 'Dead letters')}
          <a href="/metrics">Metrics</a>
          <a href="/api/status">JSON</a>
        </header>
        <div id="flash" role="status" aria-live="polite"></div>
        <noscript>
          <p class="muted">Reading works without JavaScript (refreshed every 15 s); the buttons need it.</p>
        </noscript>
        <main>{p.children}</main>
        <script nonce={p.nonce} dangerouslySetInnerHTML={{ __html: SCRIPT }} />
      </body>
    </html>
  )
}

/** "Data as of …" with the age the script keeps current. */
export function DataAge(p: { generatedAt: string }) {
  return (
    <p class="age">
      Data as of <time id="generated" datetime={p.generatedAt}>{p.generatedAt.replace('T', ' ').replace(/\.\d+Z$/, 'Z')}</time> <span id="age"></span>
    </p>
  )
}

/** A POST action button handled by the script. */
export function ActionButton(p: { post: string; label: string; confirm?: string; body?: object; kind?: 'primary' | 'danger'; testid?: string }) {
  return (
    <button type="button" class={p.kind ?? ''} data-post={p.post} data-confirm={p.confirm} data-body={p.body ? JSON.stringify(p.body) : undefined} data-testid={p.testid}>
      {p.label}
    </button>
  )
}
