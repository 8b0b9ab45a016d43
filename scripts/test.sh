#!/usr/bin/env bash
# Runs every test Labbook has: typecheck, lint, unit, integration, webview and real-VS-Code end-to-end tests.
# Installs what they need first (scripts/setup.sh), so it works on a fresh machine.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
npm test
if [ "${LABBOOK_SKIP_E2E:-}" != "1" ]; then
  npm run test:webview
  npm run test:e2e
fi
