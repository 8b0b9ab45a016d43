#!/usr/bin/env bash
# One command from a fresh clone to Labbook running in a real VS Code in your browser:
# installs what is missing, packs the extension, starts code-server on 127.0.0.1:$PORT (default 8080) with Labbook
# installed and a copy of examples/ open, records one example training run, and prints the address to open.
# Runs until Ctrl-C. DEMO_EXIT_AFTER_START=1 stops it once everything is up (a CI smoke check).
# State lives in $LABBOOK_DEMO_DIR (default ./.demo): the workspace and its runs are kept between demos;
# DEMO_FRESH=1 starts from a new copy of examples/.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# shellcheck source=scripts/setup-e2e.sh
source "$ROOT/scripts/setup-e2e.sh"   # setup_e2e, install_apt_packages, die

PORT="${PORT:-8080}"
DEMO_DIR="${LABBOOK_DEMO_DIR:-$ROOT/.demo}"
WORKSPACE="$DEMO_DIR/workspace"
PYTHON=/usr/bin/python3   # Debian's: the one python3-sklearn installs into
# PORT and VSCODE_IPC_HOOK_CLI must not reach code-server: the first overrides bind-addr (the config carries the
# port), the second makes it hand the request to the VS Code whose terminal started the demo.
CODE_SERVER=(env -u PORT -u VSCODE_IPC_HOOK_CLI node "$ROOT/test/e2e/node_modules/code-server/out/node/entry.js"
  --config "$DEMO_DIR/config.yaml" --user-data-dir "$DEMO_DIR/user-data" --extensions-dir "$DEMO_DIR/extensions")
SERVER_PID=""

say() { printf '[demo] %s\n' "$*"; }

install_root_modules() {
  if [ ! -d "$ROOT/node_modules" ]; then
    say "npm ci (root)"
    (cd "$ROOT" && npm ci --no-audit --no-fund --loglevel=error)
  fi
  (cd "$ROOT" && node -e "new (require('better-sqlite3'))(':memory:').close()") 2>/dev/null \
    || die "better-sqlite3 did not build in node_modules: run 'npm rebuild better-sqlite3' (npm 11.19+ builds it only when package.json's allowScripts lists it)"
}

make_workspace() {
  if [ -n "${DEMO_FRESH:-}" ]; then rm -rf "$WORKSPACE"; fi
  if [ -d "$WORKSPACE" ]; then
    say "reusing workspace $WORKSPACE (DEMO_FRESH=1 for a new copy)"
    return
  fi
  mkdir -p "$WORKSPACE"
  cp -R "$ROOT/examples/." "$WORKSPACE/"
  rm -rf "$WORKSPACE/.labbook"
  say "workspace: $WORKSPACE (a copy of examples/)"
}

write_code_server_config() {
  mkdir -p "$DEMO_DIR/user-data/User" "$DEMO_DIR/extensions"
  printf 'bind-addr: 127.0.0.1:%s\nauth: none\ncert: false\n' "$PORT" >"$DEMO_DIR/config.yaml"
  local settings="$DEMO_DIR/user-data/User/settings.json"
  [ -f "$settings" ] || cat >"$settings" <<'JSON'
{
  "workbench.startupEditor": "none",
  "telemetry.telemetryLevel": "off",
  "update.mode": "none",
  "extensions.autoCheckUpdates": false,
  "security.workspace.trust.enabled": false,
  "labbook.python.path": "/usr/bin/python3"
}
JSON
}

answers() {
  node -e "fetch(process.argv[1]).then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))" "$1"
}

stop_server() {
  [ -n "$SERVER_PID" ] || return 0
  kill -TERM -- "-$SERVER_PID" 2>/dev/null || true
  wait "$SERVER_PID" 2>/dev/null || true
  SERVER_PID=""
}

start_code_server() {
  local url="http://127.0.0.1:$PORT" log="$DEMO_DIR/code-server.log" deadline=$((SECONDS + 60))
  ! answers "$url/healthz" || die "something already answers on $url: stop it or pick another port with PORT=..."
  # Its own session (and so process group): stop_server ends code-server with its extension host and terminals.
  setsid "${CODE_SERVER[@]}" --disable-telemetry --disable-update-check --disable-workspace-trust --disable-getting-started-override >"$log" 2>&1 &
  SERVER_PID=$!
  trap stop_server EXIT
  trap 'exit 130' INT TERM
  until answers "$url/healthz"; do
    kill -0 "$SERVER_PID" 2>/dev/null || { cat "$log" >&2; die "code-server exited"; }
    [ "$SECONDS" -lt "$deadline" ] || { cat "$log" >&2; die "code-server did not answer on $url within 60 s"; }
    sleep 0.3
  done
}

record_example_run() {
  [ -f "$ROOT/dist/cli.js" ] || die "dist/cli.js is missing: the build (npm ci runs it) failed"
  say "recording an example run: labbook run -- $PYTHON iris/train.py"
  (cd "$WORKSPACE" && node "$ROOT/dist/cli.js" run -- "$PYTHON" iris/train.py && node "$ROOT/dist/cli.js" ls)
}

main() {
  install_apt_packages python3-sklearn
  install_root_modules
  setup_e2e
  mkdir -p "$DEMO_DIR"
  bash "$ROOT/scripts/package-vsix.sh" --out "$DEMO_DIR/labbook.vsix" >"$DEMO_DIR/package.log" 2>&1 \
    || { cat "$DEMO_DIR/package.log" >&2; die "packaging failed"; }
  say "$(tail -n 1 "$DEMO_DIR/package.log")"
  make_workspace
  write_code_server_config
  "${CODE_SERVER[@]}" --force --install-extension "$DEMO_DIR/labbook.vsix" >/dev/null
  start_code_server
  record_example_run
  local address="http://127.0.0.1:$PORT/?folder=$WORKSPACE"
  say "Labbook is running in VS Code: open $address"
  say "(the Labbook flask icon is in the activity bar; on a remote machine forward port $PORT first, e.g. ssh -L $PORT:127.0.0.1:$PORT)"
  if [ -n "${DEMO_EXIT_AFTER_START:-}" ]; then
    answers "$address" || die "the workbench page did not load"
    say "DEMO_EXIT_AFTER_START is set: stopping"
    return
  fi
  say "Ctrl-C stops it (code-server's log: $DEMO_DIR/code-server.log)"
  wait "$SERVER_PID"
}

main "$@"
