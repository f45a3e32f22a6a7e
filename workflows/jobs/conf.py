"""Settings of the job path, with their defaults (seconds unless named otherwise)."""

from django.conf import settings

DEFAULTS = {
    # A worker's hold on a running job; renewed every heartbeat while the job runs.
    "WORKFLOWS_JOB_LEASE_SECONDS": 120,
    "WORKFLOWS_JOB_HEARTBEAT_SECONDS": 30,
    # A row not taken by a worker this long after it was due (or last re-sent) is sent again.
    "WORKFLOWS_JOB_PICKUP_SECONDS": 300,
    # Tries in all before a job fails for good; per service operation in the second setting.
    "WORKFLOWS_JOB_ATTEMPTS": 5,
    "WORKFLOWS_SERVICE_ATTEMPTS": {},
    # Wait before try n + 1: base × 2^(n-1), at most the cap.
    "WORKFLOWS_JOB_BACKOFF_SECONDS": 5,
    "WORKFLOWS_JOB_BACKOFF_MAX_SECONDS": 600,
    # Soft time limit per Celery task name, over the task's own default; the hard limit is
    # WORKFLOWS_JOB_HARD_LIMIT_GRACE seconds later.
    "WORKFLOWS_JOB_TIME_LIMITS": {},
    "WORKFLOWS_JOB_HARD_LIMIT_GRACE": 60,
}


def setting(name: str):
    return getattr(settings, name, DEFAULTS[name])


def soft_time_limit(task: str, default: int) -> int:
    """The soft time limit (s) of Celery task ``task``: the setting's, else the task's default."""
    return setting("WORKFLOWS_JOB_TIME_LIMITS").get(task, default)
