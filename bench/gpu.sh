#!/usr/bin/env bash
# Measure the pipeline on a CUDA GPU in under 5 minutes: latency of one screenshot alone,
# throughput with micro-batching at several batch sizes, and peak GPU memory.
# Needs .venv with the worker extra installed (./start_all_services.sh or ./run_tests.sh make it)
# and the real samples in tests/data/real (or in $SKILLSHIFT_SAMPLES).
# Usage: bench/gpu.sh [DEVICE]   (DEVICE defaults to cuda:0)
set -euo pipefail
cd "$(dirname "$0")/.."

device=${1:-cuda:0}
python=${PYTHON:-.venv/bin/python}
if ! "$python" -c "import sys, torch; sys.exit(0 if torch.cuda.is_available() else 1)"; then
    echo "error: no CUDA device visible to $python" >&2
    exit 1
fi
nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv,noheader || true
"$python" -c "import torch; print('torch', torch.__version__, 'CUDA', torch.version.cuda)"

timeout 280 "$python" bench/throughput.py --device "$device" --batch-sizes 2,4,8,16,32 --images 64
