"""Settings of the host site, read from the environment.

With nothing set it runs embedded: SQLite, a local media folder and Celery in eager mode.
``DATABASE_URL`` and ``CELERY_BROKER_URL`` switch to PostgreSQL and a Redis broker.
"""

import os
import tempfile
from datetime import timedelta
from pathlib import Path

import dj_database_url

BASE_DIR = Path(__file__).resolve().parent.parent


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


# DJANGO_ENV=production (the Docker image sets it) makes the settings refuse to start with a
# development secret key or with DEBUG on; any other value is the embedded development mode.
PRODUCTION = os.environ.get("DJANGO_ENV", "development").strip().lower() == "production"
DEVELOPMENT_SECRET_KEY = "embedded-development-key-not-for-production"
# Keys that have shipped in this repository's files: public, so never a production key.
KNOWN_SECRET_KEYS = {DEVELOPMENT_SECRET_KEY, "change-me-in-production", "collectstatic"}
SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY") or DEVELOPMENT_SECRET_KEY
DEBUG = env_bool("DJANGO_DEBUG", False)


def production_refusals(secret_key: str, debug: bool) -> list[str]:
    """Why these values may not run in production (Django's own key strength rule included)."""
    refusals = []
    if secret_key in KNOWN_SECRET_KEYS or secret_key.startswith("django-insecure-"):
        refusals.append("DJANGO_SECRET_KEY is unset or a published development value")
    elif len(secret_key) < 50 or len(set(secret_key)) < 5:
        refusals.append("DJANGO_SECRET_KEY must be at least 50 random characters")
    if debug:
        refusals.append("DJANGO_DEBUG is on")
    return refusals


if PRODUCTION and (_refusals := production_refusals(SECRET_KEY, DEBUG)):
    from django.core.exceptions import ImproperlyConfigured

    raise ImproperlyConfigured(
        "生产环境拒绝启动 Refusing to start in production (DJANGO_ENV=production): "
        + "; ".join(_refusals)
        + ". Generate a key with: python -c 'import secrets; print(secrets.token_urlsafe(64))'"
    )
ALLOWED_HOSTS = os.environ.get(
    "DJANGO_ALLOWED_HOSTS", "localhost,127.0.0.1,[::1],testserver"
).split(",")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django_celery_beat",
    "workflows",
    "acceptance",
    "signing",
    "certificates",
    "supervision",
    "access",
    "rest_framework",
    "rest_framework.authtoken",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "webhooks",
    "api",
    "axes",
]

MIDDLEWARE = [
    # First: the request id and latency cover everything after it.
    "config.middleware.RequestContext",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "config.middleware.RequestLimits",
    "django.contrib.messages.middleware.MessageMiddleware",
    "acceptance.middleware.AuditorsReadOnly",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Last: turns a login refused for a lockout into its answer (config.lockout).
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "config" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "acceptance.roles.roles",
                "supervision.roles.inspector",
            ],
        },
    },
]

DATA_DIR = Path(os.environ.get("ARCHIVE_DATA_DIR", BASE_DIR / "var"))

DATABASES = {
    "default": dj_database_url.config(
        default=f"sqlite:///{DATA_DIR / 'db.sqlite3'}",
        conn_max_age=int(os.environ.get("DATABASE_CONN_MAX_AGE", "0")),
        # A kept connection the server dropped (a restart) is replaced before a request uses it.
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATA_DIR.mkdir(parents=True, exist_ok=True)
    # Concurrent requests (the development server's threads, eager Celery tasks, a browser test's
    # live server) on the embedded database: readers never block the writer (WAL); a transaction
    # takes the write lock when it begins (IMMEDIATE), so two never deadlock upgrading a read
    # lock, and a writer waits up to 30 s for the other instead of failing "database is locked".
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        timeout=30,
        transaction_mode="IMMEDIATE",
        init_command="PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    )
    # Tests use a file too: the in-memory default is one connection shared by the test and the
    # live server's threads, where SQLite answers "database table is locked" instead of waiting.
    DATABASES["default"]["TEST"] = {
        "NAME": os.path.join(tempfile.gettempdir(), f"archive-test-{os.getpid()}.sqlite3")
    }

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
# The pages' English: Chinese message ids, translated in locale/en (the .mo is committed).
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "config" / "static"]
STORAGES = {
    # A whole file or nothing: a full disk answers 507, an unusable media folder 503.
    "default": {"BACKEND": "workflows.storage.WholeFileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
STATIC_ROOT = DATA_DIR / "static"
# DEBUG is off by default: in development whitenoise serves the apps' static files itself
# (production serves what collectstatic gathered).
WHITENOISE_USE_FINDERS = not PRODUCTION
MEDIA_URL = "media/"
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", DATA_DIR / "media"))

# Reminders and notices go out by email too. Embedded: written as files to var/mail; a site sets
# DJANGO_EMAIL_BACKEND (e.g. django.core.mail.backends.smtp.EmailBackend) and Django's EMAIL_*.
EMAIL_BACKEND = os.environ.get(
    "DJANGO_EMAIL_BACKEND", "django.core.mail.backends.filebased.EmailBackend"
)
EMAIL_FILE_PATH = DATA_DIR / "mail"
EMAIL_HOST = os.environ.get("DJANGO_EMAIL_HOST", "localhost")
DEFAULT_FROM_EMAIL = os.environ.get("DJANGO_DEFAULT_FROM_EMAIL", "archive@localhost")
# Request bodies other than file uploads: above Django's DATA_UPLOAD_MAX_MEMORY_SIZE (2.5 MB)
# they answer 413; JSON nested deeper than this answers 400 (config.middleware.RequestLimits).
REQUEST_MAX_JSON_DEPTH = int(os.environ.get("REQUEST_MAX_JSON_DEPTH", "32"))
FILE_UPLOAD_PERMISSIONS = 0o640
# Uploads above 2.5 MB stream to a temporary file on disk (never held in memory) and stop at the
# largest size any record kind accepts (acceptance.uploads).
FILE_UPLOAD_MAX_MEMORY_SIZE = 2_621_440
FILE_UPLOAD_TEMP_DIR = os.environ.get("FILE_UPLOAD_TEMP_DIR") or None
FILE_UPLOAD_HANDLERS = [
    "django.core.files.uploadhandler.MemoryFileUploadHandler",
    "acceptance.uploads.LimitedTemporaryFileUploadHandler",
]
# Failed logins (the login page, the admin's and POST /api/auth/token/) are counted per user name
# and client address by django-axes; past the limit that pair is refused, even with the right
# password, until the cool-off ends. The count is kept in the database, so it holds whatever
# the cache does and across all web processes.
AUTHENTICATION_BACKENDS = [
    "config.lockout.LoginAttemptsBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_FAILURE_LIMIT = int(os.environ.get("LOGIN_FAILURE_LIMIT", "10"))
AXES_COOLOFF_TIME = timedelta(minutes=int(os.environ.get("LOGIN_LOCKOUT_MINUTES", "15")))
# Per user name *and* address: a stranger cannot lock a colleague out from elsewhere.
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
# The lockout ends when it said it would: attempts while locked out do not extend it.
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
AXES_LOCKOUT_CALLABLE = "config.lockout.lockout_response"
# REMOTE_ADDR, as for the verification limit: a client cannot choose it.
AXES_IPWARE_META_PRECEDENCE_ORDER = ["REMOTE_ADDR"]
AXES_VERBOSE = False
LOGIN_REDIRECT_URL = "/"
LOGOUT_REDIRECT_URL = "/accounts/login/"

# Celery: eager (in-process) unless a broker is configured.
CELERY_BROKER_URL = os.environ.get("CELERY_BROKER_URL", "memory://localhost/")
CELERY_TASK_ALWAYS_EAGER = env_bool(
    "CELERY_TASK_ALWAYS_EAGER", "CELERY_BROKER_URL" not in os.environ
)
CELERY_TASK_EAGER_PROPAGATES = True
# Deployments sharing one broker keep apart by queue; a worker sends the tasks it starts there too.
CELERY_TASK_DEFAULT_QUEUE = os.environ.get("CELERY_TASK_DEFAULT_QUEUE", "celery")
CELERY_TASK_ACKS_LATE = True
# A worker outlives a broker outage (workflows/jobs/consumer.py says how it would not) and keeps
# trying to reconnect for as long as it lasts, not 100 tries.
CELERY_WORKER_CONSUMER = "workflows.jobs.consumer:Consumer"
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_BROKER_CONNECTION_MAX_RETRIES = None
# No broker call waits without end on a connection that died without closing (a failover, a
# dropped route): the web request's and the sweep's publishes give up within seconds.
CELERY_BROKER_TRANSPORT_OPTIONS = {"socket_timeout": 5, "socket_connect_timeout": 3}
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
# A pool process that grew past this (KiB) after a job is replaced by a fresh one.
CELERY_WORKER_MAX_MEMORY_PER_CHILD = int(
    os.environ.get("CELERY_WORKER_MAX_MEMORY_PER_CHILD", str(1024 * 1024))
)
# The job outbox (workflows/jobs): leases, the sweep's patience, tries and backoff. Short values
# let the fault tests recover in seconds; the defaults recover a dead worker's jobs in minutes.
WORKFLOWS_JOB_LEASE_SECONDS = int(os.environ.get("WORKFLOWS_JOB_LEASE_SECONDS", "120"))
WORKFLOWS_JOB_HEARTBEAT_SECONDS = float(os.environ.get("WORKFLOWS_JOB_HEARTBEAT_SECONDS", "30"))
WORKFLOWS_COMPACT_AFTER_DAYS = int(os.environ.get("WORKFLOWS_COMPACT_AFTER_DAYS", "30"))
# The engine writes an instance's whole workflow state at most this many inputs apart, and when
# it ends; in between the journal carries the inputs (``workflows.engine.InstanceRun.save``).
WORKFLOWS_STATE_CHECKPOINT_EVERY = int(os.environ.get("WORKFLOWS_STATE_CHECKPOINT_EVERY", "8"))
WORKFLOWS_JOB_PICKUP_SECONDS = int(os.environ.get("WORKFLOWS_JOB_PICKUP_SECONDS", "300"))
WORKFLOWS_JOB_ATTEMPTS = int(os.environ.get("WORKFLOWS_JOB_ATTEMPTS", "5"))
WORKFLOWS_JOB_BACKOFF_SECONDS = float(os.environ.get("WORKFLOWS_JOB_BACKOFF_SECONDS", "5"))
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TIMEZONE = TIME_ZONE
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"
CELERY_BEAT_SCHEDULE = {
    "workflows-fire-due-timers": {
        "task": "workflows.fire_due_timers",
        "schedule": timedelta(seconds=int(os.environ.get("WORKFLOWS_TIMER_SWEEP_SECONDS", "60"))),
    },
    # Tasks delegated until a day that is over go back to their owners (委托期满自动收回).
    "workflows-return-expired-delegations": {
        "task": "workflows.return_expired_delegations",
        "schedule": timedelta(
            minutes=int(os.environ.get("WORKFLOWS_DELEGATION_SWEEP_MINUTES", "15"))
        ),
    },
    # A signed checkpoint of every journal chain's head (日志锚点).
    "workflows-anchor-journal": {
        "task": "workflows.anchor_journal",
        "schedule": timedelta(minutes=int(os.environ.get("WORKFLOWS_ANCHOR_MINUTES", "60"))),
    },
    # Jobs whose message was lost (broker down at commit) or whose worker died are sent again.
    "workflows-sweep-jobs": {
        "task": "workflows.sweep_jobs",
        "schedule": timedelta(seconds=int(os.environ.get("WORKFLOWS_JOB_SWEEP_SECONDS", "60"))),
    },
    # Instances ended WORKFLOWS_COMPACT_AFTER_DAYS ago keep their journal, not their live rows.
    "workflows-compact-instances": {
        "task": "workflows.compact_instances",
        "schedule": timedelta(hours=int(os.environ.get("WORKFLOWS_COMPACT_HOURS", "24"))),
    },
    # Commitment deadlines the BPMN timer missed, escalations and reminders (限时承诺巡检).
    "acceptance-commitment-sweep": {
        "task": "acceptance.commitments_sweep",
        "schedule": timedelta(
            minutes=int(os.environ.get("ACCEPTANCE_COMMITMENT_SWEEP_MINUTES", "15"))
        ),
    },
    # Every stored file's SHA-256 recomputed and compared with intake (固定性审计).
    "acceptance-fixity-audit": {
        "task": "acceptance.fixity_audit",
        "schedule": timedelta(hours=int(os.environ.get("ACCEPTANCE_FIXITY_AUDIT_HOURS", "24"))),
    },
}

# workflows/ (the BPMN plugin)
WORKFLOWS_BPMN_DIRS = [BASE_DIR / "bpmn"]
# Journal anchors are signed with the archive's key (see signing/).
WORKFLOWS_ANCHOR_SIGNER = "signing.signers.sign_detached"
WORKFLOWS_ANCHOR_VERIFIER = "signing.validation.detached_signature_problem"
# Digests written from now on (journal, anchors, files at intake, bundle manifests): "sha256" or
# "sm3" (GB/T 32905). Each record names its algorithm, so switching leaves every chain verifying.
WORKFLOWS_DIGEST_ALGORITHM = os.environ.get("WORKFLOWS_DIGEST_ALGORITHM", "sha256")
# Task pages per kind of business object: an acceptance case's tasks ask the acceptance domain
# for the case, its materials and field choices; an inspection's tasks are worked on its own page
# (supervision); any other task gets the plugin's plain pages.
WORKFLOWS_TASK_PAGES = {
    "acceptance.case": "acceptance.views.tasks.AcceptanceTaskPages",
    "supervision.inspection": "supervision.pages.InspectionTaskPages",
    "access.accessrequest": "access.pages.AccessTaskPages",
    "*": "workflows.pages.TaskPages",
}
# A task due within this many hours is marked as near its deadline in the inbox.
WORKFLOWS_NEAR_DUE_HOURS = int(os.environ.get("WORKFLOWS_NEAR_DUE_HOURS", "24"))
# Limits of every BPMN script and expression (see "What the script sandbox refuses" in the
# README): CPU time and wall-clock time per evaluation, memory it may add to the process, task
# data a script may leave.
WORKFLOWS_SCRIPT_CPU_SECONDS = float(os.environ.get("WORKFLOWS_SCRIPT_CPU_SECONDS", "1"))
WORKFLOWS_SCRIPT_WALL_SECONDS = float(os.environ.get("WORKFLOWS_SCRIPT_WALL_SECONDS", "2"))
WORKFLOWS_SCRIPT_MEMORY_MB = int(os.environ.get("WORKFLOWS_SCRIPT_MEMORY_MB", "64"))
WORKFLOWS_TASK_DATA_MAX_KB = int(os.environ.get("WORKFLOWS_TASK_DATA_MAX_KB", "1024"))
# The role of user tasks outside any lane; empty: deploy refuses a lane-less task with no assignee.
WORKFLOWS_DEFAULT_TASK_ROLE = os.environ.get("WORKFLOWS_DEFAULT_TASK_ROLE", "")
WORKFLOWS_LANE_ROLES = {
    "owner": "owners",
    "reviewer": "reviewers",
    "inspector": "inspectors",
    "archivist": "archivists",
}
# Who sees every open task and assigns any of them (a reviewer on leave, a task nobody can take).
WORKFLOWS_SUPERVISOR_ROLES = ["supervisors"]

# acceptance/ (the domain): durations are ISO 8601, handed to the process as variables.
ACCEPTANCE_REVIEW_SLA = os.environ.get("ACCEPTANCE_REVIEW_SLA", "P5D")
# access/ (查档利用): the archivist decides within this many working days (holiday calendar).
ACCESS_REVIEW_WORKING_DAYS = int(os.environ.get("ACCESS_REVIEW_WORKING_DAYS", "5"))
ACCEPTANCE_COMMITMENT_PERIOD = os.environ.get("ACCEPTANCE_COMMITMENT_PERIOD", "P3M")
# Photos and recordings per job of the process's AV check (default in acceptance.conf).
if os.environ.get("ACCEPTANCE_MEDIA_CHECK_CHUNK"):
    ACCEPTANCE_MEDIA_CHECK_CHUNK = int(os.environ["ACCEPTANCE_MEDIA_CHECK_CHUNK"])

# supervision/ (双随机一公开): the inspector's time for an inspection or a re-inspection before
# the supervisors are told (ISO 8601), and the rectification period an inspector proposes, in
# working days (整改期限, counted on the holiday calendar).
SUPERVISION_INSPECTION_SLA = os.environ.get("SUPERVISION_INSPECTION_SLA", "P10D")
SUPERVISION_RECTIFICATION_DAYS = int(os.environ.get("SUPERVISION_RECTIFICATION_DAYS", "15"))
# `manage.py demo` runs acceptance's cases, then each of these (dotted paths, ``f(say=print)``).
DEMO_EXTENSIONS = ["supervision.demo.run"]

# certificates/: what a certificate is issued for (its subject), as AUTH_USER_MODEL names users.
CERTIFICATES_SUBJECT_MODEL = "acceptance.Case"
CERTIFICATES_NUMBER_PATTERN = os.environ.get(
    "CERTIFICATES_NUMBER_PATTERN", "{prefix}{year}-{sequence:05d}"
)
CERTIFICATES_NUMBER_PREFIX = os.environ.get("CERTIFICATES_NUMBER_PREFIX", "JGYS")
CERTIFICATES_ISSUER_NAME = os.environ.get(
    "CERTIFICATES_ISSUER_NAME", "城市建设档案馆 City Construction Archive"
)
# Signing: by default the development key that `manage.py create_dev_signing_ca` makes (the demo
# runs it). NOT FOR PRODUCTION: set the archive's own PKCS#12 file, its password and its CA.
CERTIFICATES_SIGNER = os.environ.get("CERTIFICATES_SIGNER", "signing.signers.Pkcs12FileSigner")
CERTIFICATES_PKCS12_PATH = os.environ.get(
    "CERTIFICATES_PKCS12_PATH", str(DATA_DIR / "signing" / "dev-signer.p12")
)
CERTIFICATES_PKCS12_PASSWORD = os.environ.get(
    "CERTIFICATES_PKCS12_PASSWORD", "development-only-not-for-production"
)
CERTIFICATES_TRUST_ROOTS = os.environ.get(
    "CERTIFICATES_TRUST_ROOTS", str(DATA_DIR / "signing" / "dev-ca.pem")
).split(os.pathsep)
CERTIFICATES_VERIFY_BASE_URL = os.environ.get(
    "CERTIFICATES_VERIFY_BASE_URL", "http://localhost:8000/verify/"
)
CERTIFICATES_VERIFY_RATE_LIMIT = int(os.environ.get("CERTIFICATES_VERIFY_RATE_LIMIT", "20"))
# Which formats a certificate is issued in: "pdf" or "pdf,ofd" (the sealed OFD too, the default).
CERTIFICATES_FORMATS = os.environ.get("CERTIFICATES_FORMATS", "pdf,ofd")
# The OFD's SM2 electronic seal: unset, the development files create_dev_signing_ca makes.
for _name in (
    "SIGNING_SM2_KEY_PATH",
    "SIGNING_SM2_KEY_PASSWORD",
    "SIGNING_SM2_CERTIFICATE_PATH",
    "SIGNING_SEAL_PATH",
):
    if os.environ.get(_name):
        globals()[_name] = os.environ[_name]
if os.environ.get("SIGNING_SM2_TRUST_ROOTS"):
    SIGNING_SM2_TRUST_ROOTS = os.environ["SIGNING_SM2_TRUST_ROOTS"].split(":")

# api/ (REST, OpenAPI 3 at /api/schema/): tokens for machines, sessions for browsers.
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        # First, so that a request without credentials answers 401 with WWW-Authenticate.
        "rest_framework.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["api.permissions.ApiAccess"],
    "DEFAULT_RENDERER_CLASSES": [
        "rest_framework.renderers.JSONRenderer",
        "rest_framework.renderers.BrowsableAPIRenderer",
    ],
    "DEFAULT_PAGINATION_CLASS": "api.pagination.Pages",
    "DEFAULT_SCHEMA_CLASS": "api.schema.ApiSchema",
    "EXCEPTION_HANDLER": "api.exceptions.exception_handler",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "竣工档案验收 API · Completion archive acceptance API",
    "DESCRIPTION": (
        "建设工程竣工档案验收：项目、施工节点、案件、材料上传、待办任务、验收决定、限时承诺、"
        "电子证书与操作日志；外部平台可按自有编号创建项目并订阅案件状态变更（签名 webhook）。"
        "认证：`Authorization: Token <令牌>`（POST /api/auth/token/ 获取）或浏览器会话。"
        "错误统一为 {code, message_zh, message_en, field}。\n\n"
        "Construction-project completion archive acceptance: projects, construction nodes, "
        "cases, material uploads, tasks, decisions, commitments, certificates and the journal; "
        "external platforms create projects under their own reference and subscribe to case "
        "status changes (signed webhooks). Authenticate with `Authorization: Token <token>` "
        "(POST /api/auth/token/) or a browser session. Every error is {code, message_zh, "
        "message_en, field}."
    ),
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SERVE_PERMISSIONS": ["api.permissions.ApiAccess"],
    "COMPONENT_SPLIT_REQUEST": True,
    "SCHEMA_PATH_PREFIX": "/api/",
    # Swagger UI and Redoc from the installed drf-spectacular-sidecar: no CDN needed.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "api.schema.refuse_nul_in_parameters",
    ],
    "ENUM_NAME_OVERRIDES": {
        "CaseStatusEnum": "acceptance.models.Case.Status",
        "MaterialStatusEnum": "acceptance.models.Material.Status",
        "CommitmentStatusEnum": "acceptance.models.Commitment.Status",
        "CertificateStatusEnum": "certificates.models.Certificate.Status",
        "TaskStatusEnum": "workflows.models.HumanTask.Status",
        "DeliveryStatusEnum": "webhooks.models.WebhookDelivery.Status",
        "DecisionOutcomeEnum": "acceptance.models.Decision.Outcome",
        "InspectionOutcomeEnum": "api.serializers.supervision.OUTCOMES",
        "ForwardingStatusEnum": "access.models.Forwarding.Status",
    },
}

# The public supervision results under /api/public/: requests per client address and window (s)
# before answering 429, counted like certificate verification (shared with CACHE_URL).
API_PUBLIC_RATE_LIMIT = int(os.environ.get("API_PUBLIC_RATE_LIMIT", "60"))
API_PUBLIC_RATE_WINDOW = int(os.environ.get("API_PUBLIC_RATE_WINDOW", "60"))

# webhooks/: deliveries retried after 30 s, 1 min, 2 min, … (at most 1 h), 8 attempts in all.
WEBHOOKS_MAX_ATTEMPTS = int(os.environ.get("WEBHOOKS_MAX_ATTEMPTS", "8"))
WEBHOOKS_BACKOFF_SECONDS = int(os.environ.get("WEBHOOKS_BACKOFF_SECONDS", "30"))
WEBHOOKS_TIMEOUT_SECONDS = int(os.environ.get("WEBHOOKS_TIMEOUT_SECONDS", "10"))
# Receivers on loopback or private networks are refused unless this is set (an intranet portal).
WEBHOOKS_ALLOW_PRIVATE_ADDRESSES = env_bool("WEBHOOKS_ALLOW_PRIVATE_ADDRESSES", False)

# The cache holds the verification rate limit's counters: shared by all processes with Redis.
if os.environ.get("CACHE_URL"):
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": os.environ["CACHE_URL"],
            # An unreachable cache fails fast: what uses it carries on without it.
            "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
        }
    }

# LOG_FORMAT=json (the Docker image sets it): one JSON object per line with the request id and
# the case reference; plain text otherwise, for a developer's terminal.
LOG_FORMAT = os.environ.get("LOG_FORMAT", "text").strip().lower()
LOG_CASE_URL_KWARG = "reference"  # the URL argument naming the case a page is about
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"context": {"()": "workflows.logcontext.ContextFilter"}},
    "formatters": {
        "text": {
            "format": "%(asctime)s %(levelname)s %(name)s [%(request_id)s %(case_reference)s] "
            "%(message)s"
        },
        "json": {
            "()": "pythonjsonlogger.json.JsonFormatter",
            "fmt": "%(levelname)s %(name)s %(message)s %(request_id)s %(case_reference)s",
            "rename_fields": {"levelname": "level", "name": "logger"},
            "timestamp": "time",
        },
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "filters": ["context"],
            "formatter": "json" if LOG_FORMAT == "json" else "text",
        }
    },
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "WARNING")},
}

# /metrics: callers by address (addresses or networks, comma-separated) or by bearer token.
METRICS_ALLOWED_IPS = [
    net.strip()
    for net in os.environ.get("METRICS_ALLOWED_IPS", "127.0.0.1,::1").split(",")
    if net.strip()
]
METRICS_BEARER_TOKEN = os.environ.get("METRICS_BEARER_TOKEN", "")
