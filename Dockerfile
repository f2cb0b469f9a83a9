# paasbot: one GitHub App process (webhook intake + workers). Configure it with environment variables
# (APP_ID, PRIVATE_KEY or PRIVATE_KEY_PATH, WEBHOOK_SECRET, GHE_HOST, DATABASE_URL, ...: `paasbot serve
# --help`). See docs/deploy.md; deploy/kubernetes/ has manifests that run this image.
#
# The base image is pinned to a Python patch release and a Debian release. To pin it to a digest, or to
# pull it through a registry mirror, pass the full reference:
#   docker build --build-arg PYTHON_IMAGE=mirror.example.com/python:3.11.14-slim-bookworm@sha256:... .
ARG PYTHON_IMAGE=python:3.11.14-slim-bookworm

FROM ${PYTHON_IMAGE} AS build
ENV PIP_DISABLE_PIP_VERSION_CHECK=1
WORKDIR /src
# setup.py maps the top-level rules/ folder (the built-in presets) into the wheel as app.presets.
COPY pyproject.toml setup.py README.md ./
COPY rules ./rules
COPY app ./app
# A virtual environment, copied whole into the final stage: no wheel files or pip cache left in a layer.
RUN python -m venv /opt/paasbot \
    && /opt/paasbot/bin/pip install --no-cache-dir . \
    && /opt/paasbot/bin/python -c "import importlib.resources as r; assert r.files('app.presets').joinpath('minimal.yml').is_file()"

FROM ${PYTHON_IMAGE}
ENV PATH=/opt/paasbot/bin:$PATH \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PORT=3000
# A numeric user, so that Kubernetes' runAsNonRoot can verify it without runAsUser.
RUN groupadd --gid 10001 paasbot \
    && useradd --create-home --uid 10001 --gid 10001 --shell /usr/sbin/nologin paasbot
COPY --from=build /opt/paasbot /opt/paasbot
USER 10001:10001
WORKDIR /home/paasbot
# The app manifest the /setup page registers (setup mode: `paasbot serve` without credentials).
COPY app.yml ./app.yml
EXPOSE 3000
# /healthz: the process answers. (/readyz also pings the database: the orchestrator's readiness probe.)
HEALTHCHECK --interval=30s --timeout=3s --start-period=10s --retries=3 \
    CMD ["python", "-c", "import os, urllib.request; urllib.request.urlopen(f'http://127.0.0.1:{os.environ.get(\"PORT\", \"3000\")}/healthz', timeout=2)"]
# Migrates the database schema at start (`paasbot db upgrade`); pass --no-migrate when a separate
# step (an init container, a Job) runs `paasbot db upgrade` first.
CMD ["paasbot", "serve"]
