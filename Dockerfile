# The one image behind web, worker and beat in docker-compose.yml.
FROM python:3.11-slim-bookworm
RUN apt-get update \
    && apt-get install -y --no-install-recommends gdal-bin postgresql-client \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY requirements.txt constraints.txt ./
RUN pip install --no-cache-dir -r requirements.txt -c constraints.txt
COPY . .
# Static files gathered and gzipped at build time; WhiteNoise serves them. The values here only let settings load.
RUN DJANGO_SECRET_KEY=build DATABASE_URL=postgis://build/build REDIS_URL=redis://build \
    AFRICASTALKING_USERNAME=build AFRICASTALKING_API_KEY=build AFRICASTALKING_WEBHOOK_TOKEN=build \
    python manage.py collectstatic --noinput
RUN useradd --system evillage && chown -R evillage /app
USER evillage
ENV DJANGO_SETTINGS_MODULE=evillage.settings PYTHONUNBUFFERED=1
