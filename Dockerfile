# syntax=docker/dockerfile:1
# The production image (docs/decisions/0005-one-command-setup.md): Node builds the front-end
# assets, uv installs the locked Python dependencies without the dev group, and the runtime
# image has neither Node nor uv and runs as a user that cannot write the code.
#   docker build -t mavis .    then see docker-compose.yml
ARG PYTHON_VERSION=3.12
ARG NODE_VERSION=24

# 1. Assets: the NHS design system's Sass and scripts into static/dist (as `make assets`).
FROM node:${NODE_VERSION}-slim AS assets
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund --loglevel=error
COPY static ./static
RUN npm run build

# 2. Python dependencies from uv.lock, without the dev group, into /app/.venv.
FROM python:${PYTHON_VERSION}-slim AS python
COPY --from=ghcr.io/astral-sh/uv:0.13 /uv /usr/local/bin/uv
ENV UV_COMPILE_BYTECODE=1 UV_LINK_MODE=copy UV_PYTHON_DOWNLOADS=never UV_PROJECT_ENVIRONMENT=/app/.venv
WORKDIR /app
COPY pyproject.toml uv.lock .python-version ./
RUN uv sync --frozen --no-dev --no-install-project

# 3. Runtime.
FROM python:${PYTHON_VERSION}-slim AS runtime
ENV PATH="/app/.venv/bin:$PATH" \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    DJANGO_SETTINGS_MODULE=mavis.settings \
    MAVIS_ENVIRONMENT=production
RUN groupadd --system --gid 10001 mavis \
    && useradd --system --uid 10001 --gid mavis --home-dir /app --no-create-home --shell /usr/sbin/nologin mavis
WORKDIR /app
COPY --from=python /app/.venv /app/.venv
COPY manage.py ./
COPY mavis ./mavis
COPY patients ./patients
COPY sessions ./sessions
COPY notifications ./notifications
COPY consent ./consent
COPY clinics ./clinics
COPY templates ./templates
COPY static ./static
COPY --from=assets /app/static/dist ./static/dist
# Hashed, compressed copies for WhiteNoise (production serves from STATIC_ROOT). The settings
# refuse to load in production without these three, so the build gives throwaway values.
RUN DJANGO_SECRET_KEY=collectstatic NOTIFY_API_KEY=collectstatic NOTIFY_CALLBACK_TOKEN=collectstatic \
    python manage.py collectstatic --no-input --verbosity 0 --ignore scss
USER mavis
EXPOSE 8000
CMD ["gunicorn", "-c", "python:mavis.gunicorn_config", "mavis.wsgi"]
