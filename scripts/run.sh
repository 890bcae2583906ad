#!/usr/bin/env bash
# `make run`: dev certificates, an admin password, and pactad on 127.0.0.1:7443
# with its data under .dev/ (git-ignored).  Prints how to connect, then runs the
# server in the foreground until Ctrl-C.
set -euo pipefail
BUILD=${1:-build}
top=$(cd "$(dirname "$0")/.." && pwd)
dev="$top/.dev"
mkdir -p "$dev"
chmod 700 "$dev"
bash "$top/certs/gen-dev-certs.sh" "$dev/certs"
if [ ! -s "$dev/admin-password" ]; then
  (umask 077; openssl rand -base64 18 > "$dev/admin-password")
fi
port=${PACTA_PORT:-7443}
url="wss://localhost:$port"
cat <<TXT

PACTA dev server: $url   (data in $dev/data, certificates in $dev/certs)
Connect from another terminal:

  export PACTA_URL=$url PACTA_CA=$dev/certs/ca.pem PACTA_USER=admin
  export PACTA_PASSWORD=\$(cat $dev/admin-password)
  $top/$BUILD/bin/pactactl contracts list
  $top/$BUILD/bin/pactactl watch

Stop the server with Ctrl-C.

TXT
PACTA_ADMIN_PASSWORD=$(cat "$dev/admin-password") exec "$top/$BUILD/bin/pactad" \
  --data-dir "$dev/data" --listen "127.0.0.1:$port" \
  --cert "$dev/certs/server.pem" --key "$dev/certs/server.key"
