/**
 * The handler registry: a hand-written list (no discovery, so `bun build --compile` bundles
 * every handler). Adding a handler means adding one line here.
 */
import type { Handler } from '../lib/handler.ts'
import { adviseJustification } from './advise-justification.ts'
import { adviserTrigger } from './adviser-trigger.ts'
import { buildAnalysisTrigger } from './build-analysis-trigger.ts'
import { cveProvided } from './cve-provided.ts'
import { hashMismatchBackend, hashMismatchMiddletier } from './hash-mismatch.ts'
import { inspectionCompleted } from './inspection-completed.ts'
import { kebechetRunUrlTrigger } from './kebechet-run-url-trigger.ts'
import { kebechetTrigger } from './kebechet-trigger.ts'
import { missingPackage } from './missing-package.ts'
import { missingPackageVersion } from './missing-package-version.ts'
import { packageExtractTrigger } from './package-extract-trigger.ts'
import { packageReleased } from './package-released.ts'
import { provenanceCheckerTrigger } from './provenance-checker-trigger.ts'
import { repoInit } from './repo-init.ts'
import { siUnanalyzedPackage } from './si-unanalyzed-package.ts'
import { solvedPackage } from './solved-package.ts'
import { unresolvedPackage } from './unresolved-package.ts'
import { unrevsolvedPackage } from './unrevsolved-package.ts'
import { updateProvidesSourceDistro } from './update-provides-source-distro.ts'

/** Every handler of every mode (spec/operations.md §4). */
export const handlers: readonly Handler[] = [
  adviseJustification,
  adviserTrigger,
  buildAnalysisTrigger,
  cveProvided,
  hashMismatchMiddletier,
  hashMismatchBackend,
  inspectionCompleted,
  kebechetRunUrlTrigger,
  kebechetTrigger,
  missingPackage,
  missingPackageVersion,
  packageExtractTrigger,
  packageReleased,
  provenanceCheckerTrigger,
  repoInit,
  siUnanalyzedPackage,
  solvedPackage,
  unresolvedPackage,
  unrevsolvedPackage,
  updateProvidesSourceDistro,
]
