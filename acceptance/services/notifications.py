"""In-app notifications and their emails, each sent once per user and event."""

from __future__ import annotations

import logging
from collections.abc import Iterable

from django.contrib.auth import get_user_model
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.utils import timezone

from ..models import Case, Notification

logger = logging.getLogger(__name__)

SUPERVISORS = "supervisors"


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


def notify(
    *,
    recipients: Iterable,
    case: Case,
    kind: str,
    key: str,
    title: tuple[str, str],
    body: tuple[str, str] = ("", ""),
) -> list[Notification]:
    """Notify each recipient of event ``key`` once, in the app and by email after commit.

    A recipient already notified of ``key`` is skipped: the unique (recipient, key) constraint
    decides, so two sweeps running at once still send one notice and one email.
    """
    created = []
    for user in {user.pk: user for user in recipients}.values():
        try:
            with transaction.atomic():
                notification = Notification.objects.create(
                    recipient=user,
                    case=case,
                    kind=kind,
                    key=key,
                    title_zh=title[0],
                    title_en=title[1],
                    body_zh=body[0],
                    body_en=body[1],
                )
        except IntegrityError:
            continue
        created.append(notification)
        transaction.on_commit(lambda n=notification: _email(n))
    return created


def notification_read(*, notification: Notification, user) -> None:
    if notification.recipient_id == user.pk and notification.read_at is None:
        notification.read_at = timezone.now()
        notification.save(update_fields=("read_at",))
