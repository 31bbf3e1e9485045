#!/usr/bin/env bash
# install.sh: make this checkout ready to build, test and run. Idempotent; a no-op (well under a
# second) when nothing is missing.
#
# Usage: bash scripts/install.sh
#
# 1. Tools: java + mvn (the Kafka kit, stack/kafka-it.sh), node + npm (the installer; Bun is the
#    runtime), runuser/flock (util-linux), sha256sum/od/timeout (coreutils). When one is missing and
#    we are root with apt-get, the Debian package is installed; otherwise the script says what to
#    install and fails. PostgreSQL is not handled here: stack/pg-it.sh installs it on first start.
# 2. npm packages: `npm ci --no-audit --no-fund` when node_modules is missing or package.json /
#    package-lock.json changed since the last install here. The stamp is
#    node_modules/.install-stamp (sha256 of both files). A node_modules installed by hand (npm install)
#    is trusted, and the stamp renewed, when npm's own node_modules/.package-lock.json is newer than
#    both files.
# 3. Bun: if node_modules/bun/bin/bun.exe is the small placeholder left by an install without
#    scripts, `node node_modules/bun/install.js` puts the real binary in place.
#
# Environment: INSTALL_FORCE=1 runs npm ci even when the stamp matches.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

die() { echo "install: $*" >&2; exit 1; }
say() { echo "install: $*"; }

# ---------------------------------------------------------------------------------------------------
# 1. system tools: command -> Debian package

declare -A PKG=(
  [java]=openjdk-17-jre-headless [mvn]=maven [node]=nodejs [npm]=npm
  [runuser]=util-linux [flock]=util-linux [sha256sum]=coreutils [od]=coreutils [timeout]=coreutils
  [openssl]=openssl
)
missing=()
for cmd in "${!PKG[@]}"; do
  command -v "$cmd" >/dev/null 2>&1 || missing+=("${PKG[$cmd]}")
done
if ((${#missing[@]})); then
  # shellcheck disable=SC2207  # package names have no spaces
  missing=($(printf '%s\n' "${missing[@]}" | sort -u))
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    say "installing Debian packages: ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  else
    die "missing tools; install these Debian packages (as root): apt-get install -y ${missing[*]}"
  fi
fi

# ---------------------------------------------------------------------------------------------------
# 2. npm packages

STAMP="node_modules/.install-stamp"
want="$(cat package.json package-lock.json | sha256sum | cut -d' ' -f1)"
have="$(cat "$STAMP" 2>/dev/null || true)"
if [ -d node_modules ] && [ "$have" != "$want" ] && [ -z "${INSTALL_FORCE:-}" ] &&
  [ node_modules/.package-lock.json -nt package-lock.json ] &&
  [ node_modules/.package-lock.json -nt package.json ]; then
  # npm install ran after the last change to the package files (by hand, or before this script
  # existed): node_modules matches them. Never `npm ci` needlessly: it empties node_modules under
  # everyone else's running tests.
  echo "$want" >"$STAMP"
  have="$want"
fi
if [ ! -d node_modules ] || [ "$have" != "$want" ] || [ -n "${INSTALL_FORCE:-}" ]; then
  say "npm ci (node_modules missing or package files changed)"
  npm ci --no-audit --no-fund || die "npm ci failed (registry unreachable, or package.json and package-lock.json out of sync?)"
  echo "$want" >"$STAMP"
fi

# ---------------------------------------------------------------------------------------------------
# 3. the Bun binary

BUN_EXE=node_modules/bun/bin/bun.exe
[ -e "$BUN_EXE" ] || die "$BUN_EXE is missing after npm ci (is bun in devDependencies?)"
if [ "$(stat -c %s "$BUN_EXE")" -lt 1000000 ]; then
  say "bun is the placeholder binary (install scripts skipped?): running node_modules/bun/install.js"
  node node_modules/bun/install.js || die "node node_modules/bun/install.js failed"
  [ "$(stat -c %s "$BUN_EXE")" -ge 1000000 ] || die "bun is still the placeholder after install.js"
fi

# ---------------------------------------------------------------------------------------------------
# 4. Chromium for the operator console's browser test (tests/integration/console-browser.test.ts).
#    Debian's package only; playwright-core (a devDependency, installed by npm ci above) drives it
#    and never downloads a browser of its own.

if [ ! -x /usr/bin/chromium ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    say "installing Debian package: chromium"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends chromium >/dev/null
  else
    die "/usr/bin/chromium is missing; install it (as root): apt-get install -y chromium"
  fi
fi
