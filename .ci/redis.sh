# Sourced by .ci/run: make sure a Redis answers and export REDIS_ADDR.
# Uses one on 127.0.0.1:6379 if it answers, else starts redis-server on a
# free loopback port. Debian's redis-server is installed if missing either
# way: the outage and Cluster tests start redis-server processes of their own.
ensure_redis() {
  if ! command -v redis-server >/dev/null 2>&1 || ! command -v redis-cli >/dev/null 2>&1; then
    echo "installing redis-server"
    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq redis-server redis-tools) >/dev/null
  fi
  if [ -n "${REDIS_ADDR:-}" ]; then echo "using REDIS_ADDR=$REDIS_ADDR"; return; fi
  if redis-cli -h 127.0.0.1 -p 6379 ping 2>/dev/null | grep -q PONG; then
    export REDIS_ADDR=127.0.0.1:6379; echo "using Redis on $REDIS_ADDR"; return
  fi
  local port
  port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])' 2>/dev/null || echo 16379)
  redis-server --bind 127.0.0.1 --port "$port" --save '' --appendonly no --daemonize yes >/dev/null
  for _ in $(seq 50); do
    redis-cli -p "$port" ping 2>/dev/null | grep -q PONG && break
    sleep 0.1
  done
  export REDIS_ADDR=127.0.0.1:$port
  echo "started redis-server on $REDIS_ADDR"
}
