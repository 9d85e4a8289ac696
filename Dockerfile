# syntax=docker/dockerfile:1
#
# Production image for the postmortems app: web (gunicorn), Celery worker and beat
# all run from this one image; docker-compose.yml picks the command per service.

# ---- build: install the project and its pinned dependencies into a virtualenv ----
FROM python:3.11.11-slim-bookworm AS build

ENV PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PYTHONDONTWRITEBYTECODE=1

RUN python -m venv /opt/venv
ENV PATH=/opt/venv/bin:$PATH

WORKDIR /src
# README.md is the project's `readme`, so setuptools needs it to build the package.
COPY pyproject.toml requirements.lock README.md ./
COPY config ./config
COPY lib ./lib
COPY audit ./audit
COPY accounts ./accounts
COPY postmortems ./postmortems
RUN pip install -c requirements.lock .

# ---- runtime: the virtualenv plus the app tree, run as an unprivileged user ----
FROM python:3.11.11-slim-bookworm AS runtime

# Settings derive BASE_DIR (templates/, static/) from config/settings.py's location,
# so the app runs from its source tree in /app: PYTHONPATH puts /app ahead of the
# copy pip installed into site-packages, for manage.py, gunicorn and celery alike.
ENV PATH=/opt/venv/bin:$PATH \
    PYTHONPATH=/app \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    DATA_DIR=/app/data

RUN groupadd --system --gid 10001 app \
    && useradd --system --uid 10001 --gid app --home-dir /app --no-create-home \
        --shell /usr/sbin/nologin app

WORKDIR /app
COPY --from=build /opt/venv /opt/venv
COPY manage.py ./
COPY config ./config
COPY lib ./lib
COPY audit ./audit
COPY accounts ./accounts
COPY postmortems ./postmortems
COPY templates ./templates
COPY static ./static
# DATA_DIR must exist and belong to `app`: a named volume mounted here starts as a
# copy of it (owner included), and collected static files live under it.
RUN mkdir -p /app/data && chown app:app /app/data

USER app

# The key only satisfies settings at build time; it is never used at run time.
RUN SECRET_KEY=build-only-not-secret python manage.py collectstatic --noinput

EXPOSE 8000

# gunicorn reads WEB_CONCURRENCY from the environment for its worker count. The app
# writes its own access log (config/middleware.py), so gunicorn's stays off.
CMD ["gunicorn", "-c", "python:config.gunicorn", "config.wsgi:application", "--bind", "0.0.0.0:8000"]
