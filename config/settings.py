"""Settings for the postmortems project: one module, driven by the environment.

Defaults run on a laptop with nothing installed (SQLite, a broker that needs no
server, console email). Production switches things on with environment
variables; see docs/configuration.md and .env.example.
"""

import os
from datetime import timedelta
from email.utils import parseaddr
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from dotenv import load_dotenv

from config import sso
from config.env import (
    env_bool,
    env_choice,
    env_float,
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
    "audit",
    "accounts",
    "postmortems",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "axes",
    # Single sign-on (accounts/sso/): allauth's social accounts, OpenID Connect and SAML.
    # Only the sign-in flows are mounted (accounts/urls.py), none of allauth's pages.
    "allauth",
    "allauth.account",
    "allauth.socialaccount",
    "allauth.socialaccount.providers.openid_connect",
    "allauth.socialaccount.providers.saml",
    "django_htmx",
    "template_partials",
    # django-ninja: the JSON API; as an app, its docs page uses its own static files.
    "ninja",
]

MIDDLEWARE = [
    # Outermost: a request id and an access log line for every request.
    "config.middleware.RequestIdMiddleware",
    # /healthz and /readyz, answered before the Host header is validated.
    "config.middleware.ProbeMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "config.security_headers.ContentSecurityPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    # NUL in parameters and oversized bodies: 400/413 before any view (or CSRF) reads them.
    "config.bad_input.BadInputMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "accounts.middleware.ClientIPMiddleware",
    "django.contrib.auth.middleware.LoginRequiredMiddleware",
    "accounts.middleware.UserTimezoneMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    # Last, so it sees the lockout flag that a failed sign-in set on the request.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        # templates/: the base layout, error pages and shared partials. Each part keeps
        # its pages in postmortems/<part>/templates/; parts are not apps, so APP_DIRS
        # (accounts/templates/, the core's postmortems/templates/) misses them and they
        # are listed here. Names stay "postmortems/<page>.html", whichever folder holds
        # them; the first folder holding a name wins, DIRS in order, then apps in
        # INSTALLED_APPS order (so accounts' registration/ pages replace the admin's).
        # No `loaders`: Django's cached loader, as before (tests/config/test_deploy_settings.py).
        "DIRS": [BASE_DIR / "templates", *sorted((BASE_DIR / "postmortems").glob("*/templates"))],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "accounts.context_processors.sign_in_options",
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
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # Django's backend, reading timestamps with psycopg's compiled parser
    # (lib/postgresql/base.py).
    DATABASES["default"]["ENGINE"] = "lib.postgresql"
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
# The throttle goes first: it refuses a locked-out username and address before the
# password is even checked (accounts/throttling.py).
AUTHENTICATION_BACKENDS = [
    "accounts.throttling.SignInThrottleBackend",
    # Passwords; with LOCAL_PASSWORDS=false only superusers', and only in the admin.
    "accounts.backends.PasswordBackend",
    # Sessions of people who signed in through an identity provider (accounts/sso/).
    "accounts.backends.SingleSignOnBackend",
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "pm-incident-list"
LOGOUT_REDIRECT_URL = "login"

LANGUAGE_CODE = "en-us"
# The server's zone only matters for logs; every user sees times in their own zone.
TIME_ZONE = env_timezone("TIME_ZONE", "UTC")
USE_I18N = True
USE_TZ = True

# The chat import's preview posts two fields per message (a checkbox and a kind) for
# up to 2,000 messages (postmortems/chat_import/reader.py); Django's default of 1,000
# fields would refuse a long transcript. Bodies stay capped at Django's 2.5 MB.
DATA_UPLOAD_MAX_NUMBER_FIELDS = 4_100

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
# Message-IDs are <sha256(dedup key)@this domain>, stable across attempts.
EMAIL_MESSAGE_ID_DOMAIN = env_str(
    "EMAIL_MESSAGE_ID_DOMAIN",
    parseaddr(DEFAULT_FROM_EMAIL)[1].rpartition("@")[2] or "localhost",
)
# Told when outgoing emails fail for good; staff users when empty. (No logging handler
# mails ADMINS here, so this adds no error emails.)
ADMINS = [(address, address) for address in env_list("ADMINS", [])]

# Security. Production (DEBUG off) is strict by default; set SECURE_SSL_REDIRECT=false
# only when a proxy in front already redirects to HTTPS.
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", not DEBUG)
# Load balancers and orchestrators probe over plain HTTP inside the network.
SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^readyz$"]
# Behind a TLS proxy, the proxy's X-Forwarded-Proto says whether the request came over
# HTTPS and its X-Forwarded-For names the client (lib/client_ip.py); otherwise
# both headers come from the client and are ignored.
BEHIND_TLS_PROXY = env_bool("BEHIND_TLS_PROXY", False)
if BEHIND_TLS_PROXY:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 0 if DEBUG else 31536000, minimum=0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", True)
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", False)
SESSION_COOKIE_SECURE = env_bool("SESSION_COOKIE_SECURE", not DEBUG)
CSRF_COOKIE_SECURE = env_bool("CSRF_COOKIE_SECURE", not DEBUG)
SESSION_COOKIE_HTTPONLY = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"
# Sent on every response (config/security_headers.py). Scripts and styles come only
# from this site's own files: no inline <script>, no style="" attributes, no eval
# (htmx is told not to need it: templates/base.html, "htmx-config").
CONTENT_SECURITY_POLICY = {
    "default-src": ["'self'"],
    "script-src": ["'self'"],
    "style-src": ["'self'"],
    "img-src": ["'self'", "data:"],
    "connect-src": ["'self'"],
    "frame-ancestors": ["'none'"],
    "form-action": ["'self'"],
    "base-uri": ["'self'"],
    "object-src": ["'none'"],
}

# Single sign-on (accounts/sso/, docs/sso.md). Providers and their
# details come from OIDC_<ID>_* and SAML_<ID>_* variables (config/sso.py).
_oidc_apps = sso.oidc_apps(env_list("OIDC_PROVIDERS", []))
_saml_apps = sso.saml_apps(env_list("SAML_PROVIDERS", []))
SOCIALACCOUNT_PROVIDERS = {
    "openid_connect": {
        # Checks the id_token's signature too (accounts/sso/oidc.py).
        "provider_class": "accounts.sso.oidc.VerifiedOpenIDConnectProvider",
        "OAUTH_PKCE_ENABLED": True,
        "APPS": _oidc_apps,
    },
    "saml": {"APPS": _saml_apps},
}
# The claim (OIDC) or attribute (SAML) that lists a person's groups, and which of its
# values make someone a member or lead of which team. Empty map: memberships are
# managed by hand only.
SSO_TEAM_CLAIM = env_str("SSO_TEAM_CLAIM", "groups")
SSO_TEAM_MAP = sso.team_map(env_str("SSO_TEAM_MAP", ""))
# Email domains allowed to sign in with SSO; empty: any the provider vouches for.
SSO_ALLOWED_DOMAINS = [d.lower().lstrip("@") for d in env_list("SSO_ALLOWED_DOMAINS", [])]
# false: no password sign-in, reset or change; superusers keep the admin's sign-in
# page as a way in when the identity provider is down (break-glass).
LOCAL_PASSWORDS = env_bool("LOCAL_PASSWORDS", True)
if not LOCAL_PASSWORDS and not (_oidc_apps or _saml_apps):
    raise ImproperlyConfigured(
        "LOCAL_PASSWORDS=false needs an identity provider (OIDC_PROVIDERS or SAML_PROVIDERS)."
    )
CONTENT_SECURITY_POLICY["form-action"] += sso.form_action_origins(_oidc_apps + _saml_apps)

ACCOUNT_ADAPTER = "accounts.sso.adapters.AccountAdapter"
SOCIALACCOUNT_ADAPTER = "accounts.sso.adapters.SocialAccountAdapter"
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*"]
# The identity provider verifies addresses; accounts/sso/ refuses unverified ones.
ACCOUNT_EMAIL_VERIFICATION = "none"
SOCIALACCOUNT_EMAIL_VERIFICATION = "none"
SOCIALACCOUNT_ONLY = True
SOCIALACCOUNT_AUTO_SIGNUP = True
# The sign-in buttons POST (with a CSRF token); a GET shows a confirmation page.
SOCIALACCOUNT_LOGIN_ON_GET = False
SOCIALACCOUNT_STORE_TOKENS = False
SOCIALACCOUNT_REQUESTS_TIMEOUT = 10

# Sign-in throttling (django-axes). After LOGIN_FAILURE_LIMIT failed sign-ins for one
# username from one address, that pair is locked out for LOGIN_LOCKOUT_MINUTES,
# counted from the last attempt; even the right password is refused meanwhile. A
# successful sign-in clears the count. Staff unlock in the admin ("Access attempts")
# or with `manage.py axes_reset_username <email>`.
AXES_FAILURE_LIMIT = env_int("LOGIN_FAILURE_LIMIT", 5, minimum=1)
AXES_COOLOFF_TIME = timedelta(minutes=env_int("LOGIN_LOCKOUT_MINUTES", 15, minimum=1))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
# Django's sign-in form posts the email address as "username".
AXES_USERNAME_FORM_FIELD = "username"
AXES_USERNAME_CALLABLE = "accounts.throttling.login_username"
AXES_CLIENT_IP_CALLABLE = "lib.client_ip.client_ip"
AXES_LOCKOUT_CALLABLE = "accounts.throttling.lockout_response"
# Successful sign-ins are in the audit log already; axes keeps only failures.
AXES_DISABLE_ACCESS_LOG = True
AXES_VERBOSE = False  # no banner on every manage.py command
# Password spraying (one address trying many usernames) never locks a username+address
# pair: after LOGIN_ADDRESS_FAILURE_LIMIT failed sign-ins from one address, whatever the
# usernames, within LOGIN_LOCKOUT_MINUTES, the address itself is locked out
# (accounts/throttling.py). Higher than the per-username limit: offices share addresses.
LOGIN_ADDRESS_FAILURE_LIMIT = env_int("LOGIN_ADDRESS_FAILURE_LIMIT", 30, minimum=1)
# Password reset emails: at most PASSWORD_RESET_EMAIL_LIMIT a day to one address and
# PASSWORD_RESET_ADDRESS_LIMIT requests an hour from one client address. Over either,
# the page answers as usual and sends nothing, so it tells no one what exists.
PASSWORD_RESET_EMAIL_LIMIT = env_int("PASSWORD_RESET_EMAIL_LIMIT", 3, minimum=1)
PASSWORD_RESET_ADDRESS_LIMIT = env_int("PASSWORD_RESET_ADDRESS_LIMIT", 10, minimum=1)

# JSON lines for log collectors in production, readable text in development; both
# carry the request id (lib/request_ids.py, config/log_format.py).
LOG_FORMAT = env_choice("LOG_FORMAT", "text" if DEBUG else "json", {"json", "text"})
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"request_id": {"()": "config.log_format.RequestIdFilter"}},
    "formatters": {
        "json": {"()": "config.log_format.JsonFormatter"},
        "text": {"format": "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"},
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "filters": ["request_id"],
            "formatter": LOG_FORMAT,
        }
    },
    "root": {
        "handlers": ["console"],
        "level": env_choice("LOG_LEVEL", "INFO", {"DEBUG", "INFO", "WARNING", "ERROR"}),
    },
}

# Error reporting (config/sentry.py): off unless SENTRY_DSN is set. Performance
# tracing is off too unless SENTRY_TRACES_SAMPLE_RATE (0 to 1) asks for a share.
SENTRY_DSN = env_str("SENTRY_DSN", "")
if SENTRY_DSN:
    from config.sentry import sentry_init

    sentry_init(
        dsn=SENTRY_DSN,
        environment=env_str("SENTRY_ENVIRONMENT", "production"),
        traces_sample_rate=env_float("SENTRY_TRACES_SAMPLE_RATE", 0.0, minimum=0, maximum=1),
    )

# Celery. The default broker needs no server: kombu's filesystem transport in
# folders under DATA_DIR. Production sets CELERY_BROKER_URL=redis://...
CELERY_BROKER_URL = env_str("CELERY_BROKER_URL", "filesystem://")
if CELERY_BROKER_URL == "filesystem://":
    _broker_dir = DATA_DIR / "broker"
    CELERY_BROKER_TRANSPORT_OPTIONS: dict[str, object] = {
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
# Redis: a web request that enqueues work (postmortems/notifications/outbox.py) must
# answer whatever the broker does. By default redis-py waits without limit on a broker
# that accepts connections but does not answer (overloaded, stopped with SIGSTOP, a
# half-open network path), and kombu retries opening a connection for 4-6 s when
# refused. With these, a publish gives up within about 3 s (one connection attempt)
# and the outbox row waits for the dispatcher. The workers' own connection loop has
# its own retry settings (broker_connection_*), and their long poll (BRPOP, 1 s) stays
# well inside socket_timeout.
REDIS_BROKER_TRANSPORT_OPTIONS: dict[str, object] = {
    "socket_connect_timeout": 2,
    "socket_timeout": 3,
    "max_retries": 0,
}
if CELERY_BROKER_URL.startswith(("redis://", "rediss://")):
    CELERY_BROKER_TRANSPORT_OPTIONS = REDIS_BROKER_TRANSPORT_OPTIONS
CELERY_RESULT_BACKEND = (
    env_str(
        "CELERY_RESULT_BACKEND",
        f"file://{_results_dir}" if CELERY_BROKER_URL == "filesystem://" else "",
    )
    or None
)
CELERY_TASK_IGNORE_RESULT = True
# Publishes from the workers and beat retry briefly. Outbox rows are enqueued with
# one attempt and no retry (postmortems/notifications/outbox.py): the dispatcher is
# their retry.
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

# Reminders (see postmortems/notifications/reminders.py). Times are configurable.
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
# Temporary failures (SMTP 4xx, refused connections, timeouts) are retried like a mail
# server does: the delay doubles from OUTBOX_RETRY_SECONDS up to
# OUTBOX_RETRY_MAX_DELAY_SECONDS, for OUTBOX_GIVE_UP_SECONDS after the first failure.
# Permanent ones (SMTP 5xx) fail at once. postmortems/notifications/outbox.py says
# which is which.
OUTBOX_RETRY_SECONDS = env_int("OUTBOX_RETRY_SECONDS", 60, minimum=1)
OUTBOX_RETRY_MAX_DELAY_SECONDS = env_int("OUTBOX_RETRY_MAX_DELAY_SECONDS", 3600, minimum=1)
OUTBOX_GIVE_UP_SECONDS = env_int("OUTBOX_GIVE_UP_SECONDS", 3 * 24 * 3600, minimum=0)
# Rows deferred this long show on the outbox page and in /readyz's log line.
OUTBOX_DEFERRED_WARNING_SECONDS = env_int("OUTBOX_DEFERRED_WARNING_SECONDS", 3600, minimum=1)
# A row still "sending" after this long belongs to a worker that died: re-queue it.
# It must be comfortably longer than a send can take (a system check compares it
# with EMAIL_TIMEOUT), or a slow send is taken for a dead one and goes out twice.
OUTBOX_SENDING_TIMEOUT_SECONDS = env_int("OUTBOX_SENDING_TIMEOUT_SECONDS", 600, minimum=1)
# How long a worker keeps retrying to record "sent" while the database fails.
OUTBOX_MARK_RETRY_SECONDS = env_int("OUTBOX_MARK_RETRY_SECONDS", 60, minimum=0)
# A row whose worker died while sending it this many times is failed, not retried.
OUTBOX_MAX_CRASHES = env_int("OUTBOX_MAX_CRASHES", 3, minimum=1)
# The dispatcher enqueues a due row again only when its last message is this old
# (the broker lost it); the row itself stays queued, so nothing is lost meanwhile.
OUTBOX_REENQUEUE_SECONDS = env_int("OUTBOX_REENQUEUE_SECONDS", 900, minimum=1)

# Alerting webhooks (postmortems/alerting/receiver_views.py): larger bodies are refused with 413.
ALERT_WEBHOOK_MAX_BYTES = env_int("ALERT_WEBHOOK_MAX_BYTES", 1024 * 1024, minimum=1024)
# The delivery log keeps at most this many refused requests a minute per integration
# (a flood is still logged, line by line) and forgets rows after the retention time.
ALERT_REJECTED_ROWS_PER_MINUTE = env_int("ALERT_REJECTED_ROWS_PER_MINUTE", 20, minimum=1)
ALERT_DELIVERY_RETENTION_DAYS = env_int("ALERT_DELIVERY_RETENTION_DAYS", 30, minimum=1)
# Proven fixes: a done action item's outcome is asked for this many days after it was
# done (its owner may move the date); postmortems/models/actions.py.
ACTION_VERIFY_AFTER_DAYS = env_int("ACTION_VERIFY_AFTER_DAYS", 14, minimum=1)
# Issue trackers (postmortems/trackers/): every this many seconds each connection asks its
# tracker for issues changed since the last time (missed webhooks); applied deliveries
# are remembered (for deduplication) this many days.
TRACKER_RECONCILE_SECONDS = env_int("TRACKER_RECONCILE_SECONDS", 900, minimum=30)
TRACKER_DELIVERY_RETENTION_DAYS = env_int("TRACKER_DELIVERY_RETENTION_DAYS", 7, minimum=1)
# Recurrence (postmortems/recurrence/): an incident is compared with the reviewed
# incidents that started up to this many days before it, and flagged as a possible
# recurrence of at most this many of them (the strongest matches).
RECURRENCE_LOOKBACK_DAYS = env_int("RECURRENCE_LOOKBACK_DAYS", 365, minimum=1)
RECURRENCE_MAX_MATCHES = env_int("RECURRENCE_MAX_MATCHES", 5, minimum=1)
# Presence (postmortems/presence/): an open editor says every this many seconds who
# else is in it and which section they edit (one read, a write at most every 10 s).
PRESENCE_POLL_SECONDS = env_int("PRESENCE_POLL_SECONDS", 10, minimum=1)
# Alerts as records (postmortems/alerting/firings/): an alert firing again within this
# many minutes of its resolution is flapping; resolved firings tied to no incident are
# forgotten after the retention time (hourly), and rules left with none of them.
ALERT_FLAP_WINDOW_MINUTES = env_int("ALERT_FLAP_WINDOW_MINUTES", 30, minimum=1)
ALERT_FIRING_RETENTION_DAYS = env_int("ALERT_FIRING_RETENTION_DAYS", 400, minimum=1)
# On-call schedule feeds (postmortems/alerting/oncall/ical_import.py): how often each enabled
# PagerDuty or Opsgenie iCalendar export is imported, how long a fetch may take, how
# large a feed may be, and after how many failures in a row the team's leads are told.
ONCALL_FEED_IMPORT_SECONDS = env_int("ONCALL_FEED_IMPORT_SECONDS", 3600, minimum=60)
ONCALL_FEED_TIMEOUT_SECONDS = env_int("ONCALL_FEED_TIMEOUT_SECONDS", 15, minimum=1)
ONCALL_FEED_MAX_BYTES = env_int("ONCALL_FEED_MAX_BYTES", 5_000_000, minimum=1024)
ONCALL_FEED_ALERT_FAILURES = env_int("ONCALL_FEED_ALERT_FAILURES", 3, minimum=1)
# Rotations made of members in order get their shifts this many weeks ahead (hourly).
ONCALL_SCHEDULE_WEEKS = env_int("ONCALL_SCHEDULE_WEEKS", 8, minimum=1)

HEALTH_ROLLUP_REFRESH_SECONDS = env_int("HEALTH_ROLLUP_REFRESH_SECONDS", 3600, minimum=60)
# The dashboard's review health of the months still moving (this month, and last
# month for its first 8 days) is recounted at most this often per scope and zone.
HEALTH_LIVE_SECONDS = env_int("HEALTH_LIVE_SECONDS", 300, minimum=0)
# Beat's heartbeat (postmortems.notifications.tasks.record_beat_heartbeat). /readyz fails once the
# newest one is older than three intervals: beat, the broker or every worker is down.
BEAT_HEARTBEAT_SECONDS = env_int("BEAT_HEARTBEAT_SECONDS", 60, minimum=1)
BEAT_HEARTBEAT_MAX_AGE_SECONDS = 3 * BEAT_HEARTBEAT_SECONDS
# /readyz gives up on the broker after this many seconds.
READYZ_BROKER_TIMEOUT_SECONDS = 2

# Every entry runs on the "periodic" queue (config/celery.py), away from the sends.
# Each tick expires after one interval: all of them are state-based (or, for the
# heartbeat, only the newest counts), so a tick the workers could not start in time
# is superseded by the next one instead of piling up behind it.
# The parts' wiring (lib/extensions.py). A part never imports one above it; where a
# moment or a page of a lower part concerns a higher one, the lower part names it
# and these lists say who answers. Handlers run in the caller's transaction, in order.
EVENT_HANDLERS: dict[str, list[str]] = {
    # An incident was opened (by hand, the API or an alert), or its services or its
    # review's tags changed: look for the earlier reviewed incidents it may repeat,
    # once the transaction commits (so an alert's firings are there).
    "incident-opened": ["postmortems.recurrence.detection.recurrences_detect_on_commit"],
    "incident-signals-changed": ["postmortems.recurrence.detection.recurrences_detect_on_commit"],
    # A review left its draft: later incidents on its signals may now repeat it.
    "review-out-of-draft": ["postmortems.recurrence.detection.later_recurrences_detect_on_commit"],
    # A review was started: what alerting webhooks recorded pre-fills its timeline.
    "review-started": ["postmortems.alerting.alert_events.alert_events_to_timeline"],
    # A review was published for the first time (amendments are not announced again).
    "review-first-published": [
        "postmortems.notifications.announcements.announce_publication",
        "postmortems.insights.pulse_survey.pulse_on_first_publication",
        "postmortems.trackers.publishing.issues_on_first_publication",
    ],
    # An action item was finished or reopened (any path): its tracker issue follows.
    "action-item-status-changed": ["postmortems.trackers.requests.issue_follow_item_status"],
}
# Outbox channels delivered by a higher part (postmortems/notifications/outbox.py): the
# function that takes a row and delivers it.
OUTBOX_DELIVERERS: dict[str, str] = {
    "tracker": "postmortems.trackers.deliver.tracker_deliver",
}
# What higher parts add to a lower part's page: each provider returns a dict merged
# into the page's context (the names its templates read).
PAGE_EXTRAS: dict[str, list[str]] = {
    # An action item's page: its tracker issue, sync state and the conflict rule.
    "action-item": ["postmortems.trackers.pages.tracker_for_item_page"],
    "incident": [
        "postmortems.notifications.selectors.reminders_for_incident_page",
        "postmortems.recurrence.pages.recurrence_for_incident_page",
    ],
    "review-edit": [
        "postmortems.notifications.selectors.reminders_for_review_page",
        "postmortems.alerting.detection.pages.detection_for_review_edit",
        "postmortems.recurrence.pages.recurrence_for_review_edit",
    ],
    "review-read": [
        "postmortems.archive.related.related_for_review_page",
        "postmortems.recurrence.pages.recurrence_for_review_read",
        "postmortems.insights.pulse_trend.pulse_for_review_page",
        "postmortems.alerting.detection.pages.detection_for_review_read",
    ],
    "profile": [
        "postmortems.api.token_views.tokens_for_profile",
        "postmortems.notifications.calendar_feed.calendar_for_profile",
    ],
    # The archive: which hits have a confirmed recurrence (a badge), and the reviews
    # its "recurred" filter keeps.
    "archive-hits": ["postmortems.recurrence.pages.recurred_for_archive_hits"],
    "archive-recurred": ["postmortems.recurrence.pages.recurred_for_archive_filter"],
    # The weekly lead digest: what got worse on call.
    "lead-digest": ["postmortems.alerting.load.digest.oncall_changes_for_lead_digest"],
}

CELERY_BEAT_SCHEDULE = {
    "reminders-sweep": {
        "task": "postmortems.notifications.tasks.sweep_reminders",
        "schedule": REMINDER_SWEEP_SECONDS,
        # Sweeps are state-based: one missed or expired tick is caught up by the next.
        "options": {"expires": REMINDER_SWEEP_SECONDS},
    },
    "outbox-dispatch": {
        "task": "postmortems.notifications.tasks.dispatch_outbox",
        "schedule": OUTBOX_DISPATCH_SECONDS,
        "options": {"expires": OUTBOX_DISPATCH_SECONDS},
    },
    # The dashboard's settled months (postmortems/insights/health.py), recounted hourly.
    "health-rollups-refresh": {
        "task": "postmortems.insights.tasks.refresh_health_rollups",
        "schedule": HEALTH_ROLLUP_REFRESH_SECONDS,
        "options": {"expires": HEALTH_ROLLUP_REFRESH_SECONDS},
    },
    "purge-deleted-incidents": {
        "task": "postmortems.tasks.purge_deleted_incidents",
        "schedule": 3600,
        "options": {"expires": 3600},
    },
    "prune-alert-deliveries": {
        "task": "postmortems.alerting.tasks.prune_alert_deliveries",
        "schedule": 3600,
        "options": {"expires": 3600},
    },
    "prune-alert-firings": {
        "task": "postmortems.alerting.tasks.prune_alert_firings",
        "schedule": 3600,
        "options": {"expires": 3600},
    },
    # Shifts of member rotations ONCALL_SCHEDULE_WEEKS ahead; idempotent (oncall/services.py).
    "oncall-shifts-extend": {
        "task": "postmortems.alerting.tasks.extend_rotation_shifts",
        "schedule": 3600,
        "options": {"expires": 3600},
    },
    # Issue trackers: changes whose webhook never came (postmortems/trackers/reconcile.py).
    "trackers-reconcile": {
        "task": "postmortems.trackers.tasks.reconcile_trackers",
        "schedule": TRACKER_RECONCILE_SECONDS,
        "options": {"expires": TRACKER_RECONCILE_SECONDS},
    },
    "oncall-feeds-import": {
        "task": "postmortems.alerting.tasks.import_schedule_feeds",
        "schedule": ONCALL_FEED_IMPORT_SECONDS,
        "options": {"expires": ONCALL_FEED_IMPORT_SECONDS},
    },
    # Who was in an editor, for reviews nobody opened again (postmortems/presence/).
    "prune-presence": {
        "task": "postmortems.presence.tasks.prune_presence",
        "schedule": 3600,
        "options": {"expires": 3600},
    },
    "prune-idempotency-keys": {
        "task": "postmortems.api.tasks.prune_idempotency_keys",
        "schedule": 3600,
        "options": {"expires": 3600},
    },
    "beat-heartbeat": {
        "task": "postmortems.notifications.tasks.record_beat_heartbeat",
        "schedule": BEAT_HEARTBEAT_SECONDS,
        "options": {"expires": BEAT_HEARTBEAT_SECONDS},
    },
}
