#!/usr/bin/env bash
# `npm run test:node24`: the unit and integration tests (no typecheck or lint: those do not depend on the Node that runs
# them) under the project-local Node 24, once per SQLite driver the store can use there:
#   LABBOOK_SQLITE_DRIVER=node:sqlite      Node's built-in SQLite (what the store picks by itself under Node 24);
#   LABBOOK_SQLITE_DRIVER=better-sqlite3   with LABBOOK_BETTER_SQLITE3_BINDING = better-sqlite3 built for Node 24
#                                          (node_modules holds the Node 20 build, which Node 24 cannot load).
# Installs Node 24 first (scripts/setup-node24.sh). The root node_modules (tsx, esbuild) serve both Nodes.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
cd "$ROOT"

# shellcheck source=scripts/setup-node24.sh
source "$ROOT/scripts/setup-node24.sh"   # NODE24, NODE24_BETTER_SQLITE3, setup_node24
setup_node24 >/dev/null
# Some tests spawn dist/cli.js; build it with the tools as they are (esbuild's output does not depend on the Node).
npm run --silent build

run_suites() {
  local driver="$1" started=$SECONDS
  printf '[test-node24] Node %s, LABBOOK_SQLITE_DRIVER=%s\n' "$(node --version)" "$driver"
  npm run --silent test:unit
  npm run --silent test:integration
  printf '[test-node24] Node 24 with %s passed in %d s\n' "$driver" "$((SECONDS - started))"
}

# Node 24 first on PATH: npm, `node --import tsx --test` and every `node` the tests spawn run under it. The driver
# variables pass down to child processes (the CLI, the runner, worker threads) too.
export PATH="$(dirname "$NODE24"):$PATH"
LABBOOK_SQLITE_DRIVER=node:sqlite run_suites node:sqlite
LABBOOK_SQLITE_DRIVER=better-sqlite3 LABBOOK_BETTER_SQLITE3_BINDING="$NODE24_BETTER_SQLITE3" run_suites better-sqlite3
