"""Pipeline CRM settings: one module, configured through the environment."""

import ipaddress
import os
from datetime import timedelta
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


def env_bool(name: str, default: bool = False) -> bool:
    """Read a boolean; anything but 1/0/true/false/yes/no/on/off is a configuration error."""
    raw = os.environ.get(name)
    if raw is None:
        return default
    value = raw.strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise ImproperlyConfigured(f"{name} must be one of 1/0/true/false/yes/no, not {raw!r}")


def env_int(name: str, default: int) -> int:
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    try:
        return int(raw)
    except ValueError as exc:
        raise ImproperlyConfigured(f"{name} must be an integer, not {raw!r}") from exc


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


def env_networks(name: str) -> list[str]:
    """Comma-separated IP addresses or networks (CIDR); anything else is an error."""
    networks = env_list(name)
    for network in networks:
        try:
            ipaddress.ip_network(network, strict=False)
        except ValueError as exc:
            raise ImproperlyConfigured(
                f"{name} takes IP addresses or networks, not {network!r}"
            ) from exc
    return networks


DEBUG = env_bool("DJANGO_DEBUG")
# Without a key the insecure development one is used; `check --deploy` flags it (security.W009).
SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY") or "django-insecure-development-key-change-me"
ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS", "localhost,127.0.0.1,[::1]")
CSRF_TRUSTED_ORIGINS = env_list("DJANGO_CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    # First: its `loaddata` (ignoring kept deal totals in old dumps) must win over
    # modeltranslation's, as the first app with a command gives it.
    "opportunities",
    # Before the admin, whose autodiscovery must see the translated lookups' fields.
    "modeltranslation",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django.forms",
    "django_filters",
    "django_tables2",
    "django_htmx",
    "simple_history",
    "django_countries",
    "csp",
    "axes",
    "django_tasks",
    "django_tasks_db",
    "pipeline_crm",
    "accounts",
    "activities",
    "forecasting",
    "jobs",
    "quotes",
    "home",
    "demo",
]

MIDDLEWARE = [
    "pipeline_crm.stack_room.StackRoomMiddleware",
    "pipeline_crm.middleware.TrustedProxyMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "pipeline_crm.lookups.LookupMemoMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "pipeline_crm.middleware.NoStoreMiddleware",
    "csp.middleware.CSPMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.auth.middleware.LoginRequiredMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "pipeline_crm.request_guard.RefuseNulMiddleware",
    "pipeline_crm.storage.StorageFullMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    "axes.middleware.AxesMiddleware",
    "pipeline_crm.login_limits.TrustedDeviceMiddleware",
    "pipeline_crm.db.StatementTimeoutMiddleware",
]

ROOT_URLCONF = "home.urls"
WSGI_APPLICATION = "pipeline_crm.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "pipeline_crm.context_processors.navigation",
            ],
        },
    },
    {
        # The rows of the busiest tables only (jinja/): a Jinja2 template compiles to Python
        # and renders fifty rows several times faster than the Django template language.
        "BACKEND": "django.template.backends.jinja2.Jinja2",
        "DIRS": [BASE_DIR / "jinja"],
        "APP_DIRS": False,
        "OPTIONS": {"environment": "pipeline_crm.jinja2.environment"},
    },
]

# Widgets render through TEMPLATES, so templates/django/forms/ can override Django's own.
FORM_RENDERER = "django.forms.renderers.TemplatesSetting"

DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL", f"sqlite:///{BASE_DIR / 'db.sqlite3'}"),
        conn_max_age=env_int("DJANGO_CONN_MAX_AGE", 60),
        conn_health_checks=True,
    )
}
DATABASES["default"]["ATOMIC_REQUESTS"] = True
# Seconds a web request's SQL statement may run before PostgreSQL cancels it (the request then
# gets a 503 page); 0 turns it off. Set on the connections of web processes only, by wsgi.py
# (`pipeline_crm.db.limit_web_statements`): commands run from a shell have none. Keep it below
# GUNICORN_TIMEOUT (gunicorn.conf.py refuses to start otherwise).
DATABASE_STATEMENT_TIMEOUT = env_int("DJANGO_STATEMENT_TIMEOUT", 30)
if DATABASE_STATEMENT_TIMEOUT < 0:
    raise ImproperlyConfigured("DJANGO_STATEMENT_TIMEOUT must be 0 (off) or a number of seconds")
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # The CRM's working set fits in memory (100,000 deals are 22 MB), where reading a row by
    # index costs about what reading it in sequence does. PostgreSQL's default cost of 4 for
    # a random read assumes spinning disks: it hashed all 5,000 accounts to join fifty deals.
    # DATABASE_URL's own ?options= are kept; DJANGO_PG_OPTIONS="" sends none (PgBouncer).
    options = DATABASES["default"].setdefault("OPTIONS", {})
    options["options"] = " ".join(
        part
        for part in (
            options.get("options", ""),
            os.environ.get("DJANGO_PG_OPTIONS", "-c random_page_cost=1.1"),
        )
        if part
    )
    if not options["options"]:
        del options["options"]
    # Server-side prepared statements are opt-in, as in Django: DJANGO_PG_PREPARE=N prepares a
    # statement on its Nth run on a connection (with server-side binding). They save planning
    # time, but behind PgBouncer in transaction mode (before 1.24, or without
    # max_prepared_statements) they break, and from a statement's sixth run PostgreSQL may
    # switch to a generic plan that ignores the parameters' values (issue 20 measured the
    # win/loss report going from 1.7 s to 2.8 s that way at 1,000,000 deals). A migration
    # that changes a column's type retires prepared statements: see `pipeline_crm.db`.
    if os.environ.get("DJANGO_PG_PREPARE", "").strip():
        options.setdefault("server_side_binding", True)
        options.setdefault("prepare_threshold", env_int("DJANGO_PG_PREPARE", 2))
elif DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # SQLite has no covering indexes: it builds those indexes without their INCLUDE columns.
    SILENCED_SYSTEM_CHECKS = ["models.W040"]
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Background jobs (big imports and exports, reminders) go through Django's tasks interface
# into the database; `manage.py worker` runs them. Tests run them at once (tests/conftest.py).
TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}
FORMS_URLFIELD_ASSUME_HTTPS = True

AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "dashboard"
LOGOUT_REDIRECT_URL = "login"

# Login limits (pipeline_crm.login_limits). Five failures lock the user name + address pair
# for an hour (django-axes); ten checked failures in an hour, from any address, make the
# account refuse browsers it does not know until the oldest leaves the hour. Browsers the user
# signed in with before are not held back by that second limit, so an attacker cannot use it
# to lock the owner out; a password reset by e-mail signs the user in and so makes a new
# browser known.
AXES_HANDLER = "pipeline_crm.login_limits.LoginLimitHandler"
AXES_FAILURE_LIMIT = env_int("AXES_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = 1
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_RESET_ON_SUCCESS = True
# A refused attempt checks no password: it neither counts nor makes the lock last longer.
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
LOGIN_ACCOUNT_FAILURE_LIMIT = env_int("DJANGO_LOGIN_ACCOUNT_LIMIT", 10)
LOGIN_ACCOUNT_WINDOW = timedelta(minutes=env_int("DJANGO_LOGIN_ACCOUNT_WINDOW_MINUTES", 60))
LOGIN_TRUSTED_DEVICE_DAYS = env_int("DJANGO_LOGIN_TRUSTED_DEVICE_DAYS", 180)
# A reset link works for an hour (Django's default is three days in a mailbox).
PASSWORD_RESET_TIMEOUT = env_int("DJANGO_PASSWORD_RESET_SECONDS", 3600)

LANGUAGE_CODE = "en"
# English comes in two regions: "en" writes dates the American way (12/06/2026, 1:35 p.m.),
# "en-gb" the European way (06/12/2026, 13:35). LocaleMiddleware follows the browser's region:
# Accept-Language en-GB gives en-gb, en-US (or another English) gives en.
LANGUAGES = [
    ("en", _("English (US)")),
    ("en-gb", _("English (UK)")),
    ("sv", _("Swedish")),
    ("nb", _("Norwegian Bokmål")),
    ("pl", _("Polish")),
    ("de", _("German")),
]
LOCALE_PATHS = [BASE_DIR / "locale"]
# Lookup names per language (django-modeltranslation, `translation.py` of each app): one column
# per language; English (UK) reads the English one. A name not given in the user's language is
# shown in English, else in the first language that has it. The `name` column itself holds the
# English name (`pipeline_crm.lookups.Lookup.save`), which commands and the CLI's CSV print.
MODELTRANSLATION_LANGUAGES = ("en", "sv", "nb", "pl", "de")
MODELTRANSLATION_DEFAULT_LANGUAGE = "en"
MODELTRANSLATION_FALLBACK_LANGUAGES = ("en", "sv", "nb", "pl", "de")
# Where a language's date and time formats differ from Django's (pipeline_crm/formats/).
FORMAT_MODULE_PATH = ["pipeline_crm.formats"]
TIME_ZONE = os.environ.get("DJANGO_TIME_ZONE", "Europe/Stockholm")
USE_I18N = True
USE_TZ = True
# Grouping is applied where a figure is shown (the money filter), never to ids in URLs or
# data attributes: {{ pk }} must render 1713, not 1,713.
USE_THOUSAND_SEPARATOR = False

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "pipeline_crm.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}
WHITENOISE_USE_FINDERS = DEBUG
# Uploaded documents live outside static/ and are only served through permission-checked views.
MEDIA_ROOT = Path(os.environ.get("DJANGO_MEDIA_ROOT", BASE_DIR / "media"))
MEDIA_URL = "/_private-media/"  # never routed: documents go through a permission-checked view

# E-mail (password resets, reminders): printed on the console unless an SMTP host is set.
EMAIL_HOST = os.environ.get("DJANGO_EMAIL_HOST", "").strip()
EMAIL_BACKEND = os.environ.get("DJANGO_EMAIL_BACKEND") or (
    "django.core.mail.backends.smtp.EmailBackend"
    if EMAIL_HOST
    else "django.core.mail.backends.console.EmailBackend"
)
EMAIL_HOST = EMAIL_HOST or "localhost"
# STARTTLS (port 587) by default; DJANGO_EMAIL_USE_SSL=1 for implicit TLS (port 465).
EMAIL_USE_SSL = env_bool("DJANGO_EMAIL_USE_SSL")
EMAIL_USE_TLS = env_bool("DJANGO_EMAIL_USE_TLS", default=not EMAIL_USE_SSL)
if EMAIL_USE_TLS and EMAIL_USE_SSL:
    raise ImproperlyConfigured("Set only one of DJANGO_EMAIL_USE_TLS and DJANGO_EMAIL_USE_SSL")
EMAIL_PORT = env_int("DJANGO_EMAIL_PORT", 465 if EMAIL_USE_SSL else 587)
EMAIL_HOST_USER = os.environ.get("DJANGO_EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("DJANGO_EMAIL_HOST_PASSWORD", "")
EMAIL_TIMEOUT = env_int("DJANGO_EMAIL_TIMEOUT", 10)  # a stuck server must not hold a request
DEFAULT_FROM_EMAIL = os.environ.get("DJANGO_DEFAULT_FROM_EMAIL", "crm@localhost")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# Security headers. With debug off the site is HTTPS-only unless DJANGO_HTTPS=0 (local http).
HTTPS = env_bool("DJANGO_HTTPS", default=not DEBUG)
SECURE_SSL_REDIRECT = HTTPS
SESSION_COOKIE_SECURE = HTTPS
CSRF_COOKIE_SECURE = HTTPS
SECURE_HSTS_SECONDS = 31_536_000 if HTTPS else 0
SECURE_HSTS_INCLUDE_SUBDOMAINS = HTTPS
SECURE_HSTS_PRELOAD = HTTPS
# The reverse proxy in front (docker-compose.yml: Caddy): its addresses or networks. Only
# from them are X-Forwarded-Proto and X-Forwarded-For believed (TrustedProxyMiddleware); with
# none set, gunicorn faces the clients and the headers are never believed.
TRUSTED_PROXIES = env_networks("DJANGO_TRUSTED_PROXIES")
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if TRUSTED_PROXIES else None
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
SESSION_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"

CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
        "base-uri": ["'self'"],
        "object-src": ["'none'"],
    }
}

FILTERS_EMPTY_CHOICE_LABEL = _("All")
# No "(none)" choice by default: a status or a stage is never empty. Filters on an optional
# foreign key offer it themselves (null_label).
FILTERS_NULL_CHOICE_LABEL = None

DJANGO_TABLES2_TEMPLATE = "django_tables2/pipeline.html"
DJANGO_TABLES2_TABLE_ATTRS = {"class": "data-table"}

# Uploads: documents up to this many bytes (issue: 20 MB by default).
DOCUMENT_MAX_BYTES = env_int("DOCUMENT_MAX_BYTES", 20 * 1024 * 1024)
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
# Django's handlers, with a temporary file that a full disk removes at once (pipeline_crm.storage).
FILE_UPLOAD_HANDLERS = [
    "django.core.files.uploadhandler.MemoryFileUploadHandler",
    "pipeline_crm.storage.UploadTemporaryFileHandler",
]

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    # A 403 is the CRM doing its job: one line in the log, not a traceback.
    "filters": {"forbidden_in_one_line": {"()": "pipeline_crm.log.ForbiddenInOneLine"}},
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "loggers": {"django.request": {"filters": ["forbidden_in_one_line"]}},
    "root": {"handlers": ["console"], "level": os.environ.get("DJANGO_LOG_LEVEL", "WARNING")},
}
