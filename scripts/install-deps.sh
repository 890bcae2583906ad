#!/usr/bin/env bash
# Install every build and test dependency of PACTA from Debian 12's archive.
# Idempotent and quiet when everything is present; needs root (or sudo) only
# when something is missing.
set -euo pipefail

PKGS=(
  build-essential cmake pkg-config git ca-certificates openssl
  libwebsockets-dev libwebsockets-evlib-uv libuv1-dev
  libsqlite3-dev sqlite3 libjansson-dev libssl-dev libargon2-dev libzstd-dev
  clang-format clang libfuzzer-14-dev
  libwebsockets-evlib-glib libglib2.0-dev libglib2.0-dev-bin
  libgtk-4-dev libadwaita-1-dev xvfb xauth desktop-file-utils dbus-daemon
  libxtst6
  libxlsxwriter-dev libcairo2-dev libpango1.0-dev fonts-dejavu-core poppler-utils unzip
  libxml2-utils
  valgrind
)

missing=()
for p in "${PKGS[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
    missing+=("$p")
  fi
done
[ ${#missing[@]} -eq 0 ] && exit 0

SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1; then SUDO="sudo"; else
    echo "install-deps: need root to install: ${missing[*]}" >&2
    exit 1
  fi
fi
echo "install-deps: installing ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq >/dev/null
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
