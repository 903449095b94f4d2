#!/usr/bin/env bash
# Installs what quanyu needs to build, test and run: Debian 12 packages, then the web front
# end's npm packages exactly as web/package-lock.json pins them.
# Idempotent: what is already installed is skipped; nothing is downloaded otherwise.
set -euo pipefail
cd "$(dirname "$0")/.."

PACKAGES=(
  g++ clang libclang-rt-dev lld cmake ninja-build ccache pkg-config make python3
  libboost-dev libsodium-dev libssl-dev nlohmann-json3-dev libsqlite3-dev sqlite3
  libspdlog-dev libfmt-dev libcli11-dev zlib1g-dev libtcmalloc-minimal4
  libgtest-dev libgmock-dev libbenchmark-dev
  libosmium2-dev libprotozero-dev libexpat1-dev libbz2-dev
  osmium-tool clang-format curl bc libxml2-utils
  fonts-wqy-microhei
)

missing=()
for p in "${PACKAGES[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done
# Node.js and npm build the web front end (Debian's nodejs 18 suffices; a newer Node.js
# already on the machine is used as it is). Chromium runs its browser tests; the CJK font
# (fonts-wqy-microhei, above) makes their screenshots readable.
if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
  missing+=(nodejs npm)
fi
[ -x /usr/bin/chromium ] || missing+=(chromium)

if [ ${#missing[@]} -eq 0 ]; then
  echo "setup: all ${#PACKAGES[@]} packages, Node.js and Chromium present"
else
  SUDO=""
  if [ "$(id -u)" -ne 0 ]; then
    if command -v sudo >/dev/null 2>&1; then SUDO="sudo"; else
      echo "setup: need root (or sudo) to install: ${missing[*]}" >&2
      exit 1
    fi
  fi
  echo "setup: installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
  echo "setup: done"
fi

node_major=$(node -p 'process.versions.node.split(".")[0]')
if [ "$node_major" -lt 18 ]; then
  echo "setup: the web front end needs Node.js 18 or newer; found $(node --version)" >&2
  exit 1
fi
# The front end's packages, when the lock file changed since they were installed.
if [ -f web/package-lock.json ] && { [ ! -f web/node_modules/.package-lock.json ] ||
  [ web/package-lock.json -nt web/node_modules/.package-lock.json ]; }; then
  echo "setup: installing the web front end's npm packages (web/package-lock.json)"
  (cd web && npm ci --no-audit --no-fund --loglevel=error)
fi
