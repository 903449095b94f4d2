#!/usr/bin/env bash
# Installs what quanyu needs to build, test and run, from Debian 12 packages only.
# Idempotent: packages already installed are skipped; nothing is downloaded otherwise.
set -euo pipefail

PACKAGES=(
  g++ clang libclang-rt-dev cmake ninja-build ccache pkg-config make python3
  libboost-dev libsodium-dev libssl-dev nlohmann-json3-dev libsqlite3-dev sqlite3
  libspdlog-dev libfmt-dev libcli11-dev zlib1g-dev
  libgtest-dev libgmock-dev libbenchmark-dev
  libosmium2-dev libprotozero-dev libexpat1-dev libbz2-dev
  osmium-tool clang-format curl bc libxml2-utils
)

missing=()
for p in "${PACKAGES[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

if [ ${#missing[@]} -eq 0 ]; then
  echo "setup: all ${#PACKAGES[@]} packages present"
  exit 0
fi

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
