"""In-app notifications and their emails, each sent once per user and event."""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.core.mail import send_mail
from django.db import connection, transaction
from django.utils import timezone

from ..models import Case, Notification

logger = logging.getLogger(__name__)

SUPERVISORS = "supervisors"
INSERTED_FIELDS = (
    "recipient", "case", "kind", "key", "title_zh", "title_en", "body_zh", "body_en", "created_at",
)  # fmt: skip
# Rows per INSERT: nine parameters each, well within SQLite's and PostgreSQL's limits.
INSERT_ROWS = 500


def supervisors():
    return get_user_model().objects.filter(groups__name=SUPERVISORS, is_active=True)


def owner_side(case: Case) -> list:
    """Who hears of a case for its owner: the user who opened it and the owner's members."""
    return [case.owner_user, *case.project.owner.members.all()]


def _email(notification: Notification) -> None:
    address = notification.recipient.email
    if not address:
        return
    try:
        send_mail(
            f"{notification.title_zh} {notification.title_en}",
            f"{notification.body_zh}\n\n{notification.body_en}",
            None,
            [address],
        )
    except Exception:  # the notice stays in the app; a mail server down must not undo a sweep
        logger.exception("emailing notification %s failed", notification.pk)


@dataclass(frozen=True)
class Notice:
    """One event (``key``) told to its recipients, in the app and by email."""

    recipients: Iterable
    case: Case
    kind: str
    key: str
    title: tuple[str, str]
    body: tuple[str, str] = ("", "")


def notify(
    *,
    recipients: Iterable,
    case: Case,
    kind: str,
    key: str,
    title: tuple[str, str],
    body: tuple[str, str] = ("", ""),
) -> list[Notification]:
    """Notify each recipient of event ``key`` once, in the app and by email after commit."""
    return notices_send([Notice(recipients, case, kind, key, title, body)])


def notices_send(notices: Iterable[Notice]) -> list[Notification]:
    """Send ``notices``, each recipient once per event: one statement per few hundred messages.

    A recipient already notified of an event is skipped: the unique (recipient, key) constraint
    decides, inside the insert (``ON CONFLICT DO NOTHING``), so two sweeps running at once still
    send one notice and one email. Returns the notifications made now; their emails go after
    commit.
    """
    now = timezone.now()
    pending = {}
    for notice in notices:
        for user in notice.recipients:
            pending.setdefault(
                (user.pk, notice.key),
                Notification(
                    recipient=user,
                    case=notice.case,
                    kind=notice.kind,
                    key=notice.key,
                    title_zh=notice.title[0],
                    title_en=notice.title[1],
                    body_zh=notice.body[0],
                    body_en=notice.body[1],
                    created_at=now,
                ),
            )
    rows = list(pending.values())
    created = []
    for start in range(0, len(rows), INSERT_ROWS):
        for pk, recipient_id, key in _insert_new(rows[start : start + INSERT_ROWS]):
            notification = pending[(recipient_id, key)]
            notification.pk = pk
            created.append(notification)
            transaction.on_commit(lambda n=notification: _email(n))
    return created


def _insert_new(rows: list[Notification]) -> list[tuple[int, int, str]]:
    """Insert the rows no (recipient, key) holds yet; the (id, recipient, key) of those made."""
    if not rows:
        return []
    meta = Notification._meta
    fields = [meta.get_field(name) for name in INSERTED_FIELDS]
    columns = ", ".join(connection.ops.quote_name(field.column) for field in fields)
    values = ", ".join([f"({', '.join(['%s'] * len(fields))})"] * len(rows))
    params = [
        field.get_db_prep_save(getattr(row, field.attname), connection)
        for row in rows
        for field in fields
    ]
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {connection.ops.quote_name(meta.db_table)} ({columns}) VALUES {values} "
            "ON CONFLICT (recipient_id, key) DO NOTHING RETURNING id, recipient_id, key",
            params,
        )
        return cursor.fetchall()


def notification_read(*, notification: Notification, user) -> None:
    if notification.recipient_id == user.pk and notification.read_at is None:
        notification.read_at = timezone.now()
        notification.save(update_fields=("read_at",))
