#!/usr/bin/env bash
# The README's test command: installs the pinned pnpm and the locked
# dependencies, then type-checks, lints, checks formatting and runs every
# test (unit and integration).
set -euo pipefail
cd "$(dirname "$0")/.."

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
