#!/usr/bin/env bash
# `make run`: dev certificates, an admin password, and pactad on 127.0.0.1:7443
# with its data under .dev/ (git-ignored).  Prints how to connect, then runs the
# server until Ctrl-C; where a display exists ($DISPLAY or $WAYLAND_DISPLAY)
# it also opens pacta-desk logged in as admin.
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
# A dev backup key, so the daily backup works out of the box (backups in
# .dev/data/backups; keep this key: without it they cannot be restored).
if [ ! -s "$dev/backup.key" ]; then
  (umask 077; openssl rand -hex 32 > "$dev/backup.key")
fi
port=${PACTA_PORT:-7443}
url="wss://localhost:$port"
cat <<TXT

PACTA dev server: $url   (data in $dev/data, certificates in $dev/certs,
backup key in $dev/backup.key)
Connect from another terminal:

  export PACTA_URL=$url PACTA_CA=$dev/certs/ca.pem PACTA_USER=admin
  export PACTA_PASSWORD=\$(cat $dev/admin-password)
  $top/$BUILD/bin/pactactl contracts list
  $top/$BUILD/bin/pactactl watch

Stop the server with Ctrl-C.

TXT
server_args=(--data-dir "$dev/data" --listen "127.0.0.1:$port"
  --cert "$dev/certs/server.pem" --key "$dev/certs/server.key"
  --backup-key-file "$dev/backup.key")
desk="$top/$BUILD/bin/pacta-desk"
if [ -z "${DISPLAY:-}${WAYLAND_DISPLAY:-}" ] || [ ! -x "$desk" ] || [ -n "${PACTA_NO_DESK:-}" ]; then
  PACTA_ADMIN_PASSWORD=$(cat "$dev/admin-password") exec "$top/$BUILD/bin/pactad" "${server_args[@]}"
fi

# A display: run the server in the background and open the desk client on
# it, logged in as admin.  URL, CA, user and password reach the desk through
# its environment only (it does not save them).
PACTA_ADMIN_PASSWORD=$(cat "$dev/admin-password") "$top/$BUILD/bin/pactad" "${server_args[@]}" &
server=$!
trap 'kill "$server" 2>/dev/null || true; wait "$server" 2>/dev/null || true' EXIT INT TERM
for _ in $(seq 100); do
  (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && break
  kill -0 "$server" 2>/dev/null || exit 1
  sleep 0.1
done
PACTA_URL=$url PACTA_CA="$dev/certs/ca.pem" PACTA_USER=admin \
  PACTA_PASSWORD=$(cat "$dev/admin-password") "$desk" &
echo "pacta-desk started, logged in as admin (set PACTA_NO_DESK=1 for the server alone)."
wait "$server"
