#!/usr/bin/env bash
# The README's test command: installs the Debian packages the tests drive
# (as root), the pinned pnpm and the locked dependencies, then type-checks, lints, checks formatting and runs every
# test (unit and integration).
set -euo pipefail
cd "$(dirname "$0")/.."

# The real parts the integration tests drive: the CNCF distribution
# registry, buildah and skopeo; openssl and htpasswd make the test CA and
# the registry's bcrypt password file; debootstrap makes a real Debian root
# for the dpkg cataloger; Go builds real binaries for the Go cataloger.
packages=(ca-certificates openssl apache2-utils docker-registry buildah skopeo
  debootstrap golang-go)
missing=()
for package in "${packages[@]}"; do
  dpkg -s "$package" >/dev/null 2>&1 || missing+=("$package")
done
if ((${#missing[@]})); then
  if [[ $(id -u) -ne 0 ]]; then
    echo "scripts/test.sh: install these Debian packages first: ${missing[*]}" >&2
    exit 2
  fi
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
    --no-install-recommends "${missing[@]}" >/dev/null
fi

want=$(node -p 'require("./package.json").packageManager.split("@")[1]')
if [[ "$(pnpm --version 2>/dev/null || true)" != "$want" ]]; then
  npm install --global --silent "pnpm@$want"
fi
pnpm install --frozen-lockfile --reporter=silent

pnpm typecheck
pnpm lint
pnpm format:check

report=$(mktemp)
trap 'rm -f "$report"' EXIT
status=0
pnpm exec vitest run --reporter=default --reporter=json --outputFile="$report" || status=$?
node -e '
  const r = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"));
  const skipped = r.numPendingTests + r.numTodoTests;
  console.log(`${r.numPassedTests} passed, ${r.numFailedTests} failed, ${skipped} skipped`);
' "$report" || true
exit "$status"
