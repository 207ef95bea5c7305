# campaigns: the web server, the workers, cron and the CLI in one image.
#
#   docker build -t campaigns .
#   docker run --rm campaigns campaigns --help
#
# The default command is the web server; `campaigns worker`, `campaigns cron` and
# `campaigns db upgrade` run from the same image (compose.yaml does, docs/deploy.md).

# The Python the test suite runs on.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

# A fixed, numeric id: Kubernetes' runAsNonRoot can only check a number.
RUN groupadd --system --gid 10001 campaigns \
    && useradd --system --uid 10001 --gid campaigns --home-dir /var/lib/campaigns \
        --shell /usr/sbin/nologin campaigns

WORKDIR /app
COPY pyproject.toml README.md ./
COPY campaigns/ campaigns/
COPY templates/ templates/
COPY static/ static/
COPY wsgi.py worker.py ./

# Installed in place (editable), as the README's install is: the app finds templates/ and
# static/ beside the package folder, and a wheel would carry only the package.
RUN pip install --editable . \
    && python -m compileall -q campaigns wsgi.py worker.py \
    && mkdir -p /var/lib/campaigns \
    && chown campaigns:campaigns /var/lib/campaigns

# This container's own folder (the instance folder). On several machines nothing in it is
# shared: files go to the bucket STORAGE_URL names.
ENV INSTANCE_PATH=/var/lib/campaigns \
    PORT=8000 \
    WEB_CONCURRENCY=4

USER 10001:10001
EXPOSE 8000

# Liveness only: /healthz touches neither the database nor Redis, so an outage of either
# does not get every web container restarted. Load balancers ask /readyz.
HEALTHCHECK --interval=15s --timeout=3s --start-period=30s --retries=3 \
    CMD ["python", "-c", "import os, urllib.request; urllib.request.urlopen('http://127.0.0.1:%s/healthz' % os.environ.get('PORT', '8000'), timeout=2)"]

# gunicorn listens on 0.0.0.0:$PORT (a platform may set PORT) with $WEB_CONCURRENCY workers;
# the config sums /metrics across them and makes gunicorn's lines JSON with LOG_FORMAT=json.
# Its worker heartbeat files go to memory, not the container's layered disk.
CMD ["gunicorn", "--config", "python:campaigns.monitoring.gunicorn_config", "--worker-tmp-dir", "/dev/shm", "--access-logfile", "-", "campaigns:served_app()"]
