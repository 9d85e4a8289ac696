"""Settings for the postmortems project: one module, driven by the environment.

Defaults run on a laptop with nothing installed (SQLite, a broker that needs no
server, console email). Production switches things on with environment
variables; see README.md ("Configuration") and .env.example.
"""

import os
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from dotenv import load_dotenv

from config.env import (
    env_bool,
    env_choice,
    env_int,
    env_list,
    env_parsed,
    env_str,
    env_timezone,
)

BASE_DIR = Path(__file__).resolve().parent.parent
# A local env file fills in what the environment does not set (the environment always
# wins). `make` writes one with DEBUG=true in a development checkout, so manage.py
# works there; production images ship none (.dockerignore) and use real variables.
load_dotenv(os.environ.get("ENV_FILE") or BASE_DIR / ".env", override=False)
# Runtime state (SQLite database, broker folders, collected static files).
DATA_DIR = Path(env_str("DATA_DIR", str(BASE_DIR / "data"))).resolve()
DATA_DIR.mkdir(parents=True, exist_ok=True)

DEBUG = env_bool("DEBUG", False)

# Only `make run` (DEBUG=true) may fall back to a development key; anything else
# must bring its own secret from the environment.
SECRET_KEY = env_str(
    "SECRET_KEY", "dev-only-insecure-key-never-use-in-production" if DEBUG else None
)
if not DEBUG and SECRET_KEY.startswith("dev-only-"):
    raise ImproperlyConfigured("SECRET_KEY must be set to a real secret when DEBUG is off.")

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["localhost", "127.0.0.1"])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])
# Absolute links in emails are built from this, never from the request's Host header.
SITE_URL = env_str("SITE_URL", "http://127.0.0.1:8000").rstrip("/")

INSTALLED_APPS = [
    "accounts",
    "postmortems",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django_htmx",
    "template_partials",
    # django-ninja: the JSON API; as an app, its docs page uses its own static files.
    "ninja",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.auth.middleware.LoginRequiredMiddleware",
    "accounts.middleware.UserTimezoneMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
            "builtins": ["template_partials.templatetags.partials"],
        },
    }
]

# Database: SQLite under DATA_DIR by default, anything dj-database-url knows with DATABASE_URL.
DATABASES = {
    "default": env_parsed(
        "DATABASE_URL",
        lambda url: dj_database_url.parse(
            url, conn_max_age=env_int("DB_CONN_MAX_AGE", 60, minimum=0), conn_health_checks=True
        ),
        f"sqlite:///{DATA_DIR / 'db.sqlite3'}",
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"]["OPTIONS"] = {
        # IMMEDIATE takes the write lock at BEGIN, so read-then-write transactions
        # (select_for_update is a no-op on SQLite) cannot interleave; WAL lets the web
        # server and the Celery worker read while the other writes.
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "accounts.User"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "pm-incident-list"
LOGOUT_REDIRECT_URL = "login"

LANGUAGE_CODE = "en-us"
# The server's zone only matters for logs; every user sees times in their own zone.
TIME_ZONE = env_timezone("TIME_ZONE", "UTC")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = DATA_DIR / "static"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}

# Email: console by default; SMTP when EMAIL_HOST is set.
EMAIL_HOST = env_str("EMAIL_HOST", "")
EMAIL_BACKEND = env_str(
    "EMAIL_BACKEND",
    "django.core.mail.backends.smtp.EmailBackend"
    if EMAIL_HOST
    else "django.core.mail.backends.console.EmailBackend",
)
EMAIL_PORT = env_int("EMAIL_PORT", 25, minimum=1)
EMAIL_HOST_USER = env_str("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
EMAIL_TIMEOUT = env_int("EMAIL_TIMEOUT", 20, minimum=1)
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "Postmortems <postmortems@localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# Security. Production (DEBUG off) is strict by default; set SECURE_SSL_REDIRECT=false
# only when a proxy in front already redirects to HTTPS.
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", not DEBUG)
# Load balancers and orchestrators probe over plain HTTP inside the network.
SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^readyz$"]
if env_bool("BEHIND_TLS_PROXY", False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 0 if DEBUG else 31536000, minimum=0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", True)
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", False)
SESSION_COOKIE_SECURE = env_bool("SESSION_COOKIE_SECURE", not DEBUG)
CSRF_COOKIE_SECURE = env_bool("CSRF_COOKIE_SECURE", not DEBUG)
SESSION_COOKIE_HTTPONLY = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {
        "handlers": ["console"],
        "level": env_choice("LOG_LEVEL", "INFO", {"DEBUG", "INFO", "WARNING", "ERROR"}),
    },
}

# Celery. The default broker needs no server: kombu's filesystem transport in
# folders under DATA_DIR. Production sets CELERY_BROKER_URL=redis://...
CELERY_BROKER_URL = env_str("CELERY_BROKER_URL", "filesystem://")
if CELERY_BROKER_URL == "filesystem://":
    _broker_dir = DATA_DIR / "broker"
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(_broker_dir / "queue"),
        "data_folder_out": str(_broker_dir / "queue"),
        "control_folder": str(_broker_dir / "control"),
    }
    # Results are not used by the app; the file backend keeps the embedded setup
    # free of servers (`celery result` still works for operators).
    _results_dir = _broker_dir / "results"
    _results_dir.mkdir(parents=True, exist_ok=True)
    for _folder in ("queue", "control"):
        (_broker_dir / _folder).mkdir(parents=True, exist_ok=True)
CELERY_RESULT_BACKEND = (
    env_str(
        "CELERY_RESULT_BACKEND",
        f"file://{_results_dir}" if CELERY_BROKER_URL == "filesystem://" else "",
    )
    or None
)
CELERY_TASK_IGNORE_RESULT = True
# A web request that enqueues while the broker is down must not hang: publish
# gives up quickly, the row stays queued and the dispatcher sends it later.
CELERY_TASK_PUBLISH_RETRY_POLICY = {
    "max_retries": 2,
    "interval_start": 0,
    "interval_step": 0.2,
    "interval_max": 0.5,
}
CELERY_WORKER_HIJACK_ROOT_LOGGER = False
CELERY_TIMEZONE = "UTC"
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True

# Reminders (see postmortems/services/reminders.py). Times are configurable.
POSTMORTEM_DUE_HOURS = env_int("POSTMORTEM_DUE_HOURS", 24, minimum=1)
POSTMORTEM_ESCALATION_HOURS = env_int("POSTMORTEM_ESCALATION_HOURS", 72, minimum=1)
POSTMORTEM_REQUIRED_SEVERITIES = env_list(
    "POSTMORTEM_REQUIRED_SEVERITIES", ["SEV1", "SEV2", "SEV3"]
)
if not set(POSTMORTEM_REQUIRED_SEVERITIES) <= {"SEV1", "SEV2", "SEV3", "SEV4"}:
    raise ImproperlyConfigured("POSTMORTEM_REQUIRED_SEVERITIES takes SEV1 to SEV4.")
STALE_DRAFT_DAYS = env_int("STALE_DRAFT_DAYS", 7, minimum=1)
DIGEST_DUE_SOON_DAYS = env_int("DIGEST_DUE_SOON_DAYS", 3, minimum=0)
# The weekly team lead digest goes out on this weekday (0 = Monday), lead's local time.
LEAD_DIGEST_WEEKDAY = env_int("LEAD_DIGEST_WEEKDAY", 0, minimum=0)
REMINDER_SWEEP_SECONDS = env_int("REMINDER_SWEEP_SECONDS", 300, minimum=1)
OUTBOX_DISPATCH_SECONDS = env_int("OUTBOX_DISPATCH_SECONDS", 60, minimum=1)
OUTBOX_MAX_ATTEMPTS = env_int("OUTBOX_MAX_ATTEMPTS", 6, minimum=1)
OUTBOX_RETRY_SECONDS = env_int("OUTBOX_RETRY_SECONDS", 60, minimum=1)
# A row still "sending" after this long belongs to a worker that died: re-queue it.
OUTBOX_SENDING_TIMEOUT_SECONDS = env_int("OUTBOX_SENDING_TIMEOUT_SECONDS", 600, minimum=1)

HEALTH_ROLLUP_REFRESH_SECONDS = env_int("HEALTH_ROLLUP_REFRESH_SECONDS", 3600, minimum=60)

CELERY_BEAT_SCHEDULE = {
    "reminders-sweep": {
        "task": "postmortems.tasks.sweep_reminders",
        "schedule": REMINDER_SWEEP_SECONDS,
        # Sweeps are state-based: one missed or expired tick is caught up by the next.
        "options": {"expires": REMINDER_SWEEP_SECONDS},
    },
    "outbox-dispatch": {
        "task": "postmortems.tasks.dispatch_outbox",
        "schedule": OUTBOX_DISPATCH_SECONDS,
        "options": {"expires": OUTBOX_DISPATCH_SECONDS},
    },
    # The dashboard's settled months (postmortems/review_health.py), recounted hourly.
    "health-rollups-refresh": {
        "task": "postmortems.tasks.refresh_health_rollups",
        "schedule": HEALTH_ROLLUP_REFRESH_SECONDS,
        "options": {"expires": HEALTH_ROLLUP_REFRESH_SECONDS},
    },
}
