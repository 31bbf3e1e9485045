/**
 * Types and errors shared by the git notification steps and the forge clients. Kept apart from
 * lib/git-forges.ts so that @octokit/rest and @gitbeaker/rest are loaded only when notifications
 * are on (idle memory and start-up time of the binary).
 */

/** Repository facts the notification steps need. */
export interface RepoInfo {
  archived: boolean
  issuesEnabled: boolean
  defaultBranch: string | null
}

/** The calls of one service; a missing Pipfile is null, every other failure throws. */
export interface ForgeCalls {
  repository(slug: string, signal: AbortSignal): Promise<RepoInfo>
  pipfile(slug: string, ref: string, signal: AbortSignal): Promise<string | null>
  openIssues(
    slug: string,
    page: number,
    signal: AbortSignal,
  ): Promise<{ titles: string[]; next: boolean }>
  createIssue(slug: string, title: string, body: string, signal: AbortSignal): Promise<void>
}

/** What the clients call to fetch; wrapped to watch rate-limit headers. */
export type FetchFn = (input: RequestInfo | URL, init?: RequestInit) => Promise<Response>

/** Base URL and token of one service. */
export interface ForgeAccess {
  baseUrl: string
  token: string
}

/** An HTTP answer >= 400 from the GitLab requester; holds no request URL or headers. */
export class ForgeHttpError extends Error {
  constructor(
    readonly status: number,
    readonly headers: Headers,
  ) {
    super(`HTTP ${status}`)
  }
}

/** The GitLab fetch itself failed (connection refused, reset, timeout). */
export class ForgeNetworkError extends Error {}
