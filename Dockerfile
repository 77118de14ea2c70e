# Causerie: gunicorn serving the app as a non-root user; migrations run at every start.
#
#   docker build -t causerie .
#   docker run -p 8000:8000 -v causerie-data:/data -e SECRET_KEY=... causerie
#
# Every setting is an environment variable (see README.md); DATABASE_URL defaults to a
# SQLite file on the /data volume, PORT and WEB_CONCURRENCY (gunicorn workers) below.
# Set SECRET_KEY: without it a new one is made in /app/instance at each container start.
# A folder bind-mounted on /data must be writable by uid 10001 (a named volume is as is).
#
# Notifications (e-mails, webhooks) are delivered by a second process of the same image,
# sharing the database (see docs/notifications.md; on SQLite, run exactly one):
#
#   docker run -v causerie-data:/data -e SECRET_KEY=... -e MAIL_SERVER=... causerie \
#       flask --app wsgi worker
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

WORKDIR /app

# Dependencies first, from requirements.txt alone, so code changes reuse this layer.
COPY requirements.txt .
RUN pip install -r requirements.txt

COPY . .
RUN pybabel compile -d service/translations \
    && useradd --system --uid 10001 --home-dir /app --shell /usr/sbin/nologin causerie \
    && mkdir -p /data /app/instance \
    && chown causerie:causerie /data /app/instance

ENV DATABASE_URL=sqlite:////data/causerie.db \
    PORT=8000 \
    WEB_CONCURRENCY=2 \
    PROMETHEUS_MULTIPROC_DIR=/tmp/causerie-metrics

USER causerie
VOLUME ["/data"]
EXPOSE 8000

HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
    CMD python -c "import os, urllib.request; urllib.request.urlopen('http://127.0.0.1:%s/healthz' % os.environ.get('PORT', '8000'), timeout=4)" || exit 1

# Migrate, then let gunicorn replace the shell (PID 1, so it receives docker stop's SIGTERM).
# Its settings (gevent workers, request limits, timeouts; WEB_CONCURRENCY workers) are in
# gunicorn.conf.py, as for `make run`; only the bind address differs.
# The metrics folder is emptied first: every worker of this start writes its own file there.
CMD rm -rf "$PROMETHEUS_MULTIPROC_DIR" && mkdir -p "$PROMETHEUS_MULTIPROC_DIR" \
    && flask --app wsgi db upgrade \
    && exec gunicorn --bind "0.0.0.0:$PORT" --worker-tmp-dir /dev/shm wsgi:app
