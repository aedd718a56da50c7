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
PY=.venv/bin/python
pids=()

stop_all() {
    trap - INT TERM EXIT
    if ((${#pids[@]})); then
        echo "stopping ${#pids[@]} processes"
        kill -TERM "${pids[@]}" 2>/dev/null || true
        wait "${pids[@]}" 2>/dev/null || true
    fi
}
trap 'stop_all; exit 0' INT TERM
trap stop_all EXIT

redis_answers() {
    "$PY" -c "import socket,sys; s=socket.create_connection(('127.0.0.1', 6379), 1); s.sendall(b'PING\r\n'); sys.exit(0 if s.recv(8).startswith(b'+PONG') else 1)" 2>/dev/null
}

if [[ -z "${REDIS_URL:-}" ]]; then
    if redis_answers; then
        echo "using the Redis server already on 127.0.0.1:6379"
    else
        mkdir -p var/redis
        "$PY" -m shared.redis_server --port 6379 --dir var/redis > var/redis/server.log 2>&1 &
        pids+=($!)
        "$PY" -c "from shared.redis_server import wait_until_ready; wait_until_ready(6379)"
        echo "started Valkey on 127.0.0.1:6379 (data in var/redis)"
    fi
    export REDIS_URL=redis://127.0.0.1:6379/0
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
