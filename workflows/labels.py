"""One place for the words a person reads instead of the machine's: the label registry.

Pages never show an event code, a BPMN id, a group name, a status value, a rule id or an ISO
duration as they are stored. Each app registers its labels here, by namespace, in a
``labels.py`` module found at start-up (``autodiscover_modules("labels")``, like ``admin``):

    register("event", {"material.uploaded": ("材料上传", "material uploaded")})

and templates read them with the ``labels`` filters (``{{ entry.kind|label:"event" }}``,
``{{ period|duration_words }}``, ``{{ due|shanghai }}``). A key nobody registered shows the
namespace's fallback word, never the raw key, so a new event kind cannot leak onto a page.

Namespaces used across the site:

- ``event``: journal entry kinds; ``task``: BPMN task ids; ``task_status``;
  ``instance_status``; ``group``: Django group names (roles); ``variable``: process variable
  names shown as facts; ``rule``: check and drawing rule ids; ``check_state``: a material's
  check state; ``field``: catalog fields; ``property``: the four archive properties.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

SHANGHAI = ZoneInfo("Asia/Shanghai")


@dataclass(frozen=True)
class Label:
    """A label in Chinese and English; ``str()`` is the Chinese."""

    zh: str
    en: str

    def __str__(self) -> str:
        return self.zh

    @property
    def bilingual(self) -> str:
        return f"{self.zh} {self.en}" if self.en and self.en != self.zh else self.zh


class LabelConflict(ValueError):
    """A key registered twice with different words: two apps disagree about one name."""


_LABELS: dict[str, dict[str, Label]] = {}
_FALLBACKS: dict[str, Label] = {}
DEFAULT_FALLBACK = Label("其他", "other")


def register(namespace: str, labels: dict[str, tuple[str, str]], *, fallback=None) -> None:
    """Add ``labels`` (key -> (Chinese, English)) to ``namespace``.

    Registering a key again with the same words is harmless (modules may be imported twice);
    with other words it raises :class:`LabelConflict`.
    """
    table = _LABELS.setdefault(namespace, {})
    for key, (zh, en) in labels.items():
        new = Label(zh, en)
        if table.get(key, new) != new:
            raise LabelConflict(f"label {namespace}:{key} is already {table[key]!r}, not {new!r}")
        table[key] = new
    if fallback is not None:
        _FALLBACKS[namespace] = Label(*fallback)


def label(namespace: str, key) -> Label:
    """The label of ``key`` in ``namespace``; the namespace's fallback when none is registered."""
    table = _LABELS.get(namespace, {})
    found = table.get(str(key) if key is not None else "")
    return found or _FALLBACKS.get(namespace, DEFAULT_FALLBACK)


def is_labelled(namespace: str, key) -> bool:
    return str(key) in _LABELS.get(namespace, {})


def labels(namespace: str) -> dict[str, Label]:
    """Every registered label of ``namespace`` (a copy)."""
    return dict(_LABELS.get(namespace, {}))


_DURATION = re.compile(
    r"^P(?:(?P<years>\d+)Y)?(?:(?P<months>\d+)M)?(?:(?P<weeks>\d+)W)?(?:(?P<days>\d+)D)?"
    r"(?:T(?:(?P<hours>\d+)H)?(?:(?P<minutes>\d+)M)?(?:(?P<seconds>\d+)S)?)?$"
)
_UNITS = (
    ("years", "年", "year"),
    ("months", "个月", "month"),
    ("weeks", "周", "week"),
    ("days", "天", "day"),
    ("hours", "小时", "hour"),
    ("minutes", "分钟", "minute"),
    ("seconds", "秒", "second"),
)


def duration_label(value: str) -> Label:
    """An ISO 8601 duration in words: ``P3M`` -> 3 个月 / 3 months; other text unchanged."""
    match = _DURATION.match(str(value or "").strip())
    if not match or not any(match.groupdict().values()):
        return Label(str(value or "—"), str(value or "—"))
    parts = [(int(match[name]), zh, en) for name, zh, en in _UNITS if match[name]]
    return Label(
        " ".join(f"{n} {zh}" for n, zh, _ in parts),
        " ".join(f"{n} {en}{'' if n == 1 else 's'}" for n, _, en in parts),
    )


def local_time(value, fmt: str = "%Y-%m-%d %H:%M") -> str:
    """A moment in Asia/Shanghai as a clerk writes it; accepts datetimes and ISO strings.

    A date stays a date; a naive datetime is taken as UTC (how the site stores moments).
    Anything else is returned as it is.
    """
    if value in (None, ""):
        return "—"
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value)
        except ValueError:
            return value
    if isinstance(value, datetime):
        if value.tzinfo is None:
            value = value.replace(tzinfo=ZoneInfo("UTC"))
        return value.astimezone(SHANGHAI).strftime(fmt)
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


register(
    "task_status",
    {
        "open": ("待办理", "open"),
        "completed": ("已办结", "completed"),
        "cancelled": ("已取消", "cancelled"),
    },
    fallback=("—", "—"),
)
# A step's state in SpiffWorkflow's own words (TaskState names), as a replay shows active steps.
register(
    "step_state",
    {
        "READY": ("待办理", "ready"),
        "WAITING": ("等待中", "waiting"),
        "STARTED": ("处理中", "started"),
        "ERROR": ("出错", "failed"),
    },
    fallback=("—", "—"),
)
register(
    "instance_status",
    {
        "running": ("运行中", "running"),
        "waiting": ("等待办理", "waiting"),
        "completed": ("已完成", "completed"),
        "incident": ("异常待处理", "incident"),
        "cancelled": ("已取消", "cancelled"),
    },
    fallback=("—", "—"),
)
register(
    "event",
    {
        "instance.started": ("流程启动", "process started"),
        "task.completed": ("任务办结", "task completed"),
        "task.claimed": ("任务领取", "task claimed"),
        "task.released": ("任务退回待领", "task released"),
        "task.reassigned": ("任务改派", "task reassigned"),
        "task.delegated": ("任务委托", "task delegated"),
        "task.resolved": ("委托办毕退回", "delegated task returned"),
        "task.recalled": ("委托收回", "delegation recalled"),
        "delegation.standing_set": ("设置长期委托", "standing delegation set"),
        "delegation.standing_cancelled": ("撤销长期委托", "standing delegation cancelled"),
        "service.completed": ("系统处理完成", "system step completed"),
        "service.discarded": ("系统处理作废", "system step discarded"),
        "timer.fired": ("定时触发", "timer fired"),
        "timer.rescheduled": ("期限重新计算", "timer moved to a recomputed deadline"),
        "message.received": ("收到消息", "message received"),
        "incident.raised": ("异常发生", "incident raised"),
        "incident.retried": ("异常重试", "incident retried"),
        "calendar.year_entered": ("节假日安排录入", "holiday arrangement entered"),
        "calendar.day_changed": ("节假日日历修改", "holiday calendar day changed"),
        "instance.cancelled": ("流程取消", "process cancelled"),
        "instance.migrated": ("迁移到流程新版本", "moved to another process version"),
        "instance.migration_reverted": ("撤销流程版本迁移", "process version migration reverted"),
    },
    fallback=("其他记录", "other record"),
)
# The kinds of error an incident names, in words: the ones the plugin and Python raise; an app
# registers its own. The class name stays in the incident's folded technical detail.
register(
    "error_type",
    {
        "ValueError": ("数据不符合要求", "invalid data"),
        "KeyError": ("缺少所需数据", "missing data"),
        "TypeError": ("数据类型不符", "wrong kind of data"),
        "NameError": ("流程表达式引用了不存在的数据", "expression names unknown data"),
        "ZeroDivisionError": ("计算错误", "calculation error"),
        "OperationalError": ("数据库暂时不可用", "database unavailable"),
        "InterfaceError": ("数据库连接中断", "database connection lost"),
        "IntegrityError": ("数据冲突", "conflicting data"),
        "ConnectionError": ("连接外部服务失败", "connection failed"),
        "TimeoutError": ("等待超时", "timed out"),
        "OSError": ("文件存储错误", "file storage error"),
        "FileNotFoundError": ("文件不存在", "file not found"),
        "PermissionError": ("无权访问文件", "file access denied"),
        "TransientServiceError": ("外部服务暂不可用", "service temporarily unavailable"),
        "JobTimeLimitExceeded": ("处理超过时限", "ran past its time limit"),
        "ServiceNotRegistered": ("系统处理程序缺失", "no handler for the step"),
        "ScriptRejected": ("流程脚本不被允许", "script refused"),
        "ScriptLimitExceeded": ("流程脚本超出限制", "script limit exceeded"),
        "ScriptDataRejected": ("流程数据无法保存", "process data cannot be saved"),
        "TaskDataInvalid": ("任务数据无效", "invalid task data"),
        "TaskTreeTooDeep": ("流程循环次数过多", "process looped too often"),
        "WorkflowTaskException": ("流程步骤出错", "process step failed"),
        "WorkflowException": ("流程出错", "process error"),
    },
    fallback=("其他错误", "other error"),
)
# Service operations (the system steps of a process); each app registers its own.
register("service", {}, fallback=("系统处理", "system step"))
register(
    "incident_age",
    {
        "hour": ("1 小时内", "under an hour"),
        "day": ("1 小时至 1 天", "an hour to a day"),
        "week": ("1 至 7 天", "one to seven days"),
        "older": ("超过 7 天", "over a week"),
    },
)
