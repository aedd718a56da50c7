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
ENV API_PROCESSES=2 MALLOC_ARENA_MAX=2
CMD ["sh", "-c", "exec gunicorn api.main:app --worker-class uvicorn.workers.UvicornWorker --workers ${API_PROCESSES} --bind 0.0.0.0:8000 --graceful-timeout 10 --no-control-socket --access-logfile -"]
