/**
 * The 19 Thoth message types: base names, file stems and metric labels.
 * Pure data; the single source for topic names and label values (spec/operations.md §5).
 */

/** One message type as the spec names it. */
export interface MessageType {
  /** File stem of its handler: `handlers/<stem>.ts`. */
  readonly stem: string
  /** Base name; the topic is `<THOTH_DEPLOYMENT_NAME>.<baseName>`. */
  readonly baseName: string
  /** `message_type` label of in_progress / exceptions / processed / duration. */
  readonly handlerLabel: string
}

const t = (stem: string, baseName: string, handlerLabel: string): MessageType =>
  Object.freeze({ stem, baseName, handlerLabel })

/** All 19 message types in the spec's order. */
export const MESSAGE_TYPES: readonly MessageType[] = Object.freeze([
  t('advise-justification', 'thoth.advise-reporter.advise-justification', 'advise_justification'),
  t('adviser-trigger', 'thoth.adviser-trigger', 'adviser_trigger'),
  t('build-analysis-trigger', 'thoth.build-analysis-trigger', 'build_analysis_trigger'),
  t('cve-provided', 'thoth.cve-update.cve-provided', 'cve_provided'),
  t('hash-mismatch', 'thoth.package-update.hash-mismatch', 'hash_mismatch'),
  t('inspection-completed', 'thoth.inspection-completed', 'inspection_completed'),
  t('kebechet-run-url-trigger', 'thoth.kebechet-run-url-trigger', 'kebechet_run_url_trigger'),
  t('kebechet-trigger', 'thoth.kebechet-trigger', 'kebechet_trigger'),
  t('missing-package', 'thoth.package-update.missing-package', 'missing_package'),
  t('missing-package-version', 'thoth.package-update.missing-package-version', 'missing_version'),
  t('package-extract-trigger', 'thoth.package-extract-trigger', 'package_extract_trigger'),
  t('package-released', 'thoth.package-release.package-released', 'package_released'),
  t('provenance-checker-trigger', 'thoth.provenance-checker-trigger', 'provenance_checker_trigger'),
  t('si-unanalyzed-package', 'thoth.investigator.si-unanalyzed-package', 'si_unanalyzed_package'),
  t('solved-package', 'thoth.solver.solved-package', 'solved_package'),
  t('repo-init', 'thoth.repo-init', 'thoth_repo_init'),
  t('unresolved-package', 'thoth.investigator.unresolved-package', 'unresolved_package'),
  t('unrevsolved-package', 'thoth.investigator.unrevsolved-package', 'unrevsolved_package'),
  t('update-provides-source-distro', 'thoth.update-provides-source-distro', 'update_provide_source_distro'),
])

/** Every base name, for validation of `/halt`, `/resume` and ACK_ON_FAIL lists. */
export const BASE_NAMES: ReadonlySet<string> = new Set(MESSAGE_TYPES.map((m) => m.baseName))

/** Message type by base name. */
export function messageTypeByBaseName(baseName: string): MessageType | undefined {
  return MESSAGE_TYPES.find((m) => m.baseName === baseName)
}

/** Message type by stem (`missing-package-version`). Throws on an unknown stem (a programming error). */
export function messageTypeByStem(stem: string): MessageType {
  const found = MESSAGE_TYPES.find((m) => m.stem === stem)
  if (!found) throw new Error(`unknown message type stem ${stem}`)
  return found
}

/**
 * `message_type` label of failures_total and message_count_by_version_total: last dot-separated
 * part of the base name with `-` -> `_` (differs from the handler label for three types, W-26).
 */
export function derivedLabel(baseName: string): string {
  return (baseName.split('.').at(-1) ?? baseName).replaceAll('-', '_')
}

/** Full topic name of a base name. */
export function topicName(prefix: string, baseName: string): string {
  return `${prefix}.${baseName}`
}

/** Base name of a full topic name, or undefined when it is not one of the 19 under this prefix. */
export function baseNameOfTopic(prefix: string, topic: string): string | undefined {
  if (!topic.startsWith(`${prefix}.`)) return undefined
  const rest = topic.slice(prefix.length + 1)
  return BASE_NAMES.has(rest) ? rest : undefined
}
