#!/usr/bin/env bash
# Runs every test Labbook has: typecheck, lint, unit, integration (under the machine's Node 20, then under Node 24 with
# each SQLite driver), webview and real-VS-Code end-to-end tests (the full suite in code-server 4.100.3 on Node 20, a
# smoke subset in code-server 4.139.1 on Node 24). Installs what they need first (scripts/setup.sh), so it works on a
# fresh machine. Each stage's time is printed at the end (see docs/testing.md for the figures).
set -euo pipefail
cd "$(dirname "$0")/.."

timings=()
stage() {
  local started=$SECONDS
  "$@"
  timings+=("$(printf '%5d s  %s' "$((SECONDS - started))" "$*")")
}
report() { printf '[test] %s\n' "${timings[@]}"; }
trap report EXIT

stage bash scripts/setup.sh
stage npm test
stage npm run test:node24
if [ "${LABBOOK_SKIP_E2E:-}" != "1" ]; then
  stage npm run test:webview
  stage npm run test:e2e
  stage npm run test:e2e:current
fi
