#!/usr/bin/env bash
# kustomize.sh: kustomize for the deploy/ tests, installed into .tools/bin (git-ignored) with
# `go install sigs.k8s.io/kustomize/kustomize/v5@<version>` from the Go module proxy. Skipped (well
# under a second) when .tools/bin/kustomize already reports that version.
#
# Usage: bash scripts/kustomize.sh           prints the binary's path on its last line
# Needs: go (1.22 or newer; GOTOOLCHAIN=local, so no toolchain is downloaded). About 40 s on the
# first run. Used by: scripts/test.sh (before bun test), tests/integration/deploy.test.ts.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VERSION=v5.8.1
BIN="$ROOT/.tools/bin"
START=$SECONDS

if [ -x "$BIN/kustomize" ] && [ "$("$BIN/kustomize" version 2>/dev/null)" = "$VERSION" ]; then
  echo "kustomize: $VERSION up to date"
  echo "$BIN/kustomize"
  exit 0
fi
command -v go >/dev/null 2>&1 || { echo "kustomize: go is not installed (needed to build kustomize $VERSION)" >&2; exit 1; }
mkdir -p "$BIN"
echo "kustomize: go install sigs.k8s.io/kustomize/kustomize/v5@$VERSION"
GOBIN="$BIN" GOTOOLCHAIN=local GOFLAGS=-mod=mod go install "sigs.k8s.io/kustomize/kustomize/v5@$VERSION"
[ "$("$BIN/kustomize" version)" = "$VERSION" ] || { echo "kustomize: installed binary is not $VERSION" >&2; exit 1; }
echo "kustomize: installed $VERSION in $((SECONDS - START)) s"
echo "$BIN/kustomize"
