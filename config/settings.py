"""The one settings module, driven by environment variables.

Defaults are safe for local use; production must set SECRET_KEY and
FIELD_ENCRYPTION_KEY explicitly (they are required whenever DEBUG is off).
"""

import base64
import hashlib
import os
from pathlib import Path

import environ
from celery.schedules import crontab
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
_env_file = os.environ.get("ENV_FILE", str(BASE_DIR / ".env"))
if os.path.isfile(_env_file):
    env.read_env(_env_file)

DEBUG = env.bool("DEBUG", default=False)

SECRET_KEY = env("SECRET_KEY", default="")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured("SECRET_KEY must be set when DEBUG is off.")
    SECRET_KEY = "insecure-local-development-key-only"


def _dev_fernet_key(secret: str) -> str:
    """A stable key for local use, so DEBUG setups need no extra variable."""
    return base64.urlsafe_b64encode(hashlib.sha256(secret.encode()).digest()).decode()


# Comma-separated Fernet keys, newest first: the first encrypts, all decrypt (rotation).
FIELD_ENCRYPTION_KEYS = env.list("FIELD_ENCRYPTION_KEY", default=[])
if not FIELD_ENCRYPTION_KEYS:
    if not DEBUG:
        raise ImproperlyConfigured("FIELD_ENCRYPTION_KEY must be set when DEBUG is off.")
    FIELD_ENCRYPTION_KEYS = [_dev_fernet_key(SECRET_KEY)]

# Loopback names are always allowed so container health checks work beside the public names.
ALLOWED_HOSTS = [*env.list("ALLOWED_HOSTS", default=[]), "localhost", "127.0.0.1", "[::1]"]
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "jazzmin",
    # django.contrib.admin, whose site's home page is the dashboard (dashboard/site.py).
    "dashboard.admin_app.CatalogAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_celery_beat",
    "django_celery_results",
    "tenants",
    "products_and_services",
    "meta_integration",
    "integrations",
    "knowledge",
    "dashboard",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "config.middleware.ApiBodySizeLimitMiddleware",
    "config.middleware.ApiJsonNotFoundMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "config.middleware.AdminLanguageMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
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
        },
    },
]

DATABASES = {
    "default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'var' / 'db.sqlite3'}"),
}
DATABASES["default"].setdefault("CONN_MAX_AGE", env.int("DB_CONN_MAX_AGE", default=60))
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # The same backend, whose health check pings only when the socket says the server went
    # away or the connection sat idle, not before every request (config/postgresql/base.py).
    DATABASES["default"]["ENGINE"] = "config.postgresql"
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # A file test database, so a worker process can share it in end-to-end tests.
    DATABASES["default"].setdefault("TEST", {"NAME": str(BASE_DIR / "var" / "test.sqlite3")})
    # The demo runs web, worker and beat on one file. WAL lets readers and a writer work at
    # once; IMMEDIATE takes the write lock when a transaction starts, so two writers queue on
    # the busy timeout instead of one failing with "database is locked" when it upgrades a
    # read lock (which the busy timeout cannot retry).
    DATABASES["default"].setdefault(
        "OPTIONS",
        {
            "timeout": 30,
            "transaction_mode": "IMMEDIATE",
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        },
    )
    # `var/` is not in git: a fresh clone must be able to create its database files there.
    for sqlite_file in (DATABASES["default"]["NAME"], DATABASES["default"]["TEST"].get("NAME")):
        if sqlite_file and sqlite_file != ":memory:":
            Path(sqlite_file).parent.mkdir(parents=True, exist_ok=True)

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# People sign in only through the admin: a login at /admin/login/ without `next` lands there.
LOGIN_URL = "admin:login"
LOGIN_REDIRECT_URL = "admin:index"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en-us"
# The admin's languages; each staff user picks one (Admin → Language). The API stays English.
LANGUAGES = [("en", "English"), ("fa", "فارسی")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = Path(env("STATIC_ROOT", default=str(BASE_DIR / "staticfiles")))
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(env("MEDIA_ROOT", default=str(BASE_DIR / "media")))
# Absolute base that Meta's crawlers can reach for uploaded images.
PUBLIC_MEDIA_BASE_URL = env("PUBLIC_MEDIA_BASE_URL", default="http://localhost:8000/media/")

# Request bodies on the API and webhooks above this size get 413.
API_MAX_BODY_BYTES = env.int("API_MAX_BODY_BYTES", default=1024 * 1024)
DATA_UPLOAD_MAX_MEMORY_SIZE = max(API_MAX_BODY_BYTES, 2_621_440)

# --- Security (production hardening applies whenever DEBUG is off) ---
SESSION_COOKIE_SECURE = env.bool("SESSION_COOKIE_SECURE", default=not DEBUG)
CSRF_COOKIE_SECURE = env.bool("CSRF_COOKIE_SECURE", default=not DEBUG)
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=not DEBUG)
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=0 if DEBUG else 31_536_000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = not DEBUG
SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=False)
# Joining the browsers' HSTS preload list is a lasting decision for the operator's whole domain,
# so it stays opt-in (SECURE_HSTS_PRELOAD=1) and its reminder is silenced.
SILENCED_SYSTEM_CHECKS = [] if SECURE_HSTS_PRELOAD else ["security.W021"]
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
X_FRAME_OPTIONS = "DENY"

# --- REST framework ---
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "tenants.authentication.TenantApiKeyAuthentication",
        "tenants.authentication.TenantSessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["tenants.permissions.HasTenantScope"],
    "DEFAULT_FILTER_BACKENDS": [
        "common.filters.StrictFilterBackend",
        "rest_framework.filters.SearchFilter",
        "rest_framework.filters.OrderingFilter",
    ],
    # JSON only: a form-encoded body cannot say "false" or an empty list, so it is refused (415).
    "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.JSONParser"],
    "DEFAULT_PAGINATION_CLASS": "config.pagination.StandardPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "config.exceptions.json_exception_handler",
    "UNAUTHENTICATED_USER": None,
}

SPECTACULAR_SETTINGS = {
    "TITLE": "Catalog Sync API",
    "DESCRIPTION": (
        "One product table per merchant, kept in step with Meta catalogs, Zoho Inventory, "
        "WooCommerce and Shopify. Authenticate with the `X-TENANT-ID` and "
        "`X-TENANT-API-KEY` headers."
    ),
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "COMPONENT_SPLIT_REQUEST": True,
    # Swagger UI and ReDoc come from the installed sidecar package, so the docs work offline.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    # Swagger UI's validator badge sends the schema's URL to validator.swagger.io from any
    # host but localhost. drf-spectacular's BaseLayout does not show the badge today; off, so a
    # layout change cannot bring it back. The docs pages also carry a self-only
    # Content-Security-Policy (templates/drf_spectacular/).
    "SWAGGER_UI_SETTINGS": {"deepLinking": True, "validatorUrl": None},
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "config.openapi.document_error_responses",
    ],
}

# --- Celery ---
CELERY_BROKER_URL = env("CELERY_BROKER_URL", default="redis://127.0.0.1:6379/0")
if CELERY_BROKER_URL in ("filesystem://", "memory://"):
    # These transports ignore the host; naming one spares every process kombu's
    # "No hostname was supplied" warning.
    CELERY_BROKER_URL += "localhost//"
CELERY_RESULT_BACKEND = env("CELERY_RESULT_BACKEND", default="django-db")
CELERY_TASK_ALWAYS_EAGER = False
# The longest countdown we schedule is one hour (pull retries); the broker must not
# redeliver an unacked task before that, so the visibility timeout is longer.
CELERY_MAX_COUNTDOWN_SECONDS = 3600
CELERY_BROKER_TRANSPORT_OPTIONS: dict[str, object] = {
    "visibility_timeout": env.int("CELERY_VISIBILITY_TIMEOUT", default=4 * 3600),
}
# Publishing is best-effort: the intent is already in the database (Meta outbox, queued
# runs, the knowledge sweep) and beat catches up. With the broker down a publish fails in
# milliseconds instead of retrying for ~6 s, and a Redis that stops answering costs at most
# these timeouts, so API and admin writes answer in normal time.
CELERY_BROKER_TRANSPORT_OPTIONS.update(
    {
        "max_retries": 1,
        "interval_start": 0,
        "interval_step": 0.2,
        "interval_max": 0.2,
        "socket_connect_timeout": env.float("CELERY_BROKER_CONNECT_TIMEOUT", default=1.0),
        "socket_timeout": env.float("CELERY_BROKER_SOCKET_TIMEOUT", default=5.0),
    }
)
if CELERY_BROKER_URL.startswith("filesystem://"):
    _broker_dir = Path(
        env("CELERY_FILESYSTEM_BROKER_DIR", default=str(BASE_DIR / "var" / "broker"))
    )
    for _sub in ("out", "processed", "control"):
        (_broker_dir / _sub).mkdir(parents=True, exist_ok=True)
    CELERY_BROKER_TRANSPORT_OPTIONS.update(
        {
            "data_folder_in": str(_broker_dir / "out"),
            "data_folder_out": str(_broker_dir / "out"),
            "processed_folder": str(_broker_dir / "processed"),
            "control_folder": str(_broker_dir / "control"),
            "store_processed": False,
        }
    )
CELERY_TASK_TIME_LIMIT = env.int("CELERY_TASK_TIME_LIMIT", default=30 * 60)
CELERY_TASK_SOFT_TIME_LIMIT = env.int("CELERY_TASK_SOFT_TIME_LIMIT", default=25 * 60)
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
# Tasks are idempotent: ack after the work, redeliver if a worker dies mid-task.
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
# Celery's Django fix-up closes every database connection before and after each task unless
# this is set (it then closes them once in this many tasks), so each task paid for a new
# PostgreSQL session. Between those, connections live as they do between web requests
# (`close_old_connections` in config/celery.py): up to DB_CONN_MAX_AGE, and closed when broken.
CELERY_DB_REUSE_MAX = 1000
# Results live in our own tables (SyncRun, event logs); tasks that need one opt in.
CELERY_TASK_IGNORE_RESULT = True
CELERY_RESULT_EXTENDED = True
CELERY_TASK_DEFAULT_QUEUE = "default"
CELERY_TASK_ROUTES = {
    "meta_integration.*": {"queue": "meta_push"},
    "integrations.pull.*": {"queue": "pull"},
    "integrations.webhooks.*": {"queue": "webhooks"},
    "knowledge.*": {"queue": "knowledge"},
}
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# A worker running a task survives a Redis restart (celery 5.7.0 exits; see the module).
CELERY_WORKER_CONSUMER = env(
    "CELERY_WORKER_CONSUMER", default="config.worker_consumer:BrokerRestartSafeConsumer"
)
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"
CELERY_BEAT_SCHEDULE: dict[str, dict[str, object]] = {
    "drain-meta-outbox": {
        "task": "meta_integration.drain_meta_outbox",
        "schedule": env.float("META_DRAIN_INTERVAL_SECONDS", default=60.0),
    },
    "zoho-incremental": {
        "task": "integrations.pull.schedule_provider_syncs",
        "schedule": crontab(minute=env("ZOHO_INCREMENTAL_MINUTE", default="15")),
        "args": ("zoho", "incremental"),
    },
    "woocommerce-incremental": {
        "task": "integrations.pull.sync_all_woocommerce_stores",
        "schedule": crontab(minute=env("WOO_INCREMENTAL_MINUTE", default="*/30")),
        "args": ("incremental",),
    },
    "shopify-incremental": {
        "task": "integrations.pull.sync_all_shopify_stores",
        "schedule": crontab(minute=env("SHOPIFY_INCREMENTAL_MINUTE", default="5,35")),
        "args": ("incremental",),
    },
    "zoho-full-nightly": {
        "task": "integrations.pull.schedule_provider_syncs",
        "schedule": crontab(minute="30", hour=env("ZOHO_FULL_HOUR", default="2")),
        "args": ("zoho", "full"),
    },
    "webhooks-requeue-pending": {
        "task": "integrations.webhooks.requeue_pending",
        "schedule": env.float("WEBHOOK_SWEEP_INTERVAL_SECONDS", default=300.0),
    },
    "sync-runs-sweep": {
        "task": "integrations.pull.sweep_sync_runs",
        "schedule": env.float("SYNC_SWEEP_INTERVAL_SECONDS", default=60.0),
    },
    "knowledge-sweep": {
        "task": "knowledge.sweep_stale_documents",
        "schedule": env.float("KNOWLEDGE_SWEEP_INTERVAL_SECONDS", default=600.0),
    },
}
# A running sync with no sign of life from its worker for this long is marked abandoned by
# beat; a queued one not started this long after it was due is sent to the broker again.
SYNC_HEARTBEAT_INTERVAL_SECONDS = env.float("SYNC_HEARTBEAT_INTERVAL_SECONDS", default=30.0)
SYNC_HEARTBEAT_TIMEOUT_SECONDS = env.int("SYNC_HEARTBEAT_TIMEOUT_SECONDS", default=300)
SYNC_QUEUED_GRACE_SECONDS = env.int("SYNC_QUEUED_GRACE_SECONDS", default=120)
# Native store webhooks: rejected deliveries leave at most this many log rows per store a
# minute; an unpublishing update signed longer ago than the window is refused as a replay.
WEBHOOK_REJECTED_LOG_PER_MINUTE = env.int("WEBHOOK_REJECTED_LOG_PER_MINUTE", default=20)
WEBHOOK_MAX_AGE_SECONDS = env.int("WEBHOOK_MAX_AGE_SECONDS", default=72 * 3600)
# Accepted webhook events not processed after this long are queued again by the beat sweep.
WEBHOOK_REQUEUE_AFTER_SECONDS = env.int("WEBHOOK_REQUEUE_AFTER_SECONDS", default=300)

TASK_QUEUE_NAMES = ("default", "meta_push", "pull", "webhooks", "knowledge")
# /healthz asks the workers which queues they consume (a broadcast that waits this long for
# replies) and keeps the answer this long, so frequent polling stays cheap.
HEALTH_QUEUE_TIMEOUT_SECONDS = env.float("HEALTH_QUEUE_TIMEOUT_SECONDS", default=1.0)
HEALTH_QUEUE_CACHE_SECONDS = env.float("HEALTH_QUEUE_CACHE_SECONDS", default=15.0)

# --- Cache: shared by all processes (request budgets, locks); Redis when the broker is Redis ---
if CELERY_BROKER_URL.startswith("redis://"):
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": env("CACHE_URL", default=CELERY_BROKER_URL),
            "KEY_PREFIX": "catalog-sync",
        }
    }
else:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
            "LOCATION": env("CACHE_DIR", default=str(BASE_DIR / "var" / "cache")),
        }
    }

# --- Integrations ---
META_GRAPH_API_URL = env("META_GRAPH_API_URL", default="https://graph.facebook.com")
# Meta requires an image on every new catalog item: on by default. Off only for catalogs whose
# images are managed in Commerce Manager (items then go without image_link).
META_CATALOG_INCLUDE_IMAGES = env.bool("META_CATALOG_INCLUDE_IMAGES", default=True)
META_BATCH_SIZE = env.int("META_BATCH_SIZE", default=5000)  # Meta takes at most 5,000
# A flush task stops after the batch that spends this and queues the tenant's next slice.
META_FLUSH_SLICE_SECONDS = env.float("META_FLUSH_SLICE_SECONDS", default=10.0)
# How long a flush polls a batch's status before it parks the batch for a delayed re-check
# (meta_integration/parking.py), so no worker sleeps for minutes on a slow Meta.
META_STATUS_INLINE_SECONDS = env.float("META_STATUS_INLINE_SECONDS", default=5.0)
# Who hears when products fail to reach Meta for good (comma-separated addresses).
CATALOG_ALERT_EMAILS = env.list("CATALOG_ALERT_EMAILS", default=[])
EMAIL_BACKEND = env(
    "EMAIL_BACKEND",
    default="django.core.mail.backends.console.EmailBackend"
    if DEBUG
    else "django.core.mail.backends.smtp.EmailBackend",
)
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", default="catalog-sync@localhost")
# A flush's claim on its rows; renewed while the worker works, so a dead worker's batch is
# claimed again within this time.
META_CLAIM_LEASE_SECONDS = env.int("META_CLAIM_LEASE_SECONDS", default=120)
# First retry delay of provider calls (5xx, network), doubling each time, with full jitter.
PULL_HTTP_BACKOFF_SECONDS = env.float("PULL_HTTP_BACKOFF_SECONDS", default=0.5)
# Pages a pull fetches ahead while storing the current one (0 = none), so network and
# database work overlap.
SYNC_PREFETCH_PAGES = env.int("SYNC_PREFETCH_PAGES", default=1)
# A pull task stops after this much work, at a page it can resume from, and re-queues itself
# at the back of the queue: a large tenant's pull cannot hold a worker while others wait.
SYNC_CHUNK_SECONDS = env.float("SYNC_CHUNK_SECONDS", default=2.0)
# ... and sooner, right after the page it has just stored (a run's first chunk: before its first
# page), once a run with fewer chunks queued behind it has waited this long for a worker slot
# (integrations/engine/turns.py).
SYNC_YIELD_AFTER_SECONDS = env.float("SYNC_YIELD_AFTER_SECONDS", default=0.1)
# Numbered listings (Zoho, WooCommerce) skip an item when an earlier one is deleted while the
# run reads them. Before a full run deactivates what it did not see, it asks upstream for up
# to this many of those items one by one (Zoho) or in one filtered listing (WooCommerce).
SYNC_REMOVAL_CHECKS = env.int("SYNC_REMOVAL_CHECKS", default=50)
# Full Shopify syncs of more products than this run as a bulk operation (JSONL export).
SHOPIFY_BULK_THRESHOLD = env.int("SHOPIFY_BULK_THRESHOLD", default=2000)
SHOPIFY_BULK_POLL_SECONDS = env.float("SHOPIFY_BULK_POLL_SECONDS", default=2.0)
# How long a worker polls a new export before it pauses the run and re-checks from a delayed
# task; the delays double up to the maximum; an export unfinished after the timeout fails.
SHOPIFY_BULK_INLINE_WAIT_SECONDS = env.float("SHOPIFY_BULK_INLINE_WAIT_SECONDS", default=5.0)
SHOPIFY_BULK_RECHECK_MAX_SECONDS = env.float("SHOPIFY_BULK_RECHECK_MAX_SECONDS", default=30.0)
SHOPIFY_BULK_TIMEOUT_SECONDS = env.float("SHOPIFY_BULK_TIMEOUT_SECONDS", default=3600.0)
# How long a process trusts an integration token it verified (0 = check the database on every
# request). A revocation reaches other processes within this time; this one at once.
INTEGRATION_TOKEN_CACHE_SECONDS = env.float("INTEGRATION_TOKEN_CACHE_SECONDS", default=1.0)
# Zoho item pages requested at once in a full run (numbered pages need not wait for each other);
# up to this many minus one requests go past the last page. 1 = one after another.
ZOHO_PAGE_CONCURRENCY = env.int("ZOHO_PAGE_CONCURRENCY", default=4)
# Zoho Inventory calls per organisation per minute, shared by all workers (Zoho's limit is 100).
# 0 = no budget on our side: only for a stand-in without the limit, such as the benchmarks'.
ZOHO_REQUESTS_PER_MINUTE = env.int("ZOHO_REQUESTS_PER_MINUTE", default=100)
# Variation requests in flight at once per WooCommerce page (kind to small shared hosts).
WOO_VARIATION_CONCURRENCY = env.int("WOO_VARIATION_CONCURRENCY", default=8)

# --- Knowledge index (embeddings) ---
# Any OpenAI-compatible POST {EMBEDDINGS_API_URL}/v1/embeddings. No key means indexing is off.
EMBEDDINGS_API_URL = env("EMBEDDINGS_API_URL", default="https://api.openai.com")
EMBEDDINGS_MODEL = env("EMBEDDINGS_MODEL", default="text-embedding-3-small")
EMBEDDINGS_API_KEY = env("EMBEDDINGS_API_KEY", default="")
# Texts per embeddings call (OpenAI accepts up to 2,048).
EMBEDDINGS_BATCH_SIZE = env.int("EMBEDDINGS_BATCH_SIZE", default=100)
# Chunk size and overlap, in words, when a product's text is split for embedding.
KNOWLEDGE_CHUNK_WORDS = env.int("KNOWLEDGE_CHUNK_WORDS", default=300)
KNOWLEDGE_CHUNK_OVERLAP = env.int("KNOWLEDGE_CHUNK_OVERLAP", default=40)
# Most chunks one semantic search compares (newest documents first), so a request stays bounded.
KNOWLEDGE_SEARCH_MAX_CHUNKS = env.int("KNOWLEDGE_SEARCH_MAX_CHUNKS", default=20000)
# Semantic hits scoring below this cosine similarity are left out (0 = keep every hit).
KNOWLEDGE_SEARCH_MIN_SCORE = env.float("KNOWLEDGE_SEARCH_MIN_SCORE", default=0.25)

# --- Admin (Jazzmin) ---
JAZZMIN_SETTINGS = {
    "site_title": "Catalog Sync",
    "site_header": "Catalog Sync",
    "site_brand": "Catalog Sync",
    "welcome_sign": "Catalog Sync: one product table, every channel in step",
    "copyright": "Catalog Sync",
    "search_model": ["products_and_services.Product"],
    "topmenu_links": [
        {"name": "Home", "url": "admin:index", "permissions": ["auth.view_user"]},
        {"model": "products_and_services.Product"},
        {
            "name": "Sync Zoho",
            "url": "admin:integrations_sync_zoho",
            "permissions": ["integrations.view_syncrun"],
        },
        {"model": "integrations.SyncRun"},
        {"name": "API docs", "url": "/api/docs/", "new_window": True},
        {"name": "Health", "url": "/healthz", "new_window": True},
    ],
    "icons": {
        "auth": "fas fa-users-cog",
        "auth.user": "fas fa-user",
        "auth.Group": "fas fa-users",
        "tenants.Tenant": "fas fa-store",
        "tenants.TenantApiKey": "fas fa-key",
        "tenants.AuditLog": "fas fa-clipboard-list",
        "products_and_services.Product": "fas fa-box",
        "products_and_services.ProductVariant": "fas fa-boxes",
        "django_celery_beat.PeriodicTask": "fas fa-clock",
        "integrations.SyncRun": "fas fa-sync",
        "integrations.ZohoCredential": "fas fa-plug",
        "integrations.WooCommerceStore": "fas fa-shopping-cart",
        "integrations.ShopifyStore": "fab fa-shopify",
        "integrations.WebhookLog": "fas fa-inbox",
        "integrations.IntegrationToken": "fas fa-id-badge",
        "integrations.WooCommerceEventLog": "fab fa-wordpress",
        "meta_integration.MetaAppConfig": "fab fa-facebook",
        "meta_integration.MetaDeletion": "fas fa-trash",
        "django_celery_results.TaskResult": "fas fa-tasks",
        "knowledge.KnowledgeDocument": "fas fa-brain",
    },
    "order_with_respect_to": [
        "products_and_services",
        "tenants",
        "meta_integration",
        "integrations",
        "knowledge",
    ],
    "usermenu_links": [
        {"name": "Language / زبان", "url": "admin_language", "icon": "fas fa-language"}
    ],
    "show_ui_builder": False,
    # Everything the admin loads comes from this server: no Google Fonts (the admin works
    # offline and tells no third party who is looking at it).
    "use_google_fonts_cdn": False,
    # Right-to-left touches for Persian (scoped to [dir="rtl"]; LTR pages are unaffected).
    # Layout fixes for every page come from templates/admin/base_site.html.
    "custom_css": "tenants/admin-rtl.css",
    "changeform_format": "horizontal_tabs",
    "related_modal_active": True,
}
JAZZMIN_UI_TWEAKS = {
    # Bootstrap's own theme: the bootswatch themes like flatly @import Google Fonts.
    "theme": "default",
    "navbar": "navbar-white navbar-light",
    "sidebar": "sidebar-dark-primary",
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", default="INFO")},
}
