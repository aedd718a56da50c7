# SkillShift API: Starlette under gunicorn with uvicorn workers. No model stack.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1
WORKDIR /app
COPY pyproject.toml README.md ./
COPY api ./api
COPY shared ./shared
COPY workers/__init__.py ./workers/__init__.py
COPY web_ui ./web_ui
RUN pip install . && useradd --system --uid 10001 skillshift

USER skillshift
EXPOSE 8000
# The processes share their Prometheus counters through files in PROMETHEUS_MULTIPROC_DIR.
ENV API_PROCESSES=2 PROMETHEUS_MULTIPROC_DIR=/tmp/prometheus
CMD ["sh", "-c", "rm -rf \"$PROMETHEUS_MULTIPROC_DIR\" && mkdir -p \"$PROMETHEUS_MULTIPROC_DIR\" && exec gunicorn api.main:app --config python:api.gunicorn_conf --workers ${API_PROCESSES} --bind 0.0.0.0:8000 --graceful-timeout 10 --access-logfile -"]
