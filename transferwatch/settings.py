"""The one settings file. Every value comes from the environment, with defaults that just work.

TRANSFERWATCH_MODE     development (default) or production
TRANSFERWATCH_DATA_DIR folder for SQLite, the warehouse and development keys (default ./var)
DATABASE_URL           postgres://USER@HOST:PORT/DBNAME; unset means SQLite in the data folder
TRANSFERWATCH_WAREHOUSE  where bookings live: unset (Parquet in the data folder), postgresql://... or spark://HOST:PORT
SECRET_KEY             required in production
TRANSFERWATCH_AUDIT_KEY or TRANSFERWATCH_AUDIT_KEY_FILE   HMAC key of the audit chain; required in production
DEBUG                  defaults to on in development, off in production
TRANSFERWATCH_REQUIRE_2FA  second factor for staff; defaults to on in production, off in development
ALLOWED_HOSTS          comma-separated, production only (default: none)
EMAIL_HOST, EMAIL_PORT SMTP server for notifications (default 127.0.0.1:8025, a local server)
EMAIL_HOST_USER, EMAIL_HOST_PASSWORD, EMAIL_USE_TLS   SMTP sign-in and STARTTLS (default: none)
DEFAULT_FROM_EMAIL     sender of notifications
TRANSFERWATCH_MAIL_TO  where letters and recommendations go, `kind=address,...` (README)
TRANSFERWATCH_BASE_URL the address of the site, for links in e-mail
"""

import os
from datetime import timedelta
from pathlib import Path

from transferwatch.lib import config

ENV = dict(os.environ)
BASE_DIR = Path(__file__).resolve().parent
MODE = config.mode(ENV)
PRODUCTION = MODE == "production"
DATA_DIR = config.data_dir(ENV, Path.cwd())
SECRET_KEY = config.secret_key(ENV, MODE, DATA_DIR)
AUDIT_KEY = config.audit_key(ENV, MODE, DATA_DIR)
DEBUG = config.env_flag(ENV, "DEBUG", default=not PRODUCTION)
DATABASES = {"default": config.database(ENV, DATA_DIR, MODE)}
ALLOWED_HOSTS = config.allowed_hosts(ENV, MODE)

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_htmx",
    "ninja",  # serves the API docs page from its own static files, not a CDN
    "django_otp",
    "django_otp.plugins.otp_totp",
    "axes",
    "django_tasks",
    "django_tasks_db",
    "transferwatch.accounts",
    "transferwatch.audit",
    "transferwatch.agencies",
    "transferwatch.transfers",
    "transferwatch.imports",
    "transferwatch.cases",
    "transferwatch.discretion",
    "transferwatch.escalations",
    "transferwatch.meetings",
    "transferwatch.monitoring",
    "transferwatch.reports",
    "transferwatch.api",
    "transferwatch.notifications",
    "transferwatch.search",
    "transferwatch.demo",
    "transferwatch.backup",
]
# Listed before django_tasks_db so that its `db_worker` (graceful shutdown) is the one that runs.
INSTALLED_APPS.insert(INSTALLED_APPS.index("django_tasks"), "transferwatch.operations")

MIDDLEWARE = [
    "transferwatch.lib.requestid.RequestIdMiddleware",
    # /healthz and /readyz answer before HTTPS redirects, host checks, sessions and sign-in.
    "transferwatch.operations.health.HealthCheckMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "transferwatch.lib.csp.ContentSecurityPolicyMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "transferwatch.accounts.second_factor.RequireSecondFactorMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "axes.middleware.AxesMiddleware",
]
if PRODUCTION:
    # The app serves its collected static files itself, right after the HTTPS redirect.
    after_security = MIDDLEWARE.index("django.middleware.security.SecurityMiddleware") + 1
    MIDDLEWARE.insert(after_security, "whitenoise.middleware.WhiteNoiseMiddleware")

# Long work (imports, monitoring runs, packets) runs as tasks; `transferwatch db_worker` runs them.
TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}

ROOT_URLCONF = "transferwatch.urls"
WSGI_APPLICATION = "transferwatch.wsgi.application"
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "accounts.User"

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
                "transferwatch.accounts.context.role",
            ],
            "builtins": ["transferwatch.lib.uswds"],
        },
    },
]

# Accounts: Argon2 first; attempts limited by django-axes; sessions end after 30 idle minutes.
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_FAILURE_LIMIT = 5
AXES_COOLOFF_TIME = timedelta(minutes=15)
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_VERBOSE = False
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"
# Staff confirm sign-in with a code from an authenticator app (TOTP). On by default in production;
# off in development so the demo users can sign in with their printed passwords alone.
REQUIRE_SECOND_FACTOR = config.env_flag(ENV, "TRANSFERWATCH_REQUIRE_2FA", default=PRODUCTION)
OTP_TOTP_ISSUER = "TransferWatch"
SESSION_COOKIE_AGE = 30 * 60
SESSION_SAVE_EVERY_REQUEST = True
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"

if PRODUCTION:
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_SSL_REDIRECT = config.env_flag(ENV, "SECURE_SSL_REDIRECT", default=True)
    SECURE_HSTS_SECONDS = 31536000
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

LANGUAGE_CODE = "en-us"
# The public report pages are offered in English and Spanish (transferwatch/cases/locale).
LANGUAGES = [("en", "English"), ("es", "Español")]
TIME_ZONE = "America/New_York"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = DATA_DIR / "static"
# The app serves its own static files (WhiteNoise). In production they are collected first
# (`transferwatch collectstatic`), with hashed names and gzip/brotli copies, cached for a year.
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if PRODUCTION
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}
# Not worth compressing: the ~2,400 small USWDS icons, fonts browsers never fetch (TrueType beside
# WOFF2) and source maps; compressing them took collectstatic from ~20 s to minutes.
WHITENOISE_SKIP_COMPRESS_EXTENSIONS = (
    *("jpg", "jpeg", "png", "gif", "webp", "zip", "gz", "tgz", "bz2", "tbz", "xz", "br"),
    *("swf", "flv", "woff", "woff2", "3gp", "3gpp", "asf", "avi", "m4v", "mov", "mp4"),
    *("mpeg", "mpg", "webm", "wmv", "svg", "ttf", "map"),
)
WAREHOUSE_DIR = DATA_DIR / "warehouse"
WAREHOUSE = config.warehouse(ENV)  # "" for the Parquet files in WAREHOUSE_DIR
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
# Files sent with allegations: outside the web root, random names, served only to permitted roles.
ATTACHMENTS_DIR = DATA_DIR / "attachments"
ATTACHMENT_MAX_BYTES = 10 * 1024 * 1024
ATTACHMENT_MAX_FILES = 5
REPORT_MAX_REQUEST_BYTES = ATTACHMENT_MAX_FILES * ATTACHMENT_MAX_BYTES + 1024 * 1024
# The most rows one CSV or Excel export of a staff list holds (streamed; Excel stops at 1,048,575).
EXPORT_MAX_ROWS = config.env_int(ENV, "TRANSFERWATCH_EXPORT_MAX_ROWS", 1_000_000)

# E-mail goes to an SMTP server (by default a local one on 127.0.0.1, as `make demo` starts);
# every message is kept in the outbox (transferwatch/notifications), delivered or failed.
EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
EMAIL_HOST = ENV.get("EMAIL_HOST", "127.0.0.1")
EMAIL_PORT = config.env_int(ENV, "EMAIL_PORT", 8025)
EMAIL_HOST_USER = ENV.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = ENV.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = config.env_flag(ENV, "EMAIL_USE_TLS", default=False)
EMAIL_TIMEOUT = 20
DEFAULT_FROM_EMAIL = ENV.get("DEFAULT_FROM_EMAIL", "TransferWatch <transferwatch@localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
MAIL_TO = config.mail_to(ENV, MODE)
BASE_URL = ENV.get("TRANSFERWATCH_BASE_URL", "http://127.0.0.1:8000").rstrip("/")

# No personal data in logs: messages name records by id only, and request bodies are never logged.
# TRANSFERWATCH_LOG_FORMAT: `json` (one object a line, the default in production) or `plain`.
LOG_FORMAT = config.log_format(ENV, MODE)
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"request_id": {"()": "transferwatch.lib.jsonlog.RequestIdFilter"}},
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"},
        "json": {"()": "transferwatch.lib.jsonlog.JsonFormatter"},
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": LOG_FORMAT,
            "filters": ["request_id"],
        }
    },
    "root": {"handlers": ["console"], "level": "INFO"},
    "loggers": {
        "axes": {"level": "WARNING"},
        "weasyprint": {"level": "WARNING"},
        # Our request log line (lib/requestid.py) replaces the development server's own.
        "django.server": {"level": "WARNING"},
    },
}
