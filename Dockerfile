# The portal's image: gunicorn serving portal:create_app() as an unprivileged user.
#   docker build -t ehrenamtsportal .
# The same image runs the app (default command), the migrations (`flask db upgrade`), the
# outbox worker and the scheduler; see compose.yaml. Configuration comes only from the
# environment (portal/config.py, gunicorn.conf.py).
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    FLASK_APP=portal:create_app \
    PORTAL_ENV=production

WORKDIR /app

# The PDFs embed DejaVu Sans (PDF/UA); it also has the Arabic and Persian letters of the posters.
RUN apt-get update \
    && apt-get install -y --no-install-recommends fonts-dejavu-core \
    && rm -rf /var/lib/apt/lists/*

COPY requirements.txt .
RUN pip install -r requirements.txt

COPY babel.cfg gunicorn.conf.py ./
COPY portal portal
COPY migrations migrations
COPY templates templates
COPY static static
COPY translations translations
# Compiled message catalogs are build output, not part of the repository.
RUN pybabel compile --use-fuzzy -d translations \
    && useradd --system --uid 10001 --home-dir /app --shell /usr/sbin/nologin portal \
    && mkdir -p /app/instance \
    && chown portal /app/instance

USER portal
EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=5s --retries=3 \
    CMD ["python", "-c", "import urllib.request; urllib.request.urlopen('http://localhost:8000/healthz', timeout=4)"]
CMD ["gunicorn", "-c", "gunicorn.conf.py"]
