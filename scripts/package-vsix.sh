#!/usr/bin/env bash
# Builds the production bundle and packs <name>-<version>.vsix with test/e2e's @vscode/vsce 3.9.2 (4.x needs Node 22).
# esbuild bundles every JS dependency; better-sqlite3 is native and stays external, so the .vsix carries it from the
# root node_modules as built there. It is the SQLite driver only where the runtime lacks node:sqlite (Node 20:
# code-server 4.100.3); desktop VS Code's Electron and Node 22.13+/24 use node:sqlite (src/store/sqlite.ts), so the
# same .vsix runs there. .vscodeignore decides the contents; this script checks them and prints the size.
# --test-hooks builds the pages with their window.labbook* test hooks (the e2e .vsix); the shipped one has none.
# Usage: bash scripts/package-vsix.sh [--out FILE] [--no-build] [--test-hooks]
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VSCE="$ROOT/test/e2e/node_modules/.bin/vsce"
REQUIRED=(
  extension/package.json
  extension/dist/extension.js
  extension/dist/cli.js
  extension/dist/cliMain.js
  extension/dist/web.js
  extension/dist/lsp.js
  extension/dist/seriesWorker.js
  extension/dist/runInTerminal.js
  extension/dist/webview/runsTablePanel.js
  extension/media/base.css
  extension/node_modules/better-sqlite3/package.json
  extension/node_modules/better-sqlite3/lib/index.js
  extension/node_modules/better-sqlite3/build/Release/better_sqlite3.node
  extension/node_modules/bindings/bindings.js
  extension/node_modules/file-uri-to-path/index.js
)
# What the extension ships from the tree. vsce runs in a staging folder holding only these (and node_modules, linked):
# in the repository it would match .vscodeignore against every file of the tree (test/e2e/node_modules alone has
# tens of thousands) and take half a minute. .vscodeignore still filters inside them and picks from node_modules.
SHIPPED=(package.json README.md LICENSE CHANGELOG.md dist media python)
# A node_modules package other than these in the .vsix means .vscodeignore let something through by mistake.
RUNTIME_MODULES='^extension/node_modules/(better-sqlite3|bindings|file-uri-to-path)/'

log() { printf '[package] %s\n' "$*"; }
die() { printf '[package] error: %s\n' "$*" >&2; exit 1; }

list_vsix() {
  python3 -c 'import sys, zipfile; print("\n".join(zipfile.ZipFile(sys.argv[1]).namelist()))' "$1"
}

check_contents() {
  local vsix="$1" entries file unexpected
  entries="$(list_vsix "$vsix")"
  for file in "${REQUIRED[@]}"; do
    grep -qxF "$file" <<<"$entries" || die "$vsix lacks $file"
  done
  unexpected="$(grep '^extension/node_modules/' <<<"$entries" | grep -vE "$RUNTIME_MODULES" || true)"
  [ -z "$unexpected" ] || die "$vsix holds files it should not:"$'\n'"$unexpected"
  log "$(wc -l <<<"$entries") files:"
  sed 's/^/    /' <<<"$entries"
}

# --dependencies: vsce walks the production dependency tree; .vscodeignore keeps only better-sqlite3's runtime files.
# --no-rewrite-relative-links: README links into docs/ stay relative (this .vsix is installed, not published).
pack() {
  local out="$1" stage entry
  stage="$(mktemp -d)"
  for entry in "${SHIPPED[@]}" .vscodeignore; do
    if [ -e "$ROOT/$entry" ]; then cp -R "$ROOT/$entry" "$stage/"; fi
  done
  ln -s "$ROOT/node_modules" "$stage/node_modules"
  (cd "$stage" && "$VSCE" package --allow-missing-repository --skip-license --no-rewrite-relative-links --dependencies --out "$out" >/dev/null) \
    || { rm -rf "$stage"; die "vsce package failed"; }
  rm -rf "$stage"
}

main() {
  local out="" build=1 hooks=""
  while [ $# -gt 0 ]; do
    case "$1" in
      --out) out="$2"; shift 2 ;;
      --no-build) build=0; shift ;;
      --test-hooks) hooks="--test-hooks"; shift ;;
      *) die "unknown argument: $1 (usage: package-vsix.sh [--out FILE] [--no-build] [--test-hooks])" ;;
    esac
  done
  case "$out" in /* | "") ;; *) out="$PWD/$out" ;; esac
  cd "$ROOT"
  [ -x "$VSCE" ] || bash "$ROOT/scripts/setup-e2e.sh"
  node -e "new (require('better-sqlite3'))(':memory:').close()" 2>/dev/null \
    || die "node_modules/better-sqlite3 does not load in $(node --version): run 'npm rebuild better-sqlite3' (or npm ci)"
  [ -n "$out" ] || out="$ROOT/$(node -p 'const p = require("./package.json"); `${p.name}-${p.version}.vsix`')"
  if [ "$build" -eq 1 ]; then
    log "node esbuild.mjs --production $hooks"
    node esbuild.mjs --production $hooks
  fi
  mkdir -p "$(dirname "$out")"
  rm -f "$out"
  pack "$out"
  check_contents "$out"
  log "$out: $(du -k "$out" | cut -f1) KiB"
}

main "$@"
