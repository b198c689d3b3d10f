"""One settings module, driven by the environment (see .env.example)."""

import hashlib
import tempfile
from pathlib import Path

import environ
from celery.schedules import crontab
from django.core.exceptions import ImproperlyConfigured
from django.utils.csp import CSP

from mavis import environment

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
# The process environment over .env; an empty value counts as unset (mavis/environment.py).
env.ENVIRON = environment.read(BASE_DIR / ".env")

ENVIRONMENT = env.str("MAVIS_ENVIRONMENT", default="development")
if ENVIRONMENT not in {"development", "test", "production"}:
    raise ImproperlyConfigured(f"MAVIS_ENVIRONMENT must be development, test or production, not {ENVIRONMENT!r}")
PRODUCTION = ENVIRONMENT == "production"

DEBUG = env.bool("DJANGO_DEBUG", default=ENVIRONMENT == "development")
SECRET_KEY = env.str("DJANGO_SECRET_KEY", default="" if PRODUCTION else "insecure-development-key")
if not SECRET_KEY:
    raise ImproperlyConfigured("DJANGO_SECRET_KEY must be set in production.")
ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "testserver"])
CSRF_TRUSTED_ORIGINS = env.list("DJANGO_CSRF_TRUSTED_ORIGINS", default=[])
# `make run` serves the app on WEB_PORT and the local Notify on NOTIFY_PORT; unless they are set,
# MAVIS_BASE_URL and NOTIFY_BASE_URL follow them, so links and delivery receipts reach the app.
WEB_PORT = env.int("WEB_PORT", default=8000)
NOTIFY_PORT = env.int("NOTIFY_PORT", default=6011)
MAVIS_BASE_URL = env.str("MAVIS_BASE_URL", default=f"http://127.0.0.1:{WEB_PORT}").rstrip("/")

INSTALLED_APPS = [
    "mavis",
    "patients",
    "sessions.apps.SessionsConfig",
    "notifications",
    "consent",
    "clinics",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "mavis.middleware.NoStoreMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "mavis.middleware.SessionActivityMiddleware",
    "django.contrib.auth.middleware.LoginRequiredMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "mavis.middleware.CurrentTeamMiddleware",
    "mavis.middleware.RejectNulBytesMiddleware",
    "mavis.middleware.AuditActorMiddleware",
]

ROOT_URLCONF = "mavis.urls"
WSGI_APPLICATION = "mavis.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.jinja2.Jinja2",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": False,
        "OPTIONS": {
            "environment": "mavis.jinja2.environment",
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.csp",
                "django.contrib.messages.context_processors.messages",
                "mavis.context_processors.service",
            ],
        },
    },
    {
        # Django templates only for the admin.
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

DATABASES = {"default": env.db("DATABASE_URL", default="postgres://postgres@127.0.0.1:5432/mavis")}
DATABASES["default"]["ENGINE"] = "django.db.backends.postgresql"
DATABASES["default"]["CONN_MAX_AGE"] = env.int("DATABASE_CONN_MAX_AGE", default=60)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
# No JIT: it compiles a query again on every run and pays off only for long reports; a page's
# count over 20,000 children crossed jit_above_cost and took 200 ms more (decision 0009).
DATABASES["default"].setdefault("OPTIONS", {})["options"] = "-c jit=off"
DATABASES["default"].setdefault("TEST", {})["NAME"] = env.str("DATABASE_TEST_NAME", default=None)
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

REDIS_URL = env.str("REDIS_URL", default="redis://127.0.0.1:6379/0")
CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": REDIS_URL,
        "KEY_PREFIX": env.str("CACHE_KEY_PREFIX", default="mavis"),
    }
}

AUTH_USER_MODEL = "mavis.User"
LOGIN_URL = "mavis:sign_in"
LOGIN_REDIRECT_URL = "mavis:home"
LOGOUT_REDIRECT_URL = "mavis:sign_in"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
# Argon2 (memory-hard; Django's recommendation) for new and re-hashed passwords: it also costs
# about a third less CPU per sign-in than PBKDF2 here. PBKDF2 hashes are upgraded at sign-in.
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2SHA1PasswordHasher",
    "django.contrib.auth.hashers.ScryptPasswordHasher",
]
if ENVIRONMENT == "test":
    # Tests create users and sign in thousands of times: a fast hasher first. Production and
    # development keep Argon2 (tests/mavis/test_environment.py checks both).
    PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher", *PASSWORD_HASHERS]
    # Test data need not survive a crash: a commit does not wait for its WAL flush (about 1 ms
    # here), which transactional tests, live servers and workers pay on every request and batch.
    # Nothing can be corrupted; the server's own setting is untouched (docs/decisions/0005).
    _options = DATABASES["default"].setdefault("OPTIONS", {})
    _options["options"] = f"{_options.get('options', '')} -c synchronous_commit=off".strip()
# The sign-in throttle (mavis/throttle.py), for the service's sign-in and the Django admin.
AUTHENTICATION_BACKENDS = ["mavis.auth.ThrottledModelBackend"]
LOGIN_FAILURE_LIMIT = env.int("LOGIN_FAILURE_LIMIT", default=5)  # one username from one address
LOGIN_ADDRESS_FAILURE_LIMIT = env.int("LOGIN_ADDRESS_FAILURE_LIMIT", default=50)  # one address, any usernames
LOGIN_USERNAME_FAILURE_LIMIT = env.int("LOGIN_USERNAME_FAILURE_LIMIT", default=20)  # one username, any address
LOGIN_USERNAME_SLOW_SECONDS = env.int("LOGIN_USERNAME_SLOW_SECONDS", default=10)
LOGIN_FAILURE_WINDOW_SECONDS = env.int("LOGIN_FAILURE_WINDOW_SECONDS", default=900)
# Proxies in front of the service that append to X-Forwarded-For. Production runs behind the
# load balancer (1): with 0 there, every client would share its address and one address limit.
TRUSTED_PROXY_COUNT = env.int("TRUSTED_PROXY_COUNT", default=1 if PRODUCTION else 0)

# Sign out after 30 minutes without a request (mavis.middleware.SessionActivityMiddleware).
SESSION_COOKIE_AGE = 30 * 60
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
# In PostgreSQL alone, so signed-in nurses keep working if Redis is unavailable.
SESSION_ENGINE = "django.contrib.sessions.backends.db"

LANGUAGE_CODE = "en-gb"
TIME_ZONE = "Europe/London"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if PRODUCTION
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}
WHITENOISE_USE_FINDERS = not PRODUCTION  # serve straight from static/ without collectstatic
WHITENOISE_AUTOREFRESH = DEBUG
DATA_UPLOAD_MAX_MEMORY_SIZE = 20 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 20 * 1024 * 1024

# Security headers.
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_SSL_REDIRECT = env.bool("DJANGO_SECURE_SSL_REDIRECT", default=False)
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
# Secure cookies in production; the loopback load test turns them off (it speaks plain HTTP).
SESSION_COOKIE_SECURE = CSRF_COOKIE_SECURE = env.bool("DJANGO_SECURE_COOKIES", default=PRODUCTION)
SESSION_COOKIE_HTTPONLY = True
SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF, CSP.NONCE],
    "style-src": [CSP.SELF, CSP.NONCE],
    "img-src": [CSP.SELF, "data:"],
    "font-src": [CSP.SELF, "https://assets.nhs.uk"],
    "connect-src": [CSP.SELF],
    "frame-ancestors": [CSP.NONE],
    "form-action": [CSP.SELF],
    "base-uri": [CSP.SELF],
    "object-src": [CSP.NONE],
}

# Celery: JSON only, late acknowledgement so a killed worker's task runs again.
CELERY_BROKER_URL = REDIS_URL
CELERY_RESULT_BACKEND = None
CELERY_TASK_IGNORE_RESULT = True
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_SERIALIZER = "json"
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_TIME_LIMIT = 15 * 60
CELERY_TASK_SOFT_TIME_LIMIT = 14 * 60
CELERY_TIMEZONE = "UTC"  # beat in UTC; business dates are computed in London time in tasks
CELERY_ENABLE_UTC = True
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 3600, "socket_connect_timeout": 2, "socket_timeout": 5}
# With the broker down, give up publishing quickly: the outbox keeps the work and beat retries.
CELERY_TASK_PUBLISH_RETRY_POLICY = {"max_retries": 2, "interval_start": 0, "interval_step": 0.2, "interval_max": 0.2}
# Beat names tasks by string so settings import no app. Each task is idempotent.
CELERY_BEAT_SCHEDULE = {
    "dispatch-notify-outbox": {"task": "notifications.dispatch_due", "schedule": 60.0},
    "resume-cohort-imports": {"task": "patients.cohort_imports_resume", "schedule": 60.0},
    "clinic-invitation-sweep": {"task": "clinics.invitation_sweep", "schedule": crontab(minute="*/15")},
    "prune-team-writes": {"task": "mavis.team_writes_prune", "schedule": crontab(minute=7)},
}
# Beat's record of last runs (every task is idempotent, so losing it costs one early run). In the
# temporary folder, which always exists and is writable, one file per checkout.
CELERY_BEAT_SCHEDULE_FILENAME = env.str(
    "CELERY_BEAT_SCHEDULE_FILENAME",
    default=str(
        Path(tempfile.gettempdir()) / f"mavis-celerybeat-{hashlib.sha256(str(BASE_DIR).encode()).hexdigest()[:12]}"
    ),
)

# GOV.UK Notify (see notifications/).
# Outside production the default key is the local Notify's ({name}-{service id}-{secret}).
LOCAL_NOTIFY_API_KEY = "local-5d3c8a64-3f0e-4b8a-9d59-2c1f6e7a8b90-0f4e2c1a-7b6d-4e59-a8c3-9d2b1e0f7a64"
NOTIFY_API_KEY = env.str("NOTIFY_API_KEY", default="") or ("" if PRODUCTION else LOCAL_NOTIFY_API_KEY)
NOTIFY_BASE_URL = env.str("NOTIFY_BASE_URL", default=f"http://127.0.0.1:{NOTIFY_PORT}")
# Where the local Notify posts delivery receipts (configure the same URL in GOV.UK Notify).
NOTIFY_CALLBACK_URL = env.str("NOTIFY_CALLBACK_URL", default="") or MAVIS_BASE_URL + "/notifications/callback"
# Dispatch tuning: rows claimed per task, sending threads per worker process, claim lease,
# client timeout, retry backoff (exponential with jitter) and when to give up on a message.
NOTIFY_BATCH_SIZE = env.int("NOTIFY_BATCH_SIZE", default=100)
NOTIFY_THREADS = env.int("NOTIFY_THREADS", default=16)
# A batch's lease, renewed every third of it while its worker lives (dispatch.ClaimHeartbeat):
# a killed worker's messages are sent by another within about this time.
NOTIFY_CLAIM_SECONDS = env.float("NOTIFY_CLAIM_SECONDS", default=30)
NOTIFY_TIMEOUT_SECONDS = env.float("NOTIFY_TIMEOUT_SECONDS", default=15)
NOTIFY_RETRY_BASE_SECONDS = env.float("NOTIFY_RETRY_BASE_SECONDS", default=15)
NOTIFY_RETRY_MAX_SECONDS = env.float("NOTIFY_RETRY_MAX_SECONDS", default=3600)
NOTIFY_MAX_ATTEMPTS = env.int("NOTIFY_MAX_ATTEMPTS", default=12)
NOTIFY_CALLBACK_TOKEN = env.str("NOTIFY_CALLBACK_TOKEN", default="" if PRODUCTION else "local-callback-token")
NOTIFY_RATE_PER_SECOND = env.float("NOTIFY_RATE_PER_SECOND", default=45)
# The default service's daily limits (a NotifyService row carries its own); bulk messages stop
# at NOTIFY_BULK_BUDGET_SHARE of them, leaving the rest for one-off messages.
NOTIFY_DAILY_EMAIL_BUDGET = env.int("NOTIFY_DAILY_EMAIL_BUDGET", default=250_000)
NOTIFY_DAILY_SMS_BUDGET = env.int("NOTIFY_DAILY_SMS_BUDGET", default=250_000)
NOTIFY_BULK_BUDGET_SHARE = env.float("NOTIFY_BULK_BUDGET_SHARE", default=0.95)
if PRODUCTION and not NOTIFY_API_KEY:
    raise ImproperlyConfigured(
        "NOTIFY_API_KEY is not set. In production every message goes to GOV.UK Notify; "
        "set NOTIFY_API_KEY (and NOTIFY_CALLBACK_TOKEN) before starting the service."
    )
if PRODUCTION and not NOTIFY_CALLBACK_TOKEN:
    raise ImproperlyConfigured("NOTIFY_CALLBACK_TOKEN must be set in production.")

LOG_LEVEL = env.str("LOG_LEVEL", default="INFO")
# Every handler carries the token filter, and Django's own loggers (which otherwise keep the
# handlers of Django's default logging, without it) write through this one handler.
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"redact_consent_tokens": {"()": "mavis.log_redaction.RedactConsentTokens"}},
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {
        "console": {"class": "logging.StreamHandler", "formatter": "plain", "filters": ["redact_consent_tokens"]}
    },
    "root": {"handlers": ["console"], "level": LOG_LEVEL},
    "loggers": {
        "django": {"handlers": [], "level": LOG_LEVEL, "propagate": True},
        "django.server": {"handlers": [], "level": LOG_LEVEL, "propagate": True},
        "django.db.backends": {"level": "WARNING"},
    },
}
CSRF_FAILURE_VIEW = "mavis.views.csrf_failure"

# GOV.UK Notify template ids per message kind and channel (a team can override any).
# The defaults are the local Notify's templates (notifications/local_notify/templates.py).
NOTIFY_TEMPLATES = {
    "clinic_invitation.email": env.str(
        "NOTIFY_TEMPLATE_CLINIC_INVITATION_EMAIL", default="6a1f4b4e-0b4c-4c8e-9a51-6b8d0d1a0001"
    ),
    "clinic_invitation.sms": env.str(
        "NOTIFY_TEMPLATE_CLINIC_INVITATION_SMS", default="6a1f4b4e-0b4c-4c8e-9a51-6b8d0d1a0002"
    ),
    "clinic_booking_reminder.email": env.str(
        "NOTIFY_TEMPLATE_CLINIC_BOOKING_REMINDER_EMAIL", default="6a1f4b4e-0b4c-4c8e-9a51-6b8d0d1a0003"
    ),
    "clinic_booking_reminder.sms": env.str(
        "NOTIFY_TEMPLATE_CLINIC_BOOKING_REMINDER_SMS", default="6a1f4b4e-0b4c-4c8e-9a51-6b8d0d1a0004"
    ),
    "consent_request.email": env.str(
        "NOTIFY_TEMPLATE_CONSENT_REQUEST_EMAIL", default="6a1f4b4e-0b4c-4c8e-9a51-6b8d0d1a0005"
    ),
    "consent_request.sms": env.str(
        "NOTIFY_TEMPLATE_CONSENT_REQUEST_SMS", default="6a1f4b4e-0b4c-4c8e-9a51-6b8d0d1a0006"
    ),
    "consent_confirmation_given.email": env.str(
        "NOTIFY_TEMPLATE_CONSENT_GIVEN_EMAIL", default="6a1f4b4e-0b4c-4c8e-9a51-6b8d0d1a0007"
    ),
    "consent_confirmation_given.sms": env.str(
        "NOTIFY_TEMPLATE_CONSENT_GIVEN_SMS", default="6a1f4b4e-0b4c-4c8e-9a51-6b8d0d1a0008"
    ),
    "consent_confirmation_refused.email": env.str(
        "NOTIFY_TEMPLATE_CONSENT_REFUSED_EMAIL", default="6a1f4b4e-0b4c-4c8e-9a51-6b8d0d1a0009"
    ),
    "consent_confirmation_refused.sms": env.str(
        "NOTIFY_TEMPLATE_CONSENT_REFUSED_SMS", default="6a1f4b4e-0b4c-4c8e-9a51-6b8d0d1a0010"
    ),
    "consent_confirmation_triage.email": env.str(
        "NOTIFY_TEMPLATE_CONSENT_TRIAGE_EMAIL", default="6a1f4b4e-0b4c-4c8e-9a51-6b8d0d1a0011"
    ),
    "consent_confirmation_triage.sms": env.str(
        "NOTIFY_TEMPLATE_CONSENT_TRIAGE_SMS", default="6a1f4b4e-0b4c-4c8e-9a51-6b8d0d1a0012"
    ),
    "test.email": env.str("NOTIFY_TEMPLATE_TEST_EMAIL", default="6a1f4b4e-0b4c-4c8e-9a51-6b8d0d1a0013"),
    "test.sms": env.str("NOTIFY_TEMPLATE_TEST_SMS", default="6a1f4b4e-0b4c-4c8e-9a51-6b8d0d1a0014"),
    "vaccination_confirmation.email": env.str(
        "NOTIFY_TEMPLATE_VACCINATION_CONFIRMATION_EMAIL", default="6a1f4b4e-0b4c-4c8e-9a51-6b8d0d1a0015"
    ),
    "vaccination_confirmation.sms": env.str(
        "NOTIFY_TEMPLATE_VACCINATION_CONFIRMATION_SMS", default="6a1f4b4e-0b4c-4c8e-9a51-6b8d0d1a0016"
    ),
    "vaccination_not_given.email": env.str(
        "NOTIFY_TEMPLATE_VACCINATION_NOT_GIVEN_EMAIL", default="6a1f4b4e-0b4c-4c8e-9a51-6b8d0d1a0017"
    ),
    "vaccination_not_given.sms": env.str(
        "NOTIFY_TEMPLATE_VACCINATION_NOT_GIVEN_SMS", default="6a1f4b4e-0b4c-4c8e-9a51-6b8d0d1a0018"
    ),
    "clinic_booking_confirmation.email": env.str(
        "NOTIFY_TEMPLATE_CLINIC_BOOKING_CONFIRMATION_EMAIL", default="6a1f4b4e-0b4c-4c8e-9a51-6b8d0d1a0019"
    ),
    "clinic_booking_confirmation.sms": env.str(
        "NOTIFY_TEMPLATE_CLINIC_BOOKING_CONFIRMATION_SMS", default="6a1f4b4e-0b4c-4c8e-9a51-6b8d0d1a0020"
    ),
    "clinic_appointment_reminder.email": env.str(
        "NOTIFY_TEMPLATE_CLINIC_APPOINTMENT_REMINDER_EMAIL", default="6a1f4b4e-0b4c-4c8e-9a51-6b8d0d1a0021"
    ),
    "clinic_appointment_reminder.sms": env.str(
        "NOTIFY_TEMPLATE_CLINIC_APPOINTMENT_REMINDER_SMS", default="6a1f4b4e-0b4c-4c8e-9a51-6b8d0d1a0022"
    ),
    "clinic_appointment_cancelled.email": env.str(
        "NOTIFY_TEMPLATE_CLINIC_APPOINTMENT_CANCELLED_EMAIL", default="6a1f4b4e-0b4c-4c8e-9a51-6b8d0d1a0023"
    ),
    "clinic_appointment_cancelled.sms": env.str(
        "NOTIFY_TEMPLATE_CLINIC_APPOINTMENT_CANCELLED_SMS", default="6a1f4b4e-0b4c-4c8e-9a51-6b8d0d1a0024"
    ),
}
