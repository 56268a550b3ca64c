FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1
RUN apt-get update && apt-get install -y --no-install-recommends gettext \
    libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-dejavu-core \
    && rm -rf /var/lib/apt/lists/*
RUN useradd --create-home --uid 1000 crm
WORKDIR /app
COPY pyproject.toml ./
COPY . .
RUN pip install -e . \
    && DJANGO_SECRET_KEY=build python manage.py compilemessages --ignore '*site-packages*' \
    && DJANGO_SECRET_KEY=build python manage.py collectstatic --no-input \
    && mkdir -p /app/media && chown -R crm:crm /app/media
USER crm
# gunicorn listens on every interface of the container so that the reverse proxy can reach
# it; docker-compose.yml publishes only the proxy. The proxy's address is the deployment's to
# declare (DJANGO_TRUSTED_PROXIES): the image believes no X-Forwarded-* header by itself.
ENV GUNICORN_BIND=0.0.0.0:8000 DJANGO_MEDIA_ROOT=/app/media
EXPOSE 8000
# The image serves; it never migrates on start (containers starting together would race):
# run `python manage.py migrate` once per release (docker-compose.yml's `migrate` service).
CMD ["gunicorn", "-c", "gunicorn.conf.py", "pipeline_crm.wsgi"]
