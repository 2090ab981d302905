"""Project settings. Every value comes from the environment (django-environ), read here and only here.

Embedded defaults (SQLite, local-memory cache, the in-process sandbox of SessionM and Braze) make a fresh
clone run with no configuration. With DJANGO_DEBUG=false the process refuses to start on those defaults
and names every variable that is missing (see `_require`).
"""

import sys
from datetime import timedelta
from pathlib import Path

import environ
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
# An optional .env file for local runs; variables already in the environment win.
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

DEBUG = env.bool("DJANGO_DEBUG", default=True)

# Names of required variables that are unset. Collected while reading settings so that a production start
# reports all of them at once instead of one per attempt.
_missing: list[str] = []


def _require(name: str, *, dev_default, cast=str):
    """A setting production must provide. In DEBUG, fall back to `dev_default`."""
    value = env.get_value(name, cast=cast, default=None)
    if value in (None, ""):
        if DEBUG:
            return dev_default
        _missing.append(name)
        return dev_default
    return value


SECRET_KEY = _require("DJANGO_SECRET_KEY", dev_default="insecure-dev-only-key-do-not-use-in-production")
# Never "*", not even in DEBUG: absolute URLs the BFF builds (pagination links) take the request's Host header, and
# only a host named here is accepted (any other is a 400).
ALLOWED_HOSTS = _require("DJANGO_ALLOWED_HOSTS", dev_default=["localhost", "127.0.0.1", "[::1]"], cast=list)
CSRF_TRUSTED_ORIGINS = env.list("DJANGO_CSRF_TRUSTED_ORIGINS", default=[])

# --- The sandbox -------------------------------------------------------------------------------------------
# An emulator of SessionM and Braze (apps/sandbox). On by default in DEBUG; never allowed in production.
SANDBOX_ENABLED = env.bool("SANDBOX_ENABLED", default=DEBUG)
# The host name the upstream clients treat as "call the sandbox in this process" (no socket). Point
# SANDBOX_URL at `manage.py run_sandbox` (e.g. http://127.0.0.1:9100) to use it over real HTTP instead.
SANDBOX_INPROCESS_URL = "http://sandbox.inprocess"
SANDBOX_URL = (env.str("SANDBOX_URL", default="") or SANDBOX_INPROCESS_URL).rstrip("/")
# The WSGI callable the in-process transport dispatches to.
SANDBOX_WSGI_APP = "apps.sandbox.server.application"
# Where the sandbox's SessionM emulator POSTs its outbound webhook (signed with SESSIONM_WEBHOOK_SECRET) when
# it issues an offer: the BFF of `make run` by default. Empty turns the webhook off (the test suite does).
SANDBOX_WEBHOOK_URL = env.str("SANDBOX_WEBHOOK_URL", default="http://127.0.0.1:8000/integrations/sessionm/events")

# --- Applications ------------------------------------------------------------------------------------------
INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "rest_framework",
    "rest_framework_simplejwt.token_blacklist",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "csp",
    "apps.api",
    "apps.accounts",
    "apps.loyalty",
    # Before django_tasks_db: its `db_worker` command (with the heartbeat /readyz reads) wins by coming first.
    "apps.messaging",
    "apps.web",
    "apps.ops",
    "django_tasks",
    "django_tasks_db",
]
if SANDBOX_ENABLED:
    INSTALLED_APPS.append("apps.sandbox")

# "Page*" middleware are the usual ones, skipped on the app API, integrations and probes
# (loyalty_bff/middleware.py): those paths need none of sessions, language negotiation, messages, static files or
# the browser's page policies (CSP, Permissions-Policy).
MIDDLEWARE = [
    "apps.api.middleware.RequestIdMiddleware",
    "apps.ops.middleware.RequestMetricsMiddleware",
    # Under /api/ and /integrations/ every error leaves in the envelope, DEBUG or not (apps/api/middleware.py).
    "apps.api.middleware.JsonErrorEnvelopeMiddleware",
    "apps.api.middleware.UpstreamBudgetMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "loyalty_bff.middleware.PageWhiteNoiseMiddleware",
    "loyalty_bff.middleware.PageSessionMiddleware",
    "loyalty_bff.middleware.PageLocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "loyalty_bff.middleware.PageAuthenticationMiddleware",
    "loyalty_bff.middleware.PageCustomerLanguageMiddleware",
    "loyalty_bff.middleware.PageMessageMiddleware",
    # On every path: one header, and `check --deploy` looks for this very class (W002).
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "loyalty_bff.middleware.PageCSPMiddleware",
    "loyalty_bff.middleware.PagePermissionsPolicyMiddleware",
    # Last, so its friendly page has the visitor's language; it still runs before any view (or CSRF's check)
    # reads the body.
    "apps.api.middleware.BoundedBodyMiddleware",
]

ROOT_URLCONF = "loyalty_bff.urls"
WSGI_APPLICATION = "loyalty_bff.wsgi.application"

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
            ],
        },
    },
]

# --- Web server (`manage.py serve`; the same variables as deploy/gunicorn.conf.py) --------------------------
# The BFF mostly waits on SessionM. gevent workers keep many such waits in flight per process (the fan-out
# thread pool and psycopg 3 cooperate once gunicorn has monkey-patched the worker); gthread workers cap
# in-flight requests at workers x threads, which with a slow SessionM caps throughput (bench/screens.py).
GUNICORN_WORKER_CLASS = env.str("GUNICORN_WORKER_CLASS", default="gevent")
WEB_CONCURRENCY = env.int("WEB_CONCURRENCY", default=2)
GUNICORN_THREADS = env.int("GUNICORN_THREADS", default=4)
GUNICORN_WORKER_CONNECTIONS = env.int("GUNICORN_WORKER_CONNECTIONS", default=200)
# Requests one web process has in flight at most: what per-process pools (upstream connections, the home
# screen's fan-out) are sized for.
WEB_IN_FLIGHT = GUNICORN_WORKER_CONNECTIONS if GUNICORN_WORKER_CLASS == "gevent" else GUNICORN_THREADS

# --- Data --------------------------------------------------------------------------------------------------
_SQLITE_OPTIONS = {
    # WAL + IMMEDIATE: the web process and the task worker write the same file without "database is locked".
    "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    "transaction_mode": "IMMEDIATE",
    "timeout": 20,
}


def _green_process() -> bool:
    """True in a gunicorn gevent worker: it monkey-patches itself before it loads Django."""
    monkey = sys.modules.get("gevent.monkey")
    return bool(monkey and monkey.is_module_patched("socket"))


def _database(name: str, default_file: str) -> dict:
    config = env.db_url_config(env.str(name, default="") or f"sqlite:///{BASE_DIR / default_file}")
    if config["ENGINE"] == "django.db.backends.sqlite3":
        config.setdefault("OPTIONS", {}).update(_SQLITE_OPTIONS)
    # Reuse connections across requests: opening one (and, on SQLite, running the PRAGMAs) per request is a
    # measurable part of the BFF's overhead. Not in a gevent worker: Django keeps a connection per greenlet,
    # and a greenlet lives for one request, so a kept connection would only linger unused until collected.
    # (The hot API reads make no query anyway: apps/accounts/auth_cache.py.)
    config["CONN_MAX_AGE"] = env.int("DATABASE_CONN_MAX_AGE", default=0 if _green_process() else 60)
    pool = _green_process() and env.bool("DATABASE_POOL", True)
    if pool and config["ENGINE"] == "django.db.backends.postgresql":
        # ... so a gevent worker pools them instead: a request's connection goes back to the process's pool
        # when the request ends, and the next request (another greenlet) takes it, with no new connection.
        config["CONN_MAX_AGE"] = 0  # what Django's pool requires
        config.setdefault("OPTIONS", {})["pool"] = {
            "min_size": 2,
            "max_size": env.int("DATABASE_POOL_MAX_SIZE", default=20),
            "timeout": 10,
        }
    if pool and config["ENGINE"] == "django.db.backends.sqlite3":
        # SQLite too: Django's SQLite backend with a pool of the process (loyalty_bff/sqlite_pool/base.py), which
        # keeps at most this many idle connections and never makes a request wait for one. Returned at the end
        # of each request: CONN_MAX_AGE=0.
        config["ENGINE"] = "loyalty_bff.sqlite_pool"
        config["CONN_MAX_AGE"] = 0
        config["OPTIONS"]["pool"] = {"max_size": env.int("DATABASE_POOL_MAX_SIZE", default=20)}
    config["CONN_HEALTH_CHECKS"] = True
    return config


DATABASES = {"default": _database("DATABASE_URL", "db.sqlite3")}
if not DEBUG and not env.str("DATABASE_URL", default=""):
    _missing.append("DATABASE_URL")
if SANDBOX_ENABLED:
    # The sandbox keeps its state in a database of its own, apart from the BFF's data.
    DATABASES["sandbox"] = _database("SANDBOX_DATABASE_URL", "sandbox.sqlite3")
    DATABASE_ROUTERS = ["apps.sandbox.router.SandboxRouter"]

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Throttles, login lock-outs, the Braze pause and the delivery schedule are counted here, so it must be one store
# for every process. Production: Redis (redis://HOST:6379/0, Django's RedisCache with the `redis` client, as
# apps.api.cache.RedisCache).
# Default: the database cache, shared by every process with no extra service (apps/api/cache.py says why not the
# file cache); a dbcache:// CACHE_URL gets the same process-safe counters. Entries are many (one per address and
# minute) and must not be culled early: culling a live counter would reset a throttle.
_CACHE_URL = env.str("CACHE_URL", default="")
CACHES = {"default": env.cache_url_config(_CACHE_URL or "dbcache://bff_cache")}
if CACHES["default"]["BACKEND"] == "django.core.cache.backends.db.DatabaseCache":
    CACHES["default"]["BACKEND"] = "apps.api.cache.DatabaseCache"
    CACHES["default"].setdefault("OPTIONS", {}).setdefault("MAX_ENTRIES", 100_000)
# Django's, with one shared client and the throttle's one-round-trip hit (apps/api/cache.py).
if CACHES["default"]["BACKEND"] == "django.core.cache.backends.redis.RedisCache":
    CACHES["default"]["BACKEND"] = "apps.api.cache.RedisCache"
if CACHES["default"]["BACKEND"] == "django.core.cache.backends.locmem.LocMemCache" and not DEBUG:
    raise ImproperlyConfigured(
        "CACHE_URL is a local-memory cache with DJANGO_DEBUG=false: each process would count throttles on its own. "
        "Use Redis (redis://HOST:6379/0)."
    )
if not DEBUG and not _CACHE_URL:
    _missing.append("CACHE_URL")

# --- Request bodies (apps/api/parsing.py) -------------------------------------------------------------------
# Largest body per path prefix, first match wins; other paths (web forms, admin) get DATA_UPLOAD_MAX_MEMORY_SIZE.
# The app's largest body (a profile) is well under 1 KB; a SessionM event or a till's order under 16 KB.
REQUEST_BODY_LIMITS = [
    ("/api/", env.int("API_MAX_BODY_BYTES", default=64 * 1024)),
    ("/integrations/", env.int("INTEGRATIONS_MAX_BODY_BYTES", default=256 * 1024)),
]
DATA_UPLOAD_MAX_MEMORY_SIZE = env.int("FORM_MAX_BODY_BYTES", default=1024 * 1024)
DATA_UPLOAD_MAX_NUMBER_FIELDS = 200

# --- Auth --------------------------------------------------------------------------------------------------
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 8}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
# A password reset link works once (the token is bound to the password hash) and for this long only.
PASSWORD_RESET_TIMEOUT = env.int("PASSWORD_RESET_TIMEOUT_SECONDS", default=3600)
# The web wallet's public origin for links in messages (e.g. https://rewards.fancyfries.example). Empty: the
# origin of the request that asked for the link (its Host header is checked against ALLOWED_HOSTS).
WEB_BASE_URL = env.str("WEB_BASE_URL", default="").rstrip("/")
# Signing in or resetting the password within this many seconds lets the customer delete the account without
# typing the password again (a freshly reset customer has just proven who they are).
RECENT_LOGIN_SECONDS = env.int("RECENT_LOGIN_SECONDS", default=600)
LOGIN_URL = "web:login"
LOGIN_REDIRECT_URL = "web:wallet"
LOGOUT_REDIRECT_URL = "web:login"

SIMPLE_JWT = {
    "ACCESS_TOKEN_LIFETIME": timedelta(minutes=env.int("JWT_ACCESS_MINUTES", default=15)),
    "REFRESH_TOKEN_LIFETIME": timedelta(days=env.int("JWT_REFRESH_DAYS", default=30)),
    "ROTATE_REFRESH_TOKENS": True,
    "BLACKLIST_AFTER_ROTATION": True,
    "UPDATE_LAST_LOGIN": True,
    "AUTH_HEADER_TYPES": ("Bearer",),
}

# The API keeps each process's copy of a signed-in user for at most this long; any change to the user or its
# customer reaches every process sooner, through the shared cache (apps/accounts/auth_cache.py). This bound
# matters only with a process-local cache (development), where it is how late another process may notice.
AUTH_SNAPSHOT_MAX_AGE = env.float("AUTH_SNAPSHOT_MAX_AGE", default=5.0)

# --- Transport and browser security (`manage.py check --deploy --fail-level WARNING` passes on these defaults) ---
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SECURE = env.bool("SESSION_COOKIE_SECURE", default=not DEBUG)
CSRF_COOKIE_SECURE = env.bool("CSRF_COOKIE_SECURE", default=not DEBUG)
# The proxy in front terminates TLS and says so in X-Forwarded-Proto (it must overwrite what clients send).
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
# Redirect plain HTTP to HTTPS, except the probes a load balancer sends to the instance over plain HTTP.
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=not DEBUG)
SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^readyz$"]
# HSTS: one year in production. Preload only tells browsers the site may be put on the preload list; it is on
# it only once submitted at hstspreload.org. Set SECURE_HSTS_SECONDS=0 while first trying HTTPS on a new host.
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=0 if DEBUG else 31_536_000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=not DEBUG)
SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=not DEBUG)
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
# Browser features no page of ours uses (loyalty_bff.middleware.PagePermissionsPolicyMiddleware).
PERMISSIONS_POLICY = "camera=(), microphone=(), geolocation=(), payment=(), usb=(), interest-cohort=()"
# Content-Security-Policy (django-csp, on pages: loyalty_bff.middleware.PageCSPMiddleware): scripts and styles only
# from our own static files, never inline. Offer and campaign images come from SessionM's CDN, whose host differs
# per tenant: any https image.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:", "https:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
}

# --- DRF and the OpenAPI schema ----------------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": ["apps.accounts.authentication.CustomerJWTAuthentication"],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["apps.api.parsing.BoundedJSONParser"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "apps.api.exceptions.exception_handler",
    "DEFAULT_THROTTLE_RATES": {
        # Scoped throttles for credential endpoints (per client IP); see apps/api/throttles.py.
        "login": env.str("THROTTLE_LOGIN_RATE", default="10/min"),
        # Failed logins per account, whatever the address (API, web wallet and admin alike).
        "login_account": env.str("THROTTLE_LOGIN_ACCOUNT_RATE", default="10/hour"),
        "signup": env.str("THROTTLE_SIGNUP_RATE", default="5/min"),
        # Reset requests per client IP, and per email address asked about (both must allow it).
        "password_reset": env.str("THROTTLE_PASSWORD_RESET_RATE", default="5/hour"),
        "password_reset_email": env.str("THROTTLE_PASSWORD_RESET_EMAIL_RATE", default="3/hour"),
        # Every authenticated customer, every endpoint.
        "customer": env.str("THROTTLE_CUSTOMER_RATE", default="120/min"),
    },
    "NUM_PROXIES": env.int("NUM_PROXIES", default=0),
    "TEST_REQUEST_DEFAULT_FORMAT": "json",
}

SPECTACULAR_SETTINGS = {
    "TITLE": "Fancy Fries loyalty BFF",
    "DESCRIPTION": (
        "Backend-for-frontend of the Fancy Fries loyalty program (SessionM + Braze). Every error uses the "
        'envelope `{"error": {"code", "message", "details"}}` and every response carries `X-Request-ID`. A body '
        "larger than its route accepts (64 KB under /api/, 256 KB under /integrations/) is a 413 "
        "`request_too_large`; JSON nested deeper than 32 levels is a 400 `malformed_request`."
    ),
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "COMPONENT_SPLIT_REQUEST": True,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "SCHEMA_PATH_PREFIX": r"/api/v1|/integrations",
}

# --- Tasks (outbox delivery) -------------------------------------------------------------------------------
TASKS = {
    "default": {
        "BACKEND": env.str("TASKS_BACKEND", default="django_tasks_db.DatabaseBackend"),
        "QUEUES": ["default"],
    }
}
if TASKS["default"]["BACKEND"] == "django_tasks_rq.RQBackend":
    # The queue in Redis, worked by `manage.py rqworker --job-class django_tasks_rq.Job default` instead of
    # db_worker (README "Deploying"). Needs `pip install django-tasks-rq` (matching django-tasks' version).
    INSTALLED_APPS += ["django_rq", "django_tasks_rq"]
    RQ_QUEUES = {"default": {"URL": env.str("TASKS_REDIS_URL", default="") or env.str("CACHE_URL", default="")}}
    if not RQ_QUEUES["default"]["URL"].startswith(("redis://", "rediss://")):
        _missing.append("TASKS_REDIS_URL (redis://... for TASKS_BACKEND=django_tasks_rq.RQBackend)")

# The scheduler process (`manage.py scheduler`, apps/ops/scheduler.py): how often the outbox delivery sweep
# runs, and how long the active scheduler's lease lasts before a standby takes over.
SCHEDULER_DELIVERY_SWEEP_SECONDS = env.int("SCHEDULER_DELIVERY_SWEEP_SECONDS", default=60)
SCHEDULER_LEASE_SECONDS = env.int("SCHEDULER_LEASE_SECONDS", default=15)

# --- Upstreams: SessionM ---------------------------------------------------------------------------------
# Sandbox defaults apply only while SANDBOX_ENABLED; production must name every one of these.
if SANDBOX_ENABLED:

    def _upstream(name, sandbox_default):
        return env.get_value(name, cast=str, default=None) or sandbox_default

else:

    def _upstream(name, sandbox_default):
        value = env.get_value(name, cast=str, default=None)
        if value in (None, ""):
            _missing.append(name)
        return value


SESSIONM_CORE_URL = _upstream("SESSIONM_CORE_URL", f"{SANDBOX_URL}/sessionm/core")
SESSIONM_CONNECT_URL = _upstream("SESSIONM_CONNECT_URL", f"{SANDBOX_URL}/sessionm/connect")
SESSIONM_POS_URL = _upstream("SESSIONM_POS_URL", f"{SANDBOX_URL}/sessionm/pos")
SESSIONM_API_KEY = _upstream("SESSIONM_API_KEY", "sandbox-core-key")
SESSIONM_API_SECRET = _upstream("SESSIONM_API_SECRET", "sandbox-core-secret")
SESSIONM_CONNECT_KEY = _upstream("SESSIONM_CONNECT_KEY", "sandbox-connect-key")
SESSIONM_CONNECT_SECRET = _upstream("SESSIONM_CONNECT_SECRET", "sandbox-connect-secret")
SESSIONM_RETAILER_ID = _upstream("SESSIONM_RETAILER_ID", "5f0c1c7e-6a1d-4a55-9d0e-fa1c0ffee001")
SESSIONM_POS_KEY = _upstream("SESSIONM_POS_KEY", "sandbox-pos-key")
SESSIONM_POS_SECRET = _upstream("SESSIONM_POS_SECRET", "sandbox-pos-secret")
SESSIONM_POS_STORE_ID = _upstream("SESSIONM_POS_STORE_ID", "FF-ONLINE")
SESSIONM_POS_CLIENT_ID = _upstream("SESSIONM_POS_CLIENT_ID", "loyalty-bff")
# Tenant configuration: the timeline view that serves the activity log, and the external id type.
SESSIONM_TIMELINE_VIEW = env.str("SESSIONM_TIMELINE_VIEW", default="END_USER_MEMBER_STATEMENT")
# How long a customer's parsed timeline (the activity log) is reused from the shared cache (apps/loyalty/
# timeline.py). The customer's own actions through the BFF show at once; what SessionM does on its own
# (expiries, awards) within this many seconds. 0: read SessionM on every view.
ACTIVITY_CACHE_SECONDS = env.int("ACTIVITY_CACHE_SECONDS", default=30)
SESSIONM_EXTERNAL_ID_TYPE = env.str("SESSIONM_EXTERNAL_ID_TYPE", default="fancyfries")
# (connect, read) seconds. Reads are short so a slow SessionM never pins a request thread for long.
SESSIONM_TIMEOUT = (env.float("SESSIONM_CONNECT_TIMEOUT", default=2.0), env.float("SESSIONM_READ_TIMEOUT", default=5.0))
SESSIONM_RETRIES = env.int("SESSIONM_RETRIES", default=2)
# How SessionM's outbound webhook authenticates. SessionM publishes no signing scheme: its team builds each
# webhook to the partner's needs, so this is what was agreed with them (README "SessionM webhook"):
#   hmac   - X-SessionM-Timestamp + X-SessionM-Signature: sha256=HMAC(secret, "<timestamp>.<body>")
#   bearer - Authorization: Bearer <secret>
#   basic  - Authorization: Basic base64(<SESSIONM_WEBHOOK_USERNAME>:<secret>)
#   header - <SESSIONM_WEBHOOK_HEADER>: <secret>
SESSIONM_WEBHOOK_AUTH = env.str("SESSIONM_WEBHOOK_AUTH", default="hmac").strip().lower()
if SESSIONM_WEBHOOK_AUTH not in ("hmac", "bearer", "basic", "header"):
    raise ImproperlyConfigured("SESSIONM_WEBHOOK_AUTH must be one of: hmac, bearer, basic, header")
# All the upstream calls of one web or API request together, retries included (apps/upstream/budget.py): a screen
# answers 504 within this however SessionM hangs. Default: one SessionM read timeout.
UPSTREAM_REQUEST_BUDGET = env.float("UPSTREAM_REQUEST_BUDGET_SECONDS", default=SESSIONM_TIMEOUT[1])
SESSIONM_WEBHOOK_SECRET = _upstream("SESSIONM_WEBHOOK_SECRET", "sandbox-webhook-secret")
SESSIONM_WEBHOOK_USERNAME = env.str("SESSIONM_WEBHOOK_USERNAME", default="sessionm")
SESSIONM_WEBHOOK_HEADER = env.str("SESSIONM_WEBHOOK_HEADER", default="X-SessionM-Webhook-Token")

# --- Tills (POS clients) and member codes ------------------------------------------------------------------
# The server secret every POS client's HMAC key is derived from (apps/loyalty/models.py says why derived).
POS_CLIENT_KEY_SECRET = _require("POS_CLIENT_KEY_SECRET", dev_default="insecure-dev-only-pos-client-key-secret")
# A till's signed request must carry a timestamp this close to our clock (seconds).
POS_SIGNATURE_TOLERANCE_SECONDS = env.int("POS_SIGNATURE_TOLERANCE_SECONDS", default=300)
# How long a member code the app shows stays valid (seconds): long enough to reach the counter.
MEMBER_CODE_TTL_SECONDS = env.int("MEMBER_CODE_TTL_SECONDS", default=300)
# The sandbox till page (/sandbox/till/) signs as this POS client, for this store, against this BFF (empty:
# the server that serves the page).
SANDBOX_TILL_KEY_ID = "sandbox-till"
SANDBOX_TILL_STORE_ID = "FF-MAIN-ST"
SANDBOX_TILL_BFF_URL = env.str("SANDBOX_TILL_BFF_URL", default="").rstrip("/")

# --- Upstreams: Braze --------------------------------------------------------------------------------------
BRAZE_REST_URL = _upstream("BRAZE_REST_URL", f"{SANDBOX_URL}/braze")
BRAZE_API_KEY = _upstream("BRAZE_API_KEY", "sandbox-braze-key")
BRAZE_TIMEOUT = (env.float("BRAZE_CONNECT_TIMEOUT", default=2.0), env.float("BRAZE_READ_TIMEOUT", default=10.0))


def _braze_target(kind: str, sandbox_campaign: str) -> dict:
    """Where a message kind is sent: BRAZE_<KIND>_CAMPAIGN_ID or BRAZE_<KIND>_CANVAS_ID (exactly one)."""
    campaign = env.str(f"BRAZE_{kind}_CAMPAIGN_ID", default="")
    canvas = env.str(f"BRAZE_{kind}_CANVAS_ID", default="")
    if campaign and canvas:
        raise ImproperlyConfigured(f"Set only one of BRAZE_{kind}_CAMPAIGN_ID and BRAZE_{kind}_CANVAS_ID.")
    if canvas:
        return {"type": "canvas", "id": canvas}
    if campaign:
        return {"type": "campaign", "id": campaign}
    if SANDBOX_ENABLED:
        return {"type": "campaign", "id": sandbox_campaign}
    _missing.append(f"BRAZE_{kind}_CAMPAIGN_ID (or BRAZE_{kind}_CANVAS_ID)")
    return {"type": "campaign", "id": ""}


BRAZE_MESSAGES = {
    "welcome": _braze_target("WELCOME", "sandbox-welcome-campaign"),
    "offer_issued": _braze_target("OFFER_ISSUED", "sandbox-offer-issued-campaign"),
    "offer_expiring": _braze_target("OFFER_EXPIRING", "sandbox-offer-expiring-campaign"),
    "password_reset": _braze_target("PASSWORD_RESET", "sandbox-password-reset-campaign"),
}
# Basic credentials Braze Connected Content presents to /integrations/braze/wallet/{user_id}.
BRAZE_CONNECTED_CONTENT_USERNAME = _upstream("BRAZE_CONNECTED_CONTENT_USERNAME", "braze")
BRAZE_CONNECTED_CONTENT_PASSWORD = _upstream("BRAZE_CONNECTED_CONTENT_PASSWORD", "sandbox-connected-content")

# --- Readiness (/readyz) -------------------------------------------------------------------------------------
# Not ready when no outbox worker (`manage.py db_worker`) has written its heartbeat for this long. Workers beat
# every 10 s. Checked only with the database tasks backend (other backends have no db_worker).
WORKER_HEARTBEAT_MAX_AGE = timedelta(seconds=env.int("WORKER_HEARTBEAT_MAX_AGE_SECONDS", default=120))

# --- Messaging -------------------------------------------------------------------------------------------
OFFER_EXPIRY_REMINDER_DAYS = env.int("OFFER_EXPIRY_REMINDER_DAYS", default=10)
NOTIFICATION_MAX_ATTEMPTS = env.int("NOTIFICATION_MAX_ATTEMPTS", default=8)

# --- i18n --------------------------------------------------------------------------------------------------
LANGUAGE_CODE = "en"
LANGUAGES = [
    ("en", "English"),
    ("pt-br", "Português (Brasil)"),
    ("es", "Español"),
    ("fr", "Français"),
]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = env.str("TIME_ZONE", default="UTC")
USE_I18N = True
USE_TZ = True

# --- Static files ------------------------------------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}
WHITENOISE_USE_FINDERS = DEBUG

# --- Logging -----------------------------------------------------------------------------------------------
# LOG_FORMAT=json: one JSON object a line (time, level, logger, message, request_id, and for request lines
# route, method, status, duration_ms), for a log shipper. Configured secrets are redacted from every line.
LOG_FORMAT = env.str("LOG_FORMAT", default="plain")
if LOG_FORMAT not in ("plain", "json"):
    raise ImproperlyConfigured(f"LOG_FORMAT must be 'plain' or 'json', not {LOG_FORMAT!r}.")
# One line per request from the app (with route and request id). On by default with JSON logs, where it
# replaces gunicorn's access log (deploy/gunicorn.conf.py); plain logs keep gunicorn's access log.
LOG_REQUESTS = env.bool("LOG_REQUESTS", default=LOG_FORMAT == "json")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {
        "request_id": {"()": "apps.api.middleware.RequestIdLogFilter"},
        "redact_secrets": {"()": "apps.ops.logging.RedactSecretsFilter"},
    },
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"},
        "json": {"()": "apps.ops.logging.JsonLogFormatter"},
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": LOG_FORMAT,
            "filters": ["request_id", "redact_secrets"],
        },
    },
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {
        # Django's default config gives its "django" logger a console handler (DEBUG only) and mail to ADMINS;
        # with ours on the root every django.request warning printed twice. Its records go to the root only.
        "django": {"handlers": [], "level": "INFO", "propagate": True},
        # Request lines of the dev server are noise next to our own request-id'd logs.
        "django.server": {"level": "WARNING"},
    },
}

# --- Metrics -----------------------------------------------------------------------------------------------
# GET /metrics (Prometheus text format) answers only with `Authorization: Bearer <METRICS_TOKEN>`; with no
# token set it is 404. Several processes per instance: set PROMETHEUS_MULTIPROC_DIR (deploy/gunicorn.conf.py).
METRICS_TOKEN = env.str("METRICS_TOKEN", default="")

if not DEBUG and SANDBOX_ENABLED:
    raise ImproperlyConfigured(
        "SANDBOX_ENABLED is on with DJANGO_DEBUG=false. The sandbox emulates SessionM and Braze and must not run "
        "in production: unset SANDBOX_ENABLED and set the SESSIONM_* and BRAZE_* variables (see .env.example)."
    )
if _missing:
    # Say which switch made them required: in DEBUG only a sandbox turned off does.
    _cause = "DJANGO_DEBUG=false" if not DEBUG else "SANDBOX_ENABLED=false (with DJANGO_DEBUG=true)"
    _remedy = "" if not DEBUG else " Set them to use a real SessionM and Braze, or leave SANDBOX_ENABLED unset."
    raise ImproperlyConfigured(
        f"{_cause} and these required variables are not set: "
        + ", ".join(dict.fromkeys(_missing))
        + "."
        + _remedy
        + " See .env.example for what each one is."
    )
