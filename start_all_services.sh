#!/usr/bin/env bash
# Start SkillShift in the foreground: Redis (when none is configured or running),
# the API (gunicorn with uvicorn workers) and one analysis worker per GPU (one on CPU).
# Ctrl-C or SIGTERM stops every process this script started.
set -euo pipefail
cd "$(dirname "$0")"
source scripts/bootstrap.sh
bootstrap_venv worker

HOST=${HOST:-127.0.0.1}
PORT=${PORT:-8000}
API_PROCESSES=${API_PROCESSES:-2}
REDIS_PORT=${REDIS_PORT:-6379}
PY=.venv/bin/python
pids=()
redis_pid=

stop_all() {
    trap - INT TERM EXIT
    local services=()
    local pid
    for pid in "${pids[@]}"; do
        [[ $pid == "$redis_pid" ]] || services+=("$pid")
    done
    if ((${#services[@]})); then
        echo "stopping ${#services[@]} processes"
        kill -TERM "${services[@]}" 2>/dev/null || true
        wait "${services[@]}" 2>/dev/null || true
    fi
    # Redis goes last: a worker finishing its job still writes the result there.
    if [[ -n $redis_pid ]]; then
        echo "stopping Redis"
        kill -TERM "$redis_pid" 2>/dev/null || true
        wait "$redis_pid" 2>/dev/null || true
    fi
}
trap 'stop_all; exit 0' INT TERM
trap stop_all EXIT

redis_answers() {
    "$PY" -c "import socket,sys; s=socket.create_connection(('127.0.0.1', $REDIS_PORT), 1); s.sendall(b'PING\r\n'); sys.exit(0 if s.recv(8).startswith(b'+PONG') else 1)" 2>/dev/null
}

if [[ -z "${REDIS_URL:-}" ]]; then
    if redis_answers; then
        echo "using the Redis server already on 127.0.0.1:$REDIS_PORT"
    else
        mkdir -p var/redis
        # In a session of its own, so that Ctrl-C in the terminal does not stop Redis before the others.
        setsid "$PY" -m shared.redis_server --port "$REDIS_PORT" --dir var/redis >> var/redis/server.log 2>&1 &
        redis_pid=$!
        pids+=("$redis_pid")
        "$PY" -c "from shared.redis_server import wait_until_ready; wait_until_ready($REDIS_PORT)"
        echo "started Valkey on 127.0.0.1:$REDIS_PORT (data in var/redis)"
    fi
    export REDIS_URL=redis://127.0.0.1:$REDIS_PORT/0
fi

gpus=0
if command -v nvidia-smi > /dev/null 2>&1; then
    gpus=$(nvidia-smi -L 2>/dev/null | grep -c '^GPU' || true)
fi
if ((gpus > 0)); then
    for ((gpu = 0; gpu < gpus; gpu++)); do
        CUDA_VISIBLE_DEVICES=$gpu SKILLSHIFT_DEVICE=${SKILLSHIFT_DEVICE:-cuda:0} "$PY" -m workers &
        pids+=($!)
    done
    echo "started $gpus workers, one per GPU"
else
    "$PY" -m workers &
    pids+=($!)
    echo "started 1 worker on the CPU"
fi

export PROMETHEUS_MULTIPROC_DIR=$PWD/var/prometheus
rm -rf "$PROMETHEUS_MULTIPROC_DIR" && mkdir -p "$PROMETHEUS_MULTIPROC_DIR"
.venv/bin/gunicorn api.main:app \
    --config python:api.gunicorn_conf \
    --workers "$API_PROCESSES" \
    --bind "$HOST:$PORT" \
    --graceful-timeout 10 \
    --access-logfile - &
pids+=($!)

echo "SkillShift dashboard: http://$HOST:$PORT/   (Redis: ${REDIS_URL%%@*}; Ctrl-C stops everything)"
status=0
wait -n "${pids[@]}" || status=$?
echo "a SkillShift process exited (status $status); stopping the others"
# An unexpected exit is a failure even when the process itself exited with status 0.
exit $((status == 0 ? 1 : status))
