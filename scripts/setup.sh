#!/usr/bin/env bash
# Installs everything Labbook's tests and demo need on a fresh Debian machine (run as root, or with sudo).
# Idempotent: a second run skips what is already there.
set -euo pipefail
cd "$(dirname "$0")/.."

APT_PACKAGES=(git prometheus python3 python3-debugpy python3-ipykernel python3-joblib python3-jupyter-client python3-numpy python3-omegaconf python3-optuna python3-pandas python3-scipy python3-sklearn python3-yaml)

missing=()
for pkg in "${APT_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "setup: installing Debian packages: ${missing[*]}"
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  # Another apt may hold the lock (unattended upgrades, a parallel setup): wait for it rather than fail.
  $SUDO apt-get -o DPkg::Lock::Timeout=600 update -q
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get -o DPkg::Lock::Timeout=600 install -y -q --no-install-recommends "${missing[@]}"
fi

if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  echo "setup: npm ci"
  npm ci --no-fund --no-audit
fi

# Node 24 (project-local, for `npm run test:node24` and code-server 4.139.1); needs the root node_modules.
bash scripts/setup-node24.sh >/dev/null

if [ "${LABBOOK_SKIP_E2E:-}" != "1" ]; then
  bash scripts/setup-e2e.sh all   # code-server 4.100.3 (Node 20) and 4.139.1 (Node 24)
fi
