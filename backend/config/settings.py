"""Settings for the backend, read from the environment.

With nothing set it runs on one machine: SQLite and uploaded files under DJANGO_DATA_DIR
(default <repo>/var), tasks without a broker, DEBUG on. Production sets DJANGO_DEBUG=false,
DJANGO_SECRET_KEY (or DJANGO_SECRET_KEY_FILE), DJANGO_ALLOWED_HOSTS and DATABASE_URL.
"""

import sys
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

from config.env import envbool, envfloat, envint, envlist, envsecret, envstr
from config.encryption import key_from_text
from config.security_headers import static_file_headers

BACKEND_DIR = Path(__file__).resolve().parent.parent
REPO_ROOT = BACKEND_DIR.parent
# The decoder shared with training (training/decoding.py) is imported by the inference worker,
# whichever entry point started the process (manage.py, celery, a WSGI server).
if str(REPO_ROOT) not in sys.path:
    sys.path.append(str(REPO_ROOT))

DEBUG = envbool("DJANGO_DEBUG", True)

DATA_DIR = Path(envstr("DJANGO_DATA_DIR", str(REPO_ROOT / "var"))).resolve()

SECRET_KEY = envsecret("DJANGO_SECRET_KEY")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured("DJANGO_SECRET_KEY (or DJANGO_SECRET_KEY_FILE) is required when DJANGO_DEBUG=false")
    # Only for a developer's machine; `check --deploy` flags it.
    SECRET_KEY = "django-insecure-local-development-only"

ALLOWED_HOSTS = envlist("DJANGO_ALLOWED_HOSTS", ["localhost", "127.0.0.1", "[::1]"] if DEBUG else [])
if not DEBUG and not ALLOWED_HOSTS:
    raise ImproperlyConfigured("DJANGO_ALLOWED_HOSTS is required when DJANGO_DEBUG=false")
CSRF_TRUSTED_ORIGINS = envlist("DJANGO_CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",  # Swagger UI served from here: the docs work with no internet
    "django_otp",
    "django_otp.plugins.otp_totp",  # authenticator apps (TOTP)
    "django_otp.plugins.otp_static",  # single-use recovery codes
    "accounts",
    "audit",
    "cases",
    "imaging",
    "readings",
    "reports",
    "health",
    "inference",
    "history",
    "demo",
    "mfa",
    "operations",
    "datasets",
    "shadow",
    "drift",
    "interop",
]

MIDDLEWARE = [
    # Answers /metrics before any host or HTTPS check (a scraper calls it by an internal name over
    # plain HTTP), and counts and times every other request (config/metrics.py).
    "config.metrics.MetricsMiddleware",
    "django.middleware.security.SecurityMiddleware",
    # First after security, so that every refusal below it (NUL characters, oversized bodies) is audited.
    "audit.middleware.RequestOriginMiddleware",
    # PostgreSQL stores no NUL characters: refuse them in the path and query (400), not DataError (500).
    "config.nul_bytes.NulFreeRequestMiddleware",
    # Before anything reads the body: a body over the upload limit is refused from its length.
    "config.request_size.RequestBodyLimitMiddleware",
    # A database that cannot be reached answers 503 with Retry-After, from any view.
    "config.service_unavailable.DatabaseUnavailableMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "mfa.middleware.SecondFactorMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "config.security_headers.ContentSecurityPolicyMiddleware",
    "accounts.middleware.IdleSessionTimeoutMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"
ASGI_APPLICATION = "config.asgi.application"

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

# --- Database -------------------------------------------------------------------------------
DATABASE_URL = envsecret("DATABASE_URL")
if DATABASE_URL:
    try:
        DATABASES = {
            "default": dj_database_url.parse(
                DATABASE_URL,
                conn_max_age=envint("DATABASE_CONN_MAX_AGE", 60, minimum=0),
                conn_health_checks=True,
            )
        }
        # The password may stay out of the URL (and out of the environment): DATABASE_PASSWORD_FILE.
        _database_password = envsecret("DATABASE_PASSWORD")
        if _database_password:
            if DATABASES["default"].get("PASSWORD"):
                raise ImproperlyConfigured("DATABASE_URL holds a password and DATABASE_PASSWORD(_FILE) is set too: keep one")
            DATABASES["default"]["PASSWORD"] = _database_password
        if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
            # An unreachable database answers 503 after this many seconds, not after the OS gives
            # up (minutes). libpq's smallest value is 2.
            DATABASES["default"].setdefault("OPTIONS", {})["connect_timeout"] = envint(
                "DATABASE_CONNECT_TIMEOUT", 2, minimum=2
            )
    except ValueError as exc:
        raise ImproperlyConfigured(f"DATABASE_URL is not a valid database URL: {exc}") from None
else:
    DATA_DIR.mkdir(parents=True, exist_ok=True)  # SQLite cannot create its own directory
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": DATA_DIR / "db.sqlite3",
        }
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Accounts -------------------------------------------------------------------------------
AUTH_USER_MODEL = "accounts.User"
# Django's password check, refused while the username is locked after failed sign-ins.
AUTHENTICATION_BACKENDS = ["accounts.backends.LockoutModelBackend"]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": envint("PASSWORD_MIN_LENGTH", 12, minimum=8)},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
PATIENT_SELF_REGISTRATION = envbool("PATIENT_SELF_REGISTRATION", True)
# One installation is one practice. With its shared queue on, a patient without a doctor may send
# a case, which waits in GET /cases/queue/ until a doctor of the practice takes it; off, she must
# choose her doctor first.
PRACTICE_QUEUE = envbool("PRACTICE_QUEUE", False)
LOGIN_THROTTLE_RATE = envstr("LOGIN_THROTTLE_RATE", "10/min")
# A leaked integration token works until it expires: a month bounds that, and an integration
# renews its token with a monthly job as easily as a quarterly one.
API_TOKEN_TTL_DAYS = envint("API_TOKEN_TTL_DAYS", 30, minimum=1)
# After SIGN_IN_LOCKOUT_FAILURES failed sign-ins in a row a username is locked for
# SIGN_IN_LOCKOUT_SECONDS, doubled at each further lockout up to SIGN_IN_LOCKOUT_MAX_SECONDS.
SIGN_IN_LOCKOUT_FAILURES = envint("SIGN_IN_LOCKOUT_FAILURES", 5, minimum=1)
SIGN_IN_LOCKOUT_SECONDS = envint("SIGN_IN_LOCKOUT_SECONDS", 60, minimum=1)
SIGN_IN_LOCKOUT_MAX_SECONDS = envint("SIGN_IN_LOCKOUT_MAX_SECONDS", 3600, minimum=1)
# How long an e-mailed link works (each also stops working once used): accounts/links.py.
PASSWORD_RESET_LINK_SECONDS = envint("PASSWORD_RESET_LINK_SECONDS", 60 * 60, minimum=60)
INVITATION_LINK_SECONDS = envint("INVITATION_LINK_SECONDS", 7 * 24 * 60 * 60, minimum=60)
# Django's own limit for such tokens, above which no link works whatever its lifetime.
PASSWORD_RESET_TIMEOUT = max(PASSWORD_RESET_LINK_SECONDS, INVITATION_LINK_SECONDS)
# Roles that must sign in with an authenticator app's code as well as the password ("none": no
# role; anyone may still turn it on for herself).
MFA_REQUIRED_ROLES = [role for role in envlist("MFA_REQUIRED_ROLES", ["doctor", "admin"]) if role != "none"]
if set(MFA_REQUIRED_ROLES) - {"patient", "doctor", "admin"}:
    raise ImproperlyConfigured(f"MFA_REQUIRED_ROLES names unknown roles: {', '.join(MFA_REQUIRED_ROLES)}")
OTP_TOTP_ISSUER = "Healthcare Image Analysis"  # the account's name in the authenticator app
# Where invitation links point (the web app's address).
PUBLIC_BASE_URL = envstr("PUBLIC_BASE_URL", "http://localhost:8000").rstrip("/")

SESSION_COOKIE_AGE = envint("SESSION_COOKIE_AGE", 8 * 60 * 60, minimum=60)
# A web session unused this long ends (accounts.middleware.IdleSessionTimeoutMiddleware).
SESSION_IDLE_TIMEOUT = envint("SESSION_IDLE_TIMEOUT", 30 * 60, minimum=1)
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"

# --- Security (defaults follow DEBUG; each can be overridden) ---------------------------------
SECURE_SSL_REDIRECT = envbool("DJANGO_SECURE_SSL_REDIRECT", not DEBUG)
# Load balancers and Kubernetes probes call the health check over plain HTTP.
SECURE_REDIRECT_EXEMPT = [r"^api/v1/health/$"]
SESSION_COOKIE_SECURE = envbool("DJANGO_SESSION_COOKIE_SECURE", not DEBUG)
CSRF_COOKIE_SECURE = envbool("DJANGO_CSRF_COOKIE_SECURE", not DEBUG)
SECURE_HSTS_SECONDS = envint("DJANGO_SECURE_HSTS_SECONDS", 0 if DEBUG else 31536000, minimum=0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = envbool("DJANGO_SECURE_HSTS_INCLUDE_SUBDOMAINS", not DEBUG)
SECURE_HSTS_PRELOAD = envbool("DJANGO_SECURE_HSTS_PRELOAD", not DEBUG)
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
if envbool("DJANGO_TRUST_X_FORWARDED_PROTO", False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

# --- Files ----------------------------------------------------------------------------------
# Uploaded images are never served as public media: only permission-checked views read them.
MEDIA_ROOT = Path(envstr("MEDIA_ROOT", str(DATA_DIR / "media"))).resolve()
STATIC_URL = "static/"
STATIC_ROOT = Path(envstr("STATIC_ROOT", str(DATA_DIR / "static"))).resolve()
# The browser bundle (`npm run build` in web/) is served as static files under static/web/.
WEB_DIST = REPO_ROOT / "web" / "dist"
STATICFILES_DIRS = [("web", WEB_DIST)] if WEB_DIST.is_dir() else []
# WhiteNoise answers static files before any middleware: it sets their CSP and X-Frame-Options.
WHITENOISE_ADD_HEADERS_FUNCTION = static_file_headers
# The key that encrypts uploaded originals and their previews at rest (AES-256-GCM in the app,
# config/encryption.py): 32 random bytes, base64 or hex, in UPLOAD_ENCRYPTION_KEY_FILE. Unset:
# files are stored as uploaded. Keep a copy of the key apart from the backups: without it no
# encrypted image can be read again.
_upload_key = envsecret("UPLOAD_ENCRYPTION_KEY")
try:
    UPLOAD_ENCRYPTION_KEY = key_from_text(_upload_key) if _upload_key else None
except ValueError as exc:
    raise ImproperlyConfigured(f"UPLOAD_ENCRYPTION_KEY_FILE: {exc}") from None
# Uploads on an S3-compatible object store when OBJECT_STORAGE_ENDPOINT is set (config/storage.py);
# otherwise files under MEDIA_ROOT.
OBJECT_STORAGE_ENDPOINT = envstr("OBJECT_STORAGE_ENDPOINT").strip()
if OBJECT_STORAGE_ENDPOINT:
    _object_store = {
        "endpoint_url": OBJECT_STORAGE_ENDPOINT,
        "bucket_name": envstr("OBJECT_STORAGE_BUCKET").strip(),
        "access_key": envsecret("OBJECT_STORAGE_ACCESS_KEY"),
        "secret_key": envsecret("OBJECT_STORAGE_SECRET_KEY"),
        "region_name": envstr("OBJECT_STORAGE_REGION").strip() or None,
        # Stores other than AWS's own seldom resolve bucket.host names.
        "addressing_style": "path",
        "signature_version": "s3v4",
        # Like the filesystem: a name already taken gets another, never overwrites (imaging.services).
        "file_overwrite": False,
        "default_acl": None,
        "querystring_auth": True,
    }
    _missing = [name for name, option in (("OBJECT_STORAGE_BUCKET", "bucket_name"),
                ("OBJECT_STORAGE_ACCESS_KEY_FILE", "access_key"), ("OBJECT_STORAGE_SECRET_KEY_FILE", "secret_key"))
                if not _object_store[option]]
    if _missing:
        raise ImproperlyConfigured(f"OBJECT_STORAGE_ENDPOINT is set, so {', '.join(_missing)} must be too")
    _uploads = {"BACKEND": "config.storage.ObjectStoreUploadStorage", "OPTIONS": _object_store}
else:
    _uploads = {"BACKEND": "config.storage.LocalUploadStorage"}
STORAGES = {
    "default": _uploads,
    # Hashed, compressed names need `collectstatic`, which production runs and development skips.
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}

UPLOAD_MAX_BYTES = envint("UPLOAD_MAX_BYTES", 64 * 1024 * 1024, minimum=1)
UPLOAD_MAX_PIXELS = envint("UPLOAD_MAX_PIXELS", 50_000_000, minimum=1)
UPLOAD_MIN_SIDE = envint("UPLOAD_MIN_SIDE", 16, minimum=1)
# The most memory one image's decoded pixels may take (rows x columns x frames x samples x bytes),
# checked from the header before any pixel data is decoded; a deflated DICOM inflates no further.
DECODE_MAX_BYTES = envint("DECODE_MAX_BYTES", 64 * 1024 * 1024, minimum=1024)
PREVIEW_MAX_SIDE = envint("PREVIEW_MAX_SIDE", 1024, minimum=16)
# Uploads larger than this spool to a temporary file instead of memory.
FILE_UPLOAD_MAX_MEMORY_SIZE = 4 * 1024 * 1024

# --- API ------------------------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "accounts.authentication.ApiTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_PAGINATION_CLASS": "config.pagination.PageNumberPagination",
    "PAGE_SIZE": 25,
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "config.errors.exception_handler",
    # JSON bodies with a NUL in any key or string are refused (config/nul_bytes.py).
    "DEFAULT_PARSER_CLASSES": [
        "config.nul_bytes.NulFreeJSONParser",
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
    # The HTML browsable API helps development; production answers JSON only (docs stay at /api/v1/docs/).
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"]
    + (["rest_framework.renderers.BrowsableAPIRenderer"] if DEBUG else []),
}
# /api/v1/docs/ and /api/v1/schema/ for anyone, or only for signed-in users (config/api_docs.py).
API_DOCS_PUBLIC = envbool("API_DOCS_PUBLIC", DEBUG)
SPECTACULAR_SETTINGS = {
    "TITLE": "Healthcare Image Analysis API",
    "DESCRIPTION": "Patients, doctors, cases, medical images, AI readings, reports and the audit trail.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    "ENUM_NAME_OVERRIDES": {
        "RoleEnum": "accounts.models.Role",
        "CaseStatusEnum": "cases.models.CaseStatus",
        "AIAgreementEnum": "reports.models.AIAgreement",
    },
}

# --- Cache (login throttling) ----------------------------------------------------------------
# Several web processes must share throttle counters; without Redis each process counts alone.
CACHE_REDIS_URL = envsecret("CACHE_REDIS_URL")
CACHES = {
    "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": CACHE_REDIS_URL}
    if CACHE_REDIS_URL
    else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}
}

# --- Tasks ----------------------------------------------------------------------------------
CELERY_BROKER_URL = envsecret("CELERY_BROKER_URL")
CELERY_RESULT_BACKEND = envsecret("CELERY_RESULT_BACKEND") or None
# No broker configured: run tasks in-process so the embedded default needs no server.
CELERY_TASK_ALWAYS_EAGER = not CELERY_BROKER_URL
CELERY_TASK_EAGER_PROPAGATES = True
# A task is acknowledged only once it has finished, and given back to the broker when its worker
# process dies, so a crash never loses a reading.
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_BROKER_TRANSPORT_OPTIONS = {
    # Redis hands an unacknowledged task to another worker after this many seconds; it must be
    # longer than the longest task, or a slow task runs twice (harmless here, but wasted).
    "visibility_timeout": envint("CELERY_VISIBILITY_TIMEOUT", 3600, minimum=1),
    # Lets several deployments (or test runs) share one Redis without seeing each other's queues.
    **({"global_keyprefix": envstr("CELERY_KEY_PREFIX")} if envstr("CELERY_KEY_PREFIX") else {}),
}
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]

# --- Inference ------------------------------------------------------------------------------
# Model packages: <dir>/<name>/<version>/ as written by `python -m training.export`.
MODEL_PACKAGES_DIR = Path(envstr("MODEL_PACKAGES_DIR", str(REPO_ROOT / "exported_models"))).resolve()
# The queue that inference workers consume (`celery -A config worker -Q <queue>`).
INFERENCE_QUEUE = envstr("INFERENCE_QUEUE", "inference")
# Pending readings of one model version that one task claims and runs together. Smaller batches
# spread a burst over more worker processes; larger ones share more graph calls.
INFERENCE_BATCH_SIZE = envint("INFERENCE_BATCH_SIZE", 16, minimum=1)
# Server readings one user may request, each a full decode and model run on the workers.
SERVER_READING_THROTTLE_RATE = envstr("SERVER_READING_THROTTLE_RATE", "30/hour")
# Largest difference between a browser probability and the server's for the same image before
# the case is flagged for a doctor. TF.js (WASM) and TensorFlow agree to about 1e-6 on the
# shipped models; 1e-3 leaves room for float16/WebGL backends.
INFERENCE_VERIFY_TOLERANCE = envfloat("INFERENCE_VERIFY_TOLERANCE", 1e-3, minimum=0)
INFERENCE_TASK_SOFT_TIME_LIMIT = envint("INFERENCE_TASK_SOFT_TIME_LIMIT", 120, minimum=1)
INFERENCE_TASK_TIME_LIMIT = envint("INFERENCE_TASK_TIME_LIMIT", 180, minimum=2)
if INFERENCE_TASK_TIME_LIMIT <= INFERENCE_TASK_SOFT_TIME_LIMIT:
    raise ImproperlyConfigured("INFERENCE_TASK_TIME_LIMIT must be longer than INFERENCE_TASK_SOFT_TIME_LIMIT")
INFERENCE_MAX_RETRIES = envint("INFERENCE_MAX_RETRIES", 5, minimum=0)
# Fault-injection for tests only: seconds a task waits, holding its claim, before storing results.
INFERENCE_TASK_DELAY_SECONDS = envfloat("INFERENCE_TASK_DELAY_SECONDS", 0, minimum=0)
if INFERENCE_TASK_DELAY_SECONDS and not DEBUG:
    raise ImproperlyConfigured("INFERENCE_TASK_DELAY_SECONDS is for tests only and must be 0 when DJANGO_DEBUG=false")
# How long the health check waits for workers to answer a ping.
HEALTH_WORKER_TIMEOUT = envfloat("HEALTH_WORKER_TIMEOUT", 0.5, minimum=0.05)

# --- Drift watch (backend/drift; rules in drift/checks.py, docs/drift.md) --------------------
DRIFT_PSI_WARN = envfloat("DRIFT_PSI_WARN", 0.1, minimum=0)
DRIFT_PSI_BREACH = envfloat("DRIFT_PSI_BREACH", 0.2, minimum=0)
# A PSI breach (warning) must also be significant: two-sample KS or chi-squared p below this.
DRIFT_P_VALUE = envfloat("DRIFT_P_VALUE", 0.01, minimum=0)
DRIFT_P_VALUE_WARN = envfloat("DRIFT_P_VALUE_WARN", 0.05, minimum=0)
DRIFT_MIN_READINGS = envint("DRIFT_MIN_READINGS", 30, minimum=1)
DRIFT_REFUSAL_WARN = envfloat("DRIFT_REFUSAL_WARN", 0.1, minimum=0)
DRIFT_REFUSAL_BREACH = envfloat("DRIFT_REFUSAL_BREACH", 0.2, minimum=0)
DRIFT_AGREEMENT_WARN = envfloat("DRIFT_AGREEMENT_WARN", 0.8, minimum=0)
DRIFT_AGREEMENT_BREACH = envfloat("DRIFT_AGREEMENT_BREACH", 0.7, minimum=0)
DRIFT_MIN_REPORTS = envint("DRIFT_MIN_REPORTS", 10, minimum=1)

# --- Datasets (backend/datasets) -------------------------------------------------------------
# Exported datasets keep a case's, report's and image's identity only as HMAC-SHA256 under this
# installation's salt (DATASET_SALT_FILE); unset, one derived from SECRET_KEY for that purpose alone.
# Keep it: a new salt makes the same cases look new and gives them new splits.
DATASET_SALT = envsecret("DATASET_SALT")
# Where `POST /api/v1/datasets/` writes exports (`manage.py export_dataset` takes its own folder).
DATASETS_DIR = Path(envstr("DATASETS_DIR", str(DATA_DIR / "datasets"))).resolve()

# --- Mail (invitations) ---------------------------------------------------------------------
EMAIL_BACKEND = envstr(
    "DJANGO_EMAIL_BACKEND",
    "django.core.mail.backends.console.EmailBackend" if DEBUG else "django.core.mail.backends.smtp.EmailBackend",
)
# These print or keep each mail, with its set-password link, where the server's logs or memory hold it.
_MAIL_NOT_SENT = ("django.core.mail.backends.console.EmailBackend", "django.core.mail.backends.locmem.EmailBackend")
if not DEBUG and EMAIL_BACKEND in _MAIL_NOT_SENT:
    raise ImproperlyConfigured(
        f"DJANGO_EMAIL_BACKEND={EMAIL_BACKEND} would write invitation and password-reset links to the log "
        "instead of sending them; use an SMTP backend when DJANGO_DEBUG=false"
    )
EMAIL_HOST = envstr("EMAIL_HOST", "localhost")
EMAIL_PORT = envint("EMAIL_PORT", 25, minimum=1)
EMAIL_HOST_USER = envstr("EMAIL_HOST_USER")
EMAIL_HOST_PASSWORD = envsecret("EMAIL_HOST_PASSWORD")
EMAIL_USE_TLS = envbool("EMAIL_USE_TLS", False)
DEFAULT_FROM_EMAIL = envstr("DEFAULT_FROM_EMAIL", "no-reply@localhost")

# --- Misc -----------------------------------------------------------------------------------
LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

# --- Logs and metrics -----------------------------------------------------------------------
# "text" for people at a terminal; "json": one JSON object a line on stdout, with the request id
# and no patient data (config/json_logs.py), for a log collector.
LOG_FORMAT = envstr("LOG_FORMAT", "text").strip().lower()
if LOG_FORMAT not in ("text", "json"):
    raise ImproperlyConfigured(f"LOG_FORMAT must be text or json, got {LOG_FORMAT!r}")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"json": {"()": "config.json_logs.JsonFormatter"}},
    "handlers": {
        "console": {"class": "logging.StreamHandler"}
        if LOG_FORMAT == "text"
        else {"class": "logging.StreamHandler", "stream": "ext://sys.stdout", "formatter": "json"}
    },
    "root": {"handlers": ["console"], "level": envstr("DJANGO_LOG_LEVEL", "INFO")},
}
if LOG_FORMAT == "json":
    # Django's own loggers would otherwise print plain lines through handlers of their own.
    LOGGING["loggers"] = {
        name: {"handlers": ["console"], "level": "INFO", "propagate": False}
        for name in ("django", "django.server", "django.request", "django.security")
    }
# /metrics wants `Authorization: Bearer <token>` when set; without it, only loopback and private
# addresses that came through no proxy may read it (config/metrics.py).
METRICS_TOKEN = envsecret("METRICS_TOKEN")
# Seconds the numbers read from the database, Redis and the workers are kept between scrapes.
METRICS_CACHE_SECONDS = envfloat("METRICS_CACHE_SECONDS", 10, minimum=0)
# Each Celery worker serves its own metrics here (0: not at all); config/metrics_worker.py.
WORKER_METRICS_PORT = envint("WORKER_METRICS_PORT", 9808, minimum=0)
WORKER_METRICS_ADDRESS = envstr("WORKER_METRICS_ADDRESS", "0.0.0.0")

# How many proxies of ours stand in front of the app, each appending to X-Forwarded-For. The
# client's address (audit log, sign-in limits) is the NUM_PROXIES-th from the right; 0 trusts
# only the connection's address, since any client can write X-Forwarded-For.
NUM_PROXIES = envint("NUM_PROXIES", 0, minimum=0)
REST_FRAMEWORK["NUM_PROXIES"] = NUM_PROXIES
if envbool("AUDIT_TRUST_X_FORWARDED_FOR", False):
    raise ImproperlyConfigured(
        "AUDIT_TRUST_X_FORWARDED_FOR is replaced by NUM_PROXIES (the number of proxies in front of the app)"
    )
