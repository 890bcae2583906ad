# The three servers of the fan-out comparison, as bench/run.sh and
# bench/lg_cost.sh start them (sourced, not run), and the setup both share
# (bench_setup).  Expects: top, bin, peers, PORT; bench_setup makes tmp
# (with certs/), ADMIN_PW, SRV (the taskset prefix, maybe empty) and the
# array pids (every server started is added to it for the cleanup).
# bench_setup NAME: SRV and LG, the taskset prefixes of the servers (CPU 0)
# and the load generator (CPU 1) when there are two CPUs and taskset, and
# `pinning` saying which; tmp, a fresh /tmp/pacta-NAME.* removed at exit
# with every process in pids killed; dev certificates in tmp/certs, CA;
# ADMIN_PW for pactad's admin.
bench_setup() {
  SRV=(); LG=()
  if [ "$(nproc)" -ge 2 ] && command -v taskset >/dev/null; then
    SRV=(taskset -c 0); LG=(taskset -c 1)
    pinning="servers pinned to CPU 0, load generator to CPU 1 (taskset)"
  else
    pinning="not pinned (fewer than 2 CPUs or no taskset)"
  fi
  tmp=$(mktemp -d "/tmp/pacta-$1.XXXXXX")
  pids=()
  trap bench_cleanup EXIT
  bash "$top/certs/gen-dev-certs.sh" "$tmp/certs" >/dev/null
  CA=$tmp/certs/ca.pem
  ADMIN_PW=bench-admin-$RANDOM$RANDOM
}
bench_cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$tmp"
}
wait_port() {
  for _ in $(seq 100); do
    (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null && return 0
    sleep 0.1
  done
  echo "bench: nothing listens on port $1" >&2; exit 1
}
server_pid=0
# start_server pacta|sio|nats [ENV=VALUE...]: sets server_pid
start_server() {
  local kind=$1; shift
  case $kind in
  pacta)
    rm -rf "$tmp/data"
    env PACTA_ADMIN_PASSWORD="$ADMIN_PW" "$@" "${SRV[@]}" "$bin/pactad" --data-dir "$tmp/data" \
      --listen "127.0.0.1:$PORT" --cert "$tmp/certs/server.pem" --key "$tmp/certs/server.key" \
      --rate 0 --max-conns-per-user 0 --log-level warn >>"$tmp/pactad.log" 2>&1 &
    ;;
  sio)
    "${SRV[@]}" node "$peers/socketio/server.js" "$PORT" "$tmp/certs/server.pem" \
      "$tmp/certs/server.key" >>"$tmp/sio.log" 2>&1 &
    ;;
  nats)
    cat >"$tmp/nats.conf" <<EOF
listen: "127.0.0.1:-1"
max_payload: 1048576
websocket {
  listen: "127.0.0.1:$PORT"
  tls { cert_file: "$tmp/certs/server.pem", key_file: "$tmp/certs/server.key" }
  compression: false
}
EOF
    "${SRV[@]}" nats-server -c "$tmp/nats.conf" >>"$tmp/nats.log" 2>&1 &
    ;;
  esac
  server_pid=$!
  pids+=("$server_pid")
  wait_port "$PORT"
}
stop_server() {
  kill "$server_pid" 2>/dev/null || true
  wait "$server_pid" 2>/dev/null || true
  sleep 0.3
}
label() { case $1 in pacta) echo pactad ;; sio) echo socket.io ;; nats) echo nats-server ;; esac; }
