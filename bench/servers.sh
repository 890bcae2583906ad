# The three servers of the fan-out comparison, as bench/run.sh and
# bench/lg_cost.sh start them (sourced, not run).  Expects: top, bin, peers,
# tmp (with certs/ from certs/gen-dev-certs.sh), PORT, ADMIN_PW, SRV (the
# taskset prefix, maybe empty) and the array pids (every server started is
# added to it for the caller's cleanup).
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
