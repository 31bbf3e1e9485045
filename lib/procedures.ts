/**
 * The shared procedures of spec/handlers.md (ALL_SOLVERS, ONE_SOLVER, LEARN_SOLVER, REVSOLVER,
 * SECURITY, KEBECHET_ADMIN). Switch checks stay in the handlers. Each procedure counts what it
 * creates in `scheduled_workflows{message_type=<base name>}` at the moment it is created (D-6),
 * adds 0 first so the series exists even when nothing is created, and returns the count.
 * WAIT (D-7) happens inside `ctx.workflows.submit`.
 */
import type { HandlerContext, ParamValue, SubmitOptions, WorkflowKind } from './context.ts'

/** Package coordinates as received in a message. */
export interface PackageRef {
  readonly name: string
  readonly version: string
  readonly index: string
}

/** Input of KEBECHET_ADMIN; version and solver may be absent. */
export interface KebechetAdminInfo {
  readonly package_name: string
  readonly package_version?: string | null
  readonly index_url: string
  readonly solver?: string | null
}

/** `workflow_type` label values of scheduled_workflows. */
export type ScheduledType = 'solver' | 'revsolver' | 'security-indicator' | 'kebechet-administrator'

/** Makes sure the scheduled_workflows series exists (adds 0). */
export function touchScheduled(ctx: HandlerContext, baseName: string, type: ScheduledType): void {
  ctx.metrics.scheduledWorkflows.inc({ message_type: baseName, workflow_type: type }, 0)
}

/** Submits one workflow and counts it when it was created now; returns 1 or 0. */
async function submitCounted(
  ctx: HandlerContext,
  baseName: string,
  type: ScheduledType,
  kind: WorkflowKind,
  params: Record<string, ParamValue>,
  opts: SubmitOptions,
): Promise<number> {
  const s = await ctx.workflows.submit(kind, params, opts)
  if (!s.created) {
    ctx.log.info('workflow of this record already exists', { kind, workflow: s.name, namespace: s.namespace })
    return 0
  }
  ctx.metrics.scheduledWorkflows.inc({ message_type: baseName, workflow_type: type }, 1)
  ctx.log.info('workflow scheduled', { kind, workflow: s.name, namespace: s.namespace })
  return 1
}

/** `<name>===<version>` with line feeds sent as the two characters `\` `n`, as upstream. */
export function solverPackages(name: string, version: string): string {
  return `${name}===${version}`.replaceAll('\n', '\\n')
}

/** Parameters of one solver workflow (id parameter filled by submit). */
function solverParams(pkg: PackageRef, solver: string, dependencyIndexes: string, debug: boolean) {
  return {
    THOTH_SOLVER_NAME: solver,
    THOTH_SOLVER_PACKAGES: solverPackages(pkg.name, pkg.version),
    THOTH_SOLVER_NO_TRANSITIVE: '1',
    THOTH_SOLVER_INDEXES: pkg.index,
    THOTH_SOLVER_DEPENDENCY_INDEXES: dependencyIndexes,
    THOTH_FORCE_SYNC: '0',
    THOTH_LOG_SOLVER: debug ? 'DEBUG' : 'INFO',
  }
}

/** ALL_SOLVERS: one solver workflow per ConfigMap solver; THOTH_LOG_SOLVER always INFO. */
export async function allSolvers(ctx: HandlerContext, pkg: PackageRef, baseName: string): Promise<number> {
  touchScheduled(ctx, baseName, 'solver')
  const solvers = await ctx.workflows.solverNames()
  if (solvers.length === 0) ctx.log.warn('no solvers configured', { package: pkg.name })
  let created = 0
  for (const solver of solvers) {
    const params = solverParams(pkg, solver, '', false)
    created += await submitCounted(ctx, baseName, 'solver', 'solver', params, { idPrefix: solver })
  }
  return created
}

/** ONE_SOLVER: one solver workflow with dependency indexes; THOTH_LOG_SOLVER per env. */
export async function oneSolver(
  ctx: HandlerContext,
  pkg: PackageRef,
  solver: string,
  dependencyIndexes: readonly string[],
  baseName: string,
): Promise<number> {
  touchScheduled(ctx, baseName, 'solver')
  const params = solverParams(pkg, solver, dependencyIndexes.join(','), ctx.config.logSolverDebug)
  return submitCounted(ctx, baseName, 'solver', 'solver', params, { idPrefix: solver })
}

/** LEARN_SOLVER: all solvers for an unknown version, else the solvers that have not solved it. */
export async function learnSolver(
  ctx: HandlerContext,
  isPresent: boolean,
  pkg: PackageRef,
  solver: string | null | undefined,
  baseName: string,
): Promise<number> {
  if (!isPresent) return allSolvers(ctx, pkg, baseName)
  touchScheduled(ctx, baseName, 'solver')
  const solvers = solver ? [solver] : await ctx.workflows.solverNames()
  const dependencyIndexes = await ctx.kg.indexUrls(true)
  let created = 0
  for (const name of solvers) {
    if (await ctx.kg.solvedBy(pkg.name, pkg.version, pkg.index, name)) continue
    created += await oneSolver(ctx, pkg, name, dependencyIndexes, baseName)
  }
  return created
}

/** REVSOLVER: one reverse-solver workflow. */
export async function revsolver(ctx: HandlerContext, name: string, version: string, baseName: string): Promise<number> {
  touchScheduled(ctx, baseName, 'revsolver')
  const params = {
    THOTH_REVSOLVER_PACKAGE_NAME: name,
    THOTH_REVSOLVER_PACKAGE_VERSION: version,
    THOTH_LOG_REVSOLVER: ctx.config.logRevsolverDebug ? 'DEBUG' : 'INFO',
  }
  return submitCounted(ctx, baseName, 'revsolver', 'revsolver', params, { idPrefix: 'revsolver' })
}

/** SECURITY: a security-indicators workflow unless aggregated results exist. */
export async function security(ctx: HandlerContext, pkg: PackageRef, baseName: string): Promise<number> {
  touchScheduled(ctx, baseName, 'security-indicator')
  if (await ctx.kg.securityIndicatorsExist(pkg.name, pkg.version, pkg.index)) {
    ctx.log.debug('security indicators already exist', { package: pkg.name, version: pkg.version })
    return 0
  }
  const params = {
    THOTH_SECURITY_INDICATORS_PACKAGE_NAME: pkg.name,
    THOTH_SECURITY_INDICATORS_PACKAGE_VERSION: pkg.version,
    THOTH_SECURITY_INDICATORS_PACKAGE_INDEX: pkg.index,
    THOTH_SECURITY_INDICATORS_AGGREGATION_FUNCTION: 'process_data',
  }
  const opts = { idPrefix: 'security-indicator' }
  return submitCounted(ctx, baseName, 'security-indicator', 'security-indicators', params, opts)
}

/** KEBECHET_ADMIN: one kebechet-administrator workflow (backend namespace). */
export async function kebechetAdmin(ctx: HandlerContext, info: KebechetAdminInfo, baseName: string): Promise<number> {
  touchScheduled(ctx, baseName, 'kebechet-administrator')
  const params = {
    THOTH_PACKAGE_NAME: info.package_name,
    THOTH_PACKAGE_VERSION: info.package_version ?? '',
    THOTH_PACKAGE_INDEX: info.index_url,
    THOTH_SOLVER_NAME: info.solver ?? '',
    THOTH_MESSAGE_TYPE: baseName,
  }
  const opts = { idPrefix: 'kebechet-administrator' }
  return submitCounted(ctx, baseName, 'kebechet-administrator', 'kebechet-administrator', params, opts)
}
