from ..models import Notification


def notifications_for(user, *, limit: int = 20):
    """The user's latest notifications, unread first."""
    if not user.is_authenticated:
        return Notification.objects.none()
    return (
        Notification.objects.filter(recipient=user)
        .select_related("case")
        .order_by("read_at", "-created_at", "-pk")[:limit]
    )
