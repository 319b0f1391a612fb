#!/usr/bin/env bash
# Every install step a fresh machine needs, idempotent and quick when nothing is missing.
#  - npm dependencies installed by npm running on Node 22: npm on Node 20 silently drops Hardhat's
#    native runtime (@nomicfoundation/edr-linux-x64-gnu, engines node >= 22), see shared/RECIPES.md.
#  - with --browser: Debian's Chromium for the end-to-end tests (Playwright cannot download browsers here).
set -euo pipefail
cd "$(dirname "$0")/.."

NODE22="node@22.23.3"
need_install=0
[[ -x node_modules/.bin/node ]] || need_install=1
[[ -d node_modules/@nomicfoundation/edr-linux-x64-gnu ]] || need_install=1
[[ -x node_modules/.bin/hardhat && -x node_modules/.bin/vite && -x node_modules/.bin/tsx ]] || need_install=1
if [[ -f node_modules/.package-lock.json && package-lock.json -nt node_modules/.package-lock.json ]]; then need_install=1; fi
if ((need_install)); then
  echo "setup: installing dependencies with npm on Node 22" >&2
  # `npm install` from the committed lock, not `npm ci`: npm 11.19 leaves other platforms' optional
  # packages (edr-darwin-*, rollup-android-*, ...) out of the lock it writes, and `npm ci` then rejects
  # that same lock as "out of sync". `npm install` installs exactly the locked versions for this platform.
  npx -y -p "$NODE22" -- npm install --no-audit --no-fund --loglevel=error
fi

if [[ "${1:-}" == "--browser" ]]; then
  if [[ ! -x "${CHROMIUM_PATH:-/usr/bin/chromium}" ]]; then
    echo "setup: installing Debian's Chromium for the end-to-end tests" >&2
    if [[ $(id -u) -eq 0 ]]; then
      apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
    else
      sudo apt-get update -qq && sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
    fi
  fi
fi
