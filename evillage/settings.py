"""E-Village settings, all read from the environment (every variable is listed in .env.example)."""

from __future__ import annotations

from pathlib import Path

import xstatic.pkg.jquery
import xstatic.pkg.leaflet
import xstatic.pkg.leaflet_markercluster
from celery.schedules import crontab
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

from evillage.env import database_from_url, env_bool, env_int, env_list, env_str

BASE_DIR = Path(__file__).resolve().parent.parent

DEBUG = env_bool("DJANGO_DEBUG", False)
# No production default: outside debug the key must be given.
SECRET_KEY = env_str("DJANGO_SECRET_KEY", "insecure-development-key-never-in-production" if DEBUG else None)
ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS", ["127.0.0.1", "localhost"] if DEBUG else [])
CSRF_TRUSTED_ORIGINS = env_list("DJANGO_CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.gis",
    "rest_framework",
    "rest_framework_gis",
    "rest_framework.authtoken",  # API tokens for the ministry (create_api_token)
    "drf_spectacular",
    "drf_spectacular_sidecar",  # Swagger UI from local static files, never a CDN
    # From the ground up: places, the domain, the SMS channel, the faces.
    "geo",
    "evillage",
    "sms_gateway",
    "dashboards",
    "fixtures",  # the national demonstration dataset and its generator
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",  # static files, gzipped, with caching headers
    "dashboards.middleware.CompressionMiddleware",  # pages, GeoJSON and tiles gzipped (not spreadsheets)
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "evillage.urls"
WSGI_APPLICATION = "evillage.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

DATABASES = {"default": database_from_url(env_str("DATABASE_URL"))}
# Persistent connections: a new connection per request costs more than the request itself.
DATABASES["default"]["CONN_MAX_AGE"] = env_int("DATABASE_CONN_MAX_AGE", 60, minimum=0)
# Checked before each request, without a round trip while nothing happened to it (the backend, evillage/db).
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

REDIS_URL = env_str("REDIS_URL")

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# French first for people; English second. Stored in UTC, shown in Lomé's time.
LANGUAGE_CODE = "fr"
# French only until another language has its translations: a browser set to English would otherwise get
# our French words beside Django's English dates and messages.
LANGUAGES = [("fr", _("Français"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
USE_I18N = True
USE_TZ = True
TIME_ZONE = "Africa/Lome"

# Reporting months: 0 = calendar months; N (1–28) = a month closes on day N, later days count for the next.
REPORTING_MONTH_CLOSING_DAY = env_int("REPORTING_MONTH_CLOSING_DAY", 0, minimum=0, maximum=28)

# A GPS message farther than this from a village's verified position is a conflict for review.
LOCATION_TOLERANCE_METERS = env_int("LOCATION_TOLERANCE_METERS", 2000, minimum=0)

STATIC_URL = "static/"
# `manage.py collectstatic` gathers (and gzips) the static files here; WhiteNoise serves them under gunicorn.
STATIC_ROOT = env_str("DJANGO_STATIC_ROOT", str(BASE_DIR / "staticfiles"))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
# In development the files are served from the apps and wheels directly, as they change.
WHITENOISE_USE_FINDERS = DEBUG
WHITENOISE_AUTOREFRESH = DEBUG

# --- API (dashboards.api): REST framework, OpenAPI schema ---
REST_FRAMEWORK = {
    # Token first: an anonymous request is then told to authenticate (401), not just refused (403).
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.PageNumberPagination",
    "PAGE_SIZE": 100,
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "E-Village API",
    "DESCRIPTION": "Villages, zones, couches statistiques, rapports et exports du programme E-Village (Togo).",
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
}

# Celery: Redis is the broker; the database stays the source of truth.
CELERY_BROKER_URL = REDIS_URL
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
# Celery's Django fix-up closes the database connection around every task unless this is set; then only
# every this many tasks. In between, `evillage.celery` closes it when broken or older than CONN_MAX_AGE.
CELERY_DB_REUSE_MAX = 1000
CELERY_TIMEZONE = TIME_ZONE

# --- SMS channel (sms_gateway): Africa's Talking, the inbox/outbox, the sweeper ---
# Which gateway sends: "africastalking" (the real SDK) or "console" (logs only; the default in debug).
SMS_BACKEND = env_str("SMS_BACKEND", "console" if DEBUG else "africastalking")
# No production default for the account or its key.
AFRICASTALKING_USERNAME = env_str("AFRICASTALKING_USERNAME", "sandbox" if DEBUG else None)
AFRICASTALKING_API_KEY = env_str("AFRICASTALKING_API_KEY", "development-api-key" if DEBUG else None)
AFRICASTALKING_SENDER_ID = env_str("AFRICASTALKING_SENDER_ID", "")  # empty: the account's default sender
# The SDK's base URL (empty: its own host); e.g. http://127.0.0.1:PORT/version1 for a local fake provider.
AFRICASTALKING_API_URL = env_str("AFRICASTALKING_API_URL", "")
AFRICASTALKING_TIMEOUT_SECONDS = env_int("AFRICASTALKING_TIMEOUT_SECONDS", 10, minimum=1, maximum=120)
# The secret path segment of the callback URLs (/sms/at/inbound/<token>/): Africa's Talking signs nothing.
AFRICASTALKING_WEBHOOK_TOKEN = env_str("AFRICASTALKING_WEBHOOK_TOKEN", "development-token" if DEBUG else None)
AFRICASTALKING_ALLOWED_IPS = env_list("AFRICASTALKING_ALLOWED_IPS")  # addresses or networks; empty: any
SMS_WEBHOOK_MAX_BYTES = env_int("SMS_WEBHOOK_MAX_BYTES", 16384, minimum=1024)
SMS_MAX_SEND_ATTEMPTS = env_int("SMS_MAX_SEND_ATTEMPTS", 5, minimum=1)
# Retry after a temporary failure: this × 2^(attempt-1) seconds, capped.
SMS_RETRY_DELAY_SECONDS = env_int("SMS_RETRY_DELAY_SECONDS", 30, minimum=0)
SMS_RETRY_MAX_DELAY_SECONDS = env_int("SMS_RETRY_MAX_DELAY_SECONDS", 3600, minimum=0)
# The sweeper re-queues rows still pending this long after they were last queued.
SMS_SWEEP_AFTER_SECONDS = env_int("SMS_SWEEP_AFTER_SECONDS", 120, minimum=0)
# A send left in "sending" this long was cut by a dead worker: marked failed (unknown outcome), never resent.
# Keep it well above a chunk of sends through a provider that times out: sms_gateway.outbox.SEND_CHUNK (10) ×
# AFRICASTALKING_TIMEOUT_SECONDS.
SMS_SENDING_GRACE_SECONDS = env_int("SMS_SENDING_GRACE_SECONDS", 600, minimum=1)
# The queue tasks go to and workers read (lets two deployments, or test runs, share one Redis).
CELERY_TASK_DEFAULT_QUEUE = env_str("CELERY_QUEUE", "celery")
# A webhook publishes on commit: with Redis down it must give up fast (the sweeper re-queues later).
CELERY_BROKER_CONNECTION_TIMEOUT = 2
CELERY_BROKER_TRANSPORT_OPTIONS = {"socket_connect_timeout": 2, "socket_timeout": 5}
CELERY_TASK_PUBLISH_RETRY_POLICY = {"max_retries": 2, "interval_start": 0, "interval_step": 0.2, "interval_max": 0.5}
CELERY_BEAT_SCHEDULE = {
    "sms-sweep-stuck-messages": {"task": "sms_gateway.tasks.sweep_stuck_messages", "schedule": 60.0},
}

# --- Layers and reminders (evillage.layers, sms_gateway.reminders) ---
# A village's last-known value is stale once it is this many months older than the current month.
LAYERS_STALE_AFTER_MONTHS = env_int("LAYERS_STALE_AFTER_MONTHS", 2, minimum=1)
# A report is on time when received by the end of this many days after its month's last day (Lomé time).
LAYERS_DEADLINE_DAYS = env_int("LAYERS_DEADLINE_DAYS", 5, minimum=0, maximum=60)
# Reports arriving within this many seconds of each other share one layer refresh.
LAYERS_DEBOUNCE_SECONDS = env_int("LAYERS_DEBOUNCE_SECONDS", 10, minimum=0, maximum=3600)
# Chiefs who have not reported are reminded from this many days before their month closes.
REMINDER_DAYS_BEFORE_CLOSE = env_int("REMINDER_DAYS_BEFORE_CLOSE", 3, minimum=0, maximum=27)
CELERY_IMPORTS = ["sms_gateway.reminders"]
CELERY_BEAT_SCHEDULE |= {
    # Staleness moves with the calendar, and chiefs or populations change outside reports: rebuild nightly.
    "layers-full-refresh": {"task": "evillage.tasks.refresh_all_layers", "schedule": crontab(hour=2, minute=30)},
    # Refreshes a lost debounced task left pending (broker down when the report came).
    "layers-pending-refresh": {"task": "evillage.tasks.refresh_pending_layers", "schedule": 300.0},
    "sms-period-reminders": {"task": "sms_gateway.reminders.send_reminders", "schedule": crontab(hour=9, minute=0)},
    "sms-period-summaries": {"task": "sms_gateway.reminders.send_summaries", "schedule": crontab(hour=8, minute=0)},
}

# --- Map pages (dashboards.pages): vendored assets, base tiles, login lockout ---
# Leaflet and jQuery come from pinned xstatic wheels and are served as our own static files:
# the pages work on a network without internet (no CDN).
STATICFILES_DIRS = [
    ("vendor/leaflet", xstatic.pkg.leaflet.BASE_DIR),
    ("vendor/jquery", xstatic.pkg.jquery.BASE_DIR),
    ("vendor/leaflet-markercluster", xstatic.pkg.leaflet_markercluster.BASE_DIR),
]
# Base map tiles ({z}/{x}/{y} URL template); empty = no tiles, the boundaries alone keep the map readable.
MAP_TILES_URL = env_str("MAP_TILES_URL", "")
MAP_TILES_ATTRIBUTION = env_str("MAP_TILES_ATTRIBUTION", "")
if MAP_TILES_URL and not MAP_TILES_ATTRIBUTION:
    raise ImproperlyConfigured("MAP_TILES_URL needs MAP_TILES_ATTRIBUTION (the tiles' licence asks for credit).")
# Reverse proxies (addresses or networks) whose X-Forwarded-For is believed: the login lockout and the SMS
# callbacks' allow-list then see the client's address, not the proxy's. Empty: REMOTE_ADDR as it comes.
TRUSTED_PROXIES = env_list("TRUSTED_PROXIES")
# The cache (Redis) counts failed logins, so a lockout holds across every web worker.
CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": REDIS_URL,
        "KEY_PREFIX": "evillage",
    }
}
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "national-map"

# Django 5.2 warns on every command that GDAL < 3.9 will be unsupported later; Debian 12 ships 3.6.
SILENCED_SYSTEM_CHECKS = ["gis.W001"]

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
}
