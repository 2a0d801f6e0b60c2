# One image for every caseflow service; the command picks the service:
#   docker run caseflow run intake|deadline|dublin|metrics|clock,  docker run caseflow infra up
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    CASEFLOW_HOME=/var/lib/caseflow

WORKDIR /app
# Dependencies first, so a code change does not reinstall them.
COPY pyproject.toml README.md ./
COPY caseflow ./caseflow
COPY services ./services
COPY scenarios ./scenarios
RUN pip install . \
    && useradd --system --uid 10001 --home-dir /var/lib/caseflow --create-home caseflow

USER caseflow
ENTRYPOINT ["caseflow"]
CMD ["run", "intake"]
