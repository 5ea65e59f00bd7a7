#!/usr/bin/env bash
# One entry point for a fresh Debian machine with Node 20:
#   bash scripts/vigil.sh start   install what is missing, build, start Vigil on the embedded default
#   bash scripts/vigil.sh test    install what is missing (incl. Chromium), run every test
set -euo pipefail
cd "$(dirname "$0")/.."

cmd="${1:-}"
case "$cmd" in
  start|test) ;;
  *) echo "usage: bash scripts/vigil.sh start|test" >&2; exit 2 ;;
esac

packages=()
command -v redis-server >/dev/null 2>&1 || packages+=(redis-server)
if [ "$cmd" = test ] && [ ! -x /usr/bin/chromium ]; then packages+=(chromium); fi
if [ "${#packages[@]}" -gt 0 ]; then
  echo "Installing ${packages[*]} from Debian's packages…"
  sudo_cmd=""
  [ "$(id -u)" -ne 0 ] && sudo_cmd="sudo"
  $sudo_cmd apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq --no-install-recommends "${packages[@]}" >/dev/null
fi

# Install node modules when they are missing or older than the lock file. `npm install` rather than `npm ci`:
# the lock file holds only the platform packages the registry serves (no macOS builds of some native modules),
# and `npm ci` refuses such a lock even though nothing it needs is missing; `npm install` keeps the locked versions.
if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  npm install --no-audit --no-fund
fi

exec npm "$cmd"
