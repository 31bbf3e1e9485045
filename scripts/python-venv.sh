#!/usr/bin/env bash
# python-venv.sh: the Python venv of the tests, .venv/thoth (git-ignored), with the published
# upstream libraries thoth-storages 0.74.1 and thoth-messaging 0.16.2 (tests/python/requirements.txt).
# Cached: skipped (well under a second) when .venv/thoth/.stamp matches the hash of the inputs.
#
# Usage: bash scripts/python-venv.sh         prints the venv's python path on its last line
#
# Steps when the stamp does not match:
#   1. Debian packages, each only if missing (root + apt-get; otherwise says what to install):
#      libfuzzy-dev (thoth-ssdeep builds against it), librdkafka-dev (confluent-kafka 1.9.2, the
#      version upstream locks, has no wheel for Python 3.11 and builds against it), gcc.
#   2. a fresh venv from python3.11 (PYTHON=... overrides; thoth-storages needs < 3.12).
#   3. pip install -r tests/python/requirements.txt (which pins every transitive version through
#      tests/python/constraints.txt), with PIP_CONSTRAINT=tests/python/build-constraints.txt
#      (setuptools<70) so that the isolated build environments of source builds get it too.
#   4. an import check, then the stamp. Prints how long it took. About 250 MB.
# Used by: scripts/test.sh (before bun test), tests/helpers/python.ts (path of the interpreter).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
VENV="$ROOT/.venv/thoth"
REQ="$ROOT/tests/python/requirements.txt"
CONSTRAINTS="$ROOT/tests/python/constraints.txt"
BUILD_CONSTRAINTS="$ROOT/tests/python/build-constraints.txt"
PYTHON="${PYTHON:-python3.11}"
START=$SECONDS

say() { echo "python-venv: $*"; }
die() { echo "python-venv: $*" >&2; exit 1; }

command -v "$PYTHON" >/dev/null 2>&1 || die "$PYTHON not found (Debian: apt-get install python3.11-venv)"
want="$(cat "$REQ" "$CONSTRAINTS" "$BUILD_CONSTRAINTS" "$ROOT/scripts/python-venv.sh" | sha256sum | cut -d' ' -f1)"
want="$want $("$PYTHON" -c 'import sys; print("%d.%d" % sys.version_info[:2])')"
if [ "$(cat "$VENV/.stamp" 2>/dev/null || true)" = "$want" ] && [ -x "$VENV/bin/python" ]; then
  say "up to date ($VENV)"
  echo "$VENV/bin/python"
  exit 0
fi

# 1. Debian packages
missing=()
for pkg in libfuzzy-dev librdkafka-dev gcc; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed' || missing+=("$pkg")
done
if ((${#missing[@]})); then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    say "installing Debian packages: ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  else
    die "missing Debian packages; as root: apt-get install -y ${missing[*]}"
  fi
fi

# 2. venv (a half-built one from an interrupted run is thrown away)
rm -rf "$VENV"
mkdir -p "$(dirname "$VENV")"
"$PYTHON" -m venv "$VENV"

# 3. packages
export PIP_CONSTRAINT="$BUILD_CONSTRAINTS" PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_NO_INPUT=1
say "pip install -r ${REQ#"$ROOT"/} (first run: a few minutes)"
"$VENV/bin/python" -m pip install -q --no-cache-dir -r "$REQ" ||
  die "pip install failed (see above); the venv is left incomplete and rebuilt on the next run"

# 4. check and stamp
"$VENV/bin/python" -c 'import thoth.storages, thoth.messaging, confluent_kafka' ||
  die "the venv does not import thoth.storages / thoth.messaging / confluent_kafka"
echo "$want" >"$VENV/.stamp"
say "built $VENV in $((SECONDS - START)) s ($(du -sh "$VENV" | cut -f1))"
echo "$VENV/bin/python"
