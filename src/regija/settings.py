"""Django settings, all from environment variables with defaults that give a working local instance."""

from __future__ import annotations

import datetime as dt
import os
import secrets
from pathlib import Path

import dj_database_url

from regija.core.release import release

PACKAGE_DIR = Path(__file__).resolve().parent
# The checkout (or unpacked source) the package lives in; it holds data/strategies.
PROJECT_DIR = PACKAGE_DIR.parent.parent


def _env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in ("1", "true", "yes", "on")


DATA_DIR = Path(os.environ.get("REGIJA_DATA_DIR", Path.cwd() / "var")).resolve()
SEED_DIR = Path(os.environ.get("REGIJA_SEED_DIR", PROJECT_DIR / "data" / "strategies"))


def _private_file(path: Path, content: str = "") -> bool:
    """Create ``path`` readable and writable by this user only (0600, whatever the umask) – never
    readable by others, not even for a moment – in a data folder of the same kind (0700). False when it
    exists already."""
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return False
    with os.fdopen(fd, "w") as file:
        file.write(content)
    return True


def _secret_key() -> str:
    if os.environ.get("SECRET_KEY"):
        return os.environ["SECRET_KEY"]
    # A local instance keeps a generated key in its data folder, so sessions survive restarts.
    key_file = DATA_DIR / "secret_key"
    key = secrets.token_urlsafe(50)
    try:
        if _private_file(key_file, key):
            return key
        if key_file.stat().st_mode & 0o077:  # written by an older version, readable by others
            key_file.chmod(0o600)
        return key_file.read_text().strip() or key
    except OSError:  # read-only location: fall back to a per-process key
        return key


SECRET_KEY = _secret_key()
DEBUG = _env_bool("DEBUG", False)
ALLOWED_HOSTS = [
    h.strip() for h in os.environ.get("ALLOWED_HOSTS", "localhost,127.0.0.1,[::1]").split(",") if h.strip()
]
CSRF_TRUSTED_ORIGINS = [o.strip() for o in os.environ.get("CSRF_TRUSTED_ORIGINS", "").split(",") if o.strip()]

INSTALLED_APPS = [
    "regija.core.admin_config.RegijaAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "regija.core",
    "regija.accounts",
    "regija.notify",
    "regija.strategies",
    "regija.projects",
    "regija.interchange",
    "regija.search",
    "regija.governance",
    "regija.calls",
    "regija.reports",
    "regija.lake",
    "regija.budgeting",
    "regija.participation",
    "regija.portal",
    "regija.events",
    "regija.context",
    "regija.places",
    "regija.fixes",
    "huey.contrib.djhuey",
    # one account system for residents, applicants and staff (regija.accounts, docs/accounts.md)
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "allauth.socialaccount",
    "allauth.socialaccount.providers.openid_connect",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # HTML, JSON and CSV answers gzip-compressed (Django's, with its BREACH mitigation); static files
    # are compressed once by WhiteNoise instead
    "django.middleware.gzip.GZipMiddleware",
    "regija.core.middleware.RefuseNulMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "regija.core.uploads.UploadLimitMiddleware",
    "regija.core.audit.AuditMiddleware",
    "regija.core.busy.BusyMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "regija.urls"
WSGI_APPLICATION = "regija.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [PACKAGE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "regija.core.context_processors.staff",
                "regija.core.context_processors.data_version",
                "regija.calls.context_processors.evaluation",
                "regija.notify.context_processors.notices",
            ],
        },
    }
]

if os.environ.get("DATABASE_URL"):
    DATABASES = {"default": dj_database_url.parse(os.environ["DATABASE_URL"], conn_max_age=60)}
else:
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": DATA_DIR / "regija.sqlite3",
            "OPTIONS": {
                # WAL lets readers work while an import writes; IMMEDIATE avoids lock upgrades failing.
                "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;",
                "transaction_mode": "IMMEDIATE",
            },
            # a worker keeps its connection between requests (as with DATABASE_URL): opening one and
            # running the PRAGMAs above cost about 1 ms per request, a tenth of a rendered page
            "CONN_MAX_AGE": 60,
            "CONN_HEALTH_CHECKS": True,
        }
    }
# A write that meets a lock (an import holds SQLite's write lock, PostgreSQL's row locks) waits at most
# REGIJA_DB_LOCK_WAIT seconds, then answers 503 with Retry-After (regija.core.busy), never a 500.
REGIJA_DB_LOCK_WAIT = float(os.environ.get("REGIJA_DB_LOCK_WAIT", "10"))
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"].setdefault("OPTIONS", {})["timeout"] = REGIJA_DB_LOCK_WAIT
elif DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    _db_options = DATABASES["default"].setdefault("OPTIONS", {})
    _db_options["options"] = (
        f"{_db_options.get('options', '')} -c lock_timeout={REGIJA_DB_LOCK_WAIT * 1000:.0f}".strip()
    )
# Cached pages live in Redis when REDIS_URL is set, else in files shared by the local workers.
if os.environ.get("REDIS_URL"):
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": os.environ["REDIS_URL"],
        }
    }
else:
    CACHES = {
        "default": {
            "BACKEND": "regija.core.cache.FileCache",
            "LOCATION": str(DATA_DIR / "cache"),
            "OPTIONS": {"MAX_ENTRIES": 20000},
        }
    }
# Cached pages, answers and fragments belong to the release that rendered them (regija.core.release):
# an upgrade starts with an empty cache instead of serving what the old code wrote.
REGIJA_RELEASE = release()
CACHES["default"]["KEY_PREFIX"] = REGIJA_RELEASE
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "regija.core.passwords.MinimumLengthValidator"},  # Django's, its message in Slovenian too
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "sl"
LANGUAGES = [("sl", "Slovenščina"), ("en", "English")]
LOCALE_PATHS = [PACKAGE_DIR / "locale"]
USE_I18N = True
USE_TZ = True
TIME_ZONE = "Europe/Ljubljana"
# One date format per language (regija/formats/sl, en): "1. 10. 2021" and "1 October 2021" everywhere.
FORMAT_MODULE_PATH = ["regija.formats"]

# Uploaded call documents and application attachments. Never served as static files: the views
# regija.calls.views_public.call_document and views_applicant.attachment_download check who may read them.
MEDIA_ROOT = Path(os.environ.get("REGIJA_MEDIA_DIR", DATA_DIR / "media")).resolve()
MEDIA_URL = "/media/"  # not routed; files go through the views above
REGIJA_MAX_UPLOAD_BYTES = int(os.environ.get("REGIJA_MAX_UPLOAD_MB", "10")) * 1024 * 1024
# An upload stops at the first chunk past REGIJA_MAX_UPLOAD_BYTES, and a request larger than
# REGIJA_MAX_REQUEST_BYTES in all is not read at all (regija.core.uploads).
REGIJA_MAX_REQUEST_BYTES = (
    int(os.environ.get("REGIJA_MAX_REQUEST_MB", 3 * REGIJA_MAX_UPLOAD_BYTES // (1024 * 1024))) * 1024 * 1024
)
FILE_UPLOAD_HANDLERS = [
    "regija.core.uploads.LimitedUploadHandler",
    "django.core.files.uploadhandler.MemoryFileUploadHandler",
    "django.core.files.uploadhandler.TemporaryFileUploadHandler",
]
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
FILE_UPLOAD_PERMISSIONS = 0o640

STATIC_URL = "static/"
STATIC_ROOT = DATA_DIR / "static"
try:  # WhiteNoise expects the folder even when it serves from the app folders
    STATIC_ROOT.mkdir(parents=True, exist_ok=True)
except OSError:
    pass
# `regija up` and deployments collect the files with hashed names and a gzip of each
# (core/staticstorage.py); a checkout that never collected is served straight from the app folders.
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "regija.core.staticstorage.StaticStorage"},
}
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = DEBUG

LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "account"
LOGOUT_REDIRECT_URL = "home"

# Map tiles: OpenStreetMap by default; point at your own tile server for offline or heavy use.
MAP_TILE_URL = os.environ.get("MAP_TILE_URL", "https://tile.openstreetmap.org/{z}/{x}/{y}.png")
MAP_ATTRIBUTION = os.environ.get("MAP_ATTRIBUTION", "© OpenStreetMap contributors")

SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True
if _env_bool("HTTPS", False):
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

# --- HTTPS, HSTS and the Content-Security-Policy (docs/deployment.md, "HTTPS and security headers") ---
# `regija django-check --deploy` is clean with HTTPS=true and a SECRET_KEY; a setting turned off below
# by its environment variable silences its own warning, as that is the deployer's stated choice.
SILENCED_SYSTEM_CHECKS: list[str] = []
if _env_bool("HTTPS", False):
    # plain HTTP is redirected to HTTPS, unless the proxy does it (SECURE_SSL_REDIRECT=false)
    SECURE_SSL_REDIRECT = _env_bool("SECURE_SSL_REDIRECT", True)
    # browsers keep to HTTPS for a year; 0 leaves HSTS to the proxy
    SECURE_HSTS_SECONDS = int(os.environ.get("SECURE_HSTS_SECONDS", str(365 * 24 * 3600)))
    # Off by default: both reach beyond this instance (every subdomain; browsers' built-in list) and
    # cannot be undone quickly, so only whoever runs the whole domain should turn them on.
    SECURE_HSTS_INCLUDE_SUBDOMAINS = _env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", False)
    SECURE_HSTS_PRELOAD = _env_bool("SECURE_HSTS_PRELOAD", False)
    SILENCED_SYSTEM_CHECKS += [
        check
        for check, on in (
            ("security.W008", SECURE_SSL_REDIRECT),
            ("security.W004", SECURE_HSTS_SECONDS),
            ("security.W005", SECURE_HSTS_INCLUDE_SUBDOMAINS),
            ("security.W021", SECURE_HSTS_PRELOAD),
        )
        if not on
    ]

# Content-Security-Policy (django-csp): no inline script or style anywhere – every script and style
# sheet is a static file (data for scripts is in <script type="application/json"> blocks, which do not
# run). Images may also come from the map's tile server (MAP_TILE_URL) and data: URLs (Leaflet's).
MIDDLEWARE.insert(
    MIDDLEWARE.index("django.middleware.security.SecurityMiddleware") + 1, "csp.middleware.CSPMiddleware"
)
# the API documentation (/api/v1/docs) from django-ninja's own static Swagger UI, not from a CDN
INSTALLED_APPS.append("ninja")


def _tile_origin(template: str) -> str | None:
    from urllib.parse import urlsplit

    parts = urlsplit(template)
    if not parts.scheme or not parts.netloc:
        return None  # tiles from this site
    return f"{parts.scheme}://{parts.netloc.replace('{s}', '*')}"


CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:", *filter(None, [_tile_origin(MAP_TILE_URL)])],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'none'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "WARNING")},
}

# --- Accounts: sign-in throttling, password reset by e-mail, private data files ----------------------
# (docs/architecture.md, "Dependencies and why"; the variables in docs/deployment.md)

# Failed sign-ins are counted per account and per address by django-axes, on every login that calls
# django.contrib.auth.authenticate with the request (the site's /prijava/ and /admin/login/); after
# REGIJA_LOGIN_FAILURES of them that account, and that address, wait REGIJA_LOGIN_COOLOFF_MINUTES.
INSTALLED_APPS += ["axes"]
MIDDLEWARE += ["axes.middleware.AxesMiddleware"]  # last, as django-axes asks
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_FAILURE_LIMIT = int(os.environ.get("REGIJA_LOGIN_FAILURES", "5"))
AXES_COOLOFF_TIME = dt.timedelta(minutes=int(os.environ.get("REGIJA_LOGIN_COOLOFF_MINUTES", "15")))
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]  # each on its own: the account, the address
AXES_LOCKOUT_CALLABLE = "regija.core.accounts.locked_out"
AXES_CLIENT_IP_CALLABLE = "regija.core.accounts.client_ip"
AXES_DISABLE_ACCESS_LOG = True  # successful sign-ins are not kept (personal data we do not need)
AXES_ENABLE_ADMIN = False  # the records are lifted with `regija axes_reset_username NAME`
# Reverse proxies in front of the app that append to X-Forwarded-For (HTTPS=true means one, nginx or
# Caddy, unless set); 0 trusts only the connection's address.
REGIJA_PROXIES = int(os.environ.get("REGIJA_PROXIES", "1" if _env_bool("HTTPS", False) else "0"))

# Self-registration of applicant organisations (docs/calls.md, "How an applicant gets an account"): the
# e-mailed confirmation link works for REGIJA_REGISTRATION_LINK_DAYS; one address may send at most
# REGIJA_REGISTRATION_LIMIT registrations (and re-sent e-mails) an hour, counted in the cache.
REGIJA_REGISTRATION_LINK_DAYS = int(os.environ.get("REGIJA_REGISTRATION_LINK_DAYS", "3"))
REGIJA_REGISTRATION_LIMIT = int(os.environ.get("REGIJA_REGISTRATION_LIMIT", "10"))

# Mail (password reset links, registrations): printed to the console unless EMAIL_BACKEND says otherwise.
EMAIL_BACKEND = {
    "console": "django.core.mail.backends.console.EmailBackend",
    "smtp": "django.core.mail.backends.smtp.EmailBackend",
}.get(os.environ.get("EMAIL_BACKEND", "console"), os.environ.get("EMAIL_BACKEND", ""))
EMAIL_HOST = os.environ.get("EMAIL_HOST", "localhost")
EMAIL_PORT = int(os.environ.get("EMAIL_PORT", "25"))
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = _env_bool("EMAIL_USE_TLS", False)
EMAIL_USE_SSL = _env_bool("EMAIL_USE_SSL", False)
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "regija@localhost")
# Notifications (regija.notify, docs/notifications.md): the address links in e-mails and push messages
# start with, and the VAPID key pair of web push (generated into REGIJA_DATA_DIR when not given).
REGIJA_SITE_URL = os.environ.get("REGIJA_SITE_URL", "http://127.0.0.1:8000").rstrip("/")
REGIJA_VAPID_PUBLIC_KEY = os.environ.get("REGIJA_VAPID_PUBLIC_KEY", "")
REGIJA_VAPID_PRIVATE_KEY = os.environ.get("REGIJA_VAPID_PRIVATE_KEY", "")
REGIJA_VAPID_SUBJECT = os.environ.get("REGIJA_VAPID_SUBJECT", "mailto:" + DEFAULT_FROM_EMAIL)

# The SQLite database is created readable by this user only (SQLite gives its -wal and -shm files the
# database file's mode); folders of uploaded files are not listable by others.
if "sqlite" in DATABASES["default"]["ENGINE"] and str(DATABASES["default"]["NAME"]) != ":memory:":
    try:
        _private_file(Path(DATABASES["default"]["NAME"]))
    except OSError:  # a read-only location: SQLite reports it when it opens the file
        pass
FILE_UPLOAD_DIRECTORY_PERMISSIONS = 0o750

# --- The data lake and background work (docs/lake.md) -------------------------------------------------

# Where each dataset version's Parquet file is kept: a local folder by default, or an fsspec address such
# as s3://bucket/prefix (credentials and AWS_ENDPOINT_URL from the usual AWS variables; further fsspec
# options as JSON in REGIJA_LAKE_OPTIONS). A remote lake's files are cached locally for queries.
REGIJA_LAKE_URL = os.environ.get("REGIJA_LAKE_URL", str(DATA_DIR / "lake"))
REGIJA_LAKE_OPTIONS = os.environ.get("REGIJA_LAKE_OPTIONS", "")
REGIJA_LAKE_CACHE = Path(os.environ.get("REGIJA_LAKE_CACHE", DATA_DIR / "lake-cache")).resolve()
# A dataset file may be larger than other uploads: uploads and fetched files stop past this many MB.
REGIJA_LAKE_MAX_BYTES = int(os.environ.get("REGIJA_LAKE_MAX_MB", "500")) * 1024 * 1024
# Fetching from addresses in private and loopback ranges (an intranet's API) must be allowed explicitly:
# a dataset's source address is typed by its editors, and the server should not fetch what they cannot.
REGIJA_LAKE_FETCH_PRIVATE = _env_bool("REGIJA_LAKE_FETCH_PRIVATE", False)
REGIJA_LAKE_FETCH_TIMEOUT = float(os.environ.get("REGIJA_LAKE_FETCH_TIMEOUT", "60"))
# The link checker (lake.tasks.check_links, daily) waits this long for a linked source's address.
REGIJA_LAKE_LINK_TIMEOUT = float(os.environ.get("REGIJA_LAKE_LINK_TIMEOUT", "15"))
# A query of the DataStore API (datastore_search, datastore_search_sql) stops after this many seconds.
REGIJA_LAKE_QUERY_TIMEOUT = float(os.environ.get("REGIJA_LAKE_QUERY_TIMEOUT", "10"))
# The DCAT-AP catalogue (/katalog.ttl|.jsonld|.rdf) lists this many datasets a page (Hydra paging), and
# names as its publisher the organisation with this slug (the one running the site); without it, "Regija".
REGIJA_DCAT_PAGE_SIZE = int(os.environ.get("REGIJA_DCAT_PAGE_SIZE", "100"))
REGIJA_DCAT_PUBLISHER = os.environ.get("REGIJA_DCAT_PUBLISHER", "")

# The NGSI-LD context broker (regija.context, docs/context.md). A user @context given by URL is fetched
# only from addresses starting with one of these prefixes (space-separated; empty: any http(s) address –
# set it in production), within the time limit and size limit, and kept in the cache this many seconds.
REGIJA_NGSI_CONTEXT_ALLOW = tuple(os.environ.get("REGIJA_NGSI_CONTEXT_ALLOW", "").split())
REGIJA_NGSI_CONTEXT_TIMEOUT = float(os.environ.get("REGIJA_NGSI_CONTEXT_TIMEOUT", "3"))
REGIJA_NGSI_CONTEXT_MAX_BYTES = int(os.environ.get("REGIJA_NGSI_CONTEXT_MAX_BYTES", str(256 * 1024)))
REGIJA_NGSI_CONTEXT_CACHE_SECONDS = int(os.environ.get("REGIJA_NGSI_CONTEXT_CACHE_SECONDS", "3600"))
# A request body of the broker may be at most this many bytes (413 beyond).
# The MQTT broker the device ingest worker (`regija ingest`, docs/context.md) subscribes to:
# mqtt://[user:password@]host[:port]; Mosquitto on this machine by default.
MQTT_URL = os.environ.get("MQTT_URL", "mqtt://127.0.0.1:1883")
REGIJA_NGSI_MAX_BODY = int(os.environ.get("REGIJA_NGSI_MAX_BODY", str(1024 * 1024)))
# Tenants (organisation slugs, comma-separated; "default" for the default tenant, "*" for all) that store
# an entity breaking its Smart Data Model flagged instead of refusing it (docs/context.md, MIM2).
REGIJA_NGSI_LENIENT_TENANTS = frozenset(
    s.strip() for s in os.environ.get("REGIJA_NGSI_LENIENT_TENANTS", "").split(",") if s.strip()
)
# the most entities one batch operation (/ngsi-ld/v1/entityOperations/…) may hold; more is 413
REGIJA_NGSI_BATCH_MAX = int(os.environ.get("REGIJA_NGSI_BATCH_MAX", "1000"))
# the most candidate entities one geo-query may test exactly; a broader one is refused (docs/context.md)
REGIJA_NGSI_GEO_MAX_CANDIDATES = int(os.environ.get("REGIJA_NGSI_GEO_MAX_CANDIDATES", "10000"))
# the most instances of one attribute in one answer of the temporal API; more is 206 with a Content-Range
REGIJA_NGSI_TEMPORAL_MAX_INSTANCES = int(os.environ.get("REGIJA_NGSI_TEMPORAL_MAX_INSTANCES", "1000"))
# seconds an NGSI-LD subscription's notification (HTTP POST, MQTT publish) may take (docs/context.md)
REGIJA_NGSI_NOTIFY_TIMEOUT = float(os.environ.get("REGIJA_NGSI_NOTIFY_TIMEOUT", "10"))
# the shortest timeInterval (seconds) a periodic NGSI-LD subscription may ask for (docs/context.md)
REGIJA_NGSI_SUBSCRIPTION_MIN_INTERVAL = float(os.environ.get("REGIJA_NGSI_SUBSCRIPTION_MIN_INTERVAL", "5"))

# The territory the instance serves, as a box of WGS84 degrees "south,west,north,east" – Slovenia by
# default: a place (docs/places.md), a "nearest" position and an issue report (docs/fixes.md) must lie in it.
REGIJA_TERRITORY = tuple(
    float(x) for x in os.environ.get("REGIJA_TERRITORY", "45.42,13.37,46.88,16.62").split(",")
)
# Places: the country whose public holidays opening hours know (PH).
REGIJA_PLACES_COUNTRY = os.environ.get("REGIJA_PLACES_COUNTRY", "SI")

# Regija's own data (docs/lake.md, "Regija's own data"): one dataset per kind of record across the whole
# instance, published by the organisation that runs it – the organisation with the slug REGIJA_PUBLISHER,
# created (kind "other", named REGIJA_PUBLISHER_NAME) when no organisation has it. The contact point of
# these datasets and of the bundled ones is REGIJA_CONTACT_NAME <REGIJA_CONTACT_EMAIL>.
REGIJA_PUBLISHER = os.environ.get("REGIJA_PUBLISHER", "regija")
REGIJA_PUBLISHER_NAME = os.environ.get("REGIJA_PUBLISHER_NAME", "Regija – odprti podatki")
REGIJA_CONTACT_NAME = os.environ.get("REGIJA_CONTACT_NAME", "Regija – odprti podatki")
REGIJA_CONTACT_EMAIL = os.environ.get("REGIJA_CONTACT_EMAIL", DEFAULT_FROM_EMAIL)
# The source documents' statistics bundled with Regija (docs/data.md): loaded on first start.
# The calendar (docs/events.md): reminders go this many hours before an event starts; links in them
# point at REGIJA_SITE_URL; events' iCalendar UIDs end in @REGIJA_EVENT_UID_DOMAIN (default: the
# site's host), fixed per installation so that calendars recognise an event they already have.
REGIJA_SITE_URL = os.environ.get("REGIJA_SITE_URL", "http://127.0.0.1:8000")
# Issue reports (docs/fixes.md; their territory is REGIJA_TERRITORY): reports an address may make in an
# hour without an account, a photo's largest size, the contact Open311's discovery document names.
REGIJA_FIXES_HOURLY = int(os.environ.get("REGIJA_FIXES_HOURLY", "20"))
REGIJA_FIXES_PHOTO_MAX_BYTES = int(os.environ.get("REGIJA_FIXES_PHOTO_MAX_MB", "8")) * 1024 * 1024
REGIJA_FIXES_CONTACT = os.environ.get("REGIJA_FIXES_CONTACT", REGIJA_CONTACT_EMAIL)
REGIJA_EVENT_REMINDER_HOURS = int(os.environ.get("REGIJA_EVENT_REMINDER_HOURS", "24"))
REGIJA_EVENT_UID_DOMAIN = os.environ.get("REGIJA_EVENT_UID_DOMAIN", "")
REGIJA_BUNDLE = Path(os.environ.get("REGIJA_BUNDLE", SEED_DIR.parent / "datasets" / "datasets.yaml"))

# Background jobs (refreshes, publishing Regija's own data) run in Huey: its queue in an SQLite file in
# the data folder, or in Redis when REDIS_URL is set. `regija up` runs a consumer in threads of its own
# process, beside the web server; `regija worker` runs one on its own (production).
# REGIJA_TASKS_IMMEDIATE=true runs each job at once, in the process that asks for it (the tests do).
HUEY = {
    "name": "regija",
    "immediate": _env_bool("REGIJA_TASKS_IMMEDIATE", False),
    "utc": True,
    "consumer": {"workers": int(os.environ.get("REGIJA_WORKERS", "2")), "worker_type": "thread"},
}
if os.environ.get("REDIS_URL"):
    HUEY |= {"huey_class": "huey.RedisHuey", "connection": {"url": os.environ["REDIS_URL"]}}
else:
    HUEY |= {"huey_class": "huey.SqliteHuey", "connection": {"filename": str(DATA_DIR / "tasks.sqlite3")}}
    try:  # the queue's file is created when the app loads
        DATA_DIR.mkdir(parents=True, exist_ok=True)
    except OSError:
        pass

# --- Residents' accounts: sign-up, e-mail confirmation, two-factor, OpenID Connect (docs/accounts.md) ---
# One account system for residents, applicants and staff: django-allauth (regija.accounts). Sign-in by
# e-mail or username at /prijava/ (allauth's form; django-axes still counts failed sign-ins, as allauth
# calls authenticate with the request), sign-up with a confirmed e-mail address, e-mail management and
# two-factor authentication; the password reset by e-mail stays Django's own (regija.core.accounts).
AUTHENTICATION_BACKENDS += ["allauth.account.auth_backends.AuthenticationBackend"]
AXES_USERNAME_CALLABLE = "regija.accounts.adapter.sign_in_name"
ACCOUNT_ADAPTER = "regija.accounts.adapter.AccountAdapter"
SOCIALACCOUNT_ADAPTER = "regija.accounts.adapter.SocialAccountAdapter"
ACCOUNT_LOGIN_METHODS = {"email", "username"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_SIGNUP_FORM_CLASS = "regija.accounts.forms.SignupExtra"
ACCOUNT_EMAIL_VERIFICATION = "mandatory"
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_CONFIRM_EMAIL_ON_GET = False
ACCOUNT_LOGIN_ON_EMAIL_CONFIRMATION = True
ACCOUNT_EMAIL_SUBJECT_PREFIX = "Regija – "
ACCOUNT_DEFAULT_HTTP_PROTOCOL = "https" if _env_bool("HTTPS", False) else "http"
ACCOUNT_LOGOUT_REDIRECT_URL = LOGOUT_REDIRECT_URL
ACCOUNT_EMAIL_CONFIRMATION_EXPIRE_DAYS = REGIJA_REGISTRATION_LINK_DAYS
# Sign-ups from one address: REGIJA_SIGNUP_LIMIT an hour (a 429 page says so); failed sign-ins are
# django-axes's (above) – allauth's own limit on them is looser and only guards the two-factor codes.
REGIJA_SIGNUP_LIMIT = int(os.environ.get("REGIJA_SIGNUP_LIMIT", "10"))
# Posts one account may make an hour (accounts.services.check_contribution_allowed).
REGIJA_CONTRIBUTION_LIMIT = int(os.environ.get("REGIJA_CONTRIBUTION_LIMIT", "30"))
ACCOUNT_RATE_LIMITS = {
    "signup": f"{REGIJA_SIGNUP_LIMIT}/h/ip",
    "login_failed": "30/m/ip,10/5m/key",
    "confirm_email": "1/3m/key",
}
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes"]
MFA_TOTP_ISSUER = os.environ.get("REGIJA_MFA_ISSUER", "Regija")
# A code of the 30 seconds just before or after counts too (RFC 6238 5.2: one step of clock skew and
# network delay), so a code typed as it changes is not refused.
MFA_TOTP_TOLERANCE = 1
# Staff roles (superusers, Django staff, editors and admins of any organisation) must use two-factor
# authentication before any staff page, the back office or a write through the API with their session
# works (regija.accounts.middleware). Off only in tests that sign staff in with force_login.
REGIJA_STAFF_MFA = _env_bool("REGIJA_STAFF_MFA", True)
MIDDLEWARE.insert(
    MIDDLEWARE.index("allauth.account.middleware.AccountMiddleware") + 1,
    "regija.accounts.middleware.StaffMFAMiddleware",
)
# Sign-in through OpenID Connect identity providers (SI-PASS, a municipality's IdP), from
# REGIJA_OIDC_PROVIDERS: a JSON list of {"id", "name", "server_url", "client_id", "secret", "residency_claim",
# "trusted_for_residency"} – no database setup (regija.accounts.oidc, docs/accounts.md).
REGIJA_OIDC_PROVIDERS = os.environ.get("REGIJA_OIDC_PROVIDERS", "")


def _oidc_apps(text: str) -> list[dict]:
    """allauth's openid_connect apps from REGIJA_OIDC_PROVIDERS (a JSON list; empty: none)."""
    import json

    apps = []
    for provider in json.loads(text) if text.strip() else []:
        apps.append(
            {
                "provider_id": provider["id"],
                "name": provider.get("name", provider["id"]),
                "client_id": provider["client_id"],
                "secret": provider.get("secret", ""),
                "settings": {
                    "server_url": provider["server_url"],
                    "scope": provider.get("scope", ["openid", "profile", "email"]),
                    "trusted_for_residency": bool(provider.get("trusted_for_residency", False)),
                    "residency_claim": provider.get("residency_claim", ""),
                    "area_claim": provider.get("area_claim", ""),
                },
            }
        )
    return apps


SOCIALACCOUNT_PROVIDERS = {
    "openid_connect": {"OAUTH_PKCE_ENABLED": True, "APPS": _oidc_apps(REGIJA_OIDC_PROVIDERS)}
}
SOCIALACCOUNT_STORE_TOKENS = False
SOCIALACCOUNT_AUTO_SIGNUP = True
SOCIALACCOUNT_EMAIL_AUTHENTICATION = False  # an IdP's e-mail never takes over an existing account
SOCIALACCOUNT_LOGIN_ON_GET = False
# The versions of the texts people consent to at sign-up (the terms of use and the privacy notice): a
# new version is asked for again. Each version's text is kept in regija/accounts/consents/.
REGIJA_CONSENT_VERSIONS = {
    "terms": os.environ.get("REGIJA_TERMS_VERSION", "2026-12"),
    "privacy": os.environ.get("REGIJA_PRIVACY_VERSION", "2026-12"),
}
